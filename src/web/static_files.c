/*
 * static_files.c - the storefront's files (see static_files.h).
 *
 * Caching: a file whose name carries a content hash ("app.3f9a1c2e.js") is
 * cached for a year and marked immutable; HTML must be revalidated every
 * time (no-cache, answered 304 when the ETag still matches); the rest for
 * five minutes. HTML also carries the security headers: the Content
 * Security Policy of CONTENT_SECURITY_POLICY (by default only this origin's
 * scripts, styles, images and API, no inline code, no framing; "off" sends
 * none), X-Content-Type-Options and Referrer-Policy.
 */
#include "static_files.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "rs_config.h"
#include "rs_log.h"
#include "rs_percent.h"

#define MAX_FILE_SIZE (8 * 1024 * 1024)
#define PLACEHOLDER "/images/placeholder.svg"

#define POLICY_MAX    4096

static const char strict_policy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'";

static const char *csp;      /* NULL: no Content-Security-Policy header */

typedef struct static_file {
    char       *path;           /* "/css/shop.css" */
    char       *data;
    size_t      len;
    char       *gz;             /* NULL when not worth compressing */
    size_t      gz_len;
    char        etag[24];       /* "\"<16 hex digits>\"" */
    const char *mime;
    const char *cache_control;
    bool        html;
} static_file;

static static_file *files;
static size_t nfiles, capacity;
static char root_real[PATH_MAX];

/* ---- what a file is ---- */

static const char *mime_type(const char *path, bool *text)
{
    static const struct { const char *ext, *mime; bool text; } types[] = {
        {".html", "text/html; charset=utf-8", true},
        {".css", "text/css; charset=utf-8", true},
        {".js", "text/javascript; charset=utf-8", true},
        {".mjs", "text/javascript; charset=utf-8", true},
        {".json", "application/json", true},
        {".svg", "image/svg+xml", true},
        {".txt", "text/plain; charset=utf-8", true},
        {".map", "application/json", true},
        {".yaml", "application/yaml", true},
        {".png", "image/png", false},
        {".jpg", "image/jpeg", false},
        {".jpeg", "image/jpeg", false},
        {".gif", "image/gif", false},
        {".webp", "image/webp", false},
        {".ico", "image/x-icon", false},
        {".woff2", "font/woff2", false},
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot != NULL && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(dot, types[i].ext) == 0) {
            *text = types[i].text;
            return types[i].mime;
        }
    }
    *text = false;
    return "application/octet-stream";
}

/* "name.<8 or more hex digits>.ext": the name changes with the content. */
static bool fingerprinted(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    const char *last = strrchr(base, '.');
    if (last == NULL || last == base)
        return false;
    const char *p = last - 1;
    size_t hex = 0;
    while (p > base && isxdigit((unsigned char)*p)) {
        p--;
        hex++;
    }
    return *p == '.' && hex >= 8;
}

static void content_etag(const char *data, size_t len, char out[24])
{
    unsigned long long h = 1469598103934665603ULL;   /* FNV-1a, 64 bits */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= 1099511628211ULL;
    }
    snprintf(out, 24, "\"%016llx\"", h);
}

/* A gzip copy, kept only when it is smaller. */
static void compress_copy(static_file *f)
{
    z_stream z = {0};
    if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    size_t bound = deflateBound(&z, (uLong)f->len);
    char *out = malloc(bound);
    if (out != NULL) {
        z.next_in = (Bytef *)f->data;
        z.avail_in = (uInt)f->len;
        z.next_out = (Bytef *)out;
        z.avail_out = (uInt)bound;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out < f->len) {
            f->gz = out;
            f->gz_len = z.total_out;
            out = NULL;
        }
        free(out);
    }
    deflateEnd(&z);
}

/* ---- loading ---- */

static char *read_file(const char *file, size_t *len)
{
    FILE *fp = fopen(file, "rb");
    if (fp == NULL)
        return NULL;
    char *data = NULL;
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && st.st_size <= MAX_FILE_SIZE &&
        (data = malloc((size_t)st.st_size + 1)) != NULL &&
        fread(data, 1, (size_t)st.st_size, fp) != (size_t)st.st_size) {
        free(data);
        data = NULL;
    }
    if (data != NULL)
        *len = (size_t)st.st_size;
    fclose(fp);
    return data;
}

static int add_file(const char *file, const char *url_path)
{
    if (nfiles == capacity) {
        size_t cap = capacity ? capacity * 2 : 64;
        static_file *grown = realloc(files, cap * sizeof *files);
        if (grown == NULL)
            return -1;
        files = grown;
        capacity = cap;
    }
    static_file *f = &files[nfiles];
    memset(f, 0, sizeof *f);
    if ((f->data = read_file(file, &f->len)) == NULL || (f->path = strdup(url_path)) == NULL) {
        free(f->data);
        rs_log(RS_ERROR, "ui: cannot read %s", file);
        return -1;
    }
    bool text;
    f->mime = mime_type(url_path, &text);
    f->html = strncmp(f->mime, "text/html", 9) == 0;
    f->cache_control = fingerprinted(url_path) ? "public, max-age=31536000, immutable"
                     : f->html                 ? "no-cache"
                                               : "public, max-age=300";
    content_etag(f->data, f->len, f->etag);
    if (text)
        compress_copy(f);
    nfiles++;
    return 0;
}

/* Whether a resolved path lies inside the UI directory. */
static bool inside_root(const char *file)
{
    char real[PATH_MAX];
    size_t n = strlen(root_real);
    return realpath(file, real) != NULL && strncmp(real, root_real, n) == 0 && real[n] == '/';
}

static int load_dir(const char *dir, const char *url_dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;   /* ".", "..", and hidden files are not served */
        char file[PATH_MAX], url_path[PATH_MAX];
        struct stat st;
        if (snprintf(file, sizeof file, "%s/%s", dir, e->d_name) >= (int)sizeof file ||
            snprintf(url_path, sizeof url_path, "%s/%s", url_dir, e->d_name) >= (int)sizeof url_path ||
            stat(file, &st) != 0)
            continue;
        if (!inside_root(file)) {
            rs_log(RS_WARN, "ui: %s leads out of the UI directory; not served", file);
            continue;
        }
        if (S_ISDIR(st.st_mode))
            rc = load_dir(file, url_path);
        else if (S_ISREG(st.st_mode))
            rc = add_file(file, url_path);
    }
    closedir(d);
    return rc;
}

static int by_path(const void *a, const void *b)
{
    return strcmp(((const static_file *)a)->path, ((const static_file *)b)->path);
}

/* CONTENT_SECURITY_POLICY: unset or empty, the strict policy; "off", none;
 * else the policy as given, which must be one header value: printable
 * ASCII (no CR, LF or other control byte), at most POLICY_MAX bytes. */
static void read_policy(void)
{
    const char *value = rs_config_str("CONTENT_SECURITY_POLICY", strict_policy);
    if (strcmp(value, "off") == 0) {
        csp = NULL;
        return;
    }
    size_t n = strlen(value);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)value[i];
        if (ch < 0x20 || ch > 0x7e) {
            rs_config_fail("CONTENT_SECURITY_POLICY holds a control or non-ASCII byte "
                           "(0x%02x at %zu): expected one header value of printable ASCII, "
                           "or \"off\"", ch, i);
        }
    }
    if (n > POLICY_MAX) {
        rs_config_fail("CONTENT_SECURITY_POLICY is %zu bytes: expected at most %d",
                       n, POLICY_MAX);
    }
    csp = value;
}

int static_files_load(const char *root)
{
    read_policy();
    if (realpath(root, root_real) == NULL || load_dir(root_real, "") != 0) {
        rs_log(RS_ERROR, "ui: cannot read the UI directory %s", root);
        return -1;
    }
    if (nfiles > 0)
        qsort(files, nfiles, sizeof *files, by_path);
    rs_log(RS_INFO, "ui: %zu files from %s", nfiles, root_real);
    return 0;
}

void static_files_free(void)
{
    for (size_t i = 0; i < nfiles; i++) {
        free(files[i].path);
        free(files[i].data);
        free(files[i].gz);
    }
    free(files);
    files = NULL;
    nfiles = capacity = 0;
}

size_t static_files_count(void)
{
    return nfiles;
}

/* ---- serving ---- */

static const static_file *find(const char *path)
{
    static_file key = {.path = (char *)path};
    return nfiles > 0 ? bsearch(&key, files, nfiles, sizeof *files, by_path) : NULL;
}

/* The file a request path names: "/" and "/dir/" mean their index.html. */
static const static_file *lookup(const char *raw)
{
    char path[PATH_MAX];
    size_t n = strlen(raw);
    const char *index = n > 0 && raw[n - 1] == '/' ? "index.html" : "";
    if (snprintf(path, sizeof path, "%s%s", raw, index) >= (int)sizeof path ||
        rs_percent_decode(path, 0) != 0)
        return NULL;
    const static_file *f = find(path);
    if (f == NULL && strncmp(path, "/images/", 8) == 0)
        f = find(PLACEHOLDER);
    return f;
}

static bool accepts_gzip(rs_request *req)
{
    const char *ae = rs_req_header(req, "Accept-Encoding");
    return ae != NULL && strstr(ae, "gzip") != NULL;
}

static bool etag_matches(rs_request *req, const static_file *f)
{
    const char *inm = rs_req_header(req, "If-None-Match");
    return inm != NULL && (strstr(inm, f->etag) != NULL || strcmp(inm, "*") == 0);
}

void serve_static(rs_request *req)
{
    const static_file *f = lookup(rs_req_path(req));
    if (f == NULL) {
        rs_reply_error(req, 404, "not found");
        return;
    }
    rs_reply_header(req, "ETag", f->etag);
    rs_reply_header(req, "Cache-Control", f->cache_control);
    if (f->gz != NULL)
        rs_reply_header(req, "Vary", "Accept-Encoding");
    if (f->html) {
        if (csp != NULL)
            rs_reply_header(req, "Content-Security-Policy", csp);
        rs_reply_header(req, "X-Content-Type-Options", "nosniff");
        rs_reply_header(req, "Referrer-Policy", "strict-origin-when-cross-origin");
    }
    if (etag_matches(req, f)) {
        rs_reply_static(req, 304, NULL, "", 0);
    } else if (f->gz != NULL && accepts_gzip(req)) {
        rs_reply_header(req, "Content-Encoding", "gzip");
        rs_reply_static(req, 200, f->mime, f->gz, f->gz_len);
    } else {
        rs_reply_static(req, 200, f->mime, f->data, f->len);
    }
}

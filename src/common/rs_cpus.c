/*
 * rs_cpus.c - how many CPUs this process may use (see rs_cpus.h): the
 * affinity mask, and the cgroup CPU quota found where /proc/self/mountinfo
 * says each cgroup hierarchy is mounted, walking from the process's own
 * cgroup up to the top of the mount.
 */
#define _GNU_SOURCE
#include "rs_cpus.h"

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096
#define PATH_MAX_LEN 4096
#define FILE_MAX     (256 * 1024)

/* One mount of a cgroup hierarchy, from a line of mountinfo. */
typedef struct cgroup_mount {
    char root[PATH_MAX_LEN];    /* the cgroup shown at the mount point */
    char point[PATH_MAX_LEN];   /* where it is mounted */
    bool v2;                    /* cgroup2, else v1 with the cpu controller */
} cgroup_mount;

/* Reads a text file whole into a fresh string; NULL when it cannot. */
static char *read_text(const char *path, size_t max)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    char *text = malloc(max);
    size_t n = text != NULL ? fread(text, 1, max - 1, f) : 0;
    fclose(f);
    if (text != NULL)
        text[n] = '\0';
    return text;
}

/* CPUs for quota microseconds per period, rounded up; 0 for no quota. */
static unsigned cpus_for_quota(long long quota, long long period)
{
    if (quota <= 0 || period <= 0)
        return 0;
    long long cpus = (quota + period - 1) / period;
    return cpus > 4096 ? 4096 : (unsigned)cpus;
}

unsigned rs_cpus_from_cpu_max(const char *text)
{
    long long quota, period;
    if (text == NULL || strncmp(text, "max", 3) == 0)
        return 0;
    if (sscanf(text, "%lld %lld", &quota, &period) != 2)
        return 0;
    return cpus_for_quota(quota, period);
}

/* The smaller of two limits where 0 means none. */
static unsigned tighter(unsigned a, unsigned b)
{
    if (a == 0 || b == 0)
        return a + b;
    return a < b ? a : b;
}

/* Copies the line at *cursor into line and moves *cursor past it; false
 * at the end of the text. A line too long for the buffer is cut. */
static bool next_line(const char **cursor, char *line, size_t size)
{
    const char *s = *cursor;
    if (s == NULL || *s == '\0')
        return false;
    const char *end = strchr(s, '\n');
    size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
    size_t kept = len < size - 1 ? len : size - 1;
    memcpy(line, s, kept);
    line[kept] = '\0';
    *cursor = end != NULL ? end + 1 : s + len;
    return true;
}

/* True when the comma-separated list holds word. */
static bool has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list;;) {
        if (strncmp(p, word, n) == 0 && (p[n] == ',' || p[n] == '\0'))
            return true;
        const char *comma = strchr(p, ',');
        if (comma == NULL)
            return false;
        p = comma + 1;
    }
}

/* Reads a mountinfo line ("id parent dev root point options [tags] - type
 * source superoptions"); false unless it mounts cgroup2, or cgroup v1 with
 * the cpu controller. */
static bool parse_mount(char *line, cgroup_mount *m)
{
    char *save = NULL, *field[5];
    for (int i = 0; i < 5; i++)
        if ((field[i] = strtok_r(i == 0 ? line : NULL, " ", &save)) == NULL)
            return false;
    char *tag = strtok_r(NULL, " ", &save);          /* the options, then tags up to "-" */
    while (tag != NULL && strcmp(tag, "-") != 0)
        tag = strtok_r(NULL, " ", &save);
    char *type = strtok_r(NULL, " ", &save);
    char *source = strtok_r(NULL, " ", &save);
    char *options = strtok_r(NULL, " ", &save);
    if (type == NULL || source == NULL || options == NULL)
        return false;
    m->v2 = strcmp(type, "cgroup2") == 0;
    if (!m->v2 && !(strcmp(type, "cgroup") == 0 && has_word(options, "cpu")))
        return false;
    if (strlen(field[3]) >= sizeof m->root || strlen(field[4]) >= sizeof m->point)
        return false;
    strcpy(m->root, field[3]);
    strcpy(m->point, field[4]);
    return true;
}

/* The process's cgroup in the hierarchy of m, from /proc/self/cgroup
 * ("0::/path" for v2, "N:cpu,cpuacct:/path" for v1); false when absent. */
static bool own_cgroup(const char *self_cgroup, const cgroup_mount *m, char *out, size_t size)
{
    char line[LINE_MAX_LEN];
    const char *cursor = self_cgroup;
    while (next_line(&cursor, line, sizeof line)) {
        char *first = strchr(line, ':');
        char *second = first != NULL ? strchr(first + 1, ':') : NULL;
        if (second == NULL)
            continue;
        *second = '\0';
        bool match = m->v2 ? first[1] == '\0' : has_word(first + 1, "cpu");
        if (match && strlen(second + 1) < size) {
            strcpy(out, second + 1);
            return true;
        }
    }
    return false;
}

/* The part of cgroup below the mount's root: "" when the mount shows the
 * cgroup itself, or one the process is not under (a container's own
 * cgroup mounted at the top). */
static const char *below_root(const char *cgroup, const char *root)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return strcmp(cgroup, "/") == 0 ? "" : cgroup;
    if (strncmp(cgroup, root, n) == 0 && (cgroup[n] == '/' || cgroup[n] == '\0'))
        return cgroup + n;
    return "";
}

/* Reads the small file dir/name whole; NULL when it cannot. */
static char *read_in(const char *dir, const char *name)
{
    char file[PATH_MAX_LEN * 2];
    int n = snprintf(file, sizeof file, "%s/%s", dir, name);
    return n >= 0 && (size_t)n < sizeof file ? read_text(file, 64) : NULL;
}

static long long read_number(const char *dir, const char *name)
{
    char *text = read_in(dir, name);
    long long n = text != NULL ? atoll(text) : -1;
    free(text);
    return n;
}

/* The limit set in one cgroup's directory; 0 when none. */
static unsigned limit_in(const char *dir, bool v2)
{
    if (!v2)
        return cpus_for_quota(read_number(dir, "cpu.cfs_quota_us"),
                              read_number(dir, "cpu.cfs_period_us"));
    char *text = read_in(dir, "cpu.max");
    unsigned cpus = rs_cpus_from_cpu_max(text);
    free(text);
    return cpus;
}

/* The tightest limit from the process's cgroup up to the mount's top. */
static unsigned mount_limit(const cgroup_mount *m, const char *self_cgroup, const char *prefix)
{
    char cgroup[PATH_MAX_LEN], dir[PATH_MAX_LEN * 2];
    if (!own_cgroup(self_cgroup, m, cgroup, sizeof cgroup))
        return 0;
    const char *rest = below_root(cgroup, m->root);
    int top = snprintf(dir, sizeof dir, "%s%s", prefix, m->point);
    if (top < 0 || (size_t)top + strlen(rest) >= sizeof dir)
        return 0;
    strcpy(dir + top, rest);
    unsigned limit = 0;
    for (;;) {
        limit = tighter(limit, limit_in(dir, m->v2));
        char *slash = strrchr(dir + top, '/');
        if (slash == NULL)
            return limit;
        *slash = '\0';
    }
}

unsigned rs_cpus_cgroup_limit(const char *self_cgroup, const char *mountinfo,
                              const char *prefix)
{
    char line[LINE_MAX_LEN];
    const char *cursor = mountinfo;
    unsigned limit = 0;
    cgroup_mount m;
    while (next_line(&cursor, line, sizeof line))
        if (parse_mount(line, &m))
            limit = tighter(limit, mount_limit(&m, self_cgroup, prefix));
    return limit;
}

/* The CPUs in the affinity mask; the online CPUs when it cannot be read. */
static unsigned affinity_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (unsigned)CPU_COUNT(&set);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (unsigned)online : 1;
}

unsigned rs_cpus(void)
{
    unsigned cpus = affinity_cpus();
    char *self = read_text("/proc/self/cgroup", FILE_MAX);
    char *mounts = read_text("/proc/self/mountinfo", FILE_MAX);
    if (self != NULL && mounts != NULL)
        cpus = tighter(cpus, rs_cpus_cgroup_limit(self, mounts, ""));
    free(self);
    free(mounts);
    return cpus > 0 ? cpus : 1;
}

/*
 * passwords.c - argon2id hashing and verification (see passwords.h).
 */
#include "passwords.h"

#include <argon2.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "hash_memory.h"
#include "rs_cpus.h"
#include "rs_log.h"

#define T_COST   2
#define M_COST   19456    /* KiB */
/* The most memory a stored hash may ask for: a hash that names more (a
 * damaged or planted record) is refused rather than allowed to take it. */
#define M_COST_MAX 65536  /* KiB */
#define LANES    1
#define SALT_LEN 16
#define HASH_LEN 32

static sem_t slots;
static char nobody_hash[PASSWORD_HASH_MAX];

static void take_slot(void)
{
    while (sem_wait(&slots) != 0)
        ;   /* interrupted: wait again */
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 without padding, as the encoded form uses it. */
static void b64_encode(const unsigned char *in, size_t len, char *out)
{
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out[o++] = B64[(acc >> bits) & 63];
        }
    }
    if (bits > 0)
        out[o++] = B64[(acc << (6 - bits)) & 63];
    out[o] = '\0';
}

/* Decodes the n characters at in into at most max bytes: the length, or -1. */
static int b64_decode(const char *in, size_t n, unsigned char *out, size_t max)
{
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *at = in[i] != '\0' ? strchr(B64, in[i]) : NULL;
        if (at == NULL)
            return -1;
        acc = (acc << 6) | (unsigned)(at - B64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == max)
                return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
        return -1;   /* not a length base64 produces, or stray bits */
    return (int)o;
}

/* Runs argon2id in the hash memory regions; out receives outlen bytes. */
static int run_argon2(const char *password, const unsigned char *salt, size_t saltlen,
                      uint32_t t_cost, uint32_t m_cost, uint32_t lanes,
                      unsigned char *out, size_t outlen)
{
    argon2_context ctx = {
        .out = out, .outlen = (uint32_t)outlen,
        .pwd = (uint8_t *)(uintptr_t)password, .pwdlen = (uint32_t)strlen(password),
        .salt = (uint8_t *)(uintptr_t)salt, .saltlen = (uint32_t)saltlen,
        .t_cost = t_cost, .m_cost = m_cost, .lanes = lanes, .threads = lanes,
        .version = ARGON2_VERSION_13,
        .allocate_cbk = hash_memory_take, .free_cbk = hash_memory_give,
        .flags = ARGON2_DEFAULT_FLAGS,
    };
    take_slot();
    int rc = argon2_ctx(&ctx, Argon2_id);
    sem_post(&slots);
    if (rc != ARGON2_OK)
        rs_log(RS_ERROR, "argon2: %s", argon2_error_message(rc));
    return rc;
}

static int hash_with_salt(const char *password, const unsigned char *salt, char *hash)
{
    unsigned char out[HASH_LEN];
    if (run_argon2(password, salt, SALT_LEN, T_COST, M_COST, LANES, out, sizeof out) != ARGON2_OK)
        return -1;
    char salt64[SALT_LEN * 2], out64[HASH_LEN * 2];
    b64_encode(salt, SALT_LEN, salt64);
    b64_encode(out, sizeof out, out64);
    int n = snprintf(hash, PASSWORD_HASH_MAX, "$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
                     ARGON2_VERSION_13, M_COST, T_COST, LANES, salt64, out64);
    return n > 0 && n < PASSWORD_HASH_MAX ? 0 : -1;
}

/* The parts of an encoded hash "$argon2id$v=19$m=..,t=..,p=..$salt$hash". */
typedef struct decoded {
    unsigned      m, t, p;
    unsigned char salt[64], hash[64];
    int           saltlen, hashlen;
} decoded;

static int decode(const char *encoded, decoded *d)
{
    unsigned v;
    int used = 0;
    if (sscanf(encoded, "$argon2id$v=%u$m=%u,t=%u,p=%u$%n", &v, &d->m, &d->t, &d->p, &used) != 4 ||
        used == 0 || v != ARGON2_VERSION_13 || d->m < 8 || d->m > M_COST_MAX ||
        d->t < 1 || d->t > 64 || d->p < 1 || d->p > 16)
        return -1;
    const char *salt = encoded + used;
    const char *dollar = strchr(salt, '$');
    if (dollar == NULL)
        return -1;
    d->saltlen = b64_decode(salt, (size_t)(dollar - salt), d->salt, sizeof d->salt);
    d->hashlen = b64_decode(dollar + 1, strlen(dollar + 1), d->hash, sizeof d->hash);
    return d->saltlen >= 8 && d->hashlen >= 16 ? 0 : -1;
}

static bool same_bytes(const unsigned char *a, const unsigned char *b, size_t n)
{
    volatile unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= a[i] ^ b[i];
    return diff == 0;
}

int passwords_init(void)
{
    unsigned cores = rs_cpus();
    if (sem_init(&slots, 0, (unsigned)cores) != 0 || hash_memory_init((int)cores) != 0)
        return -1;
    unsigned char salt[SALT_LEN] = {0};
    return hash_with_salt("no such user", salt, nobody_hash);
}

int password_hash(const char *password, char hash[PASSWORD_HASH_MAX])
{
    unsigned char salt[SALT_LEN];
    if (getrandom(salt, sizeof salt, 0) != (ssize_t)sizeof salt)
        return -1;
    return hash_with_salt(password, salt, hash);
}

bool password_verify(const char *hash, const char *password)
{
    decoded d;
    if (decode(hash, &d) != 0) {
        rs_log(RS_ERROR, "a stored password hash is not in the argon2id form");
        return false;
    }
    unsigned char out[64];
    if (run_argon2(password, d.salt, (size_t)d.saltlen, d.t, d.m, d.p, out, (size_t)d.hashlen) != ARGON2_OK)
        return false;
    return same_bytes(out, d.hash, (size_t)d.hashlen);
}

void password_verify_nobody(const char *password)
{
    (void)password_verify(nobody_hash, password);
}

bool password_acceptable(const char *password)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)password; *p != '\0'; p++)
        if ((*p & 0xC0) != 0x80)   /* count lead bytes, not continuation bytes */
            chars++;
    return chars >= PASSWORD_MIN_CHARS && chars <= PASSWORD_MAX_CHARS;
}

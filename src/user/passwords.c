/*
 * passwords.c - argon2id hashing and verification (see passwords.h).
 */
#include "passwords.h"

#include <argon2.h>
#include <semaphore.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "rs_log.h"

#define T_COST   2
#define M_COST   19456    /* KiB */
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

static int hash_with_salt(const char *password, const unsigned char *salt, char *hash)
{
    take_slot();
    int rc = argon2id_hash_encoded(T_COST, M_COST, LANES, password, strlen(password),
                                   salt, SALT_LEN, HASH_LEN, hash, PASSWORD_HASH_MAX);
    sem_post(&slots);
    if (rc != ARGON2_OK) {
        rs_log(RS_ERROR, "argon2: %s", argon2_error_message(rc));
        return -1;
    }
    return 0;
}

int passwords_init(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (sem_init(&slots, 0, cores > 0 ? (unsigned)cores : 1) != 0)
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
    take_slot();
    int rc = argon2id_verify(hash, password, strlen(password));
    sem_post(&slots);
    return rc == ARGON2_OK;
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

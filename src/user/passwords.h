/*
 * passwords.h - passwords stored only as argon2id hashes.
 *
 * Each hash has its own random 16-byte salt and carries its parameters
 * (t=2 passes, 19 MiB, one lane: the OWASP baseline for argon2id) in the
 * standard encoded form "$argon2id$v=19$m=...". Verification compares in
 * constant time. Hashing is deliberately costly in memory and time, so at
 * most one hash per core runs at once; the others wait their turn.
 */
#ifndef USER_PASSWORDS_H
#define USER_PASSWORDS_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX 128
#define PASSWORD_MIN_CHARS 6
#define PASSWORD_MAX_CHARS 128

int  passwords_init(void);
/* 0, or -1 when hashing fails (out of memory). */
int  password_hash(const char *password, char hash[PASSWORD_HASH_MAX]);
bool password_verify(const char *hash, const char *password);
/* Does the work of one verification and fails: for unknown names, so that
 * they take as long to refuse as wrong passwords. */
void password_verify_nobody(const char *password);
/* Whether the password's length in characters is within the limits. */
bool password_acceptable(const char *password);

#endif

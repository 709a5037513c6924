/*
 * users_seed.c - the seed users of data/users.json (see users.h).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "passwords.h"
#include "rs_log.h"
#include "rs_valid.h"
#include "users.h"

void users_free_seed(seed_user *seed, size_t count)
{
    for (size_t i = 0; seed != NULL && i < count; i++) {
        free(seed[i].name);
        free(seed[i].email);
        free(seed[i].password);
    }
    free(seed);
}

void user_record_free(user_record *r)
{
    free(r->email);
    free(r->hash);
    r->email = r->hash = NULL;
}

static int take_user(json_t *u, seed_user *out)
{
    const char *name = json_string_value(json_object_get(u, "name"));
    const char *email = json_string_value(json_object_get(u, "email"));
    const char *password = json_string_value(json_object_get(u, "password"));
    if (name == NULL || !rs_valid_id(name) || email == NULL || !rs_valid_email(email) ||
        password == NULL || !password_acceptable(password))
        return -1;
    out->name = strdup(name);
    out->email = strdup(email);
    out->password = strdup(password);
    return out->name && out->email && out->password ? 0 : -1;
}

int users_seed_insert(const seed_user *seed, size_t n,
                      int (*insert)(const seed_user *u, const char *hash, void *ctx),
                      void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        char hash[PASSWORD_HASH_MAX];
        if (password_hash(seed[i].password, hash) != 0) {
            rs_log(RS_ERROR, "seed user %s: the password cannot be hashed", seed[i].name);
            return -1;
        }
        if (insert(&seed[i], hash, ctx) != 0)
            return -1;
    }
    rs_log(RS_INFO, "seeded %zu users", n);
    return 0;
}

seed_user *users_load_seed(const char *file, size_t *count)
{
    json_error_t err;
    json_t *list = json_load_file(file, 0, &err);
    if (list == NULL) {
        rs_log(RS_ERROR, "seed %s: line %d: %s", file, err.line, err.text);
        return NULL;
    }
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    seed_user *seed = n > 0 ? calloc(n, sizeof *seed) : NULL;
    if (seed == NULL) {
        rs_log(RS_ERROR, "seed %s: not a JSON array of users", file);
        json_decref(list);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (take_user(json_array_get(list, i), &seed[i]) != 0) {
            rs_log(RS_ERROR, "seed %s: user %zu: bad or missing name, email or password", file, i + 1);
            users_free_seed(seed, n);
            json_decref(list);
            return NULL;
        }
    }
    json_decref(list);
    *count = n;
    return seed;
}

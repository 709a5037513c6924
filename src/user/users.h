/*
 * users.h - the user service's document store: users and their orders.
 *
 * An interface with two backends, like the catalogue's product store:
 * SQLite (the default; a file at DOCSTORE_PATH) and MongoDB (MONGO_URL).
 * A user is a name (unique), an email and an argon2id hash; an order is an
 * order id and the cart it paid for, appended to its user's history.
 */
#ifndef USER_USERS_H
#define USER_USERS_H

#include <stdbool.h>
#include "rs_buf.h"

typedef enum {
    USERS_OK,
    USERS_NOT_FOUND,       /* no such user, or no orders yet */
    USERS_EXISTS,          /* the name is taken */
    USERS_UNAVAILABLE      /* the store cannot be reached */
} users_status;

typedef struct users_store users_store;

typedef struct user_record {
    char *email;
    char *hash;
} user_record;

typedef struct users_ops {
    const char *system;
    bool (*is_up)(users_store *s);
    users_status (*find)(users_store *s, const char *name, user_record *out);
    /* [{"name","email"}, ...] sorted by name */
    users_status (*list)(users_store *s, rs_buf *out);
    users_status (*create)(users_store *s, const char *name, const char *email, const char *hash);
    /* Appends one order; USERS_NOT_FOUND when the user does not exist. */
    users_status (*add_order)(users_store *s, const char *name, const char *orderid,
                              const char *cart_json);
    /* [{"orderid","cart"}, ...] oldest first; USERS_NOT_FOUND when none. */
    users_status (*history)(users_store *s, const char *name, rs_buf *out);
    void (*close)(users_store *s);
} users_ops;

struct users_store {
    const users_ops *ops;
};

/* A seed user: created, hashed, when the store has no users at all. */
typedef struct seed_user {
    char *name;
    char *email;
    char *password;
} seed_user;

/* Reads data/users.json; NULL (after logging why) when it is unusable. */
seed_user   *users_load_seed(const char *file, size_t *count);
void         users_free_seed(seed_user *seed, size_t count);
void         user_record_free(user_record *r);
/* Fills an empty store: hands each seed user, its password hashed, to
 * insert (0 when stored), stopping at the first failure; 0 after logging
 * how many were seeded, or -1. */
int          users_seed_insert(const seed_user *seed, size_t n,
                               int (*insert)(const seed_user *u, const char *hash, void *ctx),
                               void *ctx);

/* The store keeps seed (not a copy) until it is closed. */
users_store *users_sqlite_open(const char *path, const seed_user *seed, size_t nseed);
users_store *users_mongo_open(const char *url, const seed_user *seed, size_t nseed);

#endif

/*
 * main.c - the user service: accounts with argon2id passwords and order
 * histories in the document store (SQLite by default, MongoDB when
 * MONGO_URL is set), and the anonymous shopper counter in Redis. Passwords
 * are hashed on threads of their own (password_pool.h), behind limits on
 * failed logins (login_guard.h).
 */
#include <stdio.h>

#include "client_address.h"
#include "handlers.h"
#include "login_guard.h"
#include "password_pool.h"
#include "passwords.h"
#include "rs_client.h"
#include "rs_config.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_redis.h"
#include "rs_service.h"
#include "users.h"
#include "rs_util.h"

static const rs_route routes[] = {
    {"GET",  "/health",      user_get_health, RS_PARAM_ID, RS_RUN_WORKER},
    {"GET",  "/uniqueid",    get_uniqueid,  RS_PARAM_ID, RS_RUN_WORKER},
    {"GET",  "/check/:id",   check_user,    RS_PARAM_ID, RS_RUN_WORKER},
    {"GET",  "/users",       list_users,    RS_PARAM_ID, RS_RUN_WORKER},
    {"POST", "/login",       login,         RS_PARAM_ID, RS_RUN_ASYNC},
    {"POST", "/register",    register_user, RS_PARAM_ID, RS_RUN_ASYNC},
    {"POST", "/order/:id",   add_order,     RS_PARAM_ID, RS_RUN_WORKER},
    {"GET",  "/history/:id", get_history,   RS_PARAM_ID, RS_RUN_WORKER},
};

static bool store_is_up(void *store)
{
    users_store *s = store;
    return s->ops->is_up(s);
}

int main(int argc, char **argv)
{
    rs_service_options(argc, argv, routes, RS_ARRAY_LEN(routes));
    rs_service_init("user");
    char seed_file[1024];
    snprintf(seed_file, sizeof seed_file, "%s/users.json", rs_config_str("DATA_DIR", RS_DATA_DIR));
    const char *path = rs_config_str("DOCSTORE_PATH", "user.db");
    const char *mongo_url = rs_config_url("MONGO_URL", "mongodb", NULL);
    size_t nseed = 0;
    seed_user *seed = users_load_seed(seed_file, &nseed);
    client_address_init();
    if (seed == NULL || passwords_init() != 0 || login_guard_init() != 0 ||
        password_pool_init() != 0 || rs_redis_init() != 0) {
        users_free_seed(seed, nseed);
        return 1;
    }
    users_store *store = mongo_url != NULL ? users_mongo_open(mongo_url, seed, nseed)
                                           : users_sqlite_open(path, seed, nseed);
    if (store == NULL) {
        users_free_seed(seed, nseed);
        return 1;
    }
    user_handlers_init(store);
    rs_service_depend(store->ops->system, store_is_up, store);
    rs_service_depend("redis", rs_redis_up, NULL);

    int rc = rs_service_run(routes, RS_ARRAY_LEN(routes));

    password_pool_stop();
    store->ops->close(store);
    users_free_seed(seed, nseed);
    rs_redis_shutdown();
    rs_client_cleanup();
    rs_metrics_reset();
    return rc;
}

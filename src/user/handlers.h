/*
 * handlers.h - the user service's routes (docs/openapi/user.yaml).
 */
#ifndef USER_HANDLERS_H
#define USER_HANDLERS_H

#include "rs_http.h"
#include "users.h"

void user_handlers_init(users_store *store);

void user_get_health(rs_request *req);       /* GET  /health */
void get_uniqueid(rs_request *req);     /* GET  /uniqueid */
void check_user(rs_request *req);       /* GET  /check/:id */
void list_users(rs_request *req);       /* GET  /users */
/* RS_RUN_ASYNC: they end with rs_req_finish. */
void login(rs_request *req);            /* POST /login */
void register_user(rs_request *req);    /* POST /register */
void add_order(rs_request *req);        /* POST /order/:id */
void get_history(rs_request *req);      /* GET  /history/:id */

#endif

/*
 * scenario.c - the shoppers' journeys (see scenario.h): one table of steps,
 * each with the request it builds and the check of its answer, and the
 * lists of steps that make each scenario.
 */
#include "scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

typedef enum {
    STEP_HOME,
    STEP_CATEGORIES,
    STEP_PRODUCTS,
    STEP_PRODUCT,
    STEP_RATING,
    STEP_VOTE,
    STEP_UNIQUEID,
    STEP_ADD,
    STEP_CART,
    STEP_UPDATE,
    STEP_CODES,
    STEP_MATCH,
    STEP_CALC,
    STEP_CONFIRM,
    STEP_PAY,
    STEP_LOGIN,
    STEP_HISTORY,
    STEP_USER_CART,
    STEP_GET,
    STEP_KINDS
} step_kind;

typedef struct step {
    const char *name;
    /* Fills r: 0, or 1 to skip this step this time, or -1 when it cannot
     * be built (j->error says why). */
    int (*build)(journey *j, journey_request *r);
    /* NULL when the answer is right. */
    const char *(*check)(journey *j, const journey_response *res, json_t *doc);
    int json;      /* the answer must be JSON; check gets it parsed */
} step;

static const step_kind BROWSE[] = {
    STEP_HOME, STEP_CATEGORIES, STEP_PRODUCTS, STEP_PRODUCT, STEP_RATING,
};
static const step_kind CHECKOUT[] = {
    STEP_UNIQUEID, STEP_CATEGORIES, STEP_PRODUCTS,
    STEP_PRODUCT, STEP_RATING, STEP_VOTE, STEP_ADD,
    STEP_PRODUCT, STEP_RATING, STEP_VOTE, STEP_ADD,
    STEP_CART, STEP_UPDATE, STEP_CODES, STEP_MATCH, STEP_CALC, STEP_CONFIRM, STEP_PAY,
};
static const step_kind LOGIN[] = {STEP_LOGIN, STEP_HISTORY, STEP_USER_CART};
static const step_kind GET[] = {STEP_GET};

static const struct {
    const step_kind *steps;
    int              n;
} SCENARIOS[] = {
    [SCENARIO_BROWSE] = {BROWSE, sizeof BROWSE / sizeof BROWSE[0]},
    [SCENARIO_CHECKOUT] = {CHECKOUT, sizeof CHECKOUT / sizeof CHECKOUT[0]},
    [SCENARIO_LOGIN] = {LOGIN, sizeof LOGIN / sizeof LOGIN[0]},
    [SCENARIO_GET] = {GET, sizeof GET / sizeof GET[0]},
};

/* The seed users of the shop's API. */
static const char *const SEED_USERS[][2] = {
    {"user", "password"}, {"stan", "bigbrain"}, {"partner-57", "worktogether"},
};

/* Set by scenario_init. */
static char get_path[600] = "/";
static char get_name[620] = "GET /";
static int mix_weights[3] = {1, 0, 0};
static scenario_kind single = SCENARIO_BROWSE;
static int mixed = 0;

/* ---- small helpers ---------------------------------------------------- */

unsigned journey_random(journey *j)
{
    /* xorshift32: fast, and good enough to pick robots */
    unsigned x = j->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    j->rng = x;
    return x;
}

static int below(journey *j, int n)
{
    return (int)(journey_random(j) % (unsigned)n);
}

__attribute__((format(printf, 2, 3)))
static const char *complain(journey *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->error, sizeof j->error, fmt, ap);
    va_end(ap);
    return j->error;
}

static const char *wrong_status(journey *j, int status)
{
    snprintf(j->error, sizeof j->error, "status %d", status);
    return j->error;
}

/* SKUs and ids go into paths: only the characters the API allows. */
static int safe_segment(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 64 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

__attribute__((format(printf, 2, 3)))
static void set_path(journey_request *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->path, sizeof r->path, fmt, ap);
    va_end(ap);
}

static void get(journey_request *r, const char *path)
{
    r->method = "GET";
    snprintf(r->path, sizeof r->path, "%s", path);
}

static int json_body(journey *j, journey_request *r, json_t *doc)
{
    rs_buf_reset(&j->body);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text || rs_buf_puts(&j->body, text) < 0) {
        free(text);
        return -1;
    }
    free(text);
    r->body = j->body.data;
    r->body_len = j->body.len;
    return 0;
}

/* A cart answer: an object with an items array. */
static const char *check_cart(journey *j, json_t *doc)
{
    json_t *items = json_object_get(doc, "items");
    if (!json_is_array(items) || !json_is_number(json_object_get(doc, "total")))
        return complain(j, "%s", "no cart in answer");
    return NULL;
}

static json_t *cart_line(json_t *cart, const char *sku)
{
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(cart, "items"), i, line) {
        const char *s = json_string_value(json_object_get(line, "sku"));
        if (s && strcmp(s, sku) == 0)
            return line;
    }
    return NULL;
}

/* ---- steps ------------------------------------------------------------ */

static int build_home(journey *j, journey_request *r)
{
    (void)j;
    get(r, "/");
    return 0;
}

static const char *check_home(journey *j, const journey_response *res, json_t *doc)
{
    (void)doc;
    if (res->status != 200)
        return wrong_status(j, res->status);
    if (!res->body || !strstr(res->body, "<html"))   /* bodies end in a NUL */
        return complain(j, "%s", "no HTML page");
    return NULL;
}

static int build_categories(journey *j, journey_request *r)
{
    (void)j;
    get(r, "/api/catalogue/categories");
    return 0;
}

static const char *check_categories(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    if (!json_is_array(doc) || json_array_size(doc) == 0 || !json_is_string(json_array_get(doc, 0)))
        return complain(j, "%s", "no categories in answer");
    return NULL;
}

static int build_products(journey *j, journey_request *r)
{
    (void)j;
    get(r, "/api/catalogue/products");
    return 0;
}

/* Browsing looks at any robot; buying picks two in stock, two different
 * ones when there are. */
static const char *check_products(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    if (!json_is_array(doc) || json_array_size(doc) == 0)
        return complain(j, "%s", "no products in answer");
    json_t *choice[64];
    size_t n = 0, i;
    json_t *p;
    json_array_foreach(doc, i, p) {
        const char *sku = json_string_value(json_object_get(p, "sku"));
        if (!sku || !safe_segment(sku))
            return complain(j, "%s", "a product without a valid sku");
        json_int_t stock = json_integer_value(json_object_get(p, "instock"));
        if ((j->kind != SCENARIO_CHECKOUT || stock > 0) && n < 64)
            choice[n++] = p;
    }
    if (n == 0)
        return complain(j, "%s", "no product in stock");
    int first = below(j, (int)n);
    int second = n > 1 ? (first + 1 + below(j, (int)n - 1)) % (int)n : first;
    snprintf(j->sku[0], sizeof j->sku[0], "%s", json_string_value(json_object_get(choice[first], "sku")));
    snprintf(j->sku[1], sizeof j->sku[1], "%s", json_string_value(json_object_get(choice[second], "sku")));
    return NULL;
}

static int build_product(journey *j, journey_request *r)
{
    r->method = "GET";
    set_path(r, "/api/catalogue/product/%s%s", j->sku[j->item], "");
    return 0;
}

static const char *check_product(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    const char *sku = json_string_value(json_object_get(doc, "sku"));
    if (!sku || strcmp(sku, j->sku[j->item]) != 0 || !json_is_number(json_object_get(doc, "price")))
        return complain(j, "%s", "not the product asked for");
    return NULL;
}

static int build_rating(journey *j, journey_request *r)
{
    r->method = "GET";
    set_path(r, "/api/ratings/api/fetch/%s%s", j->sku[j->item], "");
    return 0;
}

static const char *check_rating(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    if (!json_is_number(json_object_get(doc, "avg_rating")) ||
        !json_is_integer(json_object_get(doc, "rating_count")))
        return complain(j, "%s", "no rating in answer");
    return NULL;
}

/* One shopper in five votes. */
static int build_vote(journey *j, journey_request *r)
{
    if (below(j, 5) != 0)
        return 1;
    char score[4];
    snprintf(score, sizeof score, "%d", 1 + below(j, 5));
    r->method = "PUT";
    set_path(r, "/api/ratings/api/rate/%s/%s", j->sku[j->item], score);
    return 0;
}

static const char *check_vote(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    if (!json_is_true(json_object_get(doc, "success")))
        return complain(j, "%s", "vote not taken");
    return NULL;
}

static int build_uniqueid(journey *j, journey_request *r)
{
    (void)j;
    get(r, "/api/user/uniqueid");
    return 0;
}

static const char *check_uniqueid(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    const char *uuid = json_string_value(json_object_get(doc, "uuid"));
    if (!uuid || !safe_segment(uuid))
        return complain(j, "%s", "no uuid in answer");
    snprintf(j->id, sizeof j->id, "%s", uuid);
    return NULL;
}

static int build_add(journey *j, journey_request *r)
{
    r->method = "GET";
    set_path(r, "/api/cart/add/%s/%s/1", j->id, j->sku[j->item]);
    return 0;
}

static const char *check_add(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    const char *bad = check_cart(j, doc);
    if (bad)
        return bad;
    if (!cart_line(doc, j->sku[j->item]))
        return complain(j, "%s", "the robot added is not in the cart");
    j->item = 1;
    return NULL;
}

static int build_cart(journey *j, journey_request *r)
{
    r->method = "GET";
    set_path(r, "/api/cart/cart/%s%s", j->id, "");
    return 0;
}

/* The checkout's cart holds what was added; its first line is changed next. */
static const char *check_cart_step(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    const char *bad = check_cart(j, doc);
    if (bad)
        return bad;
    const char *sku = json_string_value(json_object_get(json_array_get(json_object_get(doc, "items"), 0), "sku"));
    if (!sku || !safe_segment(sku))
        return complain(j, "%s", "an empty cart");
    snprintf(j->sku[0], sizeof j->sku[0], "%s", sku);
    return NULL;
}

static int build_update(journey *j, journey_request *r)
{
    r->method = "GET";
    set_path(r, "/api/cart/update/%s/%s/2", j->id, j->sku[0]);
    return 0;
}

static const char *check_update(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    const char *bad = check_cart(j, doc);
    if (bad)
        return bad;
    json_t *line = cart_line(doc, j->sku[0]);
    if (!line || json_integer_value(json_object_get(line, "qty")) != 2)
        return complain(j, "%s", "quantity not changed");
    return NULL;
}

static int build_codes(journey *j, journey_request *r)
{
    (void)j;
    get(r, "/api/shipping/codes");
    return 0;
}

static const char *check_codes(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    if (!json_is_array(doc) || json_array_size(doc) == 0 ||
        !json_is_string(json_object_get(json_array_get(doc, 0), "code")))
        return complain(j, "%s", "no country codes in answer");
    return NULL;
}

static int build_match(journey *j, journey_request *r)
{
    (void)j;
    get(r, "/api/shipping/match/GB/lon");
    return 0;
}

static const char *check_match(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    if (!json_is_array(doc) || json_array_size(doc) == 0)
        return complain(j, "%s", "no cities in answer");
    json_t *city = json_array_get(doc, (size_t)below(j, (int)json_array_size(doc)));
    json_t *uuid = json_object_get(city, "uuid");
    if (!json_is_integer(uuid) || !json_is_string(json_object_get(city, "name")))
        return complain(j, "%s", "a city without uuid or name");
    j->city_uuid = json_integer_value(uuid);
    snprintf(j->location, sizeof j->location, "%s, GB", json_string_value(json_object_get(city, "name")));
    return NULL;
}

static int build_calc(journey *j, journey_request *r)
{
    r->method = "GET";
    snprintf(r->path, sizeof r->path, "/api/shipping/calc/%lld", j->city_uuid);
    return 0;
}

static const char *check_calc(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    json_t *distance = json_object_get(doc, "distance");
    json_t *cost = json_object_get(doc, "cost");
    if (!json_is_number(distance) || !json_is_number(cost))
        return complain(j, "%s", "no distance or cost in answer");
    /* the confirmation's body: the quote and the location kept by match */
    json_t *body = json_pack("{s:O,s:O,s:s}", "distance", distance, "cost", cost,
                             "location", j->location);
    journey_request unused;
    if (json_body(j, &unused, body) < 0)
        return complain(j, "%s", "cannot build the confirmation");
    return NULL;
}

static int build_confirm(journey *j, journey_request *r)
{
    r->method = "POST";
    set_path(r, "/api/shipping/confirm/%s%s", j->id, "");
    r->body = j->body.data;
    r->body_len = j->body.len;
    return 0;
}

static const char *check_confirm(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    const char *bad = check_cart(j, doc);
    if (bad)
        return bad;
    if (!cart_line(doc, "SHIP"))
        return complain(j, "%s", "no shipping line in the cart");
    rs_buf_reset(&j->cart);
    if (rs_buf_append(&j->cart, res->body, res->len) < 0)
        return complain(j, "%s", "out of memory");
    return NULL;
}

static int build_pay(journey *j, journey_request *r)
{
    r->method = "POST";
    set_path(r, "/api/payment/pay/%s%s", j->id, "");
    r->body = j->cart.data;
    r->body_len = j->cart.len;
    return 0;
}

static const char *check_pay(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    const char *order = json_string_value(json_object_get(doc, "orderid"));
    if (!order || strlen(order) != 36)
        return complain(j, "%s", "no order id in answer");
    return NULL;
}

static int build_login(journey *j, journey_request *r)
{
    int who = below(j, 3);
    snprintf(j->user, sizeof j->user, "%s", SEED_USERS[who][0]);
    r->method = "POST";
    snprintf(r->path, sizeof r->path, "/api/user/login");
    json_t *body = json_pack("{s:s,s:s}", "name", SEED_USERS[who][0], "password", SEED_USERS[who][1]);
    if (json_body(j, r, body) < 0) {
        complain(j, "%s", "cannot build the sign-in");
        return -1;
    }
    return 0;
}

static const char *check_login(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status != 200)
        return wrong_status(j, res->status);
    const char *name = json_string_value(json_object_get(doc, "name"));
    if (!name || strcmp(name, j->user) != 0)
        return complain(j, "%s", "not the user signed in");
    if (json_object_get(doc, "password") || json_object_get(doc, "hash"))
        return complain(j, "%s", "a password in the answer");
    return NULL;
}

static int build_history(journey *j, journey_request *r)
{
    r->method = "GET";
    set_path(r, "/api/user/history/%s%s", j->user, "");
    return 0;
}

/* A user who never ordered has no history: 404 is an answer too. */
static const char *check_history(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status == 404)
        return NULL;
    if (res->status != 200)
        return wrong_status(j, res->status);
    if (!json_is_array(json_object_get(doc, "history")))
        return complain(j, "%s", "no history in answer");
    return NULL;
}

static int build_user_cart(journey *j, journey_request *r)
{
    r->method = "GET";
    set_path(r, "/api/cart/cart/%s%s", j->user, "");
    return 0;
}

static const char *check_user_cart(journey *j, const journey_response *res, json_t *doc)
{
    if (res->status == 404)
        return NULL;
    if (res->status != 200)
        return wrong_status(j, res->status);
    return check_cart(j, doc);
}

static int build_get(journey *j, journey_request *r)
{
    (void)j;
    get(r, get_path);
    return 0;
}

static const char *check_get(journey *j, const journey_response *res, json_t *doc)
{
    (void)doc;
    return res->status >= 200 && res->status < 400 ? NULL : wrong_status(j, res->status);
}

static step STEPS[STEP_KINDS] = {
    [STEP_HOME] = {"GET /", build_home, check_home, 0},
    [STEP_CATEGORIES] = {"GET /api/catalogue/categories", build_categories, check_categories, 1},
    [STEP_PRODUCTS] = {"GET /api/catalogue/products", build_products, check_products, 1},
    [STEP_PRODUCT] = {"GET /api/catalogue/product/:sku", build_product, check_product, 1},
    [STEP_RATING] = {"GET /api/ratings/api/fetch/:sku", build_rating, check_rating, 1},
    [STEP_VOTE] = {"PUT /api/ratings/api/rate/:sku/:score", build_vote, check_vote, 1},
    [STEP_UNIQUEID] = {"GET /api/user/uniqueid", build_uniqueid, check_uniqueid, 1},
    [STEP_ADD] = {"GET /api/cart/add/:id/:sku/:qty", build_add, check_add, 1},
    [STEP_CART] = {"GET /api/cart/cart/:id", build_cart, check_cart_step, 1},
    [STEP_UPDATE] = {"GET /api/cart/update/:id/:sku/:qty", build_update, check_update, 1},
    [STEP_CODES] = {"GET /api/shipping/codes", build_codes, check_codes, 1},
    [STEP_MATCH] = {"GET /api/shipping/match/:code/:text", build_match, check_match, 1},
    [STEP_CALC] = {"GET /api/shipping/calc/:uuid", build_calc, check_calc, 1},
    [STEP_CONFIRM] = {"POST /api/shipping/confirm/:id", build_confirm, check_confirm, 1},
    [STEP_PAY] = {"POST /api/payment/pay/:id", build_pay, check_pay, 1},
    [STEP_LOGIN] = {"POST /api/user/login", build_login, check_login, 1},
    [STEP_HISTORY] = {"GET /api/user/history/:id", build_history, check_history, 1},
    [STEP_USER_CART] = {"GET /api/cart/cart/:id", build_user_cart, check_user_cart, 1},
    [STEP_GET] = {get_name, build_get, check_get, 0},
};

/* Steps of one name share a stat id. */
static const char *stat_names[STEP_KINDS];
static int stat_count;
static int stat_id_of[STEP_KINDS];

/* ---- the journey ------------------------------------------------------ */

void scenario_init(const load_options *o)
{
    snprintf(get_path, sizeof get_path, "%s", o->path);
    snprintf(get_name, sizeof get_name, "GET %s", o->path);
    /* Stat ids in the order the steps are met, the whole purchase first:
     * the summary lists the steps in this order. */
    static const scenario_kind order[] = {SCENARIO_CHECKOUT, SCENARIO_BROWSE, SCENARIO_LOGIN, SCENARIO_GET};
    stat_count = 0;
    for (size_t s = 0; s < sizeof order / sizeof order[0]; s++) {
        for (int i = 0; i < SCENARIOS[order[s]].n; i++) {
            step_kind k = SCENARIOS[order[s]].steps[i];
            int id = 0;
            while (id < stat_count && strcmp(stat_names[id], STEPS[k].name) != 0)
                id++;
            if (id == stat_count)
                stat_names[stat_count++] = STEPS[k].name;
            stat_id_of[k] = id;
        }
    }
    mixed = strcmp(o->scenario, "mix") == 0;
    memcpy(mix_weights, o->mix_weights, sizeof mix_weights);
    if (!strcmp(o->scenario, "checkout"))
        single = SCENARIO_CHECKOUT;
    else if (!strcmp(o->scenario, "login"))
        single = SCENARIO_LOGIN;
    else if (!strcmp(o->scenario, "get"))
        single = SCENARIO_GET;
    else
        single = SCENARIO_BROWSE;
}

const char *const *scenario_step_names(int *count)
{
    *count = stat_count;
    return stat_names;
}

void journey_init(journey *j, unsigned seed)
{
    memset(j, 0, sizeof *j);
    j->rng = seed ? seed : 2463534242u;
}

void journey_free(journey *j)
{
    rs_buf_free(&j->body);
    rs_buf_free(&j->cart);
}

static scenario_kind pick_scenario(journey *j)
{
    if (!mixed)
        return single;
    int total = mix_weights[0] + mix_weights[1] + mix_weights[2];
    int r = below(j, total);
    if (r < mix_weights[0])
        return SCENARIO_BROWSE;
    if (r < mix_weights[0] + mix_weights[1])
        return SCENARIO_CHECKOUT;
    return SCENARIO_LOGIN;
}

void journey_begin(journey *j)
{
    j->kind = pick_scenario(j);
    j->step = 0;
    j->item = 0;
    j->id[0] = '\0';
    j->error[0] = '\0';
    rs_buf_reset(&j->body);
    rs_buf_reset(&j->cart);
}

int journey_next(journey *j, journey_request *r, int *stat_id)
{
    while (j->step < SCENARIOS[j->kind].n) {
        step_kind k = SCENARIOS[j->kind].steps[j->step];
        memset(r, 0, sizeof *r);
        *stat_id = stat_id_of[k];
        int built = STEPS[k].build(j, r);
        if (built <= 0)
            return built == 0 ? 1 : -1;
        j->step++;
    }
    return 0;
}

int journey_wants_body(const journey *j)
{
    step_kind k = SCENARIOS[j->kind].steps[j->step];
    return k != STEP_GET;
}

const char *journey_check(journey *j, const journey_response *res)
{
    step_kind k = SCENARIOS[j->kind].steps[j->step];
    json_t *doc = NULL;
    const char *bad = NULL;
    if (STEPS[k].json && res->status >= 200 && res->status < 300) {
        doc = json_loadb(res->body ? res->body : "", res->len, 0, NULL);
        if (!doc)
            bad = complain(j, "%s", "not JSON");
    }
    if (!bad)
        bad = STEPS[k].check(j, res, doc);
    json_decref(doc);
    j->step++;
    return bad;
}

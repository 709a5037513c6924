/*
 * scenario.h - the shoppers' journeys rs-load plays: each a list of steps,
 * each step one HTTP request built from what the journey learned so far and
 * one check of the answer's status and shape.
 *
 *   browse    GET /, categories, products, one product, its rating
 *   checkout  uniqueid, categories, products, then for two robots in stock:
 *             product, rating, sometimes a vote, add to cart; then the
 *             cart, a quantity change, codes, city match, shipping cost,
 *             confirm and pay
 *   login     sign in as a seed user, the order history, the user's cart
 *   mix       one of the three per journey, by weight
 *   get       one request of the URL's path, any 2xx or 3xx (as wrk)
 *
 * A failed check stops the journey; the error is named by the check
 * ("status 503", "no uuid in answer", ...).
 */
#ifndef RS_LOAD_SCENARIO_H
#define RS_LOAD_SCENARIO_H

#include <stddef.h>

#include "options.h"
#include "rs_buf.h"

typedef enum {
    SCENARIO_BROWSE,
    SCENARIO_CHECKOUT,
    SCENARIO_LOGIN,
    SCENARIO_GET,
} scenario_kind;

typedef struct journey_request {
    const char *method;
    char        path[600];
    const char *body;          /* NULL when none; JSON otherwise */
    size_t      body_len;
} journey_request;

typedef struct journey_response {
    int         status;
    const char *body;
    size_t      len;
} journey_response;

/* What one journey carries from step to step. */
typedef struct journey {
    scenario_kind kind;
    int           step;          /* index into the scenario's steps */
    int           item;          /* which of the robots being bought */
    char          id[80];        /* the cart's id: anonymous or user name */
    char          sku[2][72];
    char          user[32];
    long long     city_uuid;
    char          location[160]; /* "City, GB", for the confirmation */
    rs_buf        body;          /* a request body being sent */
    rs_buf        cart;          /* the cart confirmed, paid for next */
    char          error[96];     /* the last check's complaint */
    unsigned      rng;
} journey;

/* Prepares the scenarios for a run (the mix, the "get" path). */
void scenario_init(const load_options *o);

/* The names requests are counted under ("GET /api/cart/cart/:id"), and
 * how many there are: the stat id of a step indexes this list. */
const char *const *scenario_step_names(int *count);

void journey_init(journey *j, unsigned seed);
void journey_free(journey *j);

/* Starts a new journey: picks its scenario, forgets the last one. */
void journey_begin(journey *j);

/* The next request of the journey, and the stat id it counts under:
 * 1; or 0 when the journey is over; or -1 when the request could not be
 * built (j->error says why; it counts against that stat id). */
int journey_next(journey *j, journey_request *r, int *stat_id);

/* A pseudo-random number from the journey's own sequence. */
unsigned journey_random(journey *j);

/* Whether the answer to the current step needs its body read. */
int journey_wants_body(const journey *j);

/* Checks the answer to the current step and moves on: NULL when it is
 * right, else what was wrong (valid until the next call). */
const char *journey_check(journey *j, const journey_response *res);

#endif

/*
 * handlers.c - POST /pay/:id: charge the cart as the cart service holds
 * it, queue the order with the broker's confirm, then record it in the
 * user's history and empty the cart.
 *
 * One paid cart makes one order, whatever fails and however often the
 * client retries: the order's id is derived from the state of the cart
 * (its ETag), goes with the message as its id, and dispatch and the
 * history deduplicate on it; the steps after the broker's confirm are
 * retried until done (followup.h). The answer is truthful: 503 when
 * nothing was sent, 504 "outcome unknown" (with the order id) when the
 * broker may have it, 200 once it has.
 */
#include "handlers.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "followup.h"
#include "ledger.h"
#include "order.h"
#include "peers.h"
#include "rs_amqp.h"
#include "rs_config.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_time.h"
#include "rs_util.h"

#define PAY_BUDGET_S 4.0    /* a payment answers within this (the gateway waits 5 s) */

static struct {
    long       delay_ms;
    rs_metric *sold;
    rs_metric *units;
    rs_metric *value;
} pay_state;

void payment_handlers_init(void)
{
    static const double units_buckets[] = {1, 2, 5, 10, 100};
    static const double value_buckets[] = {100, 200, 500, 1000, 2000, 5000, 10000};
    pay_state.delay_ms = rs_config_int("PAYMENT_DELAY_MS", 0, 0, 600000);
    pay_state.sold = rs_counter("sold_count", "Running count of items sold.", NULL);
    pay_state.units = rs_histogram("units_sold", "Items per order.", NULL,
                                   units_buckets, RS_ARRAY_LEN(units_buckets));
    pay_state.value = rs_histogram("cart_value", "Value of each order.", NULL,
                                   value_buckets, RS_ARRAY_LEN(value_buckets));
}

/* The message for dispatch: {"orderid","user","cart"}; -1 out of memory. */
static int order_message(const char *orderid, const char *user, json_t *cart, rs_buf *out)
{
    json_t *m = json_pack("{s:s,s:s,s:O}", "orderid", orderid, "user", user, "cart", cart);
    int rc = m != NULL && rs_json_dump(m, out) == 0 && !out->failed ? 0 : -1;
    json_decref(m);
    return rc;
}

static void count_sale(const order_summary *sum)
{
    rs_counter_add(pay_state.sold, NULL, (double)sum->units);
    rs_histogram_observe(pay_state.units, NULL, (double)sum->units);
    rs_histogram_observe(pay_state.value, NULL, sum->total);
}

static void reply_unknown(rs_request *req, const char *orderid)
{
    rs_reply_json(req, 504, json_pack("{s:s,s:s}", "error", "outcome unknown",
                                      "orderid", orderid));
}

/* One payment, from the stored cart on. */
typedef struct payment {
    const char   *id;
    json_t       *cart;                 /* as the cart service holds it */
    char          etag[PEERS_ETAG_MAX];
    char          orderid[ORDER_ID_LEN + 1];
    order_summary sum;
    user_kind     who;
    double        deadline;
} payment;

/* Publishes the order; the ledger's word on it afterwards. Answers the
 * request unless the order now stands (LEDGER_CONFIRMED). */
static ledger_state publish(rs_request *req, payment *p, ledger_state known)
{
    rs_buf msg = RS_BUF_INIT;
    if (order_message(p->orderid, p->id, p->cart, &msg) != 0) {
        rs_buf_free(&msg);
        rs_reply_error(req, 500, "out of memory");
        return LEDGER_NEW;
    }
    rs_amqp_result r = rs_amqp_publish(p->orderid, msg.data, msg.len);
    rs_buf_free(&msg);
    switch (r) {
    case RS_AMQP_CONFIRMED:
        count_sale(&p->sum);
        rs_log(RS_INFO, "order %s queued for %s", p->orderid, p->id);
        return LEDGER_CONFIRMED;
    case RS_AMQP_UNKNOWN:
        rs_log(RS_WARN, "order %s for %s: sent, no confirm: outcome unknown", p->orderid, p->id);
        reply_unknown(req, p->orderid);
        return LEDGER_UNKNOWN;
    case RS_AMQP_DOWN:
    case RS_AMQP_REFUSED:
        break;
    }
    rs_log(RS_WARN, "order %s for %s not queued: %s", p->orderid, p->id,
           r == RS_AMQP_REFUSED ? "the broker refused it" : "the broker is not available");
    if (known == LEDGER_UNKNOWN)
        reply_unknown(req, p->orderid);   /* an earlier attempt may stand */
    else
        rs_reply_error(req, 503, "rabbitmq not available");
    return LEDGER_NEW;
}

/* The order stands: the history and the cart follow, and the answer is
 * the order id, whether or not they could be done yet. */
static void complete(rs_request *req, const payment *p)
{
    followup f = {.record = p->who == USER_REGISTERED, .empty_cart = true, .cart = p->cart};
    snprintf(f.user, sizeof f.user, "%s", p->id);
    memcpy(f.orderid, p->orderid, sizeof f.orderid);
    if (strlen(p->etag) > 32)
        snprintf(f.token, sizeof f.token, "%.32s", p->etag + 1);   /* "\"<token>.<version>\"" */
    followup_run(&f, p->deadline);
    rs_reply_json(req, 200, json_pack("{s:s}", "orderid", p->orderid));
}

/* Charges and queues the order unless it stands already; answers. */
static void place(rs_request *req, payment *p)
{
    bool held;
    ledger_state known = ledger_claim(p->orderid, rs_amqp_timeout_ms() + 1000, &held);
    if (known == LEDGER_BUSY) {
        reply_unknown(req, p->orderid);   /* another attempt is being published */
        return;
    }
    ledger_state outcome = known;
    if (known != LEDGER_CONFIRMED) {
        if (!peers_charge(p->orderid, p->deadline)) {
            if (known == LEDGER_UNKNOWN)
                reply_unknown(req, p->orderid);   /* an earlier attempt may stand */
            else
                rs_reply_error(req, 502, "payment failed");
            outcome = LEDGER_NEW;
        } else {
            outcome = publish(req, p, known);
        }
    }
    if (held)
        ledger_release(p->orderid, outcome);
    if (outcome == LEDGER_CONFIRMED)
        complete(req, p);
}

/* Reads the stored cart and checks the posted one against it; answers and
 * returns false when payment cannot go on. */
static bool read_cart(rs_request *req, payment *p, const json_t *posted)
{
    peer_status st = peers_get_cart(p->id, &p->cart, p->etag, p->deadline);
    if (st == PEER_NOT_FOUND) {
        rs_reply_error(req, 404, "cart not found");
        return false;
    }
    if (st != PEER_DONE) {
        rs_reply_error(req, 503, "cart not available");
        return false;
    }
    if (!order_check_cart(p->cart, &p->sum)) {
        rs_reply_error(req, 400, "cart not valid");
        return false;
    }
    if (!order_same_cart(posted, p->cart)) {
        rs_reply_error(req, 409, "the cart has changed: reload it and check it before paying");
        return false;
    }
    if (order_id_for(p->etag, p->orderid) != 0) {
        /* A cart stored before carts had a version: no id to derive. */
        rs_log(RS_WARN, "cart %s has no version; its order gets a random id", p->id);
        if (order_new_id(p->orderid) != 0) {
            rs_reply_error(req, 500, "cannot make an order id");
            return false;
        }
    }
    return true;
}

void pay(rs_request *req)
{
    if (pay_state.delay_ms > 0)
        rs_sleep_ms(pay_state.delay_ms);
    json_t *posted = rs_req_json(req);
    if (posted == NULL)
        return;   /* answered 400 */
    payment p = {.id = rs_req_param(req, "id"), .deadline = rs_now() + PAY_BUDGET_S};
    order_summary posted_sum;
    if (!order_check_cart(posted, &posted_sum)) {
        rs_reply_error(req, 400, "cart not valid");
    } else if (read_cart(req, &p, posted)) {
        p.who = peers_check_user(p.id, p.deadline);
        if (p.who == USER_UNAVAILABLE)
            rs_reply_error(req, 503, "user not available");
        else
            place(req, &p);
    }
    json_decref(p.cart);
    json_decref(posted);
}

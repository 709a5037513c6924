/*
 * handlers.c - POST /pay/:id: check the cart and the user, charge, queue
 * the order with the broker's confirm, then record it in the user's
 * history and empty the cart. Nothing is lost: until the broker has
 * confirmed, nothing is changed and the answer is an error, so the
 * customer can pay again.
 */
#include "handlers.h"

#include <errno.h>
#include <time.h>

#include "order.h"
#include "peers.h"
#include "rs_amqp.h"
#include "rs_config.h"
#include "rs_json.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_service.h"

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

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
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

/* Queues the order; answers and returns false when the broker has not
 * confirmed it. */
static bool queue_order(rs_request *req, const char *orderid, const char *id, json_t *cart)
{
    rs_buf msg = RS_BUF_INIT;
    if (order_message(orderid, id, cart, &msg) != 0) {
        rs_buf_free(&msg);
        rs_reply_error(req, 500, "out of memory");
        return false;
    }
    rs_amqp_result r = rs_amqp_publish(msg.data, msg.len);
    rs_buf_free(&msg);
    if (r != RS_AMQP_CONFIRMED) {
        rs_log(RS_WARN, "order %s for %s not queued: %s", orderid, id,
               r == RS_AMQP_REFUSED ? "the broker refused it" : "the broker is not available");
        rs_reply_error(req, 503, "rabbitmq not available");
        return false;
    }
    return true;
}

void pay(rs_request *req)
{
    if (pay_state.delay_ms > 0)
        sleep_ms(pay_state.delay_ms);
    json_t *cart = rs_req_json(req);
    if (cart == NULL)
        return;   /* answered 400 */
    const char *id = rs_req_param(req, "id");
    order_summary sum;
    char orderid[ORDER_ID_LEN + 1];
    if (!order_check_cart(cart, &sum)) {
        rs_reply_error(req, 400, "cart not valid");
    } else {
        user_kind who = peers_check_user(id);
        if (who == USER_UNAVAILABLE) {
            rs_reply_error(req, 503, "user not available");
        } else if (!peers_charge()) {
            rs_reply_error(req, 502, "payment failed");
        } else if (order_new_id(orderid) != 0) {
            rs_log(RS_ERROR, "no randomness for an order id");
            rs_reply_error(req, 500, "cannot make an order id");
        } else if (queue_order(req, orderid, id, cart)) {
            count_sale(&sum);
            rs_log(RS_INFO, "order %s queued for %s", orderid, id);
            /* From here on the order stands: the broker holds it (persisted)
             * and dispatch will process it. A failure below is logged, not
             * answered as an error: paying again would order twice. */
            if (who == USER_REGISTERED && !peers_record_order(id, orderid, cart))
                rs_log(RS_ERROR, "order %s is queued but missing from the history of %s",
                       orderid, id);
            if (!peers_delete_cart(id))
                rs_log(RS_ERROR, "order %s is queued but cart %s was not emptied", orderid, id);
            rs_reply_json(req, 200, json_pack("{s:s}", "orderid", orderid));
        }
    }
    json_decref(cart);
}

/*
 * main.c - the payment service: charges the stored cart, queues the order
 * on RabbitMQ (with the broker's confirm) for dispatch, records it in the
 * buyer's history and empties the cart.
 */
#include "followup.h"
#include "handlers.h"
#include "ledger.h"
#include "peers.h"
#include "rs_amqp.h"
#include "rs_client.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_service.h"
#include "rs_util.h"

static const rs_route routes[] = {
    {"POST", "/pay/:id", pay, RS_PARAM_ID, RS_RUN_WORKER},
};

int main(int argc, char **argv)
{
    rs_service_options(argc, argv, routes, RS_ARRAY_LEN(routes));
    rs_service_init("payment");
    peers_init();
    payment_handlers_init();
    ledger_init();
    rs_amqp_init();
    if (rs_amqp_publisher_start() != 0) {
        rs_log(RS_ERROR, "cannot start the rabbitmq monitor");
        return 1;
    }
    if (followup_start() != 0) {
        rs_log(RS_ERROR, "cannot start the follow-up thread");
        return 1;
    }
    rs_service_depend("rabbitmq", rs_amqp_up, NULL);

    int rc = rs_service_run(routes, RS_ARRAY_LEN(routes));

    followup_stop();
    rs_amqp_publisher_stop();
    rs_amqp_cleanup();
    rs_client_cleanup();
    ledger_cleanup();
    rs_metrics_reset();
    return rc;
}

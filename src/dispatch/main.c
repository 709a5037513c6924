/*
 * main.c - the dispatch service: consumes the orders payment queues on
 * RabbitMQ, processes them and records each once in Redis (record.h);
 * serves /health, /ready and /metrics.
 */
#include <stdbool.h>

#include "consumer.h"
#include "orders.h"
#include "record.h"
#include "rs_amqp.h"
#include "rs_client.h"
#include "rs_log.h"
#include "rs_metrics.h"
#include "rs_redis.h"
#include "rs_service.h"

/* Ready while consuming and while the broker answers the monitor. */
static bool broker_ready(void *unused)
{
    return consumer_connected(unused) && rs_amqp_up(unused);
}

int main(int argc, char **argv)
{
    rs_service_options(argc, argv, NULL, 0);
    rs_service_init("dispatch");
    rs_amqp_init();
    orders_init();
    if (record_init() != 0) {
        rs_log(RS_ERROR, "cannot start the redis monitor");
        return 1;
    }
    if (consumer_start() != 0) {
        rs_log(RS_ERROR, "cannot start the consumer");
        return 1;
    }
    /* The consumer's connection can look alive through a hung broker
     * until the heartbeats give up; the monitor's probe (its own
     * connection, an RPC within AMQP_TIMEOUT_MS) sees a hang at once. */
    if (rs_amqp_publisher_start() != 0) {
        rs_log(RS_ERROR, "cannot start the rabbitmq monitor");
        return 1;
    }
    rs_service_depend("rabbitmq", broker_ready, NULL);
    rs_service_depend("redis", rs_redis_up, NULL);

    /* No routes of its own: the runtime serves /health, /ready, /metrics. */
    int rc = rs_service_run(NULL, 0);

    consumer_stop();
    rs_amqp_publisher_stop();
    rs_amqp_cleanup();
    rs_client_cleanup();
    record_cleanup();
    rs_metrics_reset();
    return rc;
}

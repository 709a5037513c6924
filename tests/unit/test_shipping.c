/*
 * test_shipping.c - unit tests for the shipping service's distances and
 * costs (src/shipping/distance.c), against known great-circle distances.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include <cmocka.h>

#include "distance.h"

static void assert_km(double got, double want, double tolerance)
{
    if (fabs(got - want) > tolerance)
        fail_msg("%.3f km, expected %.3f km (± %.3f)", got, want, tolerance);
}

static void test_known_city_pairs(void **state)
{
    (void)state;
    /* Published great-circle distances (mean earth radius 6371 km). */
    assert_km(haversine_km(51.5074, -0.1278, 48.8566, 2.3522), 343.56, 0.01);        /* London–Paris */
    assert_km(haversine_km(40.7128, -74.0060, 34.0522, -118.2437), 3935.75, 0.01);   /* New York–Los Angeles */
    assert_km(haversine_km(-33.8688, 151.2093, 51.5074, -0.1278), 16993.93, 0.01);   /* Sydney–London */
}

static void test_symmetric_and_zero(void **state)
{
    (void)state;
    assert_km(haversine_km(48.8566, 2.3522, 51.5074, -0.1278),
              haversine_km(51.5074, -0.1278, 48.8566, 2.3522), 1e-9);
    assert_km(haversine_km(WAREHOUSE_LAT, WAREHOUSE_LON, WAREHOUSE_LAT, WAREHOUSE_LON), 0, 1e-9);
}

static void test_antipodes_are_half_the_circumference(void **state)
{
    (void)state;
    assert_km(haversine_km(0, 0, 0, 180), M_PI * EARTH_RADIUS_KM, 1e-6);
    assert_km(haversine_km(90, 0, -90, 0), M_PI * EARTH_RADIUS_KM, 1e-6);
}

static void test_warehouse_distance_is_rounded(void **state)
{
    (void)state;
    assert_int_equal(warehouse_distance_km(51.50853, -0.12574), 501);   /* London */
    assert_int_equal(warehouse_distance_km(WAREHOUSE_LAT, WAREHOUSE_LON), 0);
}

static void test_cost_is_five_cents_a_km(void **state)
{
    (void)state;
    assert_true(shipping_cost(0) == 0.0);
    assert_true(shipping_cost(1) == 0.05);
    assert_true(shipping_cost(501) == 25.05);
    assert_true(shipping_cost(16994) == 849.7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_city_pairs),
        cmocka_unit_test(test_symmetric_and_zero),
        cmocka_unit_test(test_antipodes_are_half_the_circumference),
        cmocka_unit_test(test_warehouse_distance_is_rounded),
        cmocka_unit_test(test_cost_is_five_cents_a_km),
    };
    return cmocka_run_group_tests_name("shipping", tests, NULL, NULL);
}

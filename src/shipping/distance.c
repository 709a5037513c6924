/*
 * distance.c - great-circle distances and shipping costs (see distance.h).
 */
#include "distance.h"

#include <math.h>

static double radians(double degrees)
{
    return degrees * M_PI / 180.0;
}

double haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    double dlat = radians(lat2 - lat1);
    double dlon = radians(lon2 - lon1);
    double a = sin(dlat / 2) * sin(dlat / 2) +
               cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) * sin(dlon / 2);
    if (a > 1.0)
        a = 1.0;   /* rounding at antipodes */
    return 2.0 * EARTH_RADIUS_KM * asin(sqrt(a));
}

long warehouse_distance_km(double lat, double lon)
{
    return lround(haversine_km(WAREHOUSE_LAT, WAREHOUSE_LON, lat, lon));
}

double shipping_cost(long distance_km)
{
    return round((double)distance_km * 5.0) / 100.0;
}

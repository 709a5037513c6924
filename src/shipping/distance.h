/*
 * distance.h - how far a city is from the warehouse, and what shipping
 * there costs.
 */
#ifndef SHIPPING_DISTANCE_H
#define SHIPPING_DISTANCE_H

#define EARTH_RADIUS_KM   6371.0
#define WAREHOUSE_LAT     51.164896
#define WAREHOUSE_LON     7.068792

/* Great-circle distance in km between two points given in degrees
 * (the haversine formula). */
double haversine_km(double lat1, double lon1, double lat2, double lon2);
/* The distance from the warehouse, rounded to whole kilometres. */
long   warehouse_distance_km(double lat, double lon);
/* round(distance * 5) / 100, in currency units. */
double shipping_cost(long distance_km);

#endif

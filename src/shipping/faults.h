/*
 * faults.h - the shipping service's fault knobs, served only when
 * FAULT_INJECTION=1: GET /memory holds another 25 MiB, GET /free lets go.
 */
#ifndef SHIPPING_FAULTS_H
#define SHIPPING_FAULTS_H

#include "rs_http.h"

void hold_memory(rs_request *req);        /* GET /memory */
void free_memory(rs_request *req);        /* GET /free */
void faults_release(void);

#endif

/*
 * chart.h - the line charts of rs-load's HTML report: one figure with a
 * legend and an inline SVG drawing of up to three fields of the results
 * timeline (see report.h) against time, with axes on round numbers.
 */
#ifndef RS_LOAD_CHART_H
#define RS_LOAD_CHART_H

#include <jansson.h>

#include "rs_buf.h"

#define CHART_COLOR_BLUE  "#2563eb"
#define CHART_COLOR_RED   "#dc2626"
#define CHART_COLOR_AMBER "#d97706"
#define CHART_COLOR_ROSE  "#9d174d"
#define CHART_COLOR_TEAL  "#0d9488"

/* One line: the timeline field it plots. */
struct series {
    const char *key;
    const char *label;
    const char *color;
    int area;               /* shade the area under the line */
};

struct chart {
    const char *title;
    double divisor;         /* plotted value = document value / divisor */
    int integral;           /* counts: ticks on whole numbers */
    int n_series;
    struct series series[3];
};

/* Appends the chart as a <figure> holding an <svg>; a timeline with no
 * points draws "no data". */
void chart_svg(rs_buf *b, const json_t *timeline, const struct chart *c);

#endif

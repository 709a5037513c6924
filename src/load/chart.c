/*
 * chart.c - the SVG line charts of the HTML report (see chart.h).
 *
 * Each chart scales its axes to the data: time along x in whole seconds,
 * values along y from 0 to a round top, ticks on steps of 1, 2, 2.5 or 5
 * times a power of ten. Labels are numbers and the caller's constant
 * titles, so nothing written here needs escaping.
 */
#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A timeline field that may be stored as an integer or a real; 0 when absent. */
static double value_of(const json_t *point, const char *key)
{
    return json_number_value(json_object_get(point, key));
}

/* The drawing, in viewBox units; the page scales it to its width. */
enum { SVG_W = 640, SVG_H = 250, PLOT_L = 52, PLOT_R = 22, PLOT_T = 10,
       PLOT_B = 30 };
#define PLOT_W ((double)(SVG_W - PLOT_L - PLOT_R))
#define PLOT_H ((double)(SVG_H - PLOT_T - PLOT_B))

/* The ranges a chart's axes cover. */
struct frame {
    size_t points;
    double xlo, xhi, xstep;
    double ytop, ystep;
};

/* A step of 1, 2, 2.5 or 5 times a power of ten giving about `ticks`
 * intervals over range; never below 1 for counts and seconds. */
static double nice_step(double range, int ticks, int integral)
{
    double raw = range / ticks;
    if (!(raw > 0) || !isfinite(raw))
        return 1;
    double mag = pow(10, floor(log10(raw)));
    double norm = raw / mag, m;
    if (norm <= 1)
        m = 1;
    else if (norm <= 2)
        m = 2;
    else if (norm <= 2.5 && !integral)
        m = 2.5;
    else if (norm <= 5)
        m = 5;
    else
        m = 10;
    double step = m * mag;
    if (!isfinite(step))
        step = raw;
    if (integral && step < 1)
        step = 1;
    return step;
}

/* Decimals a tick step needs: 0 for 5, 1 for 2.5, 2 for 0.25. */
static int decimals_for(double step)
{
    for (int d = 0; d < 6; d++) {
        double s = step * pow(10, d);
        if (fabs(s - round(s)) < 1e-6 * fmax(1, s))
            return d;
    }
    return 6;
}

/* A tick label; past 9999 on the axis, k, M, G... so labels stay short. */
static void format_tick(double v, double step, double top, char *out, size_t n)
{
    static const char *const suffix[] = {"", "k", "M", "G", "T", "P", "E"};
    double div = 1;
    int i = 0;
    while (i < 6 && top / div >= 1e4) {
        div *= 1000;
        i++;
    }
    if (v == 0)
        snprintf(out, n, "0");
    else if (top / div >= 1e4)
        snprintf(out, n, "%.3g", v);
    else
        snprintf(out, n, "%.*f%s", decimals_for(step / div), v / div,
                 suffix[i]);
}

/* Fills f from the timeline; 0 when there is nothing to draw. */
static int frame_for(const json_t *timeline, const struct chart *c,
                     struct frame *f)
{
    const json_t *p;
    size_t i;
    double xmin = 0, xmax = 0, ymax = 0;

    f->points = 0;
    json_array_foreach(timeline, i, p) {
        if (!json_is_object(p))
            continue;
        double x = value_of(p, "t");
        if (f->points == 0 || x < xmin)
            xmin = x;
        if (f->points == 0 || x > xmax)
            xmax = x;
        for (int s = 0; s < c->n_series; s++) {
            double y = value_of(p, c->series[s].key) / c->divisor;
            if (y > ymax)
                ymax = y;
        }
        f->points++;
    }
    if (f->points == 0)
        return 0;

    /* t counts seconds from 1; the axis starts at the start of the run */
    f->xlo = xmin > 0 && xmin <= 1 ? 0 : xmin;
    f->xhi = xmax > f->xlo ? xmax : f->xlo + 1;
    f->xstep = nice_step(f->xhi - f->xlo, 8, 1);

    if (!(ymax > 0))
        ymax = 1;
    f->ystep = nice_step(ymax, 5, c->integral);
    f->ytop = ceil(ymax / f->ystep) * f->ystep;
    if (f->ytop < ymax)
        f->ytop += f->ystep;
    if (!isfinite(f->ytop)) {
        f->ytop = ymax;
        f->ystep = ymax / 5;
    }
    return 1;
}

static double clamp01(double r)
{
    return r >= 0 ? (r <= 1 ? r : 1) : 0; /* NaN reads as 0 */
}

static double plot_x(const struct frame *f, double x)
{
    return PLOT_L + clamp01((x - f->xlo) / (f->xhi - f->xlo)) * PLOT_W;
}

static double plot_y(const struct frame *f, double y)
{
    return PLOT_T + (1 - clamp01(y / f->ytop)) * PLOT_H;
}

static void svg_axes(rs_buf *b, const struct frame *f)
{
    char label[48];
    int ny = (int)floor(f->ytop / f->ystep + 1e-9);
    if (ny > 20)
        ny = 20;
    for (int i = 0; i <= ny; i++) {
        double v = i * f->ystep, y = plot_y(f, v);
        format_tick(v, f->ystep, f->ytop, label, sizeof label);
        rs_buf_printf(b, "<line class=\"%s\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
                         "y2=\"%.1f\"/><text x=\"%d\" y=\"%.1f\" dy=\".32em\" "
                         "text-anchor=\"end\">%s</text>\n",
                      i == 0 ? "axis" : "grid", PLOT_L, y, SVG_W - PLOT_R, y,
                      PLOT_L - 8, y, label);
    }
    double first = ceil(f->xlo / f->xstep) * f->xstep;
    for (int i = 0; i <= 40; i++) {
        double v = first + i * f->xstep;
        if (v > f->xhi + f->xstep * 1e-9)
            break;
        double x = plot_x(f, v);
        format_tick(v, f->xstep, fmax(fabs(f->xlo), fabs(f->xhi)), label,
                    sizeof label);
        rs_buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" "
                         "x2=\"%.1f\" y2=\"%.1f\"/><line class=\"axis\" "
                         "x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                         "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                         "%ss</text>\n",
                      x, PLOT_T, x, PLOT_T + PLOT_H, x, PLOT_T + PLOT_H, x,
                      PLOT_T + PLOT_H + 4, x, SVG_H - 10, label);
    }
}

/* The series' points as "x,y x,y ...". */
static void svg_points(rs_buf *b, const json_t *timeline,
                       const struct frame *f, const struct chart *c,
                       const struct series *s)
{
    const json_t *p;
    size_t i;
    json_array_foreach(timeline, i, p) {
        if (!json_is_object(p))
            continue;
        rs_buf_printf(b, "%.1f,%.1f ", plot_x(f, value_of(p, "t")),
                      plot_y(f, value_of(p, s->key) / c->divisor));
    }
}

static void svg_series(rs_buf *b, const json_t *timeline,
                       const struct frame *f, const struct chart *c,
                       const struct series *s)
{
    const json_t *p;
    size_t i;
    double base = PLOT_T + PLOT_H, x0 = 0, x1 = 0;
    int seen = 0;

    if (f->points == 1) {
        json_array_foreach(timeline, i, p) {
            if (!json_is_object(p))
                continue;
            rs_buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
                             "fill=\"%s\"/>\n",
                          plot_x(f, value_of(p, "t")),
                          plot_y(f, value_of(p, s->key) / c->divisor), s->color);
        }
        return;
    }
    if (s->area) {
        json_array_foreach(timeline, i, p) {
            if (!json_is_object(p))
                continue;
            x1 = plot_x(f, value_of(p, "t"));
            if (!seen++)
                x0 = x1;
        }
        rs_buf_printf(b, "<polygon fill=\"%s\" fill-opacity=\"0.12\" "
                         "stroke=\"none\" points=\"%.1f,%.1f ",
                      s->color, x0, base);
        svg_points(b, timeline, f, c, s);
        rs_buf_printf(b, "%.1f,%.1f\"/>\n", x1, base);
    }
    rs_buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" "
                     "stroke-width=\"1.75\" stroke-linejoin=\"round\" "
                     "stroke-linecap=\"round\" points=\"",
                  s->color);
    svg_points(b, timeline, f, c, s);
    rs_buf_puts(b, "\"/>\n");
}

static void svg_no_data(rs_buf *b)
{
    rs_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" "
                     "fill=\"#f6f8fa\" stroke=\"#d8dee4\"/>\n"
                     "<text class=\"nodata\" x=\"%.0f\" y=\"%.0f\" "
                     "text-anchor=\"middle\" dy=\".32em\">no data</text>\n",
                  PLOT_L, PLOT_T, PLOT_W, PLOT_H, PLOT_L + PLOT_W / 2,
                  PLOT_T + PLOT_H / 2);
}

void chart_svg(rs_buf *b, const json_t *timeline, const struct chart *c)
{
    struct frame f;
    rs_buf_printf(b, "<figure>\n<figcaption><span>%s</span>"
                     "<span class=\"legend\">",
                  c->title);
    for (int s = 0; s < c->n_series; s++)
        rs_buf_printf(b, "<span><i style=\"background:%s\"></i>%s</span>",
                      c->series[s].color, c->series[s].label);
    rs_buf_printf(b, "</span></figcaption>\n<svg viewBox=\"0 0 %d %d\" "
                     "role=\"img\" aria-label=\"%s over time\">\n",
                  SVG_W, SVG_H, c->title);
    if (frame_for(timeline, c, &f)) {
        svg_axes(b, &f);
        for (int s = 0; s < c->n_series; s++)
            svg_series(b, timeline, &f, c, &c->series[s]);
    } else {
        svg_no_data(b);
    }
    rs_buf_puts(b, "</svg>\n</figure>\n");
}

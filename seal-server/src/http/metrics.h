/* metrics.h: request counters and latency histograms, rendered as Prometheus text
 * (ss_metrics_*).
 *
 * Routes and error codes are fixed when the set is made, so every counter is a preallocated
 * C11 atomic: recording takes no lock and no allocation, and may run in any number of worker
 * threads while another renders. A render is not a snapshot across counters (a request may be
 * counted in one series and not yet in another); each counter is exact. */
#ifndef SS_METRICS_H
#define SS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"

typedef struct ss_metrics ss_metrics;   /* opaque */

/** @param route_methods, route_patterns  n route labels (copied); requests that matched no
 *                                         route are recorded as route index n ("unmatched")
 *  @param error_names  nerr error codes ("not_found", …; copied)
 *  @return 0, SC_EINVAL, SC_ENOMEM */
int ss_metrics_new(ss_metrics **out, const char *const *route_methods,
                   const char *const *route_patterns, size_t n,
                   const char *const *error_names, size_t nerr, sc_err *err);
void ss_metrics_free(ss_metrics *m);    /* NULL is a no-op */

/** One answered request: route index (n: unmatched), HTTP status, seconds it took. Statuses
 *  outside 100..599 are counted as 599. */
void ss_metrics_request(ss_metrics *m, size_t route, int status, double seconds);

/** One error response with code index e (< nerr); others are ignored. */
void ss_metrics_error(ss_metrics *m, size_t e);

/** Prometheus text exposition format 0.0.4.
 *  @param in_flight  requests being handled now (a gauge owned by the caller)
 *  @param labels     extra constant labels for sealpki_build_info, e.g. "role=\"province\""
 *  @param[out] out   new NUL-terminated text, free() it; *len its length
 *  @return 0, SC_ENOMEM */
int ss_metrics_render(const ss_metrics *m, long in_flight, const char *labels, char **out,
                      size_t *len, sc_err *err);

#endif

/* log.h: structured logs, one JSON object per line on stderr (ss_log_*).
 *
 * Each line is written with a single write(2), so lines from concurrent workers never
 * interleave. Callers must not pass secrets (tokens, passwords, keys) or request bodies: the
 * request line has fixed fields for exactly that reason. */
#ifndef SS_LOG_H
#define SS_LOG_H

#include <stddef.h>

#include "sealcore/error.h"

#define SS_REQUEST_ID_LEN 32            /* hex characters */

/* The fields of one request line. Strings may be NULL (then omitted or null). */
typedef struct ss_log_request {
    const char *request_id;
    const char *method;
    const char *route;       /* the matched pattern, "unmatched" otherwise: never the raw
                                path, which may carry identifiers nobody asked us to log */
    int status;
    double ms;
    const char *client;      /* API client name; NULL when anonymous or not identified */
    const char *auth;        /* "cert", "bearer", "anonymous", "none" */
    const char *remote;      /* peer address */
    const char *error;       /* error code of an error response */
    const char *detail;      /* server-side detail of a failure (never sent to the client) */
} ss_log_request;

/** Log one answered request (level "info", or "warn" for 5xx). */
void ss_log_request_line(const ss_log_request *r);

/** Log an event: {"time","level","event","message", …}. level: "info", "warn", "error". */
void ss_log_event(const char *level, const char *event, const char *fmt, ...)
    SC_PRINTF(3, 4);

/** A fresh request id: SS_REQUEST_ID_LEN lower-case hex characters, unique within the run
 *  (random per run, then a counter through a keyed bijection: it does not count requests
 *  for whoever reads it). Thread-safe. */
void ss_log_new_request_id(char out[SS_REQUEST_ID_LEN + 1]);

#endif

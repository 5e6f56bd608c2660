/* request.h: what a handler sees of one request, and how it answers (ss_req_*).
 *
 * server.c makes an ss_req per request on the worker's stack, after routing, authentication
 * and body reading succeeded, and calls the route's handler with it. A handler answers
 * exactly once, with ss_req_reply_json, ss_req_reply_text or ss_req_reply_error, and returns
 * 0 (or a negative code if it could not answer at all: server.c then logs it and answers
 * 500 if nothing was sent yet). Everything borrowed from a request is valid until the handler
 * returns; an ss_req belongs to its worker thread.
 *
 * Every error response has the body {"error": CODE, "message": TEXT}; CODE is one of
 * enum ss_http_error's names, TEXT says what to fix. */
#ifndef SS_REQUEST_H
#define SS_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sealcore/error.h"

/* Error codes of the API (spec/openapi.yaml "Error"); the metrics count them. */
enum ss_http_error {
    SS_HE_BAD_REQUEST,            /* 400 */
    SS_HE_UNAUTHORIZED,           /* 401 */
    SS_HE_FORBIDDEN,              /* 403 */
    SS_HE_NOT_FOUND,              /* 404 */
    SS_HE_METHOD_NOT_ALLOWED,     /* 405 */
    SS_HE_TIMEOUT,                /* 408 */
    SS_HE_PAYLOAD_TOO_LARGE,      /* 413 */
    SS_HE_UNSUPPORTED_MEDIA_TYPE, /* 415 */
    SS_HE_INTERNAL,               /* 500 */
    SS_HE_UNAVAILABLE,            /* 503: a dependency (store) is unavailable */
    SS_HE_SHUTTING_DOWN,          /* 503: the server is draining */
    SS_HE_CONFLICT,               /* 409: exists already, wrong state, idempotency key reused */
    SS_HE_BAD_GATEWAY,            /* 502: a service this one depends on (the external CA) */
    SS_HE_COUNT
};

/** "bad_request", … (static); "internal" for an unknown value. */
const char *ss_http_error_name(int e);
/** The enum value for a name, or SS_HE_INTERNAL. */
int ss_http_error_from_name(const char *name);

typedef struct ss_req ss_req;           /* opaque; see server.c */
struct ss_server;

/** The server (for the store, the config, the metrics). Borrowed. */
struct ss_server *ss_req_server(const ss_req *req);
/** {name} from the matched pattern, decoded; NULL if the pattern has none. Borrowed. */
const char *ss_req_param(const ss_req *req, const char *name);
/** A query-string variable, decoded into buf (NUL-terminated). @return its length, or -1 if
 *  absent, -2 if it does not fit. */
int ss_req_query(const ss_req *req, const char *name, char *buf, size_t n);
/** A request header's value, or NULL. Borrowed. */
const char *ss_req_header(const ss_req *req, const char *name);
/** The request body, already read and within the route's limit (len 0: none). Borrowed. */
const uint8_t *ss_req_body(const ss_req *req, size_t *len);
/** The authenticated client: name ("" when anonymous), id (0 when anonymous), roles. */
const char *ss_req_client_name(const ss_req *req);
int64_t ss_req_client_id(const ss_req *req);
uint32_t ss_req_client_roles(const ss_req *req);
const char *ss_req_auth_method(const ss_req *req);  /* "cert", "bearer", "anonymous" */
const char *ss_req_id(const ss_req *req);           /* also sent as X-Request-Id */

/** Answer with a JSON document (borrowed: the caller still owns body).
 *  @return 0, SC_ENOMEM (nothing sent; server.c answers 500), SC_EIO (peer gone) */
int ss_req_reply_json(ss_req *req, int status, const json_t *body);
/** Answer with bytes of the given Content-Type. @return 0, SC_EIO */
int ss_req_reply_text(ss_req *req, int status, const char *content_type, const char *body,
                      size_t len);
/** A streamed answer (Transfer-Encoding: chunked; the connection closes after it): begin
 *  sends the head, write sends one chunk, end the last. A failure after begin cannot be
 *  answered: the client sees a truncated stream. @return 0, SC_EIO, SC_EINVAL (not begun) */
int ss_req_stream_begin(ss_req *req, int status, const char *content_type);
int ss_req_stream_write(ss_req *req, const void *p, size_t n);
int ss_req_stream_end(ss_req *req);
/** Answer {"error": name of e, "message": printf(fmt, …)}. @return 0, SC_EIO */
int ss_req_reply_error(ss_req *req, int status, int e, const char *fmt, ...)
    SC_PRINTF(4, 5);
/** Record a server-side detail for the request's log line (not sent to the client). */
void ss_req_log_detail(ss_req *req, const char *fmt, ...) SC_PRINTF(2, 3);

#endif

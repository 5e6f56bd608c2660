/* server_int.h: the request object shared by server.c (which fills it) and request.c (which
 * answers with it). Nothing outside src/http includes this; handlers see request.h. */
#ifndef SS_SERVER_INT_H
#define SS_SERVER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "log.h"
#include "request.h"
#include "router.h"
#include "server.h"

struct mg_connection;

#define SS_REQ_MAX_HEADERS 4

struct ss_req {
    struct mg_connection *conn;
    ss_server *srv;
    ss_route_match match;                 /* match.route NULL: unmatched */
    char id[SS_REQUEST_ID_LEN + 1];
    ss_auth_result auth;
    uint8_t *body;                        /* owned by server.c; NULL when none */
    size_t body_len;
    int status;                           /* 0 until answered */
    int error;                            /* enum ss_http_error of an error answer; -1 none */
    int close;                            /* 1: close the connection after the answer */
    int streaming;                        /* ss_req_stream_begin sent the head */
    int sent_continue;                    /* "100 Continue" sent: the body is coming */
    int read_failed;                      /* the body read failed: nothing left to drain */
    size_t nhdr;                          /* extra response headers (static or req-owned) */
    const char *hdr_name[SS_REQ_MAX_HEADERS];
    const char *hdr_value[SS_REQ_MAX_HEADERS];
    char detail[SC_ERR_MSG_MAX];          /* for the log line only */
};

/** Add a response header for the coming answer; both strings must outlive it. Beyond
 *  SS_REQ_MAX_HEADERS they are dropped (our callers add at most two). */
void ss__req_add_header(ss_req *req, const char *name, const char *value);

#endif

/* request.c: the handler-facing request API and every way of answering (request.h).
 * Not here: how the request got this far (server.c). All answers go through send_answer(),
 * so every response has Content-Length, X-Request-Id, no-store caching and nosniff.
 * send_answer() is the only writer of a status line. */
#include "server_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civetweb.h"

#define SS_REQ_CHUNKED ((size_t)-1)

static const char *const ERROR_NAMES[SS_HE_COUNT] = {
    [SS_HE_BAD_REQUEST] = "bad_request",
    [SS_HE_UNAUTHORIZED] = "unauthorized",
    [SS_HE_FORBIDDEN] = "forbidden",
    [SS_HE_NOT_FOUND] = "not_found",
    [SS_HE_METHOD_NOT_ALLOWED] = "method_not_allowed",
    [SS_HE_TIMEOUT] = "timeout",
    [SS_HE_PAYLOAD_TOO_LARGE] = "payload_too_large",
    [SS_HE_UNSUPPORTED_MEDIA_TYPE] = "unsupported_media_type",
    [SS_HE_INTERNAL] = "internal",
    [SS_HE_UNAVAILABLE] = "unavailable",
    [SS_HE_SHUTTING_DOWN] = "shutting_down",
    [SS_HE_CONFLICT] = "conflict",
    [SS_HE_BAD_GATEWAY] = "bad_gateway",
};

const char *ss_http_error_name(int e)
{
    return e >= 0 && e < SS_HE_COUNT ? ERROR_NAMES[e] : "internal";
}

int ss_http_error_from_name(const char *name)
{
    for (int e = 0; e < SS_HE_COUNT; e++)
        if (name != NULL && strcmp(ERROR_NAMES[e], name) == 0)
            return e;
    return SS_HE_INTERNAL;
}

struct ss_server *ss_req_server(const ss_req *req) { return req->srv; }

const char *ss_req_param(const ss_req *req, const char *name)
{
    return ss_route_match_param(&req->match, name);
}

int ss_req_query(const ss_req *req, const char *name, char *buf, size_t n)
{
    const char *qs = mg_get_request_info(req->conn)->query_string;
    int rc;

    if (qs == NULL || n == 0)
        return -1;
    rc = mg_get_var(qs, strlen(qs), name, buf, n);
    return rc >= 0 ? rc : rc == -1 ? -1 : -2;   /* mg_get_var: -1 absent, -2 too small */
}

const uint8_t *ss_req_body(const ss_req *req, size_t *len)
{
    *len = req->body_len;
    return req->body;
}

const char *ss_req_client_name(const ss_req *req) { return req->auth.client_name; }
int64_t ss_req_client_id(const ss_req *req) { return req->auth.client_id; }
uint32_t ss_req_client_roles(const ss_req *req) { return req->auth.roles; }
const char *ss_req_id(const ss_req *req) { return req->id; }

const char *ss_req_auth_method(const ss_req *req)
{
    switch (req->auth.method) {
    case SS_AUTH_CERT: return "cert";
    case SS_AUTH_BEARER: return "bearer";
    case SS_AUTH_ANONYMOUS: return "anonymous";
    default: return "none";
    }
}

void ss__req_add_header(ss_req *req, const char *name, const char *value)
{
    if (req->nhdr < SS_REQ_MAX_HEADERS) {
        req->hdr_name[req->nhdr] = name;
        req->hdr_value[req->nhdr++] = value;
    }
}

void ss_req_log_detail(ss_req *req, const char *fmt, ...)
{
    va_list ap;

    if (req->detail[0] != '\0')
        return;              /* the first, innermost detail wins, as with sc_err */
    va_start(ap, fmt);
    vsnprintf(req->detail, sizeof(req->detail), fmt, ap);
    va_end(ap);
}

/* Would CivetWeb keep this connection after the answer? Its own rule (should_keep_alive):
 * keep-alive enabled, not told to close, and the client's Connection header or HTTP/1.1. */
static int keep_alive(const ss_req *req)
{
    const struct mg_request_info *ri = mg_get_request_info(req->conn);
    const char *h = mg_get_header(req->conn, "Connection");

    if (req->close || ss_config_idle_timeout_ms(ss_server_config(req->srv)) == 0)
        return 0;
    if (h != NULL)
        return strcasestr(h, "keep-alive") != NULL;
    return ri->http_version != NULL && strcmp(ri->http_version, "1.1") == 0;
}

/* Head and body in one mg_write: over TLS each mg_write is at least one record (and one
 * send), so a small answer written in two costs a second record's MAC, framing and syscall
 * for nothing. Larger bodies go in two writes rather than copy them. */
#define SS_REQ_ONE_WRITE_MAX ((size_t)64 * 1024)

/* 1 when head and body went out in one write, 0 when not tried (no memory: the caller
 * writes them in two), SC_EIO when the peer went away. */
static int write_whole(struct mg_connection *c, const char *head, size_t hlen,
                       const char *body, size_t len)
{
    char *buf = malloc(hlen + len);
    int ok;

    if (buf == NULL)
        return 0;
    memcpy(buf, head, hlen);
    memcpy(buf + hlen, body, len);
    ok = mg_write(c, buf, hlen + len) == (int)(hlen + len);
    free(buf);
    return ok ? 1 : SC_EIO;
}

/* The status line and headers are written by hand, not with mg_response_header_*: those
 * refuse to start once anything was written, and "100 Continue" (server.c) is written
 * before the real answer. */
static int send_answer(ss_req *req, int status, const char *ctype, const char *body,
                       size_t len)
{
    struct mg_connection *c = req->conn;
    char head[2048], date[64];
    time_t now = time(NULL);
    struct tm tm;
    const char *method;
    int keep, n, w;

    if (req->status != 0)
        return SC_EINVAL;             /* answered already: a handler bug, caught in tests */
    req->status = status;
    keep = keep_alive(req);
    if (!keep)
        mg_disable_keep_alive(c);     /* CivetWeb's decision must match our header */
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (len == SS_REQ_CHUNKED)
        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nConnection: %s\r\nContent-Type: %s\r\n"
                     "Transfer-Encoding: chunked\r\nX-Request-Id: %s\r\n"
                     "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
                     status, mg_get_response_code_text(c, status), date,
                     keep ? "keep-alive" : "close", ctype, req->id);
    else
        n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nConnection: %s\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\nX-Request-Id: %s\r\nCache-Control: no-store\r\n"
                     "X-Content-Type-Options: nosniff\r\n",
                     status, mg_get_response_code_text(c, status), date,
                     keep ? "keep-alive" : "close", ctype, len, req->id);
    for (size_t i = 0; i < req->nhdr && n > 0 && (size_t)n < sizeof(head); i++) {
        w = snprintf(head + n, sizeof(head) - (size_t)n, "%s: %s\r\n", req->hdr_name[i],
                     req->hdr_value[i]);
        n = w < 0 ? -1 : n + w;
    }
    if (n < 0 || (size_t)n + 2 >= sizeof(head))
        return SC_ELIMIT;             /* our own headers are short; a bug if ever hit */
    memcpy(head + n, "\r\n", 2);
    n += 2;
    method = mg_get_request_info(c)->request_method;
    if (strcmp(method != NULL ? method : "", "HEAD") == 0)
        len = 0;                  /* HEAD: the headers say what the body would be */
    else if (len > 0 && len <= SS_REQ_ONE_WRITE_MAX &&
             (w = write_whole(c, head, (size_t)n, body, len)) != 0)
        return w < 0 ? w : 0;
    if (mg_write(c, head, (size_t)n) != n)
        return SC_EIO;
    if (len == SS_REQ_CHUNKED) {
        req->streaming = 1;
        return 0;
    }
    if (len > 0 && mg_write(c, body, len) != (int)len)
        return SC_EIO;            /* the peer went away; nothing else can be done */
    return 0;
}

int ss_req_stream_begin(ss_req *req, int status, const char *content_type)
{
    req->close = 1;           /* a stream cut short must not leave a reusable connection */
    return send_answer(req, status, content_type, NULL, SS_REQ_CHUNKED);
}

int ss_req_stream_write(ss_req *req, const void *p, size_t n)
{
    char line[32];
    int l;

    if (!req->streaming)
        return SC_EINVAL;
    if (n == 0)
        return 0;
    l = snprintf(line, sizeof(line), "%zx\r\n", n);
    if (mg_write(req->conn, line, (size_t)l) != l || mg_write(req->conn, p, n) != (int)n ||
        mg_write(req->conn, "\r\n", 2) != 2)
        return SC_EIO;
    return 0;
}

int ss_req_stream_end(ss_req *req)
{
    if (!req->streaming)
        return SC_EINVAL;
    req->streaming = 0;
    return mg_write(req->conn, "0\r\n\r\n", 5) == 5 ? 0 : SC_EIO;
}

int ss_req_reply_text(ss_req *req, int status, const char *content_type, const char *body,
                      size_t len)
{
    return send_answer(req, status, content_type, body, len);
}

int ss_req_reply_json(ss_req *req, int status, const json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    int rc;

    if (s == NULL)
        return SC_ENOMEM;
    rc = send_answer(req, status, "application/json", s, strlen(s));
    free(s);
    return rc;
}

int ss_req_reply_error(ss_req *req, int status, int e, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    json_t *o;
    char *s = NULL;
    int rc;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    req->error = e;
    o = json_object();
    if (o != NULL) {
        json_object_set_new(o, "error", json_string(ss_http_error_name(e)));
        /* json_string refuses invalid UTF-8 (a message may quote a client's bytes). */
        if (json_object_set_new(o, "message", json_string(msg)) != 0)
            json_object_set_new(o, "message", json_string("(message not UTF-8)"));
        s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
    }
    if (s == NULL) {     /* out of memory: still answer, with a fixed body */
        static const char fixed[] = "{\"error\":\"internal\",\"message\":\"out of memory\"}";
        return send_answer(req, status, "application/json", fixed, sizeof(fixed) - 1);
    }
    rc = send_answer(req, status, "application/json", s, strlen(s));
    free(s);
    return rc;
}

const char *ss_req_header(const ss_req *req, const char *name)
{
    return mg_get_header(req->conn, name);
}

/* server.c: CivetWeb set-up and the per-request pipeline (server.h).
 * Not here: TLS material and policy (tls.c), the auth decision (auth.c), answering
 * (request.c), the endpoints (ops.c, later api/).
 *
 * CivetWeb calls on_request() (its begin_request callback) for every request that parsed; we
 * answer all of them, so CivetWeb never serves files or its own pages. Errors CivetWeb itself
 * raises (malformed request, headers too large) come through on_http_error() and get the
 * same JSON shape, request id, log line and metrics. */
#include "server_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/x509.h>

#include "civetweb.h"
#include "metrics.h"
#include "ops.h"
#ifdef SS_HAVE_SERVICE
#include "api.h"
#endif
#include "tls.h"

#define SS_SERVER_DRAIN_MAX (1024 * 1024)   /* bytes of a refused body read and dropped */

struct ss_server {
    const ss_config *cfg;
    ss_store *store;
    struct ss_api_svc *api;          /* borrowed from main; NULL: no service */
    ss_router *router;
    ss_metrics *metrics;
    ss_tls *tls;                     /* NULL for plain HTTP */
    struct mg_context *ctx;
    _Atomic long in_flight;
    _Atomic int draining;
    struct timespec started;         /* CLOCK_MONOTONIC */
    char labels[160];                /* sealpki_build_info labels */
    sc_err tls_err;                  /* what the init_ssl callback hit, if anything */
};

static double since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- the pipeline ------------------------------------------------------------------------ */

static int lk_token(void *ctx, const uint8_t hash[32], ss_client *out, sc_err *err)
{
    return ss_store_client_by_token_hash(ctx, hash, out, err);
}

static int lk_cert(void *ctx, const char *subject, const uint8_t sha256[32], ss_client *out,
                   sc_err *err)
{
    return ss_store_client_by_cert(ctx, subject, sha256, out, err);
}

/* Does the request carry a body we have not read? Then the connection cannot be reused
 * unless we read it, and for a refusal we do not want to. */
static int has_body(struct mg_connection *conn)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);

    return ri->content_length > 0 || mg_get_header(conn, "Transfer-Encoding") != NULL;
}

static int authenticate(ss_server *s, ss_req *req)
{
    const struct mg_request_info *ri = mg_get_request_info(req->conn);
    ss_auth_lookup lk = { s->store, lk_token, lk_cert };
    ss_auth_input in = { mg_get_header(req->conn, "Authorization"), NULL, NULL };
    char subject[SS_SUBJECT_MAX + 1];
    uint8_t sha256[32];
    sc_err err = SC_ERR_INIT;

    if (ri->client_cert != NULL && ri->client_cert->peer_cert != NULL) {
        /* CivetWeb's own subject is X509_NAME_oneline and its fingerprint SHA-1; the store
         * keys clients by the RFC 2253 subject and SHA-256, so we compute those. */
        if (ss_auth_cert_identity(ri->client_cert->peer_cert, subject, sizeof(subject), sha256,
                                  &err) != 0) {
            ss_req_log_detail(req, "%s", err.msg);
            req->close = has_body(req->conn);
            return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "the client certificate "
                                      "cannot be used: %s", err.msg) == 0 ? 1 : -1;
        }
        in.cert_subject = subject;
        in.cert_sha256 = sha256;
    }
    ss_auth_decide(&lk, &in, req->match.route->roles, ss_config_anonymous_verify(s->cfg),
                   &req->auth);
    if (req->auth.status == 0)
        return 0;
    if (req->auth.detail[0] != '\0')
        ss_req_log_detail(req, "%s", req->auth.detail);
    req->close = has_body(req->conn);
    if (req->auth.status == 401)
        ss__req_add_header(req, "WWW-Authenticate", req->auth.www_authenticate);
    if (req->auth.status == 503)
        ss__req_add_header(req, "Retry-After", "1");
    ss_req_reply_error(req, req->auth.status, ss_http_error_from_name(req->auth.error), "%s",
                       req->auth.message);
    return 1;
}

/* "application/json; charset=utf-8" has media type "application/json". */
/* want is one media type or several separated by ',' (a route that reads either). */
static int media_type_is(const char *header, const char *want)
{
    size_t n;

    if (header == NULL)
        return 0;
    while (*header == ' ' || *header == '\t')
        header++;
    n = strcspn(header, "; \t");
    for (const char *w = want; *w != '\0'; w += strcspn(w, ",") + (w[strcspn(w, ",")] == ',')) {
        size_t wl = strcspn(w, ",");
        if (n == wl && strncasecmp(header, w, n) == 0)
            return 1;
    }
    return 0;
}

/* Read the body within the route's limit. Returns 0 when read, 1 when it answered. */
static int read_body(ss_server *s, ss_req *req, size_t max)
{
    struct mg_connection *c = req->conn;
    long long clen = mg_get_request_info(c)->content_length;
    const char *expect = mg_get_header(c, "Expect");
    size_t cap, len = 0;
    struct timespec t0;

    if (!has_body(c))
        return 0;
    if (req->match.route->content_type == NULL || max == 0) {
        req->close = 1;
        return ss_req_reply_error(req, 413, SS_HE_PAYLOAD_TOO_LARGE, "%s %s takes no request "
                                  "body", req->match.route->method, req->match.route->pattern)
                       == 0 ? 1 : -1;
    }
    if (!media_type_is(mg_get_header(c, "Content-Type"), req->match.route->content_type)) {
        req->close = 1;
        return ss_req_reply_error(req, 415, SS_HE_UNSUPPORTED_MEDIA_TYPE, "Content-Type must "
                                  "be %s", req->match.route->content_type) == 0 ? 1 : -1;
    }
    /* With a declared length, refuse before reading a byte; closing the connection then
     * spares us the rest, whatever its size. */
    if (clen > 0 && (unsigned long long)clen > max) {
        req->close = 1;
        return ss_req_reply_error(req, 413, SS_HE_PAYLOAD_TOO_LARGE, "request body of %lld "
                                  "bytes exceeds this endpoint's limit of %zu bytes", clen,
                                  max) == 0 ? 1 : -1;
    }
    /* The client waits for this before sending the body (curl does for large bodies). */
    if (expect != NULL && strcasecmp(expect, "100-continue") == 0) {
        mg_printf(c, "HTTP/1.1 100 Continue\r\n\r\n");
        req->sent_continue = 1;
    }
    cap = clen > 0 ? (size_t)clen : (max < 65536 ? max + 1 : 65536);
    if ((req->body = malloc(cap)) == NULL)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int n;

        if (len == cap) {
            /* Chunked (no length): grow, but never past max + 1, the byte that proves "too
             * large". */
            size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
            uint8_t *nb;
            if (clen > 0 || ncap <= cap)
                break;
            if ((nb = realloc(req->body, ncap)) == NULL)
                return -1;
            req->body = nb;
            cap = ncap;
        }
        n = mg_read(c, req->body + len, cap - len);
        if (n == 0)
            break;
        if (n < 0) {
            double el = since(&t0) * 1000;
            req->close = 1;
            req->read_failed = 1;
            ss_req_log_detail(req, "body read failed after %zu bytes, %.0f ms", len, el);
            if (el >= ss_config_request_timeout_ms(s->cfg))
                return ss_req_reply_error(req, 408, SS_HE_TIMEOUT, "the request body did not "
                                          "arrive within %u ms",
                                          ss_config_request_timeout_ms(s->cfg)) == 0 ? 1 : -1;
            return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "the request body could "
                                      "not be read (truncated?)") == 0 ? 1 : -1;
        }
        len += (size_t)n;
    }
    req->body_len = len;
    if (len > max) {
        req->close = 1;
        return ss_req_reply_error(req, 413, SS_HE_PAYLOAD_TOO_LARGE, "request body exceeds "
                                  "this endpoint's limit of %zu bytes", max) == 0 ? 1 : -1;
    }
    if (clen > 0 && len < (size_t)clen) {
        req->close = 1;
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "request body truncated: %zu "
                                  "of %lld bytes", len, clen) == 0 ? 1 : -1;
    }
    return 0;
}

/* After refusing a request whose body we did not read, read and drop a bounded part of it
 * before CivetWeb closes the socket. Linux answers a close() with unread received data by a
 * reset, and a reset can destroy our answer in the client's receive queue before the client
 * reads it: the client would see "connection reset" instead of the 413 (nginx's "lingering
 * close" exists for the same reason). A client that waits for "100 Continue" sends nothing,
 * so there is nothing to drain. */
static void drain_refused_body(ss_req *req)
{
    struct mg_connection *c = req->conn;
    long long clen = mg_get_request_info(c)->content_length;
    const char *expect = mg_get_header(c, "Expect");
    char buf[8192];
    size_t total = 0;

    if (!req->close || !has_body(c) || req->read_failed)
        return;
    if (expect != NULL && strcasecmp(expect, "100-continue") == 0 && !req->sent_continue)
        return;
    if (clen > 0 && (unsigned long long)clen > SS_SERVER_DRAIN_MAX)
        return;                 /* too much to be worth it: the client may see a reset */
    while (total < SS_SERVER_DRAIN_MAX) {
        int n = mg_read(c, buf, sizeof(buf));
        if (n <= 0)
            break;
        total += (size_t)n;
    }
}

/* The method for the log: a request CivetWeb could not parse has none worth repeating. */
static const char *log_method(const char *m)
{
    size_t n = m != NULL ? strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") : 0;

    return n > 0 && n <= 16 && m[n] == '\0' ? m : NULL;
}

/* Count, log and release one request, answered or not. */
static void finish(ss_server *s, ss_req *req, const struct timespec *t0)
{
    const struct mg_request_info *ri = mg_get_request_info(req->conn);
    const ss_route *rt = req->match.route;
    double sec = since(t0);
    ss_log_request line = {
        .request_id = req->id,
        .method = log_method(ri->request_method),
        .route = rt != NULL ? rt->pattern : "unmatched",
        .status = req->status,
        .ms = sec * 1000,
        .client = req->auth.client_name[0] != '\0' ? req->auth.client_name : NULL,
        .auth = ss_req_auth_method(req),
        .remote = ri->remote_addr,
        .error = req->error >= 0 ? ss_http_error_name(req->error) : NULL,
        .detail = req->detail,
    };

    ss_metrics_request(s->metrics, rt != NULL ? req->match.index : ss_router_count(s->router),
                       req->status, sec);
    if (req->error >= 0)
        ss_metrics_error(s->metrics, (size_t)req->error);
    ss_log_request_line(&line);
    free(req->body);
    req->body = NULL;
}

static int dispatch(ss_server *s, ss_req *req)
{
    const struct mg_request_info *ri = mg_get_request_info(req->conn);
    size_t max = 0;
    int rc;

    ss_router_match(s->router, ri->request_method, ri->local_uri, &req->match);
    if (req->match.status == 404) {
        req->close = has_body(req->conn);
        return ss_req_reply_error(req, 404, SS_HE_NOT_FOUND, "no endpoint at %.200s (see "
                                  "spec/openapi.yaml)", ri->local_uri);
    }
    if (req->match.status == 405) {
        req->close = has_body(req->conn);
        ss__req_add_header(req, "Allow", req->match.allow);
        return ss_req_reply_error(req, 405, SS_HE_METHOD_NOT_ALLOWED, "%s is not allowed "
                                  "here; allowed: %s", ri->request_method, req->match.allow);
    }
    if (atomic_load(&s->draining)) {
        req->close = 1;
        ss__req_add_header(req, "Retry-After", "5");
        return ss_req_reply_error(req, 503, SS_HE_SHUTTING_DOWN, "the server is shutting "
                                  "down; retry on another node or shortly");
    }
    if ((rc = authenticate(s, req)) != 0)
        return rc > 0 ? 0 : rc;
    ss_router_route(s->router, req->match.index, &max);
    if ((rc = read_body(s, req, max)) != 0)
        return rc > 0 ? 0 : rc;
    return req->match.route->handler(req);
}

static int on_request(struct mg_connection *conn)
{
    ss_server *s = mg_get_user_data(mg_get_context(conn));
    struct timespec t0;
    ss_req req;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    atomic_fetch_add(&s->in_flight, 1);
    memset(&req, 0, sizeof(req));
    req.conn = conn;
    req.srv = s;
    req.error = -1;
    ss_log_new_request_id(req.id);
    rc = dispatch(s, &req);
    if (req.status == 0) {
        /* The handler failed before answering (out of memory, a bug): say so, once. */
        ss_req_log_detail(&req, "handler returned %d (%s) without answering", rc,
                          sc_err_name(rc));
        req.close = 1;
        ss_req_reply_error(&req, 500, SS_HE_INTERNAL, "internal error; the server log has "
                           "request id %s", req.id);
    }
    finish(s, &req, &t0);
    drain_refused_body(&req);
    atomic_fetch_sub(&s->in_flight, 1);
    return req.status;
}

/* CivetWeb raising an error itself (bad request line, headers over max_request_size, …). */
static int on_http_error(struct mg_connection *conn, int status, const char *msg)
{
    ss_server *s = mg_get_user_data(mg_get_context(conn));
    struct timespec t0;
    ss_req req;
    int e;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&req, 0, sizeof(req));
    req.conn = conn;
    req.srv = s;
    req.close = 1;
    ss_log_new_request_id(req.id);
    e = status == 404 ? SS_HE_NOT_FOUND : status == 405 ? SS_HE_METHOD_NOT_ALLOWED
        : status == 408 ? SS_HE_TIMEOUT : (status == 413 || status == 431)
        ? SS_HE_PAYLOAD_TOO_LARGE : status >= 500 ? SS_HE_INTERNAL : SS_HE_BAD_REQUEST;
    ss_req_log_detail(&req, "civetweb: %s", msg != NULL ? msg : "");
    if (ss_req_reply_error(&req, status, e, "%s", msg != NULL ? msg : "error") != 0)
        return 1;      /* not in a state where we can answer: let CivetWeb do it */
    finish(s, &req, &t0);
    return 0;
}

static int on_log_message(const struct mg_connection *conn, const char *message)
{
    (void)conn;
    ss_log_event("warn", "civetweb", "%s", message);
    return 1;
}

static int on_init_ssl(void *ssl_ctx, void *user_data)
{
    ss_server *s = user_data;

    /* 1: we configured everything; -1 makes mg_start fail (the reason is in tls_err). */
    return ss_tls_configure(s->tls, ssl_ctx, &s->tls_err) == 0 ? 1 : -1;
}

/* ---- life cycle -------------------------------------------------------------------------- */

static int build_router(ss_server *s, sc_err *err)
{
    ss_route all[SS_ROUTER_MAX_ROUTES];
    const char *methods[SS_ROUTER_MAX_ROUTES], *patterns[SS_ROUTER_MAX_ROUTES];
    const char *errors[SS_HE_COUNT];
    size_t n = 0, k;
    const ss_route *r;
    int rc;

    r = ss_ops_routes(&k);
    memcpy(all + n, r, k * sizeof(*r));
    n += k;
#ifdef SS_HAVE_SERVICE
    r = ss_api_routes(&k);
    memcpy(all + n, r, k * sizeof(*r));
    n += k;
#endif
    if (ss_config_test_routes(s->cfg)) {
        r = ss_ops_test_routes(&k);
        memcpy(all + n, r, k * sizeof(*r));
        n += k;
    }
    if ((rc = ss_router_new(&s->router, all, n, err)) != 0)
        return rc;
    for (size_t i = 0; i < ss_config_max_body_count(s->cfg); i++) {
        size_t lim = 0;
        const char *key = ss_config_max_body_entry(s->cfg, i, &lim);
        if ((rc = ss_router_set_max_body(s->router, key, lim, err)) != 0) {
            sc_err_prefix(err, "config: \"max_body_bytes\"");
            return SC_EINVAL;
        }
    }
    for (size_t i = 0; i < n; i++) {
        methods[i] = all[i].method;
        patterns[i] = all[i].pattern;
    }
    for (int e = 0; e < SS_HE_COUNT; e++)
        errors[e] = ss_http_error_name(e);
    return ss_metrics_new(&s->metrics, methods, patterns, n, errors, SS_HE_COUNT, err);
}

int ss_server_new(ss_server **out, const ss_config *cfg, sc_err *err)
{
    ss_server *s = NULL;
    int rc;

    *out = NULL;
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "server: out of memory");
        goto out;
    }
    s->cfg = cfg;
    snprintf(s->labels, sizeof(s->labels), "role=\"%s\",tls=\"%s\"", ss_config_role_name(cfg),
             ss_config_plain_http(cfg) ? "off" : "on");
    if ((rc = build_router(s, err)) != 0)
        goto out;
    *out = s;
    s = NULL;
out:
    ss_server_free(s);
    return rc;
}

int ss_server_load_tls(ss_server *s, sc_err *err)
{
    if (ss_config_plain_http(s->cfg) || s->tls != NULL)
        return 0;
    return ss_tls_load(&s->tls, s->cfg, err);
}

int ss_server_start(ss_server *s, ss_store *store, sc_err *err)
{
    char ports[64], threads[16], req_ms[16], idle_ms[16];
    char etext[256] = "";
    unsigned ecode = 0;
    struct mg_callbacks cb;
    struct mg_init_data init;
    struct mg_error_data edata = { &ecode, etext, sizeof(etext) };
    int tls = !ss_config_plain_http(s->cfg);
    unsigned idle = ss_config_idle_timeout_ms(s->cfg);

    snprintf(ports, sizeof(ports), "%s:%u%s", ss_config_listen_host(s->cfg),
             ss_config_listen_port(s->cfg), tls ? "s" : "");
    snprintf(threads, sizeof(threads), "%u", ss_config_threads(s->cfg));
    snprintf(req_ms, sizeof(req_ms), "%u", ss_config_request_timeout_ms(s->cfg));
    snprintf(idle_ms, sizeof(idle_ms), "%u", idle);
    const char *opts[] = {
        "listening_ports", ports,
        "num_threads", threads,
        "request_timeout_ms", req_ms,
        "enable_keep_alive", idle > 0 ? "yes" : "no",
        "keep_alive_timeout_ms", idle_ms,
        "ssl_protocol_version", "4",      /* TLS 1.2 + 1.3 (UserManual.md table) */
        "max_request_size", "16384",      /* request line + headers */
        "tcp_nodelay", "1",
        NULL, NULL,
    };
    memset(&cb, 0, sizeof(cb));
    cb.begin_request = on_request;
    cb.http_error = on_http_error;
    cb.log_message = on_log_message;
    if (tls)
        cb.init_ssl = on_init_ssl;
    init.callbacks = &cb;
    init.user_data = s;
    init.configuration_options = opts;
    s->store = store;
    clock_gettime(CLOCK_MONOTONIC, &s->started);
    if ((s->ctx = mg_start2(&init, &edata)) == NULL) {
        if (s->tls_err.code != 0)
            return sc_err_set(err, SC_EIO, "%s", s->tls_err.msg);
        return sc_err_set(err, SC_EIO, "cannot start listening on %s: %s", ports,
                          etext[0] != '\0' ? etext : "CivetWeb gave no reason");
    }
    return 0;
}

long ss_server_drain(ss_server *s, unsigned timeout_ms)
{
    struct timespec t0, tick = { 0, 10 * 1000000L };
    long n;

    atomic_store(&s->draining, 1);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while ((n = atomic_load(&s->in_flight)) > 0 && since(&t0) * 1000 < timeout_ms)
        nanosleep(&tick, NULL);
    return n;
}

void ss_server_set_api(ss_server *s, struct ss_api_svc *api) { s->api = api; }
struct ss_api_svc *ss_server_api(const ss_server *s) { return s->api; }

void ss_server_free(ss_server *s)
{
    if (s == NULL)
        return;
    if (s->ctx != NULL)
        mg_stop(s->ctx);        /* joins every worker */
    ss_tls_free(s->tls);
    ss_metrics_free(s->metrics);
    ss_router_free(s->router);
    free(s);
}

const ss_config *ss_server_config(const ss_server *s) { return s->cfg; }
ss_store *ss_server_store(const ss_server *s) { return s->store; }
int ss_server_draining(const ss_server *s) { return atomic_load(&s->draining); }
int64_t ss_server_tls_not_after(const ss_server *s)
{
    return s->tls != NULL ? ss_tls_cert_not_after(s->tls) : 0;
}

int64_t ss_server_uptime(const ss_server *s)
{
    return (int64_t)since(&s->started);
}

int ss_server_metrics_text(const ss_server *s, char **out, size_t *len, sc_err *err)
{
    return ss_metrics_render(s->metrics, atomic_load(&((ss_server *)s)->in_flight), s->labels,
                             out, len, err);
}

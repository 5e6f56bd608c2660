/* ops.c: /healthz, /metrics, /api/v1/whoami and the test-only routes (ops.h).
 * Not here: the lifecycle, signing and status endpoints (api/, next). Handlers are thin: read
 * the request, ask the server or the store, render JSON. */
#include "ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "auth.h"
#ifdef SS_HAVE_SERVICE
#include "api_svc.h"
#endif
#include "request.h"
#include "server.h"
#include "store.h"

/* Can we read the store, and take its write lock? BEGIN IMMEDIATE then ROLLBACK proves a
 * write (an audit record, a signature) would not fail on a read-only or locked file, without
 * writing anything. */
static json_t *check_store(ss_store *st, int *ok, char *why, size_t n)
{
    json_t *o = json_object();
    ss_store *tx = NULL;
    sc_err err = SC_ERR_INIT;
    int version = 0;

    if (ss_store_schema_version(st, &version, &err) != 0) {
        *ok = 0;
        snprintf(why, n, "store: %s", err.msg);
        json_object_set_new(o, "ok", json_false());
        json_object_set_new(o, "error", json_string(err.msg));
        return o;
    }
    json_object_set_new(o, "schema_version", json_integer(version));
    if (ss_store_tx_begin(st, &tx, &err) != 0) {
        *ok = 0;
        snprintf(why, n, "store not writable: %s", err.msg);
        json_object_set_new(o, "ok", json_false());
        json_object_set_new(o, "writable", json_false());
        json_object_set_new(o, "error", json_string(err.msg));
        return o;
    }
    ss_store_tx_rollback(tx);
    json_object_set_new(o, "writable", json_true());
    json_object_set_new(o, "ok", json_true());
    return o;
}

static int h_healthz(ss_req *req)
{
    ss_server *srv = ss_req_server(req);
    const ss_config *cfg = ss_server_config(srv);
    json_t *doc = json_object(), *checks = json_object(), *tls = json_object();
    char why[SC_ERR_MSG_MAX] = "";
    int ok = 1, rc;
    int64_t now = (int64_t)time(NULL), not_after = ss_server_tls_not_after(srv);

    if (doc == NULL || checks == NULL || tls == NULL) {
        json_decref(doc);
        json_decref(checks);
        json_decref(tls);
        return SC_ENOMEM;
    }
    json_object_set_new(checks, "store", check_store(ss_server_store(srv), &ok, why,
                                                     sizeof(why)));
    /* The audit chain lives in the store (audit.h): writable store = writable audit. Its own
     * chain check joins here when the audit module lands. */
    if (ss_config_plain_http(cfg)) {
        json_object_set_new(tls, "ok", json_true());
        json_object_set_new(tls, "enabled", json_false());
    } else {
        int valid = not_after > now;
        json_object_set_new(tls, "ok", json_boolean(valid));
        json_object_set_new(tls, "enabled", json_true());
        json_object_set_new(tls, "cert_days_left", json_integer((not_after - now) / 86400));
        if (!valid) {
            ok = 0;
            if (why[0] == '\0')
                snprintf(why, sizeof(why), "the TLS server certificate has expired");
        }
    }
    json_object_set_new(checks, "tls", tls);
#ifdef SS_HAVE_SERVICE
    {
        json_t *keys = json_object();
        int k = keys != NULL ? ss_api_svc_check_keys(ss_server_api(srv), now, keys, why,
                                                     sizeof(why)) : -1;
        if (k < 0) {
            json_decref(keys);
            json_decref(doc);
            json_decref(checks);
            return SC_ENOMEM;
        }
        ok &= k;
        json_object_set_new(checks, "keys", keys);
    }
#endif
    if (!ok) {
        /* Still the error shape, plus the checks, so a monitor can show what failed. */
        json_object_set_new(doc, "error", json_string(ss_http_error_name(SS_HE_UNAVAILABLE)));
        json_object_set_new(doc, "message", json_string(why));
        ss_req_log_detail(req, "%s", why);
    }
    json_object_set_new(doc, "status", json_string(ok ? "ok" : "fail"));
    json_object_set_new(doc, "role", json_string(ss_config_role_name(cfg)));
    json_object_set_new(doc, "uptime_s", json_integer(ss_server_uptime(srv)));
    json_object_set_new(doc, "checks", checks);
    rc = ss_req_reply_json(req, ok ? 200 : 503, doc);
    json_decref(doc);
    return rc;
}

static int h_metrics(ss_req *req)
{
    char *text = NULL;
    size_t len = 0;
    sc_err err = SC_ERR_INIT;
    int rc;

    if ((rc = ss_server_metrics_text(ss_req_server(req), &text, &len, &err)) != 0)
        return rc;
#ifdef SS_HAVE_SERVICE
    {
        char *svc = NULL, *both;
        size_t slen = 0;

        if ((rc = ss_api_svc_metrics(ss_server_api(ss_req_server(req)), &svc, &slen)) != 0 ||
            (svc != NULL && (both = realloc(text, len + slen + 1)) == NULL)) {
            free(svc);
            free(text);
            return rc != 0 ? rc : SC_ENOMEM;
        }
        if (svc != NULL) {
            memcpy(both + len, svc, slen + 1);
            text = both;
            len += slen;
            free(svc);
        }
    }
#endif
    rc = ss_req_reply_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
    return rc;
}

static int h_whoami(ss_req *req)
{
    char roles[96];
    json_t *doc;
    int rc;

    ss_auth_roles_str(ss_req_client_roles(req), roles, sizeof(roles));
    doc = json_pack("{s:s?,s:I,s:s,s:s,s:s}", "client",
                    ss_req_client_name(req)[0] != '\0' ? ss_req_client_name(req) : NULL,
                    "client_id", (json_int_t)ss_req_client_id(req),
                    "auth", ss_req_auth_method(req), "roles", roles,
                    "request_id", ss_req_id(req));
    if (doc == NULL)
        return SC_ENOMEM;
    rc = ss_req_reply_json(req, 200, doc);
    json_decref(doc);
    return rc;
}

/* Sleeps in the worker thread like a long signature would, so the shutdown test can send
 * SIGTERM while a request is provably in flight. */
static int h_test_slow(ss_req *req)
{
    char buf[16];
    char *end;
    long ms = 0;
    struct timespec ts;
    json_t *doc;
    int rc;

    if (ss_req_query(req, "ms", buf, sizeof(buf)) >= 0) {
        errno = 0;
        ms = strtol(buf, &end, 10);
        if (errno != 0 || *end != '\0' || ms < 0 || ms > SS_OPS_SLOW_MAX_MS)
            return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "ms: expected 0..%d",
                                      SS_OPS_SLOW_MAX_MS);
    }
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    if ((doc = json_pack("{s:I}", "slept_ms", (json_int_t)ms)) == NULL)
        return SC_ENOMEM;
    rc = ss_req_reply_json(req, 200, doc);
    json_decref(doc);
    return rc;
}

static int h_test_echo(ss_req *req)
{
    size_t len;
    const uint8_t *body = ss_req_body(req, &len);
    json_error_t jerr;
    json_t *doc;
    int rc;

    if (len == 0)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "a JSON body is required");
    if ((doc = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "body is not JSON: line %d "
                                  "column %d: %s", jerr.line, jerr.column, jerr.text);
    rc = ss_req_reply_json(req, 200, doc);
    json_decref(doc);
    return rc;
}

static const ss_route ROUTES[] = {
    { "GET", "/healthz", SS_ROLE_ALL, 0, NULL, h_healthz },
    { "GET", "/metrics", SS_ROLE_ADMIN | SS_ROLE_AUDITOR, 0, NULL, h_metrics },
    { "GET", "/api/v1/whoami", SS_ROLE_ALL, 0, NULL, h_whoami },
};

static const ss_route TEST_ROUTES[] = {
    { "GET", "/test/slow", SS_ROLE_ALL, 0, NULL, h_test_slow },
    { "POST", "/test/echo", SS_ROLE_ALL, SS_OPS_ECHO_MAX_BODY, "application/json",
      h_test_echo },
};

const ss_route *ss_ops_routes(size_t *n)
{
    *n = sizeof(ROUTES) / sizeof(ROUTES[0]);
    return ROUTES;
}

const ss_route *ss_ops_test_routes(size_t *n)
{
    *n = sizeof(TEST_ROUTES) / sizeof(TEST_ROUTES[0]);
    return TEST_ROUTES;
}

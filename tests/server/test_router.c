/* test_router.c: route table checks and matching (seal-server/src/http/router.h), and the
 * Prometheus rendering of the metrics counters (metrics.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "router.h"

static int h(struct ss_req *req)
{
    (void)req;
    return 0;
}

static const ss_route ROUTES[] = {
    { "GET", "/healthz", 1, 0, NULL, h },
    { "GET", "/api/v1/seals/{esID}/status", 1, 0, NULL, h },
    { "POST", "/api/v1/seals/{esID}/status", 1, 4096, "application/json", h },
    { "PUT", "/api/v1/units/{unit}/seals/{esID}", 1, 10, "application/json", h },
    { "GET", "/", 1, 0, NULL, h },
};
#define N (sizeof(ROUTES) / sizeof(ROUTES[0]))

static void router_match__literal_param_and_root(void **state)
{
    ss_router *r = NULL;
    ss_route_match m;

    (void)state;
    assert_int_equal(ss_router_new(&r, ROUTES, N, NULL), 0);
    ss_router_match(r, "GET", "/healthz", &m);
    assert_int_equal(m.status, 0);
    assert_int_equal(m.index, 0);
    ss_router_match(r, "POST", "/api/v1/seals/33000020260001/status", &m);
    assert_int_equal(m.status, 0);
    assert_int_equal(m.index, 2);
    assert_string_equal(ss_route_match_param(&m, "esID"), "33000020260001");
    assert_null(ss_route_match_param(&m, "es"));
    ss_router_match(r, "PUT", "/api/v1/units/u1/seals/s2", &m);
    assert_int_equal(m.status, 0);
    assert_string_equal(ss_route_match_param(&m, "unit"), "u1");
    assert_string_equal(ss_route_match_param(&m, "esID"), "s2");
    ss_router_match(r, "GET", "/", &m);
    assert_int_equal(m.status, 0);
    assert_int_equal(m.index, 4);
    ss_router_free(r);
}

static void router_match__404_and_405(void **state)
{
    static const char *const paths404[] = { "/healthz/", "/Healthz", "/healthzz", "//healthz",
                                            "/api/v1/seals//status", "/api/v1/seals/x",
                                            "/api/v1/seals/x/status/more", "", "healthz" };
    ss_router *r = NULL;
    ss_route_match m;
    char longseg[SS_ROUTER_PARAM_MAX + 40];

    (void)state;
    assert_int_equal(ss_router_new(&r, ROUTES, N, NULL), 0);
    for (size_t i = 0; i < sizeof(paths404) / sizeof(paths404[0]); i++) {
        ss_router_match(r, "GET", paths404[i], &m);
        if (m.status != 404)
            fail_msg("%s: %d", paths404[i], m.status);
    }
    ss_router_match(r, "DELETE", "/api/v1/seals/x/status", &m);
    assert_int_equal(m.status, 405);
    assert_string_equal(m.allow, "GET, POST");
    assert_null(m.route);
    /* A parameter of SS_ROUTER_PARAM_MAX bytes matches, one more does not. */
    memcpy(longseg, "/api/v1/seals/", 14);
    memset(longseg + 14, 'a', SS_ROUTER_PARAM_MAX);
    strcpy(longseg + 14 + SS_ROUTER_PARAM_MAX, "/status");
    ss_router_match(r, "GET", longseg, &m);
    assert_int_equal(m.status, 0);
    memset(longseg + 14, 'a', SS_ROUTER_PARAM_MAX + 1);
    strcpy(longseg + 15 + SS_ROUTER_PARAM_MAX, "/status");
    ss_router_match(r, "GET", longseg, &m);
    assert_int_equal(m.status, 404);
    ss_router_free(r);
}

static void router_new__refuses_bad_tables(void **state)
{
    static const struct {
        ss_route route;
        const char *msg;
    } bad[] = {
        { { "GET", "healthz", 1, 0, NULL, h }, "must start with '/'" },
        { { "GET", "/a//b", 1, 0, NULL, h }, "empty path segment" },
        { { "GET", "/a/{b", 1, 0, NULL, h }, "malformed {param}" },
        { { "GET", "/a/{}", 1, 0, NULL, h }, "malformed {param}" },
        { { "GET", "/a/x{b}", 1, 0, NULL, h }, "inside a literal segment" },
        { { "GET", "/{a}/{b}/{c}/{d}/{e}", 1, 0, NULL, h }, "more than 4 parameters" },
        { { "GET", "/healthz", 1, 0, NULL, h }, "defined twice" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ss_route two[2] = { ROUTES[0], bad[i].route };
        ss_router *r = NULL;
        sc_err err = SC_ERR_INIT;

        if (ss_router_new(&r, two, 2, &err) != SC_EINVAL || strstr(err.msg, bad[i].msg) == NULL)
            fail_msg("row %zu: \"%s\"", i, err.msg);
        assert_null(r);
    }
}

static void router_set_max_body__by_route_key(void **state)
{
    ss_router *r = NULL;
    sc_err err = SC_ERR_INIT;
    size_t max = 0;

    (void)state;
    assert_int_equal(ss_router_new(&r, ROUTES, N, NULL), 0);
    ss_router_route(r, 2, &max);
    assert_int_equal(max, 4096);
    assert_int_equal(ss_router_set_max_body(r, "POST /api/v1/seals/{esID}/status", 99, &err), 0);
    ss_router_route(r, 2, &max);
    assert_int_equal(max, 99);
    assert_int_equal(ss_router_set_max_body(r, "POST /api/v1/seals", 1, &err), SC_ENOTFOUND);
    assert_non_null(strstr(err.msg, "\"POST /api/v1/seals\" is not a route"));
    sc_err_clear(&err);
    assert_int_equal(ss_router_set_max_body(r, "GET /healthz", 1, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "takes no request body"));
    ss_router_free(r);
}

static void metrics_render__counts_and_cumulative_buckets(void **state)
{
    static const char *const m[] = { "GET", "POST" }, *const p[] = { "/a", "/b" };
    static const char *const e[] = { "not_found", "forbidden" };
    ss_metrics *mx = NULL;
    char *text = NULL;
    size_t len = 0;

    (void)state;
    assert_int_equal(ss_metrics_new(&mx, m, p, 2, e, 2, NULL), 0);
    ss_metrics_request(mx, 0, 200, 0.0005);
    ss_metrics_request(mx, 0, 200, 0.2);
    ss_metrics_request(mx, 2, 404, 0.001);     /* unmatched */
    ss_metrics_request(mx, 1, 42, 30);         /* nonsense status: 599, beyond 10 s: +Inf */
    ss_metrics_error(mx, 0);
    ss_metrics_error(mx, 9);                   /* unknown: ignored */
    assert_int_equal(ss_metrics_render(mx, 3, "role=\"province\"", &text, &len, NULL), 0);
    assert_int_equal(strlen(text), len);
#define HAS(s) if (strstr(text, s) == NULL) fail_msg("missing %s in\n%s", s, text)
    HAS("sealpki_build_info{role=\"province\"} 1\n");
    HAS("sealpki_http_in_flight 3\n");
    HAS("sealpki_http_requests_total{method=\"GET\",route=\"/a\",status=\"200\"} 2\n");
    HAS("sealpki_http_requests_total{method=\"\",route=\"unmatched\",status=\"404\"} 1\n");
    HAS("sealpki_http_requests_total{method=\"POST\",route=\"/b\",status=\"599\"} 1\n");
    HAS("sealpki_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"0.001\"} "
        "1\n");
    HAS("sealpki_http_request_duration_seconds_bucket{method=\"GET\",route=\"/a\",le=\"0.25\"} "
        "2\n");
    HAS("sealpki_http_request_duration_seconds_bucket{method=\"POST\",route=\"/b\",le=\"10\"} "
        "0\n");
    HAS("sealpki_http_request_duration_seconds_bucket{method=\"POST\",route=\"/b\",le=\"+Inf\"} "
        "1\n");
    HAS("sealpki_http_request_duration_seconds_count{method=\"GET\",route=\"/a\"} 2\n");
    HAS("sealpki_http_errors_total{code=\"not_found\"} 1\n");
    HAS("sealpki_http_errors_total{code=\"forbidden\"} 0\n");
    HAS("# TYPE sealpki_http_request_duration_seconds histogram\n");
#undef HAS
    free(text);
    ss_metrics_free(mx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(router_match__literal_param_and_root),
        cmocka_unit_test(router_match__404_and_405),
        cmocka_unit_test(router_new__refuses_bad_tables),
        cmocka_unit_test(router_set_max_body__by_route_key),
        cmocka_unit_test(metrics_render__counts_and_cumulative_buckets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_server_http.c: the real seal-server over TLS: health, authentication and roles,
 * routing errors, body limits and media types, metrics and the request log.
 * Each test starts its own server in setup and kills it in teardown. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "server_fixture.h"

static int start(void **state, const sf_opts *o)
{
    sf_server *s = calloc(1, sizeof(*s));

    if (s == NULL || sf_server_start(s, o) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int setup(void **state) { return start(state, NULL); }

static int setup_anon(void **state)
{
    sf_opts o = { .anonymous_verify = 1 };
    return start(state, &o);
}

/* A clean exit on SIGTERM is part of every test: under ASan a leak or an error in any path
 * the test took makes the server exit non-zero, and the teardown fails. */
static int teardown(void **state)
{
    sf_server *s = *state;
    int rc = sf_server_stop(s);

    free(s);
    return rc;
}

/* Status, and for errors the {"error","message"} shape with this code and fragment. */
static void expect(const sf_resp *r, long status, const char *code, const char *frag)
{
    json_t *doc;
    json_error_t jerr;

    if (r->curl_code != CURLE_OK)
        fail_msg("curl: %s", r->curl_error);
    if (r->status != status)
        fail_msg("status %ld, want %ld: %s", r->status, status, r->body);
    if (code == NULL)
        return;
    if (strncmp(r->content_type, "application/json", 16) != 0)
        fail_msg("content type %s", r->content_type);
    if ((doc = json_loads(r->body, 0, &jerr)) == NULL)
        fail_msg("body not JSON: %s", r->body);
    if (!json_is_string(json_object_get(doc, "error")) ||
        strcmp(json_string_value(json_object_get(doc, "error")), code) != 0 ||
        !json_is_string(json_object_get(doc, "message")) ||
        (frag != NULL && strstr(json_string_value(json_object_get(doc, "message")), frag) ==
                             NULL)) {
        json_decref(doc);
        fail_msg("want error %s with \"%s\", got %s", code, frag ? frag : "", r->body);
    }
    json_decref(doc);
}

/* One request whose answer needs no more than expect(). */
static void call(void **state, const sf_req *q, long status, const char *code, const char *frag)
{
    sf_resp r;

    sf_http(*state, q, &r);
    expect(&r, status, code, frag);
    sf_resp_free(&r);
}

/* One request answered with status and a body containing each string of has (NULL ends). */
static void call_has(void **state, const sf_req *q, long status, const char *const *has)
{
    sf_resp r;

    sf_http(*state, q, &r);
    expect(&r, status, NULL, NULL);
    for (; *has != NULL; has++)
        if (strstr(r.body, *has) == NULL)
            fail_msg("want %s in %s", *has, r.body);
    sf_resp_free(&r);
}

static void healthz__ok_with_client_cert(void **state)
{
    sf_req q = { .path = "/healthz", .cert = SF_CERT_OURS };
    sf_resp r;

    sf_http(*state, &q, &r);
    expect(&r, 200, NULL, NULL);
    assert_non_null(strstr(r.body, "\"status\":\"ok\""));
    assert_non_null(strstr(r.body, "\"writable\":true"));
    assert_non_null(strstr(r.body, "\"role\":\"province\""));
    assert_int_equal(strlen(r.request_id), 32);
    sf_resp_free(&r);
}

static void healthz__401_without_credentials(void **state)
{
    sf_req q = { .path = "/healthz" };
    sf_resp r;

    sf_http(*state, &q, &r);
    expect(&r, 401, "unauthorized", "authentication required");
    assert_string_equal(r.www_auth, "Bearer realm=\"sealpki\"");
    sf_resp_free(&r);
}

static void healthz__401_with_wrong_token(void **state)
{
    const sf_env *e = sf_env_get();
    char wrong[SS_TOKEN_BUF];
    sf_req q = { .path = "/healthz", .token = wrong };
    sf_resp r;

    /* Well formed, one character off a real token: unknown. */
    snprintf(wrong, sizeof(wrong), "%s", e->tok_admin);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    sf_http(*state, &q, &r);
    expect(&r, 401, "unauthorized", "token is not valid");
    assert_non_null(strstr(r.www_auth, "error=\"invalid_token\""));
    sf_resp_free(&r);

    q.token = "short";
    call(state, &q, 401, "unauthorized", "malformed");

    q.token = NULL;
    q.authorization = "Basic YWRtaW46YWRtaW4=";
    call(state, &q, 401, "unauthorized", "only the Bearer scheme");
}

static void healthz__401_for_disabled_client(void **state)
{
    sf_req q = { .path = "/healthz", .token = sf_env_get()->tok_disabled };

    call(state, &q, 401, "unauthorized", "disabled");
}

static void metrics__403_for_wrong_role(void **state)
{
    sf_req q = { .path = "/metrics", .token = sf_env_get()->tok_operator };
    sf_resp r;

    sf_http(*state, &q, &r);
    expect(&r, 403, "forbidden", "needs one of: admin, auditor");
    assert_non_null(strstr(r.body, "operator-token"));
    sf_resp_free(&r);
}

/* An Authorization header is the credential even next to an admin certificate. */
static void auth__bearer_wins_over_cert(void **state)
{
    sf_req q = { .path = "/metrics", .cert = SF_CERT_OURS,
                 .token = sf_env_get()->tok_operator };

    call(state, &q, 403, "forbidden", "operator");
}

static void whoami__names_cert_and_token_clients(void **state)
{
    sf_req q = { .path = "/api/v1/whoami", .cert = SF_CERT_OURS };

    call_has(state, &q, 200, (const char *const[]){ "\"client\":\"admin-cert\"",
                                                    "\"auth\":\"cert\"", NULL });
    q.cert = SF_CERT_NONE;
    q.token = sf_env_get()->tok_officer;
    call_has(state, &q, 200, (const char *const[]){ "\"roles\":\"seal-officer\"",
                                                    "\"auth\":\"bearer\"", NULL });

    q.token = NULL;          /* anonymous_verify is off by default */
    call(state, &q, 401, "unauthorized", NULL);
}

static void whoami__anonymous_verifier_when_enabled(void **state)
{
    sf_req q = { .path = "/api/v1/whoami" };

    call_has(state, &q, 200, (const char *const[]){ "\"client\":null",
                                                    "\"auth\":\"anonymous\"",
                                                    "\"roles\":\"verifier\"", NULL });

    q.path = "/metrics";     /* anonymous is a verifier, nothing more */
    call(state, &q, 401, "unauthorized", NULL);
}

static void routing__404_and_405_are_json(void **state)
{
    sf_req q = { .path = "/api/v1/nothing-here", .cert = SF_CERT_OURS };
    sf_resp r;

    call(state, &q, 404, "not_found", "/api/v1/nothing-here");

    q.path = "/healthz";
    q.method = "DELETE";
    sf_http(*state, &q, &r);
    expect(&r, 405, "method_not_allowed", "allowed: GET");
    assert_string_equal(r.allow, "GET");
    sf_resp_free(&r);
}

static void echo__round_trip(void **state)
{
    static const char body[] = "{\"a\":1,\"b\":\"两\"}";
    sf_req q = { .path = "/test/echo", .token = sf_env_get()->tok_operator,
                 .content_type = "application/json; charset=utf-8", .body = body,
                 .body_len = sizeof(body) - 1 };
    sf_resp r;

    sf_http(*state, &q, &r);
    expect(&r, 200, NULL, NULL);
    assert_string_equal(r.body, body);
    sf_resp_free(&r);
}

static void echo__413_over_the_limit(void **state)
{
    size_t n = 64 * 1024;      /* 64 times the configured 1024 */
    char *big = malloc(n);
    sf_req q = { .path = "/test/echo", .token = sf_env_get()->tok_operator,
                 .content_type = "application/json", .body = big, .body_len = n };
    sf_resp r;

    assert_non_null(big);
    memset(big, ' ', n);
    sf_http(*state, &q, &r);
    expect(&r, 413, "payload_too_large", "65536 bytes exceeds this endpoint's limit of 1024");
    assert_string_equal(r.connection, "close");
    sf_resp_free(&r);

    q.chunked = 1;             /* no length given: refused once byte 1025 arrives */
    call(state, &q, 413, "payload_too_large", "limit of 1024");

    q.chunked = 0;             /* exactly the limit is accepted (and is not JSON: 400) */
    q.body_len = 1024;
    call(state, &q, 400, "bad_request", "not JSON");
    free(big);
}

static void echo__415_wrong_content_type(void **state)
{
    sf_req q = { .path = "/test/echo", .token = sf_env_get()->tok_operator,
                 .content_type = "text/plain", .body = "{}", .body_len = 2 };

    call(state, &q, 415, "unsupported_media_type", "application/json");

    q.content_type = NULL;
    call(state, &q, 415, "unsupported_media_type", NULL);  /* curl sends a form type then */
}

static void metrics__count_what_was_done(void **state)
{
    const sf_env *e = sf_env_get();
    sf_req q = { .path = "/healthz", .cert = SF_CERT_OURS };
    sf_resp r;

    for (int i = 0; i < 3; i++)
        call(state, &q, 200, NULL, NULL);
    q.cert = SF_CERT_NONE;
    call(state, &q, 401, "unauthorized", NULL);
    q.path = "/nope";
    q.token = e->tok_auditor;
    call(state, &q, 404, "not_found", NULL);
    q.path = "/metrics";
    q.token = e->tok_operator;
    call(state, &q, 403, "forbidden", NULL);

    /* Requests are counted after their answer is sent: poll until the last one shows. */
    q.token = e->tok_auditor;
    for (int i = 0; i < 100; i++) {
        sf_http(*state, &q, &r);
        expect(&r, 200, NULL, NULL);
        if (sf_metric(r.body, "sealpki_http_requests_total{method=\"GET\",route=\"/metrics\","
                      "status=\"403\"}") == 1)
            break;
        sf_resp_free(&r);
        struct timespec ts = { 0, 20 * 1000000L };
        nanosleep(&ts, NULL);
    }
    assert_non_null(strstr(r.content_type, "text/plain; version=0.0.4"));
    assert_true(sf_metric(r.body, "sealpki_http_requests_total{method=\"GET\",route=\"/healthz"
                          "\",status=\"200\"}") == 3);
    assert_true(sf_metric(r.body, "sealpki_http_requests_total{method=\"GET\",route=\"/healthz"
                          "\",status=\"401\"}") == 1);
    assert_true(sf_metric(r.body, "sealpki_http_requests_total{method=\"\",route=\"unmatched\","
                          "status=\"404\"}") == 1);
    assert_true(sf_metric(r.body, "sealpki_http_requests_total{method=\"GET\",route=\"/metrics"
                          "\",status=\"403\"}") == 1);
    assert_true(sf_metric(r.body, "sealpki_http_errors_total{code=\"unauthorized\"}") == 1);
    assert_true(sf_metric(r.body, "sealpki_http_errors_total{code=\"forbidden\"}") == 1);
    assert_true(sf_metric(r.body, "sealpki_http_errors_total{code=\"not_found\"}") == 1);
    assert_true(sf_metric(r.body, "sealpki_http_request_duration_seconds_count{method=\"GET\","
                          "route=\"/healthz\"}") == 4);
    assert_true(sf_metric(r.body, "sealpki_http_request_duration_seconds_bucket{method=\"GET\","
                          "route=\"/healthz\",le=\"+Inf\"}") == 4);
    assert_true(sf_metric(r.body, "sealpki_http_in_flight") >= 1);   /* this request */
    assert_true(sf_metric(r.body, "sealpki_build_info{role=\"province\",tls=\"on\"}") == 1);
    sf_resp_free(&r);
}

/* The server's log once it contains needle (2 s at most; new buffer). */
static char *wait_log(const sf_server *s, const char *needle)
{
    char *log = NULL;

    for (int i = 0; i < 200; i++) {
        free(log);
        log = sf_server_log(s);
        if (strstr(log, needle) != NULL)
            break;
        struct timespec ts = { 0, 10 * 1000000L };
        nanosleep(&ts, NULL);
    }
    return log;
}

/* One JSON line per request with the fields the README promises, and never the token. */
static void log__one_line_per_request_without_secrets(void **state)
{
    const sf_env *e = sf_env_get();
    sf_req q = { .path = "/api/v1/whoami", .token = e->tok_operator };
    sf_resp r;
    char *log, *line, *end, id[64], id2[64];
    json_t *doc;

    sf_http(*state, &q, &r);
    expect(&r, 200, NULL, NULL);
    snprintf(id, sizeof(id), "\"request_id\":\"%s\"", r.request_id);
    sf_resp_free(&r);
    q.token = e->tok_disabled;
    sf_http(*state, &q, &r);
    snprintf(id2, sizeof(id2), "\"request_id\":\"%s\"", r.request_id);
    sf_resp_free(&r);

    /* The line is written after the answer is sent: wait for it. */
    log = wait_log(*state, id2);
    assert_null(strstr(log, e->tok_operator));
    assert_null(strstr(log, e->tok_disabled));
    line = strstr(log, id);
    assert_non_null(line);
    while (line > log && line[-1] != '\n')
        line--;
    end = strchr(line, '\n');
    assert_non_null(end);
    *end = '\0';
    doc = json_loads(line, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "method")), "GET");
    assert_string_equal(json_string_value(json_object_get(doc, "route")), "/api/v1/whoami");
    assert_int_equal(json_integer_value(json_object_get(doc, "status")), 200);
    assert_string_equal(json_string_value(json_object_get(doc, "client")), "operator-token");
    assert_string_equal(json_string_value(json_object_get(doc, "auth")), "bearer");
    assert_true(json_is_number(json_object_get(doc, "ms")));
    assert_true(json_is_string(json_object_get(doc, "time")));
    json_decref(doc);
    assert_non_null(strstr(end + 1, "disabled-token"));   /* the refusal names the client */
    free(log);
}

/* Each test gets its own server. */
#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(healthz__ok_with_client_cert),
        TEST(healthz__401_without_credentials),
        TEST(healthz__401_with_wrong_token),
        TEST(healthz__401_for_disabled_client),
        TEST(metrics__403_for_wrong_role),
        TEST(auth__bearer_wins_over_cert),
        TEST(whoami__names_cert_and_token_clients),
        cmocka_unit_test_setup_teardown(whoami__anonymous_verifier_when_enabled, setup_anon,
                                        teardown),
        TEST(routing__404_and_405_are_json),
        TEST(echo__round_trip),
        TEST(echo__413_over_the_limit),
        TEST(echo__415_wrong_content_type),
        TEST(metrics__count_what_was_done),
        TEST(log__one_line_per_request_without_secrets),
    };

    sf_env_get();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

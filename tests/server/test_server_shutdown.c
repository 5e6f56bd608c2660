/* test_server_shutdown.c: graceful shutdown of the real seal-server, using the test-only
 * GET /test/slow route (config "test_routes": true).
 *
 * What CivetWeb 1.15 does on its own: mg_stop() sets a stop flag that turns every later
 * mg_write() of a running handler into a no-op (push_all loops only while the flag is zero),
 * then joins the workers, so a handler still running finishes its work but its response is
 * lost. The server therefore drains first (new requests get 503, running ones finish and
 * answer) and calls mg_stop() only after. The first test proves the drain; the second shows
 * the CivetWeb behaviour that makes it necessary, past the drain deadline. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "server_fixture.h"

struct slow {
    sf_server *srv;
    const char *path;
    sf_resp r;
    pthread_t th;
};

static void *slow_request(void *arg)
{
    struct slow *w = arg;
    sf_req q = { .path = w->path, .cert = SF_CERT_OURS };

    sf_http(w->srv, &q, &w->r);
    return NULL;
}

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Wait until the server reports n requests in flight (the /metrics request is one). */
static void wait_in_flight(sf_server *s, double n)
{
    sf_req q = { .path = "/metrics", .token = sf_env_get()->tok_auditor };

    for (int i = 0; i < 200; i++) {
        sf_resp r;
        double v;

        sf_http(s, &q, &r);
        v = sf_metric(r.body, "sealpki_http_in_flight");
        sf_resp_free(&r);
        if (v >= n)
            return;
        struct timespec ts = { 0, 25 * 1000000L };
        nanosleep(&ts, NULL);
    }
    fail_msg("the slow request never showed up in flight");
}

static int start(void **state, unsigned shutdown_ms)
{
    sf_opts o = { .shutdown_ms = shutdown_ms };
    sf_server *s = calloc(1, sizeof(*s));

    if (s == NULL || sf_server_start(s, &o) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int setup(void **state) { return start(state, 10000); }
static int setup_short(void **state) { return start(state, 300); }

static int teardown(void **state)
{
    sf_server *s = *state;

    sf_server_kill(s);
    free(s);
    return 0;
}

static void shutdown__sigterm_lets_the_running_request_finish(void **state)
{
    sf_server *s = *state;
    struct slow w = { .srv = s, .path = "/test/slow?ms=2000" };
    sf_req q = { .path = "/healthz", .cert = SF_CERT_OURS };
    sf_resp r;
    char *log;
    int rc;

    assert_int_equal(pthread_create(&w.th, NULL, slow_request, &w), 0);
    wait_in_flight(s, 2);
    assert_int_equal(sf_server_signal(s, SIGTERM), 0);

    /* While draining, new work is turned away (the listener still answers, with 503). */
    struct timespec ts = { 0, 100 * 1000000L };
    nanosleep(&ts, NULL);
    sf_http(s, &q, &r);
    if (r.curl_code == CURLE_OK && r.status != 503)
        fail_msg("during the drain: status %ld %s", r.status, r.body);
    if (r.curl_code == CURLE_OK)
        assert_non_null(strstr(r.body, "\"error\":\"shutting_down\""));
    sf_resp_free(&r);

    pthread_join(w.th, NULL);
    if (w.r.curl_code != CURLE_OK || w.r.status != 200)
        fail_msg("the slow request: %s, status %ld", w.r.curl_error, w.r.status);
    assert_non_null(strstr(w.r.body, "\"slept_ms\":2000"));
    sf_resp_free(&w.r);

    rc = sf_server_wait(s, 15000);
    assert_int_equal(rc, 0);
    log = sf_server_log(s);
    assert_non_null(strstr(log, "\"event\":\"shutdown\""));
    assert_non_null(strstr(log, "\"event\":\"stopped\""));
    assert_null(strstr(log, "cut off"));
    free(log);
}

static void shutdown__sigint_too(void **state)
{
    sf_server *s = *state;

    assert_int_equal(sf_server_signal(s, SIGINT), 0);
    assert_int_equal(sf_server_wait(s, 15000), 0);
}

/* Past the drain deadline the server calls mg_stop() with the request still running: the
 * handler runs to its end (mg_stop joins the worker) but its answer never leaves. */
static void shutdown__past_the_deadline_civetweb_drops_the_answer(void **state)
{
    sf_server *s = *state;
    struct slow w = { .srv = s, .path = "/test/slow?ms=3000" };
    double t0;
    char *log;
    int rc;

    assert_int_equal(pthread_create(&w.th, NULL, slow_request, &w), 0);
    wait_in_flight(s, 2);
    t0 = now_s();
    assert_int_equal(sf_server_signal(s, SIGTERM), 0);
    rc = sf_server_wait(s, 15000);
    pthread_join(w.th, NULL);
    assert_int_equal(rc, 0);
    if (w.r.status == 200)
        fail_msg("the cut request was answered: %s", w.r.body);
    assert_int_not_equal(w.r.curl_code, CURLE_OK);
    /* mg_stop waited for the handler (about 3 s from its start), not just the 0.3 s drain. */
    assert_true(now_s() - t0 > 1.5);
    sf_resp_free(&w.r);
    log = sf_server_log(s);
    assert_non_null(strstr(log, "1 request(s) still running at the deadline are cut off"));
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(shutdown__sigterm_lets_the_running_request_finish,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(shutdown__sigint_too, setup, teardown),
        cmocka_unit_test_setup_teardown(shutdown__past_the_deadline_civetweb_drops_the_answer,
                                        setup_short, teardown),
    };

    sf_env_get();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_server_tls.c: the real seal-server's TLS policy and start-up refusals: TLS 1.1
 * refused (and 1.2, 1.3 accepted), a client certificate from another CA refused, plain HTTP
 * only on 127.0.0.1 when asked, configuration errors exit 2 naming the key, a wrong key
 * password exits 1. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "server_fixture.h"
#include "testutil.h"

static int setup(void **state)
{
    sf_server *s = calloc(1, sizeof(*s));

    if (s == NULL || sf_server_start(s, NULL) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
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

/* SECLEVEL=0 lets OUR client offer TLS 1.0/1.1 (OpenSSL 3 disables them at level 1+), so a
 * failure proves the server refused them, not the client. The server's alert says so. */
static void tls__1_1_refused_by_the_server(void **state)
{
    sf_req q = { .path = "/healthz", .cert = SF_CERT_OURS,
                 .ssl_version = CURL_SSLVERSION_TLSv1_1 | CURL_SSLVERSION_MAX_TLSv1_1,
                 .ciphers = "DEFAULT:@SECLEVEL=0" };
    sf_resp r;

    sf_http(*state, &q, &r);
    assert_int_not_equal(r.curl_code, CURLE_OK);
    assert_int_equal(r.status, 0);
    if (strstr(r.curl_error, "protocol version") == NULL)
        fail_msg("want the server's protocol_version alert, got: %s", r.curl_error);
    sf_resp_free(&r);
}

static void tls__1_2_and_1_3_accepted(void **state)
{
    sf_req q = { .path = "/healthz", .cert = SF_CERT_OURS,
                 .ssl_version = CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2 };
    sf_resp r;

    sf_http(*state, &q, &r);
    if (r.curl_code != CURLE_OK || r.status != 200)
        fail_msg("TLS 1.2: %s, status %ld", r.curl_error, r.status);
    sf_resp_free(&r);
    q.ssl_version = CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3;
    sf_http(*state, &q, &r);
    if (r.curl_code != CURLE_OK || r.status != 200)
        fail_msg("TLS 1.3: %s, status %ld", r.curl_error, r.status);
    sf_resp_free(&r);
}

/* The other PKI's tls-ca has the same name as ours: only the signature tells them apart. */
static void tls__client_cert_from_other_ca_refused(void **state)
{
    for (int v = 0; v < 2; v++) {
        sf_req q = { .path = "/healthz", .cert = SF_CERT_OTHER_CA,
                     .ssl_version = v == 0 ? CURL_SSLVERSION_TLSv1_2 |
                                                 CURL_SSLVERSION_MAX_TLSv1_2
                                           : CURL_SSLVERSION_TLSv1_3 |
                                                 CURL_SSLVERSION_MAX_TLSv1_3 };
        sf_resp r;

        sf_http(*state, &q, &r);
        if (r.curl_code == CURLE_OK || r.status != 0)
            fail_msg("TLS 1.%d: want a failed handshake, got status %ld", 2 + v, r.status);
        sf_resp_free(&r);
    }
}

static void plain_http__refused_off_loopback(void **state)
{
    sf_opts o = { .plain_http = 1 };
    char *base = sf_config_text(&o, sf_free_port());
    char *cfg = sf_replace(base, "127.0.0.1", "0.0.0.0"), *log = NULL;
    int rc;

    (void)state;
    rc = sf_run_config(cfg, &log);
    assert_int_equal(rc, 2);
    if (strstr(log, "\\\"plain_http\\\": true is allowed only with \\\"listen\\\" on 127.0.0.1")
        == NULL)
        fail_msg("log: %s", log);
    free(log);
    free(cfg);
    free(base);
}

static void plain_http__serves_on_loopback_when_asked(void **state)
{
    sf_opts o = { .plain_http = 1 };
    sf_server s;
    sf_req q = { .path = "/api/v1/whoami", .token = sf_env_get()->tok_admin };
    sf_resp r;

    (void)state;
    assert_int_equal(sf_server_start(&s, &o), 0);
    sf_http(&s, &q, &r);
    sf_server_kill(&s);
    if (r.curl_code != CURLE_OK || r.status != 200)
        fail_msg("plain: %s, status %ld", r.curl_error, r.status);
    assert_non_null(strstr(r.body, "admin-token"));
    sf_resp_free(&r);
}

/* Each bad config exits 2 and names what to fix. */
static void config__errors_exit_2_naming_the_key(void **state)
{
    static const struct {
        const char *find, *replace, *msg;
    } rows[] = {
        { "\"threads\": 4", "\"threads\": \"4\"", "\\\"threads\\\": expected an integer" },
        { "\"threads\": 4", "\"treads\": 4", "\\\"treads\\\": unknown key" },
        { "\"idle\": 2000", "\"idle\": -1", "\\\"timeouts_ms.idle\\\": -1 is not in" },
        { "\"role\": \"province\"", "\"role\": \"city\"", "\\\"role\\\": \\\"city\\\" is not" },
        { "\"client_ca\"", "\"client_cax\"", "\\\"tls.client_cax\\\": unknown key" },
        { "\"POST /test/echo\"", "\"POST /test/nope\"", "\\\"POST /test/nope\\\" is not a "
                                                        "route" },
        { "\"anonymous_verify\": false", "\"anonymous_verify\": 0",
          "\\\"anonymous_verify\\\": expected true or false" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *base = sf_config_text(NULL, sf_free_port()), *log = NULL;
        char *cfg = sf_replace(base, rows[i].find, rows[i].replace);
        int rc = sf_run_config(cfg, &log);

        if (rc != 2 || strstr(log, rows[i].msg) == NULL)
            fail_msg("row %zu (%s): exit %d, log: %s", i, rows[i].replace, rc, log);
        free(log);
        free(cfg);
        free(base);
    }
}

static void config__wrong_key_password_exits_1(void **state)
{
    static const char wrong_pw[] = "not the password\n";
    const sf_env *e = sf_env_get();
    char *base = sf_config_text(NULL, sf_free_port()), *cfg, *log = NULL;
    char pw[700], wrong[700];
    int rc;

    (void)state;
    snprintf(pw, sizeof(pw), "%s/key-password", e->pki);
    snprintf(wrong, sizeof(wrong), "%s/wrong-password", e->dir);
    assert_int_equal(sc_test_write(wrong, wrong_pw, sizeof(wrong_pw) - 1), 0);
    cfg = sf_replace(base, pw, wrong);
    rc = sf_run_config(cfg, &log);
    if (rc != 1 || strstr(log, "tls.key: cannot decrypt") == NULL)
        fail_msg("exit %d, log: %s", rc, log);
    assert_null(strstr(log, "not the password"));
    free(log);
    free(cfg);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(tls__1_1_refused_by_the_server, setup, teardown),
        cmocka_unit_test_setup_teardown(tls__1_2_and_1_3_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(tls__client_cert_from_other_ca_refused, setup,
                                        teardown),
        cmocka_unit_test(plain_http__refused_off_loopback),
        cmocka_unit_test(plain_http__serves_on_loopback_when_asked),
        cmocka_unit_test(config__errors_exit_2_naming_the_key),
        cmocka_unit_test(config__wrong_key_password_exits_1),
    };

    sf_env_get();
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_server_extca.c: seal_ca.est — a province whose signer certificates come from an
 * external CA over EST (RFC 7030 simpleenroll, mTLS), here est_server.py: openssl checks the
 * request and issues with the dev seal CA. Approval makes a seal whose signature verifies; a
 * CA that queues the request (202) or answers garbage fails the approval by name and leaves
 * the application pending. Real server, real TLS both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "api_fixture.h"
#include "server_fixture.h"
#include "testutil.h"

static pid_t est_pid;
static char work[700];

/* Start est_server.py in MODE; returns its port. */
static unsigned est_start(const char *mode)
{
    const char *script = getenv("SC_EST_SERVER");
    char portfile[760];
    unsigned port = 0;

    snprintf(work, sizeof(work), "%s/est-%s", sf_env_get()->dir, mode);
    assert_int_equal(sc_test_sh("rm -rf '%s' && mkdir -p '%s'", work, work), 0);
    snprintf(portfile, sizeof(portfile), "%s/port", work);
    assert_non_null(script);
    if ((est_pid = fork()) == 0) {
        execlp("python3", "python3", script, sf_env_get()->pki, work, portfile, mode,
               (char *)NULL);
        _exit(127);
    }
    assert_true(est_pid > 0);
    for (int i = 0; i < 200 && port == 0; i++) {
        FILE *f = fopen(portfile, "r");
        struct timespec ts = { 0, 50 * 1000000L };
        if (f != NULL) {
            if (fscanf(f, "%u", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (port == 0)
            nanosleep(&ts, NULL);
    }
    if (port == 0)
        fail_msg("est_server.py %s did not start", mode);
    return port;
}

static void est_stop(void)
{
    if (est_pid > 0) {
        kill(est_pid, SIGKILL);
        waitpid(est_pid, NULL, 0);
        est_pid = 0;
    }
}

static int requests(void)
{
    char path[760];
    uint8_t *d = NULL;
    size_t n = 0;
    int k = 0;

    snprintf(path, sizeof(path), "%s/requests", work);
    if (sc_test_read(path, &d, &n) != 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        k += d[i] == '\n';
    free(d);
    return k;
}

/* The service's config with seal_ca's key replaced by est on port, then the server
 * (re)started on it. */
static void start_with_est(unsigned port)
{
    const char *pki = sf_env_get()->pki;
    json_t *cfg, *ca;
    char url[128];

    assert_int_equal(sfa_setup(NULL), 0);
    assert_int_equal(sf_server_stop(&sfa_srv), 0);
    assert_non_null(cfg = json_load_file(sfa_srv.cfg, 0, NULL));
    assert_non_null(ca = json_object_get(cfg, "seal_ca"));
    json_object_del(ca, "key");
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/.well-known/est", port);
    json_object_set_new(ca, "est", json_pack("{s:s,s:s,s:s,s:s}", "url", url, "tls_ca",
                                             sc_test_path(pki, "tls-ca.pem"), "client_cert",
                                             sc_test_path(pki, "tls-client.pem"), "client_key",
                                             sc_test_path(pki, "tls-client.key")));
    assert_int_equal(json_dump_file(cfg, sfa_srv.cfg, JSON_INDENT(1)), 0);
    json_decref(cfg);
    assert_int_equal(sf_server_restart(&sfa_srv), 0);
}

static int teardown(void **state)
{
    (void)state;
    sf_server_kill(&sfa_srv);
    est_stop();
    return 0;
}

static void extca__est_issues_and_the_seal_signs(void **state)
{
    char es[64];
    char *b64;
    json_t *j = NULL;
    static const char doc[] = "a document under an external CA";

    (void)state;
    start_with_est(est_start("good"));
    sfa_make_seal(&sfa_srv, 'E', "extca", es, sizeof(es));
    assert_int_equal(requests(), 1);
    sfa_grant(&sfa_srv, es, 0);
    b64 = sfa_b64((const uint8_t *)doc, sizeof(doc) - 1);
    assert_int_equal(sfa_call(&sfa_srv, "POST", "/api/v1/sign/data", sf_env_get()->tok_operator,
                              NULL, &j, "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, b64),
                     200);
    sfa_verify_sig(sfa_jstr(j, "signature_b64"), (const uint8_t *)doc, sizeof(doc) - 1);
    json_decref(j);
    free(b64);
    /* the seal's signer certificate is the one the EST server issued (its fixed serial) */
    char path[128];
    snprintf(path, sizeof(path), "/api/v1/seals/%s", es);
    assert_int_equal(sfa_call(&sfa_srv, "GET", path, sf_env_get()->tok_verifier, NULL, &j, NULL),
                     200);
    size_t n = 0;
    uint8_t *der = sfa_unb64(sfa_jstr(j, "signer_cert_b64"), &n);
    const uint8_t *q = der;
    X509 *x = d2i_X509(NULL, &q, (long)n);
    assert_non_null(x);
    assert_int_equal(ASN1_INTEGER_get(X509_get0_serialNumber(x)), 0x5E57CA);
    X509_free(x);
    free(der);
    json_decref(j);
    assert_int_equal(sf_server_stop(&sfa_srv), 0);
}

/* Apply and approve by hand: the approval must fail with frag, the application stay pending. */
static void approval_fails(const char *mode, const char *frag)
{
    const sf_env *e = sf_env_get();
    json_t *j = NULL;
    char path[96];
    uint8_t *png = NULL;
    size_t png_len = 0;
    long now = (long)time(NULL), st;
    int64_t unit, app;
    char *img;

    start_with_est(est_start(mode));
    assert_int_equal(sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &png, &png_len), 0);
    img = sfa_b64(png, png_len);
    assert_int_equal(sfa_call(&sfa_srv, "POST", "/api/v1/units", e->tok_admin, NULL, &j,
                              "{\"code\": \"913300%011d%c\", \"name\": \"Unit %s\"}",
                              (int)getpid(), mode[0] == 'p' ? 'P' : 'G', mode), 201);
    unit = sfa_jint(j, "id");
    json_decref(j);
    assert_int_equal(sfa_call(&sfa_srv, "POST", "/api/v1/seals/applications", e->tok_admin, NULL,
                              &j, "{\"unit_id\": %lld, \"seal_type\": 1, \"name\": \"Seal\", "
                              "\"image_b64\": \"%s\", \"image_format\": \"png\", \"width_mm\": "
                              "42, \"height_mm\": 42, \"valid_from\": %ld, \"valid_to\": %ld}",
                              (long long)unit, img, now - 60, now + 86400 * 30), 201);
    app = sfa_jint(j, "id");
    json_decref(j);
    snprintf(path, sizeof(path), "/api/v1/seals/applications/%lld/approve", (long long)app);
    st = sfa_call(&sfa_srv, "POST", path, e->tok_officer, NULL, &j, "{\"reason\": \"ok\"}");
    assert_int_equal(st, 502);
    assert_string_equal(sfa_jstr(j, "error"), "bad_gateway");
    if (strstr(sfa_jstr(j, "message"), frag) == NULL)
        fail_msg("approval: \"%s\", expected \"%s\"", sfa_jstr(j, "message"), frag);
    json_decref(j);
    assert_int_equal(requests(), 1);
    /* still pending, no seal: read in the store (the API lists no applications yet) */
    assert_int_equal(sc_test_sh("test \"$(sqlite3 '%s' \"SELECT state FROM seal_applications "
                                "WHERE id = %lld\")\" = pending", e->store, (long long)app), 0);
    assert_int_equal(sc_test_sh("test \"$(sqlite3 '%s' \"SELECT count(*) FROM seals WHERE "
                                "application_id = %lld\")\" = 0", e->store, (long long)app), 0);
    free(img);
    free(png);
    assert_int_equal(sf_server_stop(&sfa_srv), 0);
    est_stop();
}

static void extca__pending_and_garbage_answers_refuse_the_approval(void **state)
{
    (void)state;
    approval_fails("pending", "queued the request for manual approval (HTTP 202)");
    approval_fails("garbage", "the answer is not");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(extca__est_issues_and_the_seal_signs, teardown),
        cmocka_unit_test_teardown(extca__pending_and_garbage_answers_refuse_the_approval,
                                  teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

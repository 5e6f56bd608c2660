/* test_api_keys.c: the service keys' part of /healthz (ss_api_svc_check_keys): a good pair,
 * an expired certificate, a key that can no longer sign, and no service at all. The live /healthz answer is checked in server_http. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "api_svc.h"
#include "testutil.h"

static void fill(ss_api_svc *a, int i, const char *key, const char *cert)
{
    a->key[i] = sc_test_key(sc_test_pki(), key);
    a->cert[i] = sc_test_cert(sc_test_pki(), cert, &a->cert_len[i]);
    assert_non_null(a->key[i]);
    assert_non_null(a->cert[i]);
}

static void clear(ss_api_svc *a)
{
    for (int i = 0; i < SS_CONFIG_PAIR_COUNT; i++) {
        sc_key_free(a->key[i]);
        free(a->cert[i]);
    }
    memset(a, 0, sizeof(*a));
}

static json_t *member(json_t *o, const char *pair, const char *k)
{
    json_t *p = json_object_get(o, pair);
    assert_non_null(p);
    return json_object_get(p, k);
}

static void keys__good_pairs_pass_with_days_left(void **state)
{
    ss_api_svc a;
    json_t *o = json_object();
    char why[256] = "";

    (void)state;
    memset(&a, 0, sizeof(a));
    fill(&a, SS_CONFIG_SEAL_CA, "seal-ca", "seal-ca");
    fill(&a, SS_CONFIG_TSA, "tsa", "tsa");
    assert_int_equal(ss_api_svc_check_keys(&a, (int64_t)time(NULL), o, why, sizeof(why)), 1);
    assert_string_equal(why, "");
    assert_true(json_is_true(member(o, "seal_ca", "ok")));
    assert_true(json_integer_value(member(o, "tsa", "cert_days_left")) > 300);
    assert_null(json_object_get(o, "seal_maker"));   /* absent pairs are not reported */
    json_decref(o);
    clear(&a);
}

static void keys__expired_certificate_fails_by_name(void **state)
{
    ss_api_svc a;
    json_t *o = json_object();
    char why[256] = "";
    int64_t in_50_years = (int64_t)time(NULL) + 50LL * 366 * 86400;

    (void)state;
    memset(&a, 0, sizeof(a));
    fill(&a, SS_CONFIG_STATUS_SIGNER, "status-signer", "status-signer");
    assert_int_equal(ss_api_svc_check_keys(&a, in_50_years, o, why, sizeof(why)), 0);
    assert_string_equal(why, "status_signer key: its certificate has expired");
    assert_true(json_is_false(member(o, "status_signer", "ok")));
    assert_true(json_integer_value(member(o, "status_signer", "cert_days_left")) < 0);
    json_decref(o);
    clear(&a);
}

/* A backend that lost its private half (a token pulled out): the public key still reads, so
 * only the self-test can tell. */
static int gone_sign(void *impl, const uint8_t *m, size_t l, uint8_t **s, size_t *sl, sc_err *e)
{
    (void)impl; (void)m; (void)l; (void)s; (void)sl;
    return sc_err_set(e, SC_ECRYPTO, "token removed");
}
static int cert_spki(void *impl, uint8_t **spki, size_t *len, sc_err *e)
{
    const ss_api_svc *a = impl;
    const uint8_t *p = a->cert[SS_CONFIG_SEAL_MAKER];
    X509 *x = d2i_X509(NULL, &p, (long)a->cert_len[SS_CONFIG_SEAL_MAKER]);
    int n = x != NULL ? i2d_PUBKEY(X509_get0_pubkey(x), spki) : -1;

    X509_free(x);
    if (n <= 0)
        return sc_err_set(e, SC_EFORMAT, "no public key");
    *len = (size_t)n;
    return 0;
}
static void no_free(void *impl) { (void)impl; }

static void keys__key_that_cannot_sign_fails_by_name(void **state)
{
    static const sc_key_ops gone = { "gone", gone_sign, cert_spki, no_free };
    ss_api_svc a;
    json_t *o = json_object();
    char why[256] = "";

    (void)state;
    memset(&a, 0, sizeof(a));
    fill(&a, SS_CONFIG_SEAL_CA, "seal-ca", "seal-ca");
    a.cert[SS_CONFIG_SEAL_MAKER] = sc_test_cert(sc_test_pki(), "seal-maker",
                                                &a.cert_len[SS_CONFIG_SEAL_MAKER]);
    assert_int_equal(sc_key_new(&a.key[SS_CONFIG_SEAL_MAKER], &gone, &a, NULL), 0);
    assert_int_equal(ss_api_svc_check_keys(&a, (int64_t)time(NULL), o, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "seal_maker key: key self-test: signing: token removed"));
    assert_true(json_is_true(member(o, "seal_ca", "ok")));
    assert_true(json_is_false(member(o, "seal_maker", "ok")));
    assert_non_null(strstr(json_string_value(member(o, "seal_maker", "error")), "token removed"));
    json_decref(o);
    clear(&a);
}

static void keys__no_service_adds_nothing(void **state)
{
    json_t *o = json_object();
    char why[16] = "";

    (void)state;
    assert_int_equal(ss_api_svc_check_keys(NULL, 0, o, why, sizeof(why)), 1);
    assert_int_equal(json_object_size(o), 0);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys__good_pairs_pass_with_days_left),
        cmocka_unit_test(keys__expired_certificate_fails_by_name),
        cmocka_unit_test(keys__key_that_cannot_sign_fails_by_name),
        cmocka_unit_test(keys__no_service_adds_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

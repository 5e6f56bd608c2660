/* test_cert_request.c: sc_cert_request (sealcore/cert.h): PKCS#10 requests for an external
 * CA, signed through sc_key. The openssl CLI reads and verifies them (with the SM2 ID) and
 * signs one into a certificate, as an external CA would; a key that is not the subject key's,
 * a non-SM2 key and a bad subject are refused with a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "sealcore/cert.h"
#include "testutil.h"

/* The SubjectPublicKeyInfo of a dev PKI certificate (DER, malloc'd). */
static uint8_t *spki_of_cert(const char *name, size_t *len)
{
    size_t clen = 0;
    uint8_t *cert = sc_test_cert(sc_test_pki(), name, &clen), *out;
    const uint8_t *p = cert;
    X509 *x = d2i_X509(NULL, &p, (long)clen);
    unsigned char *der = NULL;
    int n;

    assert_non_null(x);
    assert_true((n = i2d_PUBKEY(X509_get0_pubkey(x), &der)) > 0);
    assert_non_null(out = malloc((size_t)n));
    memcpy(out, der, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(der);
    X509_free(x);
    free(cert);
    return out;
}

static void request__openssl_verifies_it_and_signs_a_certificate(void **state)
{
    const char *dir = sc_test_tmpdir(), *pki = sc_test_pki();
    sc_key *key = sc_test_key(pki, "signer-city");
    size_t spki_len = 0, len = 0;
    uint8_t *spki = spki_of_cert("signer-city", &spki_len), *der = NULL;
    sc_err err = SC_ERR_INIT;
    sc_cert_issue_params p = { .spki = spki, .spki_len = spki_len, .province = "浙江省",
                               .org = "某市人力资源和社会保障局", .common_name = "某市人社局公章" };

    (void)state;
    assert_int_equal(sc_cert_request(&der, &len, &p, key, &err), 0);
    assert_int_equal(sc_test_write(sc_test_path(dir, "r.csr"), der, len), 0);
    /* openssl reads it, checks the self-signature with the GM ID, shows our subject */
    assert_int_equal(sc_test_sh("cd '%s' && openssl req -inform DER -in r.csr -verify "
                                "-vfyopt distid:1234567812345678 -noout -subject "
                                "-nameopt utf8,sep_comma_plus >req.out 2>&1 && "
                                "grep -q 'self-signature verify OK' req.out && "
                                "grep -q 'CN=某市人社局公章' req.out && "
                                "grep -q 'ST=浙江省' req.out", dir), 0);
    /* an external CA (here openssl with the dev seal CA) signs it; the certificate carries
     * the request's key */
    assert_int_equal(sc_test_sh("cd '%s' && openssl req -inform DER -in r.csr -out r.pem && "
                                "openssl x509 -req -in r.pem -CA '%s/seal-ca.pem' "
                                "-CAkey '%s/seal-ca.key' -passin file:'%s/key-password' "
                                "-days 30 -sm3 -sigopt distid:1234567812345678 "
                                "-vfyopt distid:1234567812345678 -set_serial 0x51ed "
                                "-out c.pem 2>/dev/null && "
                                "openssl x509 -in c.pem -noout -pubkey > c.pub && "
                                "openssl req -in r.pem -noout -pubkey > r.pub && "
                                "cmp -s c.pub r.pub", dir, pki, pki, pki), 0);
    /* a tampered request no longer verifies (the test can fail) */
    der[len - 10] ^= 0x01;
    assert_int_equal(sc_test_write(sc_test_path(dir, "bad.csr"), der, len), 0);
    /* openssl 3.0's req -verify exits 0 either way: its words are the verdict */
    assert_int_equal(sc_test_sh("cd '%s' && openssl req -inform DER -in bad.csr -verify "
                                "-vfyopt distid:1234567812345678 -noout 2>&1 | "
                                "grep -q 'self-signature verify failure'", dir), 0);
    free(der);
    free(spki);
    sc_key_free(key);
}

static void request__refuses_a_key_not_the_subject_keys(void **state)
{
    sc_key *other = sc_test_key(sc_test_pki(), "signer-prov");
    size_t spki_len = 0, len = 7;
    uint8_t *spki = spki_of_cert("signer-city", &spki_len), *der = (uint8_t *)"x";
    sc_err err = SC_ERR_INIT;
    sc_cert_issue_params p = { .spki = spki, .spki_len = spki_len, .common_name = "seal" };

    (void)state;
    assert_int_equal(sc_cert_request(&der, &len, &p, other, &err), SC_EINVAL);
    assert_null(der);
    assert_int_equal(len, 0);
    assert_non_null(strstr(err.msg, "not the private half of the subject public key"));
    free(spki);
    sc_key_free(other);
}

static void request__refuses_bad_parameters(void **state)
{
    sc_key *key = sc_test_key(sc_test_pki(), "signer-city");
    size_t spki_len = 0, len = 0;
    uint8_t *spki = spki_of_cert("signer-city", &spki_len), *der = NULL;
    sc_err err = SC_ERR_INIT;
    sc_cert_issue_params p = { .spki = spki, .spki_len = spki_len };
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    unsigned char *ecder = NULL;
    int n;

    (void)state;
    assert_int_equal(sc_cert_request(&der, &len, &p, key, &err), SC_EINVAL);   /* no CN */
    assert_non_null(strstr(err.msg, "common name (CN) is required"));
    sc_err_clear(&err);
    p.common_name = "seal";
    p.country = "china";
    assert_int_equal(sc_cert_request(&der, &len, &p, key, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "two capital letters"));
    sc_err_clear(&err);
    p.country = NULL;
    assert_true((n = i2d_PUBKEY(ec, &ecder)) > 0);
    p.spki = ecder;
    p.spki_len = (size_t)n;
    assert_int_equal(sc_cert_request(&der, &len, &p, key, &err), SC_EUNSUPPORTED);
    sc_err_clear(&err);
    p.spki_len = 5;
    assert_int_equal(sc_cert_request(&der, &len, &p, key, &err), SC_EFORMAT);
    assert_int_equal(sc_cert_request(&der, &len, NULL, key, NULL), SC_EINVAL);
    assert_null(der);
    OPENSSL_free(ecder);
    EVP_PKEY_free(ec);
    free(spki);
    sc_key_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request__openssl_verifies_it_and_signs_a_certificate),
        cmocka_unit_test(request__refuses_a_key_not_the_subject_keys),
        cmocka_unit_test(request__refuses_bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_cert_issue.c: sc_cert_issue (sealcore/cert.h): signer certificates from the dev seal CA
 * chain to the dev root (OpenSSL's C API with the SM2 ID on every certificate, and the openssl
 * CLI), carry make-dev-pki's v3_seal_leaf profile byte for byte where it is fixed, sign
 * through any sc_key backend, and refuse bad parameters with a message naming the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sealcore/cert.h"
#include "testutil.h"

#define SM2_ID "1234567812345678"

struct g {
    sc_key *ca_key, *maker_key;
    uint8_t *ca, *prov, *spki, *p256;
    size_t ca_len, prov_len, spki_len, p256_len;
    int64_t now;
};
static struct g g;

static uint8_t *spki_of(const char *alg, size_t *len)
{
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, alg, "P-256");
    unsigned char *der = NULL;
    uint8_t *out;
    int n;

    assert_non_null(pk);
    assert_true((n = i2d_PUBKEY(pk, &der)) > 0);
    assert_non_null(out = malloc((size_t)n));
    memcpy(out, der, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(der);
    EVP_PKEY_free(pk);
    return out;
}

static int group_setup(void **state)
{
    const char *pki = sc_test_pki();

    (void)state;
    g.ca_key = sc_test_key(pki, "seal-ca");
    g.maker_key = sc_test_key(pki, "seal-maker");
    g.ca = sc_test_cert(pki, "seal-ca", &g.ca_len);
    g.prov = sc_test_cert(pki, "signer-prov", &g.prov_len);
    g.now = (int64_t)time(NULL);
    if (g.ca_key == NULL || g.maker_key == NULL || g.ca == NULL || g.prov == NULL)
        return -1;
    {
        EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
        unsigned char *der = NULL;
        int n = pk != NULL ? i2d_PUBKEY(pk, &der) : -1;
        if (n <= 0 || (g.spki = malloc((size_t)n)) == NULL)
            return -1;
        memcpy(g.spki, der, (size_t)n);
        g.spki_len = (size_t)n;
        OPENSSL_free(der);
        EVP_PKEY_free(pk);
    }
    g.p256 = spki_of("EC", &g.p256_len);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    sc_key_free(g.ca_key);
    sc_key_free(g.maker_key);
    free(g.ca);
    free(g.prov);
    free(g.spki);
    free(g.p256);
    return 0;
}

static sc_cert_issue_params base(void)
{
    sc_cert_issue_params p = {
        .spki = g.spki, .spki_len = g.spki_len, .province = "某省",
        .org = "某省人力资源和社会保障厅", .common_name = "某省人力资源和社会保障厅行政审批专用章",
        .not_before = g.now, .not_after = g.now + 365 * 86400 };
    return p;
}

static X509 *parse(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);

    assert_non_null(x);
    assert_ptr_equal(p, der + len);
    return x;
}

static void set_id(X509 *x)
{
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();

    assert_non_null(id);
    assert_int_equal(ASN1_OCTET_STRING_set(id, (const unsigned char *)SM2_ID, 16), 1);
    X509_set0_distinguishing_id(x, id);   /* set0: x owns id */
}

static void write_pem(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, x), 1);
    fclose(f);
}

/* root -> seal-ca -> leaf with OpenSSL's C API (the ID on leaf and intermediate: the CLI
 * cannot do that, openssl/openssl#24167), then the CLI one link at a time. */
static void cert_issue__chains_to_the_dev_root(void **state)
{
    const char *pki = sc_test_pki();
    const char *leaf_pem = sc_test_path(sc_test_tmpdir(), "issued-leaf.pem");
    sc_cert_issue_params p = base();
    sc_err err = SC_ERR_INIT;
    uint8_t *der = NULL, *root_der;
    size_t len = 0, root_len;
    X509 *leaf, *ca, *root;
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();

    (void)state;
    assert_int_equal(sc_cert_issue(&der, &len, &p, g.ca_key, g.ca, g.ca_len, &err), 0);
    leaf = parse(der, len);
    ca = parse(g.ca, g.ca_len);
    assert_non_null(root_der = sc_test_cert(pki, "root-ca", &root_len));
    root = parse(root_der, root_len);
    set_id(leaf);
    set_id(ca);
    assert_int_equal(X509_STORE_add_cert(store, root), 1);
    assert_int_equal(sk_X509_push(untrusted, ca), 1);
    assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, untrusted), 1);
    X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT);
    if (X509_verify_cert(ctx) != 1)
        fail_msg("chain: %s",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    write_pem(leaf_pem, leaf);
    assert_int_equal(sc_test_sh("openssl verify -x509_strict -partial_chain -CAfile "
                                "'%s/seal-ca.pem' -vfyopt distid:" SM2_ID " '%s' >/dev/null",
                                pki, leaf_pem), 0);
    assert_int_equal(sc_test_sh("openssl verify -x509_strict -CAfile '%s/root-ca.pem' "
                                "-vfyopt distid:" SM2_ID " '%s/seal-ca.pem' >/dev/null", pki,
                                pki), 0);
    /* and not with the empty ID OpenSSL 3.0 would use: the ID really is in the signature */
    assert_int_not_equal(sc_test_sh("openssl verify -partial_chain -CAfile '%s/seal-ca.pem' "
                                    "'%s' >/dev/null 2>&1", pki, leaf_pem), 0);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    sk_X509_free(untrusted);
    X509_free(leaf);
    X509_free(ca);
    X509_free(root);
    free(root_der);
    free(der);
}

static const ASN1_OCTET_STRING *ext_value(X509 *x, int nid, int *critical)
{
    int i = X509_get_ext_by_NID(x, nid, -1);
    X509_EXTENSION *e = i >= 0 ? X509_get_ext(x, i) : NULL;

    if (e == NULL)
        fail_msg("extension %s missing", OBJ_nid2sn(nid));
    *critical = X509_EXTENSION_get_critical(e);
    return X509_EXTENSION_get_data(e);
}

/* What make-dev-pki's v3_seal_leaf fixes is the same, byte for byte, as in signer-prov. */
static void cert_issue__profile_matches_make_dev_pki(void **state)
{
    static const int nids[] = { NID_basic_constraints, NID_key_usage,
                                NID_subject_key_identifier, NID_authority_key_identifier };
    const char *pem = sc_test_path(sc_test_tmpdir(), "profile-leaf.pem");
    sc_cert_issue_params p = base();
    sc_err err = SC_ERR_INIT;
    uint8_t *der = NULL;
    size_t len = 0;
    X509 *ours, *theirs;
    const X509_ALGOR *alg;
    const ASN1_OBJECT *oid;
    const void *param;
    int ptype, c1, c2;

    (void)state;
    assert_int_equal(sc_cert_issue(&der, &len, &p, g.ca_key, g.ca, g.ca_len, &err), 0);
    ours = parse(der, len);
    theirs = parse(g.prov, g.prov_len);
    assert_int_equal(X509_get_version(ours), X509_VERSION_3);
    assert_int_equal(X509_get_ext_count(ours), 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(ours, i))),
                         nids[i]);
        const ASN1_OCTET_STRING *a = ext_value(ours, nids[i], &c1);
        const ASN1_OCTET_STRING *b = ext_value(theirs, nids[i], &c2);
        assert_int_equal(c1, c2);
        if (nids[i] != NID_subject_key_identifier)   /* another key, another SKI */
            assert_int_equal(ASN1_OCTET_STRING_cmp(a, b), 0);
    }
    assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(ours), X509_get_issuer_name(theirs)),
                     0);
    /* SM2-with-SM3 without parameters, inside and outside the TBS */
    X509_get0_signature(NULL, &alg, ours);
    X509_ALGOR_get0(&oid, &ptype, &param, alg);
    assert_int_equal(OBJ_obj2nid(oid), NID_SM2_with_SM3);
    assert_int_equal(ptype, V_ASN1_UNDEF);
    X509_ALGOR_get0(&oid, &ptype, &param, X509_get0_tbs_sigalg(ours));
    assert_int_equal(OBJ_obj2nid(oid), NID_SM2_with_SM3);
    assert_int_equal(ptype, V_ASN1_UNDEF);
    /* a positive 16-byte serial */
    const ASN1_INTEGER *sn = X509_get0_serialNumber(ours);
    assert_int_equal(ASN1_STRING_length(sn), 16);
    assert_int_equal(ASN1_STRING_type(sn), V_ASN1_INTEGER);
    /* C is a PrintableString, the rest UTF8String */
    X509_NAME *subj = X509_get_subject_name(ours);
    for (int i = 0; i < X509_NAME_entry_count(subj); i++) {
        X509_NAME_ENTRY *e = X509_NAME_get_entry(subj, i);
        int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
        assert_int_equal(ASN1_STRING_type(X509_NAME_ENTRY_get_data(e)),
                         nid == NID_countryName ? V_ASN1_PRINTABLESTRING : V_ASN1_UTF8STRING);
    }
    write_pem(pem, ours);
    assert_int_equal(sc_test_sh("openssl x509 -in '%s' -noout -text > '%s.txt' && "
                                "grep -q 'CA:FALSE' '%s.txt' && "
                                "grep -A1 'Key Usage: critical' '%s.txt' | "
                                "grep -q 'Digital Signature, Non Repudiation' && "
                                "grep -q 'Subject Key Identifier' '%s.txt' && "
                                "grep -q 'Authority Key Identifier' '%s.txt' && "
                                "grep -q 'Signature Algorithm: SM2-with-SM3' '%s.txt' && "
                                "grep -q 'Version: 3' '%s.txt'", pem, pem, pem, pem, pem, pem,
                                pem, pem), 0);
    X509_free(ours);
    X509_free(theirs);
    free(der);
}

/* A key backend that is not the software one (as an HSM would be) issues the same way; one
 * that signs with another key than its certificate's is caught by the self check. */
typedef struct fwd {
    const sc_key *signer;
    uint8_t *spki;
    size_t spki_len;
    int calls;
} fwd;

static int fwd_sign(void *impl, const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len,
                    sc_err *err)
{
    fwd *f = impl;

    f->calls++;
    return sc_key_sign(f->signer, msg, len, sig, sig_len, err);
}

static int fwd_public(void *impl, uint8_t **spki, size_t *spki_len, sc_err *err)
{
    fwd *f = impl;

    (void)err;
    *spki = malloc(f->spki_len);
    memcpy(*spki, f->spki, f->spki_len);
    *spki_len = f->spki_len;
    return 0;
}

static void fwd_free(void *impl)
{
    (void)impl;
}

static const sc_key_ops fwd_ops = { "test-hsm", fwd_sign, fwd_public, fwd_free };

static void cert_issue__signs_through_any_key_backend(void **state)
{
    X509 *ca = parse(g.ca, g.ca_len);
    unsigned char *spki = NULL;
    int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ca), &spki);
    fwd good = { g.ca_key, spki, (size_t)n, 0 }, bad = { g.maker_key, spki, (size_t)n, 0 };
    sc_key *k = NULL;
    sc_cert_issue_params p = base();
    sc_err err = SC_ERR_INIT;
    uint8_t *der = NULL;
    size_t len = 0;

    (void)state;
    assert_true(n > 0);
    assert_int_equal(sc_key_new(&k, &fwd_ops, &good, &err), 0);
    assert_int_equal(sc_cert_issue(&der, &len, &p, k, g.ca, g.ca_len, &err), 0);
    assert_int_equal(good.calls, 1);
    free(der);
    sc_key_free(k);
    /* claims the CA's public key, signs with the maker's */
    assert_int_equal(sc_key_new(&k, &fwd_ops, &bad, &err), 0);
    assert_int_equal(sc_cert_issue(&der, &len, &p, k, g.ca, g.ca_len, &err), SC_ECRYPTO);
    assert_non_null(strstr(err.msg, "does not verify with the CA certificate's key"));
    assert_null(der);
    sc_key_free(k);
    OPENSSL_free(spki);
    X509_free(ca);
}

static void cert_issue__uses_the_given_serial(void **state)
{
    static const uint8_t serial[] = { 0x01, 0x02, 0x03 };
    sc_cert_issue_params p = base();
    sc_err err = SC_ERR_INIT;
    uint8_t *der = NULL;
    size_t len = 0;
    X509 *x;

    (void)state;
    p.serial = serial;
    p.serial_len = sizeof(serial);
    assert_int_equal(sc_cert_issue(&der, &len, &p, g.ca_key, g.ca, g.ca_len, &err), 0);
    x = parse(der, len);
    assert_int_equal(ASN1_INTEGER_get(X509_get0_serialNumber(x)), 0x010203);
    X509_free(x);
    free(der);
}

/* CN: 64 characters (X.520 ub-common-name) pass, 65 fail; Chinese characters count as one. */
static void cert_issue__common_name_limit_64_characters(void **state)
{
    char cn[65 * 3 + 1];
    sc_cert_issue_params p = base();
    sc_err err = SC_ERR_INIT;
    uint8_t *der = NULL;
    size_t len = 0;

    (void)state;
    cn[0] = '\0';
    for (int i = 0; i < 64; i++)
        strcat(cn, "章");
    p.common_name = cn;
    assert_int_equal(sc_cert_issue(&der, &len, &p, g.ca_key, g.ca, g.ca_len, &err), 0);
    free(der);
    der = NULL;
    strcat(cn, "章");
    assert_int_equal(sc_cert_issue(&der, &len, &p, g.ca_key, g.ca, g.ca_len, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "CN (1..64 characters)"));
    assert_null(der);
}

static const uint8_t neg[] = { 0x80, 0x01 }, zero[] = { 0x00, 0x00 }, long_serial[21] = { 1 };
static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

static void no_cn(sc_cert_issue_params *p) { p->common_name = NULL; }
static void bad_c(sc_cert_issue_params *p) { p->country = "China"; }
static void reversed(sc_cert_issue_params *p) { p->not_after = p->not_before - 1; }
static void past_ca(sc_cert_issue_params *p) { p->not_after = p->not_before + 40 * 365 * 86400LL; }
static void neg_sn(sc_cert_issue_params *p) { p->serial = neg; p->serial_len = sizeof(neg); }
static void zero_sn(sc_cert_issue_params *p) { p->serial = zero; p->serial_len = sizeof(zero); }
static void long_sn(sc_cert_issue_params *p)
{
    p->serial = long_serial;
    p->serial_len = sizeof(long_serial);
}
static void p256(sc_cert_issue_params *p) { p->spki = g.p256; p->spki_len = g.p256_len; }
static void garbage(sc_cert_issue_params *p) { p->spki = junk; p->spki_len = sizeof(junk); }

static void cert_issue__refuses_each_bad_parameter(void **state)
{
    static const struct row {
        const char *name;
        void (*apply)(sc_cert_issue_params *);
        int code;
        const char *msg;
    } rows[] = {
        { "no CN", no_cn, SC_EINVAL, "a common name (CN) is required" },
        { "country", bad_c, SC_EINVAL, "C \"China\": two capital letters" },
        { "reversed validity", reversed, SC_EINVAL, "is not after notBefore" },
        { "outlives the CA", past_ca, SC_EINVAL, "outside the CA certificate's" },
        { "negative serial", neg_sn, SC_EINVAL, "serial: negative" },
        { "zero serial", zero_sn, SC_EINVAL, "serial: zero" },
        { "21-byte serial", long_sn, SC_EINVAL, "21 bytes, allowed 1..20" },
        { "P-256 key", p256, SC_EUNSUPPORTED, "not an SM2 key" },
        { "not an SPKI", garbage, SC_EFORMAT, "not a DER SubjectPublicKeyInfo" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sc_cert_issue_params p = base();
        sc_err err = SC_ERR_INIT;
        uint8_t *der = NULL;
        size_t len = 0;
        rows[i].apply(&p);
        int rc = sc_cert_issue(&der, &len, &p, g.ca_key, g.ca, g.ca_len, &err);
        if (rc != rows[i].code || strstr(err.msg, rows[i].msg) == NULL || der != NULL)
            fail_msg("%s: got %d \"%s\"", rows[i].name, rc, err.msg);
    }
}

static void cert_issue__refuses_a_wrong_ca(void **state)
{
    sc_cert_issue_params p = base();
    sc_err err = SC_ERR_INIT;
    uint8_t *der = NULL;
    size_t len = 0;

    (void)state;
    /* the maker's key with the CA's certificate */
    assert_int_equal(sc_cert_issue(&der, &len, &p, g.maker_key, g.ca, g.ca_len, &err),
                     SC_EINVAL);
    assert_non_null(strstr(err.msg, "CA key: the private key does not belong"));
    /* a leaf as the CA */
    sc_err_clear(&err);
    sc_key *prov = sc_test_key(sc_test_pki(), "signer-prov");
    assert_int_equal(sc_cert_issue(&der, &len, &p, prov, g.prov, g.prov_len, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "not a CA"));
    assert_null(der);
    sc_key_free(prov);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cert_issue__chains_to_the_dev_root),
        cmocka_unit_test(cert_issue__profile_matches_make_dev_pki),
        cmocka_unit_test(cert_issue__signs_through_any_key_backend),
        cmocka_unit_test(cert_issue__uses_the_given_serial),
        cmocka_unit_test(cert_issue__common_name_limit_64_characters),
        cmocka_unit_test(cert_issue__refuses_each_bad_parameter),
        cmocka_unit_test(cert_issue__refuses_a_wrong_ca),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

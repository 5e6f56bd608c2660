/* test_pkcs7.c: GB/T 35275 / GM/T 0010 SignedData (pkcs7/pkcs7_int.h) as a real producer
 * writes it. The two railway tickets (vectors/vendors: detached, GM OIDs, authenticated
 * attributes) are read out of their OFD packages and verified against the Signature.xml they
 * protect, then damaged one way at a time (data, signature value, messageDigest, OIDs, every
 * truncation, every byte flipped). Variants the tickets do not show, and sc__p7_sign:
 * test_pkcs7_sign.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "p7_test.h"
#include "pkcs7/pkcs7_int.h"
#include "sealcore/ofd.h"
#include "sealcore/trust.h"
#include "testutil.h"

#define RAILWAY_SIGNER "电子发票（铁路电子客票）"
#define NO_TRUST "no trust anchors were given"

typedef struct vec {
    const char *file, *signed_at;   /* signingTime attribute, as asn1parse shows it */
    uint8_t *sv, *xml;              /* SignedValue.dat and the Signature.xml it signs */
    size_t sv_len, xml_len;
} vec;

static struct {
    sc_trust *trust;   /* the development PKI's: not the tickets' */
    vec v[2];
} g = { .v = { { "vendors/railway-ticket-exchange.ofd", "2022-03-17T07:20:54Z" },
               { "vendors/railway-ticket-refund.ofd", "2022-03-17T08:09:27Z" } } };

/* ---- fixtures ---------------------------------------------------------------------------- */

static int ends_with(const char *s, const char *end)
{
    size_t n = strlen(s), m = strlen(end);
    return n >= m && strcmp(s + n - m, end) == 0;
}

/* The signature value entry (SignedValue.dat, or SignValue.dat as some vendors name it) and
 * Signature.xml beside it, read through the package reader. */
static int load_vector(vec *v)
{
    uint8_t *zip = NULL;
    size_t zip_len, i, n, xi;
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;
    char dir[1024];
    int rc = -1;

    if (sc_test_read(sc_test_path(sc_test_vectors(), v->file), &zip, &zip_len) != 0 ||
        sc_ofd_pkg_open_mem(&pkg, zip, zip_len, &err) != 0)
        goto out;
    n = sc_ofd_pkg_count(pkg);
    for (i = 0; i < n; i++) {
        const char *name = sc_ofd_pkg_name(pkg, i);
        if (ends_with(name, "/SignedValue.dat") || ends_with(name, "/SignValue.dat"))
            break;
    }
    if (i == n)
        goto out;
    snprintf(dir, sizeof(dir), "%s", sc_ofd_pkg_name(pkg, i));
    *strrchr(dir, '/') = '\0';
    if (sc_ofd_pkg_find(pkg, dir, "Signature.xml", &xi, &err) != 0 ||
        sc_ofd_pkg_read(pkg, i, 1 << 20, &v->sv, &v->sv_len, &err) != 0 ||
        sc_ofd_pkg_read(pkg, xi, 1 << 20, &v->xml, &v->xml_len, &err) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", v->file, err.msg);
    sc_ofd_pkg_free(pkg);
    free(zip);
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    if ((g.trust = dev_trust(sc_test_pki())) == NULL || load_vector(&g.v[0]) != 0 ||
        load_vector(&g.v[1]) != 0)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    sc_trust_free(g.trust);
    for (int i = 0; i < 2; i++)
        free(g.v[i].sv), free(g.v[i].xml);
    return 0;
}

/* ---- the railway tickets ----------------------------------------------------------------- */

static void p7_verify_item__railway_tickets_pass_without_trust(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        vec *v = &g.v[i];
        sc_report *rep = verify(v->sv, v->sv_len, v->xml, v->xml_len, NULL, 0);
        const sc_item *it = item0(rep);
        /* signer_cert is judged at the signingTime attribute; the certificate is valid
         * 2022-03-10T05:04:55Z .. 2027-03-10T05:04:55Z with digitalSignature+nonRepudiation */
        expect_all_pass(rep, SC_RESULT_SKIPPED, NO_TRUST);
        assert_string_equal(it->kind, "signature");
        assert_int_equal(it->version, 1);
        assert_string_equal(it->signer, RAILWAY_SIGNER);
        assert_int_equal(it->has_time, 1);
        assert_int_equal(it->sign_time, sc_test_time(v->signed_at));
        assert_int_equal(sc_report_exit_code(rep), 1);   /* not valid: nothing was chained */
        sc_report_free(rep);
    }
}

static void p7_verify_item__railway_signer_cert_judged_at_the_given_time(void **state)
{
    vec *v = &g.v[0];
    static const struct { const char *at; sc_result want; } rows[] = {
        { "2022-03-10T05:04:54Z", SC_RESULT_FAILED },   /* a second before notBefore */
        { "2022-03-10T05:04:55Z", SC_RESULT_PASSED },
        { "2027-03-10T05:04:54Z", SC_RESULT_PASSED },
        { "2027-03-10T05:04:55Z", SC_RESULT_FAILED },   /* notAfter itself is expired */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sc_report *rep = verify(v->sv, v->sv_len, v->xml, v->xml_len, NULL,
                                sc_test_time(rows[i].at));
        char frag[200];
        snprintf(frag, sizeof(frag), "valid from 2022-03-10T05:04:55Z to 2027-03-10T05:04:55Z, "
                 "not at %s", rows[i].at);
        expect(rep, SC_CHECK_SIGNER_CERT, rows[i].want,
               rows[i].want == SC_RESULT_FAILED ? frag : NULL);
        expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);
        sc_report_free(rep);
    }
}

static void p7_verify_item__railway_untrusted_root_fails_cert_chain(void **state)
{
    vec *v = &g.v[1];
    sc_report *rep;

    (void)state;
    rep = verify(v->sv, v->sv_len, v->xml, v->xml_len, g.trust, 0);
    expect(rep, SC_CHECK_CERT_CHAIN, SC_RESULT_FAILED,
           "signer certificate at 2022-03-17T08:09:27Z");
    expect(rep, SC_CHECK_SIGNER_CERT, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_PASSED, NULL);
    sc_report_free(rep);
}

static void p7_verify_item__railway_changed_data_fails_data_hash(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        vec *v = &g.v[i];
        uint8_t *xml = dup_bytes(v->xml, v->xml_len);
        xml[v->xml_len / 2] ^= 0x01;
        sc_report *rep = verify(v->sv, v->sv_len, xml, v->xml_len, NULL, 0);
        expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, "SignedData.signerInfos[0]."
               "authenticatedAttributes: messageDigest does not match SM3 of the signed data "
               "(Signature.xml): the data changed after it was signed");
        expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);   /* attributes intact */
        expect(rep, SC_CHECK_STRUCTURE, SC_RESULT_PASSED, NULL);
        sc_report_free(rep);
        free(xml);
    }
}

static void p7_verify_item__railway_changed_signature_fails_signer_signature(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        vec *v = &g.v[i];
        uint8_t *sv = dup_bytes(v->sv, v->sv_len);
        sv[v->sv_len - 1] ^= 0x01;   /* encryptedDigest ends the file: the last byte of s */
        sc_report *rep = verify(sv, v->sv_len, v->xml, v->xml_len, NULL, 0);
        expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_FAILED, "signer signature:");
        expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_PASSED, NULL);
        expect(rep, SC_CHECK_STRUCTURE, SC_RESULT_PASSED, NULL);
        sc_report_free(rep);
        free(sv);
    }
}

static void p7_verify_item__railway_changed_message_digest_fails_both(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        vec *v = &g.v[i];
        uint8_t h[32];
        unsigned int hl = 0;
        uint8_t *sv = dup_bytes(v->sv, v->sv_len);
        assert_true(EVP_Digest(v->xml, v->xml_len, h, &hl, EVP_sm3(), NULL));
        uint8_t *md = (uint8_t *)find(sv, v->sv_len, h, 32);   /* messageDigest = SM3(xml) */
        assert_non_null(md);
        md[31] ^= 0x80;
        sc_report *rep = verify(sv, v->sv_len, v->xml, v->xml_len, NULL, 0);
        expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, "messageDigest does not match");
        expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_FAILED, "signer signature:");
        sc_report_free(rep);
        free(sv);
    }
}

static void p7_verify_item__railway_truncated_at_every_length_fails_structure(void **state)
{
    vec *v = &g.v[0];
    char frag[120];

    (void)state;
    for (size_t n = 0; n < v->sv_len; n++) {
        sc_report *rep = verify(v->sv, n, v->xml, v->xml_len, NULL, 0);
        expect_unreadable(rep, n < 2 ? "ContentInfo: " : n < 4 ? "truncated inside the length"
                                                              : "exceeds the");
        sc_report_free(rep);
    }
    sc_report *rep = verify(v->sv, v->sv_len - 1, v->xml, v->xml_len, NULL, 0);
    snprintf(frag, sizeof(frag), "ContentInfo: length %zu exceeds the %zu bytes available",
             v->sv_len - 4, v->sv_len - 5);
    expect_unreadable(rep, frag);
    sc_report_free(rep);
}

/* One byte changed at an offset of railway-ticket-exchange's SignedValue.dat (offsets from
 * `openssl asn1parse -i`); from is checked first, so a moved offset fails loudly. */
static const struct tamper {
    const char *name;
    size_t off;
    uint8_t from, to;
    const char *msg;
} tampers[] = {
    { "SET, not SEQUENCE", 0, 0x30, 0x31, "ContentInfo: expected tag 0x30, found 0x31" },
    { "envelopedData", 15, 0x02, 0x03, "ContentInfo.contentType: 1.2.156.10197.6.1.4.2.3 is "
      "not signedData (1.2.156.10197.6.1.4.2.2 or 1.2.840.113549.1.7.2)" },
    { "version 9", 26, 0x01, 0x09, "SignedData.version: 9, expected 1..5" },
    { "digestAlgorithms SM3 -> .402", 40, 0x11, 0x12, "SignedData.digestAlgorithms: SM3 "
      "(1.2.156.10197.1.401), the signer's digest algorithm, is not listed" },
    { "NULL with content", 42, 0x00, 0x01, "SignedData.digestAlgorithms: length 1 exceeds" },
    { "content type encryptedData", 56, 0x01, 0x05, "SignedData.contentInfo.contentType: "
      "1.2.156.10197.6.1.4.2.5 is not data" },
    { "other serial", 963, 0x95, 0x96, "SignedData.certificates: no certificate matches "
      "SignedData.signerInfos[0].issuerAndSerialNumber" },
    { "digestAlgorithm .402", 975, 0x11, 0x12, "SignedData.signerInfos[0].digestAlgorithm: "
      "1.2.156.10197.1.402 is not SM3 (1.2.156.10197.1.401)" },
    { "contentType attribute", 1006, 0x01, 0x05, "SignedData.signerInfos[0]."
      "authenticatedAttributes: contentType 1.2.156.10197.6.1.4.2.5 differs from SignedData."
      "contentInfo.contentType 1.2.156.10197.6.1.4.2.1" },
    { "signingTime month 13", 1026, '0', '1', "authenticatedAttributes.signingTime: malformed "
      "time \"221317072054Z\"" },
    { "no messageDigest", 1049, 0x04, 0x06, "SignedData.signerInfos[0].authenticatedAttributes: "
      "no messageDigest attribute" },
    { "SM2-3 encryption", 1098, 0x01, 0x03, "SignedData.signerInfos[0]."
      "digestEncryptionAlgorithm: 1.2.156.10197.1.301.3 is not SM2" },
    { "encryptedDigest BIT STRING", 1101, 0x04, 0x03, "SignedData.signerInfos[0]."
      "encryptedDigest: expected tag 0x04, found 0x03" },
};

static void p7_verify_item__railway_rejects_each_tamper(void **state)
{
    vec *v = &g.v[0];

    (void)state;
    for (size_t i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++) {
        const struct tamper *t = &tampers[i];
        uint8_t *sv = dup_bytes(v->sv, v->sv_len);
        if (sv[t->off] != t->from)
            fail_msg("%s: byte %zu is 0x%02x, not 0x%02x", t->name, t->off, sv[t->off], t->from);
        sv[t->off] = t->to;
        sc_report *rep = verify(sv, v->sv_len, v->xml, v->xml_len, NULL, 0);
        const char *why = NULL;
        if (sc_report_get_check(rep, 0, SC_CHECK_STRUCTURE, &why) != SC_RESULT_FAILED ||
            why == NULL || strstr(why, t->msg) == NULL)
            fail_msg("%s: got \"%s\"", t->name, why ? why : "(none)");
        expect_unreadable(rep, t->msg);
        sc_report_free(rep);
        free(sv);
    }
}

static void p7_verify_item__railway_trailing_byte_fails_structure(void **state)
{
    vec *v = &g.v[0];
    uint8_t *sv = dup_bytes(v->sv, v->sv_len);
    sc_report *rep;

    (void)state;
    sv[v->sv_len] = 0;
    rep = verify(sv, v->sv_len + 1, v->xml, v->xml_len, NULL, 0);
    expect_unreadable(rep, "ContentInfo: 1 bytes of trailing data");
    sc_report_free(rep);
    free(sv);
}

/* Whatever byte changes, the reader answers (ASan/UBSan watch) and only a change inside
 * SignedData.certificates (bytes 57..863: the certificate's own signature is the chain
 * check's business) can leave every other check passing. */
static void p7_verify_item__railway_every_byte_flipped_is_caught(void **state)
{
    vec *v = &g.v[0];
    uint8_t *sv = dup_bytes(v->sv, v->sv_len);

    (void)state;
    for (size_t i = 0; i < v->sv_len; i++) {
        sv[i] ^= 0xff;
        sc_report *rep = verify(sv, v->sv_len, v->xml, v->xml_len, NULL, 0);
        int all = 1;
        for (sc_check c = SC_CHECK_STRUCTURE; c <= SC_CHECK_DATA_HASH; c++)
            if (c != SC_CHECK_CERT_CHAIN && c != SC_CHECK_SIGNER_IN_SEAL &&
                c != SC_CHECK_SEAL_SIGNATURE && c != SC_CHECK_SEAL_VALIDITY)
                all &= sc_report_get_check(rep, 0, c, NULL) == SC_RESULT_PASSED;
        assert_int_not_equal(sc_report_get_check(rep, 0, SC_CHECK_STRUCTURE, NULL),
                             SC_RESULT_NONE);
        if (all && (i < 57 || i >= 864))
            fail_msg("byte %zu flipped and every check still passes", i);
        sc_report_free(rep);
        sv[i] ^= 0xff;
    }
    free(sv);
}

static void p7_verify_item__size_limit_at_n_and_n_plus_1(void **state)
{
    vec *v = &g.v[0];
    uint8_t *big = calloc(1, SC_P7_MAX_DER + 1);
    sc_report *rep;

    (void)state;
    assert_non_null(big);
    memcpy(big, v->sv, v->sv_len);
    rep = verify(big, SC_P7_MAX_DER, v->xml, v->xml_len, NULL, 0);   /* read, then rejected */
    expect_unreadable(rep, "ContentInfo: 1047403 bytes of trailing data");
    sc_report_free(rep);
    rep = verify(big, SC_P7_MAX_DER + 1, v->xml, v->xml_len, NULL, 0);
    expect_unreadable(rep, "SignedData: 1048577 bytes, at most 1048576");
    sc_report_free(rep);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(p7_verify_item__railway_tickets_pass_without_trust),
        cmocka_unit_test(p7_verify_item__railway_signer_cert_judged_at_the_given_time),
        cmocka_unit_test(p7_verify_item__railway_untrusted_root_fails_cert_chain),
        cmocka_unit_test(p7_verify_item__railway_changed_data_fails_data_hash),
        cmocka_unit_test(p7_verify_item__railway_changed_signature_fails_signer_signature),
        cmocka_unit_test(p7_verify_item__railway_changed_message_digest_fails_both),
        cmocka_unit_test(p7_verify_item__railway_truncated_at_every_length_fails_structure),
        cmocka_unit_test(p7_verify_item__railway_rejects_each_tamper),
        cmocka_unit_test(p7_verify_item__railway_trailing_byte_fails_structure),
        cmocka_unit_test(p7_verify_item__railway_every_byte_flipped_is_caught),
        cmocka_unit_test(p7_verify_item__size_limit_at_n_and_n_plus_1),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* test_ses_vectors.c: the ofdrw vectors (../shared/vectors/ofdrw, MANIFEST.md) read and verified.
 * Parsing: every field of UserV1/V4/V5/V5_ts.esl and SignedValueV4/V5.dat against the values
 * `openssl asn1parse -inform DER -i` shows, and the spans (TBS, certificates, signature values)
 * against their byte offsets in the files. Verification: the results MANIFEST.md promises, the
 * chain check without anchors (skipped, exit 1) and with root-not-a-ca.pem (failed), dataHash,
 * seal validity, sc_ses_seal_lists_cert, and an independent check of the maker signature by
 * `openssl pkeyutl`. Tampered copies of these files are in test_ses_tamper.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sealcore/ses.h"
#include "sealcore/time.h"
#include "sealcore/trust.h"
#include "sealcore/verify.h"
#include "testutil.h"

#define SM2_SM3 "1.2.156.10197.1.501"

/* ---- fixtures ---------------------------------------------------------------------------- */

static const char *vdir(void)
{
    return sc_test_path(sc_test_vectors(), "ofdrw");
}

static uint8_t *load(const char *name, size_t *len)
{
    uint8_t *buf = NULL;

    if (sc_test_read(sc_test_path(vdir(), name), &buf, len) != 0)
        fail_msg("cannot read vector %s/%s", vdir(), name);
    return buf;
}

static sc_ses_seal *seal_of(const char *name)
{
    size_t len;
    uint8_t *der = load(name, &len);
    sc_ses_seal *seal = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = sc_ses_seal_parse(&seal, der, len, &err);

    free(der);
    if (rc != 0)
        fail_msg("%s: %d %s", name, rc, err.msg);
    return seal;
}

static sc_ses_sig *sig_of(const char *name)
{
    size_t len;
    uint8_t *der = load(name, &len);
    sc_ses_sig *sig = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = sc_ses_sig_parse(&sig, der, len, &err);

    free(der);
    if (rc != 0)
        fail_msg("%s: %d %s", name, rc, err.msg);
    return sig;
}

/* The span (p, n) equals bytes [off, off + want_len) of the vector file. */
static void assert_file_span(const char *name, const uint8_t *p, size_t n, size_t off,
                             size_t want_len)
{
    size_t len;
    uint8_t *file = load(name, &len);

    assert_non_null(p);
    assert_int_equal(n, want_len);
    assert_true(off + want_len <= len);
    assert_memory_equal(p, file + off, want_len);
    free(file);
}

/* The span equals the DER of one of the certificates next to the vectors ("user-cert", …). */
static void assert_is_cert(const uint8_t *p, size_t n, const char *pem_name)
{
    size_t len;
    uint8_t *der = sc_test_cert(vdir(), pem_name, &len);

    assert_non_null(der);
    assert_non_null(p);
    assert_int_equal(n, len);
    assert_memory_equal(p, der, len);
    free(der);
}

static sc_trust *trust_of(const char *pem_name)
{
    size_t len;
    uint8_t *pem = load(pem_name, &len);
    sc_trust *t = NULL;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_trust_new(&t, &err), 0);
    if (sc_trust_add(t, pem, len, 1, &err) != 0)
        fail_msg("sc_trust_add(%s): %s", pem_name, err.msg);
    assert_int_equal(sc_trust_anchor_count(t), 1);
    free(pem);
    return t;
}

static sc_report *verify_file(const char *name, const sc_verify_opts *o)
{
    size_t len;
    uint8_t *der = load(name, &len);
    sc_report *rep = NULL;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_report_new(&rep, name, NULL, &err), 0);
    if (sc_verify_der(rep, der, len, o, &err) != 0)
        fail_msg("sc_verify_der(%s): %s", name, err.msg);
    free(der);
    assert_int_equal(sc_report_item_count(rep), 1);
    return rep;
}

static void expect(const sc_report *rep, sc_check c, sc_result want, const char *frag)
{
    char m[1200];

    if (!sc_test_check_is(rep, 0, c, want, frag, m, sizeof(m)))
        fail_msg("%s", m);
}

/* Every check of item 0 at once, in sc_check order; seal_status is skipped in every test here
 * (no status response is given; test_verify_status.c covers it). */
static void expect_all(const sc_report *rep, const sc_result want[SC_CHECK_COUNT])
{
    for (int c = 0; c < SC_CHECK_COUNT; c++)
        expect(rep, (sc_check)c, c == SC_CHECK_SEAL_STATUS ? SC_RESULT_SKIPPED : want[c], NULL);
}

#define N_ SC_RESULT_NONE
#define P_ SC_RESULT_PASSED
#define F_ SC_RESULT_FAILED
#define S_ SC_RESULT_SKIPPED

/* structure, signer_signature, signer_cert, cert_chain, signer_in_seal, seal_signature,
 * seal_validity, data_hash, timestamp */
static const sc_result seal_ok_no_trust[SC_CHECK_COUNT] = { P_, N_, N_, S_, N_, P_, P_, N_, N_ };

static const uint8_t zero_sm3[32];

/* ---- parsing: seals ---------------------------------------------------------------------- */

/* What `openssl asn1parse -inform DER -i` shows for each seal; offsets are of contents. In every
 * vector createDate = validStart, type is 3 (V1: 1), the picture a 15693-byte PNG of 40×40 mm,
 * the certificate list the one certificate user-cert.pem, the maker sealbuilder-cert.pem. */
struct seal_want {
    const char *file;
    int layout;
    const char *vid, *es_id, *name;
    int64_t type;
    const char *valid_start, *valid_end;
    size_t picture_off;
    size_t tbs_off, tbs_len;      /* V4/V5: SES_SealInfo as read (V1: rebuilt, tested apart) */
    size_t maker_off;             /* maker certificate (526 bytes) */
    size_t value_off, value_len;  /* signedValue after its unused-bits octet */
    int has_timestamp;
};

static const struct seal_want want_v1 = {
    "UserV1.esl", 1, "OFDR&WTest", "40C8CDD24DEF43388B86E62CCE1D6832", "OFDRW测试用印章", 1,
    "2020-04-22T02:18:07Z", "2022-04-22T02:18:07Z",   /* UTCTime 200422021807Z, 220422021807Z */
    686, 0, 0, 16393, 16932, 72, 0 };
static const struct seal_want want_v4 = {
    "UserV4.esl", 4, "OFDR&WTest", "51f044b76510434e9bc67a1185c2fba5", "OFD R&W 测试用印章", 3,
    "2020-04-22T02:09:00Z", "2022-04-22T02:09:00Z", 698, 4, 16393, 16401, 16940, 71, 0 };
static const struct seal_want want_v5 = {
    "UserV5.esl", 5, "OFDR&WTestV5", "09aaf39291e049e4b3d716414590937e",
    "OFD R&W V5测试用印章", 3,
    "2026-04-24T08:53:23Z", "2028-04-24T08:53:23Z", 702, 4, 16397, 16405, 16944, 72, 0 };
static const struct seal_want want_v5_ts = {
    "UserV5_ts.esl", 5, "OFDR&WTestV5", "55a4a957189a48f596706fb431e962c5",
    "OFD R&W V5测试用印章", 3,
    "2026-04-24T08:53:22Z", "2028-04-24T08:53:22Z", 702, 4, 16397, 16405, 16944, 70, 1 };

static void check_seal(const struct seal_want *w)
{
    sc_ses_seal *seal = seal_of(w->file);
    const sc_ses_seal_info *i = sc_ses_seal_get_info(seal);
    const char *dtype = "unset";
    size_t n, flen;
    const uint8_t *p;

    assert_int_equal(i->layout, w->layout);
    assert_int_equal(i->version, w->layout);
    assert_string_equal(i->header_id, "ES");
    assert_string_equal(i->vid, w->vid);
    assert_string_equal(i->es_id, w->es_id);
    assert_int_equal(i->type, w->type);
    assert_string_equal(i->name, w->name);
    assert_int_equal(i->cert_list_type, 1);
    assert_int_equal(i->cert_count, 1);
    assert_int_equal(i->created, sc_test_time(w->valid_start));
    assert_int_equal(i->valid_start, sc_test_time(w->valid_start));
    assert_int_equal(i->valid_end, sc_test_time(w->valid_end));
    assert_string_equal(i->picture_type, "PNG");
    assert_int_equal(i->width_mm, 40);
    assert_int_equal(i->height_mm, 40);
    assert_int_equal(i->ext_count, 0);
    assert_string_equal(i->sig_alg, SM2_SM3);
    assert_int_equal(i->has_timestamp, w->has_timestamp);
    assert_file_span(w->file, i->picture, i->picture_len, w->picture_off, 15693);
    if (w->tbs_len != 0) {
        p = sc_ses_seal_get_tbs(seal, &n);
        assert_file_span(w->file, p, n, w->tbs_off, w->tbs_len);
    }
    p = sc_ses_seal_get_maker_cert(seal, &n);
    assert_is_cert(p, n, "sealbuilder-cert");
    assert_file_span(w->file, p, n, w->maker_off, 526);
    p = sc_ses_seal_get_cert(seal, 0, &n, &dtype);
    assert_is_cert(p, n, "user-cert");
    assert_null(dtype);   /* a list of certificates, not of digests */
    assert_null(sc_ses_seal_get_cert(seal, 1, &n, NULL));
    p = sc_ses_seal_get_signature(seal, &n);
    assert_file_span(w->file, p, n, w->value_off, w->value_len);
    p = sc_ses_seal_get_der(seal, &n);
    uint8_t *file = load(w->file, &flen);
    assert_int_equal(n, flen);
    assert_memory_equal(p, file, flen);
    free(file);
    if (!w->has_timestamp)
        assert_null(sc_ses_seal_get_timestamp(seal, &n));
    sc_ses_seal_free(seal);
}

static void ses_seal_parse__v1_reads_every_field(void **state)
{
    (void)state;
    check_seal(&want_v1);
}

/* V1: the maker signed SEQUENCE{SES_SealInfo [4,16385), cert [16389,16919), alg [16919,16929)},
 * rebuilt with a new header for 16381 + 530 + 10 = 16921 = 0x4219 content bytes. */
static void ses_seal_parse__v1_tbs_is_rebuilt_from_original_bytes(void **state)
{
    static const uint8_t hdr[4] = { 0x30, 0x82, 0x42, 0x19 };
    sc_ses_seal *seal = seal_of("UserV1.esl");
    size_t len, flen;
    const uint8_t *tbs = sc_ses_seal_get_tbs(seal, &len);
    uint8_t *file = load("UserV1.esl", &flen);

    (void)state;
    assert_int_equal(len, 4 + 16921);
    assert_memory_equal(tbs, hdr, 4);
    assert_memory_equal(tbs + 4, file + 4, 16381);
    assert_memory_equal(tbs + 4 + 16381, file + 16389, 530 + 10);
    free(file);
    sc_ses_seal_free(seal);
}

static void ses_seal_parse__v4_reads_every_field(void **state)
{
    (void)state;
    check_seal(&want_v4);
}

static void ses_seal_parse__v5_reads_every_field(void **state)
{
    (void)state;
    check_seal(&want_v5);
}

/* The file ends a0 06 03 04 00 01 02 03: [0] EXPLICIT BIT STRING, unused bits 0, token 01 02 03. */
static void ses_seal_parse__v5_ts_reads_the_dummy_token(void **state)
{
    static const uint8_t token[3] = { 0x01, 0x02, 0x03 };
    sc_ses_seal *seal = seal_of("UserV5_ts.esl");
    size_t n;
    const uint8_t *p = sc_ses_seal_get_timestamp(seal, &n);

    (void)state;
    check_seal(&want_v5_ts);
    assert_non_null(p);
    assert_int_equal(n, sizeof(token));
    assert_memory_equal(p, token, sizeof(token));
    assert_file_span("UserV5_ts.esl", p, n, 17019, 3);
    sc_ses_seal_free(seal);
}

/* ---- parsing: signatures ----------------------------------------------------------------- */

/* As asn1parse shows them; both carry dataHash = 32 zero bytes and propertyInfo
 * /Doc_0/Signs/Sign_0/Signature.xml, signer user-cert.pem, no timeStamp, no extDatas. */
struct sig_want {
    const char *file;
    int layout;
    const char *sign_time, *seal_es_id;
    size_t seal_len;                   /* the embedded seal, at offset 11 */
    size_t tbs_len;                    /* TBS_Sign, at offset 4 */
    size_t hash_off, cert_off;         /* dataHash (after its unused-bits octet), signer cert */
    size_t value_off, value_len;       /* signature value */
};

static const struct sig_want want_sig_v4 = { "SignedValueV4.dat", 4, "2020-10-12T11:14:03Z",
    "51f044b76510434e9bc67a1185c2fba5", 17011, 17105, 17042, 17113, 17654, 72 };
static const struct sig_want want_sig_v5 = { "SignedValueV5.dat", 5, "2026-04-24T08:53:26Z",
    "309093c121454e56955f3be47ff728a3", 17015, 17109, 17046, 17117, 17658, 71 };

static void check_sig(const struct sig_want *w)
{
    sc_ses_sig *sig = sig_of(w->file);
    const sc_ses_sig_info *i = sc_ses_sig_get_info(sig);
    const sc_ses_seal *seal = sc_ses_sig_get_seal(sig);
    size_t n;
    const uint8_t *p;

    assert_int_equal(i->layout, w->layout);
    assert_int_equal(i->version, w->layout);
    assert_int_equal(i->has_sign_time, 1);
    assert_int_equal(i->sign_time, sc_test_time(w->sign_time));
    assert_string_equal(i->property_info, "/Doc_0/Signs/Sign_0/Signature.xml");
    assert_string_equal(i->sig_alg, SM2_SM3);
    assert_null(i->timestamp);
    assert_int_equal(i->timestamp_len, 0);
    assert_int_equal(i->ext_count, 0);
    assert_int_equal(i->data_hash_len, 32);
    assert_memory_equal(i->data_hash, zero_sm3, 32);
    assert_file_span(w->file, i->data_hash, i->data_hash_len, w->hash_off, 32);
    assert_int_equal(sc_ses_seal_get_info(seal)->layout, w->layout);
    assert_string_equal(sc_ses_seal_get_info(seal)->es_id, w->seal_es_id);
    p = sc_ses_seal_get_der(seal, &n);
    assert_file_span(w->file, p, n, 11, w->seal_len);
    p = sc_ses_sig_get_tbs(sig, &n);
    assert_file_span(w->file, p, n, 4, w->tbs_len);
    p = sc_ses_sig_get_signer_cert(sig, &n);
    assert_is_cert(p, n, "user-cert");
    assert_file_span(w->file, p, n, w->cert_off, 528);
    p = sc_ses_sig_get_signature(sig, &n);
    assert_file_span(w->file, p, n, w->value_off, w->value_len);
    sc_ses_sig_free(sig);
}

static void ses_sig_parse__v4_reads_every_field(void **state)
{
    (void)state;
    check_sig(&want_sig_v4);
}

/* SignedValueV4 embeds UserV4.esl verbatim at [11, 11 + 17011). */
static void ses_sig_parse__v4_embeds_userv4_byte_for_byte(void **state)
{
    sc_ses_sig *sig = sig_of("SignedValueV4.dat");
    size_t n, flen;
    const uint8_t *p = sc_ses_seal_get_der(sc_ses_sig_get_seal(sig), &n);
    uint8_t *file = load("UserV4.esl", &flen);

    (void)state;
    assert_int_equal(n, flen);
    assert_memory_equal(p, file, flen);
    free(file);
    sc_ses_sig_free(sig);
}

/* SignedValueV5 embeds a V5 seal of its own (esID 309093c1…), not UserV5.esl. */
static void ses_sig_parse__v5_reads_every_field(void **state)
{
    (void)state;
    check_sig(&want_sig_v5);
}

/* ---- verification (no anchors unless the name says so) ----------------------------------- */

/* Verify file: every check of its item as in want, the reason of check c containing frag (if
 * any), and exit code 1 (nothing checked against anchors, or something failed). */
static void verify_expect(const char *file, const sc_verify_opts *o,
                          const sc_result want[SC_CHECK_COUNT], sc_check c, const char *frag)
{
    sc_report *rep = verify_file(file, o);

    expect_all(rep, want);
    if (frag != NULL)
        expect(rep, c, want[c], frag);
    assert_int_equal(sc_report_exit_code(rep), 1);
    assert_int_equal(sc_report_valid(rep), 0);
    sc_report_free(rep);
}

static void verify_der__v1_seal_passes_every_check_but_the_chain(void **state)
{
    sc_verify_opts o = { .at = sc_test_time("2020-10-12T12:00:00Z") };

    (void)state;
    verify_expect("UserV1.esl", &o, seal_ok_no_trust, SC_CHECK_CERT_CHAIN, "no trust anchors");
}

static void verify_der__v4_seal_passes_every_check_but_the_chain(void **state)
{
    sc_verify_opts o = { .at = sc_test_time("2020-10-12T12:00:00Z") };

    (void)state;
    verify_expect("UserV4.esl", &o, seal_ok_no_trust, SC_CHECK_CERT_CHAIN, "no trust anchors");
}

static void verify_der__v5_seal_without_token_skips_the_timestamp(void **state)
{
    static const sc_result want[SC_CHECK_COUNT] = { P_, N_, N_, S_, N_, P_, P_, N_, S_ };
    sc_verify_opts o = { .at = sc_test_time("2026-05-01T00:00:00Z") };

    (void)state;
    verify_expect("UserV5.esl", &o, want, SC_CHECK_TIMESTAMP, "no time-stamp token present");
}

static void verify_der__v5_seal_dummy_token_fails_the_timestamp(void **state)
{
    static const sc_result want[SC_CHECK_COUNT] = { P_, N_, N_, S_, N_, P_, P_, N_, F_ };
    sc_verify_opts o = { .at = sc_test_time("2026-05-01T00:00:00Z") };

    (void)state;
    verify_expect("UserV5_ts.esl", &o, want, SC_CHECK_TIMESTAMP, "not a valid time-stamp token");
}

static void verify_der__v4_seal_fails_validity_after_valid_end(void **state)
{
    sc_verify_opts o = { .at = sc_test_time("2023-01-01T00:00:00Z") };
    sc_report *rep = verify_file("UserV4.esl", &o);

    (void)state;
    expect(rep, SC_CHECK_SEAL_VALIDITY, SC_RESULT_FAILED,
           "valid from 2020-04-22T02:09:00Z to 2022-04-22T02:09:00Z, not at 2023-01-01T00:00:00Z");
    expect(rep, SC_CHECK_SEAL_SIGNATURE, SC_RESULT_PASSED, NULL);
    sc_report_free(rep);
}

/* Judged at its signing time (opts.at = 0); dataHash is 32 zero bytes, so SM3 = 0…0 matches. */
static void verify_der__v4_signature_passes_every_check_but_the_chain(void **state)
{
    static const sc_result want[SC_CHECK_COUNT] = { P_, P_, P_, S_, P_, P_, P_, P_, S_ };
    sc_verify_opts o = { .data_sm3 = zero_sm3 };

    (void)state;
    verify_expect("SignedValueV4.dat", &o, want, SC_CHECK_CERT_CHAIN,
                  "no trust anchors were given");
}

/* ofdrw signed it on 2026-04-24 with a signer certificate that expired on 2022-04-21. */
static void verify_der__v5_signature_fails_only_the_expired_signer_cert(void **state)
{
    static const sc_result want[SC_CHECK_COUNT] = { P_, P_, F_, S_, P_, P_, P_, P_, S_ };
    sc_verify_opts o = { .data_sm3 = zero_sm3 };

    (void)state;
    verify_expect("SignedValueV5.dat", &o, want, SC_CHECK_SIGNER_CERT,
                  "valid from 2020-04-21T14:39:08Z to 2022-04-21T14:39:08Z, "
                  "not at 2026-04-24T08:53:26Z");
}

static void verify_der__data_hash_is_skipped_without_data(void **state)
{
    sc_verify_opts o = { 0 };
    sc_report *rep = verify_file("SignedValueV4.dat", &o);

    (void)state;
    expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_SKIPPED, "the signed data was not given");
    sc_report_free(rep);
}

static void verify_der__data_hash_fails_for_another_sm3(void **state)
{
    uint8_t other[32] = { 0 };
    sc_verify_opts o = { .data_sm3 = other };
    sc_report *rep;

    (void)state;
    other[31] = 0x01;
    rep = verify_file("SignedValueV4.dat", &o);
    expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, "differs from dataHash");
    expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);
    sc_report_free(rep);
}

/* data wins over data_sm3; SM3 of any real data is not 32 zero bytes. */
static void verify_der__data_hash_fails_for_given_data(void **state)
{
    static const uint8_t data[] = "<Signature/>";
    sc_verify_opts o = { .data = data, .data_len = sizeof(data) - 1, .data_sm3 = zero_sm3 };
    sc_report *rep = verify_file("SignedValueV4.dat", &o);

    (void)state;
    expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, "differs from dataHash");
    sc_report_free(rep);
}

/* The chain check of file against the anchor root-not-a-ca.pem fails with frag in its reason,
 * while the signature check sig (which needs no anchor) still passes. */
static void chain_to_root_not_a_ca(const char *file, sc_verify_opts *o, const char *frag,
                                   sc_check sig)
{
    sc_trust *t = trust_of("root-not-a-ca.pem");
    sc_report *rep;

    o->trust = t;
    rep = verify_file(file, o);
    expect(rep, SC_CHECK_CERT_CHAIN, SC_RESULT_FAILED, frag);
    expect(rep, sig, SC_RESULT_PASSED, NULL);
    assert_int_equal(sc_report_exit_code(rep), 1);
    sc_report_free(rep);
    sc_trust_free(t);
}

static void verify_der__chain_with_root_not_a_ca_fails_for_a_seal(void **state)
{
    sc_verify_opts o = { .at = sc_test_time("2020-10-12T12:00:00Z") };

    (void)state;
    chain_to_root_not_a_ca("UserV4.esl", &o, "maker certificate at 2020-10-12T12:00:00Z: "
                           "invalid CA certificate", SC_CHECK_SEAL_SIGNATURE);
}

static void verify_der__chain_with_root_not_a_ca_fails_for_a_signature(void **state)
{
    sc_verify_opts o = { .data_sm3 = zero_sm3 };

    (void)state;
    chain_to_root_not_a_ca("SignedValueV4.dat", &o, "signer certificate at "
                           "2020-10-12T11:14:03Z: invalid CA certificate",
                           SC_CHECK_SIGNER_SIGNATURE);
}

/* ---- sc_ses_seal_lists_cert --------------------------------------------------------------- */

static const char *const seal_files[] = { "UserV1.esl", "UserV4.esl", "UserV5.esl",
                                          "UserV5_ts.esl" };

static void lists_cert_expect(const char *pem_name, int want)
{
    size_t len;
    uint8_t *der = sc_test_cert(vdir(), pem_name, &len);

    assert_non_null(der);
    for (size_t k = 0; k < sizeof(seal_files) / sizeof(seal_files[0]); k++) {
        sc_ses_seal *seal = seal_of(seal_files[k]);
        sc_err err = SC_ERR_INIT;
        int rc = sc_ses_seal_lists_cert(seal, der, len, &err);
        sc_ses_seal_free(seal);
        if (rc != want)
            fail_msg("%s lists %s: got %d, expected %d (%s)", seal_files[k], pem_name, rc, want,
                     err.msg);
    }
    free(der);
}

static void ses_seal_lists_cert__finds_the_signer(void **state)
{
    (void)state;
    lists_cert_expect("user-cert", 1);
}

static void ses_seal_lists_cert__does_not_find_the_maker(void **state)
{
    (void)state;
    lists_cert_expect("sealbuilder-cert", 0);
}

/* ---- independent cross-check with the openssl command -------------------------------------- */

/* Write TBS and signature value of UserV4 (flipping TBS byte flip_at unless SIZE_MAX) and run
 * openssl pkeyutl on them; returns its exit status. */
static int pkeyutl_verify_userv4(size_t flip_at)
{
    sc_ses_seal *seal = seal_of("UserV4.esl");
    const char *dir = sc_test_tmpdir();
    size_t tlen, slen;
    const uint8_t *tbs = sc_ses_seal_get_tbs(seal, &tlen);
    const uint8_t *sig = sc_ses_seal_get_signature(seal, &slen);
    uint8_t *copy = malloc(tlen);
    int rc;

    assert_non_null(copy);
    memcpy(copy, tbs, tlen);
    if (flip_at != SIZE_MAX)
        copy[flip_at] ^= 0x01;
    assert_int_equal(sc_test_write(sc_test_path(dir, "v4.tbs"), copy, tlen), 0);
    assert_int_equal(sc_test_write(sc_test_path(dir, "v4.sig"), sig, slen), 0);
    assert_int_equal(sc_test_sh("openssl x509 -in '%s' -pubkey -noout > '%s/maker-pub.pem'",
                                sc_test_path(vdir(), "sealbuilder-cert.pem"), dir), 0);
    rc = sc_test_sh("cd '%s' && openssl pkeyutl -verify -pubin -inkey maker-pub.pem -rawin "
                    "-digest sm3 -pkeyopt distid:1234567812345678 -in v4.tbs -sigfile v4.sig",
                    dir);
    free(copy);
    sc_ses_seal_free(seal);
    return rc;
}

static void ses_seal_get_tbs__verifies_with_openssl_pkeyutl(void **state)
{
    (void)state;
    assert_int_equal(pkeyutl_verify_userv4(SIZE_MAX), 0);
}

static void ses_seal_get_tbs__flipped_byte_fails_openssl_pkeyutl(void **state)
{
    (void)state;
    assert_int_not_equal(pkeyutl_verify_userv4(1000), 0);   /* inside the picture */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ses_seal_parse__v1_reads_every_field),
        cmocka_unit_test(ses_seal_parse__v1_tbs_is_rebuilt_from_original_bytes),
        cmocka_unit_test(ses_seal_parse__v4_reads_every_field),
        cmocka_unit_test(ses_seal_parse__v5_reads_every_field),
        cmocka_unit_test(ses_seal_parse__v5_ts_reads_the_dummy_token),
        cmocka_unit_test(ses_sig_parse__v4_reads_every_field),
        cmocka_unit_test(ses_sig_parse__v4_embeds_userv4_byte_for_byte),
        cmocka_unit_test(ses_sig_parse__v5_reads_every_field),
        cmocka_unit_test(verify_der__v1_seal_passes_every_check_but_the_chain),
        cmocka_unit_test(verify_der__v4_seal_passes_every_check_but_the_chain),
        cmocka_unit_test(verify_der__v5_seal_without_token_skips_the_timestamp),
        cmocka_unit_test(verify_der__v5_seal_dummy_token_fails_the_timestamp),
        cmocka_unit_test(verify_der__v4_seal_fails_validity_after_valid_end),
        cmocka_unit_test(verify_der__v4_signature_passes_every_check_but_the_chain),
        cmocka_unit_test(verify_der__v5_signature_fails_only_the_expired_signer_cert),
        cmocka_unit_test(verify_der__data_hash_is_skipped_without_data),
        cmocka_unit_test(verify_der__data_hash_fails_for_another_sm3),
        cmocka_unit_test(verify_der__data_hash_fails_for_given_data),
        cmocka_unit_test(verify_der__chain_with_root_not_a_ca_fails_for_a_seal),
        cmocka_unit_test(verify_der__chain_with_root_not_a_ca_fails_for_a_signature),
        cmocka_unit_test(ses_seal_lists_cert__finds_the_signer),
        cmocka_unit_test(ses_seal_lists_cert__does_not_find_the_maker),
        cmocka_unit_test(ses_seal_get_tbs__verifies_with_openssl_pkeyutl),
        cmocka_unit_test(ses_seal_get_tbs__flipped_byte_fails_openssl_pkeyutl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

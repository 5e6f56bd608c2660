/* test_tsa_verify.c: tokens of the SM2 time-stamping authority checked by others than their
 * maker. sc_verify_sig's `timestamp` check on a seal signature stamped through
 * sc_tsa_ses_stamp (and failing on a token over other bytes). Independently, the openssl
 * command line: `openssl ts -query` makes requests, `ts -reply -text` and `asn1parse` read our
 * answers and rejections, `pkeyutl` verifies the SignerInfo signature and `dgst -sm3` the
 * messageDigest and ESSCertIDv2 hashes; `ts -verify` (3.0) is shown to get as far as the SM2
 * signature, which it checks with an empty ID (pki-profile.md §4). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "der/der_int.h"
#include "sealcore/ses.h"
#include "sealcore/verify.h"
#include "testutil.h"
#include "tsa_test.h"

/* ---- sc_tsa_ses_stamp: a seal signature carrying a token --------------------------------- */

/* An sc_ses_tsa_fn that stamps other bytes than the signature value. */
static int stamp_other(void *tsa, const uint8_t *value, size_t len, uint8_t **token,
                       size_t *token_len, sc_err *err)
{
    (void)value, (void)len;
    return sc_tsa_ses_stamp(tsa, (const uint8_t *)"other", 5, token, token_len, err);
}

static sc_report *stamped_signature_report(sc_ses_tsa_fn fn)
{
    int64_t now = (int64_t)time(NULL);
    const uint8_t *certs[1] = { tf.prov };
    sc_ses_seal_params sp = {
        .es_id = "44010000000077", .name = "时间戳测试专用章", .type = 1, .cert_list_type = 1,
        .certs = certs, .cert_lens = &tf.prov_len, .cert_count = 1, .valid_start = now - 60,
        .valid_end = now + 86400, .picture_type = "PNG", .picture = tf.png,
        .picture_len = tf.png_len, .width_mm = 40, .height_mm = 40 };
    sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                             .tsa = fn, .tsa_ctx = tf.tsa };
    sc_verify_opts o = { .trust = tf.trust, .data = (const uint8_t *)DATA,
                         .data_len = strlen(DATA) };
    sc_ses_seal *seal = NULL;
    sc_ses_sig *sig = NULL;
    sc_report *rep = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ses_seal_make(&seal, &sp, tf.kmaker, tf.maker, tf.maker_len, &err) != 0 ||
        sc_ses_sign(&sig, seal, tf.kprov, tf.prov, tf.prov_len, &p, &err) != 0 ||
        sc_report_new(&rep, "test", "signature", &err) != 0 ||
        sc_verify_sig(rep, sig, &o, &err) != 0)
        fail_msg("stamped signature: \"%s\"", err.msg);
    assert_non_null(sc_ses_sig_get_info(sig)->timestamp);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(seal);
    return rep;
}

static void tsa_ses_stamp__seal_signature_timestamp_passes(void **state)
{
    sc_report *rep = stamped_signature_report(sc_tsa_ses_stamp);
    char msg[600];

    (void)state;
    if (!sc_test_check_is(rep, 0, SC_CHECK_TIMESTAMP, SC_RESULT_PASSED, "time-stamped at ",
                          msg, sizeof(msg)))
        fail_msg("%s", msg);
    assert_true(sc_report_valid(rep));
    sc_report_free(rep);
}

static void tsa_ses_stamp__token_over_other_bytes_fails(void **state)
{
    sc_report *rep = stamped_signature_report(stamp_other);
    char msg[600];

    (void)state;
    if (!sc_test_check_is(rep, 0, SC_CHECK_TIMESTAMP, SC_RESULT_FAILED,
                          "time-stamps something else", msg, sizeof(msg)))
        fail_msg("%s", msg);
    assert_false(sc_report_valid(rep));
    sc_report_free(rep);
}

/* ---- independent checks with the openssl command line ------------------------------------ */

/* Answer the request file dir/in into dir/out. */
static answer answer_file(const char *dir, const char *in, const char *out)
{
    uint8_t *req;
    size_t len;
    answer a;

    assert_int_equal(sc_test_read(sc_test_path(dir, in), &req, &len), 0);
    a = ask_at(req, len, 0);
    assert_int_equal(sc_test_write(sc_test_path(dir, out), a.der, a.len), 0);
    free(req);
    return a;
}

static void tsa_respond__answers_openssl_ts_queries(void **state)
{
    const char *d = sc_test_tmpdir();
    answer a, b;

    (void)state;
    assert_int_equal(sc_test_write(sc_test_path(d, "F"), DATA, strlen(DATA)), 0);
    assert_int_equal(sc_test_sh("cd '%s' && openssl ts -query -data F -sm3 -cert -no_nonce "
                                "-out sm3.tsq 2>/dev/null && openssl ts -query -data F -sha256 "
                                "-tspolicy " POLICY " -out sha.tsq 2>/dev/null", d), 0);
    a = answer_file(d, "sm3.tsq", "sm3.tsr");
    b = answer_file(d, "sha.tsq", "sha.tsr");
    assert_int_equal(a.status, 0);
    assert_int_equal(b.status, 0);
    /* openssl reads both answers whole; its nonce is echoed, certificates only on -cert */
    assert_int_equal(sc_test_sh("cd '%s' && openssl ts -reply -in sm3.tsr -text > sm3.txt "
                                "2>/dev/null && grep -q 'Status: Granted' sm3.txt && grep -q "
                                "'Hash Algorithm: sm3' sm3.txt && grep -q 'Nonce: unspecified' "
                                "sm3.txt && grep -q 'Accuracy: 0x01 seconds, 0x01F4 millis' "
                                "sm3.txt && grep -qi 'Serial number: 0x%s$' sm3.txt && "
                                "grep -q 'Ordering: no' sm3.txt", d, a.o.serial), 0);
    assert_int_equal(sc_test_sh("cd '%s' && openssl ts -reply -in sha.tsr -text > sha.txt "
                                "2>/dev/null && grep -q 'Hash Algorithm: sha256' sha.txt && "
                                "openssl ts -query -in sha.tsq -text 2>/dev/null | grep Nonce "
                                "> n1 && grep Nonce sha.txt > n2 && cmp -s n1 n2 && "
                                "! grep -q 'Nonce: unspecified' n2", d), 0);
    assert_null(read_token(b.token).certs.p);
    /* asn1parse: one element; the last line is the SignerInfo signature at depth 6 */
    assert_int_equal(sc_test_sh("cd '%s' && openssl asn1parse -inform DER -in sm3.tsr -i > "
                                "sm3.asn && tail -n 1 sm3.asn | grep -q 'd=6.*OCTET STRING' && "
                                "grep -q ':pkcs7-signedData' sm3.asn && grep -q "
                                ":id-smime-ct-TSTInfo sm3.asn && grep -q "
                                "':id-smime-aa-signingCertificateV2' sm3.asn && "
                                "grep -q ':SM2-with-SM3' sm3.asn", d), 0);
    free(a.der), free(b.der);
}

static void tsa_respond__rejections_read_by_openssl(void **state)
{
    static const struct { const char *args, *text; } rows[] = {
        { "-md5", "unrecognized or unsupported algorithm identifier" },
        { "-sha1", "unrecognized or unsupported algorithm identifier" },
        { "-sm3 -tspolicy 1.2.3.4.2", "the requested TSA policy is not supported by the TSA" },
    };
    const char *d = sc_test_tmpdir();

    (void)state;
    assert_int_equal(sc_test_write(sc_test_path(d, "F"), DATA, strlen(DATA)), 0);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(sc_test_sh("cd '%s' && openssl ts -query -data F %s -out rej.tsq "
                                    "2>/dev/null", d, rows[i].args), 0);
        answer a = answer_file(d, "rej.tsq", "rej.tsr");
        char want[400];
        snprintf(want, sizeof(want), "Status description: %s\n", a.text);   /* has quotes */
        assert_int_equal(sc_test_write(sc_test_path(d, "rej.want"), want, strlen(want)), 0);
        if (sc_test_sh("cd '%s' && openssl ts -reply -in rej.tsr -text 2>/dev/null > rej.txt "
                       "&& grep -q 'Status: Rejected' rej.txt && grep -q 'Failure info: %s' "
                       "rej.txt && grep -qxFf rej.want rej.txt", d, rows[i].text) != 0)
            fail_msg("openssl ts %s: not read as \"%s\"", rows[i].args, rows[i].text);
        free(a.der);
    }
}

/* The SignerInfo signature verified by openssl pkeyutl over the signed attributes as a SET OF
 * (ID 1234567812345678); messageDigest = SM3(TSTInfo) and the ESSCertIDv2 hash = SM3(TSA
 * certificate) as openssl dgst computes them. */
static void tsa_token__signature_and_hashes_match_openssl(void **state)
{
    const char *d = sc_test_tmpdir();
    answer a = ask(&(rq){ 0 });
    tok k = read_token(a.token);
    uint8_t *set = malloc(k.attrs.len);

    (void)state;
    memcpy(set, k.attrs.p, k.attrs.len);
    set[0] = SC_TAG_SET;
    assert_int_equal(sc_test_write(sc_test_path(d, "attrs.der"), set, k.attrs.len), 0);
    assert_int_equal(sc_test_write(sc_test_path(d, "attrs.sig"), k.sig.p, k.sig.len), 0);
    assert_int_equal(sc_test_write(sc_test_path(d, "tst.der"), k.tst.p, k.tst.len), 0);
    assert_int_equal(sc_test_write(sc_test_path(d, "tsa.der"), tf.tsa_der, tf.tsa_len), 0);
    assert_int_equal(sc_test_sh("cd '%s' && openssl x509 -in '%s/tsa.pem' -pubkey -noout > "
                                "tsa.pub && openssl pkeyutl -verify -pubin -inkey tsa.pub -rawin "
                                "-digest sm3 -pkeyopt distid:1234567812345678 -in attrs.der "
                                "-sigfile attrs.sig >/dev/null 2>&1", d, tf.pki), 0);
    /* control: the [0] it is stored with is not what was signed */
    set[0] = 0xa0;
    assert_int_equal(sc_test_write(sc_test_path(d, "attrs.der"), set, k.attrs.len), 0);
    assert_int_not_equal(sc_test_sh("cd '%s' && openssl pkeyutl -verify -pubin -inkey tsa.pub "
                                    "-rawin -digest sm3 -pkeyopt distid:1234567812345678 -in "
                                    "attrs.der -sigfile attrs.sig >/dev/null 2>&1", d), 0);
    /* the attributes, printed by asn1parse, carry both hashes in hex */
    assert_int_equal(sc_test_sh("cd '%s' && openssl asn1parse -inform DER -in attrs.der "
                                "-i > attrs.txt 2>/dev/null; md=$(openssl dgst -sm3 -r tst.der "
                                "| cut -d' ' -f1) && ch=$(openssl dgst -sm3 -r tsa.der | cut "
                                "-d' ' -f1) && grep -qi \"HEX DUMP\\]:$md\" attrs.txt && "
                                "grep -qi \"HEX DUMP\\]:$ch\" attrs.txt", d), 0);
    free(set);
    free(a.der);
}

/* openssl ts -verify (3.0) with the TSA certificate as a partial-chain anchor: it accepts the
 * structure, the chain and the ESSCertIDv2, and fails only in PKCS7_signatureVerify, where it
 * verifies SM2 with an empty ID (no option sets one). A later OpenSSL may pass outright. */
static void tsa_respond__openssl_ts_verify_reaches_the_signature(void **state)
{
    const char *d = sc_test_tmpdir();
    sc_tsa *bare = new_tsa(&(sc_tsa_params){ .policy = POLICY });
    sc_tsa *keep = tf.tsa;

    (void)state;
    assert_int_equal(sc_test_write(sc_test_path(d, "F"), DATA, strlen(DATA)), 0);
    assert_int_equal(sc_test_sh("cd '%s' && openssl ts -query -data F -sm3 -cert -out v.tsq "
                                "2>/dev/null", d), 0);
    tf.tsa = bare;                       /* no chain: the token carries the TSA cert only */
    answer a = answer_file(d, "v.tsq", "v.tsr");
    tf.tsa = keep;
    assert_int_equal(sc_test_sh("cd '%s' && { openssl ts -verify -in v.tsr -queryfile v.tsq "
                                "-CAfile '%s/tsa.pem' -partial_chain > v.txt 2>&1; "
                                "grep -q 'Verification: OK' v.txt || "
                                "grep -q 'PKCS7_signatureVerify:signature failure' v.txt; } && "
                                "! grep -qi 'ess signing\\|ess_\\|certificate verify error' v.txt",
                                d, tf.pki), 0);
    free(a.der);
    sc_tsa_free(bare);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tsa_ses_stamp__seal_signature_timestamp_passes),
        cmocka_unit_test(tsa_ses_stamp__token_over_other_bytes_fails),
        cmocka_unit_test(tsa_respond__answers_openssl_ts_queries),
        cmocka_unit_test(tsa_respond__rejections_read_by_openssl),
        cmocka_unit_test(tsa_token__signature_and_hashes_match_openssl),
        cmocka_unit_test(tsa_respond__openssl_ts_verify_reaches_the_signature),
    };
    return cmocka_run_group_tests(tests, tsa_group_setup, tsa_group_teardown);
}

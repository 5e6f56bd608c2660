/* test_tsa.c: the SM2 time-stamping authority (sealcore/tsa.h) with the development PKI's
 * tsa key and certificate: sc_tsa_new's refusals; granted answers (our verifier passes them,
 * certReq decides the certificates, the nonce is echoed, genTime keeps milliseconds);
 * rejections with their PKIStatus, failInfo and statusString; undecodable input; every
 * truncation and every flipped byte of a request; serial numbers over 10,000 tokens, a restart
 * and four threads, or from a callback; the TSA certificate's validity at issue and at
 * verification. Tokens checked by others: test_tsa_verify.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "der/der_int.h"
#include "sealcore/time.h"
#include "testutil.h"
#include "tsa/tsa_int.h"
#include "tsa_test.h"

#define STAMPS 10000

/* ---- sc_tsa_new -------------------------------------------------------------------------- */

static void tsa_new__refuses_what_cannot_issue_tokens(void **state)
{
    static const struct {
        const char *cert, *policy; int code; const char *msg;
    } rows[] = {
        { "signer-prov", POLICY, SC_EINVAL, "extended key usage must be timeStamping" },
        { "tsa", "not an OID", SC_EINVAL, "\"not an OID\" is not a dotted OID" },
        { "tsa", NULL, SC_EINVAL, "TSA policy: none given" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t len;
        uint8_t *cert = sc_test_cert(tf.pki, rows[i].cert, &len);
        sc_key *key = sc_test_key(tf.pki, rows[i].cert);
        sc_tsa *t = (sc_tsa *)1;
        sc_err err = SC_ERR_INIT;
        int rc = sc_tsa_new(&t, key, cert, len, &(sc_tsa_params){ .policy = rows[i].policy },
                            &err);
        if (rc != rows[i].code || strstr(err.msg, rows[i].msg) == NULL)
            fail_msg("row %zu: %d \"%s\"", i, rc, err.msg);
        assert_null(t);
        free(cert);
        sc_key_free(key);
    }
}

static void tsa_new__refuses_a_key_that_is_not_the_certificates(void **state)
{
    sc_tsa *t = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_tsa_new(&t, tf.kprov, tf.tsa_der, tf.tsa_len,
                                &(sc_tsa_params){ .policy = POLICY }, &err), SC_EINVAL);
    assert_null(t);
    assert_non_null(strstr(err.msg, "key"));
    assert_int_equal(sc_tsa_new(&t, tf.ktsa, tf.tsa_der, tf.tsa_len,
                                &(sc_tsa_params){ .policy = POLICY, .accuracy_ms = 1000 }, &err),
                     SC_EINVAL);
}

/* ---- granted answers --------------------------------------------------------------------- */

static void tsa_respond__token_passes_our_verifier(void **state)
{
    answer a = ask(&(rq){ 0 });
    char why[400];
    tok k;

    (void)state;
    assert_int_equal(a.status, 0);
    assert_int_equal(a.fail, -1);
    assert_string_equal(a.text, "");
    assert_non_null(a.token.p);
    if (verify_token(a.token, tf.trust, why, sizeof(why)) != 1)
        fail_msg("sc__tsa_verify: %s", why);
    k = read_token(a.token);
    assert_int_equal(k.policy.len, sizeof(POLICY_DER) - 1);
    assert_memory_equal(k.policy.p, POLICY_DER, k.policy.len);
    assert_int_equal(k.imprint.len, tf.mi_len);                 /* as the request wrote it */
    assert_memory_equal(k.imprint.p, tf.mi, tf.mi_len);
    char hex[2 * SC_TSA_SERIAL_MAX + 3] = "";
    for (size_t i = k.serial.p[0] == 0; i < k.serial.len; i++)   /* the value, as a.o has it */
        snprintf(hex + strlen(hex), 3, "%02x", k.serial.p[i]);
    assert_string_equal(hex, a.o.serial);
    /* accuracy { 1, [0] 500 }, ordering FALSE left out as the DEFAULT */
    assert_int_equal(k.accuracy.len, 9);
    assert_memory_equal(k.accuracy.p, "\x30\x07\x02\x01\x01\x80\x02\x01\xf4", 9);
    assert_int_equal(k.has_ordering, 0);
    assert_null(k.nonce.p);
    free(a.der);
}

static void tsa_respond__sha256_imprint_is_granted(void **state)
{
    uint8_t mi[49] = "\x30\x2f\x30\x0b\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x04\x20";
    unsigned int n = 0;
    char why[400];

    (void)state;
    assert_true(EVP_Digest(DATA, strlen(DATA), mi + 17, &n, EVP_sha256(), NULL));
    answer a = ask(&(rq){ .imprint = { mi, sizeof(mi) } });
    assert_int_equal(a.status, 0);
    if (verify_token(a.token, tf.trust, why, sizeof(why)) != 1)
        fail_msg("sc__tsa_verify: %s", why);
    free(a.der);
}

static void tsa_respond__cert_req_decides_the_certificates(void **state)
{
    answer with = ask(&(rq){ 0 }), without = ask(&(rq){ .cert_req = NONE }),
           off = ask(&(rq){ .cert_req = SPAN("\x01\x01\x00") });
    tok k = read_token(with.token);
    char why[400];

    (void)state;
    /* the TSA's certificate, then its chain */
    assert_int_equal(k.certs.len, tf.tsa_len + tf.ca_len);
    assert_memory_equal(k.certs.p, tf.tsa_der, tf.tsa_len);
    assert_memory_equal(k.certs.p + tf.tsa_len, tf.ca_der, tf.ca_len);
    /* RFC 3161 §2.4.1: no certReq, no certificates; our verifier then has no signer */
    assert_null(read_token(without.token).certs.p);
    assert_null(read_token(off.token).certs.p);
    assert_int_equal(verify_token(without.token, tf.trust, why, sizeof(why)), 0);
    assert_non_null(strstr(why, "does not carry the TSA certificate"));
    free(with.der), free(without.der), free(off.der);
}

static void tsa_respond__echoes_the_nonce(void **state)
{
    static const char nonce[] = "\x02\x09\x00\x91\x24\x33\x36\x5c\x07\xbb\x32";
    answer a = ask(&(rq){ .nonce = SPAN(nonce) });
    tok k = read_token(a.token);

    (void)state;
    assert_int_equal(a.status, 0);
    assert_int_equal(k.nonce.len, sizeof(nonce) - 1);
    assert_memory_equal(k.nonce.p, nonce, k.nonce.len);
    free(a.der);
}

static void tsa_respond__own_policy_is_granted(void **state)
{
    answer a = ask(&(rq){ .policy = SPAN(POLICY_DER) });

    (void)state;
    assert_int_equal(a.status, 0);
    assert_memory_equal(read_token(a.token).policy.p, POLICY_DER, sizeof(POLICY_DER) - 1);
    free(a.der);
}

/* genTime keeps the milliseconds given, without trailing zeros, and none on a whole second. */
static void tsa_respond__gentime_carries_milliseconds(void **state)
{
    static const struct { int ms; const char *text; } rows[] = {
        { 250, ".25Z" }, { 7, ".007Z" }, { 0, "Z" }, { 100, ".1Z" } };
    size_t len;
    uint8_t *req = build(&(rq){ 0 }, &len);
    int64_t base = (tf.not_before + 3600) * 1000;
    char want[40], t[32];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        answer a = ask_at(req, len, base + rows[i].ms);
        tok k = read_token(a.token);
        sc_time_format(tf.not_before + 3600, t, sizeof(t));       /* 2026-11-23T16:37:27Z */
        snprintf(want, sizeof(want), "%.4s%.2s%.2s%.2s%.2s%.2s%s", t, t + 5, t + 8, t + 11,
                 t + 14, t + 17, rows[i].text);
        if (k.gentime.len != strlen(want) || memcmp(k.gentime.p, want, k.gentime.len) != 0)
            fail_msg("%d ms: genTime %.*s, expected %s", rows[i].ms, (int)k.gentime.len,
                     (const char *)k.gentime.p, want);
        assert_int_equal(a.o.gen_time_ms, base + rows[i].ms);
        free(a.der);
    }
    free(req);
}

/* ---- rejections -------------------------------------------------------------------------- */

static const uint8_t MD5_MI[] = "\x30\x20\x30\x0c\x06\x08\x2a\x86\x48\x86\xf7\x0d\x02\x05\x05\x00"
                                "\x04\x10" "0123456789abcdef";
static const uint8_t SHA1_MI[] = "\x30\x21\x30\x09\x06\x05\x2b\x0e\x03\x02\x1a\x05\x00\x04\x14"
                                 "0123456789abcdef0123";
static const uint8_t SM3_SHORT[] = "\x30\x1e\x30\x0c\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x11"
                                   "\x05\x00\x04\x0e" "0123456789abcd";
static const uint8_t SM3_PARAMS[] = "\x30\x31\x30\x0d\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x11"
                                    "\x02\x01\x00\x04\x20" "0123456789abcdef0123456789abcdef";
/* extensions { { 1.2.3.5, [critical TRUE,] OCTET STRING { NULL } } } */
#define EXT_CRITICAL "\xa0\x0e\x30\x0c\x06\x03\x2a\x03\x05\x01\x01\xff\x04\x02\x05\x00"
#define EXT_PLAIN "\xa0\x0b\x30\x09\x06\x03\x2a\x03\x05\x04\x02\x05\x00"

static const struct bad {
    const char *name;
    rq r;
    int fail;
    const char *msg;
} bads[] = {
    { "MD5 imprint", { .imprint = { MD5_MI, sizeof(MD5_MI) - 1 } }, SC_TSA_FAIL_BAD_ALG,
      "MD5 (1.2.840.113549.2.5) is not accepted" },
    { "SHA-1 imprint", { .imprint = { SHA1_MI, sizeof(SHA1_MI) - 1 } }, SC_TSA_FAIL_BAD_ALG,
      "SHA-1 (1.3.14.3.2.26) is not accepted" },
    { "parameters", { .imprint = { SM3_PARAMS, sizeof(SM3_PARAMS) - 1 } }, SC_TSA_FAIL_BAD_ALG,
      "SM3 parameters must be absent or NULL" },
    { "short hash", { .imprint = { SM3_SHORT, sizeof(SM3_SHORT) - 1 } },
      SC_TSA_FAIL_BAD_DATA_FORMAT, "hashedMessage: 14 bytes, but SM3 gives 32" },
    { "version 2", { .version = SPAN_I("\x02\x01\x02") }, SC_TSA_FAIL_BAD_DATA_FORMAT,
      "version: 2, but RFC 3161 defines only v1" },
    { "other policy", { .policy = SPAN_I("\x06\x03\x2a\x03\x05") }, SC_TSA_FAIL_UNACCEPTED_POLICY,
      "reqPolicy: 1.2.3.5 is not this TSA's policy 1.2.3.4.1" },
    { "critical extension", { .exts = SPAN_I(EXT_CRITICAL) },
      SC_TSA_FAIL_UNACCEPTED_EXTENSION, "1.2.3.5 (critical) is not supported" },
    { "plain extension", { .exts = SPAN_I(EXT_PLAIN) }, SC_TSA_FAIL_UNACCEPTED_EXTENSION,
      "1.2.3.5 is not supported; RFC 3161" },
    { "padded nonce", { .nonce = SPAN_I("\x02\x02\x00\x01") }, SC_TSA_FAIL_BAD_DATA_FORMAT,
      "nonce: 2 octets or padded" },
    { "policy after nonce", { .nonce = SPAN_I("\x02\x01\x05"), .extra = SPAN_I(POLICY_DER),
                              .cert_req = NONE_I }, SC_TSA_FAIL_BAD_DATA_FORMAT,
      "fields out of order or unknown" },
    { "imprint a SET", { .imprint = SPAN_I("\x31\x00") }, SC_TSA_FAIL_BAD_DATA_FORMAT,
      "TimeStampReq.messageImprint: expected tag 0x30" },
    { "no imprint", { .imprint = NONE_I, .cert_req = NONE_I }, SC_TSA_FAIL_BAD_DATA_FORMAT,
      "TimeStampReq.messageImprint" },
    { "long certReq", { .cert_req = SPAN_I("\x01\x02\xff\xff") }, SC_TSA_FAIL_BAD_DATA_FORMAT,
      "certReq: a BOOLEAN of 2 bytes" },
};

static void tsa_respond__rejects_each_bad_request(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        answer a = ask(&bads[i].r);
        if (a.status != 2 || a.fail != bads[i].fail || strstr(a.text, bads[i].msg) == NULL ||
            a.token.p != NULL)
            fail_msg("%s: status %d failInfo %d \"%s\"", bads[i].name, a.status, a.fail,
                     a.text);
        assert_string_equal(a.o.serial, "");
        free(a.der);
    }
}

static void tsa_respond__outside_certificate_validity_is_a_system_failure(void **state)
{
    size_t len;
    uint8_t *req = build(&(rq){ 0 }, &len);
    answer late = ask_at(req, len, (tf.not_after + 86400) * 1000);
    answer early = ask_at(req, len, (tf.not_before - 1) * 1000);

    (void)state;
    assert_int_equal(late.status, 2);
    assert_int_equal(late.fail, SC_TSA_FAIL_SYSTEM_FAILURE);
    assert_non_null(strstr(late.text, "the TSA certificate is valid from"));
    assert_non_null(strstr(late.text, "renew it"));
    assert_int_equal(early.fail, SC_TSA_FAIL_SYSTEM_FAILURE);
    free(late.der), free(early.der), free(req);
}

/* Not one DER element: no answer can be written (the server says 400). */
static void tsa_respond__undecodable_input_is_eformat(void **state)
{
    static const struct { const char *in; size_t len; int code; const char *msg; } rows[] = {
        { "", 0, SC_EFORMAT, "empty" },
        { "hello", 5, SC_EFORMAT, "TimeStampReq: expected tag 0x30" },
        { "\x30\x00\x00", 3, SC_EFORMAT, "TimeStampReq (after its end): 1 bytes" },
        { "\x30\x05\x02\x01\x01", 5, SC_EFORMAT, "exceeds" },
    };
    uint8_t *big = calloc(1, SC_TSA_MAX_REQUEST + 1), *resp = (uint8_t *)1;
    size_t resp_len = 1;
    sc_err err = SC_ERR_INIT;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sc_err_clear(&err);
        int rc = sc_tsa_respond(tf.tsa, (const uint8_t *)rows[i].in, rows[i].len, 0, &resp,
                                &resp_len, NULL, &err);
        if (rc != rows[i].code || strstr(err.msg, rows[i].msg) == NULL)
            fail_msg("row %zu: %d \"%s\"", i, rc, err.msg);
        assert_null(resp);
        assert_int_equal(resp_len, 0);
    }
    sc_err_clear(&err);
    assert_int_equal(sc_tsa_respond(tf.tsa, big, SC_TSA_MAX_REQUEST + 1, 0, &resp, &resp_len,
                                    NULL, &err), SC_ELIMIT);
    free(big);
}

/* Every prefix is refused cleanly and every flipped byte is answered or refused, never a
 * crash or a read past the request (the copies are exactly as long as the request). */
static void tsa_respond__every_truncation_and_flip_is_clean(void **state)
{
    size_t len;
    uint8_t *req = build(&(rq){ .policy = SPAN(POLICY_DER), .nonce = SPAN("\x02\x02\x12\x34"),
                                .exts = SPAN(EXT_PLAIN) }, &len);

    (void)state;
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = n ? malloc(n) : NULL, *resp = NULL;
        size_t resp_len = 0;
        sc_err err = SC_ERR_INIT;
        if (n)
            memcpy(cut, req, n);
        int rc = sc_tsa_respond(tf.tsa, cut, n, 0, &resp, &resp_len, NULL, &err);
        if (rc != SC_EFORMAT)
            fail_msg("%zu of %zu bytes: %d \"%s\"", n, len, rc, err.msg);
        free(cut);
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t *bad = malloc(len);
        answer a;
        sc_err err = SC_ERR_INIT;
        memcpy(bad, req, len);
        bad[i] ^= 0xff;
        memset(&a, 0, sizeof(a));
        int rc = sc_tsa_respond(tf.tsa, bad, len, 0, &a.der, &a.len, &a.o, &err);
        if (rc == 0)
            read_answer(&a);
        else if (rc != SC_EFORMAT)
            fail_msg("byte %zu flipped: %d \"%s\"", i, rc, err.msg);
        free(a.der);
        free(bad);
    }
    free(req);
}

/* ---- sc_tsa_stamp: serials, validity ----------------------------------------------------- */

static uint8_t *stamp_with(sc_tsa *t, int64_t now_ms, size_t *len)
{
    uint8_t h[32] = { 0 }, *token = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = sc_tsa_stamp(t, h, sizeof(h), SC_TSA_SM3, now_ms, &token, len, &err);

    if (rc != 0)
        fail_msg("sc_tsa_stamp: %d \"%s\"", rc, err.msg);
    return token;
}

static int cmp_serial(const void *a, const void *b)
{
    return memcmp(a, b, 17);
}

/* The serial of a token as 17 octets (a 0x00 pad or not), for sorting. */
static void serial_of(sc_tsa *t, uint8_t out[17])
{
    size_t len;
    uint8_t *token = stamp_with(t, 0, &len);
    sc_span s = read_token((sc_span){ token, len }).serial;

    assert_in_range(s.len, 1, 17);
    memset(out, 0, 17);
    memcpy(out + 17 - s.len, s.p, s.len);
    free(token);
}

static void tsa_stamp__serials_are_unique_over_many_tokens_and_restarts(void **state)
{
    uint8_t (*s)[17] = calloc(STAMPS + 1, sizeof(*s));
    sc_tsa *restarted = new_tsa(&(sc_tsa_params){ .policy = POLICY });

    (void)state;
    for (size_t i = 0; i < STAMPS; i++)
        serial_of(tf.tsa, s[i]);
    serial_of(restarted, s[STAMPS]);          /* counter at 1 again: a new random prefix */
    qsort(s, STAMPS + 1, sizeof(*s), cmp_serial);
    for (size_t i = 1; i <= STAMPS; i++)
        if (memcmp(s[i - 1], s[i], 17) == 0)
            fail_msg("serial %zu repeats", i);
    sc_tsa_free(restarted);
    free(s);
}

struct worker {
    uint8_t s[250][17];
};

static void *work(void *arg)
{
    struct worker *w = arg;

    for (size_t i = 0; i < 250; i++)
        serial_of(tf.tsa, w->s[i]);
    return NULL;
}

static void tsa_stamp__threads_share_one_tsa(void **state)
{
    struct worker *w = calloc(4, sizeof(*w));
    pthread_t th[4];

    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    qsort(w, 4 * 250, 17, cmp_serial);
    for (size_t i = 1; i < 4 * 250; i++)
        assert_memory_not_equal(((uint8_t *)w) + 17 * (i - 1), ((uint8_t *)w) + 17 * i, 17);
    free(w);
}

static int serial_cb(void *ctx, uint8_t out[SC_TSA_SERIAL_MAX], size_t *len, sc_err *err)
{
    int *mode = ctx;

    if (*mode == 1)
        return sc_err_set(err, SC_EIO, "sequence table locked");
    memset(out, 0, SC_TSA_SERIAL_MAX);
    out[SC_TSA_SERIAL_MAX - 1] = 42;
    *len = *mode == 2 ? SC_TSA_SERIAL_MAX + 1 : SC_TSA_SERIAL_MAX;
    return 0;
}

static void tsa_stamp__uses_the_serial_callback(void **state)
{
    int mode = 0;
    sc_tsa *t = new_tsa(&(sc_tsa_params){ .policy = POLICY, .serial = serial_cb,
                                          .serial_ctx = &mode });
    uint8_t h[32] = { 0 }, *token;
    size_t len;
    sc_err err = SC_ERR_INIT;

    (void)state;
    token = stamp_with(t, 0, &len);
    sc_span s = read_token((sc_span){ token, len }).serial;
    assert_int_equal(s.len, 1);                       /* leading zeros dropped: minimal DER */
    assert_int_equal(s.p[0], 42);
    free(token);
    mode = 1;
    assert_int_equal(sc_tsa_stamp(t, h, 32, SC_TSA_SM3, 0, &token, &len, &err), SC_EIO);
    assert_string_equal(err.msg, "TSA serial number: sequence table locked");
    assert_null(token);
    mode = 2;
    sc_err_clear(&err);
    assert_int_equal(sc_tsa_stamp(t, h, 32, SC_TSA_SM3, 0, &token, &len, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "the callback gave 21 octets"));
    sc_tsa_free(t);
}

static void tsa_stamp__refuses_bad_arguments(void **state)
{
    uint8_t h[33] = { 0 }, *token = NULL;
    size_t len;
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_tsa_stamp(tf.tsa, h, 33, SC_TSA_SM3, 0, &token, &len, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "an imprint of 33 bytes, but SM3 gives 32"));
    sc_err_clear(&err);
    assert_int_equal(sc_tsa_stamp(tf.tsa, h, 32, (sc_tsa_md)7, 0, &token, &len, &err), SC_EINVAL);
    sc_err_clear(&err);
    assert_int_equal(sc_tsa_stamp(tf.tsa, h, 32, SC_TSA_SM3, (tf.not_after + 1) * 1000, &token,
                                  &len, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "the TSA certificate is valid from"));
    assert_null(token);
}

/* A token is judged at its genTime against the TSA certificate's validity: one made (for a
 * test vector) after the certificate expired fails our verifier, one made within passes. */
static void tsa_stamp__token_is_judged_against_the_tsa_validity(void **state)
{
    sc_tsa *t = new_tsa(&(sc_tsa_params){ .policy = POLICY, .flags = SC_TSA_UNCHECKED_TIME });
    uint8_t h[32], *late, *ok;
    size_t late_len, ok_len;
    char why[400];
    int64_t gen = 0;
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc__sm3((const uint8_t *)DATA, strlen(DATA), h, NULL), 0);
    assert_int_equal(sc_tsa_stamp(t, h, 32, SC_TSA_SM3, (tf.not_after + 86400) * 1000, &late,
                                  &late_len, &err), 0);
    assert_int_equal(sc_tsa_stamp(t, h, 32, SC_TSA_SM3, (tf.not_before + 60) * 1000, &ok,
                                  &ok_len, &err), 0);
    assert_int_equal(sc__tsa_verify(late, late_len, (const uint8_t *)DATA, strlen(DATA),
                                    tf.trust, &gen, why, sizeof(why), &err), 0);
    assert_non_null(strstr(why, "TSA certificate: "));
    assert_int_equal(sc__tsa_verify(ok, ok_len, (const uint8_t *)DATA, strlen(DATA), tf.trust,
                                    &gen, why, sizeof(why), &err), 1);
    assert_int_equal(gen, tf.not_before + 60);
    free(late), free(ok);
    sc_tsa_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tsa_new__refuses_what_cannot_issue_tokens),
        cmocka_unit_test(tsa_new__refuses_a_key_that_is_not_the_certificates),
        cmocka_unit_test(tsa_respond__token_passes_our_verifier),
        cmocka_unit_test(tsa_respond__sha256_imprint_is_granted),
        cmocka_unit_test(tsa_respond__cert_req_decides_the_certificates),
        cmocka_unit_test(tsa_respond__echoes_the_nonce),
        cmocka_unit_test(tsa_respond__own_policy_is_granted),
        cmocka_unit_test(tsa_respond__gentime_carries_milliseconds),
        cmocka_unit_test(tsa_respond__rejects_each_bad_request),
        cmocka_unit_test(tsa_respond__outside_certificate_validity_is_a_system_failure),
        cmocka_unit_test(tsa_respond__undecodable_input_is_eformat),
        cmocka_unit_test(tsa_respond__every_truncation_and_flip_is_clean),
        cmocka_unit_test(tsa_stamp__serials_are_unique_over_many_tokens_and_restarts),
        cmocka_unit_test(tsa_stamp__threads_share_one_tsa),
        cmocka_unit_test(tsa_stamp__uses_the_serial_callback),
        cmocka_unit_test(tsa_stamp__refuses_bad_arguments),
        cmocka_unit_test(tsa_stamp__token_is_judged_against_the_tsa_validity),
    };
    return cmocka_run_group_tests(tests, tsa_group_setup, tsa_group_teardown);
}

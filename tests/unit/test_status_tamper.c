/* test_status_tamper.c: status responses that must not be trusted or read: every byte
 * flipped, every truncation, another signer, a signer without id-kp-OCSPSigning, a wrong key
 * hash, a stale response, an untrusted chain; parse errors naming their field; sizes and
 * limits at N and N+1. Shared fixtures: status_test.c. */
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
#include "sc_int.h"
#include "sealcore/status.h"
#include "sealcore/time.h"
#include "sealcore/trust.h"
#include "status_test.h"
#include "testutil.h"

/* ---- tampering --------------------------------------------------------------------------- */

static void status_verify__every_byte_flip_fails(void **state)
{
    uint8_t *buf = malloc(g.std_len);
    char why[600];

    (void)state;
    assert_non_null(buf);
    for (size_t i = 0; i < g.std_len; i++)
        for (int k = 0; k < 2; k++) {
            memcpy(buf, g.std, g.std_len);
            buf[i] ^= k ? 0x80 : 0x01;
            if (check(buf, g.std_len, NULL, 0, 0, why, sizeof(why)) == 1)
                fail_msg("byte %zu ^ 0x%02x still verifies", i, k ? 0x80 : 0x01);
        }
    free(buf);
}

static void status_parse__truncation_at_every_length_is_a_clean_error(void **state)
{
    (void)state;
    for (size_t n = 0; n < g.std_len; n++) {
        sc_status_resp *r = (sc_status_resp *)&n;
        sc_err err = SC_ERR_INIT;
        uint8_t *cut = malloc(n ? n : 1);   /* exactly n bytes: ASan sees any over-read */
        assert_non_null(cut);
        memcpy(cut, g.std, n);
        int rc = sc_status_resp_parse(&r, cut, n, &err);
        free(cut);
        if (rc != SC_EFORMAT || r != NULL || err.msg[0] == '\0')
            fail_msg("%zu bytes: %d \"%s\"", n, rc, err.msg);
    }
}

static void status_verify__refuses_another_signer_certificate(void **state)
{
    char why[600];

    (void)state;
    EXPECT_INVALID(g.std, g.std_len, g.prov, g.prov_len, 0,
                   "is not this response's signer: SM3 of its public key differs from "
                   "responderKeyHash");
    /* the right certificate given explicitly */
    assert_int_equal(check(g.std, g.std_len, g.cert, g.cert_len, 0, why, sizeof(why)), 1);
}

static void status_verify__refuses_a_signer_without_ocsp_signing(void **state)
{
    sc_status_builder *b = NULL;
    uint8_t *der;
    size_t len;

    (void)state;
    assert_int_equal(sc_status_builder_new(&b, g.now, NULL), 0);
    add(b, SC_STATUS_ESID, "33000020260001", NULL, 0, 0, 0);
    der = sign(b, g.kprov, g.prov, g.prov_len, &len);   /* a seal signer, not a status signer */
    EXPECT_INVALID(der, len, NULL, 0, 0, "no id-kp-OCSPSigning extended key usage");
    sc_status_builder_free(b);
    free(der);
}

/* A well-signed response whose responderKeyHash names another key: re-signed by hand. */
static void status_verify__refuses_a_wrong_key_hash(void **state)
{
    sc_der top, resp;
    sc_tlv tbs, skip;
    bb b = { NULL, 0, 0 };
    uint8_t *sig = NULL;
    size_t sig_len = 0, s;

    (void)state;
    sc__der_init(&top, g.std, g.std_len);
    assert_int_equal(sc__der_enter(&top, 0x30, &resp, NULL, "", NULL), 0);
    assert_int_equal(sc__der_get(&resp, 0x30, &tbs, "", NULL), 0);
    assert_int_equal(sc__der_get(&resp, 0x30, &skip, "", NULL), 0);   /* algorithm */
    assert_int_equal(sc__der_get(&resp, 0x03, &skip, "", NULL), 0);   /* signature */
    cat(&b, tbs.all.p, tbs.all.len);
    assert_memory_equal(b.p + 4, "\x02\x01\x01\x04\x20", 5);   /* version, then the hash */
    b.p[9] ^= 0xff;
    assert_int_equal(sc_key_sign(g.key, b.p, b.n, &sig, &sig_len, NULL), 0);
    cat(&b, "\x30\x0a\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x75", 12);
    s = b.n, cat(&b, "", 1), cat(&b, sig, sig_len), wrapb(&b, s, 0x03);
    cat(&b, resp.p, resp.left);                                      /* [0] certs as they were */
    wrapb(&b, 0, 0x30);
    EXPECT_INVALID(b.p, b.n, NULL, 0, 0, "differs from responderKeyHash");
    free(sig), free(b.p);
}

static void status_verify__refuses_a_stale_response(void **state)
{
    char why[600];

    (void)state;
    assert_int_equal(check(g.std, g.std_len, NULL, 0, g.now + 7 * DAY, why, sizeof(why)), 1);
    EXPECT_INVALID(g.std, g.std_len, NULL, 0, g.now + 7 * DAY + 1,
                   "the status response is stale: its nextUpdate");
}

static void status_verify__refuses_an_untrusted_signer(void **state)
{
    sc_status_verify_opts o = { NULL, NULL, 0, g.now };
    sc_trust *other = NULL, *empty = NULL;
    sc_err err = SC_ERR_INIT;
    int valid = 1;
    char why[600];

    (void)state;
    assert_int_equal(sc_trust_new(&other, NULL), 0);
    assert_int_equal(sc_test_add_trust(other, sc_test_pki_other(), "root-ca.pem", 1), 0);
    assert_int_equal(sc_test_add_trust(other, sc_test_pki_other(), "seal-ca.pem", 0), 0);
    o.trust = other;
    assert_int_equal(sc_status_resp_verify(g.resp, &o, &valid, why, sizeof(why), &err), 0);
    assert_true(!valid && strstr(why, "at producedAt") != NULL);
    assert_int_equal(sc_trust_new(&empty, NULL), 0);
    o.trust = empty;
    assert_int_equal(sc_status_resp_verify(g.resp, &o, &valid, why, sizeof(why), &err),
                     SC_EINVAL);
    assert_non_null(strstr(err.msg, "no trust anchors"));
    sc_trust_free(other);
    sc_trust_free(empty);
}

/* ---- parse errors name the field ---------------------------------------------------------- */

/* Same-length surgery on the rule-table response: find `from` (unique), write `to`. */
static const struct patch {
    const char *from, *to;
    size_t len;
    int code;
    const char *msg;
} patches[] = {
    { "\x18\x0f" "20261120080000Z", "\x17\x0f" "20261120080000Z", 17, SC_EFORMAT,
      "StatusResponse.tbsStatus.entries[0].history[0].at: not a GeneralizedTime (tag 0x17)" },
    { "\x18\x0f" "20261120080000Z", "\x18\x0f" "202611200800000", 17, SC_EFORMAT,
      "entries[0].history[0].at: not a GeneralizedTime of the form YYYYMMDDhhmmssZ" },
    { "\x18\x0f" "20261122080000Z", "\x18\x0f" "20261119080000Z", 17, SC_EFORMAT,
      "entries[0].history[1].at: earlier than history[0].at" },
    { "\x0a\x01\x01\x18\x0f" "20261120", "\x0a\x01\x03\x18\x0f" "20261120", 13, SC_EFORMAT,
      "entries[0].history[0].status: expired cannot be a change" },
    { "20261120080000Z\x0a\x01\x06", "20261120080000Z\x0a\x01\x02", 18, SC_EFORMAT,
      "entries[0].history[0].reason: 2 is not a Reason" },
    { "\x16\x0e" "33000020260002", "\x16\x0e" "33000020260001", 16, SC_EFORMAT,
      "entries[1].subject: not after entries[0].subject" },
    { "\x16\x0e" "33000020260002", "\x16\x0e" "3300002026\x01" "002", 16, SC_EFORMAT,
      "entries[1].subject.esID: byte 10 (0x01) is not printable ASCII" },
    { "\xa0\x10\x16\x0e" "33000020260002", "\xa2\x10\x16\x0e" "33000020260002", 18, SC_EFORMAT,
      "entries[1].subject: expected [0] esID or [1] licenseId, found tag 0xa2" },
    { "\x0c\x0e" "33000020260001", "\x0c\x0e" "3300002026\xff" "001", 16, SC_EFORMAT,
      "entries[6].subject.licenseId: not valid UTF-8" },
    { "\x16\x0e" "33000020260004\x0a\x01\x04", "\x16\x0e" "33000020260004\x0a\x01\x09", 19,
      SC_EFORMAT, "entries[3].status: 9 is not a Status (0..5)" },
    { "\x16\x0e" "33000020260004\x0a\x01\x04", "\x16\x0e" "33000020260004\x0a\x01\x02", 19,
      SC_EFORMAT, "entries[3].status: revoked, but its history and validEnd give good at "
      "thisUpdate" },
    { "\x02\x01\x01\x04\x20", "\x02\x01\x02\x04\x20", 5, SC_EUNSUPPORTED,
      "StatusResponse.tbsStatus.version: 2, only v1 (1) is defined" },
    /* the response's own algorithm: right after the last entry (certificates use it too) */
    { "20261118000000Z\x0a\x01\x04\x30\x0a\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x75",
      "20261118000000Z\x0a\x01\x04\x30\x0a\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x76", 30,
      SC_EUNSUPPORTED, "StatusResponse.signatureAlgorithm: 1.2.156.10197.1.502 is not" },
    { "\xa1\x05\x04\x03\x01\x02\x03", "\xa1\x05\x04\x03\x01\x02\x03", 7, 0, NULL },
};

static void status_parse__errors_name_the_field(void **state)
{
    uint8_t *buf = malloc(g.std_len);

    (void)state;
    assert_non_null(buf);
    for (size_t i = 0; i < sizeof(patches) / sizeof(patches[0]); i++) {
        const struct patch *p = &patches[i];
        uint8_t *hit = memmem(g.std, g.std_len, p->from, p->len);
        sc_status_resp *r = NULL;
        sc_err err = SC_ERR_INIT;
        if (hit == NULL || memmem(hit + 1, g.std_len - (size_t)(hit - g.std) - 1, p->from,
                                  p->len) != NULL)
            fail_msg("row %zu: pattern not found once", i);
        memcpy(buf, g.std, g.std_len);
        memcpy(buf + (hit - g.std), p->to, p->len);
        int rc = sc_status_resp_parse(&r, buf, g.std_len, &err);
        if (rc != p->code || (p->msg != NULL && strstr(err.msg, p->msg) == NULL))
            fail_msg("row %zu: got %d \"%s\", expected %d \"%s\"", i, rc, err.msg, p->code,
                     p->msg ? p->msg : "");
        sc_status_resp_free(r);
    }
    free(buf);
}

/* ---- hand-made inputs for lengths and limits -------------------------------------------- */

#define GT "\x18\x0f" "20261123000000Z"

/* StatusResponse { tbs { v1, keyHash of khl bytes, producedAt, [1] nonce of nl bytes (0: none),
 * entries { `entries` } }, alg, dummy signature, [0] { ncerts × SEQUENCE {} } (-1: none) },
 * not signed: for the reader only. */
static bb craft(size_t khl, size_t nl, const bb *entries, long ncerts)
{
    bb b = { NULL, 0, 0 };
    uint8_t z[64] = { 0 };
    size_t s;

    cat(&b, "\x02\x01\x01", 3);
    s = b.n, cat(&b, z, khl), wrapb(&b, s, 0x04);
    cat(&b, GT, 17);
    if (nl > 0) {
        s = b.n, cat(&b, z, nl), wrapb(&b, s, 0x04);
        wrapb(&b, s, 0xa1);
    }
    s = b.n, cat(&b, entries->p, entries->n), wrapb(&b, s, 0x30);
    wrapb(&b, 0, 0x30);
    cat(&b, "\x30\x0a\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x75", 12);
    cat(&b, "\x03\x09\x00\x30\x06\x02\x01\x01\x02\x01\x01", 11);
    if (ncerts >= 0) {   /* -1: no certs field */
        s = b.n;
        for (long i = 0; i < ncerts; i++)
            cat(&b, "\x30\x00", 2);
        wrapb(&b, s, 0x30);
        wrapb(&b, s, 0xa0);
    }
    wrapb(&b, 0, 0x30);
    return b;
}

/* one seal entry with digest of dl bytes and nh "suspended" changes */
static void entry(bb *b, size_t dl, size_t nh)
{
    uint8_t z[40] = { 0 };
    size_t s = b->n, h, c;

    cat(b, "\xa0\x10\x16\x0e" "33000020260001", 18);
    c = b->n, cat(b, z, dl), wrapb(b, c, 0x04);
    cat(b, nh ? "\x0a\x01\x01" : "\x0a\x01\x00", 3);
    cat(b, GT, 17);
    if (nh > 0) {
        h = b->n;
        for (size_t i = 0; i < nh; i++) {
            c = b->n;
            cat(b, "\x0a\x01\x01" "\x18\x0f" "20261101000000Z", 20);
            wrapb(b, c, 0x30);
        }
        wrapb(b, h, 0x30);
        wrapb(b, h, 0xa2);
    }
    wrapb(b, s, 0x30);
}

static void parse_is(const bb *b, int code, const char *msg)
{
    sc_status_resp *r = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = sc_status_resp_parse(&r, b->p, b->n, &err);

    if (rc != code || (msg != NULL && strstr(err.msg, msg) == NULL))
        fail_msg("got %d \"%s\", expected %d \"%s\"", rc, err.msg, code, msg ? msg : "");
    sc_status_resp_free(r);
}

static void craft_is(size_t khl, size_t nl, const bb *entries, long ncerts, int code,
                     const char *msg)
{
    bb r = craft(khl, nl, entries, ncerts);

    parse_is(&r, code, msg);
    free(r.p);
}

static void status_parse__sizes_and_limits(void **state)
{
    bb e = { NULL, 0, 0 }, r;

    (void)state;
    entry(&e, 32, 0);
    craft_is(32, 0, &e, -1, 0, NULL);
    craft_is(20, 0, &e, -1, SC_EFORMAT, "responderKeyHash: 20 bytes, an SM3 hash has 32");
    craft_is(32, 32, &e, -1, 0, NULL);
    craft_is(32, 33, &e, -1, SC_EFORMAT, "StatusResponse.tbsStatus.nonce: 33 bytes, 1..32");
    craft_is(32, 0, &e, 8, 0, NULL);
    craft_is(32, 0, &e, 9, SC_ELIMIT, "StatusResponse.certs: more than 8");
    craft_is(32, 0, &e, 0, SC_EFORMAT, "StatusResponse.certs: empty (omit the field instead)");
    /* 0 unused bits in the signature (vendors' named-bit-list form is not ours) */
    r = craft(32, 0, &e, -1);
    ((uint8_t *)memmem(r.p, r.n, "\x03\x09\x00\x30", 4))[2] = 1;
    parse_is(&r, SC_EFORMAT, "StatusResponse.signature: BIT STRING has 1 unused bits, 0 expected");
    free(r.p);
    e.n = 0, entry(&e, 20, 0);
    craft_is(32, 0, &e, -1, SC_EFORMAT, "entries[0].subjectDigest: 20 bytes");
    e.n = 0, entry(&e, 32, SC_STATUS_MAX_HISTORY);
    craft_is(32, 0, &e, -1, 0, NULL);
    e.n = 0, entry(&e, 32, SC_STATUS_MAX_HISTORY + 1);
    craft_is(32, 0, &e, -1, SC_ELIMIT, "tbsStatus.entries[0].history: more than 64 changes");
    /* the entry count is checked before anything is allocated for the entries */
    e.n = 0;
    for (size_t i = 0; i < SC_STATUS_MAX_ENTRIES; i++)
        cat(&e, "\x05\x00", 2);
    craft_is(32, 0, &e, -1, SC_EFORMAT, "tbsStatus.entries[0]: expected tag 0x30");
    cat(&e, "\x05\x00", 2);
    craft_is(32, 0, &e, -1, SC_ELIMIT, "tbsStatus.entries: more than 1000000 entries");
    free(e.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_verify__every_byte_flip_fails),
        cmocka_unit_test(status_parse__truncation_at_every_length_is_a_clean_error),
        cmocka_unit_test(status_verify__refuses_another_signer_certificate),
        cmocka_unit_test(status_verify__refuses_a_signer_without_ocsp_signing),
        cmocka_unit_test(status_verify__refuses_a_wrong_key_hash),
        cmocka_unit_test(status_verify__refuses_a_stale_response),
        cmocka_unit_test(status_verify__refuses_an_untrusted_signer),
        cmocka_unit_test(status_parse__errors_name_the_field),
        cmocka_unit_test(status_parse__sizes_and_limits),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

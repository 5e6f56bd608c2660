/* test_ses_tamper.c: damaged copies of the ofdrw vectors, made in memory from the valid files
 * (UserV4.esl, UserV1.esl, SignedValueV4.dat): never a crash, never a pass.
 * - tamper tables (STYLE.md §6) for sc_ses_seal_parse and sc_ses_sig_parse: exact code and
 *   message per kind of damage, and exit code 2 from sc_verify_der;
 * - every truncation 0..len-1, as is and with every enclosing length rewritten to end at the
 *   cut (so that the inner parsers meet the cut, not just the outer header);
 * - single flipped bytes at offsets found through the API (picture, maker and signer signature
 *   values, dataHash, signer certificate, maker public key) with the check that must fail;
 * - a bit-flip sweep (every 7th byte) through sc_verify_der: some check fails or exit code 2.
 * Run under ASan/UBSan too: every input is handed over in a heap block of exactly its size. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "sealcore/ses.h"
#include "sealcore/time.h"
#include "sealcore/verify.h"
#include "testutil.h"

/* ---- fixtures ---------------------------------------------------------------------------- */

struct vec {
    const char *name;
    uint8_t *der;
    size_t len;
};
static struct vec v4 = { "UserV4.esl", NULL, 0 };
static struct vec v1 = { "UserV1.esl", NULL, 0 };
static struct vec sv4 = { "SignedValueV4.dat", NULL, 0 };

static const uint8_t zero_sm3[32];   /* SignedValueV4's dataHash: SM3 "of" its data */

static int group_setup(void **state)
{
    struct vec *all[] = { &v4, &v1, &sv4 };

    (void)state;
    for (size_t i = 0; i < 3; i++)
        if (sc_test_read(sc_test_path(sc_test_path(sc_test_vectors(), "ofdrw"), all[i]->name),
                         &all[i]->der, &all[i]->len) != 0)
            return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(v4.der);
    free(v1.der);
    free(sv4.der);
    return 0;
}


/* A heap block of exactly n bytes (at least 1) holding p: over-reads hit ASan's redzone. */
static uint8_t *exact(const uint8_t *p, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);

    assert_non_null(b);
    memcpy(b, p, n);
    return b;
}

static sc_report *verify(const uint8_t *der, size_t len, const sc_verify_opts *o)
{
    uint8_t *b = exact(der, len);
    sc_report *rep = NULL;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_report_new(&rep, NULL, NULL, &err), 0);
    if (sc_verify_der(rep, b, len, o, &err) != 0)
        fail_msg("sc_verify_der returned an error, not a report: %s", err.msg);
    free(b);
    return rep;
}

/* The vector with the byte at off XORed with mask, verified. */
static sc_report *verify_flipped(const struct vec *v, size_t off, uint8_t mask,
                                 const sc_verify_opts *o)
{
    uint8_t *b = exact(v->der, v->len);
    sc_report *rep;

    assert_true(off < v->len);
    b[off] ^= mask;
    rep = verify(b, v->len, o);
    free(b);
    return rep;
}

/* Check c of item 0 is want, and its reason contains frag (NULL: reason not looked at). */
static void expect(const sc_report *rep, sc_check c, sc_result want, const char *frag)
{
    char m[1200];

    assert_int_equal(sc_report_item_count(rep), 1);
    if (!sc_test_check_is(rep, 0, c, want, frag, m, sizeof(m)))
        fail_msg("%s", m);
}

static int some_check_failed(const sc_report *rep)
{
    for (size_t i = 0; i < sc_report_item_count(rep); i++)
        for (int c = 0; c < SC_CHECK_COUNT; c++)
            if (sc_report_get_check(rep, i, (sc_check)c, NULL) == SC_RESULT_FAILED)
                return 1;
    return 0;
}

static void parse_any(const struct vec *v, const uint8_t *der, size_t len, int *rc, sc_err *err)
{
    if (v == &sv4) {
        sc_ses_sig *sig = NULL;
        *rc = sc_ses_sig_parse(&sig, der, len, err);
        if ((*rc == 0) != (sig != NULL))
            fail_msg("sc_ses_sig_parse: rc %d but out %p", *rc, (void *)sig);
        sc_ses_sig_free(sig);
    } else {
        sc_ses_seal *seal = NULL;
        *rc = sc_ses_seal_parse(&seal, der, len, err);
        if ((*rc == 0) != (seal != NULL))
            fail_msg("sc_ses_seal_parse: rc %d but out %p", *rc, (void *)seal);
        sc_ses_seal_free(seal);
    }
}

/* Where a span the API hands out lies in the file: offset of get(parsed v), its length in *len.
 * The parse copies its input, so offsets are taken against the copy's start. */
typedef const uint8_t *(*seal_get)(const sc_ses_seal *, size_t *);
typedef const uint8_t *(*sig_get)(const sc_ses_sig *, size_t *);

static size_t seal_span(const struct vec *v, seal_get get, size_t *len)
{
    sc_ses_seal *seal = NULL;
    sc_err err = SC_ERR_INIT;
    size_t n, off;

    if (sc_ses_seal_parse(&seal, v->der, v->len, &err) != 0)
        fail_msg("%s: %s", v->name, err.msg);
    off = (size_t)(get(seal, len) - sc_ses_seal_get_der(seal, &n));
    sc_ses_seal_free(seal);
    return off;
}

static size_t sig_span(sig_get get, size_t *len)   /* of SignedValueV4 */
{
    sc_ses_sig *sig = NULL;
    sc_err err = SC_ERR_INIT;
    size_t n, off;

    if (sc_ses_sig_parse(&sig, sv4.der, sv4.len, &err) != 0)
        fail_msg("%s: %s", sv4.name, err.msg);
    off = (size_t)(get(sig, len) - sc_ses_sig_get_der(sig, &n));
    sc_ses_sig_free(sig);
    return off;
}

/* ---- tamper tables ----------------------------------------------------------------------- */

/* Offsets from `openssl asn1parse -inform DER -i`. UserV4.esl: 0 SEQUENCE hl=4 l=17007;
 * 4 esealInfo hl=4 l=16389; 14 header.version INTEGER; 29 esID IA5String; 16937 signedValue
 * BIT STRING hl=2 (unused-bits octet at 16939). SignedValueV4.dat: 0 SEQUENCE hl=4 l=17722;
 * 25 eseal header.version; 17022 timeInfo; 17641 signatureAlgID; 17651 signature (17653). */
static size_t empty(uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
static size_t cut_last(uint8_t *d, size_t n) { (void)d; return n - 1; }
static size_t add_byte(uint8_t *d, size_t n) { d[n] = 0; return n + 1; }
static size_t set_tag(uint8_t *d, size_t n) { d[0] = 0x31; return n; }
static size_t indefinite(uint8_t *d, size_t n) { d[1] = 0x80; return n; }
static size_t len_5_octets(uint8_t *d, size_t n) { d[1] = 0x85; return n; }
static size_t v4_version_octets(uint8_t *d, size_t n) { d[14] = 0x04; return n; }
static size_t v4_esid_long_tag(uint8_t *d, size_t n) { d[29] = 0x1f; return n; }
static size_t v4_info_too_long(uint8_t *d, size_t n) { d[6] = 0x7f; d[7] = 0xff; return n; }
static size_t v4_value_unused_bits(uint8_t *d, size_t n) { d[16939] = 0x01; return n; }
static size_t v4_int_timestamp(uint8_t *d, size_t n)    /* a 5th element: INTEGER 0 */
{
    d[n] = 0x02;
    d[n + 1] = 0x01;
    d[n + 2] = 0x00;
    d[2] = (uint8_t)((n + 3 - 4) >> 8);
    d[3] = (uint8_t)(n + 3 - 4);
    return n + 3;
}
static size_t sv4_seal_version_octets(uint8_t *d, size_t n) { d[25] = 0x04; return n; }
static size_t sv4_time_integer(uint8_t *d, size_t n) { d[17022] = 0x02; return n; }
static size_t sv4_alg_octets(uint8_t *d, size_t n) { d[17641] = 0x04; return n; }
static size_t sv4_value_unused_bits(uint8_t *d, size_t n) { d[17653] = 0x01; return n; }

struct tamper {   /* one row per kind of damage; apply() returns the new length */
    const char *name;
    size_t (*apply)(uint8_t *, size_t);
    int code;
    const char *msg;
};

static const struct tamper seal_tampers[] = {   /* applied to UserV4.esl (17011 bytes) */
    { "empty", empty, SC_EFORMAT, "SES_Seal: 0 bytes, expected 1..8388608" },
    { "truncated by one", cut_last, SC_EFORMAT,
      "SES_Seal: length 17007 exceeds the 17006 bytes available" },
    { "trailing byte", add_byte, SC_EFORMAT, "SES_Seal: 1 bytes of trailing data" },
    { "SET, not SEQUENCE", set_tag, SC_EFORMAT, "SES_Seal: expected tag 0x30, found 0x31" },
    { "indefinite length", indefinite, SC_EFORMAT, "SES_Seal: indefinite length (BER) is not DER" },
    { "5 length octets", len_5_octets, SC_EFORMAT,
      "SES_Seal: length has 5 octets, at most 4 allowed" },
    { "version an OCTET STRING", v4_version_octets, SC_EFORMAT,
      "SES_Seal.esealInfo.header.version: expected tag 0x02, found 0x04" },
    { "esID with a multi-octet tag", v4_esid_long_tag, SC_EFORMAT,
      "SES_Seal.esealInfo.esID: multi-octet tag 0x1f is not used by this format" },
    { "esealInfo longer than the seal", v4_info_too_long, SC_EFORMAT,
      "SES_Seal.esealInfo: length 32767 exceeds the 17003 bytes available" },
    { "signedValue with unused bits", v4_value_unused_bits, SC_EFORMAT,
      "SES_Seal.signedValue: BIT STRING has 1 unused bits, 0 expected" },
    { "timeStamp an INTEGER", v4_int_timestamp, SC_EFORMAT,
      "SES_Seal.timeStamp: expected BIT STRING, found tag 0x02" },
};

static const struct tamper sig_tampers[] = {   /* applied to SignedValueV4.dat (17726 bytes) */
    { "empty", empty, SC_EFORMAT, "SES_Signature: 0 bytes, expected 1..16777216" },
    { "truncated by one", cut_last, SC_EFORMAT,
      "SES_Signature: length 17722 exceeds the 17721 bytes available" },
    { "trailing byte", add_byte, SC_EFORMAT, "SES_Signature: 1 bytes of trailing data" },
    { "SET, not SEQUENCE", set_tag, SC_EFORMAT, "SES_Signature: expected tag 0x30, found 0x31" },
    { "indefinite length", indefinite, SC_EFORMAT,
      "SES_Signature: indefinite length (BER) is not DER" },
    { "seal version an OCTET STRING", sv4_seal_version_octets, SC_EFORMAT,
      "SES_Signature.toSign.eseal: SES_Seal.esealInfo.header.version: expected tag 0x02, "
      "found 0x04" },
    { "timeInfo an INTEGER", sv4_time_integer, SC_EFORMAT,
      "SES_Signature.toSign.timeInfo: expected a time, found tag 0x02" },
    { "signatureAlgID an OCTET STRING", sv4_alg_octets, SC_EFORMAT,
      "SES_Signature.signatureAlgID: expected tag 0x06, found 0x04" },
    { "signature with unused bits", sv4_value_unused_bits, SC_EFORMAT,
      "SES_Signature.signature: BIT STRING has 1 unused bits, 0 expected" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Apply row t to a copy of v; the result in an exact-size block (caller frees). */
static uint8_t *tampered(const struct vec *v, const struct tamper *t, size_t *len)
{
    uint8_t *buf = malloc(v->len + 16);
    uint8_t *out;

    assert_non_null(buf);
    memcpy(buf, v->der, v->len);
    *len = t->apply(buf, v->len);
    out = exact(buf, *len);
    free(buf);
    return out;
}

static void run_parse_table(const struct vec *v, const struct tamper *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct tamper *t = &rows[i];
        sc_err err = SC_ERR_INIT;
        size_t len;
        uint8_t *buf = tampered(v, t, &len);
        int rc;
        parse_any(v, buf, len, &rc, &err);
        free(buf);
        if (rc != t->code || err.code != t->code || strstr(err.msg, t->msg) == NULL)
            fail_msg("%s: got %d \"%s\", expected %d \"%s\"", t->name, rc, err.msg, t->code,
                     t->msg);
    }
}

static void run_verify_table(const struct vec *v, const struct tamper *rows, size_t n)
{
    sc_verify_opts o = { .data_sm3 = zero_sm3 };

    for (size_t i = 0; i < n; i++) {
        size_t len;
        uint8_t *buf = tampered(v, &rows[i], &len);
        sc_report *rep = verify(buf, len, &o);
        int code = sc_report_exit_code(rep);
        size_t items = sc_report_item_count(rep);
        sc_report_free(rep);
        free(buf);
        if (code != 2 || items != 0)
            fail_msg("%s: exit code %d with %zu items, expected 2 with none", rows[i].name, code,
                     items);
    }
}

static void ses_seal_parse__rejects_each_tamper(void **state)
{
    (void)state;
    run_parse_table(&v4, seal_tampers, COUNT(seal_tampers));
}

static void ses_sig_parse__rejects_each_tamper(void **state)
{
    (void)state;
    run_parse_table(&sv4, sig_tampers, COUNT(sig_tampers));
}

static void verify_der__reports_each_seal_tamper_as_unreadable(void **state)
{
    (void)state;
    run_verify_table(&v4, seal_tampers, COUNT(seal_tampers));
}

static void verify_der__reports_each_sig_tamper_as_unreadable(void **state)
{
    (void)state;
    run_verify_table(&sv4, sig_tampers, COUNT(sig_tampers));
}

/* ---- truncations ------------------------------------------------------------------------- */

/* In buf (the first cut bytes of v), rewrite the length of every constructed element that
 * contains offset cut so that it ends there. Header sizes are kept (a long-form length keeps
 * its octet count), so offsets do not move; stops at an element whose header is cut. */
static void end_lengths_at(uint8_t *buf, const struct vec *v, size_t cut)
{
    size_t pos = 0, end = v->len;

    while (pos < end && pos + 2 <= cut) {
        const uint8_t *h = v->der + pos;
        size_t k = h[1] < 0x80 ? 0 : (size_t)(h[1] & 0x7f), len = h[1] < 0x80 ? h[1] : 0;
        for (size_t i = 0; i < k; i++)
            len = (len << 8) | h[2 + i];
        size_t hdr = 2 + k;
        if (cut >= pos + hdr + len) {   /* wholly before the cut */
            pos += hdr + len;
            continue;
        }
        if (cut < pos + hdr)            /* the header itself is cut */
            return;
        size_t nl = cut - pos - hdr;
        if (k == 0)
            buf[pos + 1] = (uint8_t)nl;
        for (size_t i = 0; i < k; i++)
            buf[pos + 2 + i] = (uint8_t)(nl >> (8 * (k - 1 - i)));
        if (!(h[0] & 0x20))             /* primitive: its content is what is cut */
            return;
        end = pos + hdr + len;
        pos += hdr;
    }
}

/* Offset in v of its outermost signature value (content after the unused-bits octet): a cut
 * past it, with the lengths ending at the cut, leaves well-formed DER whose signature value is
 * merely shorter. */
static size_t value_offset(const struct vec *v)
{
    size_t n;

    return v == &sv4 ? sig_span(sc_ses_sig_get_signature, &n)
                     : seal_span(v, sc_ses_seal_get_signature, &n);
}

/* Every prefix of v must fail to parse with SC_EFORMAT and make sc_verify_der report exit code
 * 2 without items. With fixed set, the enclosing lengths are first rewritten to end at the
 * cut, so the inner parsers meet it; then a cut inside the outermost signature value parses,
 * and verification must fail a check instead. */
static void every_truncation(const struct vec *v, int fixed)
{
    sc_verify_opts o = { .data_sm3 = zero_sm3, .at = sc_test_time("2020-10-12T12:00:00Z") };
    size_t value = fixed ? value_offset(v) : SIZE_MAX;

    for (size_t cut = 0; cut < v->len; cut++) {
        uint8_t *buf = exact(v->der, cut);
        sc_err err = SC_ERR_INIT;
        int rc, parses = cut >= value;
        if (fixed)
            end_lengths_at(buf, v, cut);
        parse_any(v, buf, cut, &rc, &err);
        if (parses ? rc != 0 : (rc != SC_EFORMAT || err.code != SC_EFORMAT))
            fail_msg("%s cut at %zu%s: parse gave %d \"%s\"", v->name, cut,
                     fixed ? " (lengths fixed)" : "", rc, err.msg);
        /* unfixed, the outer header names the problem (or there is no header at all) */
        const char *frag = cut == 0 ? "0 bytes" : cut < 4 ? "truncated" : "exceeds the";
        if (!fixed && strstr(err.msg, frag) == NULL)
            fail_msg("%s cut at %zu: \"%s\" lacks \"%s\"", v->name, cut, err.msg, frag);
        sc_report *rep = verify(buf, cut, &o);
        int code = sc_report_exit_code(rep), failed = some_check_failed(rep);
        size_t items = sc_report_item_count(rep);
        sc_report_free(rep);
        free(buf);
        if (parses ? (items != 1 || code != 1 || !failed) : (code != 2 || items != 0))
            fail_msg("%s cut at %zu%s: exit code %d with %zu items%s", v->name, cut,
                     fixed ? " (lengths fixed)" : "", code, items, failed ? "" : ", none failed");
    }
}

static void ses_seal_parse__rejects_every_truncation_of_v4(void **state)
{
    (void)state;
    every_truncation(&v4, 0);
}

static void ses_seal_parse__rejects_every_truncation_of_v1(void **state)
{
    (void)state;
    every_truncation(&v1, 0);
}

static void ses_sig_parse__rejects_every_truncation_of_v4(void **state)
{
    (void)state;
    every_truncation(&sv4, 0);
}

static void ses_seal_parse__rejects_every_deep_truncation_of_v4(void **state)
{
    (void)state;
    every_truncation(&v4, 1);
}

static void ses_seal_parse__rejects_every_deep_truncation_of_v1(void **state)
{
    (void)state;
    every_truncation(&v1, 1);
}

static void ses_sig_parse__rejects_every_deep_truncation_of_v4(void **state)
{
    (void)state;
    every_truncation(&sv4, 1);
}

/* ---- single flipped bytes at offsets found through the API --------------------------------- */

static sc_ses_seal *parse_v4(void)
{
    sc_ses_seal *seal = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ses_seal_parse(&seal, v4.der, v4.len, &err) != 0)
        fail_msg("UserV4.esl: %s", err.msg);
    return seal;
}

static void verify_der__flipped_picture_byte_fails_seal_signature(void **state)
{
    sc_verify_opts o = { .at = sc_test_time("2020-10-12T12:00:00Z") };
    sc_ses_seal *seal = parse_v4();
    size_t n;
    const uint8_t *base = sc_ses_seal_get_der(seal, &n);
    const sc_ses_seal_info *i = sc_ses_seal_get_info(seal);
    size_t off = (size_t)(i->picture - base) + i->picture_len / 2;
    sc_report *rep;

    (void)state;
    sc_ses_seal_free(seal);
    rep = verify_flipped(&v4, off, 0x01, &o);
    expect(rep, SC_CHECK_STRUCTURE, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_SEAL_SIGNATURE, SC_RESULT_FAILED,
           "maker signature: the signature value does not match");
    sc_report_free(rep);
}

static void verify_der__flipped_maker_signature_byte_fails_seal_signature(void **state)
{
    sc_verify_opts o = { .at = sc_test_time("2020-10-12T12:00:00Z") };
    size_t n, off = seal_span(&v4, sc_ses_seal_get_signature, &n);
    sc_report *rep;

    (void)state;
    off += n - 2;   /* inside s, near the end of the file */
    assert_int_equal(off, v4.len - 2);
    rep = verify_flipped(&v4, off, 0x01, &o);
    expect(rep, SC_CHECK_STRUCTURE, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_SEAL_SIGNATURE, SC_RESULT_FAILED,
           "maker signature: the signature value does not match");
    sc_report_free(rep);
}

/* The maker certificate is outside SES_SealInfo in V4: a changed key must not verify. */
static void verify_der__flipped_maker_public_key_fails_seal_signature(void **state)
{
    sc_verify_opts o = { .at = sc_test_time("2020-10-12T12:00:00Z") };
    sc_ses_seal *seal = parse_v4();
    size_t n, clen;
    const uint8_t *base = sc_ses_seal_get_der(seal, &n);
    const unsigned char *cp = sc_ses_seal_get_maker_cert(seal, &clen);
    X509 *x = d2i_X509(NULL, &cp, (long)clen);
    const ASN1_BIT_STRING *key;
    const uint8_t *found;
    sc_report *rep;

    (void)state;
    assert_non_null(x);
    key = X509_get0_pubkey_bitstr(x);
    assert_int_equal(ASN1_STRING_length(key), 65);   /* 04 || x || y */
    found = memmem(base, n, ASN1_STRING_get0_data(key), 65);
    assert_non_null(found);
    size_t off = (size_t)(found - base) + 20;        /* inside x */
    X509_free(x);
    sc_ses_seal_free(seal);
    rep = verify_flipped(&v4, off, 0x01, &o);
    expect(rep, SC_CHECK_SEAL_SIGNATURE, SC_RESULT_FAILED, "maker");
    assert_int_equal(sc_report_valid(rep), 0);
    sc_report_free(rep);
}

static void verify_der__flipped_signer_signature_byte_fails_signer_signature(void **state)
{
    sc_verify_opts o = { .data_sm3 = zero_sm3 };
    size_t n, off = sig_span(sc_ses_sig_get_signature, &n);
    sc_report *rep;

    (void)state;
    rep = verify_flipped(&sv4, off + n - 2, 0x01, &o);
    expect(rep, SC_CHECK_STRUCTURE, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_FAILED,
           "signer signature: the signature value does not match");
    expect(rep, SC_CHECK_SEAL_SIGNATURE, SC_RESULT_PASSED, NULL);
    sc_report_free(rep);
}

static const uint8_t *data_hash_of(const sc_ses_sig *sig, size_t *len)
{
    *len = sc_ses_sig_get_info(sig)->data_hash_len;
    return sc_ses_sig_get_info(sig)->data_hash;
}

/* dataHash is inside TBS_Sign, so the signer's signature no longer covers it. */
static void verify_der__flipped_data_hash_byte_fails_signer_signature(void **state)
{
    sc_verify_opts o = { .data_sm3 = zero_sm3 };
    size_t n, off = sig_span(data_hash_of, &n);
    sc_report *rep;

    (void)state;
    assert_int_equal(n, 32);
    rep = verify_flipped(&sv4, off + 5, 0x01, &o);
    expect(rep, SC_CHECK_STRUCTURE, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_FAILED,
           "signer signature: the signature value does not match");
    expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, "differs from dataHash");
    sc_report_free(rep);
}

/* V4 keeps the signer certificate outside TBS_Sign. A byte changed in the certificate's own
 * signature (near its end) leaves it readable and its key intact, so the signer signature
 * still verifies; what must catch it is the seal's certificate list. */
static void verify_der__flipped_signer_cert_byte_fails_signer_in_seal(void **state)
{
    sc_verify_opts o = { .data_sm3 = zero_sm3 };
    size_t n, off = sig_span(sc_ses_sig_get_signer_cert, &n);
    sc_report *rep;

    (void)state;
    rep = verify_flipped(&sv4, off + n - 3, 0x01, &o);
    expect(rep, SC_CHECK_STRUCTURE, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_SIGNER_IN_SEAL, SC_RESULT_FAILED,
           "not in the seal's certificate list");
    assert_int_equal(sc_report_valid(rep), 0);
    assert_int_equal(sc_report_exit_code(rep), 1);
    sc_report_free(rep);
}

/* ---- bit-flip sweeps ---------------------------------------------------------------------- */

/* One bit (bit off % 8) flipped at every 7th offset: never a crash, and either unreadable
 * (exit code 2) or some check FAILED. (Without anchors the chain is skipped, so the exit
 * code alone would be 1 even for an untouched file: that is not enough.) */
static void sweep(const struct vec *v, const sc_verify_opts *o)
{
    for (size_t off = 0; off < v->len; off += 7) {
        sc_report *rep = verify_flipped(v, off, (uint8_t)(1u << (off % 8)), o);
        int code = sc_report_exit_code(rep), failed = some_check_failed(rep);
        sc_report_free(rep);
        if (code == 0 || (code != 2 && !failed))
            fail_msg("%s, bit %zu of byte %zu flipped: exit code %d and no check failed", v->name,
                     off % 8, off, code);
    }
}

static void verify_der__never_passes_a_flipped_bit_in_v4_signature(void **state)
{
    sc_verify_opts o = { .data_sm3 = zero_sm3 };

    (void)state;
    sweep(&sv4, &o);
}

/* V1 seals sign the maker certificate too, so every byte of UserV1 is covered. */
static void verify_der__never_passes_a_flipped_bit_in_v1_seal(void **state)
{
    sc_verify_opts o = { .at = sc_test_time("2020-10-12T12:00:00Z") };

    (void)state;
    sweep(&v1, &o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ses_seal_parse__rejects_each_tamper),
        cmocka_unit_test(ses_sig_parse__rejects_each_tamper),
        cmocka_unit_test(verify_der__reports_each_seal_tamper_as_unreadable),
        cmocka_unit_test(verify_der__reports_each_sig_tamper_as_unreadable),
        cmocka_unit_test(ses_seal_parse__rejects_every_truncation_of_v4),
        cmocka_unit_test(ses_seal_parse__rejects_every_truncation_of_v1),
        cmocka_unit_test(ses_sig_parse__rejects_every_truncation_of_v4),
        cmocka_unit_test(ses_seal_parse__rejects_every_deep_truncation_of_v4),
        cmocka_unit_test(ses_seal_parse__rejects_every_deep_truncation_of_v1),
        cmocka_unit_test(ses_sig_parse__rejects_every_deep_truncation_of_v4),
        cmocka_unit_test(verify_der__flipped_picture_byte_fails_seal_signature),
        cmocka_unit_test(verify_der__flipped_maker_signature_byte_fails_seal_signature),
        cmocka_unit_test(verify_der__flipped_maker_public_key_fails_seal_signature),
        cmocka_unit_test(verify_der__flipped_signer_signature_byte_fails_signer_signature),
        cmocka_unit_test(verify_der__flipped_data_hash_byte_fails_signer_signature),
        cmocka_unit_test(verify_der__flipped_signer_cert_byte_fails_signer_in_seal),
        cmocka_unit_test(verify_der__never_passes_a_flipped_bit_in_v4_signature),
        cmocka_unit_test(verify_der__never_passes_a_flipped_bit_in_v1_seal),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

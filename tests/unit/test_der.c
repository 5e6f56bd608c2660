/* test_der.c: the DER reader's framing rules and value decoders, and the writer's headers and
 * output buffer (seal-core/src/der); the UTF-8 decoder every text check shares (sc_int.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "der/der_int.h"

#define EXPECT_ERR(call, c, frag)                                                          \
    do {                                                                                    \
        sc_err e_ = SC_ERR_INIT;                                                            \
        int rc_ = (call);                                                                   \
        (void)rc_;                                                                          \
        if (e_.code != (c) || strstr(e_.msg, (frag)) == NULL)                               \
            fail_msg("expected %s \"%s\", got %s \"%s\"", sc_err_name(c), frag,            \
                     sc_err_name(e_.code), e_.msg);                                         \
    } while (0)

static int get(const uint8_t *p, size_t n, uint8_t tag, sc_tlv *t, sc_err *e)
{
    sc_der r;

    sc__der_init(&r, p, n);
    return sc__der_get(&r, tag, t, "field", e);
}

static void der_get__reads_short_and_long_lengths(void **state)
{
    static const uint8_t short_form[] = { 0x04, 0x02, 0xaa, 0xbb };
    uint8_t long_form[3 + 200] = { 0x04, 0x81, 200 };
    sc_tlv t;

    (void)state;
    assert_int_equal(get(short_form, sizeof(short_form), 0x04, &t, NULL), 0);
    assert_int_equal(t.val.len, 2);
    assert_int_equal(t.all.len, 4);
    assert_int_equal(get(long_form, sizeof(long_form), 0x04, &t, NULL), 0);
    assert_int_equal(t.val.len, 200);
    assert_ptr_equal(t.val.p, long_form + 3);
}

static void der_get__rejects_each_bad_header(void **state)
{
    static const uint8_t indefinite[] = { 0x30, 0x80, 0x00, 0x00 };
    static const uint8_t five_octets[] = { 0x04, 0x85, 0, 0, 0, 0, 1, 0 };
    static const uint8_t too_long[] = { 0x04, 0x03, 0xaa };
    static const uint8_t long_trunc[] = { 0x04, 0x82, 0x01 };
    static const uint8_t multi_tag[] = { 0x1f, 0x81, 0x01, 0x00 };
    static const uint8_t wrong_tag[] = { 0x31, 0x00 };
    sc_tlv t;

    (void)state;
    EXPECT_ERR(get(indefinite, 4, 0x30, &t, &e_), SC_EFORMAT, "field: indefinite length");
    EXPECT_ERR(get(five_octets, 8, 0x04, &t, &e_), SC_EFORMAT, "5 octets, at most 4");
    EXPECT_ERR(get(too_long, 3, 0x04, &t, &e_), SC_EFORMAT,
               "length 3 exceeds the 1 bytes available");
    EXPECT_ERR(get(long_trunc, 3, 0x04, &t, &e_), SC_EFORMAT, "truncated inside the length");
    EXPECT_ERR(get(multi_tag, 4, 0x1f, &t, &e_), SC_EFORMAT, "multi-octet tag");
    EXPECT_ERR(get(wrong_tag, 2, 0x30, &t, &e_), SC_EFORMAT, "expected tag 0x30, found 0x31");
    EXPECT_ERR(get(wrong_tag, 0, 0x30, &t, &e_), SC_EFORMAT, "missing");
    EXPECT_ERR(get(wrong_tag, 1, 0x31, &t, &e_), SC_EFORMAT, "truncated");
}

static void der_leave__rejects_trailing_data(void **state)
{
    static const uint8_t seq[] = { 0x30, 0x05, 0x02, 0x01, 0x01, 0x05, 0x00 };
    sc_der r, sub;
    sc_tlv t;

    (void)state;
    sc__der_init(&r, seq, sizeof(seq));
    assert_int_equal(sc__der_enter(&r, 0x30, &sub, NULL, "seq", NULL), 0);
    assert_int_equal(sc__der_get(&sub, 0x02, &t, "int", NULL), 0);
    EXPECT_ERR(sc__der_leave(&sub, "seq", &e_), SC_EFORMAT, "seq: 2 bytes of trailing data");
}

static void der_enter__caps_nesting_at_max_depth(void **state)
{
    uint8_t buf[2 * (SC_DER_MAX_DEPTH + 2)];
    size_t n = SC_DER_MAX_DEPTH + 2;
    sc_der r, sub;
    int depth = 0, rc = 0;
    sc_err e = SC_ERR_INIT;

    (void)state;
    for (size_t i = 0; i < n; i++) {   /* 30 (2(n-i-1)) nested */
        buf[2 * i] = 0x30;
        buf[2 * i + 1] = (uint8_t)(2 * (n - i - 1));
    }
    sc__der_init(&r, buf, 2 * n);
    while ((rc = sc__der_enter(&r, 0x30, &sub, NULL, "x", &e)) == 0) {
        r = sub;
        depth++;
    }
    assert_int_equal(depth, SC_DER_MAX_DEPTH);
    assert_int_equal(rc, SC_ELIMIT);
    assert_non_null(strstr(e.msg, "nested deeper than 32"));
}

static void der_uint__reads_unpadded_values_as_unsigned(void **state)
{
    static const uint8_t unpadded[] = { 0x02, 0x01, 0x80 };
    static const uint8_t padded[] = { 0x02, 0x02, 0x00, 0x80 };
    static const uint8_t huge[] = { 0x02, 0x09, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
    sc_tlv t;
    int64_t v = 0;

    (void)state;
    assert_int_equal(get(unpadded, 3, 0x02, &t, NULL), 0);
    assert_int_equal(sc__der_uint(&t, &v, "w", NULL), 0);
    assert_int_equal(v, 128);
    assert_int_equal(get(padded, 4, 0x02, &t, NULL), 0);
    assert_int_equal(sc__der_uint(&t, &v, "w", NULL), 0);
    assert_int_equal(v, 128);
    assert_int_equal(get(huge, sizeof(huge), 0x02, &t, NULL), 0);
    EXPECT_ERR(sc__der_uint(&t, &v, "w", &e_), SC_ELIMIT, "larger than 2^63-1");
}

static void der_text__accepts_string_variants(void **state)
{
    static const uint8_t bmp[] = { 0x1e, 0x04, 0x53, 0x70, 0x7a, 0xe0 };   /* 印章 */
    static const uint8_t printable[] = { 0x13, 0x02, 'E', 'S' };
    static const uint8_t nul[] = { 0x16, 0x03, 'E', 0, 'S' };
    static const uint8_t padded[] = { 0x0c, 0x04, 'E', 'S', 0, 0 };   /* BaiWang: buffer tail */
    static const uint8_t odd_bmp[] = { 0x1e, 0x01, 0x53 };
    sc_tlv t;
    char *s = NULL;

    (void)state;
    assert_int_equal(get(bmp, sizeof(bmp), 0x1e, &t, NULL), 0);
    assert_int_equal(sc__der_text(&t, &s, "name", NULL), 0);
    assert_string_equal(s, "\xe5\x8d\xb0\xe7\xab\xa0");
    free(s);
    assert_int_equal(get(printable, sizeof(printable), 0x13, &t, NULL), 0);
    assert_int_equal(sc__der_text(&t, &s, "id", NULL), 0);
    assert_string_equal(s, "ES");
    free(s);
    assert_int_equal(get(nul, sizeof(nul), 0x16, &t, NULL), 0);
    EXPECT_ERR(sc__der_text(&t, &s, "id", &e_), SC_EFORMAT, "NUL");
    assert_int_equal(get(padded, sizeof(padded), 0x0c, &t, NULL), 0);
    assert_int_equal(sc__der_text(&t, &s, "name", NULL), 0);
    assert_string_equal(s, "ES");
    free(s);
    assert_int_equal(get(odd_bmp, sizeof(odd_bmp), 0x1e, &t, NULL), 0);
    EXPECT_ERR(sc__der_text(&t, &s, "id", &e_), SC_EFORMAT, "not valid UCS-2");
}

/* Unused bits: 0, or 1..7 that are zero (a named-bit-list writer; Suwell's dataHash and
 * signatures), read as the whole octets; bits that are set, a count over 7, or a count with no
 * octet after it are refused. */
static void der_bits__reads_zero_unused_bits_and_rejects_others(void **state)
{
    static const struct { uint8_t der[4]; size_t len; int rc; const char *msg; } rows[] = {
        { { 0x03, 0x02, 0x00, 0xff }, 4, 0, NULL },
        { { 0x03, 0x02, 0x07, 0x80 }, 4, 0, NULL },            /* gonghang_1's signature */
        { { 0x03, 0x02, 0x03, 0xd8 }, 4, 0, NULL },            /* acc-20220101's dataHash */
        { { 0x03, 0x02, 0x01, 0x81 }, 4, SC_EFORMAT, "dataHash: BIT STRING has 1 unused bits, "
          "0 expected (or 1..7 zero bits)" },
        { { 0x03, 0x02, 0x07, 0xc0 }, 4, SC_EFORMAT, "has 7 unused bits" },
        { { 0x03, 0x02, 0x08, 0x00 }, 4, SC_EFORMAT, "has 8 unused bits" },
        { { 0x03, 0x01, 0x01 }, 3, SC_EFORMAT, "has 1 unused bits" },
        { { 0x03, 0x00 }, 2, SC_EFORMAT, "no unused-bits octet" },
    };
    sc_tlv t;
    sc_span s;

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(get(rows[i].der, rows[i].len, 0x03, &t, NULL), 0);
        if (rows[i].rc == 0) {
            assert_int_equal(sc__der_bits(&t, &s, "dataHash", NULL), 0);
            assert_int_equal(s.len, rows[i].len - 3);
            assert_ptr_equal(s.p, t.val.p + 1);
        } else {
            EXPECT_ERR(sc__der_bits(&t, &s, "dataHash", &e_), rows[i].rc, rows[i].msg);
        }
    }
}

static void der_oid__formats_sm2_with_sm3(void **state)
{
    static const uint8_t oid[] = { 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75 };
    static const uint8_t cut[] = { 0x06, 0x02, 0x2a, 0x81 };
    sc_tlv t;
    char buf[64];

    (void)state;
    assert_int_equal(get(oid, sizeof(oid), 0x06, &t, NULL), 0);
    assert_int_equal(sc__der_oid(&t, buf, sizeof(buf), "alg", NULL), 0);
    assert_string_equal(buf, "1.2.156.10197.1.501");
    assert_int_equal(get(cut, sizeof(cut), 0x06, &t, NULL), 0);
    EXPECT_ERR(sc__der_oid(&t, buf, sizeof(buf), "alg", &e_), SC_EFORMAT, "truncated");
}

static void der_time__reads_both_types_and_offsets(void **state)
{
    static const uint8_t gen[] = { 0x18, 0x0f, '2', '0', '2', '0', '1', '0', '1', '2', '1', '1',
                                   '1', '4', '0', '3', 'Z' };
    static const uint8_t utc[] = { 0x17, 0x11, '2', '0', '1', '0', '1', '2', '1', '9', '1', '4',
                                   '0', '3', '+', '0', '8', '0', '0' };
    static const uint8_t bad[] = { 0x18, 0x0f, '2', '0', '2', '0', '1', '3', '0', '1', '0', '0',
                                   '0', '0', '0', '0', 'Z' };
    sc_tlv t;
    int64_t v;

    (void)state;
    assert_int_equal(get(gen, sizeof(gen), 0x18, &t, NULL), 0);
    assert_int_equal(sc__der_time(&t, &v, "timeInfo", NULL), 0);
    assert_int_equal(v, 1602501243);   /* date -d 2020-10-12T11:14:03Z +%s */
    assert_int_equal(get(utc, sizeof(utc), 0x17, &t, NULL), 0);
    assert_int_equal(sc__der_time(&t, &v, "timeInfo", NULL), 0);
    assert_int_equal(v, 1602501243);
    assert_int_equal(get(bad, sizeof(bad), 0x18, &t, NULL), 0);
    EXPECT_ERR(sc__der_time(&t, &v, "validEnd", &e_), SC_EFORMAT, "validEnd: malformed time");
}

/* Suwell writes UTCTime text under the GeneralizedTime tag (acc-20220725.ofd); read as what it
 * is when the tag's own form does not fit, and the other way round. */
static void der_time__reads_the_other_form_under_either_tag(void **state)
{
    static const struct { uint8_t tag; const char *text; int64_t want; } rows[] = {
        { 0x18, "220725214633Z", 1658785593 },     /* date -d 2022-07-25T21:46:33Z +%s */
        { 0x17, "20201012111403Z", 1602501243 },
        { 0x18, "221325214633Z", -1 },             /* month 13 in either form */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint8_t der[32];
        size_t n = strlen(rows[i].text);
        sc_tlv t;
        int64_t v;
        der[0] = rows[i].tag;
        der[1] = (uint8_t)n;
        memcpy(der + 2, rows[i].text, n);
        assert_int_equal(get(der, n + 2, rows[i].tag, &t, NULL), 0);
        if (rows[i].want < 0) {
            EXPECT_ERR(sc__der_time(&t, &v, "createDate", &e_), SC_EFORMAT,
                       "createDate: malformed time \"221325214633Z\"");
            continue;
        }
        assert_int_equal(sc__der_time(&t, &v, "createDate", NULL), 0);
        assert_int_equal(v, rows[i].want);
    }
}

static void der_header__round_trips_lengths(void **state)
{
    static const size_t lens[] = { 0, 127, 128, 255, 256, 65535, 65536, 16777216 };
    uint8_t h[6];

    (void)state;
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        size_t n = sc__der_header(h, 0x30, lens[i]), hdr_len = 0;
        size_t decoded = 0;
        if (h[1] < 0x80) {
            decoded = h[1];
            hdr_len = 2;
        } else {
            for (size_t k = 0; k < (size_t)(h[1] & 0x7f); k++)
                decoded = decoded << 8 | h[2 + k];
            hdr_len = 2 + (h[1] & 0x7f);
        }
        assert_int_equal(n, hdr_len);
        assert_int_equal(decoded, lens[i]);
    }
}

static void der_wrap__nests_elements_with_minimal_headers(void **state)
{
    static const uint8_t want[] = { 0x30, 0x05, 0x04, 0x03, 'a', 'b', 'c' };
    sc_der_buf b = SC_DER_BUF_INIT(64);
    uint8_t big[200];

    (void)state;
    sc__der_put(&b, "abc", 3);
    sc__der_wrap(&b, 0, SC_TAG_OCTET_STRING);
    sc__der_wrap(&b, 0, SC_TAG_SEQUENCE);
    assert_int_equal(b.failed, 0);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.p, want, sizeof(want));
    free(b.p);
    /* content past 127 bytes: a long-form length, the content moved behind it intact */
    b = (sc_der_buf)SC_DER_BUF_INIT(1024);
    memset(big, 0x5a, sizeof(big));
    sc__der_put(&b, "\x01", 1);
    sc__der_put(&b, big, sizeof(big));
    sc__der_wrap(&b, 1, SC_TAG_OCTET_STRING);
    assert_int_equal(b.failed, 0);
    assert_int_equal(b.len, 1 + 3 + sizeof(big));
    assert_memory_equal(b.p, "\x01\x04\x81\xc8", 4);
    assert_memory_equal(b.p + 4, big, sizeof(big));
    free(b.p);
}

static void der_put__stops_at_max_and_the_failure_sticks(void **state)
{
    sc_der_buf b = SC_DER_BUF_INIT(8);
    uint8_t x[9] = { 0 };

    (void)state;
    sc__der_put(&b, x, 8);                        /* N: fits */
    assert_int_equal(b.failed, 0);
    assert_int_equal(b.len, 8);
    sc__der_put(&b, x, 1);                        /* N + 1: refused, nothing written */
    assert_int_equal(b.failed, SC_DER_BUF_LIMIT);
    assert_int_equal(b.len, 8);
    b.len = 0;                                    /* room again, but the failure sticks */
    sc__der_put(&b, x, 1);
    sc__der_wrap(&b, 0, SC_TAG_SEQUENCE);
    assert_int_equal(b.len, 0);
    free(b.p);
    /* a header that would take the buffer past max fails the wrap, content untouched */
    b = (sc_der_buf)SC_DER_BUF_INIT(9);
    sc__der_put(&b, x, 8);
    sc__der_wrap(&b, 0, SC_TAG_SEQUENCE);
    assert_int_equal(b.failed, SC_DER_BUF_LIMIT);
    assert_int_equal(b.len, 8);
    free(b.p);
}

static void utf8_next__decodes_rfc3629_and_says_why_not(void **state)
{
    static const struct {
        const char *s;
        int32_t cp;
        size_t used;
    } rows[] = {
        { "A", 'A', 1 },
        { "\xc2\x80", 0x80, 2 },
        { "\xe7\x94\xb5", 0x7535, 3 },                      /* 电 */
        { "\xf4\x8f\xbf\xbf", 0x10FFFF, 4 },
        { "\xff", SC_UTF8_BAD_BYTE, 0 },
        { "\x80", SC_UTF8_BAD_BYTE, 0 },                      /* continuation byte first */
        { "\xc0\x80", SC_UTF8_BAD_BYTE, 0 },                  /* overlong NUL: C0 never starts */
        { "\xe5x\xad", SC_UTF8_BAD_BYTE, 1 },                 /* the byte at fault is 'x' */
        { "\xe5\xad", SC_UTF8_CUT, 0 },
        { "\xe0\x80\xaf", SC_UTF8_BAD_SEQ, 0 },              /* overlong "/" */
        { "\xed\xa0\x80", SC_UTF8_BAD_SEQ, 0 },              /* surrogate */
        { "\xf4\x90\x80\x80", SC_UTF8_BAD_SEQ, 0 },          /* above U+10FFFF */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t used = 99;
        int32_t cp = sc__utf8_next((const uint8_t *)rows[i].s, strlen(rows[i].s), &used);
        if (cp != rows[i].cp || used != rows[i].used)
            fail_msg("row %zu: %d (%zu bytes), expected %d (%zu)", i, cp, used, rows[i].cp,
                     rows[i].used);
    }
    assert_int_equal(sc__utf8_ok((const uint8_t *)"a\xe7\x94\xb5z", 5), 1);
    assert_int_equal(sc__utf8_ok((const uint8_t *)"a\0b", 3), 0);       /* NUL refused */
    assert_int_equal(sc__utf8_ok((const uint8_t *)"\xe7\x94", 2), 0);
    assert_int_equal(sc__utf8_ok((const uint8_t *)"", 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(der_get__reads_short_and_long_lengths),
        cmocka_unit_test(der_get__rejects_each_bad_header),
        cmocka_unit_test(der_leave__rejects_trailing_data),
        cmocka_unit_test(der_enter__caps_nesting_at_max_depth),
        cmocka_unit_test(der_uint__reads_unpadded_values_as_unsigned),
        cmocka_unit_test(der_text__accepts_string_variants),
        cmocka_unit_test(der_bits__reads_zero_unused_bits_and_rejects_others),
        cmocka_unit_test(der_oid__formats_sm2_with_sm3),
        cmocka_unit_test(der_time__reads_both_types_and_offsets),
        cmocka_unit_test(der_time__reads_the_other_form_under_either_tag),
        cmocka_unit_test(der_header__round_trips_lengths),
        cmocka_unit_test(der_wrap__nests_elements_with_minimal_headers),
        cmocka_unit_test(der_put__stops_at_max_and_the_failure_sticks),
        cmocka_unit_test(utf8_next__decodes_rfc3629_and_says_why_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

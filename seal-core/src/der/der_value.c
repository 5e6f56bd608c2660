/* der_value.c: decoding the values seals carry (integers, strings, bit strings, OIDs, times),
 * liberally where real files differ from DER (spec/ses-asn1.md §2, §4, §6).
 * Not here: element framing (der_read.c). */
#include "der_int.h"
#include "sealcore/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc__der_uint(const sc_tlv *t, int64_t *out, const char *field, sc_err *err)
{
    const uint8_t *p = t->val.p;
    size_t n = t->val.len;
    uint64_t v = 0;

    if (t->tag != SC_TAG_INTEGER)
        return sc_err_set(err, SC_EFORMAT, "%s: expected INTEGER, found tag 0x%02x", field, t->tag);
    if (n == 0)
        return sc_err_set(err, SC_EFORMAT, "%s: INTEGER with no content octets", field);
    while (n > 1 && p[0] == 0) {  /* tolerate redundant padding */
        p++;
        n--;
    }
    if (n > 8 || (n == 8 && (p[0] & 0x80)))
        return sc_err_set(err, SC_ELIMIT, "%s: INTEGER larger than 2^63-1", field);
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    *out = (int64_t)v;
    return 0;
}

int sc__der_get_uint(sc_der *r, int64_t *out, const char *field, sc_err *err)
{
    sc_tlv t;
    int rc = sc__der_get(r, SC_TAG_INTEGER, &t, field, err);

    return rc != 0 ? rc : sc__der_uint(&t, out, field, err);
}

/* UCS-2 big endian (BMPString) to UTF-8; out holds 3 bytes per unit plus a NUL. */
static int bmp_to_utf8(const uint8_t *p, size_t n, char *out)
{
    size_t o = 0;

    if (n % 2 != 0)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        unsigned c = ((unsigned)p[i] << 8) | p[i + 1];
        if (c == 0 || (c >= 0xd800 && c <= 0xdfff))
            return -1;
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xc0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3f));
        } else {
            out[o++] = (char)(0xe0 | (c >> 12));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[o] = '\0';
    return 0;
}

int sc__der_text(const sc_tlv *t, char **out, const char *field, sc_err *err)
{
    *out = NULL;
    switch (t->tag) {
    case SC_TAG_UTF8: case SC_TAG_IA5: case SC_TAG_PRINTABLE: case SC_TAG_VISIBLE:
    case SC_TAG_T61: case SC_TAG_OCTET_STRING: {
        /* Trailing NULs are the rest of a fixed-size buffer written whole (BaiWang seal names
         * end in six); a NUL inside the text is still refused. */
        size_t n = t->val.len;
        while (n > 0 && t->val.p[n - 1] == 0)
            n--;
        if ((*out = sc__strndup(t->val.p, n, err)) == NULL)
            return sc_err_prefix(err, "%s", field);
        return 0;
    }
    case SC_TAG_BMP: {
        size_t need;
        if (t->val.len > (SIZE_MAX - 1) / 2)
            return sc_err_set(err, SC_ELIMIT, "%s: BMPString too long", field);
        need = t->val.len / 2 * 3 + 1;
        if ((*out = sc__malloc(need, err)) == NULL)
            return SC_ENOMEM;
        if (bmp_to_utf8(t->val.p, t->val.len, *out) != 0) {
            free(*out);
            *out = NULL;
            return sc_err_set(err, SC_EFORMAT, "%s: BMPString is not valid UCS-2", field);
        }
        return 0;
    }
    default:
        return sc_err_set(err, SC_EFORMAT, "%s: expected a string, found tag 0x%02x", field,
                          t->tag);
    }
}

int sc__der_bits(const sc_tlv *t, sc_span *out, const char *field, sc_err *err)
{
    if (t->tag != SC_TAG_BIT_STRING)
        return sc_err_set(err, SC_EFORMAT, "%s: expected BIT STRING, found tag 0x%02x", field,
                          t->tag);
    if (t->val.len == 0)
        return sc_err_set(err, SC_EFORMAT, "%s: BIT STRING has no unused-bits octet", field);
    /* Some writers encode hashes and signatures as named bit lists (X.690 11.2.2: trailing
     * zero bits dropped and counted in this octet; Suwell and others, 1..7 of them). As Go's
     * encoding/asn1 does, such a count is read when the bits it covers are zero: the octets
     * are then the value, whole. A value cut short that way (the writer also drops trailing
     * zero octets) fails where its length is checked, e.g. the SM2Signature SEQUENCE. */
    if (t->val.p[0] != 0 && (t->val.p[0] > 7 || t->val.len < 2 ||
                             (t->val.p[t->val.len - 1] & ((1u << t->val.p[0]) - 1)) != 0))
        return sc_err_set(err, SC_EFORMAT, "%s: BIT STRING has %u unused bits, 0 expected (or "
                          "1..7 zero bits)", field, t->val.p[0]);
    out->p = t->val.p + 1;
    out->len = t->val.len - 1;
    return 0;
}

int sc__der_oid(const sc_tlv *t, char *buf, size_t buflen, const char *field, sc_err *err)
{
    const uint8_t *p = t->val.p;
    size_t n = t->val.len, o = 0;
    uint64_t v = 0;
    int first = 1;

    if (t->tag != SC_TAG_OID)
        return sc_err_set(err, SC_EFORMAT, "%s: expected OBJECT IDENTIFIER, found tag 0x%02x",
                          field, t->tag);
    if (n == 0 || (p[n - 1] & 0x80))
        return sc_err_set(err, SC_EFORMAT, "%s: OBJECT IDENTIFIER is truncated", field);
    for (size_t i = 0; i < n; i++) {
        if (v > (UINT64_MAX >> 7))
            return sc_err_set(err, SC_ELIMIT, "%s: OBJECT IDENTIFIER arc too large", field);
        v = (v << 7) | (p[i] & 0x7f);
        if (p[i] & 0x80)
            continue;
        int w;
        if (first) {
            unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
            w = snprintf(buf + o, buflen - o, "%u.%llu", a, (unsigned long long)(v - 40u * a));
            first = 0;
        } else {
            w = snprintf(buf + o, buflen - o, ".%llu", (unsigned long long)v);
        }
        if (w < 0 || (size_t)w >= buflen - o)
            return sc_err_set(err, SC_ELIMIT, "%s: OBJECT IDENTIFIER longer than %zu characters",
                              field, buflen);
        o += (size_t)w;
        v = 0;
    }
    return 0;
}

static int digits(const uint8_t *p, size_t n, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

/* p (n bytes) as a time whose year has ylen digits (4 GeneralizedTime, 2 UTCTime); -1 when
 * it is not one. */
static int read_time(const uint8_t *p, size_t n, size_t ylen, int64_t *out)
{
    size_t i = ylen;
    int y, mo, d, h, mi, s = 0, off = 0;

    if (n < i + 8 || digits(p, i, &y) != 0 || digits(p + i, 2, &mo) != 0 ||
        digits(p + i + 2, 2, &d) != 0 || digits(p + i + 4, 2, &h) != 0 ||
        digits(p + i + 6, 2, &mi) != 0)
        return -1;
    if (ylen == 2)
        y += y < 50 ? 2000 : 1900;   /* RFC 5280 4.1.2.5.1 */
    i += 8;
    if (n >= i + 2 && p[i] >= '0' && p[i] <= '9') {
        if (digits(p + i, 2, &s) != 0)
            return -1;
        i += 2;
    }
    if (n > i && (p[i] == '.' || p[i] == ',')) {   /* fractions: dropped, seconds suffice */
        i++;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    }
    if (n == i + 1 && p[i] == 'Z') {
        off = 0;
    } else if (n == i + 5 && (p[i] == '+' || p[i] == '-')) {
        int oh, om;
        if (digits(p + i + 1, 2, &oh) != 0 || digits(p + i + 3, 2, &om) != 0 || oh > 14 || om > 59)
            return -1;
        off = (oh * 60 + om) * 60 * (p[i] == '+' ? 1 : -1);
    } else if (n != i) {
        return -1;   /* n == i: no zone, read as UTC, the only reading that does not guess */
    }
    if (sc_time_from_civil(y, mo, d, h, mi, s, out) != 0)
        return -1;
    *out -= off;
    return 0;
}

int sc__der_time(const sc_tlv *t, int64_t *out, const char *field, sc_err *err)
{
    const uint8_t *p = t->val.p;
    size_t n = t->val.len, ylen;

    if (t->tag != SC_TAG_GENTIME && t->tag != SC_TAG_UTCTIME)
        return sc_err_set(err, SC_EFORMAT, "%s: expected GeneralizedTime or UTCTime, found tag 0x%02x",
                          field, t->tag);
    ylen = t->tag == SC_TAG_GENTIME ? 4 : 2;
    /* The tag's form first, then the other: Suwell writes UTCTime text ("220725214633Z")
     * under the GeneralizedTime tag. A text valid in both forms is read as its tag says. */
    if (read_time(p, n, ylen, out) == 0 || read_time(p, n, 6 - ylen, out) == 0)
        return 0;
    return sc_err_set(err, SC_EFORMAT, "%s: malformed time \"%.*s\"", field,
                      (int)(n > 40 ? 40 : n), (const char *)p);
}

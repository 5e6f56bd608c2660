/* der_int.h: the liberal DER reader every seal-core parser walks input with.
 *
 * A cursor sees only its own element: reads are charged against what is left of it, a child
 * that claims more than is left fails, and leaving an element with bytes unread fails. Only
 * definite lengths (≤ 4 length octets) and single-octet tags, as DER requires; nesting is
 * capped. Liberal where real files differ from strict DER (spec/ses-asn1.md): see the
 * helpers for integers, strings and times. */
#ifndef SC_DER_INT_H
#define SC_DER_INT_H

#include "sc_int.h"

#define SC_DER_MAX_DEPTH 32

/* Universal tags seal-core reads. */
enum {
    SC_TAG_BOOLEAN = 0x01, SC_TAG_INTEGER = 0x02, SC_TAG_BIT_STRING = 0x03,
    SC_TAG_OCTET_STRING = 0x04, SC_TAG_NULL = 0x05, SC_TAG_OID = 0x06,
    SC_TAG_UTF8 = 0x0c, SC_TAG_PRINTABLE = 0x13, SC_TAG_T61 = 0x14, SC_TAG_IA5 = 0x16,
    SC_TAG_UTCTIME = 0x17, SC_TAG_GENTIME = 0x18, SC_TAG_VISIBLE = 0x1a, SC_TAG_BMP = 0x1e,
    SC_TAG_SEQUENCE = 0x30, SC_TAG_SET = 0x31
};

typedef struct sc_der {
    const uint8_t *p;   /* next unread byte */
    size_t left;        /* bytes of this element not yet read */
    int depth;
} sc_der;

/* One element as found: tag, whole encoding (tag+length+content) and content. */
typedef struct sc_tlv {
    uint8_t tag;
    sc_span all;
    sc_span val;
} sc_tlv;

void sc__der_init(sc_der *r, const uint8_t *p, size_t len);
int sc__der_more(const sc_der *r);                       /* 1 if bytes are left */
int sc__der_peek_tag(const sc_der *r);                   /* next tag, -1 when empty */
/* Count the elements left in r without consuming them; -1 on malformed input. */
int sc__der_count(const sc_der *r);

/* Read the next element whatever its tag. */
int sc__der_any(sc_der *r, sc_tlv *out, const char *field, sc_err *err);
/* Read the next element, which must carry tag. */
int sc__der_get(sc_der *r, uint8_t tag, sc_tlv *out, const char *field, sc_err *err);
/* Read a constructed element with tag and open a cursor on its content. */
int sc__der_enter(sc_der *r, uint8_t tag, sc_der *sub, sc_tlv *out, const char *field,
                  sc_err *err);
/* Fail unless the cursor was read to its end. */
int sc__der_leave(const sc_der *sub, const char *field, sc_err *err);

/* Non-negative INTEGER up to 2^63-1, read as an unsigned magnitude: some writers omit the
 * 0x00 pad of values with the top bit set, so the sign bit is ignored. */
int sc__der_uint(const sc_tlv *t, int64_t *out, const char *field, sc_err *err);
/* Read the next element, which must be an INTEGER, as sc__der_uint. */
int sc__der_get_uint(sc_der *r, int64_t *out, const char *field, sc_err *err);
/* Any of the string types real seals use (UTF8, IA5, Printable, Visible, T61, BMP, OCTET
 * STRING) as a new NUL-terminated UTF-8 string; BMP is converted; trailing NULs dropped. */
int sc__der_text(const sc_tlv *t, char **out, const char *field, sc_err *err);
/* BIT STRING content without the unused-bits octet; the count must be 0, or 1..7 bits that
 * are zero (named-bit-list writers), and the content is then the octets whole. */
int sc__der_bits(const sc_tlv *t, sc_span *out, const char *field, sc_err *err);
/* OBJECT IDENTIFIER in dotted form into buf. */
int sc__der_oid(const sc_tlv *t, char *buf, size_t buflen, const char *field, sc_err *err);
/* GeneralizedTime or UTCTime (either accepted anywhere, and either text under either tag) as
 * seconds since the epoch, UTC. */
int sc__der_time(const sc_tlv *t, int64_t *out, const char *field, sc_err *err);

/* Write a DER tag and definite length for a content of len bytes into out (≤ 6 bytes);
 * returns the header size. len must be below 2^32. */
size_t sc__der_header(uint8_t out[6], uint8_t tag, size_t len);

/* A growing DER output buffer of at most max bytes (max below 2^32), for the builders that
 * write DER by hand (pkcs7/, tsa/, status/). The first failure sticks (SC_DER_BUF_NOMEM, or
 * SC_DER_BUF_LIMIT past max) and later calls do nothing, so a builder checks failed once, at
 * the end. Initialise with SC_DER_BUF_INIT(max); free(p). */
enum { SC_DER_BUF_NOMEM = 1, SC_DER_BUF_LIMIT = 2 };
typedef struct sc_der_buf {
    uint8_t *p;
    size_t len, cap, max;
    int failed;   /* 0, SC_DER_BUF_NOMEM or SC_DER_BUF_LIMIT */
} sc_der_buf;
#define SC_DER_BUF_INIT(max) { NULL, 0, 0, (max), 0 }
/* Append n bytes (n 0: nothing; p may then be NULL). */
void sc__der_put(sc_der_buf *b, const void *p, size_t n);
/* Turn the bytes from start to the end into the content of one element with tag. */
void sc__der_wrap(sc_der_buf *b, size_t start, uint8_t tag);
/* 1 if t (seconds since the epoch, UTC) is in the years 1..9999, the GeneralizedTimes that
 * sc__der_put_gentime writes. */
int sc__der_gentime_ok(int64_t t);
/* GeneralizedTime "YYYYMMDDhhmmssZ" of a time sc__der_gentime_ok() accepts. */
void sc__der_put_gentime(sc_der_buf *b, int64_t t);

#endif

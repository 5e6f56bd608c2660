/* der_read.c: the element cursor of der_int.h (definite lengths, depth cap, no over-reads).
 * Not here: value decoding (der_value.c), writing (der_write.c, and OpenSSL ASN.1 templates
 * in ses/). */
#include "der_int.h"

void sc__der_init(sc_der *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->left = len;
    r->depth = 0;
}

int sc__der_more(const sc_der *r)
{
    return r->left > 0;
}

int sc__der_peek_tag(const sc_der *r)
{
    return r->left > 0 ? r->p[0] : -1;
}

/* Decode tag and length at p (n bytes available). On success *hdr is the header size and
 * *len the content length, already checked against what follows the header. */
static int der_head(const uint8_t *p, size_t n, size_t *hdr, size_t *len, const char *field,
                    sc_err *err)
{
    size_t l, k;

    if (n < 2)
        return sc_err_set(err, SC_EFORMAT, "%s: truncated (%zu byte%s left, a header needs 2)",
                          field, n, n == 1 ? "" : "s");
    if ((p[0] & 0x1f) == 0x1f)
        return sc_err_set(err, SC_EFORMAT, "%s: multi-octet tag 0x%02x is not used by this format",
                          field, p[0]);
    if (p[1] < 0x80) {
        l = p[1];
        k = 2;
    } else if (p[1] == 0x80) {
        return sc_err_set(err, SC_EFORMAT, "%s: indefinite length (BER) is not DER", field);
    } else {
        size_t octets = p[1] & 0x7f;
        if (octets > 4)
            return sc_err_set(err, SC_EFORMAT, "%s: length has %zu octets, at most 4 allowed",
                              field, octets);
        if (n - 2 < octets)
            return sc_err_set(err, SC_EFORMAT, "%s: truncated inside the length octets", field);
        l = 0;
        for (size_t i = 0; i < octets; i++)
            l = (l << 8) | p[2 + i];
        k = 2 + octets;
    }
    if (l > n - k)   /* subtract, so no overflow */
        return sc_err_set(err, SC_EFORMAT, "%s: length %zu exceeds the %zu bytes available",
                          field, l, n - k);
    *hdr = k;
    *len = l;
    return 0;
}

int sc__der_any(sc_der *r, sc_tlv *out, const char *field, sc_err *err)
{
    size_t hdr = 0, len = 0;
    int rc;

    if (r->left == 0)
        return sc_err_set(err, SC_EFORMAT, "%s: missing (no bytes left in the enclosing element)",
                          field);
    if ((rc = der_head(r->p, r->left, &hdr, &len, field, err)) != 0)
        return rc;
    out->tag = r->p[0];
    out->all.p = r->p;
    out->all.len = hdr + len;
    out->val.p = r->p + hdr;
    out->val.len = len;
    r->p += hdr + len;
    r->left -= hdr + len;
    return 0;
}

int sc__der_get(sc_der *r, uint8_t tag, sc_tlv *out, const char *field, sc_err *err)
{
    if (r->left > 0 && r->p[0] != tag)
        return sc_err_set(err, SC_EFORMAT, "%s: expected tag 0x%02x, found 0x%02x", field, tag,
                          r->p[0]);
    return sc__der_any(r, out, field, err);
}

int sc__der_enter(sc_der *r, uint8_t tag, sc_der *sub, sc_tlv *out, const char *field,
                  sc_err *err)
{
    sc_tlv t;
    int rc;

    if (r->depth >= SC_DER_MAX_DEPTH)
        return sc_err_set(err, SC_ELIMIT, "%s: nested deeper than %d", field, SC_DER_MAX_DEPTH);
    if ((rc = sc__der_get(r, tag, &t, field, err)) != 0)
        return rc;
    sub->p = t.val.p;
    sub->left = t.val.len;
    sub->depth = r->depth + 1;
    if (out != NULL)
        *out = t;
    return 0;
}

int sc__der_leave(const sc_der *sub, const char *field, sc_err *err)
{
    if (sub->left != 0)
        return sc_err_set(err, SC_EFORMAT, "%s: %zu bytes of trailing data", field, sub->left);
    return 0;
}

int sc__der_count(const sc_der *r)
{
    sc_der c = *r;
    sc_tlv t;
    int n = 0;

    while (c.left > 0) {
        if (sc__der_any(&c, &t, "", NULL) != 0)
            return -1;
        n++;
    }
    return n;
}

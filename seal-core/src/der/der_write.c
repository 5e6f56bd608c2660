/* der_write.c: the output side of der_int.h: minimal tag-and-length headers and the growing
 * buffer every hand-written DER builder uses (SignedData in pkcs7_sign.c, TSTInfo and
 * TimeStampResp in tsa/, StatusResponse in status_make.c). Elements are written content
 * first and wrapped afterwards, so no length has to be known in advance.
 * Not here: reading (der_read.c, der_value.c). */
#include "der_int.h"
#include "sealcore/time.h"

#include <stdlib.h>
#include <string.h>

size_t sc__der_header(uint8_t out[6], uint8_t tag, size_t len)
{
    size_t n = 0, octets = 0;

    out[n++] = tag;
    if (len < 0x80) {
        out[n++] = (uint8_t)len;
        return n;
    }
    for (size_t v = len; v > 0; v >>= 8)
        octets++;
    out[n++] = (uint8_t)(0x80 | octets);
    while (octets-- > 0)
        out[n++] = (uint8_t)(len >> (8 * octets));
    return n;
}

void sc__der_put(sc_der_buf *b, const void *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (n > b->max - b->len) {
        b->failed = SC_DER_BUF_LIMIT;
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 512;
        while (cap < b->len + n)
            cap *= 2;   /* b->len + n <= max < 2^32: cannot overflow */
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL) {
            b->failed = SC_DER_BUF_NOMEM;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void sc__der_wrap(sc_der_buf *b, size_t start, uint8_t tag)
{
    uint8_t h[6];
    size_t n, content;

    if (b->failed)
        return;
    content = b->len - start;
    n = sc__der_header(h, tag, content);
    sc__der_put(b, h, n);   /* grow by the header's size, then move the content behind it */
    if (b->failed)
        return;
    memmove(b->p + start + n, b->p + start, content);
    memcpy(b->p + start, h, n);
}

int sc__der_gentime_ok(int64_t t)
{
    int64_t lo, hi;

    sc_time_from_civil(1, 1, 1, 0, 0, 0, &lo);
    sc_time_from_civil(9999, 12, 31, 23, 59, 59, &hi);
    return t >= lo && t <= hi;
}

void sc__der_put_gentime(sc_der_buf *b, int64_t t)
{
    char iso[32];   /* "YYYY-MM-DDThh:mm:ssZ" */
    uint8_t g[17] = { SC_TAG_GENTIME, 15 };
    static const int pick[15] = { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 19 };

    sc_time_format(t, iso, sizeof(iso));
    for (int i = 0; i < 15; i++)
        g[2 + i] = (uint8_t)iso[pick[i]];
    sc__der_put(b, g, sizeof(g));
}

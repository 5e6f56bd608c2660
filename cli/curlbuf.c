/* curlbuf.c: libcurl's write callback into a growing buffer with a limit (curlbuf.h). */
#include "curlbuf.h"

#include <stdlib.h>
#include <string.h>

size_t curlbuf_write(char *data, size_t size, size_t nmemb, void *ud)
{
    curlbuf *b = ud;
    size_t n = nmemb;   /* libcurl documents size as always 1 */

    if (size != 1 || n > b->max - b->n) {
        b->too_big = 1;
        return 0;
    }
    if (b->n + n > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 4096;
        while (cap < b->n + n)
            cap = cap > b->max / 2 ? b->max : cap * 2;
        /* the spare byte lets a caller terminate text without copying it */
        uint8_t *q = realloc(b->p, cap + 1);
        if (q == NULL) {
            b->oom = 1;
            return 0;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return n;
}

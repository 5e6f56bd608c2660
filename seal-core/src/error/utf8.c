/* utf8.c: the one UTF-8 decoder of seal-core (sc_int.h), for every place that checks or walks
 * text: zip entry names (ofd/ofd_zipw.c), document strings (ofd/ofd_doc.c), page text and
 * keywords (ofd/ofd_text.c), licence identifiers (status/). RFC 3629 strictly: no overlong
 * forms, no surrogates, nothing above U+10FFFF, since a lenient decoder would let two byte
 * strings read as the same text. */
#include "sc_int.h"

int32_t sc__utf8_next(const uint8_t *s, size_t len, size_t *used)
{
    uint32_t cp, min;
    size_t k;

    *used = 0;
    if (s[0] < 0x80) {
        *used = 1;
        return s[0];
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        k = 1, cp = s[0] & 0x1Fu, min = 0x80;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        k = 2, cp = s[0] & 0x0Fu, min = 0x800;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        k = 3, cp = s[0] & 0x07u, min = 0x10000;
    else
        return SC_UTF8_BAD_BYTE;
    if (k >= len)
        return SC_UTF8_CUT;
    for (size_t j = 1; j <= k; j++) {
        if ((s[j] & 0xC0) != 0x80) {
            *used = j;
            return SC_UTF8_BAD_BYTE;
        }
        cp = (cp << 6) | (s[j] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return SC_UTF8_BAD_SEQ;
    *used = k + 1;
    return (int32_t)cp;
}

int sc__utf8_ok(const uint8_t *s, size_t len)
{
    size_t used;

    for (size_t i = 0; i < len; i += used)
        if (s[i] == 0 || sc__utf8_next(s + i, len - i, &used) < 0)
            return 0;
    return 1;
}

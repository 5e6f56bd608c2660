/* test_ofd_qr_encode.c: sc__ofd_qr_encode's own mask choice (ofd_qr_encode.c) against
 * libqrencode's public calls: the same symbol, byte for byte (modules and libqrencode's flag
 * bits), for thousands of inputs of every kind and level, every one of the eight masks won
 * somewhere among them; the same refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "ofd/ofd_qr_encode.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)                    /* xorshift64*: fixed seed, same inputs */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (uint32_t)((rng * 0x2545f4914f6cdd1dull) >> 32);
}

/* n bytes of kind k: 0 digits, 1 upper-case alphanumeric, 2 printable ASCII, 3 a URL with
 * a licence identifier, 4 any byte but NUL, 5 any byte (NULs included: 8-bit only), 6 CJK
 * UTF-8, 7 mixed runs of digits, capitals and lower case. */
static size_t fill(uint8_t *b, size_t n, unsigned k)
{
    static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
    size_t i = 0;

    if (k == 3) {                                /* n is ignored: the URL is ~90 bytes */
        i = (size_t)snprintf((char *)b, 200, "https://zz.example.gov.cn/v?id=1.2.156.3005.2."
                             "%08u%010uX.%u.001.%c", next(), next(), next() % 100000,
                             'A' + (int)(next() % 26));
        return i;
    }
    while (i < n) {
        switch (k) {
        case 0: b[i++] = (uint8_t)('0' + next() % 10); break;
        case 1: b[i++] = (uint8_t)alnum[next() % (sizeof(alnum) - 1)]; break;
        case 2: b[i++] = (uint8_t)(32 + next() % 95); break;
        case 4: b[i++] = (uint8_t)(1 + next() % 255); break;
        case 5: b[i++] = (uint8_t)next(); break;
        case 6:
            if (n - i < 3) {
                b[i++] = 'x';
                break;
            }
            b[i++] = 0xe4;                       /* U+4E00..U+4FFF */
            b[i++] = (uint8_t)(0xb8 + next() % 8);
            b[i++] = (uint8_t)(0x80 + next() % 64);
            break;
        default: {
            size_t run = 1 + next() % 12;
            unsigned cls = next() % 3;
            for (; run > 0 && i < n; run--)
                b[i++] = (uint8_t)(cls == 0 ? '0' + next() % 10 : cls == 1 ? 'A' + next() % 26
                                                                           : 'a' + next() % 26);
        }
        }
    }
    return n;
}

/* The mask in q's format information (first copy), or -1. */
static int mask_of(const QRcode *q, QRecLevel level)
{
    static const uint16_t fi[4][8] = {
        { 0x77c4, 0x72f3, 0x7daa, 0x789d, 0x662f, 0x6318, 0x6c41, 0x6976 },
        { 0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0 },
        { 0x355f, 0x3068, 0x3f31, 0x3a06, 0x24b4, 0x2183, 0x2eda, 0x2bed },
        { 0x1689, 0x13be, 0x1ce7, 0x19d0, 0x0762, 0x0255, 0x0d0c, 0x083b },
    };
    size_t w = (size_t)q->width;
    unsigned f = 0;

    for (unsigned k = 0; k < 15; k++) {
        size_t at = k < 8 ? w * 8 + w - 1 - k : w * (w - 7 + k - 8) + 8;
        f |= (unsigned)(q->data[at] & 1) << k;
    }
    for (int m = 0; m < 8; m++)
        if (fi[level][m] == f)
            return m;
    return -1;
}

/* Ours and libqrencode's symbol for data; returns the mask they share, or -1 when both
 * refuse the data as too long for the level. */
static int same_symbol(const uint8_t *data, size_t len, unsigned level, size_t trial)
{
    QRcode *want, *got = NULL;
    sc_err err = SC_ERR_INIT;
    char *str = NULL;
    int m;

    if (memchr(data, 0, len) != NULL) {
        want = QRcode_encodeData((int)len, data, 0, (QRecLevel)level);
    } else {
        str = malloc(len + 1);
        assert_non_null(str);
        memcpy(str, data, len);
        str[len] = '\0';
        want = QRcode_encodeString(str, 0, (QRecLevel)level, QR_MODE_8, 1);
    }
    if (want == NULL) {
        if (errno != ERANGE)
            fail_msg("trial %zu (%zu bytes, level %u): libqrencode errno %d", trial, len,
                     level, errno);
        assert_int_equal(sc__ofd_qr_encode(data, len, (sc_ofd_qr_ecl)level, 1, &got, &err),
                         SC_ELIMIT);
        assert_null(got);
        free(str);
        return -1;
    }
    if (sc__ofd_qr_encode(data, len, (sc_ofd_qr_ecl)level, 1, &got, &err) != 0)
        fail_msg("trial %zu: %s", trial, err.msg);
    if (got->version != want->version || got->width != want->width)
        fail_msg("trial %zu (%zu bytes, level %u): version %d, libqrencode %d", trial, len,
                 level, got->version, want->version);
    m = mask_of(want, (QRecLevel)level);
    for (size_t i = 0; i < (size_t)want->width * (size_t)want->width; i++)
        if (got->data[i] != want->data[i])
            fail_msg("trial %zu (%zu bytes, level %u, libqrencode's mask %d, ours %d): module "
                     "%zu is %#x, libqrencode's %#x", trial, len, level, m,
                     mask_of(got, (QRecLevel)level), i, got->data[i], want->data[i]);
    QRcode_free(want);
    QRcode_free(got);
    free(str);
    return m;
}

static void qr_encode__same_symbol_as_libqrencode_for_every_kind_and_level(void **state)
{
    size_t wins[8] = { 0 }, trials = 0, refused = 0;
    uint8_t buf[1200];

    (void)state;
    /* without the internals this file would compare libqrencode with itself (Debian's 4.1.1
     * has them: README "Decisions") */
    if (!sc__ofd_qr_fast_available()) {
        print_message("libqrencode without its internals, or not 4.1: nothing to compare\n");
        skip();
    }
    for (unsigned kind = 0; kind < 8; kind++)
        for (unsigned level = 0; level < 4; level++)
            for (size_t i = 0; i < 120; i++) {
                /* mostly short (licence codes are version 4-8), some up to version ~25 */
                size_t n = i % 10 == 9 ? 1 + next() % sizeof(buf) : 1 + next() % 160;
                n = fill(buf, n, kind);
                int m = same_symbol(buf, n, level, trials++);
                if (m < 0)
                    refused++;
                else
                    wins[m]++;
            }
    for (int m = 0; m < 8; m++)
        if (wins[m] == 0)
            fail_msg("mask %d never chosen in %zu trials: the comparison misses it", m, trials);
    assert_true(refused < trials / 20);
}

/* A code of each version 1..40 at level L (8-bit data grown until libqrencode makes that
 * version), so every width and version-information block is compared: versions 1..11 by
 * the scoring here, wider ones made again by libqrencode's own choice. */
static void qr_encode__same_symbol_at_every_version(void **state)
{
    static uint8_t buf[2953];                   /* version 40-L's 8-bit capacity */
    size_t n = 1;

    (void)state;
    if (!sc__ofd_qr_fast_available())
        skip();
    fill(buf, sizeof(buf), 4);
    for (int v = 1; v <= 40; v++) {
        size_t lo = n, hi = sizeof(buf);        /* the fewest bytes that make version v */
        QRcode *q;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            q = QRcode_encodeData((int)mid, buf, 0, QR_ECLEVEL_L);
            assert_non_null(q);
            if (q->version < v)
                lo = mid + 1;
            else
                hi = mid;
            QRcode_free(q);
        }
        n = lo;
        assert_non_null(q = QRcode_encodeData((int)n, buf, 0, QR_ECLEVEL_L));
        assert_int_equal(q->version, v);
        QRcode_free(q);
        assert_true(same_symbol(buf, n, 0, (size_t)v) >= 0);
    }
}

static void qr_encode__refusals_match_the_public_path(void **state)
{
    static uint8_t buf[3000];
    QRcode *q = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    memset(buf, 0xa5, sizeof(buf));             /* 3000 8-bit bytes exceed version 40-L */
    for (int fast = 0; fast <= sc__ofd_qr_fast_available(); fast++) {
        assert_int_equal(sc__ofd_qr_encode(buf, sizeof(buf), SC_OFD_QR_L, fast, &q, &err),
                         SC_ELIMIT);
        assert_null(q);
        assert_non_null(strstr(err.msg, "do not fit"));
        assert_int_equal(sc__ofd_qr_encode(buf, 0, SC_OFD_QR_L, fast, &q, &err), SC_EINVAL);
        assert_int_equal(sc__ofd_qr_encode(buf, 10, (sc_ofd_qr_ecl)4, fast, &q, &err),
                         SC_EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qr_encode__same_symbol_as_libqrencode_for_every_kind_and_level),
        cmocka_unit_test(qr_encode__same_symbol_at_every_version),
        cmocka_unit_test(qr_encode__refusals_match_the_public_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

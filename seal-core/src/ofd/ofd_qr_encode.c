/* ofd_qr_encode.c: data to a QR Code symbol, the symbol libqrencode's public API gives, with
 * the mask chosen in a fraction of the time (ofd_qr_encode.h).
 *
 * Why: libqrencode picks the mask (ISO/IEC 18004 8.8.2) by building each of the eight masked
 * symbols and scoring it in separate passes, a byte a module (mask.c, Mask_mask): 70-130 us
 * a code, a tenth of a licence's whole time (bench/README.md). Debian builds the library
 * with its tests, so its internals are exported (QRcode_encodeMask,
 * Split_splitStringToQRinput; STATIC_IN_RELEASE is empty). Here the symbol is made once with
 * mask 0 and the eight masks are scored from 64-bit row and column sets (codes up to 61
 * modules wide: every licence's; wider ones are made again with libqrencode's own choice),
 * with libqrencode 4.1.1's rules as mask.c writes them (its runs, its dark-ratio rounding,
 * the first lowest score wins), so the same mask and the same bytes come out:
 * tests/unit/test_ofd_qr_encode.c compares them on thousands of inputs. 27 us a licence's
 * code where libqrencode's own choice took 77-88 us.
 * Where the internals are missing (the weak references are NULL) or the library is not 4.1,
 * the public calls do it all, as before. */
#include "ofd/ofd_qr_encode.h"
#include "sc_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Not in qrencode.h: exported by Debian's build (see above), NULL where not. */
extern QRcode *QRcode_encodeMask(QRinput *input, int mask) __attribute__((weak));
extern int Split_splitStringToQRinput(const char *string, QRinput *input, QRencodeMode hint,
                                      int casesensitive) __attribute__((weak));

static const char *const ecl_names[] = { "L", "M", "Q", "H" };

/* Format information (BCH-coded level and mask, already XORed with 0x5412) by level and mask:
 * libqrencode's qrspec.c table, the values of ISO/IEC 18004 Table C.1. */
static const uint16_t format_info[4][8] = {
    { 0x77c4, 0x72f3, 0x7daa, 0x789d, 0x662f, 0x6318, 0x6c41, 0x6976 },
    { 0x5412, 0x5125, 0x5e7c, 0x5b4b, 0x45f9, 0x40ce, 0x4f97, 0x4aa0 },
    { 0x355f, 0x3068, 0x3f31, 0x3a06, 0x24b4, 0x2183, 0x2eda, 0x2bed },
    { 0x1689, 0x13be, 0x1ce7, 0x19d0, 0x0762, 0x0255, 0x0d0c, 0x083b },
};


/* mask.c's penalty weights */
enum { QR_N1 = 3, QR_N2 = 3, QR_N3 = 40, QR_N4 = 10 };

int sc__ofd_qr_fast_available(void)
{
    int major = 0, minor = 0, micro = 0;

    if (QRcode_encodeMask == NULL || Split_splitStringToQRinput == NULL)
        return 0;
    /* the scoring copied here is 4.1's; another version may score otherwise and, with the
     * same internals, silently pick another mask than its public call would */
    QRcode_APIVersion(&major, &minor, &micro);
    return major == 4 && minor == 1;
}

/* Bit m: module (x, y) is flipped by mask m (libqrencode's mask expression is 0). Every
 * expression repeats every 6 columns and 12 rows. */
static uint8_t flips(unsigned x, unsigned y)
{
    unsigned e[8] = { (x + y) & 1, y & 1, x % 3, (x + y) % 3, ((y / 2) + (x / 3)) & 1,
                      ((x * y) & 1) + (x * y) % 3, (((x * y) & 1) + (x * y) % 3) & 1,
                      (((x * y) % 3) + ((x + y) & 1)) & 1 };
    uint8_t b = 0;

    for (unsigned m = 0; m < 8; m++)
        b |= (uint8_t)((e[m] == 0) << m);
    return b;
}

/* Where bit k (0..14) of the format information goes: twice, as mask.c's
 * Mask_writeFormatInformation puts it. */
static void format_pos(size_t w, unsigned k, size_t pos[2])
{
    if (k < 8) {
        pos[0] = w * 8 + w - 1 - k;
        pos[1] = k < 6 ? w * k + 8 : w * (k + 1) + 8;
    } else {
        unsigned i = k - 8;
        pos[0] = w * (w - 7 + i) + 8;
        pos[1] = i == 0 ? w * 8 + 7 : w * 8 + 6 - i;
    }
}

/* Codes up to 61 modules wide (version 11; a licence's is version 4-8) are scored a line at
 * a time as 64-bit sets: bit x + 1 is module x, and bit 0 and the bits past the line are the
 * light outside, so shifts bring light modules in at both ends. Wider codes are rare and
 * left to libqrencode's own choice (encode_fast). */
#define QR_BITS_MAX 61

static uint64_t shr(uint64_t v, unsigned k) { return k < 64 ? v >> k : 0; }

/* Set bits: the SWAR count inline, where __builtin_popcountll is a libgcc call on a
 * baseline x86-64 build (no POPCNT instruction assumed). */
static long bits(uint64_t v)
{
    v -= (v >> 1) & 0x5555555555555555ull;
    v = (v & 0x3333333333333333ull) + ((v >> 2) & 0x3333333333333333ull);
    v = (v + (v >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (long)((v * 0x0101010101010101ull) >> 56);
}
static uint64_t shl(uint64_t v, unsigned k) { return k < 64 ? v << k : 0; }

/* AND of v >> j for j < k: bit b set where the k bits from b up are all set. */
static uint64_t all_k(uint64_t v, unsigned k)
{
    uint64_t a = v;

    for (unsigned j = 1; j < k; j++)
        a &= shr(v, j);
    return a;
}

/* N1 and N3 of one line, as mask.c's Mask_calcN1N3 counts them on the line's runs. N1: a run of n >= 5 is n - 4 windows of five
 * alike, and N1 - 1 more for its start. N3: the dark 1:1:3:1:1 pattern at scale f, exactly
 * (light or the outside just before and after it), with its 4f neighbours on one side all
 * light or outside (mask.c counts a pattern that is the line's first or last dark one
 * whatever lies before or after it: the same as those neighbours being light). */
static long line_bits(uint64_t r, size_t w)
{
    const uint64_t in = ((1ull << w) - 1) << 1, lr = ~r & in;
    uint64_t e = ~(r ^ (r >> 1)) & in & (in >> 1), e4 = all_k(e, 4);
    long d = bits(e4) + (QR_N1 - 1) * bits(e4 & ~(e << 1));

    for (unsigned f = 1; 7 * f <= w; f++) {
        uint64_t d3 = all_k(r, 3 * f), df, lf, match, before = 0, after = 0;
        if (d3 == 0)                         /* no longer dark run for a larger f either */
            break;
        df = all_k(r, f);
        lf = all_k(lr, f);
        match = df & shr(lf, f) & shr(d3, 2 * f) & shr(lf, 5 * f) & shr(df, 6 * f) &
                ~(r << 1) & ~shr(r, 7 * f);
        if (match == 0)
            continue;
        for (unsigned k = 1; k <= 4 * f; k++) {
            before |= shl(r, k);
            after |= shr(r, 7 * f + k - 1);
        }
        d += QR_N3 * bits(match & (~before | ~after));
    }
    return d;
}

/* Bit planes of the w modules at p as sets (bit x + 1: module x): *dark bit 0 of each byte,
 * *func bit 7 (a function module). The multiply gathers the low bits of eight bytes into
 * the top byte (each lands on its own bit, nothing carries). */
static void planes(const uint8_t *p, size_t w, uint64_t *dark, uint64_t *func)
{
    uint8_t tmp[64] = { 0 };

    memcpy(tmp, p, w);
    *dark = *func = 0;
    for (unsigned k = 0; k < w; k += 8) {
        uint64_t v = 0;
        for (unsigned j = 0; j < 8; j++)
            v |= (uint64_t)tmp[k + j] << (8 * j);
        *dark |= shl((v & 0x0101010101010101ull) * 0x0102040810204080ull >> 56, k + 1);
        *func |= shl(((v >> 7) & 0x0101010101010101ull) * 0x0102040810204080ull >> 56, k + 1);
    }
}

/* a[i] bit j <-> a[j] bit i: rows to columns (swapping ever smaller blocks). */
static void transpose64(uint64_t a[64])
{
    uint64_t m = 0x00000000ffffffffull;

    for (unsigned j = 32; j != 0; j >>= 1, m ^= m << j)
        for (unsigned k = 0; k < 64; k = ((k | j) + 1) & ~j) {
            uint64_t t = ((a[k] >> j) ^ a[k | j]) & m;
            a[k | j] ^= t;
            a[k] ^= t << j;
        }
}

/* What each mask flips, as sets: pat_row[m][y % 12] the modules of row y (bit x + 1),
 * pat_col[m][x % 6] those of column x (bit y + 1); every mask repeats every 6 columns and 12
 * rows. Made once. */
static uint64_t pat_row[8][12], pat_col[8][6];
static pthread_once_t pat_once = PTHREAD_ONCE_INIT;

static void pat_init(void)
{
    for (unsigned m = 0; m < 8; m++) {
        for (unsigned y = 0; y < 12; y++)
            for (unsigned x = 0; x < 63; x++)
                pat_row[m][y] |= (uint64_t)((flips(x % 6, y) >> m) & 1) << (x + 1);
        for (unsigned x = 0; x < 6; x++)
            for (unsigned y = 0; y < 63; y++)
                pat_col[m][x] |= (uint64_t)((flips(x, y % 12) >> m) & 1) << (y + 1);
    }
}

/* The format information's modules, as sets: clr the places (rows by y, columns by x), set[m]
 * the dark ones under mask m. */
typedef struct fmt_sets {
    uint64_t rclr[64], cclr[64], rset[8][64], cset[8][64];
} fmt_sets;

static void fmt_init(fmt_sets *f, size_t w, QRecLevel level)
{
    size_t pos[2];

    memset(f, 0, sizeof(*f));
    for (unsigned k = 0; k < 15; k++) {
        format_pos(w, k, pos);
        for (unsigned c = 0; c < 2; c++) {
            size_t x = pos[c] % w, y = pos[c] / w;
            f->rclr[y] |= 1ull << (x + 1);
            f->cclr[x] |= 1ull << (y + 1);
            for (unsigned m = 0; m < 8; m++)
                if ((format_info[level][m] >> k) & 1) {
                    f->rset[m][y] |= 1ull << (x + 1);
                    f->cset[m][x] |= 1ull << (y + 1);
                }
        }
    }
}

/* Row y under mask m: the unmasked modules u (function ones flag f) with m's flips, its
 * format modules m's. */
static uint64_t masked_row(uint64_t u, uint64_t f, const fmt_sets *fs, unsigned m, size_t y,
                           uint64_t in)
{
    return (((u ^ (pat_row[m][y % 12] & ~f)) & ~fs->rclr[y]) | fs->rset[m][y]) & in;
}

/* The mask mask.c's Mask_mask would choose (its scores: dark ratio in whole percent, N2 for
 * each 2 x 2 block of one colour, N1 and N3 over rows and columns; the first lowest wins),
 * from row and column sets made straight from q's bytes (two bit planes a row, transposed
 * once for the columns), then q's data modules remasked with it. Returns the mask. */
static unsigned remask_bits(QRcode *q, QRecLevel level)
{
    size_t w = (size_t)q->width;
    const uint64_t in = ((1ull << w) - 1) << 1, pairs = in & (in >> 1);
    uint64_t u[64] = { 0 }, f[64] = { 0 }, ut[64], ft[64];
    long w2 = (long)(w * w), best = -1;
    unsigned pick = 0;
    fmt_sets fs;

    pthread_once(&pat_once, pat_init);
    fmt_init(&fs, w, level);
    for (size_t y = 0; y < w; y++) {      /* unmasked: q carries mask 0 */
        uint64_t dark, func;
        planes(q->data + y * w, w, &dark, &func);
        f[y + 1] = func;
        u[y + 1] = (dark ^ (pat_row[0][y % 12] & ~func)) & in;
    }
    memcpy(ut, u, sizeof(u));
    memcpy(ft, f, sizeof(f));
    transpose64(ut);
    transpose64(ft);
    for (unsigned m = 0; m < 8; m++) {
        long d = 0, dark = 0, ratio;
        uint64_t prev = 0;
        for (size_t y = 0; y < w; y++) {
            uint64_t r = masked_row(u[y + 1], f[y + 1], &fs, m, y, in);
            dark += bits(r);
            d += line_bits(r, w);
            if (y > 0) {
                uint64_t all = prev & r & (prev >> 1) & (r >> 1);
                uint64_t none = ~(prev | r | (prev >> 1) | (r >> 1));
                d += QR_N2 * bits((all | none) & pairs);
            }
            prev = r;
        }
        for (size_t x = 0; x < w; x++) {
            uint64_t c = (((ut[x + 1] ^ (pat_col[m][x % 6] & ~ft[x + 1])) & ~fs.cclr[x]) |
                          fs.cset[m][x]) & in;
            d += line_bits(c, w);
        }
        ratio = (200 * dark + w2) / w2 / 2;
        d += labs(ratio - 50) / 5 * QR_N4;
        if (best < 0 || d < best) {
            best = d;
            pick = m;
        }
    }
    for (size_t y = 0, i = 0; y < w; y++) {
        uint64_t r = masked_row(u[y + 1], f[y + 1], &fs, pick, y, in);
        for (size_t x = 0; x < w; x++, i++)
            if (!(q->data[i] & 0x80))
                q->data[i] = (uint8_t)((q->data[i] & ~1u) | ((r >> (x + 1)) & 1));
    }
    return pick;
}

/* q (made with mask 0, at most QR_BITS_MAX wide) remasked with the best mask, in place,
 * its format information too. */
static void remask(QRcode *q, QRecLevel level)
{
    size_t w = (size_t)q->width, pos[2];
    unsigned m = remask_bits(q, level);

    for (unsigned k = 0; k < 15; k++) {
        format_pos(w, k, pos);
        q->data[pos[0]] = q->data[pos[1]] =
            (uint8_t)(0x84 | ((format_info[level][m] >> k) & 1));
    }
}

/* The public calls' steps with mask 0 (QRcode_encodeString: Split_splitStringToQRinput;
 * QRcode_encodeData: one 8-bit segment), then remask(); a code wider than QR_BITS_MAX made
 * again with libqrencode's own mask choice. NULL with errno as they set it. */
static QRcode *encode_fast(const uint8_t *data, size_t len, const char *str, QRecLevel level)
{
    QRinput *in = QRinput_new2(0, level);
    QRcode *q = NULL;

    if (in != NULL &&
        (str != NULL ? Split_splitStringToQRinput(str, in, QR_MODE_8, 1)
                     : QRinput_append(in, QR_MODE_8, (int)len, data)) == 0)
        q = QRcode_encodeMask(in, 0);
    if (q != NULL && q->width > QR_BITS_MAX) {
        QRcode_free(q);
        q = QRcode_encodeMask(in, -1);
    } else if (q != NULL) {
        remask(q, level);
    }
    QRinput_free(in);
    return q;
}

int sc__ofd_qr_encode(const uint8_t *data, size_t len, sc_ofd_qr_ecl ecl, int fast,
                      QRcode **out, sc_err *err)
{
    QRecLevel level = (QRecLevel)((int)QR_ECLEVEL_L + (int)ecl);
    char *str = NULL;
    int nul;

    *out = NULL;
    if ((unsigned)ecl > (unsigned)SC_OFD_QR_H || data == NULL || len == 0 || len > INT32_MAX)
        return sc_err_set(err, SC_EINVAL, "QR code: no data, too much, or no such level");
    nul = memchr(data, 0, len) != NULL;
    if (!nul) {
        if ((str = sc__malloc(len + 1, err)) == NULL)
            return SC_ENOMEM;
        memcpy(str, data, len);
        str[len] = '\0';
    }
    errno = 0;
    if (fast && sc__ofd_qr_fast_available())
        *out = encode_fast(data, len, str, level);
    else
        *out = nul ? QRcode_encodeData((int)len, data, 0, level)
                   : QRcode_encodeString(str, 0, level, QR_MODE_8, 1);
    free(str);
    if (*out != NULL)
        return 0;
    if (errno == ERANGE)
        return sc_err_set(err, SC_ELIMIT, "%zu bytes do not fit a QR code (version 40) at "
                          "level %s; shorten the data or use a lower level", len,
                          ecl_names[ecl]);
    if (errno == ENOMEM)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    return sc_err_set(err, SC_EINVAL, "libqrencode refused the data (errno %d)", errno);
}

/* test_ofd_doc_qr.c: QR codes of the OFD document writer (sc_ofd_doc_add_qr): the module
 * matrix is rebuilt from the written path data and compared with libqrencode's, and decoded
 * with zbarimg (zbar-tools; skipped, saying so, where it is missing); the two objects'
 * attributes, the refusals and the object limit. Helpers: ofd_doc_test.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "ofd/ofd_doc_int.h"
#include "ofd_doc_test.h"
#include "ofd_write_test.h"
#include "qr_paint_test.h"
#include "sealcore/ofd_doc.h"
#include "testutil.h"

#define URL "https://zz.example.gov.cn/v?id=1.2.156.3005.2.11100000000013338W011." \
            "11430000006122244L.20230000403.001.U"

/* zbarimg on the matrix as a PBM (4 pixels a module, the quiet zone white) must print
 * want; skipped, saying so, where zbar-tools is not installed. */
static void zbar_decodes(const uint8_t *mx, size_t w, const char *want)
{
    const char *dir = sc_test_tmpdir(), *pbm = sc_test_path(dir, "qr.pbm");
    const char *txt = sc_test_path(dir, "qr.txt");
    size_t px = (w + 2 * SC_OFD_DOC_QR_QUIET) * 4, at = 0;
    char *img = malloc(px * px * 2 + 64);
    uint8_t *got;
    size_t len;

    if (sc_test_sh("command -v zbarimg >/dev/null 2>&1") != 0) {
        print_message("zbarimg missing (apt-get install zbar-tools): QR decoding skipped\n");
        free(img);
        return;
    }
    assert_non_null(img);
    at = (size_t)snprintf(img, 64, "P1\n%zu %zu\n", px, px);
    for (size_t y = 0; y < px; y++)
        for (size_t x = 0; x < px; x++) {
            size_t r = y / 4, c = x / 4, q = SC_OFD_DOC_QR_QUIET;
            int dark = r >= q && c >= q && r - q < w && c - q < w && mx[(r - q) * w + c - q];
            img[at++] = dark ? '1' : '0';
            img[at++] = x + 1 == px ? '\n' : ' ';
        }
    assert_int_equal(sc_test_write(pbm, img, at), 0);
    free(img);
    assert_int_equal(sc_test_sh("zbarimg -q --raw '%s' > '%s' 2>/dev/null", pbm, txt), 0);
    assert_int_equal(sc_test_read(txt, &got, &len), 0);
    while (len > 0 && got[len - 1] == '\n')
        len--;
    got[len] = '\0';
    assert_string_equal((char *)got, want);
    free(got);
}

/* Add a QR code of data at level ecl on a fresh page, write, and return the path data of
 * its dark object (new) after checking both objects' attributes; *module gets the scale of
 * its CTM ("m 0 0 m 0 0", mm a module). */
static char *qr_round_trip(const uint8_t *data, size_t len, sc_ofd_qr_ecl ecl, double size,
                           double *module)
{
    sc_ofd_doc *doc = doc_with_pages(1);
    written w;
    part p;
    uint32_t id;
    char *d, *ctm, *end, *rest;

    add_text(doc, 0, 20, "电子证照");
    OK(sc_ofd_doc_add_qr(doc, 0, 150, 240, size, data, len, ecl, &e_));
    id = sc_ofd_doc_last_id(doc);
    assert_int_equal(id, 6);               /* page 1, layer 2, font 3, text 4, white 5 */
    w = write_read(doc);
    p = part_open(w.pkg, "Doc_0/Pages/Page_0/Content.xml");
    PART_IS(&p, "5|150 240 25 25|false|true|255 255 255|M 0 0 L 25 0 L 25 25 L 0 25 C",
            "concat(//ofd:PathObject[1]/@ID, '|', //ofd:PathObject[1]/@Boundary, '|', "
            "//ofd:PathObject[1]/@Stroke, '|', //ofd:PathObject[1]/@Fill, '|', "
            "//ofd:PathObject[1]/ofd:FillColor/@Value, '|', //ofd:PathObject[1]/"
            "ofd:AbbreviatedData)");
    PART_IS(&p, "6|150 240 25 25|false|true|0 0 0|2", "concat(//ofd:PathObject[2]/@ID, '|', "
            "//ofd:PathObject[2]/@Boundary, '|', //ofd:PathObject[2]/@Stroke, '|', "
            "//ofd:PathObject[2]/@Fill, '|', //ofd:PathObject[2]/ofd:FillColor/@Value, '|', "
            "count(//ofd:PathObject))");
    d = part_str(&p, "string(//ofd:PathObject[@ID = '%u']/ofd:AbbreviatedData)", (unsigned)id);
    ctm = part_str(&p, "string(//ofd:PathObject[@ID = '%u']/@CTM)", (unsigned)id);
    *module = strtod(ctm, &end);
    if (strncmp(end, " 0 0 ", 5) != 0 || strtod(end + 5, &rest) != *module ||
        strcmp(rest, " 0 0") != 0)
        fail_msg("CTM \"%s\": not \"m 0 0 m 0 0\"", ctm);
    free(ctm);
    part_close(&p);
    ids_unique(w.pkg, 1);
    done(&w, doc);
    return d;
}

static void ofd_doc_add_qr__paths_redraw_the_encoded_matrix(void **state)
{
    static const uint8_t bin[] = { 'I', 'D', 0, 1, 2, 0xff, 0xfe, 'x' };
    static const struct { sc_ofd_qr_ecl ecl; QRecLevel level; } levels[] = {
        { SC_OFD_QR_L, QR_ECLEVEL_L }, { SC_OFD_QR_M, QR_ECLEVEL_M },
        { SC_OFD_QR_Q, QR_ECLEVEL_Q }, { SC_OFD_QR_H, QR_ECLEVEL_H } };

    (void)state;
    for (size_t i = 0; i < NROWS(levels) + 1; i++) {
        int binary = i == NROWS(levels);           /* last row: bytes with NULs, level M */
        QRcode *want = binary ? QRcode_encodeData(sizeof(bin), bin, 0, QR_ECLEVEL_M)
                              : QRcode_encodeString(URL, 0, levels[i].level, QR_MODE_8, 1);
        double m;
        char *d = binary ? qr_round_trip(bin, sizeof(bin), SC_OFD_QR_M, 25, &m)
                         : qr_round_trip(U(URL), strlen(URL), levels[i].ecl, 25, &m);
        size_t w = (size_t)want->width, loops, corners;
        uint8_t *mx = qr_paint(d, w, &loops, &corners);
        double exact = 25.0 / (double)(w + 2 * SC_OFD_DOC_QR_QUIET);

        if (m < exact - 0.0005 || m > exact + 0.0005)                /* 3 decimals */
            fail_msg("CTM scale %g, want %g mm a module", m, exact);

        for (size_t k = 0; k < w * w; k++) {
            if (mx[k] != (want->data[k] & 1))
                fail_msg("row %zu: module %zu differs from libqrencode's", i, k);
        }
        assert_int_equal(corners, qr_corners(mx, w));      /* no vertex but at a turn */
        if (!binary)
            zbar_decodes(mx, w, URL);
        print_message("level %zu%s: version %d, %zu modules, %zu loops, %zu corners, %zu bytes"
                      "\n", i, binary ? " (binary)" : "", want->version, w, loops, corners,
                      strlen(d));
        free(mx);
        free(d);
        QRcode_free(want);
    }
}

/* The largest code, version 40 (177 modules) at level H: its outlines repaint it exactly and
 * it still scans. */
static void ofd_doc_add_qr__version_40_redraws_and_scans(void **state)
{
    static char big[1274];
    QRcode *want;
    double m;
    char *d;
    size_t w, loops, corners;
    uint8_t *mx;

    (void)state;
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = (char)('a' + i * 7 % 26);
    want = QRcode_encodeString(big, 0, QR_ECLEVEL_H, QR_MODE_8, 1);
    assert_non_null(want);
    assert_int_equal(want->version, 40);
    d = qr_round_trip(U(big), sizeof(big) - 1, SC_OFD_QR_H, 25, &m);   /* 0.135 mm modules */
    w = (size_t)want->width;
    mx = qr_paint(d, w, &loops, &corners);
    for (size_t k = 0; k < w * w; k++)
        if (mx[k] != (want->data[k] & 1))
            fail_msg("module %zu differs from libqrencode's", k);
    assert_int_equal(corners, qr_corners(mx, w));
    zbar_decodes(mx, w, big);
    print_message("version 40: %zu loops, %zu corners, %zu bytes\n", loops, corners, strlen(d));
    free(mx);
    free(d);
    QRcode_free(want);
}

static void ofd_doc_add_qr__refuses_each_bad_argument(void **state)
{
    static char big[1275];
    sc_ofd_doc *doc = doc_with_pages(1);

    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    REFUSES(SC_EINVAL, "no document", sc_ofd_doc_add_qr(NULL, 0, 0, 0, 20, U("x"), 1,
                                                        SC_OFD_QR_M, &e_));
    REFUSES(SC_EINVAL, "no data", sc_ofd_doc_add_qr(doc, 0, 0, 0, 20, NULL, 1, SC_OFD_QR_M,
                                                    &e_));
    REFUSES(SC_EINVAL, "no data", sc_ofd_doc_add_qr(doc, 0, 0, 0, 20, U("x"), 0, SC_OFD_QR_M,
                                                    &e_));
    REFUSES(SC_EINVAL, "no such page", sc_ofd_doc_add_qr(doc, 1, 0, 0, 20, U("x"), 1,
                                                         SC_OFD_QR_M, &e_));
    REFUSES(SC_EINVAL, "not L, M, Q or H", sc_ofd_doc_add_qr(doc, 0, 0, 0, 20, U("x"), 1,
                                                             (sc_ofd_qr_ecl)7, &e_));
    REFUSES(SC_EINVAL, "size: not a number", sc_ofd_doc_add_qr(doc, 0, 0, 0, 0.0 / 0.0, U("x"),
                                                               1, SC_OFD_QR_M, &e_));
    REFUSES(SC_EINVAL, "x: not a number", sc_ofd_doc_add_qr(doc, 0, 1e9, 0, 20, U("x"), 1,
                                                            SC_OFD_QR_M, &e_));
    /* version 1 (21 modules + 8 quiet): 2.9 mm is the least at 0.1 mm a module */
    REFUSES(SC_EINVAL, "make it at least 2.9 mm", sc_ofd_doc_add_qr(doc, 0, 0, 0, 2.8, U("x"),
                                                                    1, SC_OFD_QR_M, &e_));
    OK(sc_ofd_doc_add_qr(doc, 0, 0, 0, 2.9, U("x"), 1, SC_OFD_QR_M, &e_));
    /* 1273 bytes of 8-bit data is what version 40 holds at level H; one more does not fit */
    OK(sc_ofd_doc_add_qr(doc, 0, 0, 0, 100, U(big), 1273, SC_OFD_QR_H, &e_));
    REFUSES(SC_ELIMIT, "1274 bytes do not fit a QR code (version 40) at level H",
            sc_ofd_doc_add_qr(doc, 0, 0, 0, 100, U(big), 1274, SC_OFD_QR_H, &e_));
    OK(sc_ofd_doc_add_qr(doc, 0, 0, 0, 100, U(big), 1274, SC_OFD_QR_L, &e_));
    REFUSES(SC_ELIMIT, "more than any QR code holds", sc_ofd_doc_add_qr(doc, 0, 0, 0, 100,
            U(big), SIZE_MAX, SC_OFD_QR_L, &e_));
    assert_int_equal(doc->pages[0].n, 6);                /* three codes, two objects each */
    sc_ofd_doc_free(doc);
}

/* A code is two objects: it fits when two more are allowed, and adds neither when one is. */
static void ofd_doc_add_qr__object_limit_at_n_and_n_plus_1(void **state)
{
    (void)state;
    for (size_t before = SC_OFD_DOC_MAX_OBJECTS - 2; before <= SC_OFD_DOC_MAX_OBJECTS - 1;
         before++) {
        sc_ofd_doc *doc = doc_with_pages(1);
        for (size_t i = 0; i < before; i++)
            OK(sc_ofd_doc_add_line(doc, 0, 0, 0, 1, 1, 0.1, NULL, &e_));
        if (before == SC_OFD_DOC_MAX_OBJECTS - 2) {
            OK(sc_ofd_doc_add_qr(doc, 0, 0, 0, 20, U("x"), 1, SC_OFD_QR_M, &e_));
            assert_int_equal(doc->nobjs, SC_OFD_DOC_MAX_OBJECTS);
        } else {
            REFUSES(SC_ELIMIT, "more than 100000 objects",
                    sc_ofd_doc_add_qr(doc, 0, 0, 0, 20, U("x"), 1, SC_OFD_QR_M, &e_));
            assert_int_equal(doc->nobjs, before);
        }
        sc_ofd_doc_free(doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ofd_doc_add_qr__paths_redraw_the_encoded_matrix),
        cmocka_unit_test(ofd_doc_add_qr__version_40_redraws_and_scans),
        cmocka_unit_test(ofd_doc_add_qr__refuses_each_bad_argument),
        cmocka_unit_test(ofd_doc_add_qr__object_limit_at_n_and_n_plus_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

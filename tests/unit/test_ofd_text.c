/* test_ofd_text.c: keyword search on an OFD page (ofd/ofd_text.h). Content.xml strings are
 * built here and parsed with sc__ofd_xml_parse; boxes are checked to 0.01 mm against values
 * worked out by hand (comments show the sums). The vector pages (a bank debit note, a railway
 * ticket, ofdrw's sample) are searched for words really drawn there, and every page and
 * template of every vector is searched once to check that real files parse and stay in the
 * page. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofd/ofd_int.h"
#include "ofd/ofd_text.h"
#include "sealcore/ofd.h"
#include "testutil.h"

#define PAGE_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
    "<ofd:Page xmlns:ofd=\"http://www.ofdspec.org/2016\"><ofd:Content><ofd:Layer ID=\"1\">\n"
#define PAGE_TAIL "</ofd:Layer></ofd:Content></ofd:Page>\n"

/* ---- helpers ------------------------------------------------------------------------- */

/* Search xml (a whole Content.xml) for needle. */
static int find_xml(const char *xml, size_t len, const char *needle, sc__ofd_box **hits,
                    size_t *n, sc_err *err)
{
    xmlDoc *doc = NULL;
    int rc = sc__ofd_xml_parse((const uint8_t *)xml, len, "Content.xml", &doc, err);

    if (rc != 0)
        fail_msg("test page does not parse: %s", err->msg);
    rc = sc__ofd_text_find(doc, needle, hits, n, err);
    xmlFreeDoc(doc);
    return rc;
}

/* Search a page whose only Layer holds body. */
static int find(const char *body, const char *needle, sc__ofd_box **hits, size_t *n,
                sc_err *err)
{
    size_t len = strlen(PAGE_HEAD) + strlen(body) + strlen(PAGE_TAIL);
    char *xml = malloc(len + 1);
    int rc;

    assert_non_null(xml);
    snprintf(xml, len + 1, "%s%s%s", PAGE_HEAD, body, PAGE_TAIL);
    rc = find_xml(xml, len, needle, hits, n, err);
    free(xml);
    return rc;
}

static int near(double a, double b)
{
    return a - b < 0.01 && b - a < 0.01;
}

#define assert_box(b, X, Y, W, H) do {                                                  \
        const sc__ofd_box *b_ = (b);                                                    \
        if (!near(b_->x, X) || !near(b_->y, Y) || !near(b_->w, W) || !near(b_->h, H))   \
            fail_msg("box %.4f %.4f %.4f %.4f, expected %.4f %.4f %.4f %.4f", b_->x,    \
                     b_->y, b_->w, b_->h, (double)(X), (double)(Y), (double)(W),       \
                     (double)(H));                                                      \
    } while (0)

/* Exactly one hit, returned in *box. */
static void find_one(const char *body, const char *needle, sc__ofd_box *box)
{
    sc__ofd_box *hits = NULL;
    size_t n = 0;
    sc_err err = SC_ERR_INIT;
    int rc = find(body, needle, &hits, &n, &err);

    if (rc != 0 || n != 1)
        fail_msg("\"%s\": rc %d, %zu hits (%s)", needle, rc, n, err.msg);
    *box = hits[0];
    free(hits);
}

static void find_none(const char *body, const char *needle)
{
    sc__ofd_box *hits = NULL;
    size_t n = 7;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(find(body, needle, &hits, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_null(hits);
}

static void find_fails(const char *body, const char *needle, int code, const char *msg)
{
    sc__ofd_box *hits = (sc__ofd_box *)&hits;   /* must come back NULL */
    size_t n = 7;
    sc_err err = SC_ERR_INIT;
    int rc = find(body, needle, &hits, &n, &err);

    if (rc != code || strstr(err.msg, msg) == NULL)
        fail_msg("\"%s\": got %d \"%s\", expected %d \"%s\"", needle, rc, err.msg, code, msg);
    assert_null(hits);
    assert_int_equal(n, 0);
}

#define OBJ(attrs, codes) "<ofd:TextObject " attrs " Font=\"3\">" codes "</ofd:TextObject>\n"
#define TC(attrs, text) "<ofd:TextCode " attrs ">" text "</ofd:TextCode>"

/* ---- positions ------------------------------------------------------------------------ */

static void text_find__plain_uses_estimated_widths(void **state)
{
    sc__ofd_box b;
    (void)state;
    /* CJK one Size (5) wide: 证 at 20 + 2*5; top = 20 + 5 - 5 */
    find_one(OBJ("ID=\"4\" Boundary=\"20 20 120 8\" Size=\"5\"", TC("X=\"0\" Y=\"5\"", "电子证照")),
             "证照", &b);
    assert_box(&b, 30, 20, 10, 5);
    /* ASCII half a Size (4): "12" starts at 20 + 2*2 */
    find_one(OBJ("ID=\"5\" Boundary=\"20 20 120 8\" Size=\"4\"", TC("X=\"0\" Y=\"4\"", "AB12")),
             "12", &b);
    assert_box(&b, 24, 20, 4, 4);
}

static void text_find__explicit_deltax(void **state)
{
    const char *o = OBJ("ID=\"4\" Boundary=\"20 20 120 8\" Size=\"5\"",
                        TC("X=\"1\" Y=\"5\" DeltaX=\"4 6 7\"", "电子证照"));
    sc__ofd_box b;
    (void)state;
    /* origins 1 5 11 18 (+20); 子 and 证 min(advance, 5) = 5 wide: 25 .. 31+5 */
    find_one(o, "子证", &b);
    assert_box(&b, 25, 20, 11, 5);
    find_one(o, "照", &b);                     /* the last glyph: its estimate */
    assert_box(&b, 38, 20, 5, 5);
    /* a narrow advance narrows the glyph: 电 advances 4 < 5 */
    find_one(o, "电", &b);
    assert_box(&b, 21, 20, 4, 5);
}

static void text_find__g_repeat(void **state)
{
    sc__ofd_box b;
    (void)state;
    /* advances 1, 2.5 x3, 3: origins 0 1 3.5 6 8.5 11.5; E min(3, 2) = 2, F 2 */
    find_one(OBJ("ID=\"4\" Boundary=\"10 10 50 8\" Size=\"4\"",
                 TC("X=\"0\" Y=\"4\" DeltaX=\"1 g 3 2.5 3\"", "ABCDEF")), "EF", &b);
    assert_box(&b, 18.5, 10, 5, 4);
    /* "c" of "abc" under each DeltaX: where it starts (2 wide, 4 high either way) */
    static const struct { const char *body; double x; } cs[] = {
        /* a billion repeats are a count, not a list; a count past 2^64 saturates */
#define ABC(id, dx) OBJ("ID=\"" id "\" Boundary=\"0 0 50 8\" Size=\"4\"", \
                        TC("X=\"0\" Y=\"4\" DeltaX=\"" dx "\"", "abc"))
        { ABC("5", "g 1000000000 1"), 2 },
        { ABC("6", "g 99999999999999999999999999 1"), 2 },
        /* "g 0 v" hands out nothing */
        { ABC("7", "g 0 9 1.5"), 3 },
        { ABC("7", "1.5 g 0 9"), 3 },
#undef ABC
    };
    for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
        find_one(cs[i].body, "c", &b);
        assert_box(&b, cs[i].x, 0, 2, 4);
    }
}

static void text_find__short_deltax_repeats_its_last_value(void **state)
{
    sc__ofd_box b;
    (void)state;
    /* v4signed.ofd: DeltaX="1.59" for 12 digits: "111" starts at 9 * 1.59 = 14.31 */
    find_one(OBJ("Boundary=\"164 6.2 40 5\" Size=\"3.175\"",
                 TC("X=\"0\" Y=\"4.0875\" DeltaX=\"1.59\"", "050001700111")), "111", &b);
    assert_box(&b, 164 + 14.31, 6.2 + 4.0875 - 3.175, 2 * 1.59 + 1.5875, 3.175);
    /* two values, four glyphs: 0 2 5 8 */
    find_one(OBJ("ID=\"3\" Boundary=\"0 0 50 8\" Size=\"4\"",
                 TC("X=\"0\" Y=\"4\" DeltaX=\"2 3\"", "abcd")), "d", &b);
    assert_box(&b, 8, 0, 2, 4);
    /* DeltaY too: the last value again (a diagonal) */
    find_one(OBJ("ID=\"3\" Boundary=\"0 0 50 50\" Size=\"4\"",
                 TC("X=\"0\" Y=\"4\" DeltaX=\"2\" DeltaY=\"5\"", "abcd")), "d", &b);
    assert_box(&b, 6, 15, 2, 4);
}

static void text_find__ctm_scale_and_translation(void **state)
{
    sc__ofd_box b;
    (void)state;
    /* A at (2, 10) -> 10 + 0.5*2 + 3 = 14, baseline 20 + 0.5*10 + 4 = 29, Size 10 -> 5 high;
     * B at object x 8 -> 17, 5 wide -> 2.5 */
    find_one(OBJ("ID=\"8\" Boundary=\"10 20 50 50\" Size=\"10\" CTM=\"0.5 0 0 0.5 3 4\"",
                 TC("X=\"2\" Y=\"10\" DeltaX=\"6\"", "AB")), "AB", &b);
    assert_box(&b, 14, 24, 5.5, 5);
    /* a vendor template's pt-to-mm CTM: 交易回单 style, Size 10 pt, advances 10 */
    find_one(OBJ("ID=\"9\" Boundary=\"15 30 40 5\" Size=\"10\" CTM=\"0.3528 0 0 0.3528 0 0\"",
                 TC("X=\"1.4\" Y=\"8.32\" DeltaX=\"10 10 10\"", "交易类型")), "类型", &b);
    assert_box(&b, 15 + 0.3528 * 21.4, 30 + 0.3528 * (8.32 - 10), 0.3528 * 20, 3.528);
    /* 90 degrees: (x, y) -> (-y, x); the glyph rectangle's bounding box */
    find_one(OBJ("ID=\"10\" Boundary=\"50 50 20 20\" Size=\"4\" CTM=\"0 1 -1 0 0 0\"",
                 TC("X=\"0\" Y=\"0\"", "A")), "A", &b);
    assert_box(&b, 50, 50, 4, 2);
}

static void text_find__pageblocks_at_any_depth(void **state)
{
    const char *body =
        OBJ("ID=\"2\" Boundary=\"0 0 10 5\" Size=\"4\"", TC("X=\"0\" Y=\"4\"", "k1"))
        "<ofd:PageBlock ID=\"3\"><ofd:PageBlock ID=\"4\"><ofd:PageBlock ID=\"5\">"
        OBJ("ID=\"6\" Boundary=\"0 10 10 5\" Size=\"4\"", TC("X=\"0\" Y=\"4\"", "k2"))
        "</ofd:PageBlock><ofd:PathObject ID=\"7\" Boundary=\"0 0 1 1\"/>"
        "<ofd:PageBlock ID=\"8\"/></ofd:PageBlock>"
        OBJ("ID=\"9\" Boundary=\"0 20 10 5\" Size=\"4\"", TC("X=\"0\" Y=\"4\"", "k3"))
        "</ofd:PageBlock>"
        "<ofd:CompositeObject ID=\"10\" Boundary=\"0 0 9 9\" ResourceID=\"1\"/>"
        OBJ("ID=\"11\" Boundary=\"0 30 10 5\" Size=\"4\"", TC("X=\"0\" Y=\"4\"", "k4"));
    sc__ofd_box *hits = NULL;
    size_t n = 0;
    sc_err err = SC_ERR_INIT;
    (void)state;

    assert_int_equal(find(body, "k", &hits, &n, &err), 0);
    assert_int_equal(n, 4);                    /* document order, in and out of blocks */
    for (size_t i = 0; i < 4; i++)
        assert_box(&hits[i], 0, 10.0 * (double)i, 2, 4);
    free(hits);
}

static void text_find__spans_textcodes(void **state)
{
    sc__ofd_box b;
    (void)state;
    find_one(OBJ("ID=\"4\" Boundary=\"20 20 120 8\" Size=\"5\"",
                 TC("X=\"0\" Y=\"5\"", "电子") TC("X=\"10\" Y=\"5\"", "证照")), "电子证照", &b);
    assert_box(&b, 20, 20, 20, 5);
    /* a TextCode without X takes the previous TextCode's X (GB/T 33190 11.3): a second line */
    find_one(OBJ("ID=\"4\" Boundary=\"20 20 120 20\" Size=\"5\"",
                 TC("X=\"3\" Y=\"5\"", "电子") TC("Y=\"12\"", "证照")), "证照", &b);
    assert_box(&b, 23, 27, 10, 5);
    /* and without Y the previous Y */
    find_one(OBJ("ID=\"4\" Boundary=\"20 20 120 20\" Size=\"5\"",
                 TC("X=\"3\" Y=\"5\"", "电子") TC("X=\"13\"", "证照")), "证照", &b);
    assert_box(&b, 33, 20, 10, 5);
    /* a first TextCode without X/Y starts at 0 0 (the standard requires them: lenient) */
    find_one(OBJ("ID=\"4\" Boundary=\"20 20 120 20\" Size=\"5\"", TC("", "电子")), "电", &b);
    assert_box(&b, 20, 15, 5, 5);
}

static void text_find__spans_nearby_textobjects_only(void **state)
{
    sc__ofd_box b;
    (void)state;
    find_one(OBJ("ID=\"4\" Boundary=\"20 20 10 8\" Size=\"5\"", TC("X=\"0\" Y=\"5\"", "电子"))
             OBJ("ID=\"5\" Boundary=\"30 20 10 8\" Size=\"5\"", TC("X=\"0\" Y=\"5\"", "证照")),
             "电子证照", &b);
    assert_box(&b, 20, 20, 20, 5);
    /* 付 / 款 / 人 stacked in three objects (a bank template's vertical label) */
    find_one(OBJ("ID=\"1\" Boundary=\"14 44 5 5\" Size=\"3.5\"", TC("X=\"0\" Y=\"3.5\"", "付"))
             OBJ("ID=\"2\" Boundary=\"14 47.7 5 5\" Size=\"3.5\"", TC("X=\"0\" Y=\"3.5\"", "款"))
             OBJ("ID=\"3\" Boundary=\"14 51.4 5 5\" Size=\"3.5\"", TC("X=\"0\" Y=\"3.5\"", "人")),
             "付款人", &b);
    assert_box(&b, 14, 44, 3.5, 10.9);
    /* two glyph heights apart (10 mm gap, Size 5) still joins; a hair more does not */
    find_one(OBJ("ID=\"4\" Boundary=\"20 20 10 8\" Size=\"5\"", TC("X=\"0\" Y=\"5\"", "电子"))
             OBJ("ID=\"5\" Boundary=\"40 20 10 8\" Size=\"5\"", TC("X=\"0\" Y=\"5\"", "证照")),
             "子证", &b);
    assert_box(&b, 25, 20, 20, 5);
    find_none(OBJ("ID=\"4\" Boundary=\"20 20 10 8\" Size=\"5\"", TC("X=\"0\" Y=\"5\"", "电子"))
              OBJ("ID=\"5\" Boundary=\"40.1 20 10 8\" Size=\"5\"", TC("X=\"0\" Y=\"5\"", "证照")),
              "子证");
    /* the "1" ending one field and the "2" starting another far away are not "12" */
    find_none(OBJ("ID=\"4\" Boundary=\"150 20 10 8\" Size=\"3\"", TC("X=\"0\" Y=\"3\"", "0001"))
              OBJ("ID=\"5\" Boundary=\"20 60 10 8\" Size=\"3\"", TC("X=\"0\" Y=\"3\"", "2022")),
              "12");
    /* but within one TextCode a wrap (negative DeltaX, DeltaY down) still continues:
     * b at 62 on the first line, c at 4 on the next (baseline 9) */
    find_one(OBJ("ID=\"6\" Boundary=\"0 0 100 20\" Size=\"4\"",
                 TC("X=\"60\" Y=\"4\" DeltaX=\"2 -58\" DeltaY=\"0 5\"", "abcd")), "bc", &b);
    assert_box(&b, 4, 0, 60, 9);
}

static void text_find__several_occurrences_in_order(void **state)
{
    sc__ofd_box *hits = NULL;
    size_t n = 0;
    sc_err err = SC_ERR_INIT;
    (void)state;

    assert_int_equal(find(OBJ("ID=\"1\" Boundary=\"10 10 100 8\" Size=\"4\"",
                              TC("X=\"0\" Y=\"4\"", "金额金额"))
                          OBJ("ID=\"2\" Boundary=\"10 50 100 8\" Size=\"4\"",
                              TC("X=\"0\" Y=\"4\"", "小写金额")),
                          "金额", &hits, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_box(&hits[0], 10, 10, 8, 4);
    assert_box(&hits[1], 18, 10, 8, 4);
    assert_box(&hits[2], 18, 50, 8, 4);
    free(hits);
    /* occurrences do not overlap */
    assert_int_equal(find(OBJ("ID=\"1\" Boundary=\"0 0 100 8\" Size=\"4\"",
                              TC("X=\"0\" Y=\"4\"", "aaaaa")), "aa", &hits, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_box(&hits[0], 0, 0, 4, 4);
    assert_box(&hits[1], 4, 0, 4, 4);
    free(hits);
}

static void text_find__no_match(void **state)
{
    const char *o = OBJ("ID=\"1\" Boundary=\"10 10 100 8\" Size=\"4\"", TC("X=\"0\" Y=\"4\"",
                        "电子证照"));
    (void)state;
    find_none(o, "证件");
    find_none(o, "电子证照号");                 /* longer than the text */
    find_none(o, "电子證照");                   /* code points compared exactly */
    find_none("", "电子");                      /* an empty layer */
    find_none(OBJ("ID=\"1\" Boundary=\"10 10 100 8\" Size=\"4\" Visible=\"false\"",
                  TC("X=\"0\" Y=\"4\"", "电子证照")), "电子");   /* not drawn */
    find_none(OBJ("ID=\"1\" Boundary=\"10 10 100 8\" Size=\"4\"",
                  "<ofd:Clips><ofd:Clip><ofd:Area>" TC("X=\"0\" Y=\"4\"", "电子")
                  "</ofd:Area></ofd:Clip></ofd:Clips>"), "电子");   /* not text content */
}

static void text_find__ignores_blanks(void **state)
{
    sc__ofd_box b;
    (void)state;
    /* railway-ticket-refund.ofd: "金  额:" */
    const char *o = OBJ("ID=\"26\" Boundary=\"9 66 50 10\" Size=\"4.2\"",
                        TC("X=\"0\" Y=\"6.5078\" DeltaX=\"4.2 g 2 2.1 4.2\"", "金  额:"));
    find_one(o, "金额", &b);
    assert_box(&b, 9, 68.3078, 12.6, 4.2);
    find_one(o, "金 额", &b);
    assert_box(&b, 9, 68.3078, 12.6, 4.2);
    /* the ideographic space, NBSP and line breaks are blanks too */
    find_one(OBJ("ID=\"1\" Boundary=\"0 0 100 8\" Size=\"4\"",
                 TC("X=\"0\" Y=\"4\"", "A\xe3\x80\x80" "B\xc2\xa0" "C&#10;D")), "ABCD", &b);
    assert_box(&b, 0, 0, 16, 4);    /* A 2, U+3000 4, B 2, NBSP 2, C 2, LF 2, D at 14 + 2 */
    find_one(OBJ("ID=\"1\" Boundary=\"0 0 100 8\" Size=\"4\"", TC("X=\"0\" Y=\"4\"", "1234")),
             "\t12 34\n", &b);
    assert_box(&b, 0, 0, 8, 4);
}

static void text_find__utf8_needles(void **state)
{
    const char *o = OBJ("ID=\"1\" Boundary=\"0 0 100 8\" Size=\"4\"",
                        TC("X=\"0\" Y=\"4\"", "café 𠀀字 Reader&amp;Writer"));
    sc__ofd_box b;
    (void)state;
    find_one(o, "é", &b);                     /* 2 bytes, narrow: c a f at 0 2 4 */
    assert_box(&b, 6, 0, 2, 4);
    find_one(o, "𠀀字", &b);                   /* 4 + 3 bytes, wide; after é and a space */
    assert_box(&b, 10, 0, 8, 4);
    find_one(o, "Reader&Writer", &b);         /* the entity decoded by the parser */
    assert_box(&b, 20, 0, 26, 4);
}

/* ---- refusals ------------------------------------------------------------------------- */

static const struct bad {
    const char *name, *body, *needle;
    int code;
    const char *msg;
} bads[] = {
    { "DeltaX word", OBJ("ID=\"7\" Boundary=\"0 0 9 9\" Size=\"4\"",
      TC("X=\"0\" Y=\"4\" DeltaX=\"1 x 2\"", "abcd")), "d", SC_EFORMAT,
      "TextObject ID=7 (line 3): DeltaX \"1 x 2\": not a number at byte 2" },
    { "DeltaY comma", OBJ("ID=\"7\" Boundary=\"0 0 9 9\" Size=\"4\"",
      TC("X=\"0\" Y=\"4\" DeltaY=\"1,5\"", "ab")), "b", SC_EFORMAT,
      "DeltaY \"1,5\": not a number at byte 0" },
    { "g without count", OBJ("ID=\"7\" Boundary=\"0 0 9 9\" Size=\"4\"",
      TC("X=\"0\" Y=\"4\" DeltaX=\"g x 1\"", "ab")), "b", SC_EFORMAT, "\"g\" without a count" },
    { "g without value", OBJ("ID=\"7\" Boundary=\"0 0 9 9\" Size=\"4\"",
      TC("X=\"0\" Y=\"4\" DeltaX=\"g 3\"", "ab")), "b", SC_EFORMAT, "not followed by a value" },
    { "g value junk", OBJ("ID=\"7\" Boundary=\"0 0 9 9\" Size=\"4\"",
      TC("X=\"0\" Y=\"4\" DeltaX=\"g 3 1.5.2\"", "ab")), "b", SC_EFORMAT,
      "DeltaX \"g 3 1.5.2\": not a number at byte 4" },
    { "no Boundary", OBJ("ID=\"8\" Size=\"4\"", TC("X=\"0\" Y=\"4\"", "a")), "a", SC_EFORMAT,
      "TextObject ID=8 (line 3): Boundary \"\": missing (required)" },
    { "short Boundary", OBJ("ID=\"8\" Boundary=\"1 2 3\" Size=\"4\"", TC("", "a")), "a",
      SC_EFORMAT, "Boundary \"1 2 3\": 3 numbers, expected 4" },
    { "long Boundary", OBJ("ID=\"8\" Boundary=\"1 2 3 4 5\" Size=\"4\"", TC("", "a")), "a",
      SC_EFORMAT, "Boundary \"1 2 3 4 5\": more than 4 numbers" },
    { "Size two numbers", OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"4 4\"", TC("", "a")), "a",
      SC_EFORMAT, "Size \"4 4\": more than 1 number" },
    { "long DeltaX", OBJ("ID=\"9\" Boundary=\"0 0 9 9\" Size=\"4\"",
      TC("X=\"0\" Y=\"4\" DeltaX=\"1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 x\"",
         "abcdefghijklmnopqrstuvwxyz")), "z", SC_EFORMAT,
      "DeltaX \"1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 ...\": not a number at byte 48" },
    { "no Size", OBJ("ID=\"8\" Boundary=\"0 0 9 9\"", TC("", "a")), "a", SC_EFORMAT,
      "Size \"\": missing" },
    { "zero Size", OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"0\"", TC("", "a")), "a",
      SC_EFORMAT, "Size \"0\": not positive" },
    { "Size nan", OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"nan\"", TC("", "a")), "a",
      SC_EFORMAT, "Size \"nan\": not a number at byte 0" },
    { "Size inf", OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"inf\"", TC("", "a")), "a",
      SC_EFORMAT, "Size \"inf\"" },
    { "Size hex", OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"0x10\"", TC("", "a")), "a",
      SC_EFORMAT, "Size \"0x10\"" },
    { "short CTM", OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"4\" CTM=\"1 0 0 1 0\"",
      TC("", "a")), "a", SC_EFORMAT, "CTM \"1 0 0 1 0\": 5 numbers, expected 6" },
    { "X comma", OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"4\"", TC("X=\"1,5\" Y=\"4\"", "a")),
      "a", SC_EFORMAT, "TextCode X \"1,5\"" },
    { "Y empty", OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"4\"", TC("X=\"1\" Y=\"\"", "a")),
      "a", SC_EFORMAT, "TextCode Y \"\": 0 numbers, expected 1" },
    { "no ID", OBJ("Boundary=\"0 0 9 x\" Size=\"4\"", TC("", "a")), "a", SC_EFORMAT,
      "TextObject ID=(none) (line 3): Boundary" },
    { "huge number", OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"4\"",
      TC("X=\"1e400\" Y=\"4\"", "a")), "a", SC_ELIMIT, "X \"1e400\": a number beyond 1e7" },
    { "number past limit", OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"4\"",
      TC("X=\"0\" Y=\"4\" DeltaX=\"10000000.1\"", "ab")), "b", SC_ELIMIT, "beyond 1e7" },
    { "empty needle", "", "", SC_EINVAL, "keyword: empty" },
    { "blank needle", "", " \xe3\x80\x80\t", SC_EINVAL, "keyword: empty (or only blanks)" },
    { "needle not UTF-8", "", "ab\xff", SC_EINVAL, "keyword: not UTF-8 (byte 2)" },
    { "needle overlong", "", "\xc0\xaf", SC_EINVAL, "not UTF-8 (byte 0)" },
    { "needle surrogate", "", "\xed\xa0\x80", SC_EINVAL, "not UTF-8" },
    { "needle cut", "", "\xe7\x94", SC_EINVAL, "not UTF-8" },
    { "needle above U+10FFFF", "", "\xf4\x90\x80\x80", SC_EINVAL, "not UTF-8 (byte 0)" },
};

static void text_find__rejects_each_malformed_input(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        sc__ofd_box *hits = (sc__ofd_box *)&hits;
        size_t n = 7;
        sc_err err = SC_ERR_INIT;
        int rc = find(bads[i].body, bads[i].needle, &hits, &n, &err);
        if (rc != bads[i].code || strstr(err.msg, bads[i].msg) == NULL)
            fail_msg("%s: got %d \"%s\"", bads[i].name, rc, err.msg);
        assert_null(hits);
        assert_int_equal(n, 0);
    }
}

static void text_find__number_limit_at_n(void **state)
{
    sc__ofd_box b;
    (void)state;
    find_one(OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"4\"",
                 TC("X=\"-10000000\" Y=\"4\" DeltaX=\"10000000\"", "ab")), "b", &b);
    assert_box(&b, 0, 0, 2, 4);
    find_one(OBJ("ID=\"8\" Boundary=\"0 0 9 9\" Size=\"4\"",
                 TC("X=\"1e-400\" Y=\"4E0\" DeltaX=\"+2.5e+0\"", "ab")), "b", &b);
    assert_box(&b, 2.5, 0, 2, 4);
}

static void text_find__needle_limit_at_n_and_n_plus_1(void **state)
{
    char needle[SC__OFD_TEXT_MAX_NEEDLE + 2];
    (void)state;
    memset(needle, 'a', SC__OFD_TEXT_MAX_NEEDLE);
    needle[SC__OFD_TEXT_MAX_NEEDLE] = '\0';
    find_none(OBJ("ID=\"1\" Boundary=\"0 0 9 9\" Size=\"4\"", TC("", "aaa")), needle);
    needle[SC__OFD_TEXT_MAX_NEEDLE] = 'a';
    needle[SC__OFD_TEXT_MAX_NEEDLE + 1] = '\0';
    find_fails("", needle, SC_ELIMIT, "keyword: more than 256 characters");
}

/* A page of count 'x' glyphs (plus blanks, which do not count) ending in "yz". */
static int find_in_glyphs(size_t count, sc__ofd_box **hits, size_t *n, sc_err *err)
{
    const char *head = PAGE_HEAD OBJ("ID=\"1\" Boundary=\"0 0 9 9\" Size=\"4\"", "");
    size_t hl = strlen(head) - strlen("</ofd:TextObject>\n"), len = 0;
    char *xml = malloc(hl + count + 2000);
    int rc;

    assert_non_null(xml);
    memcpy(xml, head, hl);
    len = hl;
    len += (size_t)snprintf(xml + len, 100, "<ofd:TextCode X=\"0\" Y=\"4\">");
    memset(xml + len, ' ', 1000);             /* blanks are free */
    len += 1000;
    memset(xml + len, 'x', count - 2);
    len += count - 2;
    len += (size_t)snprintf(xml + len, 200, "yz</ofd:TextCode></ofd:TextObject>%s", PAGE_TAIL);
    rc = find_xml(xml, len, "yz", hits, n, err);
    free(xml);
    return rc;
}

static void text_find__glyph_limit_at_n_and_n_plus_1(void **state)
{
    sc__ofd_box *hits = NULL;
    size_t n = 0;
    sc_err err = SC_ERR_INIT;
    (void)state;

    assert_int_equal(find_in_glyphs(SC__OFD_TEXT_MAX_GLYPHS, &hits, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_box(&hits[0], 2.0 * (SC__OFD_TEXT_MAX_GLYPHS - 2) + 500 * 4, 0, 4, 4);
    free(hits);
    hits = NULL;
    assert_int_equal(find_in_glyphs(SC__OFD_TEXT_MAX_GLYPHS + 1, &hits, &n, &err), SC_ELIMIT);
    assert_non_null(strstr(err.msg, "page text: more than 200000 glyphs"));
    assert_null(hits);
    assert_int_equal(n, 0);
}

/* ---- vector pages --------------------------------------------------------------------- */

/* Read entry name of an open package, parse it and search it. */
static int find_in_entry(sc_ofd_pkg *pkg, const char *name, const char *needle,
                         sc__ofd_box **hits, size_t *n, sc_err *err)
{
    uint8_t *buf = NULL;
    size_t ix, len = 0;
    int rc;

    if ((rc = sc_ofd_pkg_find(pkg, NULL, name, &ix, err)) != 0 ||
        (rc = sc_ofd_pkg_read(pkg, ix, SC_OFD_MAX_XML, &buf, &len, err)) != 0)
        fail_msg("%s: %s", name, err->msg);
    rc = find_xml((const char *)buf, len, needle, hits, n, err);
    free(buf);
    return rc;
}

static void vector_one(const char *file, const char *needle, double x, double y, double w,
                       double h)
{
    uint8_t *buf = NULL;
    size_t len = 0, n = 0;
    sc_ofd_pkg *pkg = NULL;
    sc__ofd_box *hits = NULL;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_test_read(sc_test_path(sc_test_vectors(), file), &buf, &len), 0);
    assert_int_equal(sc_ofd_pkg_open_mem(&pkg, buf, len, &err), 0);
    if (find_in_entry(pkg, "Doc_0/Pages/Page_0/Content.xml", needle, &hits, &n, &err) != 0 ||
        n != 1)
        fail_msg("%s \"%s\": %zu hits (%s)", file, needle, n, err.msg);
    assert_box(&hits[0], x, y, w, h);
    free(hits);
    sc_ofd_pkg_free(pkg);
    free(buf);
}

static void text_find__vector_pages(void **state)
{
    (void)state;
    /* TextObject 64: Boundary -0.7935 16.415, X 73.25, Y 5.4546, Size 6.35, "g 9 6.35";
     * 借 is the 7th glyph: -0.7935 + 73.25 + 6 * 6.35; top 16.415 + 5.4546 - 6.35 */
    vector_one("vendors/invoice-2020062290131.ofd", "借记通知", 110.5565, 15.5196, 25.4, 6.35);
    /* "你好呀，OFD Reader&Writer！": 3 3 3 3 then 1.5 each; R is glyph 8 at 18 */
    vector_one("ofdrw/SESV4SignDoc.ofd", "Reader&Writer", 31.7 + 18, 25.4, 19.5, 3);
    /* TextObject 26 "金  额:" (blanks ignored) */
    vector_one("vendors/railway-ticket-refund.ofd", "金额", 9, 68.3078, 12.6, 4.2);
    /* signedFile.ofd: 上海后衍品牌管理有限公司钟楼分公司, Boundary 36 30, Y 4.4875, g 16 3.175 */
    vector_one("ofdrw/signedFile.ofd", "钟楼分公司", 36 + 12 * 3.175, 30 + 4.4875 - 3.175,
               5 * 3.175, 3.175);
}

/* Every Content.xml (pages and templates) of every vector: searched without error, every
 * digit found inside a generous page (real pages are at most A4, some nudge past 0). */
static void text_find__every_vector_content_stays_on_the_page(void **state)
{
    const char *dirs[] = { "ofdrw", "vendors" };
    size_t pages = 0, found = 0;
    (void)state;

    for (size_t d = 0; d < 2; d++) {
        const char *dir = sc_test_path(sc_test_vectors(), dirs[d]);
        DIR *dh = opendir(dir);
        struct dirent *de;
        assert_non_null(dh);
        while ((de = readdir(dh)) != NULL) {
            size_t nl = strlen(de->d_name), len = 0;
            uint8_t *buf = NULL;
            sc_ofd_pkg *pkg = NULL;
            sc_err err = SC_ERR_INIT;
            if (nl < 5 || strcmp(de->d_name + nl - 4, ".ofd") != 0)
                continue;
            assert_int_equal(sc_test_read(sc_test_path(dir, de->d_name), &buf, &len), 0);
            assert_int_equal(sc_ofd_pkg_open_mem(&pkg, buf, len, &err), 0);
            for (size_t i = 0; i < sc_ofd_pkg_count(pkg); i++) {
                const char *name = sc_ofd_pkg_name(pkg, i);
                size_t n = 0, nn = strlen(name);
                sc__ofd_box *hits = NULL;
                if (nn < 11 || strcmp(name + nn - 11, "Content.xml") != 0)
                    continue;
                for (const char *dig = "0123456789"; *dig != '\0'; dig++) {
                    char needle[2] = { *dig, '\0' };
                    if (find_in_entry(pkg, name, needle, &hits, &n, &err) != 0)
                        fail_msg("%s %s: %s", de->d_name, name, err.msg);
                    for (size_t k = 0; k < n; k++)
                        if (hits[k].x < -5 || hits[k].y < -5 || hits[k].x + hits[k].w > 300 ||
                            hits[k].y + hits[k].h > 300 || hits[k].w <= 0 || hits[k].h <= 0)
                            fail_msg("%s %s: '%c' at %.2f %.2f %.2f %.2f", de->d_name, name,
                                     *dig, hits[k].x, hits[k].y, hits[k].w, hits[k].h);
                    found += n;
                    free(hits);
                }
                pages++;
            }
            sc_ofd_pkg_free(pkg);
            free(buf);
        }
        closedir(dh);
    }
    assert_true(pages >= 20);
    assert_true(found > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_find__plain_uses_estimated_widths),
        cmocka_unit_test(text_find__explicit_deltax),
        cmocka_unit_test(text_find__g_repeat),
        cmocka_unit_test(text_find__short_deltax_repeats_its_last_value),
        cmocka_unit_test(text_find__ctm_scale_and_translation),
        cmocka_unit_test(text_find__pageblocks_at_any_depth),
        cmocka_unit_test(text_find__spans_textcodes),
        cmocka_unit_test(text_find__spans_nearby_textobjects_only),
        cmocka_unit_test(text_find__several_occurrences_in_order),
        cmocka_unit_test(text_find__no_match),
        cmocka_unit_test(text_find__ignores_blanks),
        cmocka_unit_test(text_find__utf8_needles),
        cmocka_unit_test(text_find__rejects_each_malformed_input),
        cmocka_unit_test(text_find__number_limit_at_n),
        cmocka_unit_test(text_find__needle_limit_at_n_and_n_plus_1),
        cmocka_unit_test(text_find__glyph_limit_at_n_and_n_plus_1),
        cmocka_unit_test(text_find__vector_pages),
        cmocka_unit_test(text_find__every_vector_content_stays_on_the_page),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

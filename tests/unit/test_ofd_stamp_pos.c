/* test_ofd_stamp_pos.c: where sc_ofd_sign (sealcore/ofd_sign.h) puts the seal, on documents
 * made with sc_ofd_doc_* and the development PKI: on a named page, at keyword occurrences,
 * riding across pages, every placement a document cannot take, and a page that carries its
 * own box in Content.xml (Area/PhysicalBox, GB/T 33190; spec/ofd-signature.md) instead of the
 * document's PageArea. Every output is verified with sc_verify_ofd (ofd_stamp_test.c's
 * sign_read); the signature's structure is test_ofd_stamp.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofd/ofd_model.h"
#include "ofd/ofd_text.h"
#include "testutil.h"
#include "ofd_stamp_test.h"   /* last: its type out would shadow parameters named out */

static void sign_ofd__places_on_the_named_page(void **state)
{
    size_t in_len;
    uint8_t *in = make_doc(3, NULL, &in_len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    out o;

    (void)state;
    p.page = 3;
    p.x_mm = 200;   /* partly off the right edge: allowed */
    p.y_mm = 280.5;
    p.width_mm = 30;
    p.height_mm = 20;
    sign_read(&o, in, in_len, &p);
    assert_int_equal(o.m->nsigs, 1);
    assert_int_equal(o.m->sigs[0].nannots, 1);
    const sc__ofd_annot *a = &o.m->sigs[0].annots[0];
    assert_int_equal(a->page_ref, o.m->pages[2].id);
    assert_true(a->has_box && !a->has_clip);
    assert_true(a->box[0] == 185 && a->box[1] == 270.5 && a->box[2] == 30 && a->box[3] == 20);
    out_free(&o);

    free(in);
}

/* Boxes of KW on page page_no (1-based) of buf, as ofd_text finds them. */
static sc__ofd_box hit(const uint8_t *buf, size_t len, size_t page_no, size_t k)
{
    char name[64];
    size_t n, nh;
    uint8_t *d;
    xmlDoc *doc = NULL;
    sc__ofd_box *hits = NULL, b;
    sc_err err = SC_ERR_INIT;

    snprintf(name, sizeof(name), "Doc_0/Pages/Page_%zu/Content.xml", page_no - 1);
    assert_non_null(d = entry(buf, len, name, &n));
    assert_int_equal(sc__ofd_xml_parse(d, n, name, &doc, &err), 0);
    assert_int_equal(sc__ofd_text_find(doc, KW, &hits, &nh, &err), 0);
    assert_true(k < nh);
    b = hits[k];
    free(hits);
    xmlFreeDoc(doc);
    free(d);
    return b;
}

static void sign_ofd__keyword_picks_occurrences(void **state)
{
    static const char *const texts[] = { "甲 " KW "|乙 " KW, "nothing", KW " 丙" };
    static const struct {
        int occ;
        size_t count, pages[3], k[3];    /* the stamps: page number and hit on that page */
    } rows[] = {
        { SC_OFD_OCCUR_ALL, 3, { 1, 1, 3 }, { 0, 1, 0 } },
        { 1, 1, { 1 }, { 0 } },
        { 2, 1, { 1 }, { 1 } },
        { 3, 1, { 3 }, { 0 } },
        { SC_OFD_OCCUR_LAST, 1, { 3 }, { 0 } },
    };
    size_t in_len;
    uint8_t *in = make_doc(3, texts, &in_len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_KEYWORD);

    (void)state;
    p.keyword = KW;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        out o;
        p.occurrence = rows[r].occ;
        sign_read(&o, in, in_len, &p);
        assert_int_equal(o.m->sigs[0].nannots, rows[r].count);
        for (size_t i = 0; i < rows[r].count; i++) {
            const sc__ofd_annot *a = &o.m->sigs[0].annots[i];
            sc__ofd_box b = hit(in, in_len, rows[r].pages[i], rows[r].k[i]);
            assert_int_equal(a->page_ref, o.m->pages[rows[r].pages[i] - 1].id);
            /* centred on the hit, to the 0.001 mm written */
            assert_true(fabs(a->box[0] + 21 - (b.x + b.w / 2)) < 0.001);
            assert_true(fabs(a->box[1] + 21 - (b.y + b.h / 2)) < 0.001);
            assert_true(a->box[2] == 42 && a->box[3] == 42);
        }
        out_free(&o);
    }
    free(in);
}

static void sign_ofd__riding_slices_the_seal_across_pages(void **state)
{
    static const struct {
        unsigned side;
        size_t first, last, count;
    } rows[] = {
        { SC_OFD_RIDING_RIGHT, 0, 0, 5 },
        { SC_OFD_RIDING_LEFT, 0, 0, 5 },
        { SC_OFD_RIDING_BOTH, 0, 0, 10 },
        { SC_OFD_RIDING_RIGHT, 2, 4, 3 },
        { SC_OFD_RIDING_RIGHT, 5, 5, 1 },
    };
    size_t in_len;
    uint8_t *in = make_doc(5, NULL, &in_len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_RIDING);

    (void)state;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        size_t k = rows[r].first ? rows[r].last - rows[r].first + 1 : 5, at = 0;
        size_t first = rows[r].first ? rows[r].first : 1;
        out o;
        p.riding = rows[r].side;
        p.first_page = rows[r].first;
        p.last_page = rows[r].last;
        sign_read(&o, in, in_len, &p);
        const sc__ofd_sig *s = &o.m->sigs[0];
        const double sw = 42.0 / (double)k;
        assert_int_equal(s->nannots, rows[r].count);
        for (size_t i = 0; i < k; i++)
            for (unsigned side = 1; side <= 2; side++) {
                if (!(rows[r].side & side))
                    continue;
                const sc__ofd_annot *a = &s->annots[at++];
                /* right: slice i, flush with x = 210; left: slice k-1-i, flush with x = 0 */
                size_t slice = side == 1 ? i : k - 1 - i;
                double x = side == 1 ? 210 - (double)(i + 1) * sw : -(double)(k - 1 - i) * sw;
                assert_int_equal(a->page_ref, o.m->pages[first - 1 + i].id);
                assert_true(a->has_box && a->has_clip);
                assert_true(fabs(a->box[0] - x) < 0.001 && a->box[1] == 127.5 &&
                            a->box[2] == 42 && a->box[3] == 42);
                assert_true(fabs(a->clip[0] - (double)slice * sw) < 0.001 && a->clip[1] == 0 &&
                            fabs(a->clip[2] - sw) < 0.001 && a->clip[3] == 42);
                /* the visible slice lies on the page, against its edge */
                double vis = a->box[0] + a->clip[0];
                assert_true(fabs(side == 1 ? vis + a->clip[2] - 210 : vis) < 0.002);
            }
        out_free(&o);
    }
    free(in);
}

/* Each placement a document cannot take, refused with its reason before any output. */
static void sign_ofd__refuses_each_bad_placement(void **state)
{
#define XY SC_OFD_PLACE_PAGE_XY
#define KWD SC_OFD_PLACE_KEYWORD
#define RIDE SC_OFD_PLACE_RIDING
    static const struct {
        sc_ofd_sign_params p;   /* placement only; the signer is filled in below */
        int code;
        const char *frag;
    } rows[] = {
        { { .place = XY, .page = 4, .x_mm = 100 }, SC_EINVAL, "page 4: the document has pages "
          "1 to 3" },
        { { .place = XY, .page = 0 }, SC_EINVAL, "page 0: the document has pages 1 to 3" },
        { { .place = XY, .page = 1, .x_mm = 225, .width_mm = 30, .height_mm = 20 }, SC_EINVAL,
          "a 30x20 mm seal centred at (225, 0) lies entirely outside the page (0 0 210 297)" },
        { { .place = XY, .page = 1, .y_mm = 1e9 }, SC_EINVAL, "not a number within" },
        { { .place = XY, .page = 1, .width_mm = 1000.5, .height_mm = 20 }, SC_EINVAL,
          "seal size 1000.5x20 mm" },
        { { .place = XY, .page = 1, .height_mm = 20 }, SC_EINVAL,   /* one side 0 */
          "each side must be in (0, 1000]" },
        { { .place = 9 }, SC_EINVAL, "placement 9: not PAGE_XY, KEYWORD or RIDING" },
        { { .place = KWD, .keyword = KW, .occurrence = 4 }, SC_ENOTFOUND,
          "keyword \"" KW "\" occurs 3 times; occurrence 4 was asked for" },
        { { .place = KWD, .keyword = KW, .occurrence = -2 }, SC_EINVAL, "occurrence -2" },
        { { .place = KWD, .keyword = "印章" }, SC_ENOTFOUND, "keyword \"印章\" does not occur "
          "in the document (3 pages searched)" },
        { { .place = KWD, .keyword = "" }, SC_EINVAL, "keyword: empty" },
        { { .place = KWD, .keyword = "  " }, SC_EINVAL, "keyword \"  \" on page 1" },
        { { .place = RIDE, .riding = 1, .first_page = 2, .last_page = 4 }, SC_EINVAL,
          "riding seal: pages 2-4; the document has pages 1 to 3" },
        { { .place = RIDE, .riding = 1, .first_page = 3, .last_page = 2 }, SC_EINVAL,
          "pages 3-2" },
        { { .place = RIDE, .riding = 4 }, SC_EINVAL, "side 4 is not right (1), left (2) or "
          "both (3)" },
    };
#undef XY
#undef KWD
#undef RIDE
    static const char *const texts[] = { "甲 " KW "|乙 " KW, NULL, KW };
    size_t len;
    uint8_t *in = make_doc(3, texts, &len);

    (void)state;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        sc_ofd_sign_params p = rows[r].p;
        p.seal = g.seal, p.key = g.kprov, p.cert = g.prov, p.cert_len = g.prov_len;
        p.sign_time = g.t;
        refused(in, len, &p, rows[r].code, rows[r].frag);
    }
    free(in);
}

/* A 3-page A4 document whose page 2 (text KW) carries its own page box in Content.xml
 * (<ofd:Area><ofd:PhysicalBox>box</...></ofd:Area>, before <ofd:Content>) and whose page 3
 * merely says "PhysicalBox" in a TextCode: made with sc_ofd_doc_*, page 2's Content.xml
 * edited and the other entries copied raw. */
static uint8_t *boxed_doc(const char *box, size_t *len)
{
    static const char *const texts[] = { NULL, KW, "PhysicalBox" };
    static const char name[] = "Doc_0/Pages/Page_1/Content.xml";
    size_t a4_len, n;
    uint8_t *a4 = make_doc(3, texts, &a4_len), *xml, *res;
    char edited[4096], *at;
    int k;

    assert_non_null(xml = entry(a4, a4_len, name, &n));
    assert_non_null(at = strstr((char *)xml, "<ofd:Content>"));
    k = snprintf(edited, sizeof(edited), "%.*s<ofd:Area><ofd:PhysicalBox>%s</ofd:PhysicalBox>"
                 "</ofd:Area>%s", (int)(at - (char *)xml), (char *)xml, box, at);
    assert_true(k > 0 && (size_t)k < sizeof(edited));
    res = repack(a4, a4_len, name, name, (const uint8_t *)edited, (size_t)k, len);
    free(xml);
    free(a4);
    return res;
}

/* PAGE_XY judges the point against the page's own box (0 0 100 150), not the document's A4:
 * a 42 mm seal at x 121 starts on the edge (shows nothing), at 120.5 it overlaps by 0.5. */
static void sign_ofd__page_xy_judges_the_point_by_the_page_own_box(void **state)
{
    static const struct {
        size_t page;
        double x, y;
        int code;             /* 0: stamped with its box centred on (x, y) */
        const char *frag;
    } rows[] = {
        { 2, 150, 200, SC_EINVAL, "page 2: a 42x42 mm seal centred at (150, 200) lies entirely "
          "outside the page (0 0 100 150)" },
        { 1, 150, 200, 0, NULL },   /* the same point on an A4 page of the same document */
        { 2, 50, 75, 0, NULL },
        { 2, 121, 75, SC_EINVAL, "centred at (121, 75) lies entirely outside the page (0 0 100 "
          "150)" },
        { 2, 120.5, 75, 0, NULL },
        { 2, 50, 171, SC_EINVAL, "centred at (50, 171) lies entirely outside the page (0 0 100 "
          "150)" },
        { 2, 50, 170.5, 0, NULL },
    };
    size_t len;
    uint8_t *in = boxed_doc("0 0 100 150", &len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);

    (void)state;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        out o;
        p.page = rows[r].page;
        p.x_mm = rows[r].x;
        p.y_mm = rows[r].y;
        if (rows[r].code != 0) {
            refused(in, len, &p, rows[r].code, rows[r].frag);
            continue;
        }
        sign_read(&o, in, len, &p);
        assert_int_equal(o.m->sigs[0].nannots, 1);
        const sc__ofd_annot *a = &o.m->sigs[0].annots[0];
        assert_int_equal(a->page_ref, o.m->pages[rows[r].page - 1].id);
        if (a->box[0] != rows[r].x - 21 || a->box[1] != rows[r].y - 21 || a->box[2] != 42 ||
            a->box[3] != 42)
            fail_msg("row %zu: Boundary %g %g %g %g", r, a->box[0], a->box[1], a->box[2],
                     a->box[3]);
        out_free(&o);
    }
    free(in);
}

/* A riding seal over an A4 page and a 100x150 page: each slice is flush with its own page's
 * right edge and centred on its own page's height. */
static void sign_ofd__riding_meets_the_edges_of_the_page_own_box(void **state)
{
    static const double edge[2] = { 210, 100 }, height[2] = { 297, 150 };
    size_t len;
    uint8_t *in = boxed_doc("0 0 100 150", &len);
    sc_ofd_sign_params p = base(SC_OFD_PLACE_RIDING);
    const double sw = 21;   /* 42 mm over 2 pages */
    out o;

    (void)state;
    p.riding = SC_OFD_RIDING_RIGHT;
    p.first_page = 1;
    p.last_page = 2;
    sign_read(&o, in, len, &p);
    assert_int_equal(o.m->sigs[0].nannots, 2);
    for (size_t i = 0; i < 2; i++) {
        const sc__ofd_annot *a = &o.m->sigs[0].annots[i];
        assert_int_equal(a->page_ref, o.m->pages[i].id);
        assert_true(a->has_box && a->has_clip);
        if (fabs(a->box[0] - (edge[i] - (double)(i + 1) * sw)) > 0.001 ||
            a->box[1] != height[i] / 2 - 21 || a->box[2] != 42 || a->box[3] != 42)
            fail_msg("page %zu: Boundary %g %g %g %g", i + 1, a->box[0], a->box[1], a->box[2],
                     a->box[3]);
        assert_true(fabs(a->clip[0] - (double)i * sw) < 0.001 && a->clip[1] == 0 &&
                    fabs(a->clip[2] - sw) < 0.001 && a->clip[3] == 42);
        /* the visible slice ends on the page's own right edge */
        assert_true(fabs(a->box[0] + a->clip[0] + a->clip[2] - edge[i]) < 0.002);
    }
    out_free(&o);
    free(in);
}

/* A page box that is not four numbers with a positive size is damage, for every placement
 * that reads the page, before any output. */
static void sign_ofd__refuses_a_damaged_page_box(void **state)
{
    static const char *const boxes[] = { "0 0 x 150", "0 0 100 0", "0 0 100 150 7" };
    static const sc_ofd_place places[] = { SC_OFD_PLACE_PAGE_XY, SC_OFD_PLACE_RIDING,
                                           SC_OFD_PLACE_KEYWORD };
    char frag[160];

    (void)state;
    for (size_t b = 0; b < sizeof(boxes) / sizeof(boxes[0]); b++) {
        size_t len;
        uint8_t *in = boxed_doc(boxes[b], &len);
        snprintf(frag, sizeof(frag), "page 2 (Doc_0/Pages/Page_1/Content.xml): Area/PhysicalBox "
                 "\"%s\" is not a box", boxes[b]);
        for (size_t k = 0; k < sizeof(places) / sizeof(places[0]); k++) {
            sc_ofd_sign_params p = base(places[k]);
            p.page = 2;
            p.riding = SC_OFD_RIDING_RIGHT;   /* all pages */
            p.keyword = KW;                   /* on page 2 */
            refused(in, len, &p, SC_EFORMAT, frag);
        }
        free(in);
    }
}

/* Page 3 mentions PhysicalBox only as text: it is parsed, has no Area, and keeps the A4 box. */
static void sign_ofd__keeps_the_document_box_when_a_text_says_physicalbox(void **state)
{
    size_t len, n;
    uint8_t *in = boxed_doc("0 0 100 150", &len), *xml;
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    out o;

    (void)state;
    assert_non_null(xml = entry(in, len, "Doc_0/Pages/Page_2/Content.xml", &n));
    assert_non_null(strstr((char *)xml, ">PhysicalBox</ofd:TextCode>"));
    assert_null(strstr((char *)xml, "Area"));
    free(xml);
    p.page = 3;
    p.x_mm = 150;
    p.y_mm = 200;   /* outside page 2's own box, inside A4 */
    sign_read(&o, in, len, &p);
    const sc__ofd_annot *a = &o.m->sigs[0].annots[0];
    assert_int_equal(a->page_ref, o.m->pages[2].id);
    assert_true(a->box[0] == 129 && a->box[1] == 179 && a->box[2] == 42 && a->box[3] == 42);
    out_free(&o);

    p = base(SC_OFD_PLACE_RIDING);
    p.riding = SC_OFD_RIDING_RIGHT;
    p.first_page = p.last_page = 3;
    sign_read(&o, in, len, &p);
    a = &o.m->sigs[0].annots[0];
    assert_int_equal(a->page_ref, o.m->pages[2].id);
    assert_true(a->box[0] == 168 && a->box[1] == 127.5 && a->box[2] == 42 && a->box[3] == 42);
    out_free(&o);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sign_ofd__places_on_the_named_page),
        cmocka_unit_test(sign_ofd__keyword_picks_occurrences),
        cmocka_unit_test(sign_ofd__riding_slices_the_seal_across_pages),
        cmocka_unit_test(sign_ofd__refuses_each_bad_placement),
        cmocka_unit_test(sign_ofd__page_xy_judges_the_point_by_the_page_own_box),
        cmocka_unit_test(sign_ofd__riding_meets_the_edges_of_the_page_own_box),
        cmocka_unit_test(sign_ofd__refuses_a_damaged_page_box),
        cmocka_unit_test(sign_ofd__keeps_the_document_box_when_a_text_says_physicalbox),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

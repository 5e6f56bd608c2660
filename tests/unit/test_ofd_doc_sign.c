/* test_ofd_doc_sign.c: a licence-like document from the OFD writer (texts, custom tags, a QR
 * code, an embedded font) stamped with sc_ofd_sign: it verifies, its References cover the
 * tag documents, the font and every page, and changing a tag document afterwards is caught.
 * The same document stamped as it is written (sc__ofd_sign_doc, ofd/ofd_doc_sign.h) gives
 * the same entries with the same bytes (SignedValue.dat aside) and verifies; its refusals
 * leave the sink untouched.
 * The writer's own behaviour: test_ofd_doc_tags.c; stamping: test_ofd_stamp.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ofd/ofd_doc_sign.h"
#include "sealcore/ofd_doc.h"
#include "sealcore/verify.h"
#include "ofd_write_test.h"   /* OK() only */
#include "testutil.h"
#include "ofd_stamp_test.h"   /* last: its type out would shadow parameters named out */

#define TTF "\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00" \
            "head\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04" "abcd"

static sc_ofd_doc *licence_doc(void)
{
    static const char url[] = "https://zz.example.gov.cn/v?id=1.2.156.3005.2."
                              "11100000000013338W011.11430000006122244L.20230000403.001.U";
    sc_ofd_doc *doc = NULL;
    sc_ofd_text t = { 20, 30, 6, "方正小标宋简体", "营业执照", NULL };
    uint32_t id;

    OK(sc_ofd_doc_new(&doc, 210, 297, &e_));
    OK(sc_ofd_doc_set_doc_id(doc, DOC_ID, &e_));
    OK(sc_ofd_doc_add_custom(doc, "ZZMC", "营业执照", &e_));
    OK(sc_ofd_doc_add_page(doc, NULL, &e_));
    OK(sc_ofd_doc_add_font_file(doc, t.font, NULL, U(TTF), sizeof(TTF) - 1,
                                   &e_));
    OK(sc_ofd_doc_add_text(doc, 0, &t, &e_));
    id = sc_ofd_doc_last_id(doc);
    OK(sc_ofd_doc_add_tag(doc, "license", "ZZMC", "营业执照", 0, &id, 1, &e_));
    OK(sc_ofd_doc_add_qr(doc, 0, 160, 240, 30, U(url), strlen(url),
                            SC_OFD_QR_M, &e_));
    id = sc_ofd_doc_last_id(doc);
    OK(sc_ofd_doc_add_tag(doc, "license", "EWM", url, 0, &id, 1, &e_));
    return doc;
}

static uint8_t *licence(size_t *len)
{
    sc_ofd_doc *doc = licence_doc();
    uint8_t *buf = NULL;

    OK(sc_ofd_doc_write_mem(doc, &buf, len, &e_));
    sc_ofd_doc_free(doc);
    return buf;
}

static int covered(const sc__ofd_sig *s, const char *entry_name)
{
    for (size_t i = 0; i < s->nrefs; i++)
        if (s->refs[i].entry != NULL && strcmp(s->refs[i].entry, entry_name) == 0)
            return 1;
    return 0;
}

static void ofd_doc_sign__stamp_covers_tags_qr_and_font(void **state)
{
    static const char *const must[] = { "OFD.xml", "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml", "Doc_0/Pages/Page_0/Content.xml", "Doc_0/Tags/CustomTags.xml",
        "Doc_0/Tags/Tag_license.xml", "Doc_0/Res/font_3.ttf" };
    sc_ofd_sign_params p = base(SC_OFD_PLACE_KEYWORD);
    sc_verify_opts vo = { .trust = g.trust };
    sc_report *rep = NULL;
    size_t len, tlen, blen;
    uint8_t *doc = licence(&len), *tag, *bad;
    char msg[512];
    out o;

    (void)state;
    p.keyword = "营业执照";
    p.occurrence = 1;
    sign_read(&o, doc, len, &p);            /* verifies: every check of ours passed */
    assert_int_equal(o.m->nsigs, 1);
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        if (!covered(&o.m->sigs[0], must[i]))
            fail_msg("%s is not covered by the References", must[i]);
    OK(sc_report_new(&rep, "licence.ofd", NULL, &e_));
    OK(sc_verify_ofd_mem(rep, o.buf, o.len, &vo, &e_));
    if (!sc_test_check_is(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_PASSED, NULL, msg,
                          sizeof(msg)))
        fail_msg("%s", msg);
    sc_report_free(rep);

    /* the tag document changed after signing: the References check fails, naming it */
    tag = entry(o.buf, o.len, "Doc_0/Tags/Tag_license.xml", &tlen);
    assert_non_null(tag);
    assert_non_null(strstr((char *)tag, "营业执照"));
    memcpy(strstr((char *)tag, "营业执照"), "营业执胀", strlen("营业执照"));
    bad = repack(o.buf, o.len, "Doc_0/Tags/Tag_license.xml", "Doc_0/Tags/Tag_license.xml",
                 tag, tlen, &blen);
    OK(sc_report_new(&rep, "tampered.ofd", NULL, &e_));
    OK(sc_verify_ofd_mem(rep, bad, blen, &vo, &e_));
    if (!sc_test_check_is(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED,
                          "Tag_license.xml", msg, sizeof(msg)))
        fail_msg("%s", msg);
    sc_report_free(rep);
    free(bad);
    free(tag);
    out_free(&o);
    free(doc);
}

/* Every check of ours passed (no status, time-stamp or licence check applies here). */
static void verifies(const uint8_t *buf, size_t len)
{
    sc_verify_opts vo = { .trust = g.trust };
    sc_report *rep = NULL;
    char msg[512];

    OK(sc_report_new(&rep, "one-pass.ofd", NULL, &e_));
    OK(sc_verify_ofd_mem(rep, buf, len, &vo, &e_));
    assert_int_equal(sc_report_item_count(rep), 1);
    for (sc_check c = 0; c < SC_CHECK_COUNT; c++)
        if (c != SC_CHECK_TIMESTAMP && c != SC_CHECK_SEAL_STATUS && c != SC_CHECK_LICENSE &&
            !sc_test_check_is(rep, 0, c, SC_RESULT_PASSED, NULL, msg, sizeof(msg)))
            fail_msg("%s", msg);
    sc_report_free(rep);
}

/* Stamped as written and stamped after writing: the same entries in the same order with the
 * same bytes, but the randomised SignedValue.dat; the same signature ID and References. */
static void ofd_doc_sign__one_pass_equals_write_then_stamp(void **state)
{
    static const sc_ofd_place places[] = { SC_OFD_PLACE_PAGE_XY, SC_OFD_PLACE_KEYWORD,
                                           SC_OFD_PLACE_RIDING };
    sc_ofd_doc *doc = licence_doc();
    size_t len;
    uint8_t *written = licence(&len);   /* the same document: DocID and IDs are fixed */

    (void)state;
    for (size_t k = 0; k < sizeof(places) / sizeof(places[0]); k++) {
        sc_ofd_sign_params p = base(places[k]);
        sc_ofd_sign_info info;
        sc_ofd_pkg *a = NULL, *b = NULL;
        sc_test_mem m = { 0 };
        sc_err err = SC_ERR_INIT;
        out o;

        p.keyword = "营业执照";
        p.riding = SC_OFD_RIDING_BOTH;
        sign_read(&o, written, len, &p);
        memset(&info, 0, sizeof(info));
        if (sc__ofd_sign_doc(doc, &p, sc_test_mem_sink, &m, &info, &err) != 0)
            fail_msg("sc__ofd_sign_doc: %s", err.msg);
        verifies(m.buf, m.len);
        assert_string_equal(info.id, o.info.id);
        assert_string_equal(info.signature_xml, o.info.signature_xml);
        assert_int_equal(info.references, o.info.references);
        assert_int_equal(info.stamps, o.info.stamps);
        OK(sc_ofd_pkg_open_mem(&a, o.buf, o.len, &e_));
        OK(sc_ofd_pkg_open_mem(&b, m.buf, m.len, &e_));
        assert_int_equal(sc_ofd_pkg_count(a), sc_ofd_pkg_count(b));
        for (size_t i = 0; i < sc_ofd_pkg_count(a); i++) {
            const char *name = sc_ofd_pkg_name(a, i);
            uint8_t *x = NULL, *y = NULL;
            size_t xl, yl;
            assert_string_equal(name, sc_ofd_pkg_name(b, i));
            if (strstr(name, "SignedValue.dat") != NULL)
                continue;
            OK(sc_ofd_pkg_read(a, i, SIZE_MAX, &x, &xl, &e_));
            OK(sc_ofd_pkg_read(b, i, SIZE_MAX, &y, &yl, &e_));
            if (xl != yl || memcmp(x, y, xl) != 0)
                fail_msg("placement %d: %s differs", (int)places[k], name);
            free(x);
            free(y);
        }
        sc_ofd_pkg_free(a);
        sc_ofd_pkg_free(b);
        free(m.buf);
        out_free(&o);
    }
    free(written);
    sc_ofd_doc_free(doc);
}

/* Refused as sc_ofd_sign refuses, before any byte reaches the sink. */
static void ofd_doc_sign__one_pass_refusals_leave_the_sink_untouched(void **state)
{
    sc_ofd_doc *doc = licence_doc(), *empty = NULL;
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    sc_test_mem m = { 0 };
    sc_err err = SC_ERR_INIT;

    (void)state;
    p.page = 2;
    assert_int_equal(sc__ofd_sign_doc(doc, &p, sc_test_mem_sink, &m, NULL, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "pages 1 to 1"));
    p = base(SC_OFD_PLACE_KEYWORD);
    p.keyword = "不在页面上";
    sc_err_clear(&err);
    assert_int_equal(sc__ofd_sign_doc(doc, &p, sc_test_mem_sink, &m, NULL, &err),
                     SC_ENOTFOUND);
    p = base(SC_OFD_PLACE_PAGE_XY);
    p.key = g.kcity;               /* not the seal's signer */
    sc_err_clear(&err);
    assert_int_not_equal(sc__ofd_sign_doc(doc, &p, sc_test_mem_sink, &m, NULL, &err), 0);
    OK(sc_ofd_doc_new(&empty, 210, 297, &e_));   /* no page */
    sc_err_clear(&err);
    assert_int_equal(sc__ofd_sign_doc(empty, &p, sc_test_mem_sink, &m, NULL, &err),
                     SC_EINVAL);
    assert_int_equal(sc__ofd_sign_doc(NULL, &p, sc_test_mem_sink, &m, NULL, &err), SC_EINVAL);
    assert_int_equal(m.len, 0);
    sc_ofd_doc_free(empty);
    sc_ofd_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ofd_doc_sign__stamp_covers_tags_qr_and_font),
        cmocka_unit_test(ofd_doc_sign__one_pass_equals_write_then_stamp),
        cmocka_unit_test(ofd_doc_sign__one_pass_refusals_leave_the_sink_untouched),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

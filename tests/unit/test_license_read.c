/* test_license_read.c: sc_lic_read and sc_lic_info_check (sealcore/license_file.h) on licence
 * OFDs laid out as spec/license-file.md §3 (lic_test.c): elements in the tag file's order
 * with CustomData and page text, the files a seal must cover; an OFD that is no licence; a
 * licence without its tag file, with a repeated tag, an ObjectRef to no TextObject, a tag
 * file declaring an entity; the CustomData limit at N and N+1; element names. The verifier's
 * license check: test_license_verify.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealcore/license_file.h"
#include "sealcore/ofd_doc.h"
#include "testutil.h"
#include "lic_test.h"
#include "ofd_stamp_test.h"   /* last: its type out would shadow parameters named out */

#define TAG "Doc_0/Tags/Tag_license.xml"

/* sc_lic_read of buf; rc must be want; the info (NULL unless 0) */
static sc_lic_info *read_lic(const uint8_t *buf, size_t len, int want, const char *frag)
{
    sc_ofd_pkg *pkg = NULL;
    sc_lic_info *info = NULL;
    sc_err err = SC_ERR_INIT;
    int rc;

    assert_int_equal(sc_ofd_pkg_open_mem(&pkg, buf, len, &err), 0);
    rc = sc_lic_read(&info, pkg, &err);
    sc_ofd_pkg_free(pkg);
    if (rc != want || (frag != NULL && strstr(err.msg, frag) == NULL))
        fail_msg("sc_lic_read: got %d \"%s\", expected %d \"%s\"", rc, err.msg, want,
                 frag ? frag : "");
    if (want != 0)
        assert_null(info);
    return info;
}

static void check_is(const sc_lic_info *info, int want_ok, const char *frag)
{
    char why[800];
    int ok = -1;

    assert_int_equal(sc_lic_info_check(info, &ok, why, sizeof(why), NULL), 0);
    if (ok != want_ok || (frag != NULL && strstr(why, frag) == NULL))
        fail_msg("check: got %d \"%s\", expected %d \"%s\"", ok, why, want_ok, frag);
}

static uint8_t *good(size_t *len)
{
    lic_el els[LIC_MAX_ELS];
    size_t n = lic_defaults(els);

    return lic_make(els, n, 1, len);
}

static void lic_read__elements_pages_and_files(void **state)
{
    size_t len;
    uint8_t *buf = good(&len);
    sc_lic_info *info = read_lic(buf, len, 0, NULL);
    const sc_lic_element *e;

    (void)state;
    assert_string_equal(sc_lic_info_get_id(info), lic_id());
    assert_string_equal(sc_lic_info_get(info, "CZZT"), "某某科技有限公司");
    assert_null(sc_lic_info_get(info, "ZZQZR"));
    assert_int_equal(sc_lic_info_count(info), 17);
    e = sc_lic_info_get_element(info, 0);   /* the tag file's order */
    assert_string_equal(e->code, "ZZMC");
    assert_string_equal(e->value, "营业执照");
    assert_string_equal(e->custom, "营业执照");
    assert_string_equal(e->page, "营业执照");
    assert_int_equal(e->in_tag, 1);
    e = sc_lic_info_get_element(info, 1);   /* not on the face */
    assert_string_equal(e->code, "ZZLXDM");
    assert_null(e->page);
    assert_null(sc_lic_info_get_element(info, 17));
    assert_null(sc_lic_info_get_problem(info));
    assert_string_equal(sc_lic_info_get_file(info, 0), TAG);
    assert_string_equal(sc_lic_info_get_file(info, 1), "Doc_0/Pages/Page_0/Content.xml");
    assert_null(sc_lic_info_get_file(info, 2));
    check_is(info, 1, NULL);
    sc_lic_info_free(info);
    free(buf);
}

static void lic_read__not_a_licence(void **state)
{
    const char *texts[] = { "营业执照" };
    size_t len;
    uint8_t *buf = make_doc(1, texts, &len);

    (void)state;
    read_lic(buf, len, SC_ENOTFOUND, "no CustomData named ZZBS or sealpki.license");
    free(buf);
}

/* CustomDatas only: the fields still come out, the check says the tag file is missing. */
static void lic_read__without_tag_file(void **state)
{
    sc_ofd_doc *doc = NULL;
    sc_err err = SC_ERR_INIT;
    uint8_t *buf = NULL;
    size_t len;
    sc_lic_info *info;

    (void)state;
    assert_int_equal(sc_ofd_doc_new(&doc, 210, 297, &err), 0);
    assert_int_equal(sc_ofd_doc_add_page(doc, NULL, &err), 0);
    assert_int_equal(sc_ofd_doc_add_custom(doc, "ZZBS", lic_id(), &err), 0);
    assert_int_equal(sc_ofd_doc_add_custom(doc, "CZZT", "某某公司", &err), 0);
    assert_int_equal(sc_ofd_doc_add_custom(doc, "Vendor", "x", &err), 0);   /* not ours */
    assert_int_equal(sc_ofd_doc_write_mem(doc, &buf, &len, &err), 0);
    sc_ofd_doc_free(doc);
    info = read_lic(buf, len, 0, NULL);
    assert_non_null(strstr(sc_lic_info_get_problem(info), "has no CustomTags"));
    assert_int_equal(sc_lic_info_count(info), 2);
    assert_int_equal(sc_lic_info_get_element(info, 1)->in_tag, 0);
    assert_string_equal(sc_lic_info_get(info, "CZZT"), "某某公司");
    assert_null(sc_lic_info_get_file(info, 0));
    check_is(info, 0, "the signed tag file cannot be read: Doc_0/Document.xml has no "
                 "CustomTags");
    sc_lic_info_free(info);
    free(buf);
}

/* Damage to the tag file: each row read (problem) or checked (why), naming what is wrong. */
static void lic_read__damaged_tag_file(void **state)
{
    static const struct row {
        const char *from, *to, *problem, *why;
    } rows[] = {
        { "<sc:Tag Name=\"ZZBH\">", "<sc:Tag Name=\"ZZMC\">",
          TAG ": Tag ZZMC appears twice", NULL },
        { "<sc:Tag Name=\"ZZBH\">", "<sc:Tag>", TAG ": a Tag without a Name", NULL },
        { "PageRef=\"1\">", "PageRef=\"1\">9", NULL,
          "ZZMC (证照名称): the tag file names object 9", },
        { "PageRef=\"1\">", "PageRef=\"7\">", "the tag file names page ID 7, which "
          "Doc_0/Document.xml does not list", NULL },
        { "PageRef=\"1\">", "PageRef=\"x\">", "does not name a page and an object", NULL },
        { "<sc:Tags ", "<!DOCTYPE x [<!ENTITY a \"b\">]><sc:Tags ", "entity", NULL },
    };
    size_t len;
    uint8_t *buf = good(&len);

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t blen;
        uint8_t *bad = lic_edit(buf, len, TAG, rows[i].from, rows[i].to, &blen);
        sc_lic_info *info = read_lic(bad, blen, 0, NULL);
        const char *p = sc_lic_info_get_problem(info);
        if (rows[i].problem != NULL && (p == NULL || strstr(p, rows[i].problem) == NULL))
            fail_msg("row %zu: problem \"%s\", expected \"%s\"", i, p ? p : "(none)",
                     rows[i].problem);
        if (rows[i].why != NULL)
            check_is(info, 0, rows[i].why);
        else   /* the CustomDatas remain, not the tag file's entries */
            assert_int_equal(sc_lic_info_get_element(info, 0)->in_tag, 0);
        sc_lic_info_free(info);
        free(bad);
    }
    free(buf);
}

/* SC_LIC_READ_MAX_ELEMENTS CustomDatas of licence elements are read, one more is refused. */
static void lic_read__custom_data_limit(void **state)
{
    (void)state;
    for (unsigned extra = 0; extra < 2; extra++) {
        sc_ofd_doc *doc = NULL;
        sc_err err = SC_ERR_INIT;
        uint8_t *buf = NULL;
        size_t len;
        char name[32];
        assert_int_equal(sc_ofd_doc_new(&doc, 210, 297, &err), 0);
        assert_int_equal(sc_ofd_doc_add_page(doc, NULL, &err), 0);
        assert_int_equal(sc_ofd_doc_add_custom(doc, "ZZBS", lic_id(), &err), 0);
        for (unsigned i = 1; i < SC_LIC_READ_MAX_ELEMENTS + extra; i++) {
            snprintf(name, sizeof(name), "KZ_F%u", i);
            assert_int_equal(sc_ofd_doc_add_custom(doc, name, "v", &err), 0);
        }
        assert_int_equal(sc_ofd_doc_write_mem(doc, &buf, &len, &err), 0);
        sc_ofd_doc_free(doc);
        if (extra == 0)
            sc_lic_info_free(read_lic(buf, len, 0, NULL));
        else
            read_lic(buf, len, SC_ELIMIT, "more than 256 CustomDatas");
        free(buf);
    }
}

static void lic_element_label__names(void **state)
{
    (void)state;
    assert_string_equal(sc_lic_element_label("ZZBH"), "证照编号");
    assert_string_equal(sc_lic_element_label("CZZTDMLXDM"), "持证主体代码类型代码");
    assert_string_equal(sc_lic_element_label("KZ_FDDBR"), "扩展项");
    assert_null(sc_lic_element_label("KZ_"));
    assert_null(sc_lic_element_label("KZ_fddbr"));
    assert_null(sc_lic_element_label("EWM"));
    assert_null(sc_lic_element_label(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lic_read__elements_pages_and_files),
        cmocka_unit_test(lic_read__not_a_licence),
        cmocka_unit_test(lic_read__without_tag_file),
        cmocka_unit_test(lic_read__damaged_tag_file),
        cmocka_unit_test(lic_read__custom_data_limit),
        cmocka_unit_test(lic_element_label__names),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

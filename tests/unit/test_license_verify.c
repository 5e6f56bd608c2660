/* test_license_verify.c: the license check (spec/license-file.md §6, sealcore/verify.h) on
 * licence OFDs stamped with the dev seal: a good one passes and shows its fields (JSON and
 * text); a field changed on the page, in OFD.xml, in the identifier, a required element
 * missing, dates reversed, an expired licence: each caught by name; the status from a list
 * (revoked, good, not asked, untrusted) and from license_status_fn (fetched, failing); an
 * OFD that is no licence gets no license item. Reading alone: test_license_read.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sc_int.h"
#include "sealcore/license.h"
#include "sealcore/status.h"
#include "sealcore/time.h"
#include "sealcore/verify.h"
#include "testutil.h"
#include "lic_test.h"
#include "ofd_stamp_test.h"   /* last: its type out would shadow parameters named out */

#define PAGE "Doc_0/Pages/Page_0/Content.xml"
#define TAG "Doc_0/Tags/Tag_license.xml"

static struct {
    uint8_t *ss, *ca;                /* status-signer, seal-ca (DER) */
    size_t ss_len, ca_len;
    sc_key *kss;
} s;

static int setup(void **state)
{
    const char *pki;

    if (group_setup(state) != 0)
        return -1;
    pki = sc_test_pki();
    s.ss = sc_test_cert(pki, "status-signer", &s.ss_len);
    s.ca = sc_test_cert(pki, "seal-ca", &s.ca_len);
    s.kss = sc_test_key(pki, "status-signer");
    return s.ss != NULL && s.ca != NULL && s.kss != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    free(s.ss), free(s.ca);
    sc_key_free(s.kss);
    return group_teardown(state);
}

/* The report for buf with opts o (trust: the group's when o is NULL). */
static sc_report *verify(const uint8_t *buf, size_t len, const sc_verify_opts *o)
{
    sc_verify_opts d = { .trust = g.trust };
    sc_report *rep = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_report_new(&rep, "licence.ofd", NULL, &err) != 0 ||
        sc_verify_ofd_mem(rep, buf, len, o != NULL ? o : &d, &err) != 0)
        fail_msg("verify: %s", err.msg);
    return rep;
}

#define CHECK SC_TEST_CHECK

/* The license item is the one after the single signature. */
#define LIC 1

static void expect_license(const uint8_t *buf, size_t len, const sc_verify_opts *o,
                           sc_result want, const char *frag, const char *frag2)
{
    sc_report *rep = verify(buf, len, o);

    assert_int_equal(sc_report_item_count(rep), 2);
    CHECK(rep, LIC, SC_CHECK_LICENSE, want, frag);
    if (frag2 != NULL)
        CHECK(rep, LIC, SC_CHECK_LICENSE, want, frag2);
    sc_report_free(rep);
}

/* A licence made from the defaults with one change applied by the caller. */
static uint8_t *variant(void (*change)(lic_el *els, size_t *n), size_t *len)
{
    lic_el els[LIC_MAX_ELS];
    size_t n = lic_defaults(els);

    change(els, &n);
    return lic_signed(els, n, len);
}

/* ---- a good licence -------------------------------------------------------------------- */

static void license__good_passes_and_shows_fields(void **state)
{
    lic_el els[LIC_MAX_ELS];
    size_t n = lic_defaults(els), len;
    uint8_t *buf = lic_signed(els, n, &len);
    sc_report *rep = verify(buf, len, NULL);
    sc_err err = SC_ERR_INIT;
    char *js = NULL, *txt = NULL;
    json_t *root, *it;

    (void)state;
    assert_int_equal(sc_report_item_count(rep), 2);
    CHECK(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_PASSED, NULL);
    CHECK(rep, LIC, SC_CHECK_LICENSE, SC_RESULT_PASSED, "status not asked");
    CHECK(rep, LIC, SC_CHECK_LICENSE, SC_RESULT_PASSED, "signed by seal signature");
    assert_int_equal(sc_report_get_check(rep, LIC, SC_CHECK_STRUCTURE, NULL), SC_RESULT_NONE);
    assert_int_equal(sc_report_exit_code(rep), 0);

    assert_int_equal(sc_report_to_json(rep, &js, &err), 0);
    root = json_loads(js, 0, NULL);
    assert_non_null(root);
    it = json_array_get(json_object_get(root, "items"), LIC);
    assert_string_equal(json_string_value(json_object_get(it, "kind")), "license");
    assert_string_equal(json_string_value(json_object_get(it, "license_id")), lic_id());
    assert_string_equal(json_string_value(json_object_get(it, "name")), "营业执照");
    assert_string_equal(json_string_value(json_object_get(it, "number")), "330000000123456");
    assert_string_equal(json_string_value(json_object_get(it, "holder")), "某某科技有限公司");
    assert_string_equal(json_string_value(json_object_get(it, "holder_code")),
                        "91330106MA2KXXXX0Y");
    assert_string_equal(json_string_value(json_object_get(it, "issuer")), "某省市场监督管理局");
    assert_string_equal(json_string_value(json_object_get(it, "issuer_code")), LIC_ISSUER);
    assert_string_equal(json_string_value(json_object_get(it, "issue_date")), "2026-03-01");
    assert_string_equal(json_string_value(json_object_get(it, "valid_from")), "2026-03-01");
    assert_string_equal(json_string_value(json_object_get(it, "valid_to")), "长期");
    assert_string_equal(json_string_value(json_object_get(json_object_get(it, "elements"),
                                                          "KZ_FDDBR")), "张三");
    assert_string_equal(json_string_value(json_object_get(json_object_get(it, "checks"),
                                                          "license")), "passed");
    assert_null(json_object_get(it, "seal_id"));   /* no seal fields on a licence item */
    json_decref(root);

    assert_int_equal(sc_report_to_text(rep, &txt, &err), 0);
    if (strstr(txt, "CZZT       持证主体: 某某科技有限公司") == NULL ||
        strstr(txt, "KZ_ZCZB    扩展项: 壹佰万元整") == NULL ||
        strstr(txt, "[ok  ] license") == NULL || strstr(txt, lic_id()) == NULL)
        fail_msg("text report:\n%s", txt);
    free(js);
    free(txt);
    sc_report_free(rep);
    free(buf);
}

static void license__not_a_licence_gets_no_item(void **state)
{
    const char *texts[] = { "营业执照|某某科技有限公司" };
    size_t len, slen;
    uint8_t *doc = make_doc(1, texts, &len), *buf = lic_sign(doc, len, &slen);
    sc_report *rep = verify(buf, slen, NULL);

    (void)state;
    assert_int_equal(sc_report_item_count(rep), 1);
    assert_int_equal(sc_report_get_check(rep, 0, SC_CHECK_LICENSE, NULL), SC_RESULT_NONE);
    assert_int_equal(sc_report_exit_code(rep), 0);
    sc_report_free(rep);
    free(buf);
    free(doc);
}

/* ---- tampering after signing ----------------------------------------------------------- */

static void license__page_field_changed_is_named(void **state)
{
    size_t len, blen;
    lic_el els[LIC_MAX_ELS];
    size_t n = lic_defaults(els);
    uint8_t *buf = lic_signed(els, n, &len);
    uint8_t *bad = lic_edit(buf, len, PAGE, ">某某科技有限公司<", ">某某有限公司<", &blen);
    sc_report *rep = verify(bad, blen, NULL);

    (void)state;
    assert_int_equal(sc_report_item_count(rep), 2);
    CHECK(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, "Content.xml");
    CHECK(rep, LIC, SC_CHECK_LICENSE, SC_RESULT_FAILED, "which failed its checks");
    CHECK(rep, LIC, SC_CHECK_LICENSE, SC_RESULT_FAILED,
          "CZZT (持证主体) reads '某某有限公司' on the page but '某某科技有限公司' in the metadata");
    sc_report_free(rep);
    free(bad);
    free(buf);
}

static void license__custom_data_changed_is_named(void **state)
{
    size_t len, blen;
    lic_el els[LIC_MAX_ELS];
    size_t n = lic_defaults(els);
    uint8_t *buf = lic_signed(els, n, &len);
    uint8_t *bad = lic_edit(buf, len, "OFD.xml", "Name=\"CZZT\">某某科技有限公司<",
                            "Name=\"CZZT\">某某有限公司<", &blen);
    sc_report *rep = verify(bad, blen, NULL);

    (void)state;
    /* sealpki's stamper covers OFD.xml too (other signers do not, nor can a second seal) */
    CHECK(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, "OFD.xml");
    CHECK(rep, LIC, SC_CHECK_LICENSE, SC_RESULT_FAILED,
          "metadata CZZT in OFD.xml differs from the signed tag file");
    sc_report_free(rep);
    free(bad);
    free(buf);
}

static void license__custom_data_added_or_dropped_is_named(void **state)
{
    size_t len, blen;
    lic_el els[LIC_MAX_ELS];
    size_t n = lic_defaults(els);
    uint8_t *buf = lic_signed(els, n, &len), *bad;

    (void)state;
    bad = lic_edit(buf, len, "OFD.xml", "<ofd:CustomData Name=\"KZ_FDDBR\">",
                   "<ofd:CustomData Name=\"KZ_JYFW\">无</ofd:CustomData>"
                   "<ofd:CustomData Name=\"KZ_FDDBR\">", &blen);
    expect_license(bad, blen, NULL, SC_RESULT_FAILED,
                   "metadata KZ_JYFW in OFD.xml is not in the signed tag file", NULL);
    free(bad);
    bad = lic_edit(buf, len, "OFD.xml", "<ofd:CustomData Name=\"CZZT\">",
                   "<ofd:CustomData Name=\"CZZT\">某某公司</ofd:CustomData>"
                   "<ofd:CustomData Name=\"CZZT\">", &blen);
    expect_license(bad, blen, NULL, SC_RESULT_FAILED, "metadata CZZT appears 2 times in OFD.xml",
                   NULL);
    free(bad);
    free(buf);
}

/* The identifier's check character changed: in the signed tag file too, the References
 * break (and rule 3 names it); in OFD.xml alone, rule 4 does. */
static void license__identifier_changed_is_named(void **state)
{
    char id[SC_LIC_ID_BUF], bad_id[SC_LIC_ID_BUF], from[300], to[300];
    size_t len, l1, l2, il;
    lic_el els[LIC_MAX_ELS];
    size_t n = lic_defaults(els);
    uint8_t *buf = lic_signed(els, n, &len), *b1, *b2;

    (void)state;
    snprintf(id, sizeof(id), "%s", lic_id());
    snprintf(bad_id, sizeof(bad_id), "%s", id);
    il = strlen(bad_id);
    bad_id[il - 1] = bad_id[il - 1] == 'Z' ? 'Y' : 'Z';
    snprintf(from, sizeof(from), ">%s<", id);
    snprintf(to, sizeof(to), ">%s<", bad_id);
    b1 = lic_edit(buf, len, "OFD.xml", from, to, &l1);
    b2 = lic_edit(b1, l1, TAG, from, to, &l2);
    {
        sc_report *rep = verify(b2, l2, NULL);
        CHECK(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, "Tag_license.xml");
        CHECK(rep, LIC, SC_CHECK_LICENSE, SC_RESULT_FAILED, "ZZBS (证照标识)");
        CHECK(rep, LIC, SC_CHECK_LICENSE, SC_RESULT_FAILED, "check character is");
        sc_report_free(rep);
    }
    expect_license(b1, l1, NULL, SC_RESULT_FAILED,
                   "metadata ZZBS in OFD.xml differs from the signed tag file", NULL);
    free(b2);
    free(b1);
    free(buf);
}

/* ---- inconsistent at issue (signed, References intact) ---------------------------------- */

static void drop_zzbh(lic_el *els, size_t *n)
{
    lic_el *e = lic_el_find(els, *n, "ZZBH");
    memmove(e, e + 1, (size_t)(els + *n - e - 1) * sizeof(*e));
    (*n)--;
}

static void wrong_check_char(lic_el *els, size_t *n)
{
    static char id[SC_LIC_ID_BUF];
    size_t il;
    snprintf(id, sizeof(id), "%s", lic_id());
    il = strlen(id);
    id[il - 1] = id[il - 1] == 'Z' ? 'Y' : 'Z';
    lic_el_find(els, *n, "ZZBS")->value = id;
}

static void other_issuer(lic_el *els, size_t *n)
{
    lic_el_find(els, *n, "ZZBFJGDM")->value = "91330000MA27XY9999";
}

static void dates_reversed(lic_el *els, size_t *n)
{
    lic_el_find(els, *n, "ZZYXQQSRQ")->value = "2027-01-01";
    lic_el_find(els, *n, "ZZYXQJZRQ")->value = "2026-12-31";
}

static void bad_date(lic_el *els, size_t *n)
{
    lic_el_find(els, *n, "ZZBFRQ")->value = "2026-02-30";
}

static void face_differs(lic_el *els, size_t *n)
{
    lic_el_find(els, *n, "ZZBH")->face_text = "330000000123457";
}

static void expired_2025(lic_el *els, size_t *n)
{
    lic_el_find(els, *n, "ZZYXQQSRQ")->value = "2020-01-01";
    lic_el_find(els, *n, "ZZBFRQ")->value = "2020-01-01";
    lic_el_find(els, *n, "ZZYXQJZRQ")->value = "2025-12-31";
}

static void license__inconsistent_at_issue_is_named(void **state)
{
    static const struct row {
        const char *name;
        void (*change)(lic_el *, size_t *);
        const char *frag;
    } rows[] = {
        { "required missing", drop_zzbh, "metadata ZZBH (证照编号) is missing" },
        { "check character", wrong_check_char, "check character is '" },
        { "issuer part", other_issuer, "identifier ZZBS names issuer " LIC_ISSUER ", but "
          "ZZBFJGDM (证照颁发机构代码) is '91330000MA27XY9999'" },
        { "dates reversed", dates_reversed, "ZZYXQJZRQ (证照有效期截止日期) 2026-12-31 is before "
          "the validity start 2027-01-01" },
        { "date malformed", bad_date, "ZZBFRQ (证照颁发日期) '2026-02-30': date" },
        { "face differs", face_differs, "ZZBH (证照编号) reads '330000000123457' on the page "
          "but '330000000123456' in the metadata" },
        { "expired", expired_2025, "licence expired: valid until 2025-12-31" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t len;
        uint8_t *buf = variant(rows[i].change, &len);
        sc_report *rep = verify(buf, len, NULL);
        char m[1600];
        if (!sc_test_check_is(rep, 0, SC_CHECK_OFD_REFERENCES, SC_RESULT_PASSED, NULL, m,
                              sizeof(m)) ||
            !sc_test_check_is(rep, LIC, SC_CHECK_LICENSE, SC_RESULT_FAILED, rows[i].frag, m,
                              sizeof(m)))
            fail_msg("%s: %s", rows[i].name, m);
        assert_int_equal(sc_report_exit_code(rep), 1);
        sc_report_free(rep);
        free(buf);
    }
}

static char today[11];   /* in UTC+8, where licence dates are */

static void ends_today(lic_el *els, size_t *n)
{
    lic_el_find(els, *n, "ZZYXQJZRQ")->value = today;
}

/* A licence valid until today (UTC+8) is good until midnight there, 16:00 UTC: judged a
 * second before and at that moment (both after now, so the seal and certificates, made
 * now, are valid then). */
static void license__expiry_judged_at_time_asked(void **state)
{
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    int64_t end;
    size_t len;
    uint8_t *buf;
    char want[64];

    (void)state;
    gmtime_r(&t, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    assert_int_equal(sc_time_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 0, 0, 0,
                                        &end), 0);
    end += 86400 - 8 * 3600;
    buf = variant(ends_today, &len);
    sc_verify_opts o = { .trust = g.trust, .at = end - 1 };
    snprintf(want, sizeof(want), "valid until %s", today);
    expect_license(buf, len, &o, SC_RESULT_PASSED, want, NULL);
    o.at = end;
    snprintf(want, sizeof(want), "licence expired: valid until %s", today);
    expect_license(buf, len, &o, SC_RESULT_FAILED, want, NULL);
    free(buf);
}

/* ---- status (rule 7) ------------------------------------------------------------------- */

/* A status list with one licence entry for id: good, or revoked an hour ago. */
static sc_status_resp *status_list(const char *id, int revoked)
{
    int64_t now = (int64_t)time(NULL);
    sc_status_change hist[1] = { { SC_STATUS_REVOKED, now - 3600, 1 } };
    sc_status_entry e = { SC_STATUS_LICENSE_ID, id, NULL, revoked ? SC_STATUS_REVOKED
                          : SC_STATUS_GOOD, now, 1, now + 7 * 86400, 0, 0, revoked ? hist : NULL,
                          revoked ? 1 : 0 };
    const uint8_t *cas[1] = { s.ca };
    sc_status_builder *b = NULL;
    sc_status_resp *r = NULL;
    sc_err err = SC_ERR_INIT;
    uint8_t *der = NULL, h[32];
    size_t len;
    const uint8_t *seal = sc_ses_seal_get_der(g.seal, &len);
    /* the province's list has the issuer's seal too: its own seal_status must pass */
    sc_status_entry se = { SC_STATUS_ESID, "44010000000042", h, SC_STATUS_GOOD, now, 1,
                           now + 7 * 86400, 0, 0, NULL, 0 };

    if (sc__sm3(seal, len, h, &err) != 0 || sc_status_builder_new(&b, now, &err) != 0 ||
        sc_status_builder_add(b, &se, &err) != 0 || sc_status_builder_add(b, &e, &err) != 0 ||
        sc_status_builder_sign(b, s.kss, s.ss, s.ss_len, cas, &s.ca_len, 1, &der, &len,
                               &err) != 0 ||
        sc_status_resp_parse(&r, der, len, &err) != 0)
        fail_msg("status: %s", err.msg);
    sc_status_builder_free(b);
    free(der);
    return r;
}

static void license__status_from_a_list(void **state)
{
    size_t len;
    lic_el els[LIC_MAX_ELS];
    size_t n = lic_defaults(els);
    uint8_t *buf = lic_signed(els, n, &len);
    sc_status_resp *revoked = status_list(lic_id(), 1), *good = status_list(lic_id(), 0);
    sc_status_resp *other = status_list("1.2.156.3005.2.X.Y.Z.001.0", 0);
    sc_verify_opts o = { .trust = g.trust, .status = revoked }, none = { .status = good };

    (void)state;
    expect_license(buf, len, &o, SC_RESULT_FAILED, "status: licence ", "was revoked at");
    o.status = good;
    expect_license(buf, len, &o, SC_RESULT_PASSED, "was good at the verification time", NULL);
    o.status = other;
    expect_license(buf, len, &o, SC_RESULT_FAILED, "has no entry for licence", NULL);
    expect_license(buf, len, &none, SC_RESULT_SKIPPED, "no trust anchors", NULL);
    sc_status_resp_free(revoked);
    sc_status_resp_free(good);
    sc_status_resp_free(other);
    free(buf);
}

static char asked_for[SC_LIC_ID_BUF];

static int fetch_good(void *ctx, const char *id, const sc_status_resp **resp, sc_err *err)
{
    (void)err;
    snprintf(asked_for, sizeof(asked_for), "%s", id);
    *resp = ctx;
    return 0;
}

static int fetch_fails(void *ctx, const char *id, const sc_status_resp **resp, sc_err *err)
{
    (void)ctx, (void)id;
    *resp = NULL;
    return sc_err_set(err, SC_EIO, "GET https://x/api/v1/licenses/…/status: HTTP 503");
}

static void license__status_from_the_fetcher(void **state)
{
    size_t len;
    lic_el els[LIC_MAX_ELS];
    size_t n = lic_defaults(els);
    uint8_t *buf = lic_signed(els, n, &len);
    sc_status_resp *revoked = status_list(lic_id(), 1);
    sc_verify_opts o = { .trust = g.trust, .license_status_fn = fetch_good,
                         .status_ctx = revoked };
    sc_report *rep;

    (void)state;
    expect_license(buf, len, &o, SC_RESULT_FAILED, "was revoked at", NULL);
    assert_string_equal(asked_for, lic_id());
    o.license_status_fn = fetch_fails;
    rep = verify(buf, len, &o);
    CHECK(rep, LIC, SC_CHECK_LICENSE, SC_RESULT_SKIPPED, "could not be obtained: GET ");
    assert_int_equal(sc_report_exit_code(rep), 1);   /* blocking: not valid */
    /* the seal's own status is not asked through the licence callback */
    assert_int_equal(sc_report_get_check(rep, 0, SC_CHECK_SEAL_STATUS, NULL),
                     SC_RESULT_SKIPPED);
    sc_report_free(rep);
    sc_status_resp_free(revoked);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(license__good_passes_and_shows_fields),
        cmocka_unit_test(license__not_a_licence_gets_no_item),
        cmocka_unit_test(license__page_field_changed_is_named),
        cmocka_unit_test(license__custom_data_changed_is_named),
        cmocka_unit_test(license__custom_data_added_or_dropped_is_named),
        cmocka_unit_test(license__identifier_changed_is_named),
        cmocka_unit_test(license__inconsistent_at_issue_is_named),
        cmocka_unit_test(license__expiry_judged_at_time_asked),
        cmocka_unit_test(license__status_from_a_list),
        cmocka_unit_test(license__status_from_the_fetcher),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

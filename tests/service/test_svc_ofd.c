/* test_svc_ofd.c: stamping OFD documents through the service: the stamped package verifies
 * against the dev root, the audit names the position and both document hashes, an
 * idempotent retry returns the same bytes, and nothing reaches the sink when the request is
 * refused or its commit fails; a package larger than the memory spool goes through a file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sealcore/ofd_doc.h"
#include "testutil.h"
#include "svc_test.h"

static void verify_ofd(fx *f, const uint8_t *buf, size_t len)
{
    sc_err err = SC_ERR_INIT;
    sc_report *rep = NULL;
    sc_verify_opts o = { .trust = f->trust };
    char *text = NULL;

    OK(sc_report_new(&rep, "stamped.ofd", "ofd", &err), &err);
    OK(sc_verify_ofd_mem(rep, buf, len, &o, &err), &err);
    if (sc_report_valid(rep) != 1) {
        if (sc_report_to_text(rep, &text, &err) == 0)
            print_message("%s\n", text);
        free(text);
        fail_msg("the stamped OFD does not verify");
    }
    assert_int_equal(sc_report_item_count(rep), 1);
    sc_report_free(rep);
}

/* Stamp in as f->oper with pos; output into out. */
static int stamp(fx *f, const uint8_t *in, size_t len, const sc_ofd_sign_params *pos,
                 const char *es, const char *key, sc_test_mem *out, int *replayed, sc_err *err)
{
    sc_ofd_pkg *pkg = NULL;
    uint8_t h[32];
    unsigned int hl = 0;
    sc_ofd_sign_info info;
    ss_svc_sign_opts o = { "ofd-req", key };
    int rc;

    assert_int_equal(EVP_Digest(in, len, h, &hl, EVP_sm3(), NULL), 1);
    OK(sc_ofd_pkg_open_mem(&pkg, in, len, err), err);
    ss_svc_ofd_req req = { es, pkg, h, pos };
    rc = ss_svc_sign_ofd(f->svc, &f->oper, &req, &o, sc_test_mem_sink, out, &info, replayed,
                         err);
    if (rc == 0 && (replayed == NULL || !*replayed))
        assert_int_equal(info.stamps, 1);
    sc_ofd_pkg_free(pkg);
    return rc;
}

static void sign_ofd__stamps_a_page_position_that_verifies(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    size_t len = 0;
    uint8_t *in = fx_ofd("行政许可决定书", &len);
    sc_test_mem out = { 0 };
    sc_ofd_sign_params pos = { .place = SC_OFD_PLACE_PAGE_XY, .page = 1, .x_mm = 150,
                               .y_mm = 250 };

    fx_make_seal(f, es);
    fx_grant(f, f->oper.client_id, es, 0, 0);
    OK(stamp(f, in, len, &pos, es, NULL, &out, NULL, &err), &err);
    verify_ofd(f, out.buf, out.len);
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 1);
    assert_int_equal(fx_audit_count(f, "sign.ofd", "ok"), 1);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM audit_log WHERE action = 'sign.ofd' "
                                "AND details LIKE '%\"place\":\"page\",\"page\":1%' "
                                "AND details LIKE '%\"out_sm3\":\"%' "
                                "AND details LIKE '%\"doc_sm3\":\"%'"), 1);
    free(out.buf);
    free(in);
}

static void sign_ofd__keyword_and_idempotent_retry(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    size_t len = 0;
    uint8_t *in = fx_ofd("准予行政许可决定书", &len);
    sc_test_mem a = { 0 }, b = { 0 };
    sc_ofd_sign_params pos = { .place = SC_OFD_PLACE_KEYWORD, .keyword = "许可",
                               .occurrence = SC_OFD_OCCUR_ALL };
    int replayed = -1;

    fx_make_seal(f, es);
    fx_grant(f, f->oper.client_id, es, 0, 0);
    OK(stamp(f, in, len, &pos, es, "ofd-1", &a, &replayed, &err), &err);
    assert_int_equal(replayed, 0);
    fx_set_now(f, fx_now(f) + 3);
    OK(stamp(f, in, len, &pos, es, "ofd-1", &b, &replayed, &err), &err);
    assert_int_equal(replayed, 1);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.buf, b.buf, a.len);
    verify_ofd(f, b.buf, b.len);
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 1);
    /* another position under the same key is another request */
    pos.occurrence = 1;
    EXPECT(stamp(f, in, len, &pos, es, "ofd-1", &b, NULL, &err), &err, SS_ECONFLICT,
           "different request");
    free(a.buf);
    free(b.buf);
    free(in);
}

static void sign_ofd__refused_writes_nothing(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    size_t len = 0;
    uint8_t *in = fx_ofd("行政许可决定书", &len);
    sc_test_mem out = { 0 };
    sc_ofd_sign_params pos = { .place = SC_OFD_PLACE_PAGE_XY, .page = 1, .x_mm = 100,
                               .y_mm = 100 };

    fx_make_seal(f, es);
    EXPECT(stamp(f, in, len, &pos, es, NULL, &out, NULL, &err), &err, SS_EFORBIDDEN,
           "no grant");
    assert_int_equal(out.calls, 0);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM audit_log WHERE action = 'sign.ofd' "
                                "AND details LIKE '%\"result\":\"refused\"%' "
                                "AND details LIKE '%\"place\":\"page\"%'"), 1);
    /* a position off the page: sc_ofd_sign refuses before the commit; nothing counted */
    fx_grant(f, f->oper.client_id, es, 0, 0);
    pos.page = 9;
    sc_err_clear(&err);
    EXPECT(stamp(f, in, len, &pos, es, NULL, &out, NULL, &err), &err, SC_EINVAL, "page");
    assert_int_equal(out.calls, 0);
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 0);
    free(in);
}

static void sign_ofd__failed_commit_writes_nothing(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    size_t len = 0;
    uint8_t *in = fx_ofd("行政许可决定书", &len);
    sc_test_mem out = { 0 };
    sc_ofd_sign_params pos = { .place = SC_OFD_PLACE_PAGE_XY, .page = 1, .x_mm = 100,
                               .y_mm = 100 };

    fx_make_seal(f, es);
    fx_grant(f, f->oper.client_id, es, 0, 0);
    assert_int_equal(fx_sql(f, "CREATE TRIGGER test_fail BEFORE INSERT ON audit_log BEGIN "
                               "SELECT RAISE(ABORT, 'test: audit refused'); END"), 0);
    assert_int_not_equal(stamp(f, in, len, &pos, es, "k", &out, NULL, &err), 0);
    assert_non_null(strstr(err.msg, "not committed"));
    assert_int_equal(out.calls, 0);
    assert_int_equal(fx_uses(f, f->oper.client_id, es), 0);
    free(in);
}

/* 6 MiB of incompressible image: more than the 4 MiB memory spool. */
static void sign_ofd__large_package_spools_to_a_file(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    size_t len = 0, big = 6u * 1024 * 1024;
    uint8_t *img = malloc(big), *in = NULL;
    sc_ofd_doc *d = NULL;
    sc_test_mem out = { 0 };
    sc_ofd_sign_params pos = { .place = SC_OFD_PLACE_PAGE_XY, .page = 1, .x_mm = 100,
                               .y_mm = 100 };

    assert_non_null(img);
    assert_int_equal(RAND_bytes(img, (int)big), 1);
    memcpy(img, "\x89PNG\r\n\x1a\n", 8);   /* the writer checks the magic only */
    OK(sc_ofd_doc_new(&d, 210, 297, &err), &err);
    OK(sc_ofd_doc_add_page(d, NULL, &err), &err);
    OK(sc_ofd_doc_add_image(d, 0, 10, 10, 50, 50, img, big, "png", &err), &err);
    OK(sc_ofd_doc_write_mem(d, &in, &len, &err), &err);
    sc_ofd_doc_free(d);
    fx_make_seal(f, es);
    fx_grant(f, f->oper.client_id, es, 0, 0);
    OK(stamp(f, in, len, &pos, es, NULL, &out, NULL, &err), &err);
    assert_true(out.len > big);
    assert_true(out.calls > 1);
    verify_ofd(f, out.buf, out.len);
    free(out.buf);
    free(in);
    free(img);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(sign_ofd__stamps_a_page_position_that_verifies),
        T(sign_ofd__keyword_and_idempotent_retry),
        T(sign_ofd__refused_writes_nothing),
        T(sign_ofd__failed_commit_writes_nothing),
        T(sign_ofd__large_package_spools_to_a_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

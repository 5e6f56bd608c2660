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

/* Each test: the service fixture, a seal (granted by the test when it should sign), a
 * one-page document and a position on its first page. */
typedef struct ofx {
    fx *f;
    char es[SS_ES_ID_MAX + 1];
    uint8_t *in;
    size_t len;
    sc_ofd_sign_params pos;
} ofx;

static int ofx_setup(void **state)
{
    ofx *o = calloc(1, sizeof(*o));
    void *fs = NULL;

    if (o == NULL || fx_setup(&fs) != 0) {
        free(o);
        return -1;
    }
    o->f = fs;
    fx_make_seal(o->f, o->es);
    o->in = fx_ofd("行政许可决定书", &o->len);
    o->pos = (sc_ofd_sign_params){ .place = SC_OFD_PLACE_PAGE_XY, .page = 1, .x_mm = 100,
                                   .y_mm = 100 };
    *state = o;
    return 0;
}

static int ofx_teardown(void **state)
{
    ofx *o = *state;
    void *fs = o->f;

    free(o->in);
    free(o);
    return fx_teardown(&fs);
}

static void grant(ofx *o)
{
    fx_grant(o->f, o->f->oper.client_id, o->es, 0, 0);
}

static int64_t uses(ofx *o)
{
    return fx_uses(o->f, o->f->oper.client_id, o->es);
}

/* Stamp o's document as f->oper at o->pos; output into out. */
static int stamp(ofx *o, const char *key, sc_test_mem *out, int *replayed, sc_err *err)
{
    sc_ofd_pkg *pkg = NULL;
    uint8_t h[32];
    unsigned int hl = 0;
    sc_ofd_sign_info info;
    ss_svc_sign_opts opts = { "ofd-req", key };
    int rc;

    assert_int_equal(EVP_Digest(o->in, o->len, h, &hl, EVP_sm3(), NULL), 1);
    OK(sc_ofd_pkg_open_mem(&pkg, o->in, o->len, err), err);
    ss_svc_ofd_req req = { o->es, pkg, h, &o->pos };
    rc = ss_svc_sign_ofd(o->f->svc, &o->f->oper, &req, &opts, sc_test_mem_sink, out, &info,
                         replayed, err);
    if (rc == 0 && (replayed == NULL || !*replayed))
        assert_int_equal(info.stamps, 1);
    sc_ofd_pkg_free(pkg);
    return rc;
}

static void sign_ofd__stamps_a_page_position_that_verifies(void **state)
{
    ofx *o = *state;
    sc_err err = SC_ERR_INIT;
    sc_test_mem out = { 0 };

    grant(o);
    o->pos.x_mm = 150;
    o->pos.y_mm = 250;
    OK(stamp(o, NULL, &out, NULL, &err), &err);
    verify_ofd(o->f, out.buf, out.len);
    assert_int_equal(uses(o), 1);
    assert_int_equal(fx_audit_count(o->f, "sign.ofd", "ok"), 1);
    assert_int_equal(fx_sql_int(o->f, "SELECT count(*) FROM audit_log WHERE action = 'sign.ofd' "
                                "AND details LIKE '%\"place\":\"page\",\"page\":1%' "
                                "AND details LIKE '%\"out_sm3\":\"%' "
                                "AND details LIKE '%\"doc_sm3\":\"%'"), 1);
    free(out.buf);
}

static void sign_ofd__keyword_and_idempotent_retry(void **state)
{
    ofx *o = *state;
    sc_err err = SC_ERR_INIT;
    sc_test_mem a = { 0 }, b = { 0 };
    int replayed = -1;

    grant(o);
    o->pos = (sc_ofd_sign_params){ .place = SC_OFD_PLACE_KEYWORD, .keyword = "许可",
                                   .occurrence = SC_OFD_OCCUR_ALL };
    OK(stamp(o, "ofd-1", &a, &replayed, &err), &err);
    assert_int_equal(replayed, 0);
    fx_set_now(o->f, fx_now(o->f) + 3);
    OK(stamp(o, "ofd-1", &b, &replayed, &err), &err);
    assert_int_equal(replayed, 1);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.buf, b.buf, a.len);
    verify_ofd(o->f, b.buf, b.len);
    assert_int_equal(uses(o), 1);
    /* another position under the same key is another request */
    o->pos.occurrence = 1;
    EXPECT(stamp(o, "ofd-1", &b, NULL, &err), &err, SS_ECONFLICT, "different request");
    free(a.buf);
    free(b.buf);
}

static void sign_ofd__refused_writes_nothing(void **state)
{
    ofx *o = *state;
    sc_err err = SC_ERR_INIT;
    sc_test_mem out = { 0 };

    EXPECT(stamp(o, NULL, &out, NULL, &err), &err, SS_EFORBIDDEN, "no grant");
    assert_int_equal(out.calls, 0);
    assert_int_equal(fx_sql_int(o->f, "SELECT count(*) FROM audit_log WHERE action = 'sign.ofd' "
                                "AND details LIKE '%\"result\":\"refused\"%' "
                                "AND details LIKE '%\"place\":\"page\"%'"), 1);
    /* a position off the page: sc_ofd_sign refuses before the commit; nothing counted */
    grant(o);
    o->pos.page = 9;
    sc_err_clear(&err);
    EXPECT(stamp(o, NULL, &out, NULL, &err), &err, SC_EINVAL, "page");
    assert_int_equal(out.calls, 0);
    assert_int_equal(uses(o), 0);
}

static void sign_ofd__failed_commit_writes_nothing(void **state)
{
    ofx *o = *state;
    sc_err err = SC_ERR_INIT;
    sc_test_mem out = { 0 };

    grant(o);
    assert_int_equal(fx_sql(o->f, "CREATE TRIGGER test_fail BEFORE INSERT ON audit_log BEGIN "
                                  "SELECT RAISE(ABORT, 'test: audit refused'); END"), 0);
    assert_int_not_equal(stamp(o, "k", &out, NULL, &err), 0);
    assert_non_null(strstr(err.msg, "not committed"));
    assert_int_equal(out.calls, 0);
    assert_int_equal(uses(o), 0);
}

/* 6 MiB of incompressible image: more than the 4 MiB memory spool. */
static void sign_ofd__large_package_spools_to_a_file(void **state)
{
    ofx *o = *state;
    sc_err err = SC_ERR_INIT;
    size_t big = 6u * 1024 * 1024;
    uint8_t *img = malloc(big);
    sc_ofd_doc *d = NULL;
    sc_test_mem out = { 0 };

    assert_non_null(img);
    assert_int_equal(RAND_bytes(img, (int)big), 1);
    memcpy(img, "\x89PNG\r\n\x1a\n", 8);   /* the writer checks the magic only */
    OK(sc_ofd_doc_new(&d, 210, 297, &err), &err);
    OK(sc_ofd_doc_add_page(d, NULL, &err), &err);
    OK(sc_ofd_doc_add_image(d, 0, 10, 10, 50, 50, img, big, "png", &err), &err);
    free(o->in);
    OK(sc_ofd_doc_write_mem(d, &o->in, &o->len, &err), &err);
    sc_ofd_doc_free(d);
    grant(o);
    OK(stamp(o, NULL, &out, NULL, &err), &err);
    assert_true(out.len > big);
    assert_true(out.calls > 1);
    verify_ofd(o->f, out.buf, out.len);
    free(out.buf);
    free(img);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, ofx_setup, ofx_teardown)

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

/* svc_test.c: the fixtures svc_test.h declares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sealcore/ofd_doc.h"
#include "store_test.h"   /* st_client: clients are added as the store's own tests add them */
#undef OK                 /* svc_test.h's assertions, which name the service's codes too */
#undef EXPECT
#include "testutil.h"
#include "svc_test.h"

static int64_t clock_fn(void *ctx)
{
    return atomic_load(&((fx *)ctx)->now);
}

void fx_set_now(fx *f, int64_t t)
{
    atomic_store(&f->now, t);
}

int64_t fx_now(fx *f)
{
    return atomic_load(&f->now);
}

void fx_expect(int rc, const sc_err *err, int code, const char *frag, const char *file,
               int line)
{
    if (rc != code)
        fail_msg("%s:%d: got %d (%s) \"%s\", expected %d (%s)", file, line, rc,
                 ss_svc_err_name(rc), err != NULL ? err->msg : "", code,
                 ss_svc_err_name(code));
    if (code != 0 && err != NULL && err->code != code)
        fail_msg("%s:%d: err->code %d, returned %d (\"%s\")", file, line, err->code, rc,
                 err->msg);
    if (frag != NULL && (err == NULL || strstr(err->msg, frag) == NULL))
        fail_msg("%s:%d: message \"%s\" lacks \"%s\"", file, line,
                 err != NULL ? err->msg : "", frag);
}

/* A client of these roles (st_client: a fresh token), acting with them. */
static ss_svc_actor actor(fx *f, const char *name, uint32_t roles)
{
    ss_svc_actor a = { st_client(f->st, name, roles), roles };
    return a;
}

void fx_service(fx *f, unsigned sign_threads)
{
    fx_service_ext(f, sign_threads, NULL, NULL);
}

void fx_service_ext(fx *f, unsigned sign_threads, ss_svc_cert_fn issue, void *ctx)
{
    sc_err err = SC_ERR_INIT;
    ss_svc_config cfg = {
        .store = f->st, .ca_key = issue != NULL ? NULL : f->ca_key, .ca_cert = f->ca_cert,
        .issue_cert = issue, .issue_cert_ctx = ctx,
        .ca_cert_len = f->ca_cert_len, .maker_key = f->maker_key,
        .maker_cert = f->maker_cert, .maker_cert_len = f->maker_cert_len,
        /* not the PKI's password: unit keys have their own passphrase */
        .key_pass = "unit-keys-at-rest-test", .key_pass_len = 22, .region_code = "330000",
        .province = "某省", .clock = clock_fn, .clock_ctx = f, .key_cache_max = 4,
        .sign_threads = sign_threads };

    ss_svc_free(f->svc);
    f->svc = NULL;
    OK(ss_svc_new(&f->svc, &cfg, &err), &err);
}

int fx_setup(void **state)
{
    static unsigned seq;
    const char *pki = sc_test_pki();
    sc_err err = SC_ERR_INIT;
    fx *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    fx_set_now(f, (int64_t)time(NULL) + 10);
    snprintf(f->db, sizeof(f->db), "%s/svc-%d-%u.db", sc_test_tmpdir(), (int)getpid(), seq++);
    assert_non_null(f->ca_key = sc_test_key(pki, "seal-ca"));
    assert_non_null(f->maker_key = sc_test_key(pki, "seal-maker"));
    assert_non_null(f->ca_cert = sc_test_cert(pki, "seal-ca", &f->ca_cert_len));
    assert_non_null(f->maker_cert = sc_test_cert(pki, "seal-maker", &f->maker_cert_len));
    assert_int_equal(sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &f->png,
                                  &f->png_len), 0);
    OK(sc_trust_new(&f->trust, &err), &err);
    assert_int_equal(sc_test_add_trust(f->trust, pki, "root-ca.pem", 1), 0);
    assert_int_equal(sc_test_add_trust(f->trust, pki, "seal-ca.pem", 0), 0);
    OK(ss_store_open_sqlite(&f->st, f->db, &err), &err);

    fx_service(f, 0);

    f->admin = actor(f, "admin", SS_ROLE_ADMIN);
    f->officer = actor(f, "officer", SS_ROLE_SEAL_OFFICER);
    f->officer2 = actor(f, "officer2", SS_ROLE_SEAL_OFFICER);
    f->oper = actor(f, "approval-system", SS_ROLE_OPERATOR);
    f->oper2 = actor(f, "other-system", SS_ROLE_OPERATOR);
    f->auditor = actor(f, "auditor", SS_ROLE_AUDITOR);
    OK(ss_svc_unit_add(f->svc, &f->admin, "11330000002482173X", "某省人力资源和社会保障厅",
                       &f->unit, &err), &err);
    *state = f;
    return 0;
}

int fx_teardown(void **state)
{
    fx *f = *state;

    ss_svc_free(f->svc);
    ss_store_close(f->st);
    sc_key_free(f->ca_key);
    sc_key_free(f->maker_key);
    sc_trust_free(f->trust);
    free(f->ca_cert);
    free(f->maker_cert);
    free(f->png);
    free(f);
    return 0;
}

int64_t fx_apply(fx *f, const char *name, int64_t vf, int64_t vt)
{
    sc_err err = SC_ERR_INIT;
    int64_t id = 0;
    ss_svc_app_req r = { f->unit, 1, name, f->png, f->png_len, "png", 42, 42, vf, vt };

    OK(ss_svc_app_apply(f->svc, &f->officer, &r, &id, &err), &err);
    return id;
}

void fx_make_seal(fx *f, char es_id[SS_ES_ID_MAX + 1])
{
    sc_err err = SC_ERR_INIT;
    int64_t t = fx_now(f);
    int64_t app = fx_apply(f, "某省人力资源和社会保障厅行政审批专用章", t - 86400,
                           t + 365 * 86400);

    OK(ss_svc_app_approve(f->svc, &f->officer2, app, NULL, NULL, es_id, &err), &err);
}

int64_t fx_grant(fx *f, int64_t client, const char *es_id, int64_t expires, int64_t limit)
{
    sc_err err = SC_ERR_INIT;
    int64_t id = 0;

    OK(ss_svc_grant_add(f->svc, &f->admin, client, es_id, expires, limit, &id, &err), &err);
    return id;
}

int64_t fx_uses(fx *f, int64_t client, const char *es_id)
{
    sc_err err = SC_ERR_INIT;
    ss_grant g;

    OK(ss_store_grant_get(f->st, client, es_id, &g, &err), &err);
    return g.uses;
}

void fx_verify_sig(fx *f, const uint8_t *der, size_t len, const uint8_t *data, size_t dlen)
{
    static const sc_check must[] = { SC_CHECK_STRUCTURE, SC_CHECK_SIGNER_SIGNATURE,
                                     SC_CHECK_SIGNER_CERT, SC_CHECK_CERT_CHAIN,
                                     SC_CHECK_SIGNER_IN_SEAL, SC_CHECK_SEAL_SIGNATURE,
                                     SC_CHECK_SEAL_VALIDITY, SC_CHECK_DATA_HASH };
    sc_err err = SC_ERR_INIT;
    sc_ses_sig *sig = NULL;
    sc_report *rep = NULL;
    sc_verify_opts o = { .trust = f->trust, .data = data, .data_len = dlen };
    char msg[512];
    char *text = NULL;

    OK(sc_ses_sig_parse(&sig, der, len, &err), &err);
    OK(sc_report_new(&rep, "service", "signature", &err), &err);
    OK(sc_verify_sig(rep, sig, &o, &err), &err);
    for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
        if (!sc_test_check_is(rep, 0, must[i], SC_RESULT_PASSED, NULL, msg, sizeof(msg))) {
            if (sc_report_to_text(rep, &text, &err) == 0)
                print_message("%s\n", text);
            free(text);
            fail_msg("%s", msg);
        }
    assert_int_equal(sc_report_valid(rep), 1);
    sc_report_free(rep);
    sc_ses_sig_free(sig);
}

struct audit_count {
    const char *action, *result;
    int n;
    int64_t last;
    unsigned seen;
};

static int count_cb(void *ctx, const ss_audit_record *r)
{
    struct audit_count *c = ctx;
    char want[64];

    c->last = r->seq;
    c->seen++;
    snprintf(want, sizeof(want), "\"result\":\"%s\"", c->result != NULL ? c->result : "");
    if (strcmp(r->action, c->action) == 0 &&
        (c->result == NULL || strstr(r->details, want) != NULL))
        c->n++;
    return 0;
}

int fx_audit_count(fx *f, const char *action, const char *result)
{
    struct audit_count c = { action, result, 0, 0, 0 };
    sc_err err = SC_ERR_INIT;

    do {
        c.seen = 0;
        OK(ss_audit_list(f->st, c.last, SS_LIST_MAX, count_cb, &c, &err), &err);
    } while (c.seen == SS_LIST_MAX);
    return c.n;
}

int64_t fx_audit_ok(fx *f)
{
    sc_err err = SC_ERR_INIT;
    char why[SS_AUDIT_WHY_MIN];
    int64_t bad = -1, count = 0;

    OK(ss_audit_verify_count(f->st, &bad, why, sizeof(why), &count, &err), &err);
    assert_int_equal(bad, 0);
    return count;
}

int fx_sql(fx *f, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    int rc;

    assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    if ((rc = sqlite3_exec(db, sql, NULL, NULL, &msg)) != SQLITE_OK)
        print_message("fx_sql: %s\n", msg != NULL ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(db);
    return rc;
}

int64_t fx_sql_int(fx *f, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int64_t v = -1;

    assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

uint8_t *fx_ofd(const char *text, size_t *len)
{
    sc_ofd_doc *doc = NULL;
    uint8_t *buf = NULL;
    sc_err err = SC_ERR_INIT;
    sc_ofd_text t = { 20, 30, 5, NULL, text, NULL };

    OK(sc_ofd_doc_new(&doc, 210, 297, &err), &err);
    OK(sc_ofd_doc_add_page(doc, NULL, &err), &err);
    OK(sc_ofd_doc_add_text(doc, 0, &t, &err), &err);
    OK(sc_ofd_doc_write_mem(doc, &buf, len, &err), &err);
    sc_ofd_doc_free(doc);
    return buf;
}

static const char fx_ttf[] = "\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00"
                             "head\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04" "abcd";
const char *const fx_lic_names[FX_LIC_NFIELDS] = { "uscc", "licence_no", "name", "kind",
    "legal_rep", "scope", "capital", "founded", "term_start", "term_end", "address",
    "issued_on" };
const char *const fx_lic_good[FX_LIC_NFIELDS] = { "91350100M000100Y43", "330100000012345",
    "某某科技有限公司", "有限责任公司（自然人投资或控股）", "张三", "软件开发；信息技术咨询服务",
    "壹佰万元整", "2020-01-02", "2020-01-02", "长期", "浙江省杭州市西湖区文三路1号",
    "2026-03-04" };

void fx_lic_files(const fx *f, ss_lic_type_file files[2])
{
    files[0] = (ss_lic_type_file){ "NotoSerifCJKsc-Regular.otf", (const uint8_t *)fx_ttf,
                                   sizeof(fx_ttf) - 1 };
    files[1] = (ss_lic_type_file){ "yyzz-a4.png", f->png, f->png_len };
}

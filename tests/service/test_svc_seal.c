/* test_svc_seal.c: the seal lifecycle through the service: apply, review by another seal
 * officer (four eyes), the seal made (unit key, signer certificate, SES_Seal) and verified,
 * rejection, status changes and the status rule, roles, keys encrypted at rest, and fail
 * closed when the audit append fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "testutil.h"
#include "svc_test.h"

#define FAIL_AUDIT "CREATE TRIGGER test_fail BEFORE INSERT ON audit_log " \
                   "BEGIN SELECT RAISE(ABORT, 'test: audit refused'); END"

static void year_prefix(fx *f, char out[16])
{
    time_t t = (time_t)(fx_now(f) + 8 * 3600);
    struct tm tm;

    gmtime_r(&t, &tm);
    snprintf(out, 16, "330000%04d", tm.tm_year + 1900);
}

static void lifecycle__approval_makes_a_seal_that_verifies(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es_id[SS_ES_ID_MAX + 1], es2[SS_ES_ID_MAX + 1], want[32], prefix[16];
    const char *pem = sc_test_path(sc_test_tmpdir(), "svc-signer.pem");
    int64_t t = fx_now(f);
    int64_t app = fx_apply(f, "某省人力资源和社会保障厅行政审批专用章", t - 86400,
                           t + 365 * 86400);
    ss_seal s;
    ss_app a;
    sc_ses_seal *seal = NULL;
    sc_report *rep = NULL;
    sc_verify_opts o = { .trust = f->trust };
    char msg[512], subject[512];

    OK(ss_svc_app_approve(f->svc, &f->officer2, app, NULL, "材料齐全", es_id, &err), &err);
    year_prefix(f, prefix);
    snprintf(want, sizeof(want), "%s0001", prefix);
    assert_string_equal(es_id, want);

    OK(ss_svc_seal_get(f->svc, &f->oper, es_id, &s, &err), &err);
    assert_int_equal(s.status, SS_SEAL_GOOD);
    assert_int_equal(s.application_id, app);
    OK(sc_ses_seal_parse(&seal, s.der, s.der_len, &err), &err);
    const sc_ses_seal_info *si = sc_ses_seal_get_info(seal);
    assert_int_equal(si->layout, 4);
    assert_string_equal(si->es_id, es_id);
    assert_string_equal(si->name, "某省人力资源和社会保障厅行政审批专用章");
    assert_string_equal(si->picture_type, "PNG");
    assert_int_equal(si->picture_len, f->png_len);
    assert_int_equal(si->valid_start, t - 86400);
    assert_int_equal(si->valid_end, t + 365 * 86400);
    assert_int_equal(sc_ses_seal_lists_cert(seal, s.signer_cert, s.signer_cert_len, &err), 1);
    OK(sc_report_new(&rep, "seal", "seal", &err), &err);
    OK(sc_verify_seal(rep, seal, &o, &err), &err);
    if (!sc_test_check_is(rep, 0, SC_CHECK_CERT_CHAIN, SC_RESULT_PASSED, NULL, msg, sizeof(msg)))
        fail_msg("%s", msg);
    assert_int_equal(sc_report_valid(rep), 1);

    /* the signer certificate: the seal's name, the unit, chained by the seal CA */
    OK(sc_cert_subject(s.signer_cert, s.signer_cert_len, subject, sizeof(subject), &err), &err);
    assert_string_equal(subject, "某省人力资源和社会保障厅行政审批专用章");
    {
        const unsigned char *p = s.signer_cert;
        X509 *x = d2i_X509(NULL, &p, (long)s.signer_cert_len);
        FILE *fp = fopen(pem, "w");
        assert_non_null(x);
        assert_non_null(fp);
        PEM_write_X509(fp, x);
        fclose(fp);
        X509_free(x);
    }
    assert_int_equal(sc_test_sh("openssl verify -x509_strict -partial_chain -CAfile "
                                "'%s/seal-ca.pem' -vfyopt distid:1234567812345678 '%s' "
                                ">/dev/null", sc_test_pki(), pem), 0);
    assert_int_equal(sc_test_sh("openssl x509 -in '%s' -noout -subject -nameopt utf8,sep_comma_plus"
                                " | grep -q 'O=某省人力资源和社会保障厅'", pem), 0);

    OK(ss_svc_app_get(f->svc, &f->officer, app, &a, &err), &err);
    assert_int_equal(a.state, SS_APP_APPROVED);
    assert_int_equal(a.reviewer_id, f->officer2.client_id);
    assert_string_equal(a.es_id, es_id);
    ss_app_clear(&a);

    /* the next seal takes the next number */
    fx_make_seal(f, es2);
    snprintf(want, sizeof(want), "%s0002", prefix);
    assert_string_equal(es2, want);

    assert_int_equal(fx_audit_count(f, "seal.apply", NULL), 2);
    assert_int_equal(fx_audit_count(f, "seal.approve", NULL), 2);
    assert_int_equal(fx_audit_count(f, "seal.make", NULL), 2);
    fx_audit_ok(f);
    sc_report_free(rep);
    sc_ses_seal_free(seal);
    ss_seal_clear(&s);
}

static void approve__applicant_cannot_approve_own_application(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    int64_t t = fx_now(f), app = fx_apply(f, "专用章", t, t + 86400 * 30);
    ss_app a;

    EXPECT(ss_svc_app_approve(f->svc, &f->officer, app, NULL, NULL, NULL, &err), &err,
           SS_EFORBIDDEN, "applied for it, so another seal officer must review it");
    sc_err_clear(&err);
    EXPECT(ss_svc_app_reject(f->svc, &f->officer, app, "no", &err), &err, SS_EFORBIDDEN,
           "another seal officer");
    OK(ss_svc_app_get(f->svc, &f->officer, app, &a, &err), &err);
    assert_int_equal(a.state, SS_APP_PENDING);
    ss_app_clear(&a);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM seals"), 0);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM seal_keys"), 0);
}

static void approve__needs_the_seal_officer_role(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    int64_t t = fx_now(f), app = fx_apply(f, "专用章", t, t + 86400 * 30);

    EXPECT(ss_svc_app_approve(f->svc, &f->admin, app, NULL, NULL, NULL, &err), &err,
           SS_EFORBIDDEN, "needs the seal-officer role to approve applications");
    sc_err_clear(&err);
    ss_svc_app_req r = { f->unit, 1, "x", f->png, f->png_len, "png", 40, 40, t, t + 100 };
    EXPECT(ss_svc_app_apply(f->svc, &f->oper, &r, NULL, &err), &err, SS_EFORBIDDEN,
           "needs the admin or seal-officer role");
    sc_err_clear(&err);
    EXPECT(ss_svc_unit_add(f->svc, &f->officer, "91330000MA27XYZ12A", "x", NULL, &err), &err,
           SS_EFORBIDDEN, "needs the admin role to add units");
}

static void reject__needs_a_reason_and_ends_the_application(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    int64_t t = fx_now(f), app = fx_apply(f, "专用章", t, t + 86400 * 30);
    ss_app a;

    EXPECT(ss_svc_app_reject(f->svc, &f->officer2, app, "", &err), &err, SC_EINVAL,
           "a rejection needs a reason");
    sc_err_clear(&err);
    OK(ss_svc_app_reject(f->svc, &f->officer2, app, "印模不清晰", &err), &err);
    OK(ss_svc_app_get(f->svc, &f->officer, app, &a, &err), &err);
    assert_int_equal(a.state, SS_APP_REJECTED);
    assert_string_equal(a.reason, "印模不清晰");
    ss_app_clear(&a);
    EXPECT(ss_svc_app_approve(f->svc, &f->officer2, app, NULL, NULL, NULL, &err), &err,
           SS_ESTATE, "already rejected");
    assert_int_equal(fx_audit_count(f, "seal.reject", NULL), 1);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM seals"), 0);
}

static void approve__given_es_id_and_its_conflict(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    int64_t t = fx_now(f);
    int64_t a1 = fx_apply(f, "一号章", t, t + 86400 * 30);
    int64_t a2 = fx_apply(f, "二号章", t, t + 86400 * 30);
    char out[SS_ES_ID_MAX + 1];
    ss_app a;

    OK(ss_svc_app_approve(f->svc, &f->officer2, a1, "33000020269999", NULL, out, &err), &err);
    assert_string_equal(out, "33000020269999");
    EXPECT(ss_svc_app_approve(f->svc, &f->officer2, a2, "33000020269999", NULL, out, &err),
           &err, SS_ECONFLICT, "33000020269999");
    OK(ss_svc_app_get(f->svc, &f->officer, a2, &a, &err), &err);
    assert_int_equal(a.state, SS_APP_PENDING);   /* nothing of it was committed */
    ss_app_clear(&a);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM seal_keys"), 1);
    sc_err_clear(&err);
    EXPECT(ss_svc_app_approve(f->svc, &f->officer2, a2, "3300 2026", NULL, out, &err), &err,
           SC_EINVAL, "esID: character 5 is not printable ASCII");
}

static void approve__refuses_validity_over_or_beyond_the_ca(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    int64_t t = fx_now(f);
    int64_t a1 = fx_apply(f, "过期章", t - 86400 * 10, t + 86400);
    int64_t a2 = fx_apply(f, "长期章", t, t + 86400LL * 365 * 30);

    fx_set_now(f, t + 2 * 86400);
    EXPECT(ss_svc_app_approve(f->svc, &f->officer2, a1, NULL, NULL, NULL, &err), &err,
           SC_EINVAL, "its validity ended");
    sc_err_clear(&err);
    EXPECT(ss_svc_app_approve(f->svc, &f->officer2, a2, NULL, NULL, NULL, &err), &err,
           SC_EINVAL, "after the seal CA certificate's");
}

struct changes {
    int n;
    ss_svc_status_change c[8];
};

static int change_cb(void *ctx, const ss_svc_status_change *c)
{
    struct changes *h = ctx;

    h->c[h->n++] = *c;
    return 0;
}

static void status__suspend_resume_revoke_and_the_status_rule(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    ss_svc_status_info st;
    struct changes h = { 0 };
    int64_t t0;

    fx_make_seal(f, es);
    t0 = fx_now(f);
    OK(ss_svc_seal_status(f->svc, es, 0, &st, &err), &err);
    assert_int_equal(st.status, SS_SVC_GOOD);
    assert_int_equal(st.changes, 0);

    fx_set_now(f, t0 + 100);
    OK(ss_svc_seal_suspend(f->svc, &f->officer, es, "印章遗失待查", &err), &err);
    OK(ss_svc_seal_status(f->svc, es, 0, &st, &err), &err);
    assert_int_equal(st.status, SS_SVC_SUSPENDED);
    assert_int_equal(st.since, t0 + 100);
    assert_int_equal(st.reason, SS_SVC_REASON_CERTIFICATE_HOLD);
    assert_string_equal(st.text, "印章遗失待查");
    EXPECT(ss_svc_seal_suspend(f->svc, &f->officer, es, NULL, &err), &err, SS_ESTATE,
           "already suspended");
    sc_err_clear(&err);

    fx_set_now(f, t0 + 200);
    OK(ss_svc_seal_resume(f->svc, &f->officer, es, "已找回", &err), &err);
    EXPECT(ss_svc_seal_resume(f->svc, &f->officer, es, NULL, &err), &err, SS_ESTATE,
           "is good, not suspended");
    sc_err_clear(&err);

    fx_set_now(f, t0 + 300);
    EXPECT(ss_svc_seal_revoke(f->svc, &f->officer, es, SS_SVC_REASON_CERTIFICATE_HOLD, "x",
                              &err), &err, SC_EINVAL, "revocation reason 6");
    sc_err_clear(&err);
    EXPECT(ss_svc_seal_revoke(f->svc, &f->oper, es, SS_SVC_REASON_KEY_COMPROMISE, "x", &err),
           &err, SS_EFORBIDDEN, "seal-officer");
    sc_err_clear(&err);
    OK(ss_svc_seal_revoke(f->svc, &f->officer, es, SS_SVC_REASON_KEY_COMPROMISE, "私钥泄露",
                          &err), &err);
    EXPECT(ss_svc_seal_suspend(f->svc, &f->officer, es, NULL, &err), &err, SS_ESTATE,
           "revocation is final");
    sc_err_clear(&err);
    EXPECT(ss_svc_seal_resume(f->svc, &f->officer, es, NULL, &err), &err, SS_ESTATE,
           "is revoked, not suspended");
    sc_err_clear(&err);

    /* rule 4 at each moment; revoked stands even after validEnd */
    int64_t at[] = { t0 + 50, t0 + 100, t0 + 150, t0 + 250, t0 + 300, t0 + 400 * 86400 };
    int want[] = { SS_SVC_GOOD, SS_SVC_SUSPENDED, SS_SVC_SUSPENDED, SS_SVC_GOOD,
                   SS_SVC_REVOKED, SS_SVC_REVOKED };
    for (size_t i = 0; i < 6; i++) {
        OK(ss_svc_seal_status(f->svc, es, at[i], &st, &err), &err);
        if (st.status != want[i])
            fail_msg("at +%lld: %s, expected %s", (long long)(at[i] - t0),
                     ss_svc_status_name(st.status), ss_svc_status_name(want[i]));
    }
    assert_int_equal(st.reason, SS_SVC_REASON_KEY_COMPROMISE);
    assert_string_equal(st.text, "私钥泄露");
    assert_int_equal(st.changes, 3);

    OK(ss_svc_seal_history(f->svc, es, change_cb, &h, &err), &err);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.c[0].status, SS_SVC_SUSPENDED);
    assert_int_equal(h.c[1].status, SS_SVC_GOOD);
    assert_int_equal(h.c[1].reason, SS_SVC_NO_REASON);
    assert_string_equal(h.c[1].text, "已找回");
    assert_int_equal(h.c[2].status, SS_SVC_REVOKED);
    assert_int_equal(h.c[2].actor, f->officer.client_id);

    OK(ss_svc_seal_status(f->svc, "33000019990001", 0, &st, &err), &err);
    assert_int_equal(st.status, SS_SVC_UNKNOWN);
    assert_int_equal(fx_audit_count(f, "seal.suspend", NULL), 1);
    assert_int_equal(fx_audit_count(f, "seal.resume", NULL), 1);
    assert_int_equal(fx_audit_count(f, "seal.revoke", NULL), 1);
}

static void status__expired_is_derived_from_valid_end(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    ss_svc_status_info st;
    int64_t t = fx_now(f), app = fx_apply(f, "短期章", t - 10, t + 1000);

    OK(ss_svc_app_approve(f->svc, &f->officer2, app, NULL, NULL, es, &err), &err);
    OK(ss_svc_seal_status(f->svc, es, t + 1000, &st, &err), &err);
    assert_int_equal(st.status, SS_SVC_GOOD);         /* validEnd itself still counts */
    OK(ss_svc_seal_status(f->svc, es, t + 1001, &st, &err), &err);
    assert_int_equal(st.status, SS_SVC_EXPIRED);
    assert_int_equal(st.since, t + 1000);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM seals WHERE status <> 'good'"), 0);
}

/* The audit append fails (a trigger refuses it): the act fails and leaves nothing behind. */
static void fail_closed__audit_failure_commits_nothing(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    int64_t t = fx_now(f), app = fx_apply(f, "专用章", t, t + 86400 * 30), records;
    ss_app a;

    fx_make_seal(f, es);
    records = fx_audit_ok(f);
    assert_int_equal(fx_sql(f, FAIL_AUDIT), 0);
    assert_int_not_equal(ss_svc_app_approve(f->svc, &f->officer2, app, NULL, NULL, NULL, &err),
                         0);
    assert_non_null(strstr(err.msg, "audit seal.approve (nothing was committed)"));
    OK(ss_svc_app_get(f->svc, &f->officer, app, &a, &err), &err);
    assert_int_equal(a.state, SS_APP_PENDING);
    ss_app_clear(&a);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM seals"), 1);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM seal_keys"), 1);

    sc_err_clear(&err);
    assert_int_not_equal(ss_svc_grant_add(f->svc, &f->admin, f->oper.client_id, es, 0, 0,
                                          NULL, &err), 0);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM grants"), 0);
    sc_err_clear(&err);
    assert_int_not_equal(ss_svc_seal_suspend(f->svc, &f->officer, es, NULL, &err), 0);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM seals WHERE status = 'good'"), 1);
    sc_err_clear(&err);
    assert_int_not_equal(ss_svc_unit_add(f->svc, &f->admin, "91330000MA27XYZ12A", "某单位",
                                         NULL, &err), 0);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM units"), 1);

    assert_int_equal(fx_sql(f, "DROP TRIGGER test_fail"), 0);
    sc_err_clear(&err);
    OK(ss_svc_app_approve(f->svc, &f->officer2, app, NULL, NULL, NULL, &err), &err);
    assert_int_equal(fx_audit_ok(f), records + 2);
}

/* Unit keys are stored as PBES2 PKCS#8 only: no plaintext PEM, no private scalar, anywhere in
 * the database files; the service passphrase opens them and nothing else does. */
static void keys__encrypted_at_rest(void **state)
{
    fx *f = *state;
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1], wal[600];
    uint8_t *db = NULL, *w = NULL, priv[32];
    size_t db_len = 0, w_len = 0;
    ss_seal_key k;
    ss_seal s;
    BIO *bio;
    X509_SIG *p8;
    const X509_ALGOR *alg;
    const ASN1_OBJECT *oid;
    EVP_PKEY *pk;
    BIGNUM *d = NULL;

    fx_make_seal(f, es);
    OK(ss_store_seal_get(f->st, es, &s, &err), &err);
    OK(ss_store_key_get(f->st, s.key_id, &k, &err), &err);
    assert_memory_equal(k.pkcs8_pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37);
    assert_non_null(bio = BIO_new_mem_buf(k.pkcs8_pem, (int)k.pkcs8_pem_len));
    assert_non_null(p8 = PEM_read_bio_PKCS8(bio, NULL, NULL, NULL));
    X509_SIG_get0(p8, &alg, NULL);
    X509_ALGOR_get0(&oid, NULL, NULL, alg);
    assert_int_equal(OBJ_obj2nid(oid), NID_pbes2);
    X509_SIG_free(p8);
    BIO_free(bio);
    /* the wrong passphrase (the PKI's) does not open it, the service's does */
    sc_key *key = NULL;
    assert_int_equal(sc_key_soft_load(&key, k.pkcs8_pem, k.pkcs8_pem_len, "wrong-passphrase",
                                      16, &err), SC_EPASSWORD);
    assert_non_null(bio = BIO_new_mem_buf(k.pkcs8_pem, (int)k.pkcs8_pem_len));
    assert_non_null(pk = PEM_read_bio_PrivateKey(bio, NULL, NULL,
                                                 (void *)"unit-keys-at-rest-test"));
    BIO_free(bio);
    assert_int_equal(EVP_PKEY_get_bn_param(pk, "priv", &d), 1);
    assert_int_equal(BN_bn2binpad(d, priv, 32), 32);
    BN_clear_free(d);
    EVP_PKEY_free(pk);

    /* the database file and its WAL together hold every page written */
    assert_int_equal(sc_test_read(f->db, &db, &db_len), 0);
    snprintf(wal, sizeof(wal), "%s-wal", f->db);
    if (sc_test_read(wal, &w, &w_len) != 0)
        w_len = 0;
    const uint8_t *files[2] = { db, w };
    size_t lens[2] = { db_len, w_len };
    for (int i = 0; i < 2; i++) {
        if (lens[i] == 0)
            continue;
        assert_null(memmem(files[i], lens[i], "BEGIN PRIVATE KEY", 17));
        assert_null(memmem(files[i], lens[i], "BEGIN EC PRIVATE KEY", 20));
        assert_null(memmem(files[i], lens[i], priv, sizeof(priv)));
    }
    assert_true(memmem(db, db_len, "BEGIN ENCRYPTED PRIVATE KEY", 27) != NULL ||
                (w_len > 0 && memmem(w, w_len, "BEGIN ENCRYPTED PRIVATE KEY", 27) != NULL));
    OPENSSL_cleanse(priv, sizeof(priv));
    free(db);
    free(w);
    ss_seal_key_clear(&k);
    ss_seal_clear(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(lifecycle__approval_makes_a_seal_that_verifies,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(approve__applicant_cannot_approve_own_application,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(approve__needs_the_seal_officer_role, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(reject__needs_a_reason_and_ends_the_application,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(approve__given_es_id_and_its_conflict, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(approve__refuses_validity_over_or_beyond_the_ca,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(status__suspend_resume_revoke_and_the_status_rule,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(status__expired_is_derived_from_valid_end, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(fail_closed__audit_failure_commits_nothing, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(keys__encrypted_at_rest, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

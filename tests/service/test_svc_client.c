/* test_svc_client.c: API clients through the service: add with a token (it authenticates with
 * its roles), with a certificate (PEM or DER, found by the identity the TLS layer computes),
 * refusals, disable and enable (not oneself, not the last admin), token rotation (the old one
 * fails at once), listing without hashes, audit records without secrets, and fail closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "testutil.h"
#include "svc_test.h"

#define FAIL_AUDIT "CREATE TRIGGER test_fail BEFORE INSERT ON audit_log " \
                   "BEGIN SELECT RAISE(ABORT, 'test: audit refused'); END"

static const uint8_t zero32[32];

/* A client certificate of a dev PKI as PEM bytes (new buffer) and its DER (new buffer). */
static uint8_t *client_pem(const char *pki, size_t *len)
{
    uint8_t *p = NULL;

    assert_int_equal(sc_test_read(sc_test_path(pki, "tls-client.pem"), &p, len), 0);
    return p;
}

static uint8_t *client_der(const char *pki, size_t *len)
{
    FILE *f = fopen(sc_test_path(pki, "tls-client.pem"), "r");
    X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    unsigned char *der = NULL;
    int n;

    assert_non_null(x);
    fclose(f);
    n = i2d_X509(x, &der);
    assert_true(n > 0);
    *len = (size_t)n;
    X509_free(x);
    return der;   /* OPENSSL_malloc'd: OPENSSL_free */
}

/* Rows of the audit log whose details contain s (hex or token text). */
static int64_t audit_mentions(fx *f, const char *s)
{
    char sql[256];

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE instr(details, '%s') > 0 "
             "OR instr(object, '%s') > 0", s, s);
    return fx_sql_int(f, sql);
}

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* The id of the client a token authenticates (-1 if none). */
static int64_t by_token_id(fx *f, const char *tok)
{
    uint8_t hash[32];
    ss_client c;
    sc_err err = SC_ERR_INIT;

    OK(ss_token_hash(tok, hash, &err), &err);
    return ss_store_client_by_token_hash(f->st, hash, &c, &err) == 0 ? c.id : -1;
}

static void client_add__token_authenticates_with_its_roles(void **state)
{
    fx *f = *state;
    ss_svc_client_req r = { .name = "审批系统-2", .roles = SS_ROLE_OPERATOR | SS_ROLE_AUDITOR,
                            .token = 1 };
    char tok[SS_TOKEN_BUF], hx[65];
    uint8_t hash[32];
    int64_t id = 0;
    ss_client c;
    sc_err err = SC_ERR_INIT;

    OK(ss_svc_client_add(f->svc, &f->admin, &r, &id, tok, &err), &err);
    assert_true(id > 0);
    assert_int_equal(strlen(tok), SS_TOKEN_LEN);
    OK(ss_token_hash(tok, hash, &err), &err);
    OK(ss_store_client_by_token_hash(f->st, hash, &c, &err), &err);
    assert_int_equal(c.id, id);
    assert_int_equal(c.roles, SS_ROLE_OPERATOR | SS_ROLE_AUDITOR);
    assert_string_equal(c.name, "审批系统-2");

    OK(ss_svc_client_get(f->svc, &f->admin, id, &c, &err), &err);
    assert_int_equal(c.has_token, 1);
    assert_memory_equal(c.token_hash, zero32, 32);   /* never handed out */
    assert_int_equal(c.has_cert_sha256, 0);
    assert_int_equal(fx_audit_count(f, "client.add", NULL), 1);
    hex(hash, 32, hx);
    assert_int_equal(audit_mentions(f, tok), 0);
    assert_int_equal(audit_mentions(f, hx), 0);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM audit_log WHERE action = 'client.add' "
                                "AND details LIKE '%\"roles\":[\"operator\",\"auditor\"]%' AND "
                                "details LIKE '%\"credentials\":\"token\"%'"), 1);
    fx_audit_ok(f);
}

/* The identity the TLS layer computes for a PKI's tls-client certificate. */
static void tls_identity(const char *pki, char subject[SS_SUBJECT_MAX + 1], uint8_t sha[32])
{
    FILE *fp = fopen(sc_test_path(pki, "tls-client.pem"), "r");
    X509 *x = fp != NULL ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
    sc_err err = SC_ERR_INIT;

    assert_non_null(x);
    fclose(fp);
    OK(ss_cert_identity(x, subject, SS_SUBJECT_MAX + 1, sha, &err), &err);
    X509_free(x);
}

static void client_add__cert_pem_matches_the_tls_identity(void **state)
{
    fx *f = *state;
    size_t plen = 0;
    uint8_t *pem = client_pem(sc_test_pki(), &plen);
    ss_svc_client_req r = { .name = "cert-pem", .roles = SS_ROLE_SEAL_OFFICER, .cert = pem,
                            .cert_len = plen };
    char subject[SS_SUBJECT_MAX + 1], hx[65];
    uint8_t sha[32];
    int64_t id = 0;
    ss_client c;
    sc_err err = SC_ERR_INIT;

    tls_identity(sc_test_pki(), subject, sha);
    OK(ss_svc_client_add(f->svc, &f->admin, &r, &id, NULL, &err), &err);
    OK(ss_store_client_by_cert(f->st, subject, sha, &c, &err), &err);
    assert_int_equal(c.id, id);
    assert_string_equal(c.cert_subject, subject);
    assert_int_equal(c.has_token, 0);
    assert_int_equal(c.roles, SS_ROLE_SEAL_OFFICER);

    /* the same certificate twice: refused, and only the first add is audited */
    r.name = "cert-pem-again";
    sc_err_clear(&err);
    EXPECT(ss_svc_client_add(f->svc, &f->admin, &r, NULL, NULL, &err), &err, SS_ECONFLICT,
           "already exists");
    assert_int_equal(fx_audit_count(f, "client.add", NULL), 1);
    hex(sha, 32, hx);
    assert_int_equal(audit_mentions(f, hx), 1);   /* the fingerprint is public: named */
    free(pem);
}

static void client_add__cert_der_matches_the_tls_identity(void **state)
{
    fx *f = *state;
    size_t dlen = 0;
    uint8_t *der = client_der(sc_test_pki_other(), &dlen);
    ss_svc_client_req d = { .name = "cert-der", .roles = SS_ROLE_VERIFIER, .cert = der,
                            .cert_len = dlen, .token = 1 };
    char subject[SS_SUBJECT_MAX + 1], tok[SS_TOKEN_BUF];
    uint8_t sha[32];
    int64_t id = 0;
    ss_client c;
    sc_err err = SC_ERR_INIT;

    tls_identity(sc_test_pki_other(), subject, sha);
    OK(ss_svc_client_add(f->svc, &f->admin, &d, &id, tok, &err), &err);
    OK(ss_store_client_by_cert(f->st, NULL, sha, &c, &err), &err);
    assert_int_equal(c.id, id);
    assert_int_equal(c.has_token, 1);
    assert_int_equal(by_token_id(f, tok), id);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM audit_log WHERE action = 'client.add' "
                                "AND details LIKE '%\"credentials\":\"token, certificate\"%'"),
                     1);
    OPENSSL_free(der);
}

static void client_add__refuses_bad_requests(void **state)
{
    fx *f = *state;
    size_t dlen = 0;
    uint8_t *der = client_der(sc_test_pki(), &dlen);
    uint8_t *der1 = malloc(dlen + 1);
    char longname[SS_NAME_MAX + 2], tok[SS_TOKEN_BUF];
    static const uint8_t junk[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    struct {
        const char *what;
        ss_svc_client_req r;
        const ss_svc_actor *actor;
        int code;
        const char *msg;
    } rows[] = {
        { "no roles", { "x", 0, NULL, 0, 1 }, &f->admin, SC_EINVAL, "give one or more of" },
        { "unknown role bit", { "x", 1u << 9, NULL, 0, 1 }, &f->admin, SC_EINVAL, "roles" },
        { "no credential", { "x", SS_ROLE_OPERATOR, NULL, 0, 0 }, &f->admin, SC_EINVAL,
          "no credential" },
        { "no name", { "", SS_ROLE_OPERATOR, NULL, 0, 1 }, &f->admin, SC_EINVAL,
          "client name: missing" },
        { "long name", { longname, SS_ROLE_OPERATOR, NULL, 0, 1 }, &f->admin, SC_ELIMIT,
          "at most 256" },
        { "not PEM inside", { "x", SS_ROLE_OPERATOR, junk, sizeof(junk) - 1, 0 }, &f->admin,
          SC_EFORMAT, "not a PEM or DER" },
        { "DER + 1 byte", { "x", SS_ROLE_OPERATOR, der1, dlen + 1, 0 }, &f->admin, SC_EFORMAT,
          "not a PEM or DER" },
        { "empty cert", { "x", SS_ROLE_OPERATOR, junk, 0, 0 }, &f->admin, SC_EFORMAT,
          "empty" },
        { "huge cert", { "x", SS_ROLE_OPERATOR, junk, SS_SVC_CLIENT_CERT_MAX + 1, 0 },
          &f->admin, SC_ELIMIT, "at most" },
        { "not admin", { "x", SS_ROLE_OPERATOR, NULL, 0, 1 }, &f->officer, SS_EFORBIDDEN,
          "needs the admin role" },
        { "duplicate name", { "admin", SS_ROLE_OPERATOR, NULL, 0, 1 }, &f->admin,
          SS_ECONFLICT, "" },
    };

    assert_non_null(der1);
    memcpy(der1, der, dlen);
    der1[dlen] = 0;
    memset(longname, 'n', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sc_err err = SC_ERR_INIT;
        int64_t id = 7;
        int rc;

        memset(tok, 'z', sizeof(tok));
        rc = ss_svc_client_add(f->svc, rows[i].actor, &rows[i].r, &id, tok, &err);
        if (rc != rows[i].code || strstr(err.msg, rows[i].msg) == NULL)
            fail_msg("%s: got %d \"%s\"", rows[i].what, rc, err.msg);
        assert_int_equal(id, 0);
        assert_int_equal(tok[0], '\0');   /* no token survives a failure */
    }
    assert_int_equal(fx_audit_count(f, "client.add", NULL), 0);
    free(der1);
    OPENSSL_free(der);
}

static int64_t add_token_client(fx *f, const char *name, uint32_t roles, char tok[SS_TOKEN_BUF])
{
    ss_svc_client_req r = { .name = name, .roles = roles, .token = 1 };
    sc_err err = SC_ERR_INIT;
    int64_t id = 0;

    OK(ss_svc_client_add(f->svc, &f->admin, &r, &id, tok, &err), &err);
    return id;
}

static int by_token(fx *f, const char *tok, ss_client *c)
{
    uint8_t hash[32];
    sc_err err = SC_ERR_INIT;

    OK(ss_token_hash(tok, hash, &err), &err);
    return ss_store_client_by_token_hash(f->st, hash, c, &err);
}

static void client_set_disabled__refuses_credentials_until_enabled(void **state)
{
    fx *f = *state;
    char tok[SS_TOKEN_BUF];
    int64_t id = add_token_client(f, "ops", SS_ROLE_OPERATOR, tok);
    ss_client c;
    sc_err err = SC_ERR_INIT;

    OK(ss_svc_client_set_disabled(f->svc, &f->admin, id, 1, &err), &err);
    assert_int_equal(by_token(f, tok, &c), SS_EDISABLED);
    sc_err_clear(&err);
    EXPECT(ss_svc_client_set_disabled(f->svc, &f->admin, id, 1, &err), &err, SS_ESTATE,
           "is disabled already");
    OK(ss_svc_client_set_disabled(f->svc, &f->admin, id, 0, &err), &err);
    assert_int_equal(by_token(f, tok, &c), 0);
    sc_err_clear(&err);
    EXPECT(ss_svc_client_set_disabled(f->svc, &f->admin, id, 0, &err), &err, SS_ESTATE,
           "is enabled already");
    sc_err_clear(&err);
    EXPECT(ss_svc_client_set_disabled(f->svc, &f->officer, id, 1, &err), &err, SS_EFORBIDDEN,
           "needs the admin role");
    sc_err_clear(&err);
    EXPECT(ss_svc_client_set_disabled(f->svc, &f->admin, 999999, 1, &err), &err, SC_ENOTFOUND,
           "no such API client");
    assert_int_equal(fx_audit_count(f, "client.disable", NULL), 1);
    assert_int_equal(fx_audit_count(f, "client.enable", NULL), 1);
    {
        char sql[160];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE action = "
                 "'client.disable' AND object = 'client:%lld' AND details = '{\"name\":\"ops\"}'",
                 (long long)id);
        assert_int_equal(fx_sql_int(f, sql), 1);
    }
    fx_audit_ok(f);
}

static void client_set_disabled__keeps_an_admin(void **state)
{
    fx *f = *state;
    char tok[SS_TOKEN_BUF];
    int64_t second = add_token_client(f, "second-admin", SS_ROLE_ADMIN, tok);
    /* a caller holding the admin role whose own row is not an enabled admin (its roles
     * changed after it authenticated): f->officer's id acting as admin */
    ss_svc_actor stale = { f->officer.client_id, SS_ROLE_ADMIN };
    sc_err err = SC_ERR_INIT;

    sc_err_clear(&err);

    EXPECT(ss_svc_client_set_disabled(f->svc, &f->admin, f->admin.client_id, 1, &err), &err,
           SS_EFORBIDDEN, "cannot disable itself");
    OK(ss_svc_client_set_disabled(f->svc, &f->admin, second, 1, &err), &err);
    sc_err_clear(&err);
    EXPECT(ss_svc_client_set_disabled(f->svc, &stale, f->admin.client_id, 1, &err), &err,
           SS_ESTATE, "last enabled admin");
    OK(ss_svc_client_set_disabled(f->svc, &f->admin, second, 0, &err), &err);
    OK(ss_svc_client_set_disabled(f->svc, &stale, f->admin.client_id, 1, &err), &err);
    assert_int_equal(fx_audit_count(f, "client.disable", NULL), 2);
}

static void client_rotate_token__old_token_fails_at_once(void **state)
{
    fx *f = *state;
    char tok[SS_TOKEN_BUF], tok2[SS_TOKEN_BUF], hx[65];
    int64_t id = add_token_client(f, "rotating", SS_ROLE_OPERATOR, tok);
    size_t plen = 0;
    uint8_t *pem = client_pem(sc_test_pki(), &plen), hash[32];
    ss_svc_client_req cr = { .name = "cert-only", .roles = SS_ROLE_AUDITOR, .cert = pem,
                             .cert_len = plen };
    int64_t cid = 0;
    ss_client c;
    sc_err err = SC_ERR_INIT;

    OK(ss_svc_client_rotate_token(f->svc, &f->admin, id, tok2, &err), &err);
    assert_int_equal(strlen(tok2), SS_TOKEN_LEN);
    assert_string_not_equal(tok, tok2);
    assert_int_equal(by_token(f, tok, &c), SC_ENOTFOUND);
    assert_int_equal(by_token(f, tok2, &c), 0);
    assert_int_equal(c.id, id);
    OK(ss_token_hash(tok2, hash, &err), &err);
    hex(hash, 32, hx);
    assert_int_equal(audit_mentions(f, tok2), 0);
    assert_int_equal(audit_mentions(f, hx), 0);

    /* a certificate-only client gets its first token */
    OK(ss_svc_client_add(f->svc, &f->admin, &cr, &cid, NULL, &err), &err);
    OK(ss_svc_client_rotate_token(f->svc, &f->admin, cid, tok2, &err), &err);
    assert_int_equal(by_token(f, tok2, &c), 0);
    assert_int_equal(c.id, cid);
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM audit_log WHERE action = "
                                "'client.token.rotate' AND details LIKE "
                                "'%\"had_token\":false%'"), 1);

    sc_err_clear(&err);

    EXPECT(ss_svc_client_rotate_token(f->svc, &f->oper, id, tok2, &err), &err, SS_EFORBIDDEN,
           "needs the admin role");
    assert_int_equal(tok2[0], '\0');
    sc_err_clear(&err);
    EXPECT(ss_svc_client_rotate_token(f->svc, &f->admin, 999999, tok2, &err), &err,
           SC_ENOTFOUND, "no such API client");
    assert_int_equal(tok2[0], '\0');
    assert_int_equal(fx_audit_count(f, "client.token.rotate", NULL), 2);
    free(pem);
}

struct seen {
    int64_t ids[16];
    size_t n;
    int leaked;
};

static int on_client(void *ctx, const ss_client *c)
{
    struct seen *s = ctx;

    if (s->n < 16)
        s->ids[s->n++] = c->id;
    s->leaked |= memcmp(c->token_hash, zero32, 32) != 0;
    return 0;
}

static void client_list__pages_without_hashes(void **state)
{
    fx *f = *state;
    struct seen s = { { 0 }, 0, 0 };
    sc_err err = SC_ERR_INIT;

    /* the fixture made 6 clients, all with tokens */
    OK(ss_svc_client_list(f->svc, &f->admin, 0, 4, on_client, &s, &err), &err);
    assert_int_equal(s.n, 4);
    OK(ss_svc_client_list(f->svc, &f->admin, s.ids[3], 4, on_client, &s, &err), &err);
    assert_int_equal(s.n, 6);
    assert_int_equal(s.leaked, 0);
    assert_true(s.ids[4] > s.ids[3]);
    sc_err_clear(&err);
    EXPECT(ss_svc_client_list(f->svc, &f->auditor, 0, 4, on_client, &s, &err), &err,
           SS_EFORBIDDEN, "to list API clients");
}

static void client_add__fails_closed_without_its_audit_record(void **state)
{
    fx *f = *state;
    ss_svc_client_req r = { .name = "never", .roles = SS_ROLE_OPERATOR, .token = 1 };
    char tok[SS_TOKEN_BUF];
    int64_t before = fx_sql_int(f, "SELECT count(*) FROM api_clients");
    sc_err err = SC_ERR_INIT;

    assert_int_equal(fx_sql(f, FAIL_AUDIT), 0);
    sc_err_clear(&err);
    assert_int_not_equal(ss_svc_client_add(f->svc, &f->admin, &r, NULL, tok, &err), 0);
    assert_non_null(strstr(err.msg, "audit client.add (nothing was committed)"));
    assert_int_equal(tok[0], '\0');
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM api_clients"), before);
    sc_err_clear(&err);
    assert_int_not_equal(ss_svc_client_set_disabled(f->svc, &f->admin, f->oper.client_id, 1,
                                                    &err), 0);
    assert_non_null(strstr(err.msg, "audit client.disable (nothing was committed)"));
    assert_int_equal(fx_sql_int(f, "SELECT count(*) FROM api_clients WHERE disabled = 1"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(client_add__token_authenticates_with_its_roles,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(client_add__cert_pem_matches_the_tls_identity,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(client_add__cert_der_matches_the_tls_identity,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(client_add__refuses_bad_requests, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(client_set_disabled__refuses_credentials_until_enabled,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(client_set_disabled__keeps_an_admin, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(client_rotate_token__old_token_fails_at_once, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(client_list__pages_without_hashes, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(client_add__fails_closed_without_its_audit_record,
                                        fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

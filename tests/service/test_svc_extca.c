/* test_svc_extca.c: seal making with an external CA (ss_svc_config.issue_cert). The stand-in
 * CA gets only a PKCS#10 request signed by the unit key (sc_cert_request: the key stays in the
 * service), reads the subject key from it as a CA would, and issues with the dev seal CA. The
 * service must refuse an answer for another key, one another CA signed, one ending before the
 * seal, and a CA that fails — with nothing committed and the application still pending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "svc_test.h"
#include "testutil.h"

enum { CA_GOOD, CA_DOWN, CA_OTHER_KEY, CA_OTHER_ISSUER, CA_SHORT };

typedef struct fake_ca {
    int mode;
    fx *f;
    int calls;
} fake_ca;

/* The request's subject key, as the CA reads it (and the request's own signature checked). */
static uint8_t *csr_spki(const uint8_t *der, size_t len, size_t *out_len)
{
    const uint8_t *p = der;
    X509_REQ *r = d2i_X509_REQ(NULL, &p, (long)len);
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
    unsigned char *spki = NULL;
    uint8_t *out;
    int n;

    assert_non_null(r);
    assert_true(ASN1_OCTET_STRING_set(id, (const uint8_t *)"1234567812345678", 16));
    X509_REQ_set0_distinguishing_id(r, id);
    assert_int_equal(X509_REQ_verify(r, X509_REQ_get0_pubkey(r)), 1);
    assert_true((n = i2d_PUBKEY(X509_REQ_get0_pubkey(r), &spki)) > 0);
    assert_non_null(out = malloc((size_t)n));
    memcpy(out, spki, (size_t)n);
    *out_len = (size_t)n;
    OPENSSL_free(spki);
    X509_REQ_free(r);
    return out;
}

static int fake_issue(void *ctx, const sc_key *key, const sc_cert_issue_params *p,
                      uint8_t **cert, size_t *len, sc_err *err)
{
    fake_ca *c = ctx;
    const char *pki = sc_test_pki();
    uint8_t *csr = NULL, *spki, *other = NULL, *root = NULL;
    size_t csr_len = 0, spki_len = 0, other_len = 0, root_len = 0;
    sc_key *root_key = NULL;
    sc_cert_issue_params q = *p;
    int rc;

    c->calls++;
    if (c->mode == CA_DOWN)
        return sc_err_set(err, SC_EIO, "EST https://ca.example/.well-known/est: connection "
                          "refused");
    assert_int_equal(sc_cert_request(&csr, &csr_len, p, key, err), 0);
    spki = csr_spki(csr, csr_len, &spki_len);
    q.spki = spki;
    q.spki_len = spki_len;
    if (c->mode == CA_OTHER_KEY) {   /* another subject's key: the signer-city certificate's */
        size_t n = 0;
        uint8_t *ccert = sc_test_cert(pki, "signer-city", &n);
        const uint8_t *pp = ccert;
        X509 *x = d2i_X509(NULL, &pp, (long)n);
        unsigned char *d = NULL;
        int k = i2d_PUBKEY(X509_get0_pubkey(x), &d);
        other = malloc((size_t)k);
        memcpy(other, d, (size_t)k);
        other_len = (size_t)k;
        OPENSSL_free(d);
        X509_free(x);
        free(ccert);
        q.spki = other;
        q.spki_len = other_len;
    }
    if (c->mode == CA_SHORT)
        q.not_after = p->not_after - 86400;
    if (c->mode == CA_OTHER_ISSUER) {
        root_key = sc_test_key(pki, "root-ca");
        root = sc_test_cert(pki, "root-ca", &root_len);
        rc = sc_cert_issue(cert, len, &q, root_key, root, root_len, err);
    } else {
        rc = sc_cert_issue(cert, len, &q, c->f->ca_key, c->f->ca_cert, c->f->ca_cert_len, err);
    }
    sc_key_free(root_key);
    free(root);
    free(other);
    free(spki);
    free(csr);
    return rc;
}

static void still_pending(fx *f, int64_t app)
{
    sc_err err = SC_ERR_INIT;
    ss_app a;

    OK(ss_svc_app_get(f->svc, &f->officer, app, &a, &err), &err);
    assert_int_equal(a.state, SS_APP_PENDING);
    ss_app_clear(&a);
    assert_int_equal(fx_audit_count(f, "seal.make", NULL), 0);
}

static void extca__a_good_answer_makes_a_seal(void **state)
{
    fx *f = *state;
    fake_ca c = { CA_GOOD, f, 0 };
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    int64_t t = fx_now(f), app;
    ss_seal s;
    sc_ses_seal *seal = NULL;
    sc_report *rep = NULL;
    sc_verify_opts o = { .trust = f->trust };

    fx_service_ext(f, 0, fake_issue, &c);
    app = fx_apply(f, "外部CA签发证书的印章", t - 60, t + 180 * 86400);
    OK(ss_svc_app_approve(f->svc, &f->officer2, app, NULL, "ok", es, &err), &err);
    assert_int_equal(c.calls, 1);
    OK(ss_svc_seal_get(f->svc, &f->oper, es, &s, &err), &err);
    OK(sc_ses_seal_parse(&seal, s.der, s.der_len, &err), &err);
    OK(sc_report_new(&rep, "seal", NULL, &err), &err);
    OK(sc_verify_seal(rep, seal, &o, &err), &err);
    assert_int_equal(sc_report_valid(rep), 1);
    sc_report_free(rep);
    sc_ses_seal_free(seal);
    ss_seal_clear(&s);
    /* the seal signs: the key the request proved is the key the service keeps */
    static const uint8_t doc[] = "signed under an external CA";
    ss_svc_sign_item it = { es, doc, sizeof(doc) - 1, NULL, NULL };
    uint8_t *sig = NULL;
    size_t len = 0;

    fx_grant(f, f->oper.client_id, es, 0, 0);
    OK(ss_svc_sign_data(f->svc, &f->oper, &it, NULL, &sig, &len, NULL, &err), &err);
    fx_verify_sig(f, sig, len, doc, sizeof(doc) - 1);
    free(sig);
}

static void refused(fx *f, int mode, int code, const char *frag)
{
    fake_ca c = { mode, f, 0 };
    sc_err err = SC_ERR_INIT;
    char es[SS_ES_ID_MAX + 1];
    int64_t t = fx_now(f), app;

    fx_service_ext(f, 0, fake_issue, &c);
    app = fx_apply(f, "外部CA印章", t - 60, t + 180 * 86400);
    EXPECT(ss_svc_app_approve(f->svc, &f->officer2, app, NULL, "ok", es, &err), &err, code,
           frag);
    assert_int_equal(c.calls, 1);
    still_pending(f, app);
}

static void extca__refusals_commit_nothing(void **state)
{
    fx *f = *state;

    refused(f, CA_DOWN, SS_EUPSTREAM, "connection refused");
    refused(f, CA_OTHER_KEY, SS_EUPSTREAM, "for another key than the one in the request");
    refused(f, CA_OTHER_ISSUER, SS_EUPSTREAM, "not signed by the configured seal CA");
    refused(f, CA_SHORT, SS_EUPSTREAM, "ends before the seal's validity does");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(extca__a_good_answer_makes_a_seal, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(extca__refusals_commit_nothing, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_verify_status.c: the seal_status check (sealcore/verify.h, spec/status.asn1 "Verifier
 * rule") on real seals, signatures and a signed OFD from the dev PKI, with status responses
 * made by the builder and signed by the dev status signer: the status at the signing time
 * around a suspension, a resumption and a revocation; untrusted, stale and foreign responses;
 * a seal the list lacks or another seal under the same esID; an OFD where one of two seals
 * was revoked; seals judged now; the skip rules; status_fn; the JSON and text shapes.
 * seal-verify's fetcher (file:// mirror, refusals): test_status_fetch.c. */
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

#include "crypto/crypto_int.h"
#include "sealcore/ofd_doc.h"
#include "sealcore/ofd_sign.h"
#include "sealcore/status.h"
#include "sealcore/time.h"
#include "sealcore/verify.h"
#include "testutil.h"

#define H 3600
#define DAY 86400
#define ID_A "33000020260001"
#define ID_B "33000020260002"

/* The timeline, from g.n (the dev PKI's certificates are valid from just before it): seal A
 * suspended at +2 h and resumed at +3 h, seal B revoked at +5 h, the list produced at +6 h
 * and valid for 7 days. Signatures are made at the times below. */
#define SUSP (g.n + 2 * H)
#define RESUME (g.n + 3 * H)
#define REVOKE (g.n + 5 * H)
#define PRODUCED (g.n + 6 * H)
#define NEXT (PRODUCED + 7 * DAY)
#define S_GOOD (g.n + 1 * H)           /* before anything happened */
#define S_SUSP (g.n + 2 * H + 1800)    /* A suspended */
#define S_RESUMED (g.n + 3 * H + 1800) /* A good again */
#define S_REVOKED (g.n + 5 * H + 1800) /* B revoked */

static struct {
    const char *pki;
    uint8_t *maker, *prov, *city, *ss, *ca, *oss, *oca, *png;
    size_t maker_len, prov_len, city_len, ss_len, ca_len, oss_len, oca_len, png_len;
    sc_key *kmaker, *kprov, *kcity, *kss, *koss;
    sc_trust *trust;            /* root-ca anchor, seal-ca intermediate */
    sc_ses_seal *a, *b, *a2;    /* a2: another seal under A's esID */
    int64_t n;
    sc_status_resp *list;       /* A and B with their histories, and an unknown seal */
} g;

/* ---- fixtures ---------------------------------------------------------------------------- */

static sc_ses_seal *make_seal(const char *id, const char *name, const uint8_t *cert,
                              size_t cert_len)
{
    const uint8_t *certs[1] = { cert };
    sc_ses_seal_params p = { .es_id = id, .name = name, .type = 1, .cert_list_type = 1,
                             .certs = certs, .cert_lens = &cert_len, .cert_count = 1,
                             .valid_start = 1, .valid_end = 4102444800, .picture_type = "PNG",
                             .picture = g.png, .picture_len = g.png_len, .width_mm = 40,
                             .height_mm = 40 };
    sc_ses_seal *s = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ses_seal_make(&s, &p, g.kmaker, g.maker, g.maker_len, &err) != 0)
        fail_msg("seal %s: %s", id, err.msg);
    return s;
}

/* One entry of a response: seal (NULL: es_id with status unknown) and its history. */
typedef struct ent {
    const sc_ses_seal *seal;
    const char *es_id;
    const sc_status_change *h;
    size_t hn;
} ent;

/* A response with the entries e, produced at PRODUCED, signed by key/cert with ca as chain,
 * parsed. */
static sc_status_resp *make_resp(const ent *e, size_t ne, const sc_key *key,
                                 const uint8_t *cert, size_t cert_len, const uint8_t *ca,
                                 size_t ca_len)
{
    sc_status_builder *b = NULL;
    sc_status_resp *r = NULL;
    sc_err err = SC_ERR_INIT;
    uint8_t *der = NULL, d[32];
    const uint8_t *cas[1] = { ca };
    size_t len = 0;

    assert_int_equal(sc_status_builder_new(&b, PRODUCED, NULL), 0);
    for (size_t i = 0; i < ne; i++) {
        sc_status_entry x = { .kind = SC_STATUS_ESID, .subject = e[i].es_id,
                              .status = SC_STATUS_UNKNOWN, .this_update = PRODUCED,
                              .has_next_update = 1, .next_update = NEXT };
        if (e[i].seal != NULL) {
            size_t sl;
            const uint8_t *sd = sc_ses_seal_get_der(e[i].seal, &sl);
            assert_int_equal(sc__sm3(sd, sl, d, NULL), 0);
            x.subject = sc_ses_seal_get_info(e[i].seal)->es_id;
            x.digest = d;
            x.has_valid_end = 1;
            x.valid_end = sc_ses_seal_get_info(e[i].seal)->valid_end;
            x.history = e[i].h;
            x.history_len = e[i].hn;
            x.status = SC_STATUS_GOOD;   /* entry_at keeps UNKNOWN: derive from the history */
            x.status = sc_status_entry_at(&x, PRODUCED, NULL);
        }
        if (sc_status_builder_add(b, &x, &err) != 0)
            fail_msg("add %s: %s", x.subject, err.msg);
    }
    assert_int_equal(sc_status_builder_set_list_sequence(b, 7, NULL), 0);
    if (sc_status_builder_sign(b, key, cert, cert_len, cas, &ca_len, 1, &der, &len, &err) != 0)
        fail_msg("sign: %s", err.msg);
    sc_status_builder_free(b);
    assert_int_equal(sc_status_resp_parse(&r, der, len, NULL), 0);
    free(der);
    return r;
}

static const sc_status_change hist_a[2] = {
    { SC_STATUS_SUSPENDED, 0, SC_STATUS_REASON_CERTIFICATE_HOLD },
    { SC_STATUS_GOOD, 0, SC_STATUS_NO_REASON } };

/* The standard list: A suspended and resumed, B revoked, 33000020269999 unknown. */
static sc_status_resp *standard_list(const sc_key *key, const uint8_t *cert, size_t cert_len,
                                     const uint8_t *ca, size_t ca_len)
{
    sc_status_change ha[2] = { hist_a[0], hist_a[1] };
    sc_status_change hb[1] = { { SC_STATUS_REVOKED, REVOKE, SC_STATUS_REASON_KEY_COMPROMISE } };
    ent e[3] = { { g.b, NULL, hb, 1 }, { g.a, NULL, ha, 2 }, { NULL, "33000020269999", NULL, 0 } };

    ha[0].at = SUSP;
    ha[1].at = RESUME;
    return make_resp(e, 3, key, cert, cert_len, ca, ca_len);
}

static int group_setup(void **state)
{
    const char *o;

    (void)state;
    g.pki = sc_test_pki();
    o = sc_test_pki_other();
    g.n = (int64_t)time(NULL) / 60 * 60 + 60;   /* a whole minute, after the PKI was made */
    g.maker = sc_test_cert(g.pki, "seal-maker", &g.maker_len);
    g.prov = sc_test_cert(g.pki, "signer-prov", &g.prov_len);
    g.city = sc_test_cert(g.pki, "signer-city", &g.city_len);
    g.ss = sc_test_cert(g.pki, "status-signer", &g.ss_len);
    g.ca = sc_test_cert(g.pki, "seal-ca", &g.ca_len);
    g.oss = sc_test_cert(o, "status-signer", &g.oss_len);
    g.oca = sc_test_cert(o, "seal-ca", &g.oca_len);
    g.kmaker = sc_test_key(g.pki, "seal-maker");
    g.kprov = sc_test_key(g.pki, "signer-prov");
    g.kcity = sc_test_key(g.pki, "signer-city");
    g.kss = sc_test_key(g.pki, "status-signer");
    g.koss = sc_test_key(o, "status-signer");
    if (sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &g.png, &g.png_len) != 0 ||
        sc_trust_new(&g.trust, NULL) != 0 || sc_test_add_trust(g.trust, g.pki, "root-ca.pem", 1) ||
        sc_test_add_trust(g.trust, g.pki, "seal-ca.pem", 0))
        return -1;
    g.a = make_seal(ID_A, "某省人力资源和社会保障厅", g.prov, g.prov_len);
    g.b = make_seal(ID_B, "某市市场监督管理局", g.city, g.city_len);
    g.a2 = make_seal(ID_A, "某省人力资源和社会保障厅 (重制)", g.prov, g.prov_len);
    g.list = standard_list(g.kss, g.ss, g.ss_len, g.ca, g.ca_len);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g.maker), free(g.prov), free(g.city), free(g.ss), free(g.ca), free(g.oss);
    free(g.oca), free(g.png);
    sc_key_free(g.kmaker), sc_key_free(g.kprov), sc_key_free(g.kcity), sc_key_free(g.kss);
    sc_key_free(g.koss);
    sc_trust_free(g.trust);
    sc_ses_seal_free(g.a), sc_ses_seal_free(g.b), sc_ses_seal_free(g.a2);
    sc_status_resp_free(g.list);
    return 0;
}

/* A signature over "document" with seal s by the signer of key/cert at time t. */
static sc_ses_sig *sig_at(const sc_ses_seal *s, const sc_key *key, const uint8_t *cert,
                          size_t cert_len, int64_t t)
{
    static const char doc[] = "document";
    sc_ses_sign_params p = { .data = (const uint8_t *)doc, .data_len = sizeof(doc) - 1,
                             .sign_time = t };
    sc_ses_sig *sig = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ses_sign(&sig, s, key, cert, cert_len, &p, &err) != 0)
        fail_msg("sign: %s", err.msg);
    return sig;
}

static sc_ses_sig *sig_a(int64_t t)
{
    return sig_at(g.a, g.kprov, g.prov, g.prov_len, t);
}

static sc_ses_sig *sig_b(int64_t t)
{
    return sig_at(g.b, g.kcity, g.city, g.city_len, t);
}

/* Verify sig with o (trust: g.trust unless o says otherwise) into a new report; frees sig. */
static sc_report *verify_sig(sc_ses_sig *sig, const sc_verify_opts *o)
{
    sc_report *r = NULL;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_report_new(&r, "doc.sig", "signature", NULL), 0);
    if (sc_verify_sig(r, sig, o, &err) != 0)
        fail_msg("sc_verify_sig: %s", err.msg);
    sc_ses_sig_free(sig);
    return r;
}

static sc_verify_opts with_list(const sc_status_resp *r)
{
    sc_verify_opts o = { .trust = g.trust, .status = r };
    return o;
}

#define EXPECT(rep, i, want, frag) SC_TEST_CHECK(rep, i, SC_CHECK_SEAL_STATUS, want, frag)

static const char *tfmt(int64_t t)
{
    static char ring[4][32];
    static int k;
    return sc_time_format(t, ring[k++ % 4], sizeof(ring[0]));
}

/* ---- the status at the signing time ------------------------------------------------------- */

static void verify_sig__good_at_the_signing_time_passes(void **state)
{
    sc_verify_opts o = with_list(g.list);
    sc_report *r = verify_sig(sig_a(S_GOOD), &o);
    char want[200];

    (void)state;
    snprintf(want, sizeof(want), "seal " ID_A " was good at the signing time %s", tfmt(S_GOOD));
    EXPECT(r, 0, SC_RESULT_PASSED, want);
    assert_int_equal(sc_report_exit_code(r), 0);   /* every other check passes too */
    sc_report_free(r);
}

static void verify_sig__suspended_before_the_signing_time_fails_naming_it(void **state)
{
    sc_verify_opts o = with_list(g.list);
    sc_report *r = verify_sig(sig_a(S_SUSP), &o);
    char want[300];

    (void)state;
    snprintf(want, sizeof(want), "seal " ID_A " was suspended at %s (certificateHold), before "
             "the signing time %s; it was resumed only at %s", tfmt(SUSP), tfmt(S_SUSP),
             tfmt(RESUME));
    EXPECT(r, 0, SC_RESULT_FAILED, want);
    assert_int_equal(sc_report_exit_code(r), 1);
    sc_report_free(r);
}

static void verify_sig__resumed_before_the_signing_time_passes(void **state)
{
    sc_verify_opts o = with_list(g.list);
    sc_report *r = verify_sig(sig_a(S_RESUMED), &o);
    char want[200];

    (void)state;
    snprintf(want, sizeof(want), "good at the signing time %s (resumed at %s)", tfmt(S_RESUMED),
             tfmt(RESUME));
    EXPECT(r, 0, SC_RESULT_PASSED, want);
    assert_int_equal(sc_report_exit_code(r), 0);
    sc_report_free(r);
}

static void verify_sig__revoked_after_signing_passes_before_fails(void **state)
{
    sc_verify_opts o = with_list(g.list);
    sc_report *r = verify_sig(sig_b(S_GOOD), &o);
    char want[200];

    (void)state;
    EXPECT(r, 0, SC_RESULT_PASSED, "seal " ID_B " was good at the signing time");
    assert_int_equal(sc_report_exit_code(r), 0);
    sc_report_free(r);
    r = verify_sig(sig_b(S_REVOKED), &o);
    snprintf(want, sizeof(want), "seal " ID_B " was revoked at %s (keyCompromise), before the "
             "signing time %s", tfmt(REVOKE), tfmt(S_REVOKED));
    EXPECT(r, 0, SC_RESULT_FAILED, want);
    assert_int_equal(sc_report_exit_code(r), 1);
    sc_report_free(r);
    /* --at overrides the signing time: the first signature judged after the revocation */
    o.at = S_REVOKED;
    r = verify_sig(sig_b(S_GOOD), &o);
    EXPECT(r, 0, SC_RESULT_FAILED, "revoked at");
    sc_report_free(r);
}

/* ---- responses that cannot be relied on ---------------------------------------------------- */

static void verify_sig__response_of_another_signer_fails(void **state)
{
    /* the other PKI's status signer (chains to a root we do not trust); a seal signer
     * (trusted, but not for signing status) */
    sc_status_resp *other = standard_list(g.koss, g.oss, g.oss_len, g.oca, g.oca_len);
    sc_status_resp *prov = standard_list(g.kprov, g.prov, g.prov_len, g.ca, g.ca_len);
    sc_verify_opts o = with_list(other);
    sc_report *r;

    (void)state;
    r = verify_sig(sig_a(S_GOOD), &o);
    EXPECT(r, 0, SC_RESULT_FAILED, "the status response cannot be trusted: StatusResponse."
                                   "certs[1] at producedAt");
    EXPECT(r, 0, SC_RESULT_FAILED, "unable to get local issuer certificate");
    assert_int_equal(sc_report_exit_code(r), 1);
    sc_report_free(r);
    o.status = prov;
    r = verify_sig(sig_a(S_GOOD), &o);
    EXPECT(r, 0, SC_RESULT_FAILED, "no id-kp-OCSPSigning extended key usage");
    sc_report_free(r);
    sc_status_resp_free(other);
    sc_status_resp_free(prov);
}

static void verify_sig__stale_response_fails(void **state)
{
    sc_verify_opts o = with_list(g.list);
    sc_report *r;

    (void)state;
    o.at = NEXT;   /* N: the last second the response speaks for */
    r = verify_sig(sig_a(S_GOOD), &o);
    EXPECT(r, 0, SC_RESULT_PASSED, NULL);
    sc_report_free(r);
    o.at = NEXT + 1;   /* N+1 */
    r = verify_sig(sig_a(S_GOOD), &o);
    EXPECT(r, 0, SC_RESULT_FAILED, "the status response cannot be trusted: the status response "
                                   "is stale: its nextUpdate");
    sc_report_free(r);
}

static void verify_sig__seal_missing_from_the_list_fails_as_unknown(void **state)
{
    sc_status_change hb[1] = { { SC_STATUS_REVOKED, REVOKE, SC_STATUS_REASON_KEY_COMPROMISE } };
    ent e[2] = { { g.b, NULL, hb, 1 }, { NULL, ID_A, NULL, 0 } };
    sc_status_resp *only_b = make_resp(e, 1, g.kss, g.ss, g.ss_len, g.ca, g.ca_len);
    sc_status_resp *unknown = make_resp(e + 1, 1, g.kss, g.ss, g.ss_len, g.ca, g.ca_len);
    sc_verify_opts o = with_list(only_b);
    sc_report *r;

    (void)state;
    r = verify_sig(sig_a(S_GOOD), &o);
    EXPECT(r, 0, SC_RESULT_FAILED, "the status response has no entry for seal " ID_A);
    sc_report_free(r);
    o.status = unknown;   /* listed, but as never made by the province */
    r = verify_sig(sig_a(S_GOOD), &o);
    EXPECT(r, 0, SC_RESULT_FAILED, "never made seal " ID_A " (status unknown)");
    sc_report_free(r);
    sc_status_resp_free(only_b);
    sc_status_resp_free(unknown);
}

static void verify_sig__another_seal_under_the_same_esid_fails(void **state)
{
    sc_verify_opts o = with_list(g.list);
    sc_report *r = verify_sig(sig_at(g.a2, g.kprov, g.prov, g.prov_len, S_GOOD), &o);

    (void)state;
    EXPECT(r, 0, SC_RESULT_FAILED, "the status response is about another seal " ID_A ": its "
                                   "subjectDigest is not SM3 of this seal");
    sc_report_free(r);
}

/* ---- seals alone, OFD documents --------------------------------------------------------- */

static void verify_seal__is_judged_now_or_at(void **state)
{
    sc_verify_opts o = with_list(g.list);
    sc_report *r = NULL;
    char want[200];

    (void)state;
    assert_int_equal(sc_report_new(&r, "b.esl", "seal", NULL), 0);
    assert_int_equal(sc_verify_seal(r, g.b, &o, NULL), 0);   /* now: before the revocation */
    EXPECT(r, 0, SC_RESULT_PASSED, "seal " ID_B " was good at the verification time");
    o.at = S_REVOKED;
    assert_int_equal(sc_verify_seal(r, g.b, &o, NULL), 0);
    snprintf(want, sizeof(want), "revoked at %s (keyCompromise), before the verification time %s",
             tfmt(REVOKE), tfmt(S_REVOKED));
    EXPECT(r, 1, SC_RESULT_FAILED, want);
    sc_report_free(r);
}

static int mem_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    struct { uint8_t *p; size_t n; } *m = ctx;
    uint8_t *q = realloc(m->p, m->n + n);

    if (q == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    memcpy(q + m->n, p, n);
    m->p = q;
    m->n += n;
    return 0;
}

/* Stamp seal s (signer key/cert) at t onto the OFD in; a new package. */
static uint8_t *stamp(const uint8_t *in, size_t in_len, const sc_ses_seal *s, const sc_key *key,
                      const uint8_t *cert, size_t cert_len, int64_t t, double x, size_t *len)
{
    sc_ofd_sign_params p = { .seal = s, .key = key, .cert = cert, .cert_len = cert_len,
                             .place = SC_OFD_PLACE_PAGE_XY, .page = 1, .x_mm = x, .y_mm = 100,
                             .sign_time = t };
    struct { uint8_t *p; size_t n; } m = { NULL, 0 };
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_ofd_pkg_open_mem(&pkg, in, in_len, NULL), 0);
    if (sc_ofd_sign(pkg, &p, mem_sink, &m, NULL, &err) != 0)
        fail_msg("sc_ofd_sign: %s", err.msg);
    sc_ofd_pkg_free(pkg);
    *len = m.n;
    return m.p;
}

static void verify_ofd__only_the_revoked_seals_signature_fails(void **state)
{
    sc_ofd_doc *doc = NULL;
    uint8_t *d0 = NULL, *d1, *d2;
    size_t l0 = 0, l1, l2;
    sc_verify_opts o = with_list(g.list);
    sc_report *r = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_ofd_doc_new(&doc, 210, 297, NULL), 0);
    assert_int_equal(sc_ofd_doc_add_page(doc, NULL, NULL), 0);
    assert_int_equal(sc_ofd_doc_write_mem(doc, &d0, &l0, NULL), 0);
    d1 = stamp(d0, l0, g.a, g.kprov, g.prov, g.prov_len, S_GOOD, 60, &l1);
    d2 = stamp(d1, l1, g.b, g.kcity, g.city, g.city_len, S_REVOKED, 150, &l2);
    assert_int_equal(sc_report_new(&r, "two.ofd", NULL, NULL), 0);
    if (sc_verify_ofd_mem(r, d2, l2, &o, &err) != 0)
        fail_msg("sc_verify_ofd_mem: %s", err.msg);
    assert_int_equal(sc_report_item_count(r), 2);
    EXPECT(r, 0, SC_RESULT_PASSED, "seal " ID_A " was good at the signing time");
    EXPECT(r, 1, SC_RESULT_FAILED, "seal " ID_B " was revoked at");
    for (int c = 0; c < SC_CHECK_COUNT; c++) {   /* nothing else fails, in either item */
        char m[1600];
        for (size_t i = 0; i < 2; i++)
            if (c != SC_CHECK_SEAL_STATUS && c != SC_CHECK_TIMESTAMP &&
                sc_report_get_check(r, i, (sc_check)c, NULL) != SC_RESULT_NONE &&
                !sc_test_check_is(r, i, (sc_check)c, SC_RESULT_PASSED, NULL, m, sizeof(m)))
                fail_msg("item %zu: %s", i, m);
    }
    assert_int_equal(sc_report_exit_code(r), 1);
    sc_report_free(r);
    sc_ofd_doc_free(doc);
    free(d0), free(d1), free(d2);
}

/* ---- skip rules ------------------------------------------------------------------------- */

static void verify_sig__without_a_status_is_skipped_and_still_valid(void **state)
{
    sc_verify_opts o = { .trust = g.trust };
    sc_report *r = verify_sig(sig_a(S_SUSP), &o);   /* suspended, but nobody asked */

    (void)state;
    EXPECT(r, 0, SC_RESULT_SKIPPED, "no status response was given (--status URL or "
                                    "--status-list FILE)");
    assert_int_equal(sc_report_exit_code(r), 0);
    sc_report_free(r);
}

static void verify_sig__status_without_anchors_is_skipped_and_not_valid(void **state)
{
    sc_verify_opts o = { .status = g.list };
    sc_report *r = verify_sig(sig_a(S_GOOD), &o);

    (void)state;
    EXPECT(r, 0, SC_RESULT_SKIPPED, "no trust anchors were given (--trust CA.pem), so the status "
                                    "response's signer could not be chained");
    assert_int_equal(sc_report_exit_code(r), 1);
    sc_report_free(r);
}

struct asked {
    const sc_status_resp *give;
    int rc, calls;
    char last[64];
};

static int ask(void *ctx, const char *es_id, const sc_status_resp **out, sc_err *err)
{
    struct asked *a = ctx;

    a->calls++;
    snprintf(a->last, sizeof(a->last), "%s", es_id);
    if (a->rc != 0)
        return sc_err_set(err, a->rc, "GET https://status.test/api/v1/seals/%s/status: HTTP 503",
                          es_id);
    *out = a->give;
    return 0;
}

static void verify_sig__status_fn_is_asked_per_seal(void **state)
{
    struct asked a = { g.list, 0, 0, "" };
    sc_verify_opts o = { .trust = g.trust, .status_fn = ask, .status_ctx = &a };
    sc_report *r;
    sc_err err = SC_ERR_INIT;
    sc_ses_sig *sig;

    (void)state;
    r = verify_sig(sig_b(S_REVOKED), &o);
    assert_true(a.calls == 1 && strcmp(a.last, ID_B) == 0);
    EXPECT(r, 0, SC_RESULT_FAILED, "revoked at");
    sc_report_free(r);
    a.give = NULL;   /* none for this seal: as if no status was given */
    r = verify_sig(sig_b(S_GOOD), &o);
    EXPECT(r, 0, SC_RESULT_SKIPPED, "no status response was given");
    assert_int_equal(sc_report_exit_code(r), 0);
    sc_report_free(r);
    a.rc = SC_EIO;   /* could not be had: skipped, and the item is not valid */
    r = verify_sig(sig_b(S_GOOD), &o);
    EXPECT(r, 0, SC_RESULT_SKIPPED, "the status of seal " ID_B " could not be obtained: GET "
                                    "https://status.test/api/v1/seals/" ID_B "/status: HTTP 503");
    assert_int_equal(sc_report_exit_code(r), 1);
    sc_report_free(r);
    a.rc = SC_ENOMEM;   /* ends the verification */
    assert_int_equal(sc_report_new(&r, "x", NULL, NULL), 0);
    sig = sig_b(S_GOOD);
    assert_int_equal(sc_verify_sig(r, sig, &o, &err), SC_ENOMEM);
    sc_ses_sig_free(sig);
    sc_report_free(r);
    a.calls = 0;   /* a response given in status wins: the function is not asked */
    o.status = g.list;
    r = verify_sig(sig_b(S_GOOD), &o);
    assert_int_equal(a.calls, 0);
    EXPECT(r, 0, SC_RESULT_PASSED, NULL);
    sc_report_free(r);
    o.status = NULL;   /* without anchors nothing fetched could be trusted: not asked */
    o.trust = NULL;
    r = verify_sig(sig_b(S_GOOD), &o);
    assert_int_equal(a.calls, 0);
    EXPECT(r, 0, SC_RESULT_SKIPPED, "no trust anchors were given");
    sc_report_free(r);
}

/* ---- what the report shows -------------------------------------------------------------- */

static void report_to_json__has_seal_status_after_seal_validity(void **state)
{
    sc_verify_opts o = with_list(g.list);
    sc_report *r = verify_sig(sig_a(S_SUSP), &o);
    char *s = NULL;
    json_t *j, *it, *v;
    const char *k, *prev = NULL;
    json_error_t je;

    (void)state;
    assert_int_equal(sc_report_to_json(r, &s, NULL), 0);
    assert_non_null(j = json_loads(s, 0, &je));
    assert_true(json_is_false(json_object_get(j, "valid")));
    it = json_array_get(json_object_get(j, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(it, "checks"),
                                                          "seal_status")), "failed");
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(it, "reasons"),
                                                             "seal_status")),
                           "was suspended at"));
    json_object_foreach(json_object_get(it, "checks"), k, v) {
        if (strcmp(k, "seal_status") == 0)
            assert_string_equal(prev, "seal_validity");
        prev = k;
    }
    json_decref(j);
    free(s);
    assert_int_equal(sc_report_to_text(r, &s, NULL), 0);
    assert_non_null(strstr(s, "[FAIL] seal_status      seal " ID_A " was suspended at"));
    free(s);
    sc_report_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verify_sig__good_at_the_signing_time_passes),
        cmocka_unit_test(verify_sig__suspended_before_the_signing_time_fails_naming_it),
        cmocka_unit_test(verify_sig__resumed_before_the_signing_time_passes),
        cmocka_unit_test(verify_sig__revoked_after_signing_passes_before_fails),
        cmocka_unit_test(verify_sig__response_of_another_signer_fails),
        cmocka_unit_test(verify_sig__stale_response_fails),
        cmocka_unit_test(verify_sig__seal_missing_from_the_list_fails_as_unknown),
        cmocka_unit_test(verify_sig__another_seal_under_the_same_esid_fails),
        cmocka_unit_test(verify_seal__is_judged_now_or_at),
        cmocka_unit_test(verify_ofd__only_the_revoked_seals_signature_fails),
        cmocka_unit_test(verify_sig__without_a_status_is_skipped_and_still_valid),
        cmocka_unit_test(verify_sig__status_without_anchors_is_skipped_and_not_valid),
        cmocka_unit_test(verify_sig__status_fn_is_asked_per_seal),
        cmocka_unit_test(report_to_json__has_seal_status_after_seal_validity),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

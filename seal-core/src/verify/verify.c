/* verify.c: the checks of a seal and of a seal signature, in the order GB/T 38540 verifies
 * them (spec/ses-asn1.md §9), each filling one named result of the report, then seal_status
 * (spec/status.asn1, "Verifier rule") from the province's signed status response.
 * Not here: the report object (report.c), chains (cert/trust.c), tokens (tsa/), reading and
 * trusting status responses (status/). */
#include "verify_int.h"
#include "cert/cert_int.h"
#include "crypto/crypto_int.h"
#include "ses/ses_int.h"
#include "sealcore/time.h"
#include "tsa/tsa_int.h"

#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#define UNKNOWN_TIME "the signing time is unknown (V1 timeInfo is not a time), so validity " \
                     "could not be judged; give --at TIME"
#define NO_STATUS "no status response was given (--status URL or --status-list FILE)"

/* What the checks of one item share. */
typedef struct ctx {
    const sc_verify_opts *o;
    sc_item *it;
    X509 *maker, *signer;   /* NULL when unreadable (structure has failed then) */
    int64_t when;           /* the time certificates and seal validity are judged at */
    int has_when;
} ctx;

int sc__verify_has_anchors(const sc_verify_opts *o)
{
    return o->trust != NULL && sc_trust_anchor_count(o->trust) > 0;
}

/* certListType 1 lists certificates: each must at least have a certificate's outer shape
 * (SEQUENCE{tbs, algorithm, BIT STRING}), or no signer can ever match it. A full X.509 parse
 * here would cost a third of an SM2 verification for every document. */
static const char *listed_certs_readable(const sc_ses_seal *s, char *buf, size_t n)
{
    for (size_t k = 0; s->digest_types == NULL && k < s->cert_count; k++) {
        sc_der r, c;
        sc_tlv t;
        sc__der_init(&r, s->certs[k].p, s->certs[k].len);
        if (sc__der_enter(&r, SC_TAG_SEQUENCE, &c, NULL, "", NULL) != 0 ||
            sc__der_leave(&r, "", NULL) != 0 ||
            sc__der_get(&c, SC_TAG_SEQUENCE, &t, "", NULL) != 0 ||
            sc__der_get(&c, SC_TAG_SEQUENCE, &t, "", NULL) != 0 ||
            sc__der_get(&c, SC_TAG_BIT_STRING, &t, "", NULL) != 0 || sc__der_more(&c)) {
            snprintf(buf, n, "certList entry %zu is not a DER X.509 certificate", k);
            return buf;
        }
    }
    return NULL;
}

/* Semantic checks on a parsed seal; returns the first problem or NULL. */
static const char *seal_structure(const sc_ses_seal *s, char *buf, size_t n)
{
    const sc_ses_seal_info *i = &s->info;

    if (strcmp(i->header_id, "ES") != 0)
        snprintf(buf, n, "SES_Header.ID is \"%.20s\", not \"ES\"", i->header_id);
    else if (i->layout != 1 && i->version != i->layout)
        snprintf(buf, n, "SES_Header.version is %lld but the structure is that of V%d",
                 (long long)i->version, i->layout);
    else if (strcmp(i->sig_alg, SC_OID_SM2_SM3) != 0)
        snprintf(buf, n, "seal signature algorithm %s is not SM2-with-SM3 (%s)", i->sig_alg,
                 SC_OID_SM2_SM3);
    /* The list's shape says what it holds (OCTET STRINGs: certificates; SEQUENCEs: digests),
     * and certListType must not contradict it. Other values than 1 and 2 are read as 1 when
     * the list holds certificates: BaiWang writes 3 there, and the signer must still be in
     * the list byte for byte (signer_in_seal), so nothing is taken on the type's word. */
    else if ((i->cert_list_type == 2) != (s->digest_types != NULL) && i->cert_count > 0)
        snprintf(buf, n, "certListType %lld does not match the list, which holds %s",
                 (long long)i->cert_list_type, s->digest_types ? "digests" : "certificates");
    else if (i->cert_count == 0)
        snprintf(buf, n, "the seal lists no signer certificate");
    else if (i->valid_start > i->valid_end)
        snprintf(buf, n, "validStart is after validEnd");
    else
        return listed_certs_readable(s, buf, n);
    return buf;
}

static void check_seal_structure(ctx *c, const sc_ses_seal *s, char *buf, size_t n)
{
    size_t len;
    const uint8_t *der = sc_ses_seal_get_maker_cert(s, &len);
    sc_err e = SC_ERR_INIT;
    const char *why = seal_structure(s, buf, n);

    c->maker = sc__trust_cert(c->o->trust, der, len, "maker certificate", &e);
    if (why == NULL && c->maker == NULL)
        why = e.msg;
    if (why == NULL && c->signer == NULL && strcmp(c->it->kind, "signature") == 0)
        why = "the signer certificate is not a readable X.509 certificate";
    if (why != NULL)
        sc__item_set(c->it, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, "%s", why);
    else
        sc__item_set(c->it, SC_CHECK_STRUCTURE, SC_RESULT_PASSED, NULL);
}

void sc__verify_signature(sc_item *it, sc_check which, X509 *cert, const uint8_t *tbs,
                          size_t tbs_len, const uint8_t *sig, size_t sig_len, const char *who)
{
    sc_err e = SC_ERR_INIT;
    EVP_PKEY *pk;

    if (cert == NULL || (pk = X509_get0_pubkey(cert)) == NULL) {
        sc__item_set(it, which, SC_RESULT_FAILED, "the %s certificate is unreadable", who);
        return;
    }
    if (!EVP_PKEY_is_a(pk, "SM2")) {   /* the algorithm is SM2-with-SM3 (structure says so) */
        sc__item_set(it, which, SC_RESULT_FAILED, "the %s certificate's key is not an SM2 "
                     "key, but the signature algorithm is SM2-with-SM3", who);
        return;
    }
    if (sc__sig_verify(pk, NULL, tbs, tbs_len, sig, sig_len, &e) == 1)
        sc__item_set(it, which, SC_RESULT_PASSED, NULL);
    else
        sc__item_set(it, which, SC_RESULT_FAILED, "%s signature: %s", who, e.msg);
}

void sc__verify_signer_cert(sc_item *it, X509 *signer, int64_t when, int has_when,
                            const char *unknown)
{
    char a[32], b[32], t[32];
    uint32_t ku;

    if (signer == NULL) {
        sc__item_set(it, SC_CHECK_SIGNER_CERT, SC_RESULT_FAILED,
                     "the signer certificate is unreadable");
        return;
    }
    if (!has_when) {
        sc__item_skip_blocking(it, SC_CHECK_SIGNER_CERT, unknown);
        return;
    }
    int64_t nb, na;
    if (sc__asn1_time(X509_get0_notBefore(signer), &nb) != 0 ||
        sc__asn1_time(X509_get0_notAfter(signer), &na) != 0) {
        sc__item_set(it, SC_CHECK_SIGNER_CERT, SC_RESULT_FAILED,
                     "the signer certificate's validity period cannot be read");
        return;
    }
    if (when < nb || when >= na) {   /* OpenSSL: notAfter itself is expired */
        sc__item_set(it, SC_CHECK_SIGNER_CERT, SC_RESULT_FAILED,
                     "the signer certificate is valid from %s to %s, not at %s",
                     sc_time_format(nb, a, sizeof(a)), sc_time_format(na, b, sizeof(b)),
                     sc_time_format(when, t, sizeof(t)));
        return;
    }
    ku = X509_get_key_usage(signer);   /* UINT32_MAX when the extension is absent */
    if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
        sc__item_set(it, SC_CHECK_SIGNER_CERT, SC_RESULT_FAILED,
                     "the signer certificate's key usage allows neither digitalSignature nor "
                     "nonRepudiation");
        return;
    }
    sc__item_set(it, SC_CHECK_SIGNER_CERT, SC_RESULT_PASSED, NULL);
}

int sc__verify_chain_one(const sc_trust *trust, X509 *x, int64_t at, const char *who, char *why,
                         size_t n, sc_err *err)
{
    char inner[400];
    int rc;

    if (x == NULL) {
        snprintf(why, n, "the %s certificate is unreadable", who);
        return 0;
    }
    rc = sc__trust_verify(trust, x, at, inner, sizeof(inner), err);
    if (rc == 0) {
        char t[32];
        snprintf(why, n, "%s certificate at %s: %s", who, sc_time_format(at, t, sizeof(t)), inner);
    }
    return rc;
}

/* The maker is judged when the seal was made (GM/T 0031-2025 accepts a maker certificate that
 * expired since); the signer when the signature was made. */
static int check_chain(ctx *c, const sc_ses_seal *s, sc_err *err)
{
    char why[1300];
    int rc;

    if (!sc__verify_has_anchors(c->o)) {
        sc__item_skip_no_trust(c->it, SC_CHECK_CERT_CHAIN);
        return 0;
    }
    /* both chains are judged, and both failures named: the maker's at createDate is known
     * even when the signing time is not */
    char swhy[600] = "", mwhy[600] = "";
    int signer_rc = 1, unknown = 0;
    if (strcmp(c->it->kind, "signature") == 0) {
        if (!c->has_when)
            unknown = 1;
        else if ((signer_rc = sc__verify_chain_one(c->o->trust, c->signer, c->when, "signer",
                                                   swhy, sizeof(swhy), err)) < 0)
            return signer_rc;
    }
    rc = sc__verify_chain_one(c->o->trust, c->maker, c->o->at ? c->o->at : s->info.created,
                              "maker", mwhy, sizeof(mwhy), err);
    if (rc < 0)
        return rc;
    if (rc == 1 && signer_rc == 1 && unknown) {
        sc__item_skip_blocking(c->it, SC_CHECK_CERT_CHAIN, UNKNOWN_TIME);
        return 0;
    }
    snprintf(why, sizeof(why), "%s%s%s", swhy, signer_rc == 0 && rc == 0 ? "; " : "", mwhy);
    rc = rc == 1 && signer_rc == 1;
    sc__item_set(c->it, SC_CHECK_CERT_CHAIN, rc == 1 ? SC_RESULT_PASSED : SC_RESULT_FAILED,
                 rc == 1 ? NULL : "%s", why);
    return 0;
}

static void check_validity(ctx *c, const sc_ses_seal *s)
{
    char a[32], b[32], t[32];

    if (!c->has_when) {
        sc__item_skip_blocking(c->it, SC_CHECK_SEAL_VALIDITY, UNKNOWN_TIME);
    } else if (c->when < s->info.valid_start || c->when > s->info.valid_end) {
        sc__item_set(c->it, SC_CHECK_SEAL_VALIDITY, SC_RESULT_FAILED,
                     "the seal is valid from %s to %s, not at %s",
                     sc_time_format(s->info.valid_start, a, sizeof(a)),
                     sc_time_format(s->info.valid_end, b, sizeof(b)),
                     sc_time_format(c->when, t, sizeof(t)));
    } else {
        sc__item_set(c->it, SC_CHECK_SEAL_VALIDITY, SC_RESULT_PASSED, NULL);
    }
}

void sc__verify_wording(char *why, size_t n)
{
    static const char from[] = "the signing time";
    char *p = strstr(why, from), rest[600];

    if (p == NULL)
        return;
    snprintf(rest, sizeof(rest), "%s", p + sizeof(from) - 1);
    snprintf(p, n - (size_t)(p - why), "the verification time%s", rest);
}

/* The response that speaks for seal s: o->status, else what o->status_fn hands out.
 * @return 0 with *r (NULL: none; seal_status is then set), or SC_ENOMEM (err) */
static int status_for(ctx *c, const sc_ses_seal *s, const sc_status_resp **r, sc_err *err)
{
    const sc_verify_opts *o = c->o;
    sc_err e = SC_ERR_INIT;
    int rc;

    *r = o->status;
    if (*r == NULL && o->status_fn != NULL) {
        rc = o->status_fn(o->status_ctx, s->info.es_id, r, &e);
        if (rc == SC_ENOMEM)
            return sc_err_set(err, rc, "%s", e.msg[0] ? e.msg : "out of memory");
        if (rc != 0) {   /* could not be checked: nothing it guards may be taken as shown */
            char why[SC_ERR_MSG_MAX + 80];
            snprintf(why, sizeof(why), "the status of seal %.100s could not be obtained: %s",
                     s->info.es_id, e.msg[0] ? e.msg : "no reason given");
            sc__item_skip_blocking(c->it, SC_CHECK_SEAL_STATUS, why);
            *r = NULL;
            return 0;
        }
    }
    if (*r == NULL)   /* none for this seal: as if none was asked for */
        sc__item_set(c->it, SC_CHECK_SEAL_STATUS, SC_RESULT_SKIPPED, NO_STATUS);
    return 0;
}

/* seal_status: the response verifies with the trust anchors and is fresh at the check time
 * (rules 1 and 3), and says that this seal (its esID and the SM3 of its DER) was good at the
 * time judged (rules 2 and 4): the signing time for signatures, now for seals; --at for both.
 * The response is verified for every item (an OFD's signatures may name different seals);
 * what depends on the response alone, its signature above all, is checked only the first
 * time (status_verify.c), so this costs little after the first item. */
static int check_status(ctx *c, const sc_ses_seal *s, sc_err *err)
{
    const sc_verify_opts *o = c->o;
    const sc_status_resp *r = NULL;
    sc_status_verify_opts so = { o->trust, NULL, 0, o->at ? o->at : (int64_t)time(NULL) };
    sc_status_verdict v;
    sc_err e = SC_ERR_INIT;
    const uint8_t *der;
    uint8_t h[32];
    size_t len;
    char why[600] = "";
    int rc, valid = 0;

    if (o->status == NULL && o->status_fn == NULL) {
        /* not asked for, like data_hash without data: the item may still be valid */
        sc__item_set(c->it, SC_CHECK_SEAL_STATUS, SC_RESULT_SKIPPED, NO_STATUS);
        return 0;
    }
    /* asked for but impossible: skipped, and nothing it guards may be taken as shown (a
     * status server is not even asked then) */
    if (!sc__verify_has_anchors(o)) {
        sc__item_skip_blocking(c->it, SC_CHECK_SEAL_STATUS, "no trust anchors were given "
                               "(--trust CA.pem), so the status response's signer could not "
                               "be chained to a trusted root");
        return 0;
    }
    if (!c->has_when) {
        sc__item_skip_blocking(c->it, SC_CHECK_SEAL_STATUS, UNKNOWN_TIME);
        return 0;
    }
    if ((rc = status_for(c, s, &r, err)) != 0 || r == NULL)
        return rc;
    rc = sc_status_resp_verify(r, &so, &valid, why, sizeof(why), &e);
    if (rc == SC_ENOMEM)
        return sc_err_set(err, rc, "%s", e.msg);
    if (rc != 0 || !valid) {
        sc__item_set(c->it, SC_CHECK_SEAL_STATUS, SC_RESULT_FAILED, "the status response "
                     "cannot be trusted: %s", rc != 0 ? e.msg : why);
        return 0;
    }
    der = sc_ses_seal_get_der(s, &len);
    if ((rc = sc__sm3(der, len, h, err)) != 0)
        return rc;
    if (sc_status_at(r, s->info.es_id, h, c->when, &v, why, sizeof(why), &e) != 0) {
        sc__item_set(c->it, SC_CHECK_SEAL_STATUS, SC_RESULT_FAILED, "%s", e.msg);
        return 0;
    }
    if (strcmp(c->it->kind, "seal") == 0)
        sc__verify_wording(why, sizeof(why));
    /* the reason is kept when it passes too: it says which status and time were relied on */
    sc__item_set(c->it, SC_CHECK_SEAL_STATUS, v.good ? SC_RESULT_PASSED : SC_RESULT_FAILED,
                 "%s", why);
    return 0;
}

int sc__verify_timestamp(sc_item *it, const sc_trust *trust, const uint8_t *token, size_t len,
                         const uint8_t *value, size_t value_len, sc_err *err)
{
    char why[400], t[32];
    int64_t gen = 0;
    int rc;

    if (token == NULL) {
        sc__item_set(it, SC_CHECK_TIMESTAMP, SC_RESULT_SKIPPED, "no time-stamp token present");
        return 0;
    }
    rc = sc__tsa_verify(token, len, value, value_len, trust, &gen, why, sizeof(why), err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        sc__item_set(it, SC_CHECK_TIMESTAMP, SC_RESULT_FAILED, "%s", why);
    else if (rc == 2)
        sc__item_set(it, SC_CHECK_TIMESTAMP, SC_RESULT_PASSED,
                     "time-stamped at %s; the TSA certificate was not chained (no trust anchors)",
                     sc_time_format(gen, t, sizeof(t)));
    else
        sc__item_set(it, SC_CHECK_TIMESTAMP, SC_RESULT_PASSED, "time-stamped at %s",
                     sc_time_format(gen, t, sizeof(t)));
    return 0;
}

static void describe(sc_item *it, const sc_ses_seal *s, X509 *signer)
{
    char name[256];

    it->version = s->info.version;
    sc__item_text(&it->seal_id, s->info.es_id);
    sc__item_text(&it->seal_name, s->info.name);
    if (signer != NULL) {
        sc__cert_name(signer, name, sizeof(name));
        sc__item_text(&it->signer, name);
    }
}

static void ctx_free(ctx *c)
{
    X509_free(c->maker);
    X509_free(c->signer);
}

int sc_verify_seal(sc_report *rep, const sc_ses_seal *s, const sc_verify_opts *o, sc_err *err)
{
    ctx c = { o, NULL, NULL, NULL, o->at ? o->at : (int64_t)time(NULL), 1 };
    char buf[300];
    const uint8_t *tbs, *sig, *ts;
    size_t tbs_len, sig_len, ts_len;
    int rc;

    if ((c.it = sc__report_add_item(rep, "seal", err)) == NULL)
        return err ? err->code : SC_ENOMEM;
    check_seal_structure(&c, s, buf, sizeof(buf));
    describe(c.it, s, NULL);
    if ((rc = check_chain(&c, s, err)) != 0)
        goto out;
    tbs = sc_ses_seal_get_tbs(s, &tbs_len);
    sig = sc_ses_seal_get_signature(s, &sig_len);
    sc__verify_signature(c.it, SC_CHECK_SEAL_SIGNATURE, c.maker, tbs, tbs_len, sig, sig_len,
                         "maker");
    check_validity(&c, s);
    if ((rc = check_status(&c, s, err)) != 0)
        goto out;
    if (s->info.layout == 5) {
        ts = sc_ses_seal_get_timestamp(s, &ts_len);
        rc = sc__verify_timestamp(c.it, o->trust, ts, ts_len, sig, sig_len, err);
    }
out:
    ctx_free(&c);
    return rc;
}

int sc_verify_sig(sc_report *rep, const sc_ses_sig *g, const sc_verify_opts *o, sc_err *err)
{
    sc_item *it = sc__report_add_item(rep, "signature", err);

    if (it == NULL)
        return err ? err->code : SC_ENOMEM;
    return sc__verify_sig_item(it, g, o, err);
}

int sc__verify_sig_item(sc_item *it, const sc_ses_sig *g, const sc_verify_opts *o, sc_err *err)
{
    const sc_ses_seal *s = g->seal;
    ctx c = { o, it, NULL, NULL, o->at ? o->at : g->info.sign_time,
              o->at != 0 || g->info.has_sign_time };
    sc_err e = SC_ERR_INIT;
    char buf[300];
    const uint8_t *tbs, *sig;
    size_t tbs_len, sig_len;
    int rc;

    c.it->version = g->info.version;
    c.it->has_time = g->info.has_sign_time;
    c.it->sign_time = g->info.sign_time;
    c.signer = sc__trust_cert(o->trust, g->cert.p, g->cert.len, "signer certificate", &e);
    check_seal_structure(&c, s, buf, sizeof(buf));
    if (c.it->res[SC_CHECK_STRUCTURE] == SC_RESULT_PASSED) {
        if (g->info.layout != 1 && g->info.version != s->info.version)
            sc__item_set(c.it, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, "TBS_Sign.version %lld "
                         "differs from the seal's version %lld", (long long)g->info.version,
                         (long long)s->info.version);
        else if (strcmp(g->sig_alg, SC_OID_SM2_SM3) != 0)
            sc__item_set(c.it, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, "signature algorithm %s is "
                         "not SM2-with-SM3 (%s)", g->sig_alg, SC_OID_SM2_SM3);
    }
    describe(c.it, s, c.signer);
    c.it->version = g->info.version;
    tbs = sc_ses_sig_get_tbs(g, &tbs_len);
    sig = sc_ses_sig_get_signature(g, &sig_len);
    sc__verify_signature(c.it, SC_CHECK_SIGNER_SIGNATURE, c.signer, tbs, tbs_len, sig, sig_len,
                         "signer");
    sc__verify_signer_cert(c.it, c.signer, c.when, c.has_when, UNKNOWN_TIME);
    if ((rc = check_chain(&c, s, err)) != 0)
        goto out;
    rc = sc_ses_seal_lists_cert(s, g->cert.p, g->cert.len, &e);
    if (rc == 1)
        sc__item_set(c.it, SC_CHECK_SIGNER_IN_SEAL, SC_RESULT_PASSED, NULL);
    else
        sc__item_set(c.it, SC_CHECK_SIGNER_IN_SEAL, SC_RESULT_FAILED, "%s", rc < 0 ? e.msg :
                     "the signer certificate is not in the seal's certificate list: this seal "
                     "was not made for this signer");
    tbs = sc_ses_seal_get_tbs(s, &tbs_len);
    {
        size_t mlen;
        const uint8_t *msig = sc_ses_seal_get_signature(s, &mlen);
        sc__verify_signature(c.it, SC_CHECK_SEAL_SIGNATURE, c.maker, tbs, tbs_len, msig, mlen,
                             "maker");
    }
    check_validity(&c, s);
    if ((rc = check_status(&c, s, err)) != 0)
        goto out;
    if (o->data == NULL && o->data_sm3 == NULL) {
        sc__item_set(c.it, SC_CHECK_DATA_HASH, SC_RESULT_SKIPPED,
                     "the signed data was not given (--data FILE)");
    } else {
        uint8_t h[32];
        if (o->data != NULL && (rc = sc__sm3(o->data, o->data_len, h, err)) != 0)
            goto out;
        if (o->data == NULL)
            memcpy(h, o->data_sm3, 32);
        if (g->data_hash.len == 32 && memcmp(h, g->data_hash.p, 32) == 0)
            sc__item_set(c.it, SC_CHECK_DATA_HASH, SC_RESULT_PASSED, NULL);
        else
            sc__item_set(c.it, SC_CHECK_DATA_HASH, SC_RESULT_FAILED,
                         "SM3 of the given data differs from dataHash: the data is not what was "
                         "signed");
    }
    rc = sc__verify_timestamp(c.it, o->trust, g->info.timestamp, g->info.timestamp_len, sig,
                              sig_len, err);
out:
    ctx_free(&c);
    return rc;
}

/* SES_SealInfo opens with the header SEQUENCE; TBS_Sign opens with the version INTEGER.
 * Only headers are read, not lengths, so a truncated file is still told apart and its parser
 * names the field at fault. */
static int skip_header(const uint8_t *p, size_t n, size_t *hdr)
{
    if (n < 2 || p[1] == 0x80 || (p[1] > 0x80 && (size_t)(p[1] & 0x7f) + 2 > n))
        return -1;
    *hdr = p[1] < 0x80 ? 2 : 2 + (size_t)(p[1] & 0x7f);
    return 0;
}

static int looks_like_signature(const uint8_t *der, size_t len)
{
    size_t h1, h2;

    if (len == 0 || der[0] != SC_TAG_SEQUENCE || skip_header(der, len, &h1) != 0 ||
        len - h1 < 1 || der[h1] != SC_TAG_SEQUENCE || skip_header(der + h1, len - h1, &h2) != 0 ||
        len - h1 - h2 < 1)
        return 0;
    return der[h1 + h2] == SC_TAG_INTEGER;
}

int sc_verify_der(sc_report *rep, const uint8_t *der, size_t len, const sc_verify_opts *o,
                  sc_err *err)
{
    sc_err perr = SC_ERR_INIT;
    int is_sig = looks_like_signature(der, len), rc;
    sc_ses_sig *g = NULL;
    sc_ses_seal *s = NULL;

    if ((rc = sc_report_set_format(rep, is_sig ? "signature" : "seal", err)) != 0)
        return rc;
    rc = is_sig ? sc_ses_sig_parse(&g, der, len, &perr) : sc_ses_seal_parse(&s, der, len, &perr);
    if (rc != 0)   /* unreadable input is a finding of the report, not a failed call */
        return perr.code == SC_ENOMEM ? sc_err_set(err, SC_ENOMEM, "out of memory")
                                      : sc_report_add_error(rep, perr.msg, err);
    rc = is_sig ? sc_verify_sig(rep, g, o, err) : sc_verify_seal(rep, s, o, err);
    sc_ses_sig_free(g);
    sc_ses_seal_free(s);
    return rc;
}

/* status_verify.c: whether a StatusResponse can be trusted (the "Verifier rule" 1 and 3 of
 * spec/status.asn1), and what it says about one seal at a signing time (rules 2 and 4).
 *
 * The signature is checked over tbsStatus exactly as read, and must be the canonical DER
 * SM2Signature our writer makes: certs is outside the signature, so it is checked as a chain
 * (each certificate issued and signed by the next, the last self-signed or chaining to an
 * anchor) — a response whose every byte is either signed or checked cannot be altered
 * unnoticed. The status signer chains through the caller's trust store (anchors and
 * intermediates, as for seal signers); embedded CA certificates do not extend the store.
 * Not here: reading (status.c), making (status_make.c), the report item (verify/, later). */
#include "status_int.h"
#include "cert/cert_int.h"
#include "crypto/crypto_int.h"
#include "sealcore/time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

/* SM3 of the certificate's subjectPublicKey BIT STRING value (OCSP's byKey, with SM3). */
static int key_hash(X509 *x, uint8_t out[32], sc_err *err)
{
    const ASN1_BIT_STRING *pk = X509_get0_pubkey_bitstr(x);

    if (pk == NULL)
        return sc_err_set(err, SC_EFORMAT, "certificate without a public key");
    return sc__sm3(ASN1_STRING_get0_data(pk), (size_t)ASN1_STRING_length(pk), out, err);
}

/* The signature value must be what our writer makes: canonical DER, nothing else (the
 * liberal reading of vendors' seal signatures has no place in our own format). */
static int signature_ok(const sc_status_resp *r, X509 *signer, const char *name, char *why,
                        size_t n, sc_err *err)
{
    EVP_PKEY *pk = X509_get0_pubkey(signer);
    uint8_t *norm = NULL;
    size_t norm_len = 0;
    sc_err e = SC_ERR_INIT;
    int rc;

    if (pk == NULL || !EVP_PKEY_is_a(pk, "SM2")) {
        snprintf(why, n, "the status-signer certificate \"%s\" does not carry an SM2 key", name);
        return 0;
    }
    if ((rc = sc__sm2_sig_normalize(r->sig.p, r->sig.len, &norm, &norm_len, &e)) != 0 ||
        norm_len != r->sig.len || memcmp(norm, r->sig.p, norm_len) != 0) {
        free(norm);
        if (rc == SC_ENOMEM)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        snprintf(why, n, "StatusResponse.signature: not a canonical DER SM2Signature");
        return 0;
    }
    free(norm);
    rc = sc__sig_verify(pk, NULL, r->tbs.p, r->tbs.len, r->sig.p, r->sig.len, &e);
    if (rc < 0)
        return sc_err_set(err, rc, "%s", e.msg);
    if (rc == 0)
        snprintf(why, n, "the status response's signature does not verify over tbsStatus with "
                 "the status-signer certificate \"%s\"", name);
    return rc;
}

static int usage_ok(X509 *x, const char *name, char *why, size_t n)
{
    uint32_t flags = X509_get_extension_flags(x);

    if (!(flags & EXFLAG_XKUSAGE) || !(X509_get_extended_key_usage(x) & XKU_OCSP_SIGN)) {
        snprintf(why, n, "the status-signer certificate \"%s\" is not for signing status "
                 "(no id-kp-OCSPSigning extended key usage)", name);
        return 0;
    }
    if ((flags & EXFLAG_KUSAGE) &&
        !(X509_get_key_usage(x) & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
        snprintf(why, n, "the status-signer certificate \"%s\" has a key usage without "
                 "digitalSignature or nonRepudiation", name);
        return 0;
    }
    return 1;
}

/* certs is outside the signature: it must be a chain, each certificate issued and signed by
 * the next, the last self-signed (its own signature checked) or chaining to an anchor. The
 * links and the self-signature depend on the response alone (links 0: already checked); the
 * anchor is the caller's. */
static int embedded_chain_ok(const sc_status_resp *r, X509 *const *c, const sc_trust *trust,
                             int links, char *why, size_t n, sc_err *err)
{
    size_t k = r->info.cert_count;
    char inner[400], t[32];
    int rc;

    for (size_t i = 0; links && i + 1 < k; i++) {
        int e = X509_check_issued(c[i + 1], c[i]);
        if (e != X509_V_OK || X509_verify(c[i], X509_get0_pubkey(c[i + 1])) != 1) {
            ERR_clear_error();
            snprintf(why, n, "StatusResponse.certs[%zu] is not issued and signed by certs[%zu]%s%s",
                     i, i + 1, e != X509_V_OK ? ": " : "",
                     e != X509_V_OK ? X509_verify_cert_error_string(e) : "");
            return 0;
        }
    }
    if (k == 0)
        return 1;
    if (X509_check_issued(c[k - 1], c[k - 1]) == X509_V_OK) {
        if (!links || X509_verify(c[k - 1], X509_get0_pubkey(c[k - 1])) == 1)
            return 1;
        ERR_clear_error();
        snprintf(why, n, "StatusResponse.certs[%zu]: its self-signature does not verify", k - 1);
        return 0;
    }
    if ((rc = sc__trust_verify(trust, c[k - 1], r->info.produced_at, inner, sizeof(inner),
                               err)) == 0)
        snprintf(why, n, "StatusResponse.certs[%zu] at producedAt %s: %s", k - 1,
                 sc_time_format(r->info.produced_at, t, sizeof(t)), inner);
    return rc;
}

static int fresh(const sc_status_resp *r, int64_t now, char *why, size_t n)
{
    char a[32], b[32];

    if (!r->has_min_next)
        return 1;
    if (r->info.produced_at > r->min_next) {
        snprintf(why, n, "the status response was produced at %s, after its nextUpdate %s",
                 sc_time_format(r->info.produced_at, a, sizeof(a)),
                 sc_time_format(r->min_next, b, sizeof(b)));
        return 0;
    }
    if (now > r->min_next) {
        snprintf(why, n, "the status response is stale: its nextUpdate %s is before the check "
                 "time %s; fetch a new one", sc_time_format(r->min_next, a, sizeof(a)),
                 sc_time_format(now, b, sizeof(b)));
        return 0;
    }
    return 1;
}

int sc_status_resp_verify(const sc_status_resp *r, const sc_status_verify_opts *o, int *valid,
                          char *why, size_t n, sc_err *err)
{
    X509 *c[SC_STATUS_MAX_CERTS] = { NULL }, *signer = NULL;
    sc_err e = SC_ERR_INIT;
    uint8_t h[32];
    char name[160] = "?", inner[400], t[32], field[40];
    int rc = 0, ok = 0, own, done;

    if (valid != NULL)
        *valid = 0;
    if (r == NULL || o == NULL || valid == NULL || why == NULL || n == 0)
        return sc_err_set(err, SC_EINVAL, "status response verification: response, options, "
                          "result and a reason buffer are required");
    why[0] = '\0';
    if (o->trust == NULL || sc_trust_anchor_count(o->trust) == 0)
        return sc_err_set(err, SC_EINVAL, "status response: no trust anchors to verify the "
                          "status signer against");
    ERR_clear_error();
    for (size_t i = 0; i < r->info.cert_count; i++) {
        snprintf(field, sizeof(field), "StatusResponse.certs[%zu]", i);
        if ((c[i] = sc__trust_cert(o->trust, r->certs[i].p, r->certs[i].len, field, &e)) == NULL) {
            if (e.code == SC_ENOMEM) {
                rc = sc_err_set(err, SC_ENOMEM, "out of memory");
                goto out;
            }
            snprintf(why, n, "%s", e.msg);
            goto out;
        }
    }
    if (o->signer_cert != NULL) {
        if ((signer = sc__cert_parse(o->signer_cert, o->signer_cert_len,
                                     "status-signer certificate", &e)) == NULL) {
            rc = sc_err_set(err, e.code == SC_ENOMEM ? SC_ENOMEM : SC_EINVAL, "%s", e.msg);
            goto out;
        }
    } else if (r->info.cert_count > 0 && X509_up_ref(c[0])) {
        signer = c[0];
    } else {
        snprintf(why, n, "the status response carries no certificate and none was given: its "
                 "signer is unknown");
        goto out;
    }
    sc__cert_name(signer, name, sizeof(name));
    /* rule 1: the key responderKeyHash names, its signature, its purpose, its chain; what
     * depends on the response alone is done once per response (self_checked) */
    own = o->signer_cert == NULL;
    done = own && atomic_load(&r->self_checked);
    if (!done) {
        if ((rc = key_hash(signer, h, err)) != 0)
            goto out;
        if (memcmp(h, r->info.key_hash, 32) != 0) {
            snprintf(why, n, "the status-signer certificate \"%s\" is not this response's "
                     "signer: SM3 of its public key differs from responderKeyHash", name);
            goto out;
        }
        if ((rc = signature_ok(r, signer, name, why, n, err)) != 1 ||
            !usage_ok(signer, name, why, n))
            goto out;
    }
    if ((rc = embedded_chain_ok(r, c, o->trust, !done, why, n, err)) != 1)
        goto out;
    /* a link or the signature failing has left before this; r is const to callers, but
     * always one that sc_status_resp_parse allocated, so the flag may be set */
    if (own && !done)
        atomic_store(&((sc_status_resp *)r)->self_checked, 1);
    if ((rc = sc__trust_verify(o->trust, signer, r->info.produced_at, inner, sizeof(inner),
                               err)) != 1) {
        if (rc == 0)
            snprintf(why, n, "status-signer certificate at producedAt %s: %s",
                     sc_time_format(r->info.produced_at, t, sizeof(t)), inner);
        goto out;
    }
    /* rule 3 */
    ok = fresh(r, o->check_time ? o->check_time : (int64_t)time(NULL), why, n);
    rc = 0;
out:
    ERR_clear_error();
    for (size_t i = 0; i < SC_STATUS_MAX_CERTS; i++)
        X509_free(c[i]);
    X509_free(signer);
    if (rc < 0)
        return rc;
    *valid = ok;
    return 0;
}

/* The first change after t that resumed a suspension, for "resumed at …" in reasons. */
static const sc_status_change *resumed_after(const sc_status_entry *e, int64_t t)
{
    for (size_t i = 0; i < e->history_len; i++)
        if (e->history[i].at > t && e->history[i].status == SC_STATUS_GOOD)
            return &e->history[i];
    return NULL;
}

/* The reason for the status at t, as the spec's example words it. */
static void say(const sc_status_entry *e, const char *what, sc_status_code s,
                const sc_status_change *c, int64_t t, char *why, size_t n)
{
    char ts[32], at[32], res[80] = "", rs[48] = "";
    const sc_status_change *back;

    sc_time_format(t, ts, sizeof(ts));
    switch (s) {
    case SC_STATUS_GOOD:
        if (c != NULL)
            snprintf(res, sizeof(res), " (resumed at %s)", sc_time_format(c->at, at, sizeof(at)));
        snprintf(why, n, "%s %s was good at the signing time %s%s", what, e->subject, ts, res);
        return;
    case SC_STATUS_EXPIRED:
        snprintf(why, n, "%s %s expired: it was valid until %s, before the signing time %s",
                 what, e->subject, sc_time_format(e->valid_end, at, sizeof(at)), ts);
        return;
    default:
        break;
    }
    if (c == NULL) {   /* cannot happen for a parsed entry; say something true anyway */
        snprintf(why, n, "%s %s was %s at the signing time %s", what, e->subject,
                 sc_status_name(s), ts);
        return;
    }
    if (c->reason != SC_STATUS_NO_REASON)
        snprintf(rs, sizeof(rs), " (%s)", sc_status_reason_name(c->reason));
    if (s == SC_STATUS_SUSPENDED && (back = resumed_after(e, t)) != NULL)
        snprintf(res, sizeof(res), "; it was resumed only at %s",
                 sc_time_format(back->at, at, sizeof(at)));
    snprintf(why, n, "%s %s was %s at %s%s, %s the signing time %s%s", what, e->subject,
             sc_status_name(s), sc_time_format(c->at, at, sizeof(at)), rs,
             c->at == t ? "at" : "before", ts, res);
}

int sc_status_subject_at(const sc_status_resp *r, sc_status_subject kind, const char *subject,
                         const uint8_t *digest, int64_t t, sc_status_verdict *out, char *why,
                         size_t n, sc_err *err)
{
    const char *what = kind == SC_STATUS_LICENSE_ID ? "licence" : "seal";
    const sc_status_entry *e;
    char a[32], b[32];

    if (r == NULL || subject == NULL || out == NULL || why == NULL || n == 0 ||
        (kind != SC_STATUS_ESID && kind != SC_STATUS_LICENSE_ID))
        return sc_err_set(err, SC_EINVAL, "status at: response, subject, verdict and a reason "
                          "buffer are required");
    memset(out, 0, sizeof(*out));
    out->status = SC_STATUS_UNKNOWN;
    out->digest_matches = -1;
    if ((e = sc_status_resp_find(r, kind, subject)) == NULL) {
        snprintf(why, n, "the status response has no entry for %s %.*s", what,
                 SC_STATUS_MAX_SUBJECT, subject);
        return 0;
    }
    out->entry = e;
    if (e->status == SC_STATUS_UNKNOWN) {
        snprintf(why, n, "the status response says the province never made %s %s (status "
                 "unknown)", what, e->subject);
        return 0;
    }
    if (e->has_next_update && t > e->next_update) {
        snprintf(why, n, "the status response speaks for %s %s only until its nextUpdate %s, "
                 "not for the signing time %s", what, e->subject,
                 sc_time_format(e->next_update, a, sizeof(a)), sc_time_format(t, b, sizeof(b)));
        return 0;
    }
    if (digest != NULL) {
        out->digest_matches = e->digest != NULL && memcmp(e->digest, digest, 32) == 0;
        if (!out->digest_matches) {
            snprintf(why, n, e->digest == NULL
                     ? "the status entry for %s %s carries no subjectDigest, so it cannot be "
                       "tied to this %s"
                     : "the status response is about another %s %s: its subjectDigest is not "
                       "SM3 of this %s (remade or forged under the same identifier)",
                     what, e->subject, what);
            return 0;
        }
    }
    out->status = sc_status_entry_at(e, t, &out->change);
    out->good = out->status == SC_STATUS_GOOD;
    say(e, what, out->status, out->change, t, why, n);
    return 0;
}

int sc_status_at(const sc_status_resp *r, const char *es_id, const uint8_t seal_sm3[32],
                 int64_t t, sc_status_verdict *out, char *why, size_t n, sc_err *err)
{
    if (seal_sm3 == NULL)
        return sc_err_set(err, SC_EINVAL, "status at: the seal's SM3 digest is required");
    return sc_status_subject_at(r, SC_STATUS_ESID, es_id, seal_sm3, t, out, why, n, err);
}

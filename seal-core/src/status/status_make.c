/* status_make.c: makes StatusResponse (spec/status.asn1) in canonical DER and signs it.
 *
 * Written by hand like pkcs7_sign.c: the structure is fixed and small, and a status list of a
 * whole province (~15,000 entries) should cost one pass, not one OpenSSL object per field.
 * Each entry is encoded when it is added (so the caller may free its strings at once); signing
 * sorts the encoded entries by the DER of their subject (the order the spec asks for and the
 * reader's binary search relies on) and wraps them. DER's rules that matter here: minimal
 * lengths (sc__der_header), OPTIONAL fields absent rather than empty, minimal INTEGERs,
 * GeneralizedTime "YYYYMMDDhhmmssZ", BIT STRING with 0 unused bits.
 * Not here: reading (status.c), verifying (status_verify.c). */
#include "status_int.h"
#include "cert/cert_int.h"
#include "crypto/crypto_int.h"
#include "der/der_int.h"
#include "sealcore/time.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct rec {
    size_t off, len;          /* the entry's element in body */
    size_t subj_off, subj_len;
} rec;

struct sc_status_builder {
    int64_t produced_at;
    int has_seq;
    int64_t seq;
    uint8_t nonce[SC_STATUS_MAX_NONCE];
    size_t nonce_len;
    sc_der_buf body;          /* every entry's DER, in the order added */
    rec *recs;
    size_t n, cap;
};

static void put_enum(sc_der_buf *b, int v)
{
    const uint8_t e[3] = { 0x0a, 1, (uint8_t)v };   /* every value of the spec is < 0x80 */
    sc__der_put(b, e, 3);
}

/* Minimal two's-complement INTEGER of a non-negative value. */
static void put_uint(sc_der_buf *b, int64_t v)
{
    uint8_t e[11];
    size_t i = sizeof(e);

    do {
        e[--i] = (uint8_t)(v & 0xff);
        v >>= 8;
    } while (v > 0);
    if (e[i] & 0x80)
        e[--i] = 0;
    size_t content = sizeof(e) - i;
    e[--i] = (uint8_t)content;
    e[--i] = SC_TAG_INTEGER;
    sc__der_put(b, e + i, sizeof(e) - i);
}

int sc_status_builder_new(sc_status_builder **out, int64_t produced_at, sc_err *err)
{
    sc_status_builder *b;

    if (out == NULL)
        return sc_err_set(err, SC_EINVAL, "status builder: no place for the result");
    *out = NULL;
    if (produced_at == 0)
        produced_at = (int64_t)time(NULL);
    if (!sc__der_gentime_ok(produced_at))
        return sc_err_set(err, SC_EINVAL, "producedAt: %lld is not in the years 1..9999",
                          (long long)produced_at);
    if ((b = calloc(1, sizeof(*b))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    b->produced_at = produced_at;
    b->body.max = SC_STATUS_MAX_DER;
    *out = b;
    return 0;
}

void sc_status_builder_free(sc_status_builder *b)
{
    if (b == NULL)
        return;
    free(b->body.p);
    free(b->recs);
    free(b);
}

int sc_status_builder_set_nonce(sc_status_builder *b, const uint8_t *nonce, size_t len,
                                sc_err *err)
{
    if (b == NULL || nonce == NULL || len == 0 || len > SC_STATUS_MAX_NONCE)
        return sc_err_set(err, SC_EINVAL, "nonce: 1..%d bytes required, %zu given",
                          SC_STATUS_MAX_NONCE, nonce == NULL ? (size_t)0 : len);
    memcpy(b->nonce, nonce, len);
    b->nonce_len = len;
    return 0;
}

int sc_status_builder_set_list_sequence(sc_status_builder *b, int64_t seq, sc_err *err)
{
    if (b == NULL || seq < 0)
        return sc_err_set(err, SC_EINVAL, "listSequence: %lld, must be >= 0", (long long)seq);
    b->has_seq = 1;
    b->seq = seq;
    return 0;
}

static int check_subject(const sc_status_entry *e, size_t *len, sc_err *err)
{
    if (e->kind != SC_STATUS_ESID && e->kind != SC_STATUS_LICENSE_ID)
        return sc_err_set(err, SC_EINVAL, "subject: kind %d is neither esID nor licenseId",
                          (int)e->kind);
    if (e->subject == NULL || (*len = strnlen(e->subject, SC_STATUS_MAX_SUBJECT + 1)) == 0 ||
        *len > SC_STATUS_MAX_SUBJECT)
        return sc_err_set(err, SC_EINVAL, "subject: 1..%d bytes required",
                          SC_STATUS_MAX_SUBJECT);
    for (size_t i = 0; e->kind == SC_STATUS_ESID && i < *len; i++)
        if ((unsigned char)e->subject[i] < 0x20 || (unsigned char)e->subject[i] > 0x7e)
            return sc_err_set(err, SC_EINVAL, "subject: esID \"%.64s\" is not printable ASCII",
                              e->subject);
    if (e->kind == SC_STATUS_LICENSE_ID &&
        !sc__utf8_ok((const uint8_t *)e->subject, *len))
        return sc_err_set(err, SC_EINVAL, "subject: licenseId is not valid UTF-8");
    return 0;
}

static int check_history(const sc_status_entry *e, sc_err *err)
{
    if (e->history_len > SC_STATUS_MAX_HISTORY)
        return sc_err_set(err, SC_ELIMIT, "history: %zu changes, at most %d", e->history_len,
                          SC_STATUS_MAX_HISTORY);
    if (e->history_len > 0 && e->history == NULL)
        return sc_err_set(err, SC_EINVAL, "history: %zu changes announced, none given",
                          e->history_len);
    for (size_t i = 0; i < e->history_len; i++) {
        const sc_status_change *c = &e->history[i];
        if (c->status != SC_STATUS_GOOD && c->status != SC_STATUS_SUSPENDED &&
            c->status != SC_STATUS_REVOKED && c->status != SC_STATUS_VOIDED)
            return sc_err_set(err, SC_EINVAL, "history[%zu].status: %s is not a change (good, "
                              "suspended, revoked or voided)", i, sc_status_name(c->status));
        if (c->status == SC_STATUS_VOIDED && e->kind == SC_STATUS_ESID)
            return sc_err_set(err, SC_EINVAL, "history[%zu].status: voided is for licences, "
                              "not seals", i);
        if (!sc__der_gentime_ok(c->at))
            return sc_err_set(err, SC_EINVAL, "history[%zu].at: not in the years 1..9999", i);
        if (i > 0 && c->at < e->history[i - 1].at)
            return sc_err_set(err, SC_EINVAL, "history[%zu].at: earlier than history[%zu].at "
                              "(oldest first)", i, i - 1);
        if (i > 0 && (e->history[i - 1].status == SC_STATUS_REVOKED ||
                      e->history[i - 1].status == SC_STATUS_VOIDED))
            return sc_err_set(err, SC_EINVAL, "history[%zu]: a change after %s, which is final",
                              i, sc_status_name(e->history[i - 1].status));
        if (c->reason != SC_STATUS_NO_REASON && strcmp(sc_status_reason_name(c->reason), "?") == 0)
            return sc_err_set(err, SC_EINVAL, "history[%zu].reason: %d is not a Reason (0, 1, "
                              "3, 4, 5, 6)", i, c->reason);
    }
    return 0;
}

static int check_entry(const sc_status_builder *b, const sc_status_entry *e, size_t *slen,
                       sc_err *err)
{
    char t1[32], t2[32];
    sc_status_code d;
    int rc;

    if ((rc = check_subject(e, slen, err)) != 0 || (rc = check_history(e, err)) != 0)
        return rc;
    if ((unsigned)e->status > SC_STATUS_VOIDED)
        return sc_err_set(err, SC_EINVAL, "status: %d is not a Status (0..5)", (int)e->status);
    if (e->status == SC_STATUS_VOIDED && e->kind == SC_STATUS_ESID)
        return sc_err_set(err, SC_EINVAL, "status: voided is for licences, not seals");
    if (!sc__der_gentime_ok(e->this_update) ||
        (e->has_next_update && !sc__der_gentime_ok(e->next_update)) ||
        (e->has_valid_end && !sc__der_gentime_ok(e->valid_end)))
        return sc_err_set(err, SC_EINVAL, "thisUpdate, nextUpdate, validEnd: not in the years "
                          "1..9999");
    if (e->has_next_update && e->next_update < e->this_update)
        return sc_err_set(err, SC_EINVAL, "nextUpdate %s: before thisUpdate %s",
                          sc_time_format(e->next_update, t1, sizeof(t1)),
                          sc_time_format(e->this_update, t2, sizeof(t2)));
    if (e->has_next_update && e->next_update < b->produced_at)
        return sc_err_set(err, SC_EINVAL, "nextUpdate %s: before producedAt %s (verifiers "
                          "would refuse the response)",
                          sc_time_format(e->next_update, t1, sizeof(t1)),
                          sc_time_format(b->produced_at, t2, sizeof(t2)));
    if (e->status == SC_STATUS_UNKNOWN) {
        if (e->digest != NULL || e->has_valid_end || e->history_len > 0)
            return sc_err_set(err, SC_EINVAL, "status unknown: the province never made it, so "
                              "no digest, validEnd or history");
        return 0;
    }
    if (e->kind == SC_STATUS_ESID && e->digest == NULL)
        return sc_err_set(err, SC_EINVAL, "subjectDigest: required for a seal (SM3 of the DER "
                          "SES_Seal) unless its status is unknown");
    if ((d = sc_status_entry_at(e, e->this_update, NULL)) != e->status)
        return sc_err_set(err, SC_EINVAL, "status: %s, but the history and validEnd give %s at "
                          "thisUpdate %s", sc_status_name(e->status), sc_status_name(d),
                          sc_time_format(e->this_update, t1, sizeof(t1)));
    return 0;
}

static void put_entry(sc_der_buf *b, const sc_status_entry *e, const uint8_t *subj, size_t subj_len)
{
    static const uint8_t digest_head[2] = { SC_TAG_OCTET_STRING, 32 };
    size_t start = b->len, s, c;

    sc__der_put(b, subj, subj_len);
    if (e->digest != NULL) {
        sc__der_put(b, digest_head, 2);
        sc__der_put(b, e->digest, 32);
    }
    put_enum(b, (int)e->status);
    sc__der_put_gentime(b, e->this_update);
    if (e->has_next_update) {
        s = b->len;
        sc__der_put_gentime(b, e->next_update);
        sc__der_wrap(b, s, 0xa0);
    }
    if (e->has_valid_end) {
        s = b->len;
        sc__der_put_gentime(b, e->valid_end);
        sc__der_wrap(b, s, 0xa1);
    }
    if (e->history_len > 0) {
        s = b->len;
        for (size_t i = 0; i < e->history_len; i++) {
            c = b->len;
            put_enum(b, (int)e->history[i].status);
            sc__der_put_gentime(b, e->history[i].at);
            if (e->history[i].reason != SC_STATUS_NO_REASON)
                put_enum(b, e->history[i].reason);
            sc__der_wrap(b, c, SC_TAG_SEQUENCE);
        }
        sc__der_wrap(b, s, SC_TAG_SEQUENCE);
        sc__der_wrap(b, s, 0xa2);
    }
    sc__der_wrap(b, start, SC_TAG_SEQUENCE);
}

int sc_status_builder_add(sc_status_builder *b, const sc_status_entry *e, sc_err *err)
{
    sc_err in = SC_ERR_INIT;
    uint8_t subj[8 + SC_STATUS_MAX_SUBJECT];
    size_t slen = 0, subj_len, start;
    rec *r;
    int rc;

    if (b == NULL || e == NULL)
        return sc_err_set(err, SC_EINVAL, "status entry: none given");
    if (b->n == SC_STATUS_MAX_ENTRIES)
        return sc_err_set(err, SC_ELIMIT, "status entries: more than %d",
                          SC_STATUS_MAX_ENTRIES);
    if ((rc = check_entry(b, e, &slen, &in)) != 0)
        return sc_err_set(err, rc, "status entry %zu (%s \"%.64s\"): %s", b->n,
                          e->kind == SC_STATUS_LICENSE_ID ? "licenseId" : "esID",
                          e->subject ? e->subject : "", in.msg);
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        rec *q = realloc(b->recs, cap * sizeof(*q));
        if (q == NULL)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        b->recs = q;
        b->cap = cap;
    }
    subj_len = sc__status_subject_der(e->kind, e->subject, slen, subj);
    start = b->body.len;
    put_entry(&b->body, e, subj, subj_len);
    if (b->body.failed) {
        /* what was written before this entry is intact: drop the partial one, stay usable */
        int limit = b->body.failed == SC_DER_BUF_LIMIT;
        b->body.failed = 0;
        b->body.len = start;
        return limit ? sc_err_set(err, SC_ELIMIT, "status entries: more than %u bytes",
                                  SC_STATUS_MAX_DER)
                     : sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    r = &b->recs[b->n++];
    r->off = start;
    r->len = b->body.len - start;
    /* the subject is the entry's first element, right after its SEQUENCE header */
    r->subj_off = start + (b->body.p[start + 1] < 0x80 ? 2 : 2 + (b->body.p[start + 1] & 0x7f));
    r->subj_len = subj_len;
    return 0;
}

/* qsort has no context argument: the entries are sorted through pointers into the body. */
typedef struct sorted {
    const uint8_t *subj;
    size_t subj_len;
    const uint8_t *p;
    size_t len;
} sorted;

static int sorted_cmp(const void *a, const void *b)
{
    const sorted *x = a, *y = b;
    return sc__status_cmp(x->subj, x->subj_len, y->subj, y->subj_len);
}

/* "esID \"33000020260001\"" of a Subject element, for messages. */
static void subject_words(const uint8_t *p, size_t len, char *buf, size_t n)
{
    sc_der d, box;
    sc_tlv t;

    sc__der_init(&d, p, len);
    if (sc__der_enter(&d, p[0], &box, NULL, "", NULL) != 0 ||
        sc__der_any(&box, &t, "", NULL) != 0) {
        snprintf(buf, n, "?");
        return;
    }
    snprintf(buf, n, "%s \"%.*s\"", p[0] == 0xa0 ? "esID" : "licenseId",
             (int)(t.val.len > 64 ? 64 : t.val.len), (const char *)t.val.p);
}

/* Signer and CA certificates must be certificates, and the key must be the signer's:
 * a response a verifier cannot check is worse than none. */
static int check_certs(const sc_key *key, const uint8_t *cert, size_t cert_len,
                       const uint8_t *const *ca, const size_t *ca_lens, size_t ca_count,
                       uint8_t key_hash[32], sc_err *err)
{
    sc_err e = SC_ERR_INIT;
    X509 *x = NULL;
    const ASN1_BIT_STRING *pk;
    int rc;

    if (ca_count > SC_STATUS_MAX_CERTS - 1 || (ca_count > 0 && (ca == NULL || ca_lens == NULL)))
        return sc_err_set(err, SC_EINVAL, "CA certificates: 0..%d allowed, with their sizes",
                          SC_STATUS_MAX_CERTS - 1);
    for (size_t i = 0; i < ca_count; i++) {
        X509 *c = ca[i] ? sc__cert_parse(ca[i], ca_lens[i], "CA certificate", &e) : NULL;
        X509_free(c);
        if (c == NULL)
            return sc_err_set(err, SC_EINVAL, "CA certificate %zu: %s", i,
                              e.msg[0] ? e.msg : "none given");
    }
    if ((x = sc__cert_parse(cert, cert_len, "status-signer certificate", &e)) == NULL)
        return sc_err_set(err, e.code == SC_ENOMEM ? SC_ENOMEM : SC_EINVAL, "%s", e.msg);
    if ((rc = sc_key_matches_cert(key, cert, cert_len, err)) != 0)
        goto out;
    /* responderKeyHash: the subjectPublicKey BIT STRING value, as OCSP's byKey */
    pk = X509_get0_pubkey_bitstr(x);
    rc = sc__sm3(ASN1_STRING_get0_data(pk), (size_t)ASN1_STRING_length(pk), key_hash, err);
out:
    X509_free(x);
    return rc;
}

static int fail_of(const sc_der_buf *o, sc_err *err)
{
    if (o->failed == SC_DER_BUF_LIMIT)
        return sc_err_set(err, SC_ELIMIT, "status response: more than %u bytes",
                          SC_STATUS_MAX_DER);
    return o->failed ? sc_err_set(err, SC_ENOMEM, "out of memory") : 0;
}

static int put_tbs(sc_der_buf *o, const sc_status_builder *b, const uint8_t key_hash[32],
                   const sorted *v, sc_err *err)
{
    static const uint8_t version[3] = { SC_TAG_INTEGER, 1, 1 };
    const uint8_t kh[2] = { SC_TAG_OCTET_STRING, 32 }, nh[2] = { SC_TAG_OCTET_STRING,
                                                                  (uint8_t)b->nonce_len };
    size_t s;

    sc__der_put(o, version, sizeof(version));
    sc__der_put(o, kh, 2);
    sc__der_put(o, key_hash, 32);
    sc__der_put_gentime(o, b->produced_at);
    if (b->has_seq) {
        s = o->len;
        put_uint(o, b->seq);
        sc__der_wrap(o, s, 0xa0);
    }
    if (b->nonce_len > 0) {
        s = o->len;
        sc__der_put(o, nh, 2);
        sc__der_put(o, b->nonce, b->nonce_len);
        sc__der_wrap(o, s, 0xa1);
    }
    s = o->len;
    for (size_t i = 0; i < b->n; i++)
        sc__der_put(o, v[i].p, v[i].len);
    sc__der_wrap(o, s, SC_TAG_SEQUENCE);
    sc__der_wrap(o, 0, SC_TAG_SEQUENCE);
    return fail_of(o, err);
}

int sc_status_builder_sign(sc_status_builder *b, const sc_key *key, const uint8_t *signer_cert,
                           size_t signer_cert_len, const uint8_t *const *ca_certs,
                           const size_t *ca_lens, size_t ca_count, uint8_t **der,
                           size_t *der_len, sc_err *err)
{
    sc_der_buf o = SC_DER_BUF_INIT(SC_STATUS_MAX_DER);
    sorted *v = NULL;
    uint8_t key_hash[32], *sig = NULL, *norm = NULL;
    size_t sig_len = 0, norm_len = 0, tbs_len, s;
    char who[96];
    int rc;

    if (der != NULL)
        *der = NULL;
    if (der_len != NULL)
        *der_len = 0;
    if (b == NULL || key == NULL || signer_cert == NULL || der == NULL || der_len == NULL)
        return sc_err_set(err, SC_EINVAL, "status response: builder, key, signer certificate "
                          "and output are required");
    if ((rc = check_certs(key, signer_cert, signer_cert_len, ca_certs, ca_lens, ca_count,
                          key_hash, err)) != 0)
        goto out;
    if ((v = calloc(b->n ? b->n : 1, sizeof(*v))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < b->n; i++)
        v[i] = (sorted){ b->body.p + b->recs[i].subj_off, b->recs[i].subj_len,
                         b->body.p + b->recs[i].off, b->recs[i].len };
    qsort(v, b->n, sizeof(*v), sorted_cmp);
    for (size_t i = 1; i < b->n; i++)
        if (sorted_cmp(&v[i - 1], &v[i]) == 0) {
            subject_words(v[i].subj, v[i].subj_len, who, sizeof(who));
            rc = sc_err_set(err, SC_EINVAL, "status entries: %s added twice", who);
            goto out;
        }
    if ((rc = put_tbs(&o, b, key_hash, v, err)) != 0)
        goto out;
    tbs_len = o.len;
    if ((rc = sc_key_sign(key, o.p, tbs_len, &sig, &sig_len, err)) != 0 ||
        /* the reader accepts only canonical DER SM2Signature: make sure a backend gave one */
        (rc = sc__sm2_sig_normalize(sig, sig_len, &norm, &norm_len, err)) != 0)
        goto out;
    sc__der_put(&o, sc__status_alg, SC_STATUS_ALG_LEN);
    s = o.len;
    sc__der_put(&o, "", 1);                                   /* 0 unused bits */
    sc__der_put(&o, norm, norm_len);
    sc__der_wrap(&o, s, SC_TAG_BIT_STRING);
    s = o.len;
    sc__der_put(&o, signer_cert, signer_cert_len);            /* the status signer, then its CAs */
    for (size_t i = 0; i < ca_count; i++)
        sc__der_put(&o, ca_certs[i], ca_lens[i]);
    sc__der_wrap(&o, s, SC_TAG_SEQUENCE);
    sc__der_wrap(&o, s, 0xa0);
    sc__der_wrap(&o, 0, SC_TAG_SEQUENCE);
    if ((rc = fail_of(&o, err)) != 0)
        goto out;
    *der = o.p;
    *der_len = o.len;
    o.p = NULL;
out:
    free(o.p);
    free(v);
    free(sig);
    free(norm);
    return rc;
}

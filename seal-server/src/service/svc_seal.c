/* svc_seal.c: seal applications, their review, seal making (unit key pair, signer certificate
 * from the seal CA, SES_Seal from the seal maker, key stored encrypted) and seal status
 * (suspend, resume, revoke; the status at a time, the history for the status publisher).
 * Not here: the key cache (svc_cache.c), signing (svc_sign.c). */
#include "service_int.h"
#include "sealcore/cert.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define ES_ID_SEQ_MIN 4          /* digits of the sequence number, at least */
#define ES_ID_ATTEMPTS 5         /* another node may take our esID meanwhile: retry */
#define CST_OFFSET (8 * 3600)    /* China Standard Time: the esID's year is Beijing's */

/* The picture type GB/T 38540 names for each stored image format. */
static const char *picture_type(const char *format)
{
    static const char *const map[][2] = { { "png", "PNG" }, { "jpg", "JPG" },
                                          { "jpeg", "JPG" }, { "gif", "GIF" },
                                          { "bmp", "BMP" }, { "svg", "SVG" },
                                          { "ofd", "OFD" } };

    for (size_t i = 0; format != NULL && i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(format, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* ---- applications ---------------------------------------------------------------------- */

int ss_svc_app_apply(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_app_req *req,
                     int64_t *id, sc_err *err)
{
    ss_store *tx = NULL;
    ss_app a;
    int64_t now = svc__now(svc), aid = 0;
    uint8_t h[32];
    char hex[65];
    int rc;

    if (id != NULL)
        *id = 0;
    if ((rc = svc__need_role(actor, SS_ROLE_SEAL_OFFICER | SS_ROLE_ADMIN,
                             "to apply for seals", err)) != 0)
        return rc;
    if (req == NULL)
        return sc_err_set(err, SC_EINVAL, "seal application: no request");
    if (picture_type(req->image_format) == NULL)
        return sc_err_set(err, SC_EINVAL, "seal application: image format \"%.16s\" is not "
                          "one of png, jpg, gif, bmp, svg, ofd",
                          req->image_format != NULL ? req->image_format : "");
    if (req->image == NULL || req->image_len == 0)
        return sc_err_set(err, SC_EINVAL, "seal application: no image");
    if ((rc = svc__sm3(req->image, req->image_len, h, err)) != 0)
        return rc;
    svc__hex(h, 32, hex);
    memset(&a, 0, sizeof(a));
    a.unit_id = req->unit_id;
    a.applicant_id = actor->client_id;
    a.seal_type = req->seal_type;
    snprintf(a.name, sizeof(a.name), "%s", req->name != NULL ? req->name : "");
    if (req->name != NULL && strlen(req->name) > SS_NAME_MAX)
        return sc_err_set(err, SC_ELIMIT, "seal name: %zu bytes, at most %d",
                          strlen(req->name), SS_NAME_MAX);
    a.image = (uint8_t *)req->image;   /* read only: the store copies it */
    a.image_len = req->image_len;
    snprintf(a.image_format, sizeof(a.image_format), "%s", req->image_format);
    a.width_mm = req->width_mm;
    a.height_mm = req->height_mm;
    a.valid_from = req->valid_from;
    a.valid_to = req->valid_to;
    if ((rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    rc = ss_store_app_add(tx, &a, now, &aid, err);
    rc = svc__act_end(tx, rc, now, actor->client_id, "seal.apply",
                      json_pack("{s:I, s:i, s:s, s:s, s:s, s:i, s:i, s:I, s:I}",
                                "unit", (json_int_t)a.unit_id, "type", a.seal_type,
                                "name", a.name, "image_format", a.image_format,
                                "image_sm3", hex, "width_mm", a.width_mm,
                                "height_mm", a.height_mm, "valid_from",
                                (json_int_t)a.valid_from, "valid_to", (json_int_t)a.valid_to),
                      err, "application:%lld", (long long)aid);
    if (rc == 0 && id != NULL)
        *id = aid;
    return rc;
}

int ss_svc_app_get(ss_svc *svc, const ss_svc_actor *actor, int64_t id, ss_app *out,
                   sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_SEAL_OFFICER | SS_ROLE_ADMIN,
                             "to read applications", err)) != 0)
        return rc;
    return ss_store_app_get(svc->st, id, out, err);
}

int ss_svc_app_list(ss_svc *svc, const ss_svc_actor *actor, int64_t unit_id, int state,
                    int64_t after_id, unsigned limit, ss_app_cb cb, void *ctx, sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_SEAL_OFFICER | SS_ROLE_ADMIN,
                             "to list applications", err)) != 0)
        return rc;
    return ss_store_app_list(svc->st, unit_id, state, after_id, limit, cb, ctx, err);
}

/* The application, pending, reviewed by someone other than its applicant (four eyes). */
static int load_pending(ss_svc *svc, const ss_svc_actor *actor, int64_t app_id, ss_app *a,
                        const char *what, sc_err *err)
{
    static const char *const words[] = { "", "pending", "approved", "rejected" };
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_SEAL_OFFICER, what, err)) != 0)
        return rc;
    if ((rc = ss_store_app_get(svc->st, app_id, a, err)) != 0)
        return rc;
    if (a->state != SS_APP_PENDING)
        return sc_err_set(err, SS_ESTATE, "seal application %lld: already %s", (long long)app_id,
                          words[a->state >= 1 && a->state <= 3 ? a->state : 0]);
    if (a->applicant_id == actor->client_id)
        return sc_err_set(err, SS_EFORBIDDEN, "seal application %lld: client %lld applied "
                          "for it, so another seal officer must review it",
                          (long long)app_id, (long long)actor->client_id);
    return 0;
}

int ss_svc_app_reject(ss_svc *svc, const ss_svc_actor *actor, int64_t app_id,
                      const char *reason, sc_err *err)
{
    ss_store *tx = NULL;
    ss_app a = { 0 };
    int64_t now = svc__now(svc);
    int rc;

    if ((rc = load_pending(svc, actor, app_id, &a, "to reject applications", err)) == 0 &&
        (rc = ss_store_tx_begin(svc->st, &tx, err)) == 0) {
        /* the store rechecks pending and four eyes under the write lock */
        rc = ss_store_app_review(tx, app_id, actor->client_id, 0, reason, now, err);
        rc = svc__act_end(tx, rc, now, actor->client_id, "seal.reject",
                          json_pack("{s:s}", "reason", reason), err, "application:%lld",
                          (long long)app_id);
    }
    ss_app_clear(&a);
    return rc;
}

/* ---- making a seal --------------------------------------------------------------------- */

typedef struct seq_scan {
    char prefix[SS_SVC_REGION_LEN + 5];
    int64_t max, last_id;
    unsigned seen;
} seq_scan;

static int seq_cb(void *ctx, const ss_seal *s)
{
    seq_scan *q = ctx;
    size_t plen = strlen(q->prefix), n = strlen(s->es_id);

    q->last_id = s->id;
    q->seen++;
    if (n > plen + 9 || n < plen + ES_ID_SEQ_MIN || strncmp(s->es_id, q->prefix, plen) != 0 ||
        strspn(s->es_id + plen, "0123456789") != n - plen)
        return 0;
    int64_t v = strtoll(s->es_id + plen, NULL, 10);
    if (v > q->max)
        q->max = v;
    return 0;
}

/* README.md "esID": region code, the year (Beijing time) and a sequence number of at least
 * four digits, one more than the largest such esID already made. */
static int next_es_id(ss_svc *svc, int64_t now, int64_t skip, char out[SS_ES_ID_MAX + 1],
                      sc_err *err)
{
    seq_scan q;
    struct tm tm;
    time_t t = (time_t)(now + CST_OFFSET);
    int rc;

    memset(&q, 0, sizeof(q));
    if (gmtime_r(&t, &tm) == NULL)
        return sc_err_set(err, SC_EINVAL, "esID: the clock (%lld) is not a date",
                          (long long)now);
    snprintf(q.prefix, sizeof(q.prefix), "%s%04d", svc->region, tm.tm_year + 1900);
    do {    /* a province has some 15,000 seals: a scan per seal made is cheap */
        q.seen = 0;
        if ((rc = ss_store_seal_list(svc->st, 0, SS_SEAL_ANY, q.last_id, SS_LIST_MAX, seq_cb,
                                     &q, err)) != 0)
            return rc;
    } while (q.seen == SS_LIST_MAX);
    snprintf(out, SS_ES_ID_MAX + 1, "%s%0*lld", q.prefix, ES_ID_SEQ_MIN,
             (long long)(q.max + 1 + skip));
    return 0;
}

/* A new SM2 key pair: the public key for the certificate, the private key encrypted with the
 * service passphrase (what is stored), and the sc_key loaded back from that PEM, which proves
 * the stored form opens with the passphrase before anything is committed. */
static int make_key(ss_svc *svc, uint8_t **spki, size_t *spki_len, char **pem,
                    size_t *pem_len, sc_key **key, sc_err *err)
{
    EVP_PKEY *pk = NULL;
    BIO *bio = NULL;
    BUF_MEM *mem = NULL;
    unsigned char *der = NULL;
    int n, rc = 0;

    ERR_clear_error();
    if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "SM2")) == NULL ||
        (n = i2d_PUBKEY(pk, &der)) <= 0) {
        rc = sc_err_set(err, SC_ECRYPTO, "unit key: SM2 key generation failed");
        goto out;
    }
    /* PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC, as sc_key_soft_export writes it */
    if ((bio = BIO_new(BIO_s_mem())) == NULL ||
        PEM_write_bio_PKCS8PrivateKey(bio, pk, EVP_aes_256_cbc(), svc->pass,
                                      (int)svc->pass_len, NULL, NULL) != 1) {
        rc = sc_err_set(err, SC_ECRYPTO, "unit key: cannot encrypt the private key");
        goto out;
    }
    BIO_get_mem_ptr(bio, &mem);
    if ((*pem = malloc(mem->length + 1)) == NULL || (*spki = malloc((size_t)n)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "unit key: out of memory");
        goto out;
    }
    memcpy(*pem, mem->data, mem->length);
    (*pem)[mem->length] = '\0';
    *pem_len = mem->length;
    memcpy(*spki, der, (size_t)n);
    *spki_len = (size_t)n;
    if ((rc = sc_key_soft_load(key, (const uint8_t *)*pem, *pem_len, svc->pass, svc->pass_len,
                               err)) != 0)
        sc_err_prefix(err, "unit key: the encrypted key does not load back");
out:
    ERR_clear_error();
    OPENSSL_free(der);
    BIO_free(bio);
    EVP_PKEY_free(pk);   /* clears the private scalar */
    return rc;
}

static int make_seal(ss_svc *svc, const ss_app *a, const char *es_id, const uint8_t *cert,
                     size_t cert_len, int64_t now, sc_ses_seal **seal, sc_err *err)
{
    const uint8_t *certs[1] = { cert };
    size_t lens[1] = { cert_len };
    sc_ses_seal_params p;

    memset(&p, 0, sizeof(p));
    p.es_id = es_id;
    p.name = a->name;
    p.type = a->seal_type;
    p.cert_list_type = 1;
    p.certs = certs;
    p.cert_lens = lens;
    p.cert_count = 1;
    p.created = now;
    p.valid_start = a->valid_from;
    p.valid_end = a->valid_to;
    p.picture_type = picture_type(a->image_format);
    p.picture = a->image;
    p.picture_len = a->image_len;
    p.width_mm = a->width_mm;
    p.height_mm = a->height_mm;
    return sc_ses_seal_make(seal, &p, svc->maker_key, svc->maker_cert, svc->maker_cert_len,
                            err);
}

/* What approval commits: review, key, seal and two audit records, together. */
static int commit_seal(ss_svc *svc, const ss_svc_actor *actor, const ss_app *a,
                       const char *reason, const char *pem, size_t pem_len,
                       const uint8_t *cert, size_t cert_len, const sc_ses_seal *seal,
                       int64_t now, int64_t *seal_id, sc_err *err)
{
    const sc_ses_seal_info *si = sc_ses_seal_get_info(seal);
    ss_store *tx = NULL;
    ss_seal s;
    int64_t key_id = 0;
    uint8_t h[32];
    char object[SS_ES_ID_MAX + 16], seal_hex[65], cert_hex[65];
    int rc;

    memset(&s, 0, sizeof(s));
    snprintf(s.es_id, sizeof(s.es_id), "%s", si->es_id);
    s.unit_id = a->unit_id;
    s.application_id = a->id;
    snprintf(s.name, sizeof(s.name), "%s", a->name);
    s.seal_type = a->seal_type;
    s.der = (uint8_t *)sc_ses_seal_get_der(seal, &s.der_len);   /* read only */
    s.signer_cert = (uint8_t *)cert;
    s.signer_cert_len = cert_len;
    s.valid_start = a->valid_from;
    s.valid_end = a->valid_to;
    if ((rc = svc__sm3(s.der, s.der_len, h, err)) != 0)
        return rc;
    svc__hex(h, 32, seal_hex);
    if ((rc = svc__sm3(cert, cert_len, h, err)) != 0)
        return rc;
    svc__hex(h, 32, cert_hex);
    if ((rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    if ((rc = ss_store_app_review(tx, a->id, actor->client_id, 1, reason, now, err)) != 0 ||
        (rc = ss_store_key_add(tx, (const uint8_t *)pem, pem_len, cert, cert_len, now, &key_id,
                               err)) != 0)
        goto end;
    s.key_id = key_id;
    if ((rc = ss_store_seal_add(tx, &s, actor->client_id, now, seal_id, err)) != 0)
        goto end;
    snprintf(object, sizeof(object), "application:%lld", (long long)a->id);
    if ((rc = svc__audit(tx, now, actor->client_id, "seal.approve", object,
                         json_pack("{s:s, s:s}", "seal", s.es_id, "reason",
                                   reason != NULL ? reason : ""), err)) != 0)
        goto end;
    snprintf(object, sizeof(object), "seal:%s", s.es_id);
    rc = svc__audit(tx, now, actor->client_id, "seal.make", object,
                    json_pack("{s:I, s:I, s:s, s:i, s:I, s:s, s:s, s:I, s:I}",
                              "application", (json_int_t)a->id,
                              "unit", (json_int_t)a->unit_id, "name", s.name,
                              "type", s.seal_type, "key", (json_int_t)key_id,
                              "seal_sm3", seal_hex, "cert_sm3", cert_hex,
                              "valid_start", (json_int_t)s.valid_start,
                              "valid_end", (json_int_t)s.valid_end), err);
end:
    return svc__tx_end(tx, rc, err);
}

/* The certificate covers the seal's validity from the earlier of valid_from and now (a seal
 * signs from now on at the earliest), but never starts before the CA itself. */
static int64_t cert_start(const ss_svc *svc, const ss_app *a, int64_t now)
{
    int64_t t = a->valid_from < now ? a->valid_from : now;

    return t < svc->ca_from ? svc->ca_from : t;
}

int ss_svc_app_approve(ss_svc *svc, const ss_svc_actor *actor, int64_t app_id,
                       const char *es_id, const char *reason,
                       char es_id_out[SS_ES_ID_MAX + 1], sc_err *err)
{
    ss_app a;
    ss_unit u;
    sc_key *key = NULL;
    sc_ses_seal *seal = NULL;
    uint8_t *spki = NULL, *cert = NULL;
    char *pem = NULL;
    size_t spki_len = 0, pem_len = 0, cert_len = 0;
    char id[SS_ES_ID_MAX + 1];
    sc_err e2 = SC_ERR_INIT;
    int64_t now = svc__now(svc), seal_id = 0;
    int rc, locked = 0;

    memset(&a, 0, sizeof(a));
    if (es_id_out != NULL)
        es_id_out[0] = '\0';
    if ((rc = load_pending(svc, actor, app_id, &a, "to approve applications", err)) != 0)
        goto out;
    if (a.valid_to <= now) {
        rc = sc_err_set(err, SC_EINVAL, "seal application %lld: its validity ended (%lld) "
                        "before it was approved; apply again", (long long)app_id,
                        (long long)a.valid_to);
        goto out;
    }
    if (a.valid_to > svc->ca_to) {
        rc = sc_err_set(err, SC_EINVAL, "seal application %lld: its validity ends (%lld) after "
                        "the seal CA certificate's (%lld); shorten it or renew the CA",
                        (long long)app_id, (long long)a.valid_to, (long long)svc->ca_to);
        goto out;
    }
    if (es_id != NULL && (rc = svc__check_token("esID", es_id, SS_ES_ID_MAX, err)) != 0)
        goto out;
    if ((rc = ss_store_unit_get(svc->st, a.unit_id, &u, err)) != 0 ||
        (rc = make_key(svc, &spki, &spki_len, &pem, &pem_len, &key, err)) != 0)
        goto out;
    sc_cert_issue_params cp = {
        .spki = spki, .spki_len = spki_len, .province = svc->province, .org = u.name,
        .common_name = a.name, .not_before = cert_start(svc, &a, now),
        .not_after = a.valid_to };
    if ((rc = svc__signer_cert(svc, key, &cp, &cert, &cert_len, err)) != 0) {
        sc_err_prefix(err, "seal application %lld: signer certificate", (long long)app_id);
        goto out;
    }
    pthread_mutex_lock(&svc->make_mu);   /* esIDs in order within this process */
    locked = 1;
    for (int attempt = 0; attempt < ES_ID_ATTEMPTS; attempt++) {
        if (es_id != NULL)
            snprintf(id, sizeof(id), "%s", es_id);
        else if ((rc = next_es_id(svc, now, attempt, id, err)) != 0)
            goto out;
        sc_ses_seal_free(seal);
        seal = NULL;
        if ((rc = make_seal(svc, &a, id, cert, cert_len, now, &seal, err)) != 0) {
            sc_err_prefix(err, "seal application %lld: seal", (long long)app_id);
            goto out;
        }
        sc_err_clear(&e2);
        rc = commit_seal(svc, actor, &a, reason, pem, pem_len, cert, cert_len, seal, now,
                         &seal_id, &e2);
        /* another node took the allocated esID between our scan and our commit */
        if (rc != SS_ECONFLICT || es_id != NULL || strstr(e2.msg, "already exists") == NULL ||
            strstr(e2.msg, id) == NULL)
            break;
    }
    if (rc != 0)
        sc_err_set(err, rc, "%s", e2.msg);
    if (rc != 0)
        goto out;
    if (es_id_out != NULL)
        snprintf(es_id_out, SS_ES_ID_MAX + 1, "%s", id);
    /* the first signer finds it unlocked: no PBKDF2 on the first request */
    svc__cache_add(svc, id, seal_id, a.valid_from, a.valid_to, seal, key, cert, cert_len);
    seal = NULL;
    key = NULL;
    cert = NULL;
out:
    if (locked)
        pthread_mutex_unlock(&svc->make_mu);
    sc_ses_seal_free(seal);
    sc_key_free(key);
    free(cert);
    free(spki);
    if (pem != NULL)
        OPENSSL_clear_free(pem, pem_len);
    ss_app_clear(&a);
    return rc;
}

/* ---- status ---------------------------------------------------------------------------- */

static const char *const reason_names[] = {
    [SS_SVC_REASON_UNSPECIFIED] = "unspecified",
    [SS_SVC_REASON_KEY_COMPROMISE] = "keyCompromise",
    [2] = NULL,
    [SS_SVC_REASON_AFFILIATION_CHANGED] = "affiliationChanged",
    [SS_SVC_REASON_SUPERSEDED] = "superseded",
    [SS_SVC_REASON_CESSATION_OF_OPERATION] = "cessationOfOperation",
    [SS_SVC_REASON_CERTIFICATE_HOLD] = "certificateHold",
};
#define N_REASONS (sizeof(reason_names) / sizeof(reason_names[0]))

/* The store keeps one text per change: "<RFC 5280 reason name>[: note]". */
static void parse_reason(const char *stored, int status, int *code, char *text, size_t n)
{
    *code = SS_SVC_NO_REASON;
    snprintf(text, n, "%s", stored);
    if (status == SS_SEAL_GOOD)
        return;
    for (size_t i = 0; i < N_REASONS; i++) {
        size_t k = reason_names[i] != NULL ? strlen(reason_names[i]) : 0;
        if (k == 0 || strncmp(stored, reason_names[i], k) != 0 ||
            (stored[k] != '\0' && stored[k] != ':'))
            continue;
        *code = (int)i;
        snprintf(text, n, "%s", stored[k] == ':' ? stored + k + (stored[k + 1] == ' ' ? 2 : 1)
                                                 : "");
        return;
    }
    *code = SS_SVC_REASON_UNSPECIFIED;   /* written by another tool: keep its whole text */
}

const char *ss_svc_status_name(int status)
{
    static const char *const names[] = { "good", "suspended", "revoked", "expired", "unknown" };

    return status >= 0 && status <= SS_SVC_UNKNOWN ? names[status] : NULL;
}

static int svc_status(int store_status)
{
    return store_status == SS_SEAL_SUSPENDED ? SS_SVC_SUSPENDED
           : store_status == SS_SEAL_REVOKED ? SS_SVC_REVOKED : SS_SVC_GOOD;
}

static int set_status(ss_svc *svc, const ss_svc_actor *actor, const char *es_id, int status,
                      int reason, const char *text, const char *action, sc_err *err)
{
    ss_store *tx = NULL;
    int64_t now = svc__now(svc);
    char stored[SS_REASON_MAX + 2];
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_SEAL_OFFICER, "to change a seal's status",
                             err)) != 0)
        return rc;
    if ((rc = svc__check_token("esID", es_id, SS_ES_ID_MAX, err)) != 0)
        return rc;
    if (text == NULL)
        text = "";
    if (strlen(text) > SS_REASON_MAX - 24)   /* room for the reason's name */
        return sc_err_set(err, SC_ELIMIT, "status note: %zu bytes, at most %d", strlen(text),
                          SS_REASON_MAX - 24);
    if (reason == SS_SVC_NO_REASON)
        snprintf(stored, sizeof(stored), "%s", text);
    else
        snprintf(stored, sizeof(stored), "%s%s%s", reason_names[reason], text[0] ? ": " : "",
                 text);
    if ((rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    rc = ss_store_seal_set_status(tx, es_id, status, stored, actor->client_id, now, err);
    rc = svc__act_end(tx, rc, now, actor->client_id, action,
                      json_pack("{s:s?, s:s}", "reason",
                                reason == SS_SVC_NO_REASON ? NULL : reason_names[reason],
                                "text", text), err, "seal:%s", es_id);
    if (rc == 0 && status != SS_SEAL_GOOD)
        svc__cache_drop(svc, es_id);   /* committed: no new signature may use the key */
    return rc;
}

int ss_svc_seal_suspend(ss_svc *svc, const ss_svc_actor *actor, const char *es_id,
                        const char *text, sc_err *err)
{
    return set_status(svc, actor, es_id, SS_SEAL_SUSPENDED, SS_SVC_REASON_CERTIFICATE_HOLD,
                      text, "seal.suspend", err);
}

int ss_svc_seal_resume(ss_svc *svc, const ss_svc_actor *actor, const char *es_id,
                       const char *text, sc_err *err)
{
    ss_svc_status_info cur;
    int rc;

    /* the store lets good follow revoked never, and good follow good never: only a
     * suspended seal can be resumed, say so in those words */
    if ((rc = svc__need_role(actor, SS_ROLE_SEAL_OFFICER, "to change a seal's status",
                             err)) != 0 ||
        (rc = svc__check_token("esID", es_id, SS_ES_ID_MAX, err)) != 0 ||
        (rc = svc__status_at(svc->st, es_id, svc__now(svc), &cur, err)) != 0)
        return rc;
    if (cur.status == SS_SVC_UNKNOWN)
        return sc_err_set(err, SC_ENOTFOUND, "seal %s: no such seal", es_id);
    if (cur.status != SS_SVC_SUSPENDED)
        return sc_err_set(err, SS_ESTATE, "seal %s is %s, not suspended: only a suspended "
                          "seal can be resumed", es_id, ss_svc_status_name(cur.status));
    return set_status(svc, actor, es_id, SS_SEAL_GOOD, SS_SVC_NO_REASON, text, "seal.resume",
                      err);
}

int ss_svc_seal_revoke(ss_svc *svc, const ss_svc_actor *actor, const char *es_id,
                       int reason, const char *text, sc_err *err)
{
    if (reason < 0 || (size_t)reason >= N_REASONS || reason_names[reason] == NULL ||
        reason == SS_SVC_REASON_CERTIFICATE_HOLD)
        return sc_err_set(err, SC_EINVAL, "seal %s: revocation reason %d: give unspecified "
                          "(0), keyCompromise (1), affiliationChanged (3), superseded (4) or "
                          "cessationOfOperation (5)", es_id != NULL ? es_id : "?", reason);
    return set_status(svc, actor, es_id, SS_SEAL_REVOKED, reason, text, "seal.revoke", err);
}

int ss_svc_seal_get(ss_svc *svc, const ss_svc_actor *actor, const char *es_id, ss_seal *out,
                    sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ALL, "to read seals", err)) != 0)
        return rc;
    return ss_store_seal_get(svc->st, es_id, out, err);
}

int ss_svc_seal_list(ss_svc *svc, const ss_svc_actor *actor, int64_t unit_id, int status,
                     int64_t after_id, unsigned limit, ss_seal_cb cb, void *ctx, sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ALL, "to list seals", err)) != 0)
        return rc;
    return ss_store_seal_list(svc->st, unit_id, status, after_id, limit, cb, ctx, err);
}

/* The history rows as changes: the first row is the making (made), each later one a change
 * handed to cb. */
typedef struct history_ctx {
    ss_svc_change_cb cb;
    void *ctx;
    size_t rows;
    int64_t made;
} history_ctx;

static int history_cb(void *ctx, const ss_status_entry *e)
{
    history_ctx *h = ctx;
    ss_svc_status_change c;

    if (h->rows++ == 0) {   /* the making is not a change */
        h->made = e->at;
        return 0;
    }
    memset(&c, 0, sizeof(c));
    c.status = svc_status(e->status);
    c.at = e->at;
    c.actor = e->actor;
    parse_reason(e->reason, e->status, &c.reason, c.text, sizeof(c.text));
    return h->cb(h->ctx, &c);
}

_Static_assert((int)SS_SVC_GOOD == (int)SC_STATUS_GOOD &&
               (int)SS_SVC_SUSPENDED == (int)SC_STATUS_SUSPENDED &&
               (int)SS_SVC_REVOKED == (int)SC_STATUS_REVOKED &&
               (int)SS_SVC_EXPIRED == (int)SC_STATUS_EXPIRED &&
               SS_SVC_NO_REASON == SC_STATUS_NO_REASON,
               "svc_walk serves seals and licences: their status values must agree");

static int walk_final(const svc_walk *w)
{
    return *w->status == SC_STATUS_REVOKED || *w->status == SC_STATUS_VOIDED;
}

int svc__walk_cb(void *ctx, const ss_svc_status_change *c)
{
    svc_walk *w = ctx;

    (*w->changes)++;
    if (c->at > w->at || walk_final(w))
        return 0;
    w->changed = 1;
    *w->status = c->status;
    *w->since = c->at;
    *w->reason = c->reason;
    memcpy(w->text, c->text, SS_REASON_MAX + 1);
    return 0;
}

void svc__walk_expire(svc_walk *w, int64_t valid_end)
{
    if (walk_final(w) || valid_end == 0 || w->at <= valid_end)
        return;
    *w->status = SC_STATUS_EXPIRED;
    *w->since = valid_end;
    *w->reason = SC_STATUS_NO_REASON;
    w->text[0] = '\0';
}

int svc__status_at(ss_store *st, const char *es_id, int64_t at, ss_svc_status_info *out,
                   sc_err *err)
{
    ss_seal s;
    svc_walk w = SVC_WALK(at != 0 ? at : (int64_t)time(NULL), out);
    history_ctx h = { svc__walk_cb, &w, 0, 0 };
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&s, 0, sizeof(s));
    out->reason = SS_SVC_NO_REASON;
    out->status = SS_SVC_GOOD;
    if ((rc = ss_store_seal_get(st, es_id, &s, err)) == SC_ENOTFOUND) {
        sc_err_clear(err);
        out->status = SS_SVC_UNKNOWN;
        return 0;
    }
    if (rc != 0)
        return rc;
    out->valid_start = s.valid_start;
    out->valid_end = s.valid_end;
    out->created = s.created;
    if ((rc = svc__sm3(s.der, s.der_len, out->seal_sm3, err)) == 0 &&
        (rc = ss_store_seal_history(st, es_id, history_cb, &h, err)) == 0) {
        if (!w.changed)
            out->since = h.made;    /* good from its making */
        svc__walk_expire(&w, s.valid_end);
    }
    ss_seal_clear(&s);
    return rc;
}

int ss_svc_seal_status(ss_svc *svc, const char *es_id, int64_t at, ss_svc_status_info *out,
                       sc_err *err)
{
    int rc;

    if (out == NULL)
        return sc_err_set(err, SC_EINVAL, "seal status: no output");
    if ((rc = svc__check_token("esID", es_id, SS_ES_ID_MAX, err)) != 0)
        return rc;
    return svc__status_at(svc->st, es_id, at != 0 ? at : svc__now(svc), out, err);
}

int ss_svc_seal_history(ss_svc *svc, const char *es_id, ss_svc_change_cb cb, void *ctx,
                        sc_err *err)
{
    history_ctx h = { cb, ctx, 0, 0 };
    int rc;

    if (cb == NULL)
        return sc_err_set(err, SC_EINVAL, "seal history: no callback");
    if ((rc = svc__check_token("esID", es_id, SS_ES_ID_MAX, err)) != 0)
        return rc;
    return ss_store_seal_history(svc->st, es_id, history_cb, &h, err);
}

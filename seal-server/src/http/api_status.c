/* api_status.c: publishing seal and licence status (spec/status.asn1): one seal's or one
 * licence's signed entry (or JSON with Accept: application/json), the whole signed list
 * (every seal, then every licence), and RFC 3161 time-stamps at /tsa (api_int.h).
 * Not here: changing a seal's or a licence's status (api_seal.c, api_license.c). The status
 * is the service's (rule 4 of status.asn1 over the stored changes); here it is put into a
 * response and signed with the status_signer key. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "sealcore/status.h"
#include "sealcore/tsa.h"
#include "server.h"

/* ---- status ----------------------------------------------------------------------------- */

/* A seal's changes, as many as a signed entry carries (spec/status.asn1: 64). */
struct hist {
    sc_status_change c[SC_STATUS_MAX_HISTORY];
    size_t n;
    const char *es_id;
    sc_err *err;
};

static int on_change(void *ctx, const ss_svc_status_change *c)
{
    struct hist *h = ctx;

    /* The service lets a seal change without bound, the format does not. Not the client's
     * fault: the server's (500), named in its log. */
    if (h->n == SC_STATUS_MAX_HISTORY)
        return sc_err_set(h->err, SC_EUNSUPPORTED, "%s: more than %d status changes, "
                          "more than a signed status entry carries (spec/status.asn1)",
                          h->es_id, SC_STATUS_MAX_HISTORY);
    h->c[h->n].status = (sc_status_code)c->status;
    h->c[h->n].at = c->at;
    h->c[h->n++].reason = c->reason;
    return 0;
}

/* The entry for a seal (kind SC_STATUS_ESID: digest the SES_Seal's SM3, validEnd the seal's)
 * or a licence (SC_STATUS_LICENSE_ID: digest the file's SM3, validEnd the end of ZZYXQJZRQ's
 * day, none for 长期) at now, into b. The history is read only for a subject that changed: in
 * a status list most never did, and the service's status call has counted them already. */
static int add_subject(ss_svc *svc, sc_status_builder *b, int kind, const char *subject,
                       int64_t now, unsigned next_s, sc_err *err)
{
    ss_svc_status_info si;
    ss_svc_lic_status_info li;
    struct hist h;
    sc_status_entry e;
    size_t changes;
    int rc, seal = kind == SC_STATUS_ESID;

    h.n = 0;
    h.es_id = subject;
    h.err = err;
    memset(&e, 0, sizeof(e));
    if ((rc = seal ? ss_svc_seal_status(svc, subject, now, &si, err)
                   : ss_svc_lic_status(svc, subject, now, &li, err)) != 0)
        return rc;
    e.kind = (sc_status_subject)kind;
    e.subject = subject;
    e.status = (sc_status_code)(seal ? si.status : li.status);
    e.this_update = now;
    e.has_next_update = 1;
    e.next_update = now + next_s;
    changes = seal ? si.changes : li.changes;
    if (e.status != SC_STATUS_UNKNOWN) {
        if (changes > 0 && (rc = seal ? ss_svc_seal_history(svc, subject, on_change, &h, err)
                                      : ss_svc_lic_history(svc, subject, on_change, &h,
                                                           err)) != 0)
            return rc;
        e.digest = seal ? si.seal_sm3 : li.file_sm3;
        e.has_valid_end = seal || li.valid_to != 0;
        e.valid_end = seal ? si.valid_end : li.valid_to;
        e.history = h.n > 0 ? h.c : NULL;
        e.history_len = h.n;
    }
    return sc_status_builder_add(b, &e, err);
}

static int add_entry(ss_svc *svc, sc_status_builder *b, const char *es_id, int64_t now,
                     unsigned next_s, sc_err *err)
{
    return add_subject(svc, b, SC_STATUS_ESID, es_id, now, next_s, err);
}

static int add_license(ss_svc *svc, sc_status_builder *b, const char *zzbs, int64_t now,
                       unsigned next_s, sc_err *err)
{
    return add_subject(svc, b, SC_STATUS_LICENSE_ID, zzbs, now, next_s, err);
}

/* Sign with the status signer; its CA (the seal CA) follows it in certs. */
static int sign_status(ss_api_svc *a, sc_status_builder *b, uint8_t **der, size_t *len,
                       sc_err *err)
{
    const uint8_t *ca[1] = { a->cert[SS_CONFIG_SEAL_CA] };
    size_t cal[1] = { a->cert_len[SS_CONFIG_SEAL_CA] };

    return sc_status_builder_sign(b, a->key[SS_CONFIG_STATUS_SIGNER],
                                  a->cert[SS_CONFIG_STATUS_SIGNER],
                                  a->cert_len[SS_CONFIG_STATUS_SIGNER], ca, cal, 1, der, len,
                                  err);
}

static int wants_json(ss_req *req)
{
    const char *acc = ss_req_header(req, "Accept");

    return acc != NULL && strstr(acc, "application/json") != NULL;
}

/* The service keys when this server publishes status, or NULL after answering 503. */
static ss_api_svc *status_api(ss_req *req)
{
    ss_api_svc *a = ss_server_api(ss_req_server(req));

    if (a == NULL || a->svc == NULL) {
        ss__api_no_service(req);
        return NULL;
    }
    if (a->key[SS_CONFIG_STATUS_SIGNER] == NULL) {
        ss_req_reply_error(req, 503, SS_HE_UNAVAILABLE, "this server has no status_signer "
                           "configured (seal-server/README.md)");
        return NULL;
    }
    return a;
}

/* The signed response der (taken), or the failure rc that prevented it. */
static int reply_status(ss_req *req, int rc, uint8_t *der, size_t len, const sc_err *err)
{
    if (rc != 0)
        return ss__api_reply_svc(req, rc, err);
    rc = ss_req_reply_text(req, 200, SS_API_STATUS_TYPE, (const char *)der, len);
    free(der);
    return rc;
}

typedef int (*add_fn)(ss_svc *svc, sc_status_builder *b, const char *subject, int64_t now,
                      unsigned next_s, sc_err *err);

/* One subject's signed response: a seal's (add_entry) or a licence's (add_license). */
static int status_one(ss_api_svc *a, add_fn add, unsigned next_s, const char *subject,
                      int64_t now, const uint8_t *nonce, size_t nonce_len, uint8_t **der,
                      size_t *len, sc_err *err)
{
    sc_status_builder *b = NULL;
    int rc;

    if ((rc = sc_status_builder_new(&b, now, err)) == 0 &&
        (nonce == NULL || (rc = sc_status_builder_set_nonce(b, nonce, nonce_len, err)) == 0) &&
        (rc = add(a->svc, b, subject, now, next_s, err)) == 0)
        rc = sign_status(a, b, der, len, err);
    sc_status_builder_free(b);
    return rc;
}

int ss__api_status_one(ss_api_svc *a, unsigned next_s, const char *es_id, int64_t now,
                       const uint8_t *nonce, size_t nonce_len, uint8_t **der, size_t *len,
                       sc_err *err)
{
    return status_one(a, add_entry, next_s, es_id, now, nonce, nonce_len, der, len, err);
}

/* ?nonce=HEX (1..SC_STATUS_MAX_NONCE bytes): echoed in the signed answer, so a verifier that
 * sent a fresh one knows the answer was made for its request, not replayed (as OCSP's nonce).
 * @return bytes in out, 0 when absent, -1 when malformed (answered 400) */
static int read_nonce(ss_req *req, uint8_t out[SC_STATUS_MAX_NONCE])
{
    char hex[2 * SC_STATUS_MAX_NONCE + 2];
    int n = ss_req_query(req, "nonce", hex, sizeof(hex));
    size_t len;

    if (n == -1)
        return 0;
    len = n < 0 ? 0 : strlen(hex);
    if (len == 0 || len % 2 != 0 || len > 2 * SC_STATUS_MAX_NONCE ||
        ss__api_unhex(hex, out, len / 2) != 0) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "nonce: 2 to %d hex digits, an even "
                           "number (1 to %d bytes)", 2 * SC_STATUS_MAX_NONCE,
                           SC_STATUS_MAX_NONCE);
        return -1;
    }
    return (int)(len / 2);
}

/* One seal: a signed entry, or with Accept: application/json the same facts unsigned (no
 * history: that answer needs only the status, not the builder). */
int ss__api_seal_status(ss_req *req)
{
    ss_api_svc *a = status_api(req);
    const ss_config *cfg = ss_server_config(ss_req_server(req));
    const char *es_id = ss_req_param(req, "esID");
    int64_t now = (int64_t)time(NULL);
    unsigned next_s = ss_config_status_next_update_s(cfg);
    ss_svc_status_info st;
    uint8_t *der = NULL, nonce[SC_STATUS_MAX_NONCE];
    size_t len = 0;
    sc_err err = SC_ERR_INIT;
    int rc, nlen;

    if (a == NULL)
        return 0;
    if ((nlen = read_nonce(req, nonce)) < 0)
        return 0;
    if (wants_json(req)) {
        char hex[65];
        if ((rc = ss_svc_seal_status(a->svc, es_id, now, &st, &err)) != 0)
            return ss__api_reply_svc(req, rc, &err);
        ss__api_hex(st.seal_sm3, 32, hex);
        return ss__api_reply_doc(req, 200, json_pack("{s:s,s:s,s:s?,s:I,s:I,s:I,s:I,s:s?}",
                                                     "es_id", es_id, "status",
                                                     ss_svc_status_name(st.status), "reason",
                                                     st.reason >= 0
                                                         ? sc_status_reason_name(st.reason)
                                                         : NULL,
                                                     "since", (json_int_t)st.since,
                                                     "this_update", (json_int_t)now,
                                                     "next_update", (json_int_t)(now + next_s),
                                                     "valid_end", (json_int_t)st.valid_end,
                                                     "seal_sm3",
                                                     st.status != SS_SVC_UNKNOWN ? hex : NULL));
    }
    rc = ss__api_status_one(a, next_s, es_id, now, nlen > 0 ? nonce : NULL, (size_t)nlen, &der,
                            &len, &err);
    return reply_status(req, rc, der, len, &err);
}

/* One licence (spec/license-file.md §5): a signed entry with Subject licenseId, or with
 * Accept: application/json the same facts unsigned; ?nonce= as for a seal. A licence never
 * issued here is "unknown" (200), as an unknown seal. */
int ss__api_license_status(ss_req *req)
{
    ss_api_svc *a = status_api(req);
    const char *id = ss_req_param(req, "id");
    int64_t now = (int64_t)time(NULL);
    unsigned next_s = ss_config_status_next_update_s(ss_server_config(ss_req_server(req)));
    ss_svc_lic_status_info st;
    uint8_t *der = NULL, nonce[SC_STATUS_MAX_NONCE];
    size_t len = 0;
    char hex[65];
    sc_err err = SC_ERR_INIT;
    int rc, nlen;

    if (a == NULL || (nlen = read_nonce(req, nonce)) < 0)
        return 0;
    if (!wants_json(req)) {
        rc = status_one(a, add_license, next_s, id, now, nlen > 0 ? nonce : NULL,
                        (size_t)nlen, &der, &len, &err);
        return reply_status(req, rc, der, len, &err);
    }
    if ((rc = ss_svc_lic_status(a->svc, id, now, &st, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    ss__api_hex(st.file_sm3, 32, hex);
    return ss__api_reply_doc(req, 200,
                             json_pack("{s:s,s:s,s:s?,s:s?,s:I,s:I,s:I,s:I,s:I,s:s?,s:s?}",
                                       "id", id, "status", sc_status_name(st.status), "reason",
                                       st.reason >= 0 ? sc_status_reason_name(st.reason) : NULL,
                                       "text", st.text[0] != '\0' ? st.text : NULL,
                                       "since", (json_int_t)st.since,
                                       "this_update", (json_int_t)now,
                                       "next_update", (json_int_t)(now + next_s),
                                       "valid_from", (json_int_t)st.valid_from,
                                       "valid_to", (json_int_t)st.valid_to,
                                       "file_sm3", st.status != SC_STATUS_UNKNOWN ? hex : NULL,
                                       "replaced_by",
                                       st.replaced_by[0] != '\0' ? st.replaced_by : NULL));
}

struct es_list {
    char (*ids)[SS_ES_ID_MAX + 1];
    size_t n, cap;
    int64_t last;
};

static int on_seal(void *ctx, const ss_seal *s)
{
    struct es_list *l = ctx;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        void *p = realloc(l->ids, cap * sizeof(*l->ids));
        if (p == NULL)
            return SC_ENOMEM;
        l->ids = p;
        l->cap = cap;
    }
    memcpy(l->ids[l->n++], s->es_id, sizeof(s->es_id));
    l->last = s->id;
    return 0;
}

/* The identifiers of every licence (of type, when not NULL), read before any status is
 * asked or any entry built: SC_ELIMIT past max of them. A province's 10^6+ licences in one
 * signed answer, built on every request by any role, would be a way to exhaust the server;
 * the identifiers alone are max * 81 bytes at most. */
#define LIC_PAGE 1000

struct lic_ids {
    char (*ids)[SS_LIC_ID_MAX + 1];
    size_t n, cap;                /* cap grows by doubling, up to max */
    uint64_t max;
    int64_t last;
};

static int on_license(void *ctx, const ss_license *l)
{
    struct lic_ids *p = ctx;

    if (p->n == p->cap) {
        size_t cap = p->cap == 0 ? LIC_PAGE : 2 * p->cap;
        void *ids;
        if (p->n >= p->max)
            return SC_ELIMIT;
        if (cap > p->max)
            cap = (size_t)p->max;
        if ((ids = realloc(p->ids, cap * sizeof(*p->ids))) == NULL)
            return SC_ENOMEM;
        p->ids = ids;
        p->cap = cap;
    }
    memcpy(p->ids[p->n++], l->zzbs, sizeof(l->zzbs));
    p->last = l->id;
    return 0;
}

static int list_licenses(ss_store *store, const char *type, uint64_t max, struct lic_ids *p,
                         sc_err *err)
{
    size_t before;
    int rc = 0;

    /* the room grows with what is found: a request for a few licences costs a few */
    p->max = max < SIZE_MAX / sizeof(*p->ids) ? max : SIZE_MAX / sizeof(*p->ids);
    do {
        before = p->n;
        rc = ss_store_lic_list(store, type, SS_LIC_ANY, p->last, LIC_PAGE, on_license, p, err);
    } while (rc == 0 && p->n - before == LIC_PAGE);
    if (rc == SC_ENOMEM)
        rc = sc_err_set(err, SC_ENOMEM, "status list: out of memory");
    else if (rc == SC_ELIMIT)
        rc = sc_err_set(err, SC_ELIMIT, "more than %llu licences for one status list "
                        "(status_list_max_licenses): ask for one type (?subjects=licenses"
                        "&type=CODE), or for each licence's own status (GET /api/v1/"
                        "licenses/{id}/status)", (unsigned long long)max);
    return rc;
}

/* What a status list holds: ?subjects=seals|licenses (absent: both) and ?type=CODE (only
 * that type's licences). 0, or -1 after answering 400. */
static int list_scope(ss_req *req, int *seals, int *licenses, char *type, size_t type_n,
                      const char **type_out)
{
    char subjects[16];
    const char *s = NULL;

    if (ss__api_q_str(req, "subjects", subjects, sizeof(subjects), 0, &s) != 0 ||
        ss__api_q_str(req, "type", type, type_n, 0, type_out) != 0)
        return -1;
    *seals = s == NULL || strcmp(s, "seals") == 0;
    *licenses = s == NULL || strcmp(s, "licenses") == 0;
    if (!*seals && !*licenses) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "subjects: \"%s\" is not seals or "
                           "licenses (absent: both)", s);
        return -1;
    }
    if (*type_out != NULL && s == NULL)
        *seals = 0;                                   /* a type names licences */
    if (*type_out != NULL && !*licenses) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "type: licence types apply to "
                           "subjects=licenses, not seals");
        return -1;
    }
    return 0;
}

/* The list: one entry per seal made here, then one per licence issued here (?subjects and
 * ?type narrow it: list_scope). listSequence is the audit chain's head: every status change
 * (and every other act) appends a record, so it grows with every change. */
int ss__api_status_list(ss_req *req)
{
    ss_api_svc *a = status_api(req);
    ss_store *store = ss_server_store(ss_req_server(req));
    const ss_config *cfg = ss_server_config(ss_req_server(req));
    unsigned next_s = ss_config_status_next_update_s(cfg);
    int64_t now = (int64_t)time(NULL), seq = 0;
    struct es_list l = { NULL, 0, 0, 0 };
    struct lic_ids lics = { NULL, 0, 0, 0, 0 };
    sc_status_builder *b = NULL;
    uint8_t head[32], *der = NULL;
    size_t len = 0, before;
    sc_err err = SC_ERR_INIT;
    char type_buf[SS_LIC_CODE_MAX + 1];
    const char *type = NULL;
    int rc = 0, seals, licenses;

    if (a == NULL || list_scope(req, &seals, &licenses, type_buf, sizeof(type_buf), &type) != 0)
        return 0;
    if (licenses)
        rc = list_licenses(store, type, ss_config_status_list_max_licenses(cfg), &lics, &err);
    while (seals && rc == 0) {
        before = l.n;
        rc = ss_store_seal_list(store, 0, SS_SEAL_ANY, l.last, 1000, on_seal, &l, &err);
        if (l.n - before < 1000)
            break;
    }
    if (rc == 0)
        rc = ss_audit_head(store, &seq, head, &err);
    if (rc == 0 && (rc = sc_status_builder_new(&b, now, &err)) == 0)
        rc = sc_status_builder_set_list_sequence(b, seq, &err);
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        rc = add_entry(a->svc, b, l.ids[i], now, next_s, &err);
    for (size_t i = 0; rc == 0 && i < lics.n; i++)
        rc = add_license(a->svc, b, lics.ids[i], now, next_s, &err);
    if (rc == 0)
        rc = sign_status(a, b, &der, &len, &err);
    sc_status_builder_free(b);
    free(l.ids);
    free(lics.ids);
    return reply_status(req, rc, der, len, &err);      /* SC_ELIMIT: 400 with the way round */
}

/* ---- RFC 3161 time-stamping -------------------------------------------------------------- */

int ss__api_tsa(ss_req *req)
{
    ss_api_svc *a = ss_server_api(ss_req_server(req));
    size_t len, out_len = 0;
    const uint8_t *body = ss_req_body(req, &len);
    uint8_t *out = NULL;
    sc_tsa_outcome oc;
    sc_err err = SC_ERR_INIT;
    int rc;

    if (a == NULL || a->tsa == NULL)
        return ss_req_reply_error(req, 503, SS_HE_UNAVAILABLE, "this server has no TSA "
                                  "configured (tsa and tsa_policy: seal-server/README.md)");
    if (len == 0)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "a DER TimeStampReq is the body");
    rc = sc_tsa_respond(a->tsa, body, len, 0, &out, &out_len, &oc, &err);
    if (rc == SC_EFORMAT || rc == SC_ELIMIT)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "not a TimeStampReq: %s",
                                  err.msg);
    if (rc != 0)
        return ss__api_reply_svc(req, rc, &err);
    if (oc.status != 0)
        ss_req_log_detail(req, "time-stamp rejected: %s", oc.reason);
    rc = ss_req_reply_text(req, 200, "application/timestamp-reply", (const char *)out,
                           out_len);
    free(out);
    return rc;
}

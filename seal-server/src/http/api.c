/* api.c: /api/v1 units, applications, seals, grants and data signing (api.h).
 * Every handler: the service (503 when the server has none), the JSON body, one service call
 * as the authenticated client, then the answer; service codes become HTTP by reply_svc(). */
#include "api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "sealcore/ofd.h"
#include "sealcore/ofd_sign.h"
#include "sealcore/status.h"
#include "sealcore/tsa.h"

#include "api_svc.h"
#include "audit.h"
#include "request.h"
#include "server.h"
#include "service.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static ss_svc *svc_of(ss_req *req)
{
    ss_api_svc *a = ss_server_api(ss_req_server(req));

    return a != NULL ? a->svc : NULL;
}

static ss_svc_actor actor_of(const ss_req *req)
{
    ss_svc_actor a = { ss_req_client_id(req), ss_req_client_roles(req) };

    return a;
}

/* seal-server/README.md "API errors": a used-up or expired grant is 403 like a missing one
 * (a permission that no longer holds; 429 would invite a retry that cannot succeed). */
static int reply_svc(ss_req *req, int rc, const sc_err *err)
{
    const char *m = err != NULL && err->msg[0] != '\0' ? err->msg : ss_svc_err_name(rc);

    switch (rc) {
    case SC_EINVAL:
    case SC_EFORMAT: return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "%s", m);
    case SS_EFORBIDDEN:
    case SS_EEXPIRED: return ss_req_reply_error(req, 403, SS_HE_FORBIDDEN, "%s", m);
    case SC_ELIMIT: return ss_req_reply_error(req, 403, SS_HE_FORBIDDEN, "%s", m);
    case SC_ENOTFOUND: return ss_req_reply_error(req, 404, SS_HE_NOT_FOUND, "%s", m);
    case SS_ECONFLICT:
    case SS_ESTATE: return ss_req_reply_error(req, 409, SS_HE_CONFLICT, "%s", m);
    case SS_EBUSY: return ss_req_reply_error(req, 503, SS_HE_UNAVAILABLE, "%s", m);
    default:
        ss_req_log_detail(req, "%s: %s", ss_svc_err_name(rc), m);
        return ss_req_reply_error(req, 500, SS_HE_INTERNAL, "the server failed: %s",
                                  ss_svc_err_name(rc));
    }
}

static int no_service(ss_req *req)
{
    return ss_req_reply_error(req, 503, SS_HE_UNAVAILABLE, "this server has no seal service "
                              "configured (seal_ca, seal_maker: seal-server/README.md)");
}

/* The JSON object body, or NULL after answering 400. */
static json_t *body_json(ss_req *req)
{
    size_t len;
    const uint8_t *b = ss_req_body(req, &len);
    json_error_t jerr;
    json_t *doc;

    if (len == 0) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "a JSON body is required");
        return NULL;
    }
    if ((doc = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "body is not JSON: line %d column %d: "
                           "%s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "body: expected a JSON object");
        return NULL;
    }
    return doc;
}

/* Optional string member: 0 (absent: *out NULL), or -1 after answering 400. */
static int opt_str(ss_req *req, const json_t *o, const char *k, const char **out)
{
    const json_t *v = json_object_get(o, k);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"%s\": expected a string", k);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int need_str(ss_req *req, const json_t *o, const char *k, const char **out)
{
    if (opt_str(req, o, k, out) != 0)
        return -1;
    if (*out == NULL) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"%s\": required", k);
        return -1;
    }
    return 0;
}

static int opt_int(ss_req *req, const json_t *o, const char *k, int64_t *out, int required)
{
    const json_t *v = json_object_get(o, k);

    if (v == NULL && !required)
        return 0;
    if (!json_is_integer(v)) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"%s\": %s an integer", k,
                           v == NULL ? "required:" : "expected");
        return -1;
    }
    *out = (int64_t)json_integer_value(v);
    return 0;
}

/* Base64 (standard alphabet, padded) into a new buffer. @return 0, -1 not base64, -2 ENOMEM */
static int b64_decode(const char *s, uint8_t **out, size_t *len)
{
    size_t n = strlen(s), pad = 0;
    uint8_t *buf;
    int r;

    *out = NULL;
    *len = 0;
    if (n % 4 != 0)
        return -1;
    if ((buf = malloc(n / 4 * 3 + 1)) == NULL)
        return -2;
    if (n > 0 && (r = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n)) < 0) {
        free(buf);
        return -1;
    }
    if (n >= 1 && s[n - 1] == '=')
        pad++;
    if (n >= 2 && s[n - 2] == '=')
        pad++;
    *out = buf;
    *len = n / 4 * 3 - pad;
    return 0;
}

static json_t *b64_json(const uint8_t *d, size_t n)
{
    char *buf = malloc(4 * ((n + 2) / 3) + 1);
    json_t *j;

    if (buf == NULL)
        return NULL;
    EVP_EncodeBlock((unsigned char *)buf, d, (int)n);
    j = json_string(buf);
    free(buf);
    return j;
}

static int reply_doc(ss_req *req, int status, json_t *doc)
{
    int rc;

    if (doc == NULL)
        return SC_ENOMEM;
    rc = ss_req_reply_json(req, status, doc);
    json_decref(doc);
    return rc;
}

/* {id} or {esID} as a positive integer id; -1 after answering 404. */
static int64_t param_id(ss_req *req, const char *name)
{
    const char *p = ss_req_param(req, name);
    char *end;
    long long v = p != NULL ? strtoll(p, &end, 10) : 0;

    if (p == NULL || *p == '\0' || *end != '\0' || v <= 0) {
        ss_req_reply_error(req, 404, SS_HE_NOT_FOUND, "no such %s: %s", name,
                           p != NULL ? p : "");
        return -1;
    }
    return (int64_t)v;
}

/* ---- units ------------------------------------------------------------------------------- */

static int h_unit_add(ss_req *req)
{
    ss_svc *svc = svc_of(req);
    ss_svc_actor act = actor_of(req);
    const char *code, *name;
    sc_err err = SC_ERR_INIT;
    int64_t id = 0;
    json_t *b;
    int rc;

    if (svc == NULL)
        return no_service(req);
    if ((b = body_json(req)) == NULL)
        return 0;
    if (need_str(req, b, "code", &code) != 0 || need_str(req, b, "name", &name) != 0) {
        json_decref(b);
        return 0;
    }
    rc = ss_svc_unit_add(svc, &act, code, name, &id, &err);
    if (rc != 0) {
        json_decref(b);
        return reply_svc(req, rc, &err);
    }
    rc = reply_doc(req, 201, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "code", code,
                                       "name", name));
    json_decref(b);
    return rc;
}

/* ---- applications ------------------------------------------------------------------------ */

static int h_app_apply(ss_req *req)
{
    ss_svc *svc = svc_of(req);
    ss_svc_actor act = actor_of(req);
    ss_svc_app_req ar;
    const char *img = NULL;
    int64_t unit_id = 0, type = 0, w = 0, h = 0, from = 0, to = 0, id = 0;
    uint8_t *image = NULL;
    sc_err err = SC_ERR_INIT;
    json_t *b;
    int rc = 0;

    if (svc == NULL)
        return no_service(req);
    if ((b = body_json(req)) == NULL)
        return 0;
    memset(&ar, 0, sizeof(ar));
    if (opt_int(req, b, "unit_id", &unit_id, 1) != 0 ||
        opt_int(req, b, "seal_type", &type, 1) != 0 ||
        need_str(req, b, "name", &ar.name) != 0 ||
        need_str(req, b, "image_b64", &img) != 0 ||
        need_str(req, b, "image_format", &ar.image_format) != 0 ||
        opt_int(req, b, "width_mm", &w, 1) != 0 || opt_int(req, b, "height_mm", &h, 1) != 0 ||
        opt_int(req, b, "valid_from", &from, 1) != 0 ||
        opt_int(req, b, "valid_to", &to, 1) != 0)
        goto out;
    if ((rc = b64_decode(img, &image, &ar.image_len)) != 0) {
        rc = rc == -2 ? SC_ENOMEM
                      : ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"image_b64\": not "
                                           "base64");
        goto out;
    }
    if (type < 1 || type > 255 || w < 1 || w > 1000 || h < 1 || h > 1000) {
        rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "seal_type 1..255, width_mm and "
                                "height_mm 1..1000");
        goto out;
    }
    ar.unit_id = unit_id;
    ar.seal_type = (int)type;
    ar.image = image;
    ar.width_mm = (int)w;
    ar.height_mm = (int)h;
    ar.valid_from = from;
    ar.valid_to = to;
    if ((rc = ss_svc_app_apply(svc, &act, &ar, &id, &err)) != 0) {
        rc = reply_svc(req, rc, &err);
        goto out;
    }
    rc = reply_doc(req, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state", "pending"));
out:
    free(image);
    json_decref(b);
    return rc;
}

static int h_app_review(ss_req *req, int approve)
{
    ss_svc *svc = svc_of(req);
    ss_svc_actor act = actor_of(req);
    const char *reason = NULL, *es_id = NULL;
    char es[SS_ES_ID_MAX + 1] = "";
    sc_err err = SC_ERR_INIT;
    int64_t id;
    json_t *b = NULL;
    size_t len;
    int rc;

    if (svc == NULL)
        return no_service(req);
    if ((id = param_id(req, "id")) < 0)
        return 0;
    (void)ss_req_body(req, &len);
    if (len > 0 || !approve) {
        if ((b = body_json(req)) == NULL)
            return 0;
        if (opt_str(req, b, "reason", &reason) != 0 ||
            (approve && opt_str(req, b, "es_id", &es_id) != 0)) {
            json_decref(b);
            return 0;
        }
    }
    if (approve)
        rc = ss_svc_app_approve(svc, &act, id, es_id, reason, es, &err);
    else
        rc = ss_svc_app_reject(svc, &act, id, reason, &err);
    json_decref(b);
    if (rc != 0)
        return reply_svc(req, rc, &err);
    if (approve)
        return reply_doc(req, 200, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "state",
                                             "approved", "es_id", es));
    return reply_doc(req, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state",
                                         "rejected"));
}

static int h_app_approve(ss_req *req) { return h_app_review(req, 1); }
static int h_app_reject(ss_req *req) { return h_app_review(req, 0); }

/* ---- seals ------------------------------------------------------------------------------- */

static int h_seal_get(ss_req *req)
{
    ss_svc *svc = svc_of(req);
    ss_svc_actor act = actor_of(req);
    ss_svc_status_info st;
    ss_seal s;
    sc_err err = SC_ERR_INIT;
    json_t *doc;
    int rc;

    if (svc == NULL)
        return no_service(req);
    memset(&s, 0, sizeof(s));
    if ((rc = ss_svc_seal_get(svc, &act, ss_req_param(req, "esID"), &s, &err)) != 0)
        return reply_svc(req, rc, &err);
    if ((rc = ss_svc_seal_status(svc, s.es_id, 0, &st, &err)) != 0) {
        ss_seal_clear(&s);
        return reply_svc(req, rc, &err);
    }
    doc = json_pack("{s:s,s:I,s:s,s:i,s:I,s:I,s:s,s:I,s:o,s:o}", "es_id", s.es_id,
                    "unit_id", (json_int_t)s.unit_id, "name", s.name, "seal_type",
                    s.seal_type, "valid_start", (json_int_t)s.valid_start, "valid_end",
                    (json_int_t)s.valid_end, "status", ss_svc_status_name(st.status),
                    "created", (json_int_t)s.created, "seal_b64", b64_json(s.der, s.der_len),
                    "signer_cert_b64", b64_json(s.signer_cert, s.signer_cert_len));
    ss_seal_clear(&s);
    return reply_doc(req, 200, doc);
}

enum { CH_SUSPEND, CH_RESUME, CH_REVOKE };

static const struct { const char *name; int value; } REASONS[] = {
    { "unspecified", SS_SVC_REASON_UNSPECIFIED },
    { "keyCompromise", SS_SVC_REASON_KEY_COMPROMISE },
    { "affiliationChanged", SS_SVC_REASON_AFFILIATION_CHANGED },
    { "superseded", SS_SVC_REASON_SUPERSEDED },
    { "cessationOfOperation", SS_SVC_REASON_CESSATION_OF_OPERATION },
};

static int h_seal_change(ss_req *req, int what)
{
    ss_svc *svc = svc_of(req);
    ss_svc_actor act = actor_of(req);
    const char *es_id = ss_req_param(req, "esID"), *text = NULL, *reason = NULL;
    sc_err err = SC_ERR_INIT;
    int r = SS_SVC_REASON_UNSPECIFIED, rc;
    ss_svc_status_info st;
    json_t *b = NULL;
    size_t len;

    if (svc == NULL)
        return no_service(req);
    (void)ss_req_body(req, &len);
    if (len > 0) {
        if ((b = body_json(req)) == NULL)
            return 0;
        if (opt_str(req, b, "text", &text) != 0 || opt_str(req, b, "reason", &reason) != 0) {
            json_decref(b);
            return 0;
        }
    }
    if (what == CH_REVOKE && reason != NULL) {
        size_t i;
        for (i = 0; i < sizeof(REASONS) / sizeof(REASONS[0]); i++)
            if (strcmp(REASONS[i].name, reason) == 0)
                break;
        if (i == sizeof(REASONS) / sizeof(REASONS[0])) {
            json_decref(b);
            return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"reason\": one of "
                                      "unspecified, keyCompromise, affiliationChanged, "
                                      "superseded, cessationOfOperation");
        }
        r = REASONS[i].value;
    } else if (reason != NULL && text == NULL) {
        text = reason;   /* suspend/resume: the reason is the officer's note */
    }
    rc = what == CH_SUSPEND ? ss_svc_seal_suspend(svc, &act, es_id, text, &err)
         : what == CH_RESUME ? ss_svc_seal_resume(svc, &act, es_id, text, &err)
                             : ss_svc_seal_revoke(svc, &act, es_id, r, text, &err);
    json_decref(b);
    if (rc != 0)
        return reply_svc(req, rc, &err);
    if ((rc = ss_svc_seal_status(svc, es_id, 0, &st, &err)) != 0)
        return reply_svc(req, rc, &err);
    return reply_doc(req, 200, json_pack("{s:s,s:s}", "es_id", es_id, "status",
                                         ss_svc_status_name(st.status)));
}

static int h_seal_suspend(ss_req *req) { return h_seal_change(req, CH_SUSPEND); }
static int h_seal_resume(ss_req *req) { return h_seal_change(req, CH_RESUME); }
static int h_seal_revoke(ss_req *req) { return h_seal_change(req, CH_REVOKE); }

/* ---- grants ------------------------------------------------------------------------------ */

static int h_grant_add(ss_req *req)
{
    ss_svc *svc = svc_of(req);
    ss_svc_actor act = actor_of(req);
    const char *es_id;
    int64_t client = 0, exp = 0, lim = 0, id = 0;
    sc_err err = SC_ERR_INIT;
    json_t *b;
    int rc;

    if (svc == NULL)
        return no_service(req);
    if ((b = body_json(req)) == NULL)
        return 0;
    if (opt_int(req, b, "client_id", &client, 1) != 0 || need_str(req, b, "es_id", &es_id) ||
        opt_int(req, b, "expires_at", &exp, 0) != 0 ||
        opt_int(req, b, "use_limit", &lim, 0) != 0) {
        json_decref(b);
        return 0;
    }
    if ((rc = ss_svc_grant_add(svc, &act, client, es_id, exp, lim, &id, &err)) != 0) {
        json_decref(b);
        return reply_svc(req, rc, &err);
    }
    rc = reply_doc(req, 201, json_pack("{s:I,s:I,s:s,s:I,s:I}", "id", (json_int_t)id,
                                       "client_id", (json_int_t)client, "es_id", es_id,
                                       "expires_at", (json_int_t)exp, "use_limit",
                                       (json_int_t)lim));
    json_decref(b);
    return rc;
}

/* ---- signing ----------------------------------------------------------------------------- */

static int hex32(const char *s, uint8_t out[32])
{
    if (strlen(s) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        char two[3] = { s[2 * i], s[2 * i + 1], '\0' };
        char *end;
        if (strspn(two, "0123456789abcdefABCDEF") != 2)
            return -1;
        v = (unsigned)strtoul(two, &end, 16);
        out[i] = (uint8_t)v;
    }
    return 0;
}

static int h_sign_data(ss_req *req)
{
    ss_svc *svc = svc_of(req);
    ss_svc_actor act = actor_of(req);
    ss_svc_sign_item it;
    ss_svc_sign_opts so = { ss_req_id(req), ss_req_header(req, "Idempotency-Key") };
    const char *data_b64 = NULL, *sm3_hex = NULL;
    uint8_t *data = NULL, *sig = NULL, sm3[32];
    size_t sig_len = 0;
    sc_err err = SC_ERR_INIT;
    int replayed = 0, rc = 0;
    json_t *b, *doc;

    if (svc == NULL)
        return no_service(req);
    if ((b = body_json(req)) == NULL)
        return 0;
    memset(&it, 0, sizeof(it));
    if (need_str(req, b, "es_id", &it.es_id) != 0 ||
        opt_str(req, b, "data_b64", &data_b64) != 0 ||
        opt_str(req, b, "sm3_hex", &sm3_hex) != 0 ||
        opt_str(req, b, "property_info", &it.property_info) != 0)
        goto out;
    if ((data_b64 == NULL) == (sm3_hex == NULL)) {
        rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "exactly one of \"data_b64\" and "
                                "\"sm3_hex\" is required");
        goto out;
    }
    if (data_b64 != NULL) {
        if ((rc = b64_decode(data_b64, &data, &it.data_len)) != 0) {
            rc = rc == -2 ? SC_ENOMEM : ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST,
                                                           "\"data_b64\": not base64");
            goto out;
        }
        it.data = data;
    } else if (hex32(sm3_hex, sm3) != 0) {
        rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"sm3_hex\": expected 64 hex "
                                "digits");
        goto out;
    } else {
        it.data_sm3 = sm3;
    }
    if ((rc = ss_svc_sign_data(svc, &act, &it, &so, &sig, &sig_len, &replayed, &err)) != 0) {
        rc = reply_svc(req, rc, &err);
        goto out;
    }
    doc = json_pack("{s:s,s:o,s:b}", "es_id", it.es_id, "signature_b64",
                    b64_json(sig, sig_len), "replayed", replayed);
    rc = reply_doc(req, 200, doc);
out:
    free(sig);
    free(data);
    json_decref(b);
    return rc;
}

/* ---- sign/ofd --------------------------------------------------------------------------- */

struct ofd_sink {
    ss_req *req;
    int begun;
};

/* The service calls this only after the signature is committed: the first byte starts the
 * 200 answer, streamed in chunks as the spool is read back. */
static int ofd_out(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    struct ofd_sink *k = ctx;

    if (!k->begun) {
        if (ss_req_stream_begin(k->req, 200, SS_API_OFD_TYPE) != 0)
            return sc_err_set(err, SC_EIO, "the client went away");
        k->begun = 1;
    }
    if (ss_req_stream_write(k->req, p, n) != 0)
        return sc_err_set(err, SC_EIO, "the client went away");
    return 0;
}

/* A query number; 0 absent, 1 read, -1 after answering 400. */
static int q_num(ss_req *req, const char *name, double lo, double hi, double *out)
{
    char buf[64], *end;
    int l = ss_req_query(req, name, buf, sizeof(buf));

    if (l == -1)
        return 0;
    *out = l >= 0 ? strtod(buf, &end) : 0;
    if (l < 1 || *end != '\0' || !(*out >= lo && *out <= hi)) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "%s: expected a number in %g..%g", name,
                           lo, hi);
        return -1;
    }
    return 1;
}

/* Position from the query: page+x+y, keyword[+occurrence], or riding[+pages]; lock,
 * width, height. 0, or -1 after answering 400. */
static int ofd_position(ss_req *req, sc_ofd_sign_params *p, char *kw, size_t kwn)
{
    char buf[64];
    double page = 0, x = 0, y = 0, v;
    int hp, hx, hy, l;

    memset(p, 0, sizeof(*p));
    if ((hp = q_num(req, "page", 1, 1e6, &page)) < 0 || (hx = q_num(req, "x", 0, 1e4, &x)) < 0 ||
        (hy = q_num(req, "y", 0, 1e4, &y)) < 0 || q_num(req, "width", 1, 1000, &p->width_mm) < 0 ||
        q_num(req, "height", 1, 1000, &p->height_mm) < 0)
        return -1;
    if (ss_req_query(req, "lock", buf, sizeof(buf)) >= 0)
        p->lock = strcmp(buf, "1") == 0 || strcmp(buf, "true") == 0;
    if ((l = ss_req_query(req, "keyword", kw, kwn)) >= 1) {
        p->place = SC_OFD_PLACE_KEYWORD;
        p->keyword = kw;
        p->occurrence = 1;
        if (ss_req_query(req, "occurrence", buf, sizeof(buf)) >= 0) {
            if (strcmp(buf, "all") == 0)
                p->occurrence = SC_OFD_OCCUR_ALL;
            else if (strcmp(buf, "last") == 0)
                p->occurrence = SC_OFD_OCCUR_LAST;
            else if (q_num(req, "occurrence", 1, 1e6, &v) < 0)
                return -1;
            else
                p->occurrence = (int)v;
        }
        return 0;
    }
    if (l == -2) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "keyword: too long");
        return -1;
    }
    if (ss_req_query(req, "riding", buf, sizeof(buf)) >= 0) {
        unsigned long a = 0, b = 0;
        p->place = SC_OFD_PLACE_RIDING;
        p->riding = strcmp(buf, "left") == 0 ? SC_OFD_RIDING_LEFT
                    : strcmp(buf, "both") == 0 ? SC_OFD_RIDING_BOTH
                    : strcmp(buf, "right") == 0 || buf[0] == '\0' ? SC_OFD_RIDING_RIGHT : 0;
        if (p->riding == 0) {
            ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "riding: right, left or both");
            return -1;
        }
        if (ss_req_query(req, "pages", buf, sizeof(buf)) >= 0 &&
            (sscanf(buf, "%lu-%lu", &a, &b) != 2 || a < 1 || b < a)) {
            ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "pages: FIRST-LAST, 1-based");
            return -1;
        }
        p->first_page = a;
        p->last_page = b;
        return 0;
    }
    if (hp != 1 || hx != 1 || hy != 1) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "position: page, x and y (mm), or "
                           "keyword [occurrence], or riding [pages]");
        return -1;
    }
    p->place = SC_OFD_PLACE_PAGE_XY;
    p->page = (size_t)page;
    p->x_mm = x;
    p->y_mm = y;
    return 0;
}

static int h_sign_ofd(ss_req *req)
{
    ss_svc *svc = svc_of(req);
    ss_svc_actor act = actor_of(req);
    ss_svc_sign_opts so = { ss_req_id(req), ss_req_header(req, "Idempotency-Key") };
    sc_ofd_sign_params pos;
    ss_svc_ofd_req orq;
    struct ofd_sink k = { req, 0 };
    char es[SS_ES_ID_MAX + 1], kw[512];
    uint8_t sm3[32];
    unsigned int hl = 0;
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;
    size_t len;
    const uint8_t *body = ss_req_body(req, &len);
    int rc, replayed = 0;

    if (svc == NULL)
        return no_service(req);
    if (ss_req_query(req, "es_id", es, sizeof(es)) < 1)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "es_id: required (query)");
    if (len == 0)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "the OFD package is the body");
    if (ofd_position(req, &pos, kw, sizeof(kw)) != 0)
        return 0;
    if (EVP_Digest(body, len, sm3, &hl, EVP_sm3(), NULL) != 1)
        return SC_ECRYPTO;
    if ((rc = sc_ofd_pkg_open_mem(&pkg, body, len, &err)) != 0)
        return rc == SC_ENOMEM ? rc : ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST,
                                                         "not an OFD package: %s", err.msg);
    orq.es_id = es;
    orq.pkg = pkg;
    orq.doc_sm3 = sm3;
    orq.pos = &pos;
    rc = ss_svc_sign_ofd(svc, &act, &orq, &so, ofd_out, &k, NULL, &replayed, &err);
    sc_ofd_pkg_free(pkg);
    if (k.begun) {
        if (rc != 0) {
            ss_req_log_detail(req, "after the answer began: %s", err.msg);
            return 0;
        }
        (void)ss_req_stream_end(req);   /* a failure here: the client saw a cut stream */
        return 0;
    }
    if (rc == 0)   /* nothing written: an empty package cannot be, but answer anyway */
        return ss_req_reply_error(req, 500, SS_HE_INTERNAL, "the signed package is empty");
    return reply_svc(req, rc, &err);
}

/* ---- status ----------------------------------------------------------------------------- */

#define HIST_MAX 64

struct hist {
    sc_status_change c[HIST_MAX];
    size_t n;
};

static int on_change(void *ctx, const ss_svc_status_change *c)
{
    struct hist *h = ctx;

    if (h->n == HIST_MAX)
        return SC_ELIMIT;
    h->c[h->n].status = (sc_status_code)c->status;
    h->c[h->n].at = c->at;
    h->c[h->n++].reason = c->reason;
    return 0;
}

/* The entry for es_id at now, into b; *st (may be NULL) gets the status info. */
static int add_entry(ss_svc *svc, sc_status_builder *b, const char *es_id, int64_t now,
                     unsigned next_s, ss_svc_status_info *st, sc_err *err)
{
    ss_svc_status_info info;
    struct hist h;
    sc_status_entry e;
    int rc;

    h.n = 0;
    if ((rc = ss_svc_seal_status(svc, es_id, now, &info, err)) != 0)
        return rc;
    memset(&e, 0, sizeof(e));
    e.kind = SC_STATUS_ESID;
    e.subject = es_id;
    e.status = (sc_status_code)info.status;
    e.this_update = now;
    e.has_next_update = 1;
    e.next_update = now + next_s;
    if (info.status != SS_SVC_UNKNOWN) {
        if ((rc = ss_svc_seal_history(svc, es_id, on_change, &h, err)) != 0)
            return rc;
        e.digest = info.seal_sm3;
        e.has_valid_end = 1;
        e.valid_end = info.valid_end;
        e.history = h.n > 0 ? h.c : NULL;
        e.history_len = h.n;
    }
    if (st != NULL)
        *st = info;
    return sc_status_builder_add(b, &e, err);
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

static int no_status_signer(ss_req *req)
{
    return ss_req_reply_error(req, 503, SS_HE_UNAVAILABLE, "this server has no status_signer "
                              "configured (seal-server/README.md)");
}

static int h_seal_status(ss_req *req)
{
    ss_api_svc *a = ss_server_api(ss_req_server(req));
    const ss_config *cfg = ss_server_config(ss_req_server(req));
    const char *es_id = ss_req_param(req, "esID");
    int64_t now = (int64_t)time(NULL);
    unsigned next_s = ss_config_status_next_update_s(cfg);
    sc_status_builder *b = NULL;
    ss_svc_status_info st;
    uint8_t *der = NULL;
    size_t len = 0;
    sc_err err = SC_ERR_INIT;
    int rc;

    if (a == NULL || a->svc == NULL)
        return no_service(req);
    if (a->key[SS_CONFIG_STATUS_SIGNER] == NULL)
        return no_status_signer(req);
    if ((rc = sc_status_builder_new(&b, now, &err)) != 0 ||
        (rc = add_entry(a->svc, b, es_id, now, next_s, &st, &err)) != 0) {
        sc_status_builder_free(b);
        return reply_svc(req, rc, &err);
    }
    if (wants_json(req)) {
        char hex[65];
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", st.seal_sm3[i]);
        sc_status_builder_free(b);
        return reply_doc(req, 200, json_pack("{s:s,s:s,s:s?,s:I,s:I,s:I,s:I,s:s?}", "es_id",
                                             es_id, "status", ss_svc_status_name(st.status),
                                             "reason", st.reason >= 0
                                                 ? sc_status_reason_name(st.reason) : NULL,
                                             "since", (json_int_t)st.since, "this_update",
                                             (json_int_t)now, "next_update",
                                             (json_int_t)(now + next_s), "valid_end",
                                             (json_int_t)st.valid_end, "seal_sm3",
                                             st.status != SS_SVC_UNKNOWN ? hex : NULL));
    }
    rc = sign_status(a, b, &der, &len, &err);
    sc_status_builder_free(b);
    if (rc != 0)
        return reply_svc(req, rc, &err);
    rc = ss_req_reply_text(req, 200, SS_API_STATUS_TYPE, (const char *)der, len);
    free(der);
    return rc;
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

/* The full list, one entry per seal made here. listSequence is the audit chain's head: every
 * status change (and every other act) appends a record, so it grows with every change. */
static int h_status_list(ss_req *req)
{
    ss_api_svc *a = ss_server_api(ss_req_server(req));
    ss_store *store = ss_server_store(ss_req_server(req));
    unsigned next_s = ss_config_status_next_update_s(ss_server_config(ss_req_server(req)));
    int64_t now = (int64_t)time(NULL), seq = 0;
    struct es_list l = { NULL, 0, 0, 0 };
    sc_status_builder *b = NULL;
    uint8_t head[32], *der = NULL;
    size_t len = 0, before;
    sc_err err = SC_ERR_INIT;
    int rc;

    if (a == NULL || a->svc == NULL)
        return no_service(req);
    if (a->key[SS_CONFIG_STATUS_SIGNER] == NULL)
        return no_status_signer(req);
    do {
        before = l.n;
        rc = ss_store_seal_list(store, 0, SS_SEAL_ANY, l.last, 1000, on_seal, &l, &err);
    } while (rc == 0 && l.n - before == 1000);
    if (rc == 0)
        rc = ss_audit_head(store, &seq, head, &err);
    if (rc == 0 && (rc = sc_status_builder_new(&b, now, &err)) == 0)
        rc = sc_status_builder_set_list_sequence(b, seq, &err);
    for (size_t i = 0; rc == 0 && i < l.n; i++)
        rc = add_entry(a->svc, b, l.ids[i], now, next_s, NULL, &err);
    if (rc == 0)
        rc = sign_status(a, b, &der, &len, &err);
    sc_status_builder_free(b);
    free(l.ids);
    if (rc != 0)
        return reply_svc(req, rc, &err);
    rc = ss_req_reply_text(req, 200, SS_API_STATUS_TYPE, (const char *)der, len);
    free(der);
    return rc;
}

/* ---- RFC 3161 time-stamping -------------------------------------------------------------- */

static int h_tsa(ss_req *req)
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
        return reply_svc(req, rc, &err);
    if (oc.status != 0)
        ss_req_log_detail(req, "time-stamp rejected: %s", oc.reason);
    rc = ss_req_reply_text(req, 200, "application/timestamp-reply", (const char *)out,
                           out_len);
    free(out);
    return rc;
}

/* ---- sign/batch ------------------------------------------------------------------------- */

/* Body: a JSON array of sign/data items. Answer: {replayed, results: [{es_id, signature_b64}
 * or {es_id, error, message}]} in the items' order; each item succeeds or fails alone. */
static int h_sign_batch(ss_req *req)
{
    ss_svc *svc = svc_of(req);
    ss_svc_actor act = actor_of(req);
    ss_svc_sign_opts so = { ss_req_id(req), ss_req_header(req, "Idempotency-Key") };
    ss_svc_sign_item *items = NULL;
    ss_svc_sign_result *res = NULL;
    uint8_t **bufs = NULL, (*sm3)[32] = NULL;
    size_t len, n = 0;
    const uint8_t *body = ss_req_body(req, &len);
    json_error_t jerr;
    json_t *arr, *out = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = 0, replayed = 0;

    if (svc == NULL)
        return no_service(req);
    if (len == 0 || (arr = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES,
                                      &jerr)) == NULL)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "body: expected a JSON array");
    n = json_is_array(arr) ? json_array_size(arr) : 0;
    if (n == 0 || n > SS_SVC_BATCH_MAX) {
        json_decref(arr);
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "body: an array of 1..%d items",
                                  SS_SVC_BATCH_MAX);
    }
    items = calloc(n, sizeof(*items));
    res = calloc(n, sizeof(*res));
    bufs = calloc(n, sizeof(*bufs));
    sm3 = calloc(n, sizeof(*sm3));
    if (items == NULL || res == NULL || bufs == NULL || sm3 == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(arr, i);
        const char *d = NULL, *h = NULL;
        const json_t *e = json_object_get(o, "es_id");
        const json_t *pi = json_object_get(o, "property_info");
        int bad = !json_is_object(o) || !json_is_string(e);

        if (!bad) {
            d = json_string_value(json_object_get(o, "data_b64"));
            h = json_string_value(json_object_get(o, "sm3_hex"));
            bad = (d == NULL) == (h == NULL) || (pi != NULL && !json_is_string(pi));
        }
        if (!bad && d != NULL) {
            int r = b64_decode(d, &bufs[i], &items[i].data_len);
            if (r == -2) {
                rc = SC_ENOMEM;
                goto out;
            }
            bad = r != 0;
            items[i].data = bufs[i];
        } else if (!bad) {
            bad = hex32(h, sm3[i]) != 0;
            items[i].data_sm3 = sm3[i];
        }
        if (bad) {
            rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "item %zu: {es_id, data_b64 "
                                    "| sm3_hex, property_info?}", i);
            goto out;
        }
        items[i].es_id = json_string_value(e);
        items[i].property_info = pi != NULL ? json_string_value(pi) : NULL;
    }
    if ((rc = ss_svc_sign_batch(svc, &act, items, n, &so, res, &replayed, &err)) != 0) {
        rc = reply_svc(req, rc, &err);
        goto out;
    }
    if ((out = json_array()) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *r;
        if (res[i].code == 0)
            r = json_pack("{s:s,s:o}", "es_id", items[i].es_id, "signature_b64",
                          b64_json(res[i].sig, res[i].sig_len));
        else
            r = json_pack("{s:s,s:s,s:s}", "es_id", items[i].es_id, "error",
                          ss_svc_err_name(res[i].code), "message", res[i].msg);
        if (r == NULL || json_array_append_new(out, r) != 0) {
            rc = SC_ENOMEM;
            goto out;
        }
    }
    rc = reply_doc(req, 200, json_pack("{s:b,s:O}", "replayed", replayed, "results", out));
out:
    if (res != NULL)
        ss_svc_sign_results_clear(res, n);
    for (size_t i = 0; bufs != NULL && i < n; i++)
        free(bufs[i]);
    free(bufs);
    free(sm3);
    free(res);
    free(items);
    json_decref(out);
    json_decref(arr);
    return rc;
}

#define JSON "application/json"
#define ADM SS_ROLE_ADMIN
#define OFF SS_ROLE_SEAL_OFFICER
#define ANYROLE SS_ROLE_ALL

static const ss_route ROUTES[] = {
    { "POST", "/api/v1/units", ADM, 64 * 1024, JSON, h_unit_add },
    { "POST", "/api/v1/seals/applications", ADM | OFF, SS_API_JSON_MAX_BODY, JSON,
      h_app_apply },
    { "POST", "/api/v1/seals/applications/{id}/approve", OFF, 64 * 1024, JSON,
      h_app_approve },
    { "POST", "/api/v1/seals/applications/{id}/reject", OFF, 64 * 1024, JSON, h_app_reject },
    { "GET", "/api/v1/seals/{esID}", ANYROLE, 0, NULL, h_seal_get },
    { "POST", "/api/v1/seals/{esID}/suspend", OFF, 64 * 1024, JSON, h_seal_suspend },
    { "POST", "/api/v1/seals/{esID}/resume", OFF, 64 * 1024, JSON, h_seal_resume },
    { "POST", "/api/v1/seals/{esID}/revoke", OFF, 64 * 1024, JSON, h_seal_revoke },
    { "POST", "/api/v1/grants", ADM, 64 * 1024, JSON, h_grant_add },
    { "POST", "/api/v1/sign/data", SS_ROLE_OPERATOR, SS_API_SIGN_MAX_BODY, JSON,
      h_sign_data },
    { "GET", "/api/v1/seals/{esID}/status", ANYROLE, 0, NULL, h_seal_status },
    { "GET", "/api/v1/status-list", ANYROLE, 0, NULL, h_status_list },
    { "POST", "/tsa", ANYROLE, SC_TSA_MAX_REQUEST, "application/timestamp-query", h_tsa },
    { "POST", "/api/v1/sign/batch", SS_ROLE_OPERATOR, SS_API_SIGN_MAX_BODY, JSON,
      h_sign_batch },
    { "POST", "/api/v1/sign/ofd", SS_ROLE_OPERATOR, SS_API_OFD_MAX_BODY,
      "application/octet-stream", h_sign_ofd },
};

const ss_route *ss_api_routes(size_t *n)
{
    *n = sizeof(ROUTES) / sizeof(ROUTES[0]);
    return ROUTES;
}

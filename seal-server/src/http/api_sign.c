/* api_sign.c: the signing endpoints: sign/data (one document or its SM3), sign/batch (up to
 * SS_SVC_BATCH_MAX items, each succeeding or failing alone) and sign/ofd (stamp an OFD
 * package, streamed back) (api_int.h).
 * Not here: grants and idempotency records, which the service checks and commits with each
 * signature (service.h): a handler passes the Idempotency-Key header on and says whether the
 * answer was replayed. */
#include "api_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sealcore/hash.h"
#include "sealcore/ofd.h"
#include "sealcore/ofd_sign.h"

/* One document to sign, from a sign/data body or a sign/batch item alike: es_id, exactly one
 * of data_b64 and sm3_hex, property_info optional (null is absent). *data (new, free())
 * holds the decoded document; it points into *data, sm3 and o.
 * @return 0, SC_ENOMEM, or SC_EINVAL with why (n bytes) saying what to fix */
static int read_item(const json_t *o, ss_svc_sign_item *it, uint8_t **data, uint8_t sm3[32],
                     char *why, size_t n)
{
    const char *d, *h;
    int rc;

    memset(it, 0, sizeof(*it));
    *data = NULL;
    if (!json_is_object(o)) {
        snprintf(why, n, "expected a JSON object");
        return SC_EINVAL;
    }
    if ((rc = ss__api_str(o, "es_id", 1, &it->es_id, why, n)) != 0 ||
        (rc = ss__api_str(o, "data_b64", 0, &d, why, n)) != 0 ||
        (rc = ss__api_str(o, "sm3_hex", 0, &h, why, n)) != 0 ||
        (rc = ss__api_str(o, "property_info", 0, &it->property_info, why, n)) != 0)
        return rc;
    /* The service's limits, checked here: from a signing call SC_ELIMIT means a used-up
     * grant (403), so an input over its maximum must not reach it. */
    if (strlen(it->es_id) > SS_ES_ID_MAX) {
        snprintf(why, n, "\"es_id\": %zu characters, at most %d", strlen(it->es_id),
                 SS_ES_ID_MAX);
        return SC_EINVAL;
    }
    if (it->property_info != NULL && strlen(it->property_info) > SS_SVC_PROPERTY_MAX) {
        snprintf(why, n, "\"property_info\": %zu characters, at most %d",
                 strlen(it->property_info), SS_SVC_PROPERTY_MAX);
        return SC_EINVAL;
    }
    if ((d == NULL) == (h == NULL)) {
        snprintf(why, n, "exactly one of \"data_b64\" and \"sm3_hex\" is required");
        return SC_EINVAL;
    }
    if (d == NULL) {
        it->data_sm3 = sm3;
        if (ss__api_unhex(h, sm3, 32) == 0)
            return 0;
        snprintf(why, n, "\"sm3_hex\": expected 64 hex digits");
        return SC_EINVAL;
    }
    if ((rc = ss__api_b64_decode(d, data, &it->data_len)) == -2)
        return SC_ENOMEM;
    if (rc != 0) {
        snprintf(why, n, "\"data_b64\": not base64");
        return SC_EINVAL;
    }
    it->data = *data;
    return 0;
}

/* ---- sign/data -------------------------------------------------------------------------- */

/* The answer {"es_id","signature_b64","replayed"}, as json_dumps(JSON_COMPACT) writes it, but
 * with the base64 written here: json_string() checks and json_dumps() escapes its 5-10 KB a
 * character at a time, ~7% of the server's CPU per signature (perf, bench/bench_https).
 * Base64 needs no escaping; es_id still goes through jansson.
 * @return as ss_req_reply_json() */
static int reply_signature(ss_req *req, const char *es_id, const uint8_t *sig, size_t len,
                           int replayed)
{
    json_t *id = json_string(es_id);
    char *id_json = id != NULL ? json_dumps(id, JSON_ENCODE_ANY) : NULL;
    size_t cap = id_json != NULL ? strlen(id_json) + 4 * ((len + 2) / 3) + 64 : 0;
    char *out = cap != 0 && len <= INT_MAX / 2 ? malloc(cap) : NULL;
    int n, rc = SC_ENOMEM;

    if (out != NULL) {
        n = snprintf(out, cap, "{\"es_id\":%s,\"signature_b64\":\"", id_json);
        n += EVP_EncodeBlock((unsigned char *)out + n, sig, (int)len);
        n += snprintf(out + n, cap - (size_t)n, "\",\"replayed\":%s}",
                      replayed ? "true" : "false");
        rc = ss_req_reply_text(req, 200, "application/json", out, (size_t)n);
    }
    free(out);
    free(id_json);
    json_decref(id);
    return rc;
}

int ss__api_sign_data(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    ss_svc_sign_item it;
    ss_svc_sign_opts so = { ss_req_id(req), ss_req_header(req, "Idempotency-Key") };
    uint8_t *data = NULL, *sig = NULL, sm3[32];
    size_t sig_len = 0;
    char why[128];
    sc_err err = SC_ERR_INIT;
    int replayed = 0, rc = 0;
    json_t *b;
    ss_svc *svc = ss__api_begin(req, SS__API_BODY_REQUIRED, &b);

    if (svc == NULL)
        return 0;
    if ((rc = read_item(b, &it, &data, sm3, why, sizeof(why))) != 0) {
        if (rc == SC_EINVAL)
            rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "%s", why);
        goto out;
    }
    if ((rc = ss_svc_sign_data(svc, &act, &it, &so, &sig, &sig_len, &replayed, &err)) != 0) {
        rc = ss__api_reply_sign(req, rc, &err);
        goto out;
    }
    rc = reply_signature(req, it.es_id, sig, sig_len, replayed);
out:
    free(sig);
    free(data);
    json_decref(b);
    return rc;
}

/* ---- sign/batch ------------------------------------------------------------------------- */

/* Body: a JSON array of sign/data items. Answer: {replayed, results: [{es_id, signature_b64}
 * or {es_id, error, message}]} in the items' order; each item succeeds or fails alone. */
int ss__api_sign_batch(ss_req *req)
{
    ss_svc *svc = ss__api_svc(req);
    ss_svc_actor act = ss__api_actor(req);
    ss_svc_sign_opts so = { ss_req_id(req), ss_req_header(req, "Idempotency-Key") };
    ss_svc_sign_item *items = NULL;
    ss_svc_sign_result *res = NULL;
    uint8_t **bufs = NULL, (*sm3)[32] = NULL;
    size_t len, n = 0;
    const uint8_t *body = ss_req_body(req, &len);
    char why[128];
    json_error_t jerr;
    json_t *arr, *out = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = 0, replayed = 0;

    if (svc == NULL)
        return ss__api_no_service(req);
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
        if ((rc = read_item(json_array_get(arr, i), &items[i], &bufs[i], sm3[i], why,
                            sizeof(why))) != 0) {
            if (rc == SC_EINVAL)
                rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "item %zu: %s", i, why);
            goto out;
        }
    }
    if ((rc = ss_svc_sign_batch(svc, &act, items, n, &so, res, &replayed, &err)) != 0) {
        rc = ss__api_reply_svc(req, rc, &err);
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
                          ss__api_b64_json(res[i].sig, res[i].sig_len));
        else
            r = json_pack("{s:s,s:s,s:s}", "es_id", items[i].es_id, "error",
                          ss_svc_err_name(res[i].code), "message", res[i].msg);
        if (r == NULL || json_array_append_new(out, r) != 0) {
            rc = SC_ENOMEM;
            goto out;
        }
    }
    rc = ss__api_reply_doc(req, 200, json_pack("{s:b,s:O}", "replayed", replayed, "results",
                                               out));
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
    static const char *const words[] = { "lock", "occurrence", "riding", "pages" };
    char buf[64];
    const char *w;
    double page = 0, x = 0, y = 0, v = 0;
    int hp, hx, hy, l;

    memset(p, 0, sizeof(*p));
    /* read below as present or not: one too long for buf would pass for absent (a cut
     * pages=... for every page) */
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (ss__api_q_str(req, words[i], buf, sizeof(buf), 0, &w) != 0)
            return -1;
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

int ss__api_stamp_ofd(ss_req *req, ss_svc *svc, const char *es_id,
                      const sc_ofd_sign_params *pos, const uint8_t *body, size_t len)
{
    ss_svc_actor act = ss__api_actor(req);
    ss_svc_sign_opts so = { ss_req_id(req), ss_req_header(req, "Idempotency-Key") };
    ss_svc_ofd_req orq;
    struct ofd_sink k = { req, 0 };
    uint8_t sm3[32];
    unsigned int hl = 0;
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;
    int rc, replayed = 0;

    if (EVP_Digest(body, len, sm3, &hl, sc_sm3_md(), NULL) != 1)
        return SC_ECRYPTO;
    if ((rc = sc_ofd_pkg_open_mem(&pkg, body, len, &err)) != 0)
        return rc == SC_ENOMEM ? rc : ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST,
                                                         "not an OFD package: %s", err.msg);
    orq.es_id = es_id;
    orq.pkg = pkg;
    orq.doc_sm3 = sm3;
    orq.pos = pos;
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
    return ss__api_reply_sign(req, rc, &err);
}

int ss__api_sign_ofd(ss_req *req)
{
    ss_svc *svc = ss__api_svc(req);
    sc_ofd_sign_params pos;
    char es[SS_ES_ID_MAX + 1], kw[512];
    const char *es_id;
    size_t len;
    const uint8_t *body = ss_req_body(req, &len);

    if (svc == NULL)
        return ss__api_no_service(req);
    if (ss__api_q_str(req, "es_id", es, sizeof(es), 1, &es_id) != 0)
        return 0;   /* an es_id past SS_ES_ID_MAX is too long, not missing */
    if (len == 0)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "the OFD package is the body");
    if (ofd_position(req, &pos, kw, sizeof(kw)) != 0)
        return 0;
    return ss__api_stamp_ofd(req, svc, es_id, &pos, body, len);
}

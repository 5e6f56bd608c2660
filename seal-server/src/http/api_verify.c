/* api_verify.c: POST /api/v1/verify (a seal or a detached seal signature, base64 in a JSON
 * body, with the signed data or its SM3) and POST /api/v1/verify/ofd (a signed OFD package as
 * the body): seal-core's verification as seal-verify runs it, against this server's trust
 * anchors (config trust_anchors, api_svc.c), answered with the report of
 * spec/verify-report.md (sc_report_to_json), valid or not (api_int.h).
 * The seal_status check: this server is the province, so each seal's status response is
 * built and signed here (api_status.c, the same bytes GET /api/v1/seals/{esID}/status would
 * answer) instead of fetched, and seal-core judges it as it judges a fetched one.
 * Not here: any verdict (seal-core), the status itself (the service). */
#include "api_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sealcore/ses.h"
#include "sealcore/status.h"
#include "sealcore/time.h"
#include "sealcore/trust.h"
#include "sealcore/verify.h"
#include "server.h"

/* Distinct seals one request may ask the status of, as seal-verify --status URL allows. */
#define VERIFY_MAX_SEALS 256

/* The status responses made for one request, one per seal asked about, kept until the
 * verification returns (sc_verify_status_fn borrows them). */
struct status_cache {
    ss_api_svc *a;
    unsigned next_s;
    int64_t now;
    struct {
        char *es_id;
        sc_status_resp *resp;
    } *e;
    size_t n, cap;
};

static void cache_free(struct status_cache *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->e[i].es_id);
        sc_status_resp_free(c->e[i].resp);
    }
    free(c->e);
}

static int cache_grow(struct status_cache *c, sc_err *err)
{
    size_t cap = c->cap != 0 ? c->cap * 2 : 4;
    void *p;

    if (c->n < c->cap)
        return 0;
    if ((p = realloc(c->e, cap * sizeof(*c->e))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    c->e = p;
    c->cap = cap;
    return 0;
}

/* sc_verify_status_fn: the signed response for es_id, made once per request. A failure
 * (the store busy, more changes than an entry carries) leaves seal_status skipped with why,
 * and the item not valid, as a status seal-verify could not fetch. */
static int status_for(void *ctx, const char *es_id, const sc_status_resp **out, sc_err *err)
{
    struct status_cache *c = ctx;
    sc_status_resp *resp = NULL;
    uint8_t *der = NULL;
    size_t len = 0;
    char *id = NULL;
    int rc;

    *out = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].es_id, es_id) == 0) {
            *out = c->e[i].resp;
            return 0;
        }
    if (c->n == VERIFY_MAX_SEALS)
        return sc_err_set(err, SC_ELIMIT, "seal %s: more than %d seals in one request; their "
                          "status is not looked up one by one (verify them with the status "
                          "list, GET /api/v1/status-list)", es_id, VERIFY_MAX_SEALS);
    if ((rc = cache_grow(c, err)) != 0)
        return rc;
    if ((rc = ss__api_status_one(c->a, c->next_s, es_id, c->now, NULL, 0, &der, &len,
                                 err)) != 0) {
        sc_err_prefix(err, "the status of seal %s could not be made", es_id);
        return rc == SC_ENOMEM ? SC_ENOMEM : SC_EUNSUPPORTED;
    }
    rc = sc_status_resp_parse(&resp, der, len, err);
    free(der);
    if (rc == 0 && (id = strdup(es_id)) == NULL)
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    if (rc != 0) {
        sc_status_resp_free(resp);
        return rc;
    }
    c->e[c->n].es_id = id;
    c->e[c->n++].resp = resp;
    *out = resp;
    return 0;
}

/* The trust anchors, and the status when this server signs it: the verifier's side of the
 * service keys. NULL after answering 503 (a build or start without them). */
static ss_api_svc *verify_api(ss_req *req, struct status_cache *sc, sc_verify_opts *vo)
{
    ss_api_svc *a = ss_server_api(ss_req_server(req));

    memset(sc, 0, sizeof(*sc));
    memset(vo, 0, sizeof(*vo));
    if (a == NULL || a->trust == NULL) {
        ss_req_reply_error(req, 503, SS_HE_UNAVAILABLE, "this server has no verifier "
                           "configured (trust_anchors: seal-server/README.md)");
        return NULL;
    }
    vo->trust = a->trust;
    if (a->svc != NULL && a->key[SS_CONFIG_STATUS_SIGNER] != NULL) {
        sc->a = a;
        sc->next_s = ss_config_status_next_update_s(ss_server_config(ss_req_server(req)));
        sc->now = (int64_t)time(NULL);
        vo->status_fn = status_for;
        vo->status_ctx = sc;
    }
    return a;
}

/* "at": ISO 8601, as seal-verify --at (NULL: absent). 0, or -1 after answering 400. */
static int read_at(ss_req *req, const char *what, const char *text, int64_t *at)
{
    sc_err err = SC_ERR_INIT;

    if (text == NULL || sc_time_parse(text, at, &err) == 0)
        return 0;
    ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "%s: %s", what, err.msg);
    return -1;
}

/* Answer the report (taken) as 200: a verdict is data, a failing one too. */
static int reply_report(ss_req *req, sc_report *rep, struct status_cache *sc)
{
    sc_err err = SC_ERR_INIT;
    char *out = NULL;
    int rc = sc_report_to_json(rep, &out, &err);

    if (rc == 0) {
        ss_req_log_detail(req, "verify: exit code %d", sc_report_exit_code(rep));
        rc = ss_req_reply_text(req, 200, "application/json", out, strlen(out));
    }
    free(out);
    sc_report_free(rep);
    cache_free(sc);
    return rc;
}

/* A verification that could not run at all (out of memory, hashing failed): the server's. */
static int reply_failed(ss_req *req, sc_report *rep, struct status_cache *sc, int rc,
                        const sc_err *err)
{
    sc_report_free(rep);
    cache_free(sc);
    return ss__api_reply_svc(req, rc, err);
}

/* Answer 400 with what to fix. @return -1 (answered) */
static int refuse(ss_req *req, const char *fmt, ...) SC_PRINTF(2, 3);
static int refuse(ss_req *req, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "%s", msg);
    return -1;
}

/* A base64 member into *out (new, also for ""; NULL when absent). 0, -1 after answering
 * 400, or SC_ENOMEM. */
static int b64_member(ss_req *req, const char *name, const char *text, uint8_t **out,
                      size_t *len)
{
    int rc;

    *out = NULL;
    *len = 0;
    if (text == NULL)
        return 0;
    if ((rc = ss__api_b64_decode(text, out, len)) == 0)
        return 0;
    return rc == -2 ? SC_ENOMEM : refuse(req, "\"%s\": not base64 (RFC 4648, padded)", name);
}

/* What a verify body asks. der and data are new (free()); data is non-NULL for "" too. */
struct verify_in {
    uint8_t *der, *data, sm3[32];
    size_t der_len, data_len;
    int has_sm3;
    int64_t at;
};

/* 0, -1 after answering 400, or SC_ENOMEM; in is filled (free der and data in every case). */
static int read_verify_body(ss_req *req, const json_t *body, struct verify_in *in)
{
    const char *sig = NULL, *seal = NULL, *d = NULL, *h = NULL, *t = NULL, *what;
    int rc;

    if (ss__api_opt_str(req, body, "signature_b64", &sig) != 0 ||
        ss__api_opt_str(req, body, "seal_b64", &seal) != 0 ||
        ss__api_opt_str(req, body, "data_b64", &d) != 0 ||
        ss__api_opt_str(req, body, "sm3_hex", &h) != 0 ||
        ss__api_opt_str(req, body, "at", &t) != 0)
        return -1;
    what = sig != NULL ? "signature_b64" : "seal_b64";
    if ((sig == NULL) == (seal == NULL))
        return refuse(req, "exactly one of \"signature_b64\" and \"seal_b64\" is required");
    if (seal != NULL && (d != NULL || h != NULL))
        return refuse(req, "\"data_b64\" and \"sm3_hex\" are for signatures: a seal covers "
                      "no data");
    if (d != NULL && h != NULL)
        return refuse(req, "give \"data_b64\" or \"sm3_hex\", not both");
    if (h != NULL && ss__api_unhex(h, in->sm3, 32) != 0)
        return refuse(req, "\"sm3_hex\": expected 64 hex digits");
    in->has_sm3 = h != NULL;
    if (read_at(req, "\"at\"", t, &in->at) != 0)
        return -1;
    if ((rc = b64_member(req, what, sig != NULL ? sig : seal, &in->der, &in->der_len)) != 0)
        return rc;
    if (in->der_len == 0)
        return refuse(req, "\"%s\": empty", what);
    return b64_member(req, "data_b64", d, &in->data, &in->data_len);
}

/* POST /api/v1/verify: {"signature_b64" | "seal_b64", "data_b64" | "sm3_hex", "at"}. The DER
 * is told apart as seal-verify tells its FILE (the report's "format" says what was found). */
int ss__api_verify(ss_req *req)
{
    struct status_cache sc;
    struct verify_in in;
    sc_verify_opts vo;
    sc_report *rep = NULL;
    json_t *body = NULL;
    sc_err err = SC_ERR_INIT;
    int rc;

    memset(&in, 0, sizeof(in));
    if (verify_api(req, &sc, &vo) == NULL ||
        ss__api_body(req, SS__API_BODY_REQUIRED, &body) != 0)
        return 0;
    rc = read_verify_body(req, body, &in);
    json_decref(body);
    if (rc == 0) {
        vo.at = in.at;
        vo.data = in.data;
        vo.data_len = in.data_len;
        vo.data_sm3 = in.has_sm3 ? in.sm3 : NULL;
        if ((rc = sc_report_new(&rep, NULL, NULL, &err)) == 0)
            rc = sc_verify_der(rep, in.der, in.der_len, &vo, &err);
    }
    free(in.der);
    free(in.data);
    if (rc == -1)
        return 0;
    if (rc != 0)
        return reply_failed(req, rep, &sc, rc, &err);
    return reply_report(req, rep, &sc);
}

/* POST /api/v1/verify/ofd?at=TIME: the package is the body. */
int ss__api_verify_ofd(ss_req *req)
{
    struct status_cache sc;
    sc_verify_opts vo;
    sc_report *rep = NULL;
    size_t len;
    const uint8_t *body = ss_req_body(req, &len);
    char at[64];
    sc_err err = SC_ERR_INIT;
    int n, rc;

    if (verify_api(req, &sc, &vo) == NULL)
        return 0;
    if (len == 0)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "the body is the OFD package "
                                  "to verify (Content-Type %s)", SS_API_OFD_TYPE);
    if ((n = ss_req_query(req, "at", at, sizeof(at))) == -2)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "at: longer than %zu "
                                  "characters", sizeof(at) - 1);
    if (read_at(req, "at", n >= 0 ? at : NULL, &vo.at) != 0)
        return 0;
    if ((rc = sc_report_new(&rep, NULL, NULL, &err)) == 0)
        rc = sc_verify_ofd_mem(rep, body, len, &vo, &err);
    if (rc != 0)
        return reply_failed(req, rep, &sc, rc, &err);
    return reply_report(req, rep, &sc);
}

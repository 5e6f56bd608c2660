/* api.c: the /api/v1 route table and what its handlers share (api.h, api_int.h): the
 * request's service and actor, the JSON body and its members, base64, and the one mapping
 * of service codes to HTTP (ss__api_reply_svc).
 * Not here: the handlers, by topic in api_seal.c (units, applications, seals, status
 * changes, grants), api_sign.c (sign/data, sign/batch, sign/ofd), api_status.c (status,
 * status list, /tsa) and api_verify.c (verify, verify/ofd). Every handler: the service (503
 * when the server has none), the body, one service call as the authenticated client, then
 * the answer. */
#include "api_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sealcore/tsa.h"
#include "server.h"

ss_svc *ss__api_svc(ss_req *req)
{
    ss_api_svc *a = ss_server_api(ss_req_server(req));

    return a != NULL ? a->svc : NULL;
}

ss_svc_actor ss__api_actor(const ss_req *req)
{
    ss_svc_actor a = { ss_req_client_id(req), ss_req_client_roles(req) };

    return a;
}

/* seal-server/README.md "API errors": a used-up or expired grant is 403 like a missing one
 * (a permission that no longer holds; 429 would invite a retry that cannot succeed). The
 * service also says SC_ELIMIT for an input over its named maximum (a note, a name, an esID):
 * that is the request's fault, 400, wherever no grant is in play. */
static int reply_code(ss_req *req, int rc, const sc_err *err, int limit_status)
{
    const char *m = err != NULL && err->msg[0] != '\0' ? err->msg : ss_svc_err_name(rc);

    switch (rc) {
    case SC_EINVAL:
    case SC_EFORMAT: return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "%s", m);
    case SS_EFORBIDDEN:
    case SS_EEXPIRED: return ss_req_reply_error(req, 403, SS_HE_FORBIDDEN, "%s", m);
    case SC_ELIMIT:
        return ss_req_reply_error(req, limit_status, limit_status == 403 ? SS_HE_FORBIDDEN
                                  : SS_HE_BAD_REQUEST, "%s", m);
    case SC_ENOTFOUND: return ss_req_reply_error(req, 404, SS_HE_NOT_FOUND, "%s", m);
    case SS_ECONFLICT:
    case SS_ESTATE: return ss_req_reply_error(req, 409, SS_HE_CONFLICT, "%s", m);
    case SS_EBUSY: return ss_req_reply_error(req, 503, SS_HE_UNAVAILABLE, "%s", m);
    case SS_EUPSTREAM: return ss_req_reply_error(req, 502, SS_HE_BAD_GATEWAY, "%s", m);
    default:
        ss_req_log_detail(req, "%s: %s", ss_svc_err_name(rc), m);
        return ss_req_reply_error(req, 500, SS_HE_INTERNAL, "the server failed: %s",
                                  ss_svc_err_name(rc));
    }
}

int ss__api_reply_svc(ss_req *req, int rc, const sc_err *err)
{
    return reply_code(req, rc, err, 400);
}

int ss__api_reply_sign(ss_req *req, int rc, const sc_err *err)
{
    return reply_code(req, rc, err, 403);
}

int ss__api_no_service(ss_req *req)
{
    return ss_req_reply_error(req, 503, SS_HE_UNAVAILABLE, "this server has no seal service "
                              "configured (seal_ca, seal_maker: seal-server/README.md)");
}

int ss__api_body(ss_req *req, enum ss__api_body need, json_t **out)
{
    size_t len;
    const uint8_t *b = ss_req_body(req, &len);
    json_error_t jerr;
    json_t *doc;

    *out = NULL;
    if (len == 0 && need == SS__API_BODY_OPTIONAL)
        return 0;
    if (len == 0) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "a JSON body is required");
        return -1;
    }
    if ((doc = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "body is not JSON: line %d column %d: "
                           "%s", jerr.line, jerr.column, jerr.text);
        return -1;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "body: expected a JSON object");
        return -1;
    }
    *out = doc;
    return 0;
}

ss_svc *ss__api_begin(ss_req *req, enum ss__api_body need, json_t **body)
{
    ss_svc *svc = ss__api_svc(req);

    *body = NULL;
    if (svc == NULL) {
        ss__api_no_service(req);
        return NULL;
    }
    return ss__api_body(req, need, body) == 0 ? svc : NULL;
}

int64_t ss__api_param_id(ss_req *req, const char *what)
{
    const char *p = ss_req_param(req, "id");
    char *end;
    long long v;

    errno = 0;
    v = p != NULL ? strtoll(p, &end, 10) : 0;
    /* past INT64_MAX strtoll says LLONG_MAX: no row has that id, so it is not found here
     * rather than looked up as another number */
    if (p == NULL || *p == '\0' || *end != '\0' || errno != 0 || v <= 0) {
        ss_req_reply_error(req, 404, SS_HE_NOT_FOUND, "no such %s: %s", what,
                           p != NULL ? p : "");
        return -1;
    }
    return (int64_t)v;
}

ss_svc *ss__api_begin_id(ss_req *req, const char *what, int64_t *id)
{
    ss_svc *svc = ss__api_svc(req);

    *id = 0;
    if (svc == NULL) {
        ss__api_no_service(req);
        return NULL;
    }
    return (*id = ss__api_param_id(req, what)) > 0 ? svc : NULL;
}

int ss__api_str(const json_t *o, const char *k, int required, const char **out, char *why,
                size_t n)
{
    const json_t *v = json_object_get(o, k);

    *out = NULL;
    if ((v == NULL || json_is_null(v)) && !required)
        return 0;
    if (v == NULL || json_is_null(v)) {
        snprintf(why, n, "\"%s\": required", k);
        return SC_EINVAL;
    }
    if (!json_is_string(v)) {
        snprintf(why, n, "\"%s\": expected a string", k);
        return SC_EINVAL;
    }
    *out = json_string_value(v);
    return 0;
}

/* ss__api_str(), answering 400 with its why. */
static int str_or_400(ss_req *req, const json_t *o, const char *k, int required,
                      const char **out)
{
    char why[128];

    if (ss__api_str(o, k, required, out, why, sizeof(why)) == 0)
        return 0;
    ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "%s", why);
    return -1;
}

int ss__api_opt_str(ss_req *req, const json_t *o, const char *k, const char **out)
{
    return str_or_400(req, o, k, 0, out);
}

int ss__api_need_str(ss_req *req, const json_t *o, const char *k, const char **out)
{
    return str_or_400(req, o, k, 1, out);
}

int ss__api_opt_int(ss_req *req, const json_t *o, const char *k, int64_t *out, int required)
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
int ss__api_b64_decode(const char *s, uint8_t **out, size_t *len)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789+/";
    size_t n = strlen(s), pad = 0;
    uint8_t *buf;

    *out = NULL;
    *len = 0;
    if (n >= 1 && s[n - 1] == '=')
        pad++;
    if (n >= 2 && s[n - 2] == '=')
        pad++;
    /* EVP_DecodeBlock reads '=' anywhere as a zero digit and skips leading blanks: it would
     * hand us bytes the client never sent. Base64 (RFC 4648 §4) is the alphabet, then at
     * most two '=' that end it. */
    if (n % 4 != 0 || n > INT_MAX || strspn(s, alphabet) != n - pad)
        return -1;
    if ((buf = malloc(n / 4 * 3 + 1)) == NULL)
        return -2;
    if (n > 0 && EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n) < 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n / 4 * 3 - pad;
    return 0;
}

void ss__api_hex(const uint8_t *d, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = '\0';
}

int ss__api_unhex(const char *s, uint8_t *out, size_t n)
{
    if (strlen(s) != 2 * n || strspn(s, "0123456789abcdefABCDEF") != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char two[3] = { s[2 * i], s[2 * i + 1], '\0' };
        out[i] = (uint8_t)strtoul(two, NULL, 16);
    }
    return 0;
}

json_t *ss__api_b64_json(const uint8_t *d, size_t n)
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

int ss__api_reply_doc(ss_req *req, int status, json_t *doc)
{
    int rc;

    if (doc == NULL)
        return SC_ENOMEM;
    rc = ss_req_reply_json(req, status, doc);
    json_decref(doc);
    return rc;
}

/* ---- the route table --------------------------------------------------------------------- */

#define JSON "application/json"
#define ADM SS_ROLE_ADMIN
#define OFF SS_ROLE_SEAL_OFFICER
#define ANYROLE SS_ROLE_ALL

static const ss_route ROUTES[] = {
    { "POST", "/api/v1/units", ADM, 64 * 1024, JSON, ss__api_unit_add },
    { "POST", "/api/v1/seals/applications", ADM | OFF, SS_API_JSON_MAX_BODY, JSON,
      ss__api_app_apply },
    { "POST", "/api/v1/seals/applications/{id}/approve", OFF, 64 * 1024, JSON,
      ss__api_app_approve },
    { "POST", "/api/v1/seals/applications/{id}/reject", OFF, 64 * 1024, JSON, ss__api_app_reject },
    /* before {esID}: the first matching pattern wins (router.c) */
    { "GET", "/api/v1/seals/applications", ADM | OFF, 0, NULL, ss__api_app_list },
    { "GET", "/api/v1/seals/{esID}", ANYROLE, 0, NULL, ss__api_seal_get },
    { "POST", "/api/v1/seals/{esID}/suspend", OFF, 64 * 1024, JSON, ss__api_seal_suspend },
    { "POST", "/api/v1/seals/{esID}/resume", OFF, 64 * 1024, JSON, ss__api_seal_resume },
    { "POST", "/api/v1/seals/{esID}/revoke", OFF, 64 * 1024, JSON, ss__api_seal_revoke },
    { "POST", "/api/v1/grants", ADM, 64 * 1024, JSON, ss__api_grant_add },
    { "POST", "/api/v1/sign/data", SS_ROLE_OPERATOR, SS_API_SIGN_MAX_BODY, JSON,
      ss__api_sign_data },
    { "GET", "/api/v1/seals/{esID}/status", ANYROLE, 0, NULL, ss__api_seal_status },
    { "GET", "/api/v1/status-list", ANYROLE, 0, NULL, ss__api_status_list },
    { "POST", "/tsa", ANYROLE, SC_TSA_MAX_REQUEST, "application/timestamp-query", ss__api_tsa },
    { "POST", "/api/v1/sign/batch", SS_ROLE_OPERATOR, SS_API_SIGN_MAX_BODY, JSON,
      ss__api_sign_batch },
    { "POST", "/api/v1/sign/ofd", SS_ROLE_OPERATOR, SS_API_OFD_MAX_BODY,
      "application/octet-stream", ss__api_sign_ofd },
    { "POST", "/api/v1/verify", SS_ROLE_VERIFIER, SS_API_SIGN_MAX_BODY, JSON, ss__api_verify },
    { "POST", "/api/v1/verify/ofd", SS_ROLE_VERIFIER, SS_API_OFD_MAX_BODY, SS_API_OFD_TYPE,
      ss__api_verify_ofd },
    { "GET", "/api/v1/audit", SS_ROLE_AUDITOR, 0, NULL, ss__api_audit_list },
    { "GET", "/api/v1/audit/verify", SS_ROLE_AUDITOR, 0, NULL, ss__api_audit_verify },
    { "GET", "/api/v1/units", ADM | OFF, 0, NULL, ss__api_unit_list },
    { "GET", "/api/v1/seals", ANYROLE, 0, NULL, ss__api_seal_list },
    { "GET", "/api/v1/grants", ADM, 0, NULL, ss__api_grant_list },
    { "DELETE", "/api/v1/grants/{id}", ADM, 0, NULL, ss__api_grant_delete },
    { "POST", "/api/v1/clients", ADM, 256 * 1024, JSON, ss__api_client_add },
    { "GET", "/api/v1/clients", ADM, 0, NULL, ss__api_client_list },
    { "GET", "/api/v1/clients/{id}", ADM, 0, NULL, ss__api_client_get },
    { "POST", "/api/v1/clients/{id}/disable", ADM, 64 * 1024, JSON, ss__api_client_disable },
    { "POST", "/api/v1/clients/{id}/enable", ADM, 64 * 1024, JSON, ss__api_client_enable },
    { "POST", "/api/v1/clients/{id}/rotate-token", ADM, 64 * 1024, JSON,
      ss__api_client_rotate },
    /* e-licences (api_license.c, api_license_batch.c; status in api_status.c) */
    { "POST", "/api/v1/license-types", ADM, SS_API_LIC_TYPE_MAX_BODY, JSON,
      ss__api_lic_type_add },
    { "GET", "/api/v1/license-types", ANYROLE, 0, NULL, ss__api_lic_type_list },
    { "GET", "/api/v1/license-types/{code}", ANYROLE, 0, NULL, ss__api_lic_type_get },
    { "POST", "/api/v1/license-types/{code}/disable", ADM, 64 * 1024, JSON,
      ss__api_lic_type_disable },
    { "POST", "/api/v1/license-types/{code}/enable", ADM, 64 * 1024, JSON,
      ss__api_lic_type_enable },
    { "POST", "/api/v1/license-grants", ADM, 64 * 1024, JSON, ss__api_lic_grant_add },
    { "GET", "/api/v1/license-grants", ADM, 0, NULL, ss__api_lic_grant_list },
    { "DELETE", "/api/v1/license-grants/{id}", ADM, 0, NULL, ss__api_lic_grant_delete },
    { "POST", "/api/v1/licenses", SS_ROLE_OPERATOR, SS_API_LIC_MAX_BODY, JSON,
      ss__api_lic_issue },
    { "GET", "/api/v1/licenses", ANYROLE, 0, NULL, ss__api_lic_list },
    /* before {id}: the first matching pattern wins */
    { "POST", "/api/v1/licenses/batch", SS_ROLE_OPERATOR, SS_API_LIC_BATCH_MAX_BODY,
      "text/csv," JSON, ss__api_lic_batch },
    { "POST", "/api/v1/licenses/seal", SS_ROLE_OPERATOR, SS_API_OFD_MAX_BODY, SS_API_OFD_TYPE,
      ss__api_lic_seal },
    { "GET", "/api/v1/licenses/{id}", ANYROLE, 0, NULL, ss__api_lic_get },
    { "GET", "/api/v1/licenses/{id}/file", ANYROLE, 0, NULL, ss__api_lic_file },
    { "GET", "/api/v1/licenses/{id}/status", ANYROLE, 0, NULL, ss__api_license_status },
    { "POST", "/api/v1/licenses/{id}/suspend", ADM | OFF, 64 * 1024, JSON,
      ss__api_lic_suspend },
    { "POST", "/api/v1/licenses/{id}/resume", ADM | OFF, 64 * 1024, JSON, ss__api_lic_resume },
    { "POST", "/api/v1/licenses/{id}/revoke", ADM | OFF, 64 * 1024, JSON, ss__api_lic_revoke },
    { "POST", "/api/v1/licenses/{id}/reissue", SS_ROLE_OPERATOR, SS_API_LIC_MAX_BODY, JSON,
      ss__api_lic_reissue },
};

const ss_route *ss_api_routes(size_t *n)
{
    *n = sizeof(ROUTES) / sizeof(ROUTES[0]);
    return ROUTES;
}

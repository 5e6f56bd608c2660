/* api_client.c: the API client endpoints (api_int.h, role admin): POST /api/v1/clients,
 * GET /api/v1/clients (paged), GET /api/v1/clients/{id}, POST /api/v1/clients/{id}/disable,
 * /enable and /rotate-token. A token made by the service is in the one answer that creates
 * it, and nowhere else (not in the log: answers are never logged).
 * Not here: who may do what (the service), authentication (auth.c). */
#include "api_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* A client as the API shows it: never its token hash, only whether it has a token. */
static json_t *client_json(const ss_client *c)
{
    json_t *roles = json_array(), *o;
    char hex[65];

    for (uint32_t bit = 1; roles != NULL && (bit & SS_ROLE_ALL) != 0; bit <<= 1)
        if ((c->roles & bit) && json_array_append_new(roles, json_string(ss_role_name(bit))))
            break;
    ss__api_hex(c->cert_sha256, 32, hex);
    o = json_pack("{s:I,s:s,s:o,s:b,s:b,s:s?,s:s?,s:I}", "id", (json_int_t)c->id, "name",
                  c->name, "roles", roles, "disabled", c->disabled, "has_token", c->has_token,
                  "cert_subject", c->cert_subject[0] != '\0' ? c->cert_subject : NULL,
                  "cert_sha256", c->has_cert_sha256 ? hex : NULL, "created",
                  (json_int_t)c->created);
    return o;
}

/* "roles": a non-empty array of role names; 0, or -1 after answering 400. */
static int roles_of(ss_req *req, const json_t *b, uint32_t *out)
{
    const json_t *a = json_object_get(b, "roles"), *v;
    size_t i;

    *out = 0;
    if (!json_is_array(a) || json_array_size(a) == 0) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"roles\": required, a non-empty "
                           "array of admin, seal-officer, operator, auditor, verifier");
        return -1;
    }
    json_array_foreach(a, i, v) {
        uint32_t bit = json_is_string(v) ? ss_role_from_name(json_string_value(v)) : 0;
        if (bit == 0) {
            ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"roles\"[%zu]: not one of admin, "
                               "seal-officer, operator, auditor, verifier", i);
            return -1;
        }
        *out |= bit;
    }
    return 0;
}

int ss__api_client_add(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    ss_svc_client_req cr;
    const char *pem = NULL, *b64 = NULL;
    uint8_t *der = NULL;
    char token[SS_TOKEN_BUF] = "";
    int64_t id = 0;
    ss_client c;
    sc_err err = SC_ERR_INIT;
    const json_t *tok;
    json_t *b, *doc;
    ss_svc *svc = ss__api_begin(req, SS__API_BODY_REQUIRED, &b);
    int rc = 0;

    if (svc == NULL)
        return 0;
    memset(&cr, 0, sizeof(cr));
    memset(&c, 0, sizeof(c));
    if (ss__api_need_str(req, b, "name", &cr.name) != 0 || roles_of(req, b, &cr.roles) != 0 ||
        ss__api_opt_str(req, b, "cert_pem", &pem) != 0 ||
        ss__api_opt_str(req, b, "cert_b64", &b64) != 0)
        goto out;
    tok = json_object_get(b, "token");
    if (tok != NULL && !json_is_boolean(tok)) {
        rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"token\": expected true or "
                                "false");
        goto out;
    }
    if (pem != NULL && b64 != NULL) {
        rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "give \"cert_pem\" or "
                                "\"cert_b64\", not both");
        goto out;
    }
    if (b64 != NULL && (rc = ss__api_b64_decode(b64, &der, &cr.cert_len)) != 0) {
        rc = rc == -2 ? SC_ENOMEM : ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST,
                                                       "\"cert_b64\": not base64");
        goto out;
    }
    if (pem != NULL) {
        cr.cert = (const uint8_t *)pem;
        cr.cert_len = strlen(pem);
    } else if (der != NULL) {
        cr.cert = der;
    }
    cr.token = json_is_true(tok);
    if ((rc = ss_svc_client_add(svc, &act, &cr, &id, token, &err)) != 0) {
        rc = ss__api_reply_svc(req, rc, &err);
        goto out;
    }
    /* Committed: the answer must carry the id and the token shown once, even when the client
     * cannot be read back (a busy store) to describe it in full. */
    doc = ss_svc_client_get(svc, &act, id, &c, &err) == 0
              ? client_json(&c)
              : json_pack("{s:I,s:s}", "id", (json_int_t)id, "name", cr.name);
    if (doc != NULL && cr.token && json_object_set_new(doc, "token", json_string(token)) != 0) {
        json_decref(doc);
        doc = NULL;                     /* answered 500: the admin rotates the token */
    }
    rc = ss__api_reply_doc(req, 201, doc);
out:
    OPENSSL_cleanse(token, sizeof(token));
    free(der);
    json_decref(b);
    return rc;
}

int ss__api_client_get(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    ss_client c;
    sc_err err = SC_ERR_INIT;
    int64_t id = 0;
    ss_svc *svc = ss__api_begin_id(req, "API client", &id);
    int rc;

    if (svc == NULL)
        return 0;
    if ((rc = ss_svc_client_get(svc, &act, id, &c, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    return ss__api_reply_doc(req, 200, client_json(&c));
}

static int on_client(void *ctx, const ss_client *c)
{
    return ss__api_append(ctx, client_json(c));
}

static int list_clients(ss_svc *svc, const ss_svc_actor *act, int64_t after, unsigned limit,
                        json_t *arr, sc_err *err)
{
    return ss_svc_client_list(svc, act, after, limit, on_client, arr, err);
}

int ss__api_client_list(ss_req *req)
{
    return ss__api_list_plain(req, list_clients, "clients", "id");
}

static int h_set_disabled(ss_req *req, int disabled)
{
    ss_svc_actor act = ss__api_actor(req);
    ss_client c;
    sc_err err = SC_ERR_INIT;
    int64_t id = 0;
    ss_svc *svc = ss__api_begin_id(req, "API client", &id);
    int rc;

    if (svc == NULL)
        return 0;
    if ((rc = ss_svc_client_set_disabled(svc, &act, id, disabled, &err)) != 0 ||
        (rc = ss_svc_client_get(svc, &act, id, &c, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    return ss__api_reply_doc(req, 200, client_json(&c));
}

int ss__api_client_disable(ss_req *req) { return h_set_disabled(req, 1); }
int ss__api_client_enable(ss_req *req) { return h_set_disabled(req, 0); }

int ss__api_client_rotate(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    char token[SS_TOKEN_BUF] = "";
    sc_err err = SC_ERR_INIT;
    int64_t id = 0;
    ss_svc *svc = ss__api_begin_id(req, "API client", &id);
    int rc;

    if (svc == NULL)
        return 0;
    if ((rc = ss_svc_client_rotate_token(svc, &act, id, token, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    rc = ss__api_reply_doc(req, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "token",
                                               token));
    OPENSSL_cleanse(token, sizeof(token));
    return rc;
}

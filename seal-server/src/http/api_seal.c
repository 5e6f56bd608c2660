/* api_seal.c: the seal lifecycle endpoints: units, seal applications and their four-eyes
 * review, a seal, its status changes (suspend, resume, revoke), and grants (api_int.h).
 * Not here: signing with a seal (api_sign.c), publishing its status (api_status.c). Who may
 * do what (roles, four eyes) is the service's decision; here only the request's shape. */
#include "api_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- units ------------------------------------------------------------------------------- */

int ss__api_unit_add(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    const char *code, *name;
    sc_err err = SC_ERR_INIT;
    int64_t id = 0;
    json_t *b;
    ss_svc *svc = ss__api_begin(req, SS__API_BODY_REQUIRED, &b);
    int rc;

    if (svc == NULL)
        return 0;
    if (ss__api_need_str(req, b, "code", &code) != 0 ||
        ss__api_need_str(req, b, "name", &name) != 0) {
        json_decref(b);
        return 0;
    }
    rc = ss_svc_unit_add(svc, &act, code, name, &id, &err);
    if (rc != 0) {
        json_decref(b);
        return ss__api_reply_svc(req, rc, &err);
    }
    rc = ss__api_reply_doc(req, 201, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id, "code",
                                               code, "name", name));
    json_decref(b);
    return rc;
}

/* ---- applications ------------------------------------------------------------------------ */

int ss__api_app_apply(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    ss_svc_app_req ar;
    const char *img = NULL;
    int64_t unit_id = 0, type = 0, w = 0, h = 0, from = 0, to = 0, id = 0;
    uint8_t *image = NULL;
    sc_err err = SC_ERR_INIT;
    json_t *b;
    ss_svc *svc = ss__api_begin(req, SS__API_BODY_REQUIRED, &b);
    int rc = 0;

    if (svc == NULL)
        return 0;
    memset(&ar, 0, sizeof(ar));
    if (ss__api_opt_int(req, b, "unit_id", &unit_id, 1) != 0 ||
        ss__api_opt_int(req, b, "seal_type", &type, 1) != 0 ||
        ss__api_need_str(req, b, "name", &ar.name) != 0 ||
        ss__api_need_str(req, b, "image_b64", &img) != 0 ||
        ss__api_need_str(req, b, "image_format", &ar.image_format) != 0 ||
        ss__api_opt_int(req, b, "width_mm", &w, 1) != 0 ||
        ss__api_opt_int(req, b, "height_mm", &h, 1) != 0 ||
        ss__api_opt_int(req, b, "valid_from", &from, 1) != 0 ||
        ss__api_opt_int(req, b, "valid_to", &to, 1) != 0)
        goto out;
    if ((rc = ss__api_b64_decode(img, &image, &ar.image_len)) != 0) {
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
        rc = ss__api_reply_svc(req, rc, &err);
        goto out;
    }
    rc = ss__api_reply_doc(req, 201, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state",
                                               "pending"));
out:
    free(image);
    json_decref(b);
    return rc;
}

static int h_app_review(ss_req *req, int approve)
{
    ss_svc_actor act = ss__api_actor(req);
    const char *reason = NULL, *es_id = NULL;
    char es[SS_ES_ID_MAX + 1] = "";
    sc_err err = SC_ERR_INIT;
    int64_t id;
    json_t *b = NULL;
    ss_svc *svc = ss__api_begin_id(req, "seal application", &id);
    int rc;

    if (svc == NULL ||
        ss__api_body(req, approve ? SS__API_BODY_OPTIONAL : SS__API_BODY_REQUIRED, &b) != 0)
        return 0;
    if (ss__api_opt_str(req, b, "reason", &reason) != 0 ||
        (approve && ss__api_opt_str(req, b, "es_id", &es_id) != 0)) {
        json_decref(b);
        return 0;
    }
    if (approve)
        rc = ss_svc_app_approve(svc, &act, id, es_id, reason, es, &err);
    else
        rc = ss_svc_app_reject(svc, &act, id, reason, &err);
    json_decref(b);
    if (rc != 0)
        return ss__api_reply_svc(req, rc, &err);
    if (approve)
        return ss__api_reply_doc(req, 200, json_pack("{s:I,s:s,s:s}", "id", (json_int_t)id,
                                                     "state", "approved", "es_id", es));
    return ss__api_reply_doc(req, 200, json_pack("{s:I,s:s}", "id", (json_int_t)id, "state",
                                                 "rejected"));
}

int ss__api_app_approve(ss_req *req) { return h_app_review(req, 1); }
int ss__api_app_reject(ss_req *req) { return h_app_review(req, 0); }

/* ---- seals ------------------------------------------------------------------------------- */

int ss__api_seal_get(ss_req *req)
{
    ss_svc *svc = ss__api_svc(req);
    ss_svc_actor act = ss__api_actor(req);
    ss_svc_status_info st;
    ss_seal s;
    sc_err err = SC_ERR_INIT;
    json_t *doc;
    int rc;

    if (svc == NULL)
        return ss__api_no_service(req);
    memset(&s, 0, sizeof(s));
    if ((rc = ss_svc_seal_get(svc, &act, ss_req_param(req, "esID"), &s, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    if ((rc = ss_svc_seal_status(svc, s.es_id, 0, &st, &err)) != 0) {
        ss_seal_clear(&s);
        return ss__api_reply_svc(req, rc, &err);
    }
    doc = json_pack("{s:s,s:I,s:s,s:i,s:I,s:I,s:s,s:I,s:o,s:o}", "es_id", s.es_id,
                    "unit_id", (json_int_t)s.unit_id, "name", s.name, "seal_type",
                    s.seal_type, "valid_start", (json_int_t)s.valid_start, "valid_end",
                    (json_int_t)s.valid_end, "status", ss_svc_status_name(st.status),
                    "created", (json_int_t)s.created, "seal_b64",
                    ss__api_b64_json(s.der, s.der_len),
                    "signer_cert_b64", ss__api_b64_json(s.signer_cert, s.signer_cert_len));
    ss_seal_clear(&s);
    return ss__api_reply_doc(req, 200, doc);
}

static const struct { const char *name; int value; } REASONS[] = {
    { "unspecified", SS_SVC_REASON_UNSPECIFIED },
    { "keyCompromise", SS_SVC_REASON_KEY_COMPROMISE },
    { "affiliationChanged", SS_SVC_REASON_AFFILIATION_CHANGED },
    { "superseded", SS_SVC_REASON_SUPERSEDED },
    { "cessationOfOperation", SS_SVC_REASON_CESSATION_OF_OPERATION },
};

/* The service and the optional body {"text", "reason"} (*b, a new reference; *text borrowed
 * from it). NULL after answering (503, 400). */
static ss_svc *change_begin(ss_req *req, int revoke, json_t **b, const char **text,
                            int *reason)
{
    const char *r = NULL;
    size_t i;
    ss_svc *svc = ss__api_begin(req, SS__API_BODY_OPTIONAL, b);

    *text = NULL;
    *reason = SS_SVC_REASON_UNSPECIFIED;
    if (svc == NULL)
        return NULL;
    if (ss__api_opt_str(req, *b, "text", text) != 0 ||
        ss__api_opt_str(req, *b, "reason", &r) != 0)
        goto bad;
    if (!revoke || r == NULL) {
        if (r != NULL && *text == NULL)
            *text = r;   /* suspend/resume: the reason is the officer's note */
        return svc;
    }
    for (i = 0; i < sizeof(REASONS) / sizeof(REASONS[0]); i++)
        if (strcmp(REASONS[i].name, r) == 0) {
            *reason = REASONS[i].value;
            return svc;
        }
    ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"reason\": one of unspecified, "
                       "keyCompromise, affiliationChanged, superseded, cessationOfOperation");
bad:
    json_decref(*b);
    *b = NULL;
    return NULL;
}

int ss__api_change(ss_req *req, enum ss__api_change what, const ss__api_change_ops *ops)
{
    ss_svc_actor act = ss__api_actor(req);
    const char *id = ss_req_param(req, ops->param), *text, *name = NULL;
    sc_err err = SC_ERR_INIT;
    int r, rc;
    json_t *b;
    ss_svc *svc = change_begin(req, what == SS__API_REVOKE, &b, &text, &r);

    if (svc == NULL)
        return 0;
    rc = what == SS__API_SUSPEND ? ops->suspend(svc, &act, id, text, &err)
         : what == SS__API_RESUME ? ops->resume(svc, &act, id, text, &err)
                                  : ops->revoke(svc, &act, id, r, text, &err);
    json_decref(b);
    if (rc != 0 || (rc = ops->status(svc, id, &name, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    return ss__api_reply_doc(req, 200, json_pack("{s:s,s:s}", ops->key, id, "status", name));
}

static int seal_status_name(ss_svc *svc, const char *es_id, const char **name, sc_err *err)
{
    ss_svc_status_info st;
    int rc = ss_svc_seal_status(svc, es_id, 0, &st, err);

    *name = rc == 0 ? ss_svc_status_name(st.status) : NULL;
    return rc;
}

static const ss__api_change_ops SEAL_CHANGE = {
    "esID", "es_id", ss_svc_seal_suspend, ss_svc_seal_resume, ss_svc_seal_revoke,
    seal_status_name,
};

int ss__api_seal_suspend(ss_req *req)
{
    return ss__api_change(req, SS__API_SUSPEND, &SEAL_CHANGE);
}
int ss__api_seal_resume(ss_req *req) { return ss__api_change(req, SS__API_RESUME, &SEAL_CHANGE); }
int ss__api_seal_revoke(ss_req *req) { return ss__api_change(req, SS__API_REVOKE, &SEAL_CHANGE); }

/* ---- grants ------------------------------------------------------------------------------ */

int ss__api_grant_add(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    const char *es_id;
    int64_t client = 0, exp = 0, lim = 0, id = 0;
    sc_err err = SC_ERR_INIT;
    json_t *b;
    ss_svc *svc = ss__api_begin(req, SS__API_BODY_REQUIRED, &b);
    int rc;

    if (svc == NULL)
        return 0;
    if (ss__api_opt_int(req, b, "client_id", &client, 1) != 0 ||
        ss__api_need_str(req, b, "es_id", &es_id) ||
        ss__api_opt_int(req, b, "expires_at", &exp, 0) != 0 ||
        ss__api_opt_int(req, b, "use_limit", &lim, 0) != 0) {
        json_decref(b);
        return 0;
    }
    if ((rc = ss_svc_grant_add(svc, &act, client, es_id, exp, lim, &id, &err)) != 0) {
        json_decref(b);
        return ss__api_reply_svc(req, rc, &err);
    }
    rc = ss__api_reply_doc(req, 201, json_pack("{s:I,s:I,s:s,s:I,s:I}", "id", (json_int_t)id,
                                               "client_id", (json_int_t)client, "es_id", es_id,
                                               "expires_at", (json_int_t)exp, "use_limit",
                                               (json_int_t)lim));
    json_decref(b);
    return rc;
}

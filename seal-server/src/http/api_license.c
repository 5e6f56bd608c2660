/* api_license.c: the e-licence endpoints (spec/license-file.md, api_int.h): licence types
 * (add, list, get, disable/enable), licence grants (add, list, delete), issuing one licence,
 * a licence, its file, the listing, status changes and re-issue.
 * Not here: batches and the stamping of existing licence files (api_license_batch.c), the
 * signed status (api_status.c). Who may do what (roles, grants) is the service's decision
 * (service.h "licences"); here the request's shape and the JSON. */
#include "api_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

/* ---- what issuing calls share ------------------------------------------------------------ */

int ss__api_lic_row(const json_t *o, sc_lic_kv **kv, size_t *n, char *why, size_t wn)
{
    const char *k;
    json_t *v;
    size_t i = 0;

    *kv = NULL;
    *n = 0;
    if (!json_is_object(o) || json_object_size(o) == 0) {
        snprintf(why, wn, "a row is a JSON object of field names to string values");
        return SC_EINVAL;
    }
    if ((*kv = calloc(json_object_size(o), sizeof(**kv))) == NULL)
        return SC_ENOMEM;
    json_object_foreach((json_t *)o, k, v) {
        if (!json_is_string(v)) {
            snprintf(why, wn, "field \"%.64s\": expected a string", k);
            free(*kv);
            *kv = NULL;
            return SC_EINVAL;
        }
        /* an empty cell is an absent value (sc_lic_row_check): left out */
        if (json_string_length(v) == 0)
            continue;
        (*kv)[i].name = k;
        (*kv)[i++].value = json_string_value(v);
    }
    *n = i;
    return 0;
}

int ss__api_lic_req(ss_req *req, const char *area_code, ss_svc_lic_req *lr)
{
    const ss_config *cfg = ss_server_config(ss_req_server(req));

    lr->area_code = area_code != NULL ? area_code : ss_config_license_area_code(cfg);
    lr->verify_url = ss_config_license_verify_url(cfg);
    lr->request_id = ss_req_id(req);
    if (lr->area_code != NULL &&
        (strlen(lr->area_code) != 6 || strspn(lr->area_code, "0123456789") != 6)) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"area_code\": 6 digits (GB/T 2260, "
                           "ZZSSGXSD)");
        return -1;
    }
    return 0;
}

/* ---- types ------------------------------------------------------------------------------- */

/* {"template": XML text, "files": {NAME: base64, ...}} (files optional: a template naming
 * none). The files are decoded into bufs (n of them, free each). */
static int type_files(ss_req *req, const json_t *files, ss_lic_type_file *out, uint8_t **bufs,
                      size_t *n)
{
    const char *k;
    json_t *v;
    int rc;

    *n = 0;
    if (files == NULL || json_is_null(files))
        return 0;
    if (!json_is_object(files) || json_object_size(files) > SS_LIC_TYPE_FILES_MAX) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"files\": an object of at most %d "
                           "NAME: base64 members", SS_LIC_TYPE_FILES_MAX);
        return -1;
    }
    json_object_foreach((json_t *)files, k, v) {
        size_t len = 0;
        if (!json_is_string(v) ||
            (rc = ss__api_b64_decode(json_string_value(v), &bufs[*n], &len)) == -1) {
            ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"files\".\"%.64s\": expected "
                               "base64", k);
            return -1;
        }
        if (rc == -2)
            return SC_ENOMEM;
        out[*n].name = k;
        out[*n].data = bufs[*n];
        out[(*n)++].len = len;
    }
    return 0;
}

int ss__api_lic_type_add(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    ss_lic_type_file files[SS_LIC_TYPE_FILES_MAX];
    uint8_t *bufs[SS_LIC_TYPE_FILES_MAX] = { NULL };
    char code[SS_LIC_CODE_MAX + 1] = "";
    const char *xml;
    size_t n = 0;
    sc_err err = SC_ERR_INIT;
    json_t *b;
    ss_svc *svc = ss__api_begin(req, SS__API_BODY_REQUIRED, &b);
    int rc = 0;

    if (svc == NULL)
        return 0;
    if (ss__api_need_str(req, b, "template", &xml) != 0 ||
        (rc = type_files(req, json_object_get(b, "files"), files, bufs, &n)) != 0)
        goto out;
    rc = ss_svc_lic_type_add(svc, &act, (const uint8_t *)xml, strlen(xml), files, n, code, &err);
    rc = rc != 0 ? ss__api_reply_svc(req, rc, &err)
                 : ss__api_reply_doc(req, 201, json_pack("{s:s,s:i}", "code", code, "files",
                                                         (int)n));
out:
    for (size_t i = 0; i < SS_LIC_TYPE_FILES_MAX; i++)
        free(bufs[i]);
    json_decref(b);
    return rc == -1 ? 0 : rc;   /* -1: type_files answered */
}

static json_t *type_json(const ss_lic_type *t)
{
    return json_pack("{s:I,s:s,s:s,s:b,s:I,s:I}", "seq", (json_int_t)t->id, "code", t->code,
                     "name", t->name, "disabled", t->disabled, "added_by",
                     (json_int_t)t->added_by, "created", (json_int_t)t->created);
}

static int on_type(void *ctx, const ss_lic_type *t)
{
    return ss__api_append(ctx, type_json(t));
}

static int list_types(ss_svc *svc, const ss_svc_actor *act, int64_t after, unsigned limit,
                      json_t *arr, sc_err *err)
{
    return ss_svc_lic_type_list(svc, act, after, limit, on_type, arr, err);
}

int ss__api_lic_type_list(ss_req *req)
{
    return ss__api_list_plain(req, list_types, "license_types", "seq");
}

static const char *const FORMATS[] = { "?", "text", "date", "enddate", "uscc", "idcard",
                                       "digits", "regex" };

/* The template's fields, for a client building rows (names, labels, formats). */
static json_t *fields_json(const ss_lic_type *t, sc_err *err)
{
    sc_lic_template *tm = NULL;
    json_t *arr = NULL;

    if (sc_lic_template_parse(&tm, t->tmpl, t->tmpl_len, err) != 0 || (arr = json_array()) == NULL)
        goto out;
    for (size_t i = 0; i < sc_lic_template_field_count(tm); i++) {
        const sc_lic_field *f = sc_lic_template_get_field(tm, i);
        int fmt = sc_lic_field_get_format(f);
        json_t *o = json_pack("{s:s,s:s,s:b,s:s,s:s?,s:I}", "name", sc_lic_field_get_name(f),
                              "label", sc_lic_field_get_label(f), "required",
                              sc_lic_field_is_required(f), "format",
                              fmt >= 1 && fmt <= 7 ? FORMATS[fmt] : "?", "meta",
                              sc_lic_field_get_meta(f), "max_length",
                              (json_int_t)sc_lic_field_get_max_len(f));
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            arr = NULL;
            break;
        }
    }
out:
    sc_lic_template_free(tm);
    return arr;
}

int ss__api_lic_type_get(ss_req *req)
{
    ss_svc *svc = ss__api_svc(req);
    ss_svc_actor act = ss__api_actor(req);
    ss_lic_type t;
    sc_err err = SC_ERR_INIT;
    json_t *doc, *fields;
    int rc;

    if (svc == NULL)
        return ss__api_no_service(req);
    memset(&t, 0, sizeof(t));
    if ((rc = ss_svc_lic_type_get(svc, &act, ss_req_param(req, "code"), &t, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    doc = type_json(&t);
    /* the stored template was parsed when added: a failure here is memory */
    fields = fields_json(&t, &err);
    if (doc == NULL)
        json_decref(fields);   /* set_new below takes it, also when it fails */
    if (doc == NULL || fields == NULL || json_object_set_new(doc, "fields", fields) != 0 ||
        json_object_set_new(doc, "template", json_stringn((const char *)t.tmpl,
                                                           t.tmpl_len)) != 0) {
        json_decref(doc);
        doc = NULL;
    }
    ss_lic_type_clear(&t);
    return ss__api_reply_doc(req, 200, doc);
}

static int h_type_disable(ss_req *req, int disabled)
{
    ss_svc *svc = ss__api_svc(req);
    ss_svc_actor act = ss__api_actor(req);
    const char *code = ss_req_param(req, "code");
    sc_err err = SC_ERR_INIT;
    int rc;

    if (svc == NULL)
        return ss__api_no_service(req);
    if ((rc = ss_svc_lic_type_set_disabled(svc, &act, code, disabled, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    return ss__api_reply_doc(req, 200, json_pack("{s:s,s:b}", "code", code, "disabled",
                                                 disabled));
}

int ss__api_lic_type_disable(ss_req *req) { return h_type_disable(req, 1); }
int ss__api_lic_type_enable(ss_req *req) { return h_type_disable(req, 0); }

/* ---- licence grants ---------------------------------------------------------------------- */

int ss__api_lic_grant_add(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    const char *es_id, *type;
    int64_t client = 0, exp = 0, id = 0;
    sc_err err = SC_ERR_INIT;
    json_t *b;
    ss_svc *svc = ss__api_begin(req, SS__API_BODY_REQUIRED, &b);
    int rc = 0;

    if (svc == NULL)
        return 0;
    if (ss__api_opt_int(req, b, "client_id", &client, 1) != 0 ||
        ss__api_need_str(req, b, "es_id", &es_id) != 0 ||
        ss__api_need_str(req, b, "type", &type) != 0 ||
        ss__api_opt_int(req, b, "expires_at", &exp, 0) != 0)
        goto out;
    if ((rc = ss_svc_lic_grant_add(svc, &act, client, es_id, type, exp, &id, &err)) != 0)
        rc = ss__api_reply_svc(req, rc, &err);
    else
        rc = ss__api_reply_doc(req, 201, json_pack("{s:I,s:I,s:s,s:s,s:I}", "id",
                                                   (json_int_t)id, "client_id",
                                                   (json_int_t)client, "es_id", es_id, "type",
                                                   type, "expires_at", (json_int_t)exp));
out:
    json_decref(b);
    return rc;
}

static int on_grant(void *ctx, const ss_lic_grant *g)
{
    return ss__api_append(ctx, json_pack("{s:I,s:I,s:s,s:s,s:I,s:I}", "id", (json_int_t)g->id,
                                         "client_id", (json_int_t)g->client_id, "es_id",
                                         g->es_id, "type", g->type_code, "expires_at",
                                         (json_int_t)g->expires_at, "created",
                                         (json_int_t)g->created));
}

int ss__api_lic_grant_list(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    int64_t after, limit, client;
    sc_err err = SC_ERR_INIT;
    json_t *arr;
    ss_svc *svc = ss__api_list_begin(req, &after, &limit);
    int rc;

    if (svc == NULL ||
        ss__api_q_int(req, "client_id", 0, INT64_MAX, 0, &client) != 0)
        return 0;
    if ((arr = json_array()) == NULL)
        return SC_ENOMEM;
    rc = ss_svc_lic_grant_list(svc, &act, client, after, (unsigned)limit, on_grant, arr, &err);
    return ss__api_page_done(req, rc, &err, arr, "license_grants", "id", limit);
}

int ss__api_lic_grant_delete(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    sc_err err = SC_ERR_INIT;
    int64_t id;
    ss_svc *svc = ss__api_begin_id(req, "licence grant", &id);
    int rc;

    if (svc == NULL)
        return 0;
    if ((rc = ss_svc_lic_grant_delete(svc, &act, id, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    return ss__api_reply_doc(req, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "deleted",
                                                 1));
}

/* ---- issuing one ------------------------------------------------------------------------- */

/* SS__API_IDEM_PREFIX + the Idempotency-Key (api_int.h): a retry is the (client, batch id,
 * row 0) the service issues once. */
#define IDEM_PREFIX SS__API_IDEM_PREFIX

/* The answer to an issue or re-issue: 201 (200 when an earlier request made it). */
static int reply_issued(ss_req *req, const char *id, const char *type, const char *es_id,
                        const char *status, const char *replaces, int already)
{
    char file[SS_LIC_ID_MAX + 64];

    snprintf(file, sizeof(file), "/api/v1/licenses/%s/file", id);
    return ss__api_reply_doc(req, already ? 200 : 201,
                             json_pack("{s:s,s:s?,s:s?,s:s,s:s,s:s?,s:b}", "id", id, "type",
                                       type, "es_id", es_id, "status", status, "file", file,
                                       "replaces", replaces, "replayed", already));
}

/* A replayed issue: the licence as it is now (suspended or revoked since, say), not as the
 * first answer had it. */
static int reply_replayed(ss_req *req, ss_svc *svc, const ss_svc_actor *act, const char *id)
{
    ss_license l;
    sc_err err = SC_ERR_INIT;
    int rc;

    memset(&l, 0, sizeof(l));
    if ((rc = ss_svc_lic_get(svc, act, id, &l, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    rc = reply_issued(req, id, l.type_code, l.es_id, ss_lic_status_name(l.status), NULL, 1);
    ss_license_clear(&l);
    return rc;
}

int ss__api_lic_issue(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    const char *idem = ss_req_header(req, "Idempotency-Key"), *area = NULL;
    ss_svc_lic_req lr;
    sc_lic_kv *kv = NULL;
    size_t n = 0;
    char zzbs[SS_LIC_ID_MAX + 1] = "", why[160], bid[SS_LIC_BATCH_ID_MAX + 1];
    sc_err err = SC_ERR_INIT;
    int already = 0, rc = 0;
    json_t *b;
    ss_svc *svc = ss__api_begin(req, SS__API_BODY_REQUIRED, &b);

    if (svc == NULL)
        return 0;
    memset(&lr, 0, sizeof(lr));
    if (ss__api_need_str(req, b, "type", &lr.type_code) != 0 ||
        ss__api_need_str(req, b, "es_id", &lr.es_id) != 0 ||
        ss__api_opt_str(req, b, "area_code", &area) != 0 || ss__api_lic_req(req, area, &lr) != 0)
        goto out;
    if ((rc = ss__api_lic_row(json_object_get(b, "row"), &kv, &n, why, sizeof(why))) != 0) {
        if (rc == SC_EINVAL)
            rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"row\": %s", why);
        goto out;
    }
    if (idem != NULL) {
        if (strlen(idem) > SS_LIC_BATCH_ID_MAX - strlen(IDEM_PREFIX)) {
            rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "Idempotency-Key: at most %zu "
                                    "characters for a licence",
                                    SS_LIC_BATCH_ID_MAX - strlen(IDEM_PREFIX));
            goto out;
        }
        snprintf(bid, sizeof(bid), IDEM_PREFIX "%s", idem);
        lr.batch_id = bid;
    }
    lr.row = kv;
    lr.row_len = n;
    if ((rc = ss_svc_lic_issue(svc, &act, &lr, zzbs, NULL, NULL, &already, &err)) != 0)
        rc = ss__api_reply_svc(req, rc, &err);
    else if (already)
        rc = reply_replayed(req, svc, &act, zzbs);
    else
        rc = reply_issued(req, zzbs, lr.type_code, lr.es_id, "valid", NULL, 0);
out:
    free(kv);
    json_decref(b);
    return rc;
}

/* ---- a licence, its file, the listing ---------------------------------------------------- */

static json_t *license_json(const ss_license *l, int64_t now)
{
    char sm3[65];
    json_t *o, *fields = NULL;

    ss__api_hex(l->file_sm3, 32, sm3);
    if (l->fields != NULL &&
        (fields = json_loadb((const char *)l->fields, l->fields_len, 0, NULL)) == NULL)
        return NULL;
    o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:s,s:i,s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:b,s:s?,s:s?,"
                  "s:I,s:I,s:I}",
                  "id", l->zzbs, "seq", (json_int_t)l->id, "type", l->type_code, "issuer_code",
                  l->issuer_code, "es_id", l->es_id, "serial", l->serial, "version", l->version,
                  "holder_name", l->holder_name, "holder_code", l->holder_code, "file_sm3", sm3,
                  "file_size", (json_int_t)l->file_size, "valid_from",
                  (json_int_t)l->valid_from, "valid_to", (json_int_t)l->valid_to, "status",
                  ss_lic_status_name(l->status) != NULL ? ss_lic_status_name(l->status) : "?",
                  "expired", l->valid_to != 0 && now > l->valid_to,
                  "replaced_by", l->replaced_by[0] != '\0' ? l->replaced_by : NULL,
                  "batch_id", l->batch_id[0] != '\0' ? l->batch_id : NULL, "batch_row",
                  (json_int_t)l->batch_row, "issued_by", (json_int_t)l->issued_by, "created",
                  (json_int_t)l->created);
    if (o != NULL && fields != NULL && json_object_set_new(o, "fields", fields) != 0) {
        json_decref(o);
        return NULL;
    }
    if (o == NULL)
        json_decref(fields);
    return o;
}

int ss__api_lic_get(ss_req *req)
{
    ss_svc *svc = ss__api_svc(req);
    ss_svc_actor act = ss__api_actor(req);
    ss_license l;
    sc_err err = SC_ERR_INIT;
    json_t *doc;
    int rc;

    if (svc == NULL)
        return ss__api_no_service(req);
    memset(&l, 0, sizeof(l));
    if ((rc = ss_svc_lic_get(svc, &act, ss_req_param(req, "id"), &l, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    doc = license_json(&l, (int64_t)time(NULL));
    ss_license_clear(&l);
    return ss__api_reply_doc(req, 200, doc);
}

int ss__api_lic_file(ss_req *req)
{
    ss_svc *svc = ss__api_svc(req);
    ss_svc_actor act = ss__api_actor(req);
    uint8_t *file = NULL;
    size_t len = 0;
    sc_err err = SC_ERR_INIT;
    int rc;

    if (svc == NULL)
        return ss__api_no_service(req);
    if ((rc = ss_svc_lic_file(svc, &act, ss_req_param(req, "id"), &file, &len, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    rc = ss_req_reply_text(req, 200, SS_API_OFD_TYPE, (const char *)file, len);
    free(file);
    return rc;
}

struct lic_list {
    json_t *arr;
    int64_t now;
};

static int on_license(void *ctx, const ss_license *l)
{
    struct lic_list *ll = ctx;

    return ss__api_append(ll->arr, license_json(l, ll->now));
}

static const char *const LIC_STATES[] = { "any", "valid", "suspended", "revoked", "voided" };

int ss__api_lic_list(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    struct lic_list ll = { NULL, (int64_t)time(NULL) };
    int64_t after, limit;
    char type[SS_LIC_CODE_MAX + 2], st[16];
    int tl = ss_req_query(req, "type", type, sizeof(type)), status = SS_LIC_ANY, rc;
    sc_err err = SC_ERR_INIT;
    ss_svc *svc = ss__api_list_begin(req, &after, &limit);

    if (svc == NULL)
        return 0;
    if (tl == -2 || tl == 0)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "type: a licence type code");
    if (ss_req_query(req, "status", st, sizeof(st)) != -1) {
        for (status = 4; status > 0 && strcmp(st, LIC_STATES[status]) != 0; status--)
            ;
        if (status == 0 && strcmp(st, "any") != 0)
            return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "status: any, valid, "
                                      "suspended, revoked or voided");
    }
    if ((ll.arr = json_array()) == NULL)
        return SC_ENOMEM;
    rc = ss_svc_lic_list(svc, &act, tl > 0 ? type : NULL, status, after, (unsigned)limit,
                         on_license, &ll, &err);
    return ss__api_page_done(req, rc, &err, ll.arr, "licenses", "seq", limit);
}

/* ---- status changes and re-issue --------------------------------------------------------- */

/* The answer to a change names the status as the licence's own record does (valid, as GET
 * /licenses/{id} and the issue answer), not as the status protocol does (good, or expired
 * past the validity end: /status). */
static int lic_status_name(ss_svc *svc, const char *id, const char **name, sc_err *err)
{
    ss_svc_lic_status_info st;
    int rc = ss_svc_lic_status(svc, id, 0, &st, err);

    *name = rc != 0 ? NULL : ss_lic_status_name(st.record);
    return rc;
}

static const ss__api_change_ops LIC_CHANGE = {
    "id", "id", ss_svc_lic_suspend, ss_svc_lic_resume, ss_svc_lic_revoke, lic_status_name,
};

int ss__api_lic_suspend(ss_req *req)
{
    return ss__api_change(req, SS__API_SUSPEND, &LIC_CHANGE);
}
int ss__api_lic_resume(ss_req *req) { return ss__api_change(req, SS__API_RESUME, &LIC_CHANGE); }
int ss__api_lic_revoke(ss_req *req) { return ss__api_change(req, SS__API_REVOKE, &LIC_CHANGE); }

/* {"row": {...}} the changed data (absent: the old licence's), "area_code" optional. */
int ss__api_lic_reissue(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    const char *old = ss_req_param(req, "id"), *area = NULL;
    const json_t *row;
    ss_svc_lic_req lr;
    sc_lic_kv *kv = NULL;
    size_t n = 0;
    char zzbs[SS_LIC_ID_MAX + 1] = "", why[160];
    sc_err err = SC_ERR_INIT;
    int rc = 0;
    json_t *b;
    ss_svc *svc = ss__api_begin(req, SS__API_BODY_OPTIONAL, &b);

    if (svc == NULL)
        return 0;
    memset(&lr, 0, sizeof(lr));
    if (ss__api_opt_str(req, b, "area_code", &area) != 0 || ss__api_lic_req(req, area, &lr) != 0)
        goto out;
    row = json_object_get(b, "row");
    if (row != NULL && !json_is_null(row) &&
        (rc = ss__api_lic_row(row, &kv, &n, why, sizeof(why))) != 0) {
        if (rc == SC_EINVAL)
            rc = ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "\"row\": %s", why);
        goto out;
    }
    if ((rc = ss_svc_lic_reissue(svc, &act, old, kv, n, &lr, zzbs, NULL, NULL, &err)) != 0)
        rc = ss__api_reply_svc(req, rc, &err);
    else
        rc = reply_issued(req, zzbs, NULL, NULL, "valid", old, 0);
out:
    free(kv);
    json_decref(b);
    return rc;
}

/* api_list.c: the listing endpoints and grant revocation (api_int.h): GET /api/v1/units,
 * /api/v1/seals/applications, /api/v1/seals, /api/v1/grants, each paged by id (after, limit;
 * next_after when a page is full), and DELETE /api/v1/grants/{id}. Who may list what is the
 * service's decision (service.h); here the query's shape and the JSON.
 * Also the query and paging helpers the other handlers share (api_int.h): ss__api_q_int,
 * ss__api_q_str, ss__api_paging, ss__api_append, ss__api_reply_page, ss__api_page_done. */
#include "api_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_DEFAULT 100

int ss__api_q_int(ss_req *req, const char *name, int64_t lo, int64_t hi, int64_t def,
                  int64_t *out)
{
    char buf[32], *end;
    int l = ss_req_query(req, name, buf, sizeof(buf));
    long long v;

    *out = def;
    if (l == -1)
        return 0;
    errno = 0;
    v = l > 0 ? strtoll(buf, &end, 10) : 0;
    if (l <= 0 || *end != '\0' || errno != 0 || v < lo || v > hi) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "%s: expected an integer in "
                           "%lld..%lld", name, (long long)lo, (long long)hi);
        return -1;
    }
    *out = v;
    return 0;
}

int ss__api_q_str(ss_req *req, const char *name, char *buf, size_t n, int required,
                  const char **out)
{
    int l = ss_req_query(req, name, buf, n);

    *out = l > 0 ? buf : NULL;
    if (l == -2 || (required && l < 1)) {
        ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "%s: %s (query)", name,
                           l == -2 ? "too long" : "required");
        return -1;
    }
    return 0;
}

int ss__api_paging(ss_req *req, int64_t *after, int64_t *limit)
{
    return ss__api_q_int(req, "after", 0, INT64_MAX, 0, after) != 0 ||
           ss__api_q_int(req, "limit", 1, SS_LIST_MAX, PAGE_DEFAULT, limit) != 0 ? -1 : 0;
}

ss_svc *ss__api_list_begin(ss_req *req, int64_t *after, int64_t *limit)
{
    ss_svc *svc = ss__api_svc(req);

    if (svc == NULL) {
        ss__api_no_service(req);
        return NULL;
    }
    return ss__api_paging(req, after, limit) == 0 ? svc : NULL;
}

int ss__api_append(json_t *arr, json_t *o)
{
    if (o != NULL && json_array_append_new(arr, o) == 0)
        return 0;
    return SC_ENOMEM;   /* append_new released o */
}

int ss__api_reply_page(ss_req *req, json_t *arr, const char *name, const char *key,
                       int64_t limit)
{
    size_t n = json_array_size(arr);
    /* a full page may have a successor: say where to go on from */
    json_t *next = (int64_t)n == limit ? json_object_get(json_array_get(arr, n - 1), key) : NULL;

    return ss__api_reply_doc(req, 200, json_pack("{s:o,s:O}", name, arr, "next_after",
                                                 next != NULL ? next : json_null()));
}

int ss__api_page_done(ss_req *req, int rc, const sc_err *err, json_t *arr, const char *name,
                      const char *key, int64_t limit)
{
    if (rc != 0) {
        json_decref(arr);
        return rc == SC_ENOMEM ? rc : ss__api_reply_svc(req, rc, err);
    }
    return ss__api_reply_page(req, arr, name, key, limit);
}

int ss__api_list_plain(ss_req *req, ss__api_lister list, const char *name, const char *key)
{
    ss_svc_actor act = ss__api_actor(req);
    int64_t after, limit;
    sc_err err = SC_ERR_INIT;
    json_t *arr;
    ss_svc *svc = ss__api_list_begin(req, &after, &limit);

    if (svc == NULL)
        return 0;
    if ((arr = json_array()) == NULL)
        return SC_ENOMEM;
    return ss__api_page_done(req, list(svc, &act, after, (unsigned)limit, arr, &err), &err,
                             arr, name, key, limit);
}

static int finish(ss_req *req, int rc, const sc_err *err, json_t *arr, const char *name,
                  int64_t limit)
{
    return ss__api_page_done(req, rc, err, arr, name, "id", limit);
}

/* ---- units ------------------------------------------------------------------------------- */

static int on_unit(void *ctx, const ss_unit *u)
{
    return ss__api_append(ctx, json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)u->id,
                                         "code", u->code, "name", u->name, "created",
                                         (json_int_t)u->created));
}

static int list_units(ss_svc *svc, const ss_svc_actor *act, int64_t after, unsigned limit,
                      json_t *arr, sc_err *err)
{
    return ss_svc_unit_list(svc, act, after, limit, on_unit, arr, err);
}

int ss__api_unit_list(ss_req *req)
{
    return ss__api_list_plain(req, list_units, "units", "id");
}

/* ---- applications ------------------------------------------------------------------------ */

static const char *const APP_STATES[] = { "any", "pending", "approved", "rejected" };

static int on_app(void *ctx, const ss_app *a)
{
    const char *state = a->state >= 1 && a->state <= 3 ? APP_STATES[a->state] : "?";

    return ss__api_append(ctx, json_pack("{s:I,s:I,s:I,s:i,s:s,s:s,s:i,s:i,s:I,s:I,s:s,s:I,"
                                         "s:s,s:I,s:I,s:s}", "id", (json_int_t)a->id,
                                         "unit_id", (json_int_t)a->unit_id, "applicant_id",
                                         (json_int_t)a->applicant_id, "seal_type",
                                         a->seal_type, "name", a->name, "image_format",
                                         a->image_format, "width_mm", a->width_mm,
                                         "height_mm", a->height_mm, "valid_from",
                                         (json_int_t)a->valid_from, "valid_to",
                                         (json_int_t)a->valid_to, "state", state,
                                         "reviewer_id", (json_int_t)a->reviewer_id,
                                         "reason", a->reason, "created",
                                         (json_int_t)a->created, "reviewed_at",
                                         (json_int_t)a->reviewed_at, "es_id", a->es_id));
}

/* A word of names (index = value) from the query; absent: 0. 0, or -1 after answering 400. */
static int q_word(ss_req *req, const char *q, const char *const *names, size_t n, int *out)
{
    char buf[32];
    int l = ss_req_query(req, q, buf, sizeof(buf));

    *out = 0;
    if (l == -1)
        return 0;
    for (size_t i = 0; l >= 0 && i < n; i++)
        if (strcmp(buf, names[i]) == 0) {
            *out = (int)i;
            return 0;
        }
    ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "%s: one of %s, %s, %s, %s", q, names[0],
                       names[1], names[2], names[3]);
    return -1;
}

/* ---- seals ------------------------------------------------------------------------------- */

static const char *const SEAL_STATES[] = { "any", "good", "suspended", "revoked" };

static int on_seal(void *ctx, const ss_seal *s)
{
    const char *status = s->status >= 1 && s->status <= 3 ? SEAL_STATES[s->status] : "?";

    return ss__api_append(ctx, json_pack("{s:I,s:s,s:I,s:s,s:i,s:I,s:I,s:s,s:I}", "id",
                                         (json_int_t)s->id, "es_id", s->es_id, "unit_id",
                                         (json_int_t)s->unit_id, "name", s->name, "seal_type",
                                         s->seal_type, "valid_start",
                                         (json_int_t)s->valid_start, "valid_end",
                                         (json_int_t)s->valid_end, "status", status,
                                         "created", (json_int_t)s->created));
}

/* Applications (apps 1) or seals of one unit (or all) in one state word (or any). */
static int unit_listing(ss_req *req, int apps)
{
    ss_svc_actor act = ss__api_actor(req);
    int64_t after, limit, unit;
    int word;
    sc_err err = SC_ERR_INIT;
    json_t *arr;
    ss_svc *svc = ss__api_list_begin(req, &after, &limit);
    int rc;

    if (svc == NULL ||
        ss__api_q_int(req, "unit_id", 1, INT64_MAX, 0, &unit) != 0 ||
        q_word(req, apps ? "state" : "status", apps ? APP_STATES : SEAL_STATES, 4, &word) != 0)
        return 0;
    if ((arr = json_array()) == NULL)
        return SC_ENOMEM;
    rc = apps ? ss_svc_app_list(svc, &act, unit, word, after, (unsigned)limit, on_app, arr,
                                &err)
              : ss_svc_seal_list(svc, &act, unit, word, after, (unsigned)limit, on_seal, arr,
                                 &err);
    return finish(req, rc, &err, arr, apps ? "applications" : "seals", limit);
}

int ss__api_app_list(ss_req *req) { return unit_listing(req, 1); }
int ss__api_seal_list(ss_req *req) { return unit_listing(req, 0); }

/* ---- grants ------------------------------------------------------------------------------ */

static int on_grant(void *ctx, const ss_grant *g)
{
    return ss__api_append(ctx, json_pack("{s:I,s:I,s:s,s:I,s:I,s:I,s:I}", "id",
                                         (json_int_t)g->id, "client_id",
                                         (json_int_t)g->client_id, "es_id", g->es_id,
                                         "expires_at", (json_int_t)g->expires_at,
                                         "use_limit", (json_int_t)g->use_limit, "uses",
                                         (json_int_t)g->uses, "created",
                                         (json_int_t)g->created));
}

int ss__api_grant_list(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    int64_t after, limit, client;
    char es[SS_ES_ID_MAX + 1];
    int l;
    sc_err err = SC_ERR_INIT;
    json_t *arr;
    ss_svc *svc = ss__api_list_begin(req, &after, &limit);

    if (svc == NULL ||
        ss__api_q_int(req, "client_id", 1, INT64_MAX, 0, &client) != 0)
        return 0;
    if ((l = ss_req_query(req, "es_id", es, sizeof(es))) == -2 || l == 0)
        return ss_req_reply_error(req, 400, SS_HE_BAD_REQUEST, "es_id: 1..%d characters",
                                  SS_ES_ID_MAX);
    if ((arr = json_array()) == NULL)
        return SC_ENOMEM;
    return finish(req, ss_svc_grant_list(svc, &act, client, l > 0 ? es : NULL, after,
                                         (unsigned)limit, on_grant, arr, &err), &err, arr,
                  "grants", limit);
}

int ss__api_grant_delete(ss_req *req)
{
    ss_svc_actor act = ss__api_actor(req);
    sc_err err = SC_ERR_INIT;
    int64_t id;
    ss_svc *svc = ss__api_begin_id(req, "grant", &id);
    int rc;

    if (svc == NULL)
        return 0;
    if ((rc = ss_svc_grant_delete(svc, &act, id, &err)) != 0)
        return ss__api_reply_svc(req, rc, &err);
    return ss__api_reply_doc(req, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id,
                                                 "revoked", 1));
}

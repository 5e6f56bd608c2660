/* svc_license_status.c: reading licences (row, list, file, grants) and their status: suspend, resume and
 * revoke with their audit records, the status at a time by spec/status.asn1's rule and the
 * history of changes for the status publisher (service.h "licences"). Not here: issuing
 * (svc_license.c, svc_license_batch.c). */
#include "service_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define ROLE_READ (SS_ROLE_ADMIN | SS_ROLE_SEAL_OFFICER | SS_ROLE_OPERATOR)
#define ROLE_STATUS (SS_ROLE_ADMIN | SS_ROLE_SEAL_OFFICER)

int ss_svc_lic_get(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs, ss_license *out,
                   sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, ROLE_READ, "to read licences", err)) != 0)
        return rc;
    return ss_store_lic_get(svc->st, zzbs, out, err);
}

int ss_svc_lic_list(ss_svc *svc, const ss_svc_actor *actor, const char *type_code, int status,
                    int64_t after_id, unsigned limit, ss_license_cb cb, void *ctx, sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, ROLE_READ, "to list licences", err)) != 0)
        return rc;
    return ss_store_lic_list(svc->st, type_code, status, after_id, limit, cb, ctx, err);
}

int ss_svc_lic_grant_list(ss_svc *svc, const ss_svc_actor *actor, int64_t client_id,
                          int64_t after_id, unsigned limit, ss_lic_grant_cb cb, void *ctx,
                          sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to list licence grants", err)) != 0)
        return rc;
    return ss_store_lic_grant_list(svc->st, client_id, after_id, limit, cb, ctx, err);
}

int ss_svc_lic_file(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs, uint8_t **file,
                    size_t *len, sc_err *err)
{
    ss_license l;
    int rc;

    if (file != NULL)
        *file = NULL;
    if ((rc = svc__need_role(actor, ROLE_READ, "to read licence files", err)) != 0 ||
        (rc = ss_store_lic_get(svc->st, zzbs, &l, err)) != 0)
        return rc;
    rc = ss_store_lic_file_get(svc->st, &l, file, len, err);
    ss_license_clear(&l);
    return rc;
}

/* ---- status changes ---------------------------------------------------------------------- */

static int set_status(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs, int status,
                      int need, int reason, const char *text, const char *action, sc_err *err)
{
    ss_store *tx = NULL;
    ss_license cur;
    char object[SS_AUDIT_OBJECT_MAX + 1];
    int64_t now = svc__now(svc);
    int rc;

    memset(&cur, 0, sizeof(cur));
    if ((rc = svc__need_role(actor, ROLE_STATUS, "to change a licence's status", err)) != 0 ||
        (rc = svc__check_token("licence identifier", zzbs, SS_LIC_ID_MAX, err)) != 0 ||
        (rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    /* read in the transaction: the state the change is decided on is the one it changes */
    if ((rc = ss_store_lic_get(tx, zzbs, &cur, err)) == 0 && need != 0 && cur.status != need &&
        cur.status != SS_LIC_REVOKED && cur.status != SS_LIC_VOIDED)
        rc = sc_err_set(err, SS_ESTATE, "licence %s is %s, not %s", zzbs,
                        ss_lic_status_name(cur.status), ss_lic_status_name(need));
    if (rc == 0)
        rc = ss_store_lic_set_status(tx, zzbs, status, reason, text, NULL, actor->client_id,
                                     now, err);
    ss_license_clear(&cur);
    if (rc != 0) {
        ss_store_tx_rollback(tx);
        return rc;
    }
    snprintf(object, sizeof(object), "license:%s", zzbs);
    rc = svc__audit(tx, now, actor->client_id, action, object,
                    json_pack("{s:s?, s:s}", "reason", reason >= 0 ?
                              sc_status_reason_name(reason) : NULL, "text",
                              text != NULL ? text : ""), err);
    return svc__tx_end(tx, rc, err);
}

int ss_svc_lic_suspend(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs,
                       const char *text, sc_err *err)
{
    return set_status(svc, actor, zzbs, SS_LIC_SUSPENDED, SS_LIC_VALID,
                      SC_STATUS_REASON_CERTIFICATE_HOLD, text, "license.suspend", err);
}

int ss_svc_lic_resume(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs,
                      const char *text, sc_err *err)
{
    return set_status(svc, actor, zzbs, SS_LIC_VALID, SS_LIC_SUSPENDED, SC_STATUS_NO_REASON,
                      text, "license.resume", err);
}

int ss_svc_lic_revoke(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs, int reason,
                      const char *text, sc_err *err)
{
    if (reason != SC_STATUS_REASON_UNSPECIFIED && reason != SC_STATUS_REASON_KEY_COMPROMISE &&
        reason != SC_STATUS_REASON_AFFILIATION_CHANGED &&
        reason != SC_STATUS_REASON_SUPERSEDED &&
        reason != SC_STATUS_REASON_CESSATION_OF_OPERATION)
        return sc_err_set(err, SC_EINVAL, "licence %s: revocation reason %d: give unspecified "
                          "(0), keyCompromise (1), affiliationChanged (3), superseded (4) or "
                          "cessationOfOperation (5)", zzbs != NULL ? zzbs : "?", reason);
    return set_status(svc, actor, zzbs, SS_LIC_REVOKED, 0, reason, text, "license.revoke",
                      err);
}

/* ---- status at a time, history ------------------------------------------------------------ */

static int wire_status(int store_status)
{
    switch (store_status) {
    case SS_LIC_SUSPENDED: return SC_STATUS_SUSPENDED;
    case SS_LIC_REVOKED: return SC_STATUS_REVOKED;
    case SS_LIC_VOIDED: return SC_STATUS_VOIDED;
    default: return SC_STATUS_GOOD;
    }
}

/* The history rows as changes: the first row is the issue, each later one goes to cb. */
typedef struct lhist {
    ss_svc_change_cb cb;
    void *ctx;
    size_t rows;
} lhist;

static int lhist_cb(void *ctx, const ss_lic_status_entry *e)
{
    lhist *h = ctx;
    ss_svc_status_change c;

    if (h->rows++ == 0)   /* the issue is not a change */
        return 0;
    memset(&c, 0, sizeof(c));
    c.status = wire_status(e->status);
    c.at = e->at;
    c.reason = e->reason >= 0 ? e->reason : SC_STATUS_NO_REASON;
    c.actor = e->actor;
    snprintf(c.text, sizeof(c.text), "%s", e->text);
    return h->cb(h->ctx, &c);
}

int ss_svc_lic_status(ss_svc *svc, const char *zzbs, int64_t at, ss_svc_lic_status_info *out,
                      sc_err *err)
{
    ss_license l;
    svc_walk w = SVC_WALK(at != 0 ? at : svc__now(svc), out);
    lhist h = { svc__walk_cb, &w, 0 };
    int rc;

    if (out == NULL)
        return sc_err_set(err, SC_EINVAL, "licence status: no output");
    memset(out, 0, sizeof(*out));
    out->reason = SC_STATUS_NO_REASON;
    if ((rc = svc__check_token("licence identifier", zzbs, SS_LIC_ID_MAX, err)) != 0)
        return rc;
    if ((rc = ss_store_lic_get(svc->st, zzbs, &l, err)) == SC_ENOTFOUND) {
        sc_err_clear(err);
        out->status = SC_STATUS_UNKNOWN;
        return 0;
    }
    if (rc != 0)
        return rc;
    out->status = SC_STATUS_GOOD;
    out->record = l.status;
    out->since = l.created;
    out->issued = l.created;
    out->valid_from = l.valid_from;
    out->valid_to = l.valid_to;
    memcpy(out->file_sm3, l.file_sm3, 32);
    memcpy(out->replaced_by, l.replaced_by, sizeof(out->replaced_by));
    if ((rc = ss_store_lic_history(svc->st, zzbs, lhist_cb, &h, err)) == 0)
        svc__walk_expire(&w, l.valid_to);
    ss_license_clear(&l);
    return rc;
}

int ss_svc_lic_history(ss_svc *svc, const char *zzbs, ss_svc_change_cb cb, void *ctx,
                       sc_err *err)
{
    lhist h = { cb, ctx, 0 };
    int rc;

    if (cb == NULL)
        return sc_err_set(err, SC_EINVAL, "licence history: no callback");
    if ((rc = svc__check_token("licence identifier", zzbs, SS_LIC_ID_MAX, err)) != 0)
        return rc;
    return ss_store_lic_history(svc->st, zzbs, lhist_cb, &h, err);
}

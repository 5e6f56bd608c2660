/* verify_license.c: the license check of spec/license-file.md §6 on a signed OFD that is a
 * licence: one report item of kind "license" carrying the licence's fields
 * (spec/verify-report.md) and the check, whose reason names the first problem. Rules 2-6
 * are the license module's (sc_lic_info_check); here are rule 1 (the tag file and its page
 * covered by a Seal signature whose checks passed in this same report), expiry and rule 7
 * (the licence's status, trusted the way seal_status trusts a response).
 * Not here: reading the licence (license/lic_read.c), the signature checks (ofd/ofd_verify.c,
 * verify.c), fetching status (the caller's license_status_fn). */
#include "verify_int.h"
#include "license/lic_read.h"
#include "sealcore/time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define NO_STATUS "status not asked (--status URL or --status-list FILE)"
#define OPEN_END "长期"
#define UTC8 (8 * 3600)

/* The named fields of the item, beside "elements" (every element by its code). */
static const struct field {
    const char *key, *code;
} fields[] = {
    { "license_id", "ZZBS" },  { "name", "ZZMC" },          { "number", "ZZBH" },
    { "holder", "CZZT" },      { "holder_code", "CZZTDM" }, { "issuer", "ZZBFJG" },
    { "issuer_code", "ZZBFJGDM" }, { "issue_date", "ZZBFRQ" },
    { "valid_from", "ZZYXQQSRQ" }, { "valid_to", "ZZYXQJZRQ" },
};

static int item_fields(sc_item *it, const sc_lic_info *info, sc_err *err)
{
    json_t *els = json_object();

    if (els == NULL || (it->extra = json_object()) == NULL) {
        json_decref(els);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    /* best effort, like reasons: a value jansson cannot allocate is left out */
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *v = sc_lic_info_get(info, fields[i].code);
        json_object_set_new(it->extra, fields[i].key, v != NULL ? json_string(v) : json_null());
    }
    for (size_t i = 0; i < sc_lic_info_count(info); i++) {
        const sc_lic_element *e = sc_lic_info_get_element(info, i);
        json_object_set_new(els, e->code, json_string(e->value));
    }
    json_object_set_new(it->extra, "elements", els);
    return 0;
}

/* ---- rule 1 ---------------------------------------------------------------------------- */

static int refs_cover(const sc__ofd_sig *g, const char *entry)
{
    for (size_t i = 0; i < g->nrefs; i++)
        if (g->refs[i].entry != NULL && strcmp(g->refs[i].entry, entry) == 0)
            return 1;
    return 0;
}

static int covers_all(const sc__ofd_sig *g, const sc_lic_info *info)
{
    const char *f;

    for (size_t i = 0; (f = sc_lic_info_get_file(info, i)) != NULL; i++)
        if (!refs_cover(g, f))
            return 0;
    return 1;
}

static int item_failed(const sc_report *rep, size_t i)
{
    for (int c = 0; c < SC_CHECK_COUNT; c++)
        if (sc_report_get_check(rep, i, (sc_check)c, NULL) == SC_RESULT_FAILED)
            return 1;
    return 0;
}

/* The Seal signature (index into m->sigs) that makes the licence signed, or -1 with why. */
static long signed_by(const sc_report *rep, size_t first, const sc__ofd_model *m,
                      const sc_lic_info *info, char *why, size_t n)
{
    const char *f, *tag = sc_lic_info_get_file(info, 0);
    long failed = -1;

    for (size_t k = 0; k < m->nsigs; k++) {
        const sc__ofd_sig *g = &m->sigs[k];
        if (strcmp(g->type, "Seal") != 0 || g->problem != NULL || !covers_all(g, info))
            continue;
        if (!item_failed(rep, first + k))
            return (long)k;
        failed = failed < 0 ? (long)k : failed;
    }
    if (failed >= 0) {
        snprintf(why, n, "the signed tag file %s is covered only by seal signature %s, which "
                 "failed its checks", tag, m->sigs[failed].id);
        return -1;
    }
    for (size_t i = 0; (f = sc_lic_info_get_file(info, i)) != NULL; i++) {
        size_t k = 0;
        while (k < m->nsigs && (strcmp(m->sigs[k].type, "Seal") != 0 || !refs_cover(&m->sigs[k], f)))
            k++;
        if (k == m->nsigs) {
            snprintf(why, n, "no seal signature's References cover %s%s: the licence's "
                     "metadata is not signed", f, i == 0 ? " (the tag file)" : " (its page)");
            return -1;
        }
    }
    snprintf(why, n, "no one seal signature covers both the tag file %s and its page", tag);
    return -1;
}

/* ---- expiry and rule 7 ------------------------------------------------------------------ */

/* The first moment after the licence's last valid day (ZZYXQJZRQ, a day in UTC+8, checked
 * by rule 6); 0 when it has no end (长期). */
static int64_t end_of(const char *to)
{
    int64_t t;

    if (to == NULL || strcmp(to, OPEN_END) == 0 ||
        sc_time_from_civil((to[0] - '0') * 1000 + (to[1] - '0') * 100 + (to[2] - '0') * 10 +
                           (to[3] - '0'), (to[5] - '0') * 10 + (to[6] - '0'),
                           (to[8] - '0') * 10 + (to[9] - '0'), 0, 0, 0, &t) != 0)
        return 0;
    return t + 86400 - UTC8;
}

/* Rule 7: the check's result when a status was asked for; what it says goes after ok. */
static int check_status(sc_item *it, const sc_lic_info *info, const sc_verify_opts *o,
                        int64_t t, const char *ok, sc_err *err)
{
    const char *id = sc_lic_info_get_id(info);
    const sc_status_resp *r = o->status;
    sc_status_verify_opts so = { o->trust, NULL, 0, t };
    sc_status_verdict v;
    sc_err e = SC_ERR_INIT;
    char why[600] = "";
    int rc, valid = 0;

    if (!sc__verify_has_anchors(o)) {
        sc__item_skip_blocking(it, SC_CHECK_LICENSE, "the licence's status could not be "
                               "checked: no trust anchors were given (--trust CA.pem), so the "
                               "status response's signer could not be chained to a trusted "
                               "root");
        return 0;
    }
    if (r == NULL && (rc = o->license_status_fn(o->status_ctx, id, &r, &e)) != 0) {
        if (rc == SC_ENOMEM)
            return sc_err_set(err, rc, "%s", e.msg[0] ? e.msg : "out of memory");
        snprintf(why, sizeof(why), "the status of licence %.220s could not be obtained: %s", id,
                 e.msg[0] ? e.msg : "no reason given");
        sc__item_skip_blocking(it, SC_CHECK_LICENSE, why);
        return 0;
    }
    if (r == NULL) {   /* none for this licence: as if none was asked for */
        sc__item_set(it, SC_CHECK_LICENSE, SC_RESULT_PASSED, "%s; %s", ok, NO_STATUS);
        return 0;
    }
    if ((rc = sc_status_resp_verify(r, &so, &valid, why, sizeof(why), &e)) == SC_ENOMEM)
        return sc_err_set(err, rc, "%s", e.msg);
    if (rc != 0 || !valid) {
        sc__item_set(it, SC_CHECK_LICENSE, SC_RESULT_FAILED, "the status response cannot be "
                     "trusted: %s", rc != 0 ? e.msg : why);
        return 0;
    }
    if (sc_status_subject_at(r, SC_STATUS_LICENSE_ID, id, NULL, t, &v, why, sizeof(why),
                             &e) != 0) {
        sc__item_set(it, SC_CHECK_LICENSE, SC_RESULT_FAILED, "%s", e.msg);
        return 0;
    }
    sc__verify_wording(why, sizeof(why));
    if (v.good)
        sc__item_set(it, SC_CHECK_LICENSE, SC_RESULT_PASSED, "%s; %s", ok, why);
    else
        sc__item_set(it, SC_CHECK_LICENSE, SC_RESULT_FAILED, "status: %s", why);
    return 0;
}

/* Every rule in order; the first that fails sets the check. */
static int judge(sc_item *it, const sc_report *rep, size_t first, const sc__ofd_model *m,
                 const sc_lic_info *info, const sc_verify_opts *o, sc_err *err)
{
    int64_t t = o->at != 0 ? o->at : (int64_t)time(NULL), end;
    const char *to;
    char why[600], unsigned_why[400], ok[400], a[32], b[32];
    long k;
    int good;

    if (sc_lic_info_get_problem(info) != NULL) {
        sc__item_set(it, SC_CHECK_LICENSE, SC_RESULT_FAILED, "the signed tag file cannot be "
                     "read: %s", sc_lic_info_get_problem(info));
        return 0;
    }
    k = signed_by(rep, first, m, info, unsigned_why, sizeof(unsigned_why));
    if (sc_lic_info_check(info, &good, why, sizeof(why), err) != 0)
        return err != NULL ? err->code : SC_EINVAL;
    /* rule 1 first; what rules 2-6 find too, for a person wants to know which field a
     * tampering touched, not only that the seal no longer covers it */
    if (k < 0 || !good) {
        sc__item_set(it, SC_CHECK_LICENSE, SC_RESULT_FAILED, "%s%s%s", k < 0 ? unsigned_why
                     : "", k < 0 && !good ? "; " : "", good ? "" : why);
        return 0;
    }
    to = sc_lic_info_get(info, "ZZYXQJZRQ");
    if ((end = end_of(to)) != 0 && t >= end) {
        sc__item_set(it, SC_CHECK_LICENSE, SC_RESULT_FAILED, "licence expired: valid until %s "
                     "(ZZYXQJZRQ, %s UTC), before the verification time %s", to,
                     sc_time_format(end, a, sizeof(a)), sc_time_format(t, b, sizeof(b)));
        return 0;
    }
    snprintf(ok, sizeof(ok), "signed by seal signature %s; metadata, page text and identifier "
             "agree; valid until %s", m->sigs[k].id, to != NULL ? to : OPEN_END);
    if (o->status == NULL && o->license_status_fn == NULL) {   /* as data_hash without data */
        sc__item_set(it, SC_CHECK_LICENSE, SC_RESULT_PASSED, "%s; %s", ok, NO_STATUS);
        return 0;
    }
    return check_status(it, info, o, t, ok, err);
}

int sc__verify_license(sc_report *rep, sc_ofd_pkg *pkg, const sc__ofd_model *m, size_t first,
                       const sc_verify_opts *o, sc_err *err)
{
    sc_lic_info *info = NULL;
    sc_err e = SC_ERR_INIT;
    sc_item *it;
    int rc = sc__lic_read_model(&info, pkg, m, &e);

    if (rc == SC_ENOTFOUND)
        return 0;   /* no licence: no item */
    if (rc == SC_ENOMEM)
        return sc_err_set(err, rc, "%s", e.msg);
    if ((it = sc__report_add_item(rep, "license", err)) == NULL) {
        rc = err != NULL ? err->code : SC_ENOMEM;
        goto out;
    }
    if (rc != 0) {   /* a licence by its OFD.xml, but not one that can be read */
        sc__item_set(it, SC_CHECK_LICENSE, SC_RESULT_FAILED, "the licence cannot be read: %s",
                     e.msg);
        rc = 0;
        goto out;
    }
    if ((rc = item_fields(it, info, err)) == 0)
        rc = judge(it, rep, first, m, info, o, err);
out:
    sc_lic_info_free(info);
    return rc;
}

/* svc_license.c: e-licences in the service (service.h "licences"): licence types and issuing
 * grants, and issuing — one licence, or a re-issue — as: checks and material loaded once
 * (svc__lic_open), the OFD drawn and sealed and its file kept with no transaction open
 * (svc__lic_make), then the row, its status and its audit record committed together
 * (svc__lic_record). Not here: batches (svc_license_batch.c), reading and status
 * (svc_license_status.c), the file format (seal-core license_file.h), SQL (store/). */
#include "service_int.h"

#include "sealcore/ofd_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- types ----------------------------------------------------------------------------- */

/* Every file name the template refers to (background, fontFile of any box), once each. */
typedef struct named_files {
    const char *name[2 + 3 * SC_LIC_TMPL_MAX_FIELDS + SC_LIC_TMPL_MAX_TEXTS];
    size_t n;
} named_files;

static void name_add(named_files *nf, const char *name)
{
    if (name == NULL)
        return;
    for (size_t i = 0; i < nf->n; i++)
        if (strcmp(nf->name[i], name) == 0)
            return;
    nf->name[nf->n++] = name;
}

static void template_files(const sc_lic_template *t, named_files *nf)
{
    nf->n = 0;
    name_add(nf, sc_lic_template_get_background(t));
    for (size_t i = 0; i < sc_lic_template_field_count(t); i++) {
        const sc_lic_field *f = sc_lic_template_get_field(t, i);
        const sc_lic_box *cap = sc_lic_field_get_caption(f);
        name_add(nf, sc_lic_field_get_box(f)->font_file);
        name_add(nf, cap != NULL ? cap->font_file : NULL);
    }
    for (size_t i = 0; i < sc_lic_template_text_count(t); i++)
        name_add(nf, sc_lic_template_get_text(t, i)->font_file);
}

/* files must be exactly the ones the template names */
static int check_files(const sc_lic_template *t, const ss_lic_type_file *files, size_t n,
                       sc_err *err)
{
    named_files *nf = malloc(sizeof(*nf));
    size_t i, k;
    int rc = 0;

    if (nf == NULL)
        return sc_err_set(err, SC_ENOMEM, "licence type: out of memory");
    template_files(t, nf);
    for (i = 0; i < n && rc == 0; i++) {
        for (k = 0; k < nf->n && strcmp(nf->name[k], files[i].name) != 0; k++)
            ;
        if (k == nf->n)
            rc = sc_err_set(err, SC_EINVAL, "licence type %s: file \"%s\" is not named by the "
                            "template (Background@src or a fontFile)",
                            sc_lic_template_get_type_code(t), files[i].name);
    }
    for (k = 0; k < nf->n && rc == 0; k++) {
        for (i = 0; i < n && strcmp(nf->name[k], files[i].name) != 0; i++)
            ;
        if (i == n)
            rc = sc_err_set(err, SC_EINVAL, "licence type %s: the template names file \"%s\", "
                            "which was not given", sc_lic_template_get_type_code(t),
                            nf->name[k]);
    }
    free(nf);
    return rc;
}

/* Every font file must be one the OFD writer embeds (an sfnt whose table directory fits the
 * file): checked here, by the writer itself on a scratch document, so a bad font is refused
 * when the type is added instead of failing every licence of the type later. */
static int check_fonts(const sc_lic_template *t, const ss_lic_type_file *files, size_t n,
                       sc_err *err)
{
    const char *bg = sc_lic_template_get_background(t);
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        sc_ofd_doc *doc = NULL;

        if (bg != NULL && strcmp(files[i].name, bg) == 0)
            continue;
        if ((rc = sc_ofd_doc_new(&doc, 10, 10, err)) == 0 &&
            (rc = sc_ofd_doc_add_font_file(doc, "check", NULL, files[i].data, files[i].len,
                                           err)) != 0)
            sc_err_prefix(err, "licence type %s: font file \"%s\"",
                          sc_lic_template_get_type_code(t), files[i].name);
        sc_ofd_doc_free(doc);
    }
    return rc;
}

int ss_svc_lic_type_add(ss_svc *svc, const ss_svc_actor *actor, const uint8_t *xml,
                        size_t len, const ss_lic_type_file *files, size_t n,
                        char code[SS_LIC_CODE_MAX + 1], sc_err *err)
{
    sc_lic_template *t = NULL;
    ss_lic_type in;
    ss_store *tx = NULL;
    int64_t now = svc__now(svc), id = 0;
    int rc;

    if (code != NULL)
        code[0] = '\0';
    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to add licence types", err)) != 0)
        return rc;
    if (n > 0 && files == NULL)
        return sc_err_set(err, SC_EINVAL, "licence type: %zu files at NULL", n);
    for (size_t i = 0; i < n; i++)
        if (files[i].name == NULL)
            return sc_err_set(err, SC_EINVAL, "licence type: file %zu has no name", i + 1);
    if ((rc = sc_lic_template_parse(&t, xml, len, err)) != 0)
        return sc_err_prefix(err, "licence type template");
    if ((rc = check_files(t, files, n, err)) != 0 || (rc = check_fonts(t, files, n, err)) != 0)
        goto out;
    memset(&in, 0, sizeof(in));
    if (strlen(sc_lic_template_get_type_code(t)) > SS_LIC_CODE_MAX ||
        strlen(sc_lic_template_get_name(t)) > SS_NAME_MAX) {
        rc = sc_err_set(err, SC_ELIMIT, "licence type: code or name too long");
        goto out;
    }
    snprintf(in.code, sizeof(in.code), "%s", sc_lic_template_get_type_code(t));
    snprintf(in.name, sizeof(in.name), "%s", sc_lic_template_get_name(t));
    in.tmpl = (uint8_t *)xml;
    in.tmpl_len = len;
    if ((rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        goto out;
    rc = ss_store_lic_type_add(tx, &in, files, n, actor->client_id, now, &id, err);
    rc = svc__act_end(tx, rc, now, actor->client_id, "license.type.add",
                      json_pack("{s:s, s:s, s:I, s:I}", "code", in.code, "name", in.name,
                                "template_bytes", (json_int_t)len, "files", (json_int_t)n),
                      err, "license-type:%s", in.code);
    if (rc == 0 && code != NULL)
        memcpy(code, in.code, sizeof(in.code));
out:
    sc_lic_template_free(t);
    return rc;
}

int ss_svc_lic_type_get(ss_svc *svc, const ss_svc_actor *actor, const char *code,
                        ss_lic_type *out, sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ALL, "to read licence types", err)) != 0)
        return rc;
    return ss_store_lic_type_get(svc->st, code, out, err);
}

int ss_svc_lic_type_seal_pos(ss_svc *svc, const ss_svc_actor *actor, const char *code,
                             double *x_mm, double *y_mm, sc_err *err)
{
    ss_lic_type t;
    svc_ltype *lt = NULL;
    const sc_lic_template *tm;
    const sc_lic_file *files;
    size_t nfiles;
    int rc;

    memset(&t, 0, sizeof(t));
    if ((rc = ss_svc_lic_type_get(svc, actor, code, &t, err)) == 0 &&
        (rc = svc__ltype_get(svc, &t, &lt, &tm, &files, &nfiles, err)) == SC_EFORMAT)
        rc = SC_EIO;                  /* stored: not the caller's input */
    if (rc == 0)
        sc_lic_template_get_seal(tm, x_mm, y_mm);
    svc__ltype_put(svc, lt);
    ss_lic_type_clear(&t);
    return rc;
}

int ss_svc_lic_type_list(ss_svc *svc, const ss_svc_actor *actor, int64_t after_id,
                         unsigned limit, ss_lic_type_cb cb, void *ctx, sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ALL, "to list licence types", err)) != 0)
        return rc;
    return ss_store_lic_type_list(svc->st, after_id, limit, cb, ctx, err);
}

int ss_svc_lic_type_set_disabled(ss_svc *svc, const ss_svc_actor *actor, const char *code,
                                 int disabled, sc_err *err)
{
    ss_store *tx = NULL;
    int64_t now = svc__now(svc);
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to disable licence types", err)) != 0 ||
        (rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    rc = ss_store_lic_type_set_disabled(tx, code, disabled, err);
    return svc__act_end(tx, rc, now, actor->client_id,
                        disabled ? "license.type.disable" : "license.type.enable",
                        json_object(), err, "license-type:%s", code);
}

/* ---- grants ---------------------------------------------------------------------------- */

int ss_svc_lic_grant_add(ss_svc *svc, const ss_svc_actor *actor, int64_t client_id,
                         const char *es_id, const char *type_code, int64_t expires_at,
                         int64_t *id, sc_err *err)
{
    ss_store *tx = NULL;
    int64_t now = svc__now(svc), gid = 0;
    int rc;

    if (id != NULL)
        *id = 0;
    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to grant licence issuing", err)) != 0 ||
        (rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    rc = ss_store_lic_grant_add(tx, client_id, es_id, type_code, expires_at, now, &gid, err);
    rc = svc__act_end(tx, rc, now, actor->client_id, "license.grant.add",
                      json_pack("{s:I, s:s, s:s, s:I}", "client", (json_int_t)client_id,
                                "seal", es_id != NULL ? es_id : "", "type",
                                type_code != NULL ? type_code : "",
                                "expires_at", (json_int_t)expires_at),
                      err, "license-grant:%lld", (long long)gid);
    if (rc == 0 && id != NULL)
        *id = gid;
    return rc;
}

int ss_svc_lic_grant_delete(ss_svc *svc, const ss_svc_actor *actor, int64_t grant_id,
                            sc_err *err)
{
    ss_store *tx = NULL;
    int64_t now = svc__now(svc);
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to delete licence grants", err)) != 0 ||
        (rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    rc = ss_store_lic_grant_delete(tx, grant_id, err);
    return svc__act_end(tx, rc, now, actor->client_id, "license.grant.delete", json_object(),
                        err, "license-grant:%lld", (long long)grant_id);
}

/* ---- the issuing context ----------------------------------------------------------------- */

void svc__lic_close(ss_svc *svc, svc_lic_ctx *c)
{
    if (c->entry != NULL)
        svc__cache_put(svc, c->entry);
    svc__ltype_put(svc, c->lt);
    ss_lic_type_clear(&c->type);
    memset(c, 0, sizeof(*c));
}

static int check_seal_time(const svc_entry *e, int64_t now, sc_err *err)
{
    if (now < e->valid_start || now > e->valid_end)
        return sc_err_set(err, SS_ESTATE, "seal %s is outside its validity (%lld..%lld): it "
                          "cannot seal licences now", e->es_id, (long long)e->valid_start,
                          (long long)e->valid_end);
    return 0;
}

/* The licence grant at now; having none is SS_EFORBIDDEN (the 403 class), with the store's
 * message naming client, seal and type. */
static int grant_check(ss_store *st, int64_t client, const char *es_id, const char *type_code,
                       int64_t now, sc_err *err)
{
    sc_err e = SC_ERR_INIT;
    int rc = ss_store_lic_grant_check(st, client, es_id, type_code, now, NULL, &e);

    if (rc == SC_ENOTFOUND)
        return sc_err_set(err, SS_EFORBIDDEN, "%s", e.msg);
    return rc != 0 ? sc_err_set(err, rc, "%s", e.msg) : 0;
}

int svc__lic_open(ss_svc *svc, const ss_svc_actor *actor, const char *type_code,
                  const char *es_id, int64_t now, svc_lic_ctx *c, sc_err *err)
{
    ss_seal s;
    int rc, status = 0;

    memset(c, 0, sizeof(*c));
    memset(&s, 0, sizeof(s));
    if ((rc = svc__need_role(actor, SS_ROLE_OPERATOR, "to issue licences", err)) != 0 ||
        (rc = svc__check_token("esID", es_id, SS_ES_ID_MAX, err)) != 0)
        return rc;
    c->client = actor->client_id;
    snprintf(c->es_id, sizeof(c->es_id), "%s", es_id);
    /* the grant first: a client without one never makes the server open a key */
    if ((rc = grant_check(svc->st, actor->client_id, es_id, type_code, now, err)) != 0)
        return rc;
    if ((rc = ss_store_lic_type_get(svc->st, type_code, &c->type, err)) != 0)
        return rc;
    if (c->type.disabled)
        return sc_err_set(err, SS_ESTATE, "licence type %s is disabled: no new licences",
                          type_code);
    if ((rc = svc__ltype_get(svc, &c->type, &c->lt, &c->tmpl, &c->files, &c->nfiles,
                             err)) != 0)
        return rc;
    if ((rc = ss_store_seal_get(svc->st, es_id, &s, err)) == 0)
        rc = ss_store_unit_get(svc->st, s.unit_id, &c->unit, err);
    ss_seal_clear(&s);
    if (rc != 0)
        return rc;
    if ((rc = svc__cache_get(svc, es_id, &c->entry, &status, err)) != 0)
        return sc_err_prefix(err, "licence seal");
    if (c->entry == NULL)
        return sc_err_set(err, SS_ESTATE, "seal %s is %s: it cannot seal licences", es_id,
                          ss_seal_status_name(status));
    return check_seal_time(c->entry, now, err);
}

int svc__lic_recheck(ss_store *tx, const svc_lic_ctx *c, int64_t now, sc_err *err)
{
    ss_seal s;
    int rc;

    memset(&s, 0, sizeof(s));
    if ((rc = grant_check(tx, c->client, c->es_id, c->type.code, now, err)) != 0)
        return rc;
    if ((rc = ss_store_seal_get(tx, c->es_id, &s, err)) != 0)
        return rc;
    if (s.status != SS_SEAL_GOOD)
        rc = sc_err_set(err, SS_ESTATE, "seal %s became %s: the licence is not issued",
                        c->es_id, ss_seal_status_name(s.status));
    ss_seal_clear(&s);
    return rc;
}

/* ---- making one licence ------------------------------------------------------------------ */

void svc__lic_serial(int64_t serial, char out[SS_LIC_CODE_MAX + 1])
{
    /* 8 digits keep identifiers of one issuer the same length for the first 10^8 */
    snprintf(out, SS_LIC_CODE_MAX + 1, "%08lld", (long long)serial);
}

/* The value of the field that fills element meta, or NULL. */
static const char *meta_value(const sc_lic_template *t, const sc_lic_kv *row, size_t n,
                              const char *meta)
{
    for (size_t i = 0; i < n; i++) {
        const sc_lic_field *f = sc_lic_template_find_field(t, row[i].name);
        const char *m = f != NULL ? sc_lic_field_get_meta(f) : NULL;
        if (m != NULL && strcmp(m, meta) == 0 && row[i].value[0] != '\0')
            return row[i].value;
    }
    return NULL;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Midnight starting "YYYY-MM-DD" in China (UTC+8), seconds since the epoch; the row check
 * has already refused dates that do not exist. */
static int64_t day_start(const char *date)
{
    unsigned y = 0, m = 0, d = 0;

    if (sscanf(date, "%4u-%2u-%2u", &y, &m, &d) != 3)
        return 0;
    return days_from_civil(y, m, d) * 86400 - 8 * 3600;
}

/* valid_from, valid_to (0: 长期) as spec/license-file.md §2 fills ZZYXQQSRQ, ZZYXQJZRQ */
static void validity(const sc_lic_template *t, const sc_lic_kv *row, size_t n, int64_t now,
                     int64_t *from, int64_t *to)
{
    const char *start = meta_value(t, row, n, "ZZYXQQSRQ");
    const char *end = meta_value(t, row, n, "ZZYXQJZRQ");

    if (start == NULL)
        start = meta_value(t, row, n, "ZZBFRQ");
    *from = start != NULL ? day_start(start) : ((now + 8 * 3600) / 86400) * 86400 - 8 * 3600;
    *to = end != NULL && strcmp(end, "长期") != 0 ? day_start(end) + 86400 - 1 : 0;
}

static int row_json(const sc_lic_kv *row, size_t n, ss_license *lic, sc_err *err)
{
    json_t *o = json_object();
    char *text = NULL;

    for (size_t i = 0; o != NULL && i < n; i++)
        if (json_object_set_new(o, row[i].name, json_string(row[i].value)) != 0) {
            json_decref(o);
            o = NULL;
        }
    if (o != NULL)
        text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (text == NULL)
        return sc_err_set(err, SC_ENOMEM, "licence: cannot write the row as JSON");
    lic->fields = (uint8_t *)text;
    lic->fields_len = strlen(text);
    /* a row the template admits (64 fields of 4,096 characters) can still be more than the
     * store keeps: refused here, it fails alone, not its whole batch group at the commit */
    if (lic->fields_len > SS_LIC_FIELDS_MAX)
        return sc_err_set(err, SC_ELIMIT, "licence: the row is %zu bytes as JSON, more than "
                          "the %u a licence keeps", lic->fields_len, SS_LIC_FIELDS_MAX);
    return 0;
}

static int holder(char *out, size_t size, const char *v, const char *what, sc_err *err)
{
    if (v == NULL)
        return sc_err_set(err, SC_EFORMAT, "licence: the row gives no %s", what);
    if (strlen(v) >= size)
        return sc_err_set(err, SC_ELIMIT, "licence: %s longer than %zu bytes", what, size - 1);
    memcpy(out, v, strlen(v) + 1);
    return 0;
}

int svc__lic_make(ss_svc *svc, const svc_lic_ctx *c, const ss_svc_lic_req *req,
                  const sc_lic_kv *row, size_t n, int64_t serial, unsigned version,
                  int64_t now, int nosync, ss_license *lic, uint8_t **file, size_t *file_len,
                  sc_err *err)
{
    sc_lic_issue_params p;
    char id[SC_LIC_ID_BUF], ser[SS_LIC_CODE_MAX + 1];
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc;

    memset(lic, 0, sizeof(*lic));
    if (file != NULL)
        *file = NULL;
    svc__lic_serial(serial, ser);
    memset(&p, 0, sizeof(p));
    p.tmpl = c->tmpl;
    p.row = row;
    p.row_len = n;
    p.issuer = c->unit.name;
    p.issuer_code = c->unit.code;
    p.serial = ser;
    p.version = version;
    p.area_code = req != NULL ? req->area_code : NULL;
    p.verify_url = req != NULL ? req->verify_url : NULL;
    p.issue_time = now;
    p.files = c->files;
    p.file_count = c->nfiles;
    p.seal = c->entry->seal;
    p.key = c->entry->key;
    p.cert = c->entry->cert;
    p.cert_len = c->entry->cert_len;
    p.tsa = svc->tsa;
    p.tsa_ctx = svc->tsa_ctx;
    /* the row's own checks before the drawing and the SM2 signature they would waste */
    if ((rc = holder(lic->holder_name, sizeof(lic->holder_name),
                     meta_value(c->tmpl, row, n, "CZZT"), "持证主体 (CZZT)", err)) != 0 ||
        (rc = holder(lic->holder_code, sizeof(lic->holder_code),
                     meta_value(c->tmpl, row, n, "CZZTDM"), "持证主体代码 (CZZTDM)",
                     err)) != 0 ||
        (rc = row_json(row, n, lic, err)) != 0 ||
        (rc = sc_lic_issue_mem(&p, id, &buf, &len, err)) != 0)
        goto out;
    if (strlen(id) > SS_LIC_ID_MAX) {
        rc = sc_err_set(err, SC_ELIMIT, "licence identifier longer than %d", SS_LIC_ID_MAX);
        goto out;
    }
    memcpy(lic->zzbs, id, strlen(id) + 1);
    memcpy(lic->type_code, c->type.code, sizeof(lic->type_code));
    memcpy(lic->issuer_code, c->unit.code, sizeof(c->unit.code));
    memcpy(lic->es_id, c->es_id, sizeof(lic->es_id));
    memcpy(lic->serial, ser, sizeof(ser));
    lic->version = (int)version;
    lic->issued_by = c->client;
    lic->file_size = (int64_t)len;
    validity(c->tmpl, row, n, now, &lic->valid_from, &lic->valid_to);
    if (req != NULL && req->batch_id != NULL) {
        snprintf(lic->batch_id, sizeof(lic->batch_id), "%s", req->batch_id);
        lic->batch_row = req->batch_row;
    }
    if ((rc = ss_store_lic_file_put_opts(svc->st, buf, len, nosync, lic->file_sm3,
                                         lic->file_loc, err)) != 0)
        goto out;
    if (file != NULL) {
        *file = buf;
        *file_len = len;
        buf = NULL;
    }
out:
    free(buf);
    if (rc != 0)
        ss_license_clear(lic);
    return rc;
}

/* The audit details of a licence made: identifiers and hashes only (the holder's code may be
 * an ID card number). NULL when out of memory (svc__audit then fails the act). */
static json_t *issue_details(const ss_license *lic, const char *request_id)
{
    char sm3[65];
    json_t *d;

    svc__hex(lic->file_sm3, 32, sm3);
    d = json_pack("{s:s, s:s, s:s, s:i, s:s, s:I}", "type", lic->type_code, "seal", lic->es_id,
                  "serial", lic->serial, "version", lic->version, "file_sm3", sm3,
                  "file_size", (json_int_t)lic->file_size);
    if (d != NULL && lic->batch_id[0] != '\0' &&
        (json_object_set_new(d, "batch", json_string(lic->batch_id)) != 0 ||
         json_object_set_new(d, "row", json_integer(lic->batch_row)) != 0)) {
        json_decref(d);
        d = NULL;
    }
    if (d != NULL && request_id != NULL &&
        json_object_set_new(d, "request_id", json_string(request_id)) != 0) {
        json_decref(d);
        d = NULL;
    }
    return d;
}

int svc__lic_record(ss_store *tx, const ss_license *lic, const char *request_id, int64_t now,
                    sc_err *err)
{
    char object[SS_AUDIT_OBJECT_MAX + 1];
    int rc;

    if ((rc = ss_store_lic_add(tx, lic, now, NULL, err)) != 0)
        return rc;
    snprintf(object, sizeof(object), "license:%s", lic->zzbs);
    return svc__audit(tx, now, lic->issued_by, "license.issue", object,
                      issue_details(lic, request_id), err);
}

/* ---- issuing one ------------------------------------------------------------------------- */

static int check_req(const ss_svc_lic_req *req, sc_err *err)
{
    int rc;

    if (req == NULL || req->type_code == NULL)
        return sc_err_set(err, SC_EINVAL, "licence: no request or no type");
    if (req->request_id != NULL &&
        (rc = svc__check_token("request id", req->request_id, SS_SVC_REQUEST_ID_MAX, err)) != 0)
        return rc;
    if (req->batch_id != NULL &&
        (rc = svc__check_token("batch id", req->batch_id, SS_LIC_BATCH_ID_MAX, err)) != 0)
        return rc;
    if (req->batch_row < 0)
        return sc_err_set(err, SC_EINVAL, "licence: batch row %lld", (long long)req->batch_row);
    return 0;
}

int svc__lic_asks_same(const ss_license *l, const ss_svc_lic_req *req)
{
    return strcmp(l->type_code, req->type_code) == 0 &&
           (req->es_id == NULL || strcmp(l->es_id, req->es_id) == 0);
}

/* The licence an earlier run of this batch row issued: 1 with zzbs (and file) filled, 0 when
 * there is none; SS_ECONFLICT when it is of another type or seal than req asks for (a key
 * names one licence: answering it as req's would say a licence was sealed that was not). */
static int earlier(ss_svc *svc, int64_t client, const ss_svc_lic_req *req,
                   char zzbs[SS_LIC_ID_MAX + 1], uint8_t **file, size_t *file_len, sc_err *err)
{
    ss_license l;
    int rc;

    if (req->batch_id == NULL)
        return 0;
    if ((rc = ss_store_lic_by_batch(svc->st, client, req->batch_id, req->batch_row, &l,
                                    err)) == SC_ENOTFOUND) {
        sc_err_clear(err);
        return 0;
    }
    if (rc == 0 && !svc__lic_asks_same(&l, req))
        rc = sc_err_set(err, SS_ECONFLICT, "batch %s row %lld (an Idempotency-Key) issued "
                        "licence %s of type %s with seal %s; this request asks for type %s with "
                        "seal %s: use a new key for another licence", req->batch_id,
                        (long long)req->batch_row, l.zzbs, l.type_code, l.es_id,
                        req->type_code, req->es_id != NULL ? req->es_id : "(any)");
    if (rc == 0 && file != NULL)
        rc = ss_store_lic_file_get(svc->st, &l, file, file_len, err);
    if (rc == 0)
        memcpy(zzbs, l.zzbs, sizeof(l.zzbs));
    ss_license_clear(&l);
    return rc != 0 ? rc : 1;
}

int ss_svc_lic_issue(ss_svc *svc, const ss_svc_actor *actor, const ss_svc_lic_req *req,
                     char zzbs[SS_LIC_ID_MAX + 1], uint8_t **file, size_t *file_len,
                     int *already, sc_err *err)
{
    svc_lic_ctx c;
    ss_license lic;
    ss_store *tx = NULL;
    int64_t now = svc__now(svc), serial = 0;
    int rc;

    memset(&c, 0, sizeof(c));
    memset(&lic, 0, sizeof(lic));
    if (zzbs != NULL)
        zzbs[0] = '\0';
    if (file != NULL)
        *file = NULL;
    if (already != NULL)
        *already = 0;
    if (zzbs == NULL || (file != NULL && file_len == NULL))
        return sc_err_set(err, SC_EINVAL, "licence: no output for the identifier");
    if ((rc = svc__need_role(actor, SS_ROLE_OPERATOR, "to issue licences", err)) != 0 ||
        (rc = check_req(req, err)) != 0)
        return rc;
    if ((rc = earlier(svc, actor->client_id, req, zzbs, file, file_len, err)) != 0) {
        if (rc == 1 && already != NULL)
            *already = 1;
        return rc == 1 ? 0 : rc;
    }
    if ((rc = svc__lic_open(svc, actor, req->type_code, req->es_id, now, &c, err)) != 0)
        goto out;
    /* a bad row takes no serial */
    if ((rc = sc_lic_row_check(c.tmpl, req->row, req->row_len, err)) != 0 ||
        (rc = ss_store_lic_serial_take(svc->st, c.type.code, c.unit.code, 1, &serial,
                                       err)) != 0 ||
        (rc = svc__lic_make(svc, &c, req, req->row, req->row_len, serial, 1, now, 0, &lic,
                            file, file_len, err)) != 0 ||
        (rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        goto out;
    if ((rc = svc__lic_recheck(tx, &c, now, err)) == 0)
        rc = svc__lic_record(tx, &lic, req->request_id, now, err);
    rc = svc__tx_end(tx, rc, err);
    if (rc == SS_ECONFLICT && req->batch_id != NULL) {
        /* a concurrent run of the same row won: answer with its licence */
        sc_err_clear(err);
        if (file != NULL) {
            free(*file);
            *file = NULL;
        }
        rc = earlier(svc, actor->client_id, req, zzbs, file, file_len, err);
        if (rc == 1 && already != NULL)
            *already = 1;
        rc = rc == 1 ? 0 : rc != 0 ? rc : sc_err_set(err, SC_EIO, "licence: batch row "
                                                      "conflict, but no licence found");
        goto out;
    }
    if (rc == 0)
        memcpy(zzbs, lic.zzbs, sizeof(lic.zzbs));
out:
    if (rc != 0 && file != NULL) {
        free(*file);
        *file = NULL;
    }
    ss_license_clear(&lic);
    svc__lic_close(svc, &c);
    return rc;
}

/* ---- re-issuing -------------------------------------------------------------------------- */

/* The stored fields (a JSON object of strings) as a row; kv points into *json. */
static int fields_row(const ss_license *l, json_t **json, sc_lic_kv **kv, size_t *n,
                      sc_err *err)
{
    const char *k;
    json_t *v;
    size_t i = 0;

    *kv = NULL;
    *n = 0;
    if ((*json = json_loadb((const char *)l->fields, l->fields_len, 0, NULL)) == NULL ||
        !json_is_object(*json))
        return sc_err_set(err, SC_EFORMAT, "licence %s: stored fields are not a JSON object",
                          l->zzbs);
    if ((*kv = calloc(json_object_size(*json) + 1, sizeof(**kv))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "licence %s: out of memory", l->zzbs);
    json_object_foreach(*json, k, v) {
        if (!json_is_string(v))
            return sc_err_set(err, SC_EFORMAT, "licence %s: stored field %s is not a string",
                              l->zzbs, k);
        (*kv)[i].name = k;
        (*kv)[i++].value = json_string_value(v);
    }
    *n = i;
    return 0;
}

static int old_serial(const ss_license *old, int64_t *serial, sc_err *err)
{
    char back[SS_LIC_CODE_MAX + 1], *end = NULL;
    long long v = strtoll(old->serial, &end, 10);

    svc__lic_serial(v, back);
    if (end == NULL || *end != '\0' || v <= 0 || strcmp(back, old->serial) != 0)
        return sc_err_set(err, SC_EINVAL, "licence %s: serial %s was not allocated here, so "
                          "it cannot be re-issued here", old->zzbs, old->serial);
    *serial = v;
    return 0;
}

/* In tx: the old licence still valid or suspended, the new one recorded, the old voided
 * naming it, one audit record for the act. */
static int reissue_commit(ss_store *tx, const ss_license *old, const ss_license *lic,
                          const char *request_id, int64_t actor, int64_t now, sc_err *err)
{
    char object[SS_AUDIT_OBJECT_MAX + 1];
    json_t *d;
    int rc;

    if ((rc = ss_store_lic_add(tx, lic, now, NULL, err)) != 0 ||
        (rc = ss_store_lic_set_status(tx, old->zzbs, SS_LIC_VOIDED,
                                      SC_STATUS_REASON_SUPERSEDED, NULL, lic->zzbs, actor, now,
                                      err)) != 0)
        return rc;
    d = issue_details(lic, request_id);
    if (d != NULL && json_object_set_new(d, "replaces", json_string(old->zzbs)) != 0) {
        json_decref(d);
        d = NULL;
    }
    snprintf(object, sizeof(object), "license:%s", lic->zzbs);
    return svc__audit(tx, now, actor, "license.reissue", object, d, err);
}

int ss_svc_lic_reissue(ss_svc *svc, const ss_svc_actor *actor, const char *zzbs,
                       const sc_lic_kv *row, size_t n, const ss_svc_lic_req *req,
                       char new_zzbs[SS_LIC_ID_MAX + 1], uint8_t **file, size_t *file_len,
                       sc_err *err)
{
    ss_svc_lic_req r;
    svc_lic_ctx c;
    ss_license old, lic;
    json_t *json = NULL;
    sc_lic_kv *kv = NULL;
    ss_store *tx = NULL;
    char next[SC_LIC_ID_BUF];
    int64_t now = svc__now(svc), serial = 0;
    int rc;

    memset(&c, 0, sizeof(c));
    memset(&old, 0, sizeof(old));
    memset(&lic, 0, sizeof(lic));
    if (new_zzbs != NULL)
        new_zzbs[0] = '\0';
    if (file != NULL)
        *file = NULL;
    if (new_zzbs == NULL || (file != NULL && file_len == NULL) || (row == NULL && n != 0))
        return sc_err_set(err, SC_EINVAL, "licence re-issue: no output, or a row of %zu at "
                          "NULL", n);
    memset(&r, 0, sizeof(r));
    if (req != NULL) {
        r.area_code = req->area_code;
        r.verify_url = req->verify_url;
        r.request_id = req->request_id;
    }
    r.type_code = "";
    if ((rc = svc__need_role(actor, SS_ROLE_OPERATOR, "to re-issue licences", err)) != 0 ||
        (rc = check_req(&r, err)) != 0 ||
        (rc = ss_store_lic_get(svc->st, zzbs, &old, err)) != 0)
        goto out;
    if (old.status == SS_LIC_REVOKED || old.status == SS_LIC_VOIDED) {
        rc = sc_err_set(err, SS_ESTATE, "licence %s is %s: it cannot be re-issued", zzbs,
                        ss_lic_status_name(old.status));
        goto out;
    }
    if ((rc = sc_lic_id_next(next, sizeof(next), zzbs, strlen(zzbs), err)) != 0 ||
        (rc = old_serial(&old, &serial, err)) != 0 ||
        (row == NULL && (rc = fields_row(&old, &json, &kv, &n, err)) != 0) ||
        (rc = svc__lic_open(svc, actor, old.type_code, old.es_id, now, &c, err)) != 0 ||
        (rc = sc_lic_row_check(c.tmpl, row != NULL ? row : kv, n, err)) != 0 ||
        (rc = svc__lic_make(svc, &c, &r, row != NULL ? row : kv, n, serial,
                            (unsigned)old.version + 1, now, 0, &lic, file, file_len,
                            err)) != 0)
        goto out;
    if (strcmp(lic.zzbs, next) != 0 || strcmp(c.unit.code, old.issuer_code) != 0) {
        rc = sc_err_set(err, SC_EIO, "licence %s: the re-issue came out as %s, not %s (the "
                        "seal's unit changed its code?)", zzbs, lic.zzbs, next);
        goto out;
    }
    if ((rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        goto out;
    if ((rc = svc__lic_recheck(tx, &c, now, err)) == 0)
        rc = reissue_commit(tx, &old, &lic, r.request_id, actor->client_id, now, err);
    if ((rc = svc__tx_end(tx, rc, err)) == 0)
        memcpy(new_zzbs, lic.zzbs, sizeof(lic.zzbs));
out:
    if (rc != 0 && file != NULL) {
        free(*file);
        *file = NULL;
    }
    free(kv);
    json_decref(json);
    ss_license_clear(&lic);
    ss_license_clear(&old);
    svc__lic_close(svc, &c);
    return rc;
}

/* store_license.c: the store's front end for e-licences (store.h "e-licences"): argument
 * checks and rules for licence types, issuing grants, serial counters, licences and their
 * status (which change is allowed, revoked and voided final), each rule checked and applied
 * in one transaction. Not here: SQL (sqlite_license.c), licence files
 * (store_license_file.c), templates and identifiers (seal-core, sealcore/license.h). */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

/* [0-9A-Z], 1..SS_LIC_CODE_MAX: the identifier's parts (GB/T 36904) */
static int check_code(const char *what, const char *s, sc_err *err)
{
    size_t n;

    if (s == NULL || (n = strnlen(s, SS_LIC_CODE_MAX + 1)) == 0)
        return sc_err_set(err, SC_EINVAL, "%s: missing", what);
    if (n > SS_LIC_CODE_MAX)
        return sc_err_set(err, SC_ELIMIT, "%s: longer than %d characters", what,
                          SS_LIC_CODE_MAX);
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
            return sc_err_set(err, SC_EINVAL, "%s \"%s\": character %zu is not 0-9 or A-Z",
                              what, s, i + 1);
    return 0;
}

static int check_zzbs(const char *zzbs, sc_err *err)
{
    return ss__check_token_chars("licence identifier", zzbs, SS_LIC_ID_MAX, err);
}

static int check_file_name(const char *name, sc_err *err)
{
    size_t n;

    if (name == NULL || (n = strnlen(name, SS_LIC_TYPE_FILE_NAME_MAX + 1)) == 0)
        return sc_err_set(err, SC_EINVAL, "licence type file: no name");
    if (n > SS_LIC_TYPE_FILE_NAME_MAX || name[0] == '.' ||
        strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n)
        return sc_err_set(err, SC_EINVAL, "licence type file \"%.64s\": a name is 1..%d "
                          "characters of A-Z a-z 0-9 . _ -, not starting with a dot",
                          name, SS_LIC_TYPE_FILE_NAME_MAX);
    return 0;
}

static int check_actor(const char *what, int64_t actor, sc_err *err)
{
    return actor < 0 ? sc_err_set(err, SC_EINVAL, "%s: actor %lld must be a client id or 0",
                                  what, (long long)actor) : 0;
}

/* ---- types ----------------------------------------------------------------------------- */

void ss_lic_type_clear(ss_lic_type *t)
{
    if (t == NULL)
        return;
    free(t->tmpl);
    memset(t, 0, sizeof(*t));
}

int ss_store_lic_type_add(ss_store *st, const ss_lic_type *in, const ss_lic_type_file *files,
                          size_t n, int64_t actor, int64_t now, int64_t *id, sc_err *err)
{
    int64_t dummy;
    int rc;

    if (st == NULL || in == NULL || (n > 0 && files == NULL))
        return sc_err_set(err, SC_EINVAL, "licence type: no store, no input or no files");
    if ((rc = check_code("licence type code", in->code, err)) != 0 ||
        (rc = ss__check_text("licence type name", in->name, SS_NAME_MAX, 0, err)) != 0 ||
        (rc = ss__check_blob("licence template", in->tmpl, in->tmpl_len, SS_LIC_TEMPLATE_MAX,
                             err)) != 0 ||
        (rc = check_actor("licence type", actor, err)) != 0)
        return rc;
    if (n > SS_LIC_TYPE_FILES_MAX)
        return sc_err_set(err, SC_ELIMIT, "licence type %s: %zu files, at most %d", in->code,
                          n, SS_LIC_TYPE_FILES_MAX);
    for (size_t i = 0; i < n; i++) {
        if ((rc = check_file_name(files[i].name, err)) != 0 ||
            (rc = ss__check_blob(files[i].name, files[i].data, files[i].len,
                                 SS_LIC_TYPE_FILE_MAX, err)) != 0)
            return sc_err_prefix(err, "licence type %s", in->code);
        for (size_t k = 0; k < i; k++)
            if (strcmp(files[k].name, files[i].name) == 0)
                return sc_err_set(err, SC_EINVAL, "licence type %s: file \"%s\" given twice",
                                  in->code, files[i].name);
    }
    return st->ops->lic_type_add(st->be, st->tx, in, files, n, actor, now,
                                 id != NULL ? id : &dummy, err);
}

int ss_store_lic_type_get(ss_store *st, const char *code, ss_lic_type *out, sc_err *err)
{
    int rc;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (st == NULL || out == NULL)
        return sc_err_set(err, SC_EINVAL, "licence type: no store or no output");
    if ((rc = check_code("licence type code", code, err)) != 0)
        return rc;
    return st->ops->lic_type_get(st->be, st->tx, code, 1, out, err);
}

int ss_store_lic_type_list(ss_store *st, int64_t after_id, unsigned limit, ss_lic_type_cb cb,
                           void *ctx, sc_err *err)
{
    int rc;

    if (st == NULL || cb == NULL)
        return sc_err_set(err, SC_EINVAL, "licence type list: no store or no callback");
    if ((rc = ss__check_list(limit, err)) != 0)
        return rc;
    return st->ops->lic_type_list(st->be, st->tx, after_id, limit, cb, ctx, err);
}

int ss_store_lic_type_files(ss_store *st, const char *code, ss_lic_type_file_cb cb, void *ctx,
                            sc_err *err)
{
    int rc;

    if (st == NULL || cb == NULL)
        return sc_err_set(err, SC_EINVAL, "licence type files: no store or no callback");
    if ((rc = check_code("licence type code", code, err)) != 0)
        return rc;
    return st->ops->lic_type_files(st->be, st->tx, code, cb, ctx, err);
}

int ss_store_lic_type_set_disabled(ss_store *st, const char *code, int disabled, sc_err *err)
{
    int rc;

    if (st == NULL || (disabled != 0 && disabled != 1))
        return sc_err_set(err, SC_EINVAL, "licence type: no store, or disabled not 0 or 1");
    if ((rc = check_code("licence type code", code, err)) != 0)
        return rc;
    return st->ops->lic_type_set_disabled(st->be, st->tx, code, disabled, err);
}

/* ---- grants ---------------------------------------------------------------------------- */

int ss_store_lic_grant_add(ss_store *st, int64_t client_id, const char *es_id,
                           const char *type_code, int64_t expires_at, int64_t now,
                           int64_t *id, sc_err *err)
{
    ss_client *c = NULL;
    ss_seal s;
    ss_lic_type t;
    int64_t dummy;
    int rc;

    if (st == NULL)
        return sc_err_set(err, SC_EINVAL, "licence grant: no store");
    if ((rc = ss__check_token_chars("seal esID", es_id, SS_ES_ID_MAX, err)) != 0 ||
        (rc = check_code("licence type code", type_code, err)) != 0)
        return rc;
    if (client_id <= 0 || (expires_at != 0 && expires_at <= now))
        return sc_err_set(err, SC_EINVAL, "licence grant: client id %lld must be positive "
                          "and expiry %lld in the future (0: never)", (long long)client_id,
                          (long long)expires_at);
    if ((c = malloc(sizeof(*c))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "licence grant: out of memory");
    /* each looked up first for a message naming the missing one (a foreign key cannot) */
    rc = st->ops->client_find(st->be, st->tx, SS__BY_ID, client_id, NULL, c, err);
    free(c);
    if (rc != 0 || (rc = st->ops->seal_get(st->be, st->tx, es_id, 0, &s, err)) != 0 ||
        (rc = st->ops->lic_type_get(st->be, st->tx, type_code, 0, &t, err)) != 0)
        return sc_err_prefix(err, "licence grant");
    return st->ops->lic_grant_add(st->be, st->tx, client_id, es_id, type_code, expires_at, now,
                                  id != NULL ? id : &dummy, err);
}

int ss_store_lic_grant_check(ss_store *st, int64_t client_id, const char *es_id,
                             const char *type_code, int64_t now, ss_lic_grant *out,
                             sc_err *err)
{
    ss_lic_grant g;
    int rc;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (st == NULL || client_id <= 0)
        return sc_err_set(err, SC_EINVAL, "licence grant: no store or a bad client id");
    if ((rc = ss__check_token_chars("seal esID", es_id, SS_ES_ID_MAX, err)) != 0 ||
        (rc = check_code("licence type code", type_code, err)) != 0 ||
        (rc = st->ops->lic_grant_get(st->be, st->tx, client_id, es_id, type_code, &g,
                                     err)) != 0)
        return rc;
    if (g.expires_at != 0 && now >= g.expires_at)
        return sc_err_set(err, SS_EEXPIRED, "licence grant %lld (client %lld, seal %s, type "
                          "%s) expired at %lld", (long long)g.id, (long long)client_id, es_id,
                          type_code, (long long)g.expires_at);
    if (out != NULL)
        *out = g;
    return 0;
}

int ss_store_lic_grant_list(ss_store *st, int64_t client_id, int64_t after_id, unsigned limit,
                            ss_lic_grant_cb cb, void *ctx, sc_err *err)
{
    int rc;

    if (st == NULL || cb == NULL || client_id < 0)
        return sc_err_set(err, SC_EINVAL, "licence grant list: no store, no callback or a "
                          "bad client");
    if ((rc = ss__check_list(limit, err)) != 0)
        return rc;
    return st->ops->lic_grant_list(st->be, st->tx, client_id, after_id, limit, cb, ctx, err);
}

int ss_store_lic_grant_delete(ss_store *st, int64_t grant_id, sc_err *err)
{
    if (st == NULL || grant_id <= 0)
        return sc_err_set(err, SC_EINVAL, "licence grant %lld: no store or a bad id",
                          (long long)grant_id);
    return st->ops->lic_grant_delete(st->be, st->tx, grant_id, err);
}

/* ---- serials --------------------------------------------------------------------------- */

int ss_store_lic_serial_take(ss_store *st, const char *type_code, const char *issuer_code,
                             unsigned count, int64_t *first, sc_err *err)
{
    ss_lic_type t;
    void *tx = NULL;
    int own = 0, rc;

    if (first != NULL)
        *first = 0;
    if (st == NULL || first == NULL || count == 0 || count > SS_LIST_MAX)
        return sc_err_set(err, SC_EINVAL, "licence serial: no store or output, or count %u "
                          "outside 1..%d", count, SS_LIST_MAX);
    if ((rc = check_code("licence type code", type_code, err)) != 0 ||
        (rc = check_code("licence issuer code", issuer_code, err)) != 0)
        return rc;
    if ((rc = ss__tx_enter(st, &tx, &own, err)) != 0)
        return rc;
    if ((rc = st->ops->lic_type_get(st->be, tx, type_code, 0, &t, err)) == 0)
        rc = st->ops->lic_serial_take(st->be, tx, type_code, issuer_code, count, first, err);
    return ss__tx_end(st, tx, own, rc, err);
}

/* ---- licences -------------------------------------------------------------------------- */

void ss_license_clear(ss_license *l)
{
    if (l == NULL)
        return;
    free(l->fields);
    memset(l, 0, sizeof(*l));
}

static int check_license(const ss_license *in, sc_err *err)
{
    int rc;

    if ((rc = check_zzbs(in->zzbs, err)) != 0 ||
        (rc = check_code("licence type code", in->type_code, err)) != 0 ||
        (rc = check_code("licence issuer code", in->issuer_code, err)) != 0 ||
        (rc = check_code("licence serial", in->serial, err)) != 0 ||
        (rc = ss__check_token_chars("seal esID", in->es_id, SS_ES_ID_MAX, err)) != 0 ||
        (rc = ss__check_text("licence holder", in->holder_name, SS_LIC_HOLDER_MAX, 0,
                             err)) != 0 ||
        (rc = ss__check_text("licence holder code", in->holder_code, SS_LIC_HOLDER_MAX, 0,
                             err)) != 0 ||
        (rc = ss__check_blob("licence fields", in->fields, in->fields_len, SS_LIC_FIELDS_MAX,
                             err)) != 0 ||
        (rc = ss__check_token_chars("licence file place", in->file_loc, SS_LIC_LOC_MAX,
                                    err)) != 0)
        return sc_err_prefix(err, "licence");
    if (in->version < 1 || in->version > 999)
        return sc_err_set(err, SC_EINVAL, "licence %s: version %d, allowed 1..999", in->zzbs,
                          in->version);
    if (in->fields[0] != '{')
        return sc_err_set(err, SC_EFORMAT, "licence %s: fields are not a JSON object",
                          in->zzbs);
    if (in->file_size <= 0 || in->file_size > (int64_t)SS_LIC_FILE_MAX)
        return sc_err_set(err, SC_EINVAL, "licence %s: file size %lld, allowed 1..%u",
                          in->zzbs, (long long)in->file_size, SS_LIC_FILE_MAX);
    if (in->valid_to != 0 && in->valid_to < in->valid_from)
        return sc_err_set(err, SC_EINVAL, "licence %s: validity ends (%lld) before it starts "
                          "(%lld)", in->zzbs, (long long)in->valid_to,
                          (long long)in->valid_from);
    if (in->issued_by <= 0)
        return sc_err_set(err, SC_EINVAL, "licence %s: issued_by %lld is not a client",
                          in->zzbs, (long long)in->issued_by);
    if (in->batch_id[0] != '\0' &&
        ((rc = ss__check_token_chars("batch id", in->batch_id, SS_LIC_BATCH_ID_MAX,
                                     err)) != 0 || in->batch_row < 0))
        return rc != 0 ? rc : sc_err_set(err, SC_EINVAL, "licence %s: batch row %lld",
                                         in->zzbs, (long long)in->batch_row);
    return 0;
}

int ss_store_lic_add(ss_store *st, const ss_license *in, int64_t now, int64_t *id,
                     sc_err *err)
{
    int64_t dummy;
    int rc;

    if (st == NULL || in == NULL)
        return sc_err_set(err, SC_EINVAL, "licence: no store or no input");
    if ((rc = check_license(in, err)) != 0)
        return rc;
    return st->ops->lic_add(st->be, st->tx, in, now, id != NULL ? id : &dummy, err);
}

int ss_store_lic_get(ss_store *st, const char *zzbs, ss_license *out, sc_err *err)
{
    int rc;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (st == NULL || out == NULL)
        return sc_err_set(err, SC_EINVAL, "licence: no store or no output");
    if ((rc = check_zzbs(zzbs, err)) != 0)
        return rc;
    return st->ops->lic_get(st->be, st->tx, zzbs, 1, out, err);
}

int ss_store_lic_by_batch(ss_store *st, int64_t client_id, const char *batch_id,
                          int64_t row, ss_license *out, sc_err *err)
{
    int rc;

    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (st == NULL || out == NULL || client_id <= 0 || row < 0)
        return sc_err_set(err, SC_EINVAL, "licence batch lookup: no store or output, or a "
                          "bad client or row");
    if ((rc = ss__check_token_chars("batch id", batch_id, SS_LIC_BATCH_ID_MAX, err)) != 0)
        return rc;
    return st->ops->lic_by_batch(st->be, st->tx, client_id, batch_id, row, out, err);
}

int ss_store_lic_batch_rows(ss_store *st, int64_t client_id, const char *batch_id,
                            int64_t first_row, int64_t n, ss_license_cb cb, void *ctx,
                            sc_err *err)
{
    int rc;

    if (st == NULL || cb == NULL || client_id <= 0 || first_row < 0 || n < 1 ||
        first_row > INT64_MAX - n)
        return sc_err_set(err, SC_EINVAL, "licence batch lookup: no store or callback, or a "
                          "bad client or row range");
    if ((rc = ss__check_token_chars("batch id", batch_id, SS_LIC_BATCH_ID_MAX, err)) != 0)
        return rc;
    return st->ops->lic_batch_rows(st->be, st->tx, client_id, batch_id, first_row, n, cb, ctx,
                                   err);
}

int ss_store_lic_list(ss_store *st, const char *type_code, int status, int64_t after_id,
                      unsigned limit, ss_license_cb cb, void *ctx, sc_err *err)
{
    int rc;

    if (st == NULL || cb == NULL || status < SS_LIC_ANY || status > SS_LIC_VOIDED)
        return sc_err_set(err, SC_EINVAL, "licence list: no store or callback, or status %d "
                          "unknown", status);
    if ((rc = ss__check_list(limit, err)) != 0 ||
        (type_code != NULL && (rc = check_code("licence type code", type_code, err)) != 0))
        return rc;
    return st->ops->lic_list(st->be, st->tx, type_code, status, after_id, limit, cb, ctx, err);
}

/* The transition rule: valid <-> suspended; either -> revoked or voided; nothing after those. */
static int check_transition(const ss_license *cur, int status, sc_err *err)
{
    if (cur->status == SS_LIC_REVOKED || cur->status == SS_LIC_VOIDED)
        return sc_err_set(err, SS_ESTATE, "licence %s is %s: that is final", cur->zzbs,
                          ss_lic_status_name(cur->status));
    if (cur->status == status)
        return sc_err_set(err, SS_ESTATE, "licence %s is %s already", cur->zzbs,
                          ss_lic_status_name(status));
    return 0;
}

int ss_store_lic_set_status(ss_store *st, const char *zzbs, int status, int reason,
                            const char *text, const char *replaced_by, int64_t actor,
                            int64_t now, sc_err *err)
{
    ss_license cur, repl;
    void *tx = NULL;
    int own = 0, rc;

    memset(&cur, 0, sizeof(cur));
    memset(&repl, 0, sizeof(repl));
    if (st == NULL)
        return sc_err_set(err, SC_EINVAL, "licence status: no store");
    if ((rc = check_zzbs(zzbs, err)) != 0 || (rc = check_actor("licence status", actor,
                                                              err)) != 0 ||
        (rc = ss__check_text("status note", text != NULL ? text : "", SS_REASON_MAX, 1,
                             err)) != 0)
        return rc;
    if (status < SS_LIC_VALID || status > SS_LIC_VOIDED || reason < -1 || reason > 10)
        return sc_err_set(err, SC_EINVAL, "licence %s: status %d or reason %d unknown", zzbs,
                          status, reason);
    if (status == SS_LIC_REVOKED && reason < 0 && (text == NULL || text[0] == '\0'))
        return sc_err_set(err, SC_EINVAL, "licence %s: revocation needs a reason", zzbs);
    if ((status == SS_LIC_VOIDED) != (replaced_by != NULL))
        return sc_err_set(err, SC_EINVAL, "licence %s: a licence is voided by naming its "
                          "re-issue (replaced_by), and only then", zzbs);
    if (replaced_by != NULL && ((rc = check_zzbs(replaced_by, err)) != 0 ||
                                strcmp(replaced_by, zzbs) == 0))
        return rc != 0 ? rc : sc_err_set(err, SC_EINVAL, "licence %s cannot replace itself",
                                         zzbs);
    if ((rc = ss__tx_enter(st, &tx, &own, err)) != 0)
        return rc;
    if ((rc = st->ops->lic_get(st->be, tx, zzbs, 0, &cur, err)) == 0 &&
        (rc = check_transition(&cur, status, err)) == 0 &&
        (replaced_by == NULL ||
         (rc = st->ops->lic_get(st->be, tx, replaced_by, 0, &repl, err)) == 0))
        rc = st->ops->lic_set_status(st->be, tx, zzbs, status, reason, text, replaced_by,
                                     actor, now, err);
    return ss__tx_end(st, tx, own, rc, err);
}

int ss_store_lic_history(ss_store *st, const char *zzbs, ss_lic_status_cb cb, void *ctx,
                         sc_err *err)
{
    ss_license cur;
    int rc;

    if (st == NULL || cb == NULL)
        return sc_err_set(err, SC_EINVAL, "licence history: no store or no callback");
    if ((rc = check_zzbs(zzbs, err)) != 0 ||
        (rc = st->ops->lic_get(st->be, st->tx, zzbs, 0, &cur, err)) != 0)
        return rc;
    return st->ops->lic_history(st->be, st->tx, zzbs, cb, ctx, err);
}

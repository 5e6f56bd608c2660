/* audit.c: the hash-chained audit log (audit.h): the canonical form of a record, appending
 * inside the caller's transaction, verifying the whole chain in constant memory.
 * Not here: storing rows (the backend: sqlite_audit.c).
 *
 * Canonical form (version 1), hashed as SM3(prev_hash || canonical):
 *   "SSAUDIT1"                        8 bytes, the format's tag
 *   seq, at, actor                    8 bytes each, big-endian two's complement
 *   action, object, details           each a 4-byte big-endian length, then the bytes
 * Length prefixes make the fields unambiguous (no separator can be forged inside a field);
 * details are hashed as the stored bytes, never re-serialised JSON, so a verifier in any
 * language gets the same digest from the row alone. */
#include "store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#define TAG "SSAUDIT1"

static const uint8_t zero_hash[32];

static void put64(uint8_t b[8], int64_t v)
{
    uint64_t u = (uint64_t)v;
    int i;

    for (i = 7; i >= 0; i--, u >>= 8)
        b[i] = (uint8_t)u;
}

static int upd_field(EVP_MD_CTX *md, const char *p, size_t len)
{
    uint8_t b[4] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                     (uint8_t)len };
    return EVP_DigestUpdate(md, b, 4) == 1 && (len == 0 || EVP_DigestUpdate(md, p, len) == 1);
}

/* hash = SM3(prev_hash || canonical(r)); md is reused across records (verify); sm3 the
 * store's fetched SM3, or NULL. */
static int record_hash(EVP_MD_CTX *md, const EVP_MD *sm3, const ss_audit_record *r,
                       uint8_t out[32], sc_err *err)
{
    uint8_t nums[24];
    unsigned int n = 0;

    put64(nums, r->seq);
    put64(nums + 8, r->at);
    put64(nums + 16, r->actor);
    ERR_clear_error();
    if (EVP_DigestInit_ex(md, sm3 != NULL ? sm3 : EVP_sm3(), NULL) != 1 ||
        EVP_DigestUpdate(md, r->prev_hash, 32) != 1 ||
        EVP_DigestUpdate(md, TAG, 8) != 1 || EVP_DigestUpdate(md, nums, sizeof(nums)) != 1 ||
        !upd_field(md, r->action, strlen(r->action)) ||
        !upd_field(md, r->object, strlen(r->object)) ||
        !upd_field(md, r->details, r->details_len) ||
        EVP_DigestFinal_ex(md, out, &n) != 1 || n != 32) {
        ERR_clear_error();
        return sc_err_set(err, SC_ECRYPTO, "audit: SM3 failed (is the OpenSSL default "
                          "provider loaded?)");
    }
    return 0;
}

static int check_action(const char *a, sc_err *err)
{
    size_t len, i;

    if (a == NULL || a[0] == '\0')
        return sc_err_set(err, SC_EINVAL, "audit action: missing");
    len = strnlen(a, SS_AUDIT_ACTION_MAX + 1);
    if (len > SS_AUDIT_ACTION_MAX)
        return sc_err_set(err, SC_ELIMIT, "audit action: longer than %d bytes",
                          SS_AUDIT_ACTION_MAX);
    for (i = 0; i < len; i++)
        if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9') || a[i] == '.' ||
              a[i] == '_' || a[i] == '-'))
            return sc_err_set(err, SC_EINVAL, "audit action \"%.*s\": character %zu is not "
                              "one of a-z 0-9 . _ -", (int)len, a, i + 1);
    return 0;
}

static int check_details(const char *d, size_t *len, sc_err *err)
{
    json_error_t je;
    json_t *j;

    *len = strnlen(d, SS_AUDIT_DETAILS_MAX + 1);
    if (*len > SS_AUDIT_DETAILS_MAX)
        return sc_err_set(err, SC_ELIMIT, "audit details: longer than %u bytes",
                          SS_AUDIT_DETAILS_MAX);
    /* parsed only to refuse what an auditor could not read; the bytes are stored as given */
    j = json_loadb(d, *len, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL)
        return sc_err_set(err, SC_EFORMAT, "audit details: not JSON (line %d column %d: %s)",
                          je.line, je.column, je.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return sc_err_set(err, SC_EFORMAT, "audit details: a JSON object is required");
    }
    json_decref(j);
    return 0;
}

int ss_audit_append(ss_store *tx, int64_t actor, const char *action, const char *object,
                    const char *details_json, sc_err *err)
{
    return ss_audit_append_at(tx, (int64_t)time(NULL), actor, action, object, details_json,
                              NULL, err);
}

/* Append with details that are JSON text; trusted: written by jansson from an object here,
 * so not parsed again (under the write lock, that parse was ~1% of a signature's CPU). */
static int append(ss_store *tx, int64_t at, int64_t actor, const char *action,
                  const char *object, const char *details_json, int trusted, int64_t *seq,
                  sc_err *err)
{
    ss_audit_record r;
    EVP_MD_CTX *md = NULL;
    int64_t head = 0;
    int rc;

    if (tx == NULL || tx->root == NULL)
        return sc_err_set(err, SC_EINVAL, "audit append: must run inside the operation's "
                          "transaction (ss_store_tx_begin)");
    memset(&r, 0, sizeof(r));
    r.action = action;
    r.object = object != NULL ? object : "";
    r.details = details_json != NULL ? details_json : "{}";
    r.at = at;
    r.actor = actor;
    if (actor < 0) {
        rc = sc_err_set(err, SC_EINVAL, "audit actor %lld: must be a client id or 0",
                        (long long)actor);
        goto out;
    }
    if (trusted && (r.details_len = strlen(r.details)) > SS_AUDIT_DETAILS_MAX)
        rc = sc_err_set(err, SC_ELIMIT, "audit details: longer than %u bytes",
                        SS_AUDIT_DETAILS_MAX);
    else if (!trusted)
        rc = check_details(r.details, &r.details_len, err);
    else
        rc = 0;
    if (rc != 0 || (rc = check_action(action, err)) != 0 ||
        (rc = ss__check_text("audit object", r.object, SS_AUDIT_OBJECT_MAX, 1, err)) != 0 ||
        (rc = tx->ops->audit_head(tx->be, tx->tx, &head, r.prev_hash, err)) != 0)
        goto out;
    if (head == INT64_MAX) {
        rc = sc_err_set(err, SC_ELIMIT, "the log is full");
        goto out;
    }
    r.seq = head + 1;
    if ((md = EVP_MD_CTX_new()) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = record_hash(md, tx->sm3, &r, r.hash, err)) == 0 &&
        (rc = tx->ops->audit_insert(tx->be, tx->tx, &r, err)) == 0 && seq != NULL)
        *seq = r.seq;
out:
    EVP_MD_CTX_free(md);
    if (rc != 0)   /* the action names the operation that must now roll back */
        sc_err_prefix(err, "audit append (%.*s)", SS_AUDIT_ACTION_MAX,
                      action != NULL ? action : "?");
    return rc;
}

int ss_audit_append_at(ss_store *tx, int64_t at, int64_t actor, const char *action,
                       const char *object, const char *details_json, int64_t *seq,
                       sc_err *err)
{
    return append(tx, at, actor, action, object, details_json, 0, seq, err);
}

int ss_audit_append_obj(ss_store *tx, int64_t at, int64_t actor, const char *action,
                        const char *object, const json_t *details, int64_t *seq, sc_err *err)
{
    char *text;
    int rc;

    if (!json_is_object(details))
        return sc_err_set(err, SC_EINVAL, "audit append (%.*s): the details must be a JSON "
                          "object", SS_AUDIT_ACTION_MAX, action != NULL ? action : "?");
    /* compact, in insertion order: the bytes hashed are the bytes an auditor reads */
    if ((text = json_dumps(details, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "audit append (%.*s): cannot write the details",
                          SS_AUDIT_ACTION_MAX, action != NULL ? action : "?");
    rc = append(tx, at, actor, action, object, text, 1, seq, err);
    free(text);
    return rc;
}

/* ---- verification ---------------------------------------------------------------------- */

#define STOP 1   /* the callback's "broken: stop scanning" (positive: never a store code) */

struct verify {
    EVP_MD_CTX *md;
    const EVP_MD *sm3;
    int64_t last_seq;          /* 0 before the first record */
    uint8_t last_hash[32];     /* 32 zero bytes before the first record */
    int64_t count;
    int64_t bad;
    char why[256];
    sc_err *err;
    int crypto_rc;
};

static int broken(struct verify *v, int64_t seq, const char *fmt, ...) SC_PRINTF(3, 4);

static int broken(struct verify *v, int64_t seq, const char *fmt, ...)
{
    va_list ap;

    v->bad = seq;
    va_start(ap, fmt);
    vsnprintf(v->why, sizeof(v->why), fmt, ap);
    va_end(ap);
    return STOP;
}

static int verify_one(void *ctx, const ss_audit_record *r)
{
    struct verify *v = ctx;
    uint8_t h[32];
    long long seq = (long long)r->seq;

    if (r->seq != v->last_seq + 1) {
        if (r->seq == v->last_seq + 2)
            return broken(v, v->last_seq + 1, "seq gap %lld -> %lld (record %lld missing)",
                          (long long)v->last_seq, seq, (long long)v->last_seq + 1);
        return broken(v, v->last_seq + 1, "seq gap %lld -> %lld (records %lld..%lld missing)",
                      (long long)v->last_seq, seq, (long long)v->last_seq + 1, seq - 1);
    }
    if (r->malformed)
        return broken(v, r->seq, "record %lld: malformed (a hash is not 32 bytes or a field "
                      "is missing)", seq);
    if (CRYPTO_memcmp(r->prev_hash, v->last_hash, 32) != 0) {
        if (r->seq == 1)
            return broken(v, 1, "record 1: prev_hash is not 32 zero bytes (the chain's "
                          "start)");
        return broken(v, r->seq, "record %lld: prev_hash does not match record %lld", seq,
                      seq - 1);
    }
    if ((v->crypto_rc = record_hash(v->md, v->sm3, r, h, v->err)) != 0)
        return v->crypto_rc;
    if (CRYPTO_memcmp(h, r->hash, 32) != 0)
        return broken(v, r->seq, "record %lld: hash does not match its content (edited)", seq);
    v->last_seq = r->seq;
    memcpy(v->last_hash, r->hash, 32);
    v->count++;
    return 0;
}

int ss_audit_verify(ss_store *st, int64_t *first_bad_seq, char *why, size_t n, sc_err *err)
{
    return ss_audit_verify_count(st, first_bad_seq, why, n, NULL, err);
}

int ss_audit_verify_count(ss_store *st, int64_t *first_bad_seq, char *why, size_t n,
                          int64_t *count, sc_err *err)
{
    struct verify v;
    int64_t head_seq = 0;
    uint8_t head_hash[32];
    int rc;

    if (first_bad_seq != NULL)
        *first_bad_seq = 0;
    if (why != NULL && n > 0)
        why[0] = '\0';
    if (count != NULL)
        *count = 0;
    if (st == NULL || first_bad_seq == NULL)
        return sc_err_set(err, SC_EINVAL, "audit verify: no store or no output");
    memset(&v, 0, sizeof(v));
    v.err = err;
    v.sm3 = st->sm3;
    if ((v.md = EVP_MD_CTX_new()) == NULL)
        return sc_err_set(err, SC_ENOMEM, "audit verify: out of memory");
    rc = st->ops->audit_scan(st->be, st->tx, 0, 0, verify_one, &v, &head_seq, head_hash, err);
    EVP_MD_CTX_free(v.md);
    if (rc != 0 && rc != STOP)
        return sc_err_prefix(err, "audit verify");
    if (rc == 0) {
        /* every record chains; now the head, which outlives any deletion of the tail */
        if (head_seq > v.last_seq)
            broken(&v, v.last_seq + 1, "records after %lld missing: head says %lld",
                   (long long)v.last_seq, (long long)head_seq);
        else if (head_seq < v.last_seq)
            broken(&v, head_seq + 1, "record %lld: beyond the chain head (head says %lld): "
                   "added outside the store", (long long)head_seq + 1, (long long)head_seq);
        else if (CRYPTO_memcmp(head_hash, v.last_seq == 0 ? zero_hash : v.last_hash, 32) != 0)
            broken(&v, v.last_seq == 0 ? 1 : v.last_seq,
                   "record %lld: hash differs from the chain head's (the newest record was "
                   "replaced, or the head edited)", (long long)(v.last_seq == 0 ? 1 : v.last_seq));
    }
    if (count != NULL)
        *count = v.count;
    if (v.bad == 0)
        return 0;
    *first_bad_seq = v.bad;
    if (why != NULL && n > 0)
        snprintf(why, n, "%s", v.why);
    return sc_err_set(err, SS_ETAMPERED, "audit log: %s", v.why);
}

int ss_audit_head(ss_store *st, int64_t *seq, uint8_t hash[32], sc_err *err)
{
    if (st == NULL || seq == NULL || hash == NULL)
        return sc_err_set(err, SC_EINVAL, "audit head: no store or no output");
    return st->ops->audit_head(st->be, st->tx, seq, hash, err);
}

int ss_audit_list(ss_store *st, int64_t after_seq, unsigned limit, ss_audit_cb cb, void *ctx,
                  sc_err *err)
{
    int rc;

    if (st == NULL || cb == NULL)
        return sc_err_set(err, SC_EINVAL, "audit list: no store or no callback");
    if ((rc = ss__check_list(limit, err)) != 0)
        return rc;
    return st->ops->audit_scan(st->be, st->tx, after_seq, limit, cb, ctx, NULL, NULL, err);
}

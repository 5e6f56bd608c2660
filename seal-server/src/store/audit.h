/* audit.h: the append-only, hash-chained audit log kept in the store (ss_audit_*).
 *
 * Each record is (seq, at, actor, action, object, details) plus prev_hash and
 * hash = SM3(prev_hash || canonical(record)); the first record chains from 32 zero bytes. The
 * canonical form is fixed, length-prefixed bytes (README.md "Audit canonical form"), never
 * re-parsed JSON, so what was hashed is exactly what was stored. The chain head (last seq and
 * hash) is also kept in a one-row table written in the same transaction, so removing the
 * newest records, or all of them, is detected too.
 *
 * Appends run inside the operation's transaction: if the append fails, the caller rolls back
 * and the operation fails (fail closed). Records must never hold secrets (tokens, passwords,
 * keys) or document bytes: put hashes and identifiers in details. */
#ifndef SS_AUDIT_H
#define SS_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

#define SS_AUDIT_ACTION_MAX 64              /* [a-z0-9._-], e.g. "seal.revoke" */
#define SS_AUDIT_OBJECT_MAX 256             /* what was acted on: "seal:33000020260001" */
#define SS_AUDIT_DETAILS_MAX (64u * 1024)   /* a JSON object, UTF-8 */
#define SS_AUDIT_WHY_MIN 128                /* room ss_audit_verify wants for its reason */

typedef struct ss_audit_record {
    int64_t seq;            /* 1, 2, 3, … */
    int64_t at;             /* UTC seconds */
    int64_t actor;          /* API client id; 0: the server itself */
    const char *action;     /* borrowed, valid during the callback */
    const char *object;     /* borrowed; "" when none */
    const char *details;    /* borrowed; the JSON text exactly as hashed */
    size_t details_len;
    uint8_t prev_hash[32];
    uint8_t hash[32];
    int malformed;          /* as stored, a hash is not 32 bytes or a field is missing */
} ss_audit_record;

typedef int (*ss_audit_cb)(void *ctx, const ss_audit_record *r);

/** Append a record at time(NULL); see ss_audit_append_at. */
int ss_audit_append(ss_store *tx, int64_t actor, const char *action, const char *object,
                    const char *details_json, sc_err *err);

/** Append a record and move the chain head, inside the caller's transaction.
 *  @param tx            a transaction handle (SC_EINVAL for a root handle)
 *  @param actor         client id, 0 for the server itself, never negative
 *  @param action        1..SS_AUDIT_ACTION_MAX of [a-z0-9._-]
 *  @param object        NULL or up to SS_AUDIT_OBJECT_MAX bytes of UTF-8 text
 *  @param details_json  NULL ("{}") or a JSON object of up to SS_AUDIT_DETAILS_MAX bytes,
 *                       stored and hashed byte for byte as given
 *  @param[out] seq      the record's seq (may be NULL)
 *  @return 0, SC_EINVAL, SC_ELIMIT, SC_EFORMAT (details not a JSON object), SC_ECRYPTO,
 *          SC_EIO, SS_EBUSY; the caller must then roll back */
int ss_audit_append_at(ss_store *tx, int64_t at, int64_t actor, const char *action,
                       const char *object, const char *details_json, int64_t *seq,
                       sc_err *err);

/** As ss_audit_append_at with details given as a JSON object (borrowed), which the store
 *  writes compact, keys in insertion order: JSON by construction, so not parsed again (its
 *  strings must hold no NUL, which readers of the log would refuse).
 *  @return as ss_audit_append_at; SC_EINVAL when details is not an object */
int ss_audit_append_obj(ss_store *tx, int64_t at, int64_t actor, const char *action,
                        const char *object, const json_t *details, int64_t *seq, sc_err *err);

/** Check the whole chain in one read snapshot, streaming (constant memory): seq continuity
 *  from 1, each prev_hash against the previous record's hash, each hash against the record's
 *  content, and the last record against the chain head.
 *  @param[out] first_bad_seq  0 when intact; else the first record that is wrong or missing
 *  @param why, n   the reason, e.g. "record 17: hash does not match its content (edited)";
 *                  "" when intact (n >= SS_AUDIT_WHY_MIN recommended; may be NULL, 0)
 *  @param[out] count  records checked (may be NULL)
 *  @return 0 intact; SS_ETAMPERED when broken (err holds the same reason); SC_EINVAL,
 *          SC_EIO, SC_ECRYPTO when the check could not run (first_bad_seq then 0) */
int ss_audit_verify(ss_store *st, int64_t *first_bad_seq, char *why, size_t n, sc_err *err);
int ss_audit_verify_count(ss_store *st, int64_t *first_bad_seq, char *why, size_t n,
                          int64_t *count, sc_err *err);

/** The chain head: last seq (0 for an empty log) and its hash (zeros when empty).
 *  @return 0, SC_EIO (head missing: the store is damaged), SS_EBUSY */
int ss_audit_head(ss_store *st, int64_t *seq, uint8_t hash[32], sc_err *err);

/** Records with seq > after_seq in order, at most limit (1..SS_LIST_MAX), for reading (not
 *  verified: use ss_audit_verify). cb as in ss_store_unit_list. */
int ss_audit_list(ss_store *st, int64_t after_seq, unsigned limit, ss_audit_cb cb, void *ctx,
                  sc_err *err);

#endif

/* sealcore/status.h: signed seal and licence status responses and lists (spec/status.asn1).
 *
 * The province signs, for each seal (or licence), its status and the history of its changes,
 * so that a verifier can decide offline whether the seal was good when a document was signed:
 *   make     sc_status_builder_*: entries in, canonical DER StatusResponse out (SM2-with-SM3,
 *            GM ID, by the status-signer key); lists are sorted by subject.
 *   read     sc_status_resp_parse and the getters: every field checked, errors name the field
 *            ("StatusResponse.tbsStatus.entries[3].history[0].at: not a GeneralizedTime").
 *   trust    sc_status_resp_verify: signature over tbsStatus as received, responderKeyHash,
 *            id-kp-OCSPSigning, chain to the anchors at producedAt, freshness (nextUpdate).
 *   decide   sc_status_at: the status of one seal at a signing time (the "Verifier rule" of
 *            spec/status.asn1), with a reason a person can read.
 * A parsed response is immutable: const calls may run from several threads at once. */
#ifndef SEALCORE_STATUS_H
#define SEALCORE_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/key.h"
#include "sealcore/trust.h"

/* Limits, checked before anything is allocated. A province has ~15,000 seals (a list of
 * ~2.5 MB); the entry limit leaves room for every licence of a province in one list. */
#define SC_STATUS_MAX_DER (256u * 1024 * 1024)   /* bytes of one StatusResponse */
#define SC_STATUS_MAX_ENTRIES 1000000            /* entries in one response */
#define SC_STATUS_MAX_HISTORY 64                 /* StatusChanges in one entry */
#define SC_STATUS_MAX_CERTS 8                    /* certificates in certs */
#define SC_STATUS_MAX_SUBJECT 256                /* bytes of an esID or licenseId */
#define SC_STATUS_MAX_NONCE 32                   /* bytes of a nonce (at least 1) */

/* Status ::= ENUMERATED, values as on the wire. */
typedef enum sc_status_code {
    SC_STATUS_GOOD = 0,
    SC_STATUS_SUSPENDED = 1,
    SC_STATUS_REVOKED = 2,     /* final */
    SC_STATUS_EXPIRED = 3,     /* derived from validEnd; never in a history */
    SC_STATUS_UNKNOWN = 4,     /* the province never made this seal */
    SC_STATUS_VOIDED = 5       /* licences only: replaced by a re-issue; final */
} sc_status_code;

/* Reason ::= ENUMERATED (RFC 5280 CRLReason values the spec admits). */
#define SC_STATUS_NO_REASON (-1)
enum {
    SC_STATUS_REASON_UNSPECIFIED = 0,
    SC_STATUS_REASON_KEY_COMPROMISE = 1,
    SC_STATUS_REASON_AFFILIATION_CHANGED = 3,
    SC_STATUS_REASON_SUPERSEDED = 4,
    SC_STATUS_REASON_CESSATION_OF_OPERATION = 5,
    SC_STATUS_REASON_CERTIFICATE_HOLD = 6    /* used for suspensions */
};

/* Subject ::= CHOICE. */
typedef enum sc_status_subject {
    SC_STATUS_ESID = 0,        /* [0] IA5String: SES_SealInfo.esID */
    SC_STATUS_LICENSE_ID = 1   /* [1] UTF8String: GB/T 36904 licence identifier */
} sc_status_subject;

typedef struct sc_status_change {
    sc_status_code status;     /* GOOD (resumed), SUSPENDED, REVOKED or VOIDED */
    int64_t at;                /* when it took effect, seconds since the epoch, UTC */
    int reason;                /* SC_STATUS_REASON_* or SC_STATUS_NO_REASON */
} sc_status_change;

/* One StatusEntry. Given to sc_status_builder_add (read during the call only) and handed
 * out by the getters (then every pointer is borrowed from the response). Times are seconds
 * since the epoch, UTC, whole seconds, years 1..9999. */
typedef struct sc_status_entry {
    sc_status_subject kind;
    const char *subject;       /* NUL-terminated; esID: printable ASCII; licenseId: UTF-8 */
    const uint8_t *digest;     /* 32 bytes, SM3 of the DER SES_Seal; NULL when absent */
    sc_status_code status;     /* the status at this_update (sc_status_entry_at) */
    int64_t this_update;
    int has_next_update;
    int64_t next_update;       /* verifiers refuse the response after this */
    int has_valid_end;
    int64_t valid_end;         /* the seal's validEnd: "expired" is derived from it */
    const sc_status_change *history;   /* oldest first; NULL when history_len is 0 */
    size_t history_len;
} sc_status_entry;

/** Short names as in spec/status.asn1 ("good", "certificateHold", …); static strings,
 *  "?" for values outside the spec. */
SC_API const char *sc_status_name(sc_status_code status);
SC_API const char *sc_status_reason_name(int reason);

/** The status of entry e at time t, by the spec's rule: UNKNOWN if e says unknown; else
 *  start from GOOD and apply every history change with at <= t in order (REVOKED and
 *  VOIDED are final); then REVOKED/VOIDED stand, otherwise t > valid_end gives EXPIRED.
 *  @param[out] decided  optional: the change that set the status (borrowed from e->history),
 *                       NULL when none did (good since made, expired, unknown) */
SC_API sc_status_code sc_status_entry_at(const sc_status_entry *e, int64_t t,
                                         const sc_status_change **decided);

/* ---- making ----------------------------------------------------------------------------- */

typedef struct sc_status_builder sc_status_builder;

/** Start a response. @param produced_at  producedAt; 0 = now
 *  @param[out] out  new builder, free with sc_status_builder_free(); NULL on failure
 *  @return 0, SC_EINVAL (time outside the years 1..9999) or SC_ENOMEM */
SC_API int sc_status_builder_new(sc_status_builder **out, int64_t produced_at, sc_err *err);
SC_API void sc_status_builder_free(sc_status_builder *b);   /* NULL is a no-op */

/** Echo a request's nonce (1..SC_STATUS_MAX_NONCE bytes, copied). @return 0 or SC_EINVAL. */
SC_API int sc_status_builder_set_nonce(sc_status_builder *b, const uint8_t *nonce, size_t len,
                                       sc_err *err);
/** Make the response a status list with this listSequence (>= 0). @return 0 or SC_EINVAL. */
SC_API int sc_status_builder_set_list_sequence(sc_status_builder *b, int64_t seq, sc_err *err);

/** Add one entry; everything it points to is copied. Refused (SC_EINVAL, err names the
 *  field) unless: the subject is 1..SC_STATUS_MAX_SUBJECT bytes (esID printable ASCII,
 *  licenseId UTF-8); an esID entry carries a digest unless its status is UNKNOWN; an UNKNOWN
 *  entry carries no digest, valid_end or history; VOIDED is for licences only; the history
 *  has at most SC_STATUS_MAX_HISTORY changes, each GOOD, SUSPENDED, REVOKED or VOIDED, in
 *  time order, nothing after a final one; next_update >= this_update and >= producedAt; and
 *  status equals sc_status_entry_at(e, this_update) — so the status a reader sees and the
 *  one the verifier rule derives never differ. A subject given twice is refused at signing.
 *  @return 0, SC_EINVAL, SC_ELIMIT (more than SC_STATUS_MAX_ENTRIES) or SC_ENOMEM */
SC_API int sc_status_builder_add(sc_status_builder *b, const sc_status_entry *e, sc_err *err);

/** Sign: canonical DER StatusResponse, entries sorted by the DER of their subject,
 *  responderKeyHash = SM3 of signer_cert's subjectPublicKey, signature SM2-with-SM3 with
 *  ID 1234567812345678 over tbsStatus, certs = signer_cert then ca_certs (e.g. its CA).
 *  May be called again (after more adds). The signer certificate's extended key usage is
 *  not checked here: verifiers refuse one without id-kp-OCSPSigning.
 *  @param key          the status-signer key; refused (SC_EINVAL) unless signer_cert has it
 *  @param ca_certs     0..SC_STATUS_MAX_CERTS-1 DER certificates (ca_lens their sizes)
 *  @param[out] der     new buffer, the caller frees it with free(); NULL on failure
 *  @return 0, SC_EINVAL (a subject twice, certificates unreadable or too many, key not the
 *          signer certificate's),
 *          SC_ELIMIT (output over SC_STATUS_MAX_DER), SC_ECRYPTO or SC_ENOMEM */
SC_API int sc_status_builder_sign(sc_status_builder *b, const sc_key *key,
                                  const uint8_t *signer_cert, size_t signer_cert_len,
                                  const uint8_t *const *ca_certs, const size_t *ca_lens,
                                  size_t ca_count, uint8_t **der, size_t *der_len, sc_err *err);

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct sc_status_resp sc_status_resp;

/* The response-wide fields; borrowed, valid until sc_status_resp_free(). */
typedef struct sc_status_resp_info {
    int64_t produced_at;
    int has_list_sequence;
    int64_t list_sequence;
    const uint8_t *nonce;          /* NULL when absent */
    size_t nonce_len;
    const uint8_t *key_hash;       /* responderKeyHash, 32 bytes */
    size_t entry_count;
    size_t cert_count;
} sc_status_resp_info;

/** Parse a DER StatusResponse. Checks the structure, every value's range, the order of
 *  entries (strictly ascending subjects, so each subject once) and of each history, and
 *  that each entry's status is the one its history and validEnd give at thisUpdate.
 *  Signatures are not checked here (sc_status_resp_verify).
 *  @param der  1..SC_STATUS_MAX_DER bytes; copied, the caller keeps its buffer
 *  @param[out] out  new response, free with sc_status_resp_free(); NULL on failure
 *  @return 0, SC_EFORMAT, SC_ELIMIT, SC_EUNSUPPORTED (version not 1, signature algorithm
 *          not SM2-with-SM3) or SC_ENOMEM; err names the field at fault */
SC_API int sc_status_resp_parse(sc_status_resp **out, const uint8_t *der, size_t len,
                                sc_err *err);
SC_API void sc_status_resp_free(sc_status_resp *r);   /* NULL is a no-op */

/** Response-wide fields. Borrowed; never NULL for a parsed response. */
SC_API const sc_status_resp_info *sc_status_resp_get_info(const sc_status_resp *r);
/** Entry i in the response's (sorted) order. Borrowed; NULL when i >= entry_count. */
SC_API const sc_status_entry *sc_status_resp_get_entry(const sc_status_resp *r, size_t i);
/** The entry for a subject (binary search: O(log n)). Borrowed; NULL when not listed. */
SC_API const sc_status_entry *sc_status_resp_find(const sc_status_resp *r,
                                                  sc_status_subject kind, const char *subject);
/** Certificate i of certs (DER as read). Borrowed; NULL when i >= cert_count. */
SC_API const uint8_t *sc_status_resp_get_cert(const sc_status_resp *r, size_t i, size_t *len);
/** The whole response; tbsStatus exactly as read (what the signature covers); the signature
 *  value (BIT STRING content: DER SM2Signature). Borrowed. */
SC_API const uint8_t *sc_status_resp_get_der(const sc_status_resp *r, size_t *len);
SC_API const uint8_t *sc_status_resp_get_tbs(const sc_status_resp *r, size_t *len);
SC_API const uint8_t *sc_status_resp_get_signature(const sc_status_resp *r, size_t *len);

/* ---- trusting --------------------------------------------------------------------------- */

typedef struct sc_status_verify_opts {
    const sc_trust *trust;         /* required, with at least one anchor; the status signer's
                                      CA must be an anchor or an intermediate in it */
    const uint8_t *signer_cert;    /* optional DER status-signer certificate; NULL: certs[0] */
    size_t signer_cert_len;
    int64_t check_time;            /* freshness is judged at this time; 0 = now */
} sc_status_verify_opts;

/** Rule 1 and 3 of spec/status.asn1: the signer certificate (given, else certs[0]) has the
 *  key responderKeyHash names, the signature (canonical DER SM2Signature) verifies over
 *  tbsStatus as received, the certificate has id-kp-OCSPSigning (and, if it has keyUsage,
 *  digitalSignature or nonRepudiation) and chains to an anchor at producedAt; certs, when
 *  present, is a chain (each certificate issued and signed by the next; the last one
 *  self-signed or chaining to an anchor), so no byte of the response goes unchecked;
 *  producedAt and the check time are not after any entry's nextUpdate.
 *  What depends on the response alone (responderKeyHash, the signature, the signer's
 *  purpose, the links of certs) is remembered in r after the first call that finds it good
 *  with certs[0] as the signer, so a list is hashed once, not once per seal checked; the
 *  trust store, the check time and a given signer_cert are judged on every call. Calls on
 *  the same response may run concurrently.
 *  A verdict is data: 0 is returned whenever one was reached.
 *  @param[out] valid  1 trusted, 0 not (why, n bytes, says why: signer, time, field)
 *  @return 0, SC_EINVAL (no anchors, signer_cert not a certificate), SC_ENOMEM */
SC_API int sc_status_resp_verify(const sc_status_resp *r, const sc_status_verify_opts *o,
                                 int *valid, char *why, size_t n, sc_err *err);

/* ---- deciding --------------------------------------------------------------------------- */

typedef struct sc_status_verdict {
    int good;                        /* 1: the check passes; 0: it fails (why says why) */
    sc_status_code status;           /* the status at t; UNKNOWN also when not listed, or
                                        when t is after the entry's nextUpdate */
    int digest_matches;              /* 1 equal, 0 differs or absent, -1 not compared */
    const sc_status_entry *entry;    /* borrowed from the response; NULL: not listed */
    const sc_status_change *change;  /* the change that set status; NULL: none did */
} sc_status_verdict;

/** Rule 2 and 4 of spec/status.asn1 for a seal: the entry for es_id exists, its
 *  subjectDigest equals seal_sm3 (SM3 of the DER SES_Seal), t is not after its nextUpdate,
 *  and the status at t (sc_status_entry_at) is GOOD. why (n bytes) names the change and the
 *  times: "seal 33000020260001 was suspended at 2026-11-20T08:00:00Z (certificateHold),
 *  before the signing time 2026-11-21T09:00:00Z". Call sc_status_resp_verify first: this
 *  function trusts r.
 *  @param t  the signing time
 *  @return 0 (verdict in *out, even a failing one) or SC_EINVAL (NULL arguments, n == 0) */
SC_API int sc_status_at(const sc_status_resp *r, const char *es_id, const uint8_t seal_sm3[32],
                        int64_t t, sc_status_verdict *out, char *why, size_t n, sc_err *err);
/** The same for any subject; digest NULL: subjectDigest is not compared (licences). */
SC_API int sc_status_subject_at(const sc_status_resp *r, sc_status_subject kind,
                                const char *subject, const uint8_t *digest, int64_t t,
                                sc_status_verdict *out, char *why, size_t n, sc_err *err);

#endif

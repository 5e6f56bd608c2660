/* sealcore/verify.h: the verification report and the checks that fill it.
 *
 * Every verdict sealpki gives — CLI, verifier, server — comes from these functions, so the same
 * file gets the same answer everywhere. A report holds one item per seal or signature, each
 * with one named result per check, in a fixed order, and a reason for every failure or skip.
 * A verdict is data: sc_verify_* return 0 when they produced a report, even a failing one. */
#ifndef SEALCORE_VERIFY_H
#define SEALCORE_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/ofd.h"
#include "sealcore/ses.h"
#include "sealcore/status.h"
#include "sealcore/trust.h"

/* The checks. Reports list them in the order of spec/verify-report.md, which is this order
 * except that seal_status follows seal_validity (both say whether the seal could be used at
 * the time judged): it was added after the OFD checks, so the values of the older checks stay
 * as they were. license, added last, is the only check of its own item. */
typedef enum sc_check {
    SC_CHECK_STRUCTURE,         /* fields consistent, algorithms known, certificates readable */
    SC_CHECK_SIGNER_SIGNATURE,  /* the signer's signature over TBS_Sign as read */
    SC_CHECK_SIGNER_CERT,       /* signer certificate valid at signing time, key usage */
    SC_CHECK_CERT_CHAIN,        /* signer and maker certificates chain to the trust anchors */
    SC_CHECK_SIGNER_IN_SEAL,    /* the signer certificate (or its digest) is in the seal */
    SC_CHECK_SEAL_SIGNATURE,    /* the maker's signature over SES_SealInfo as read */
    SC_CHECK_SEAL_VALIDITY,     /* validStart <= time <= validEnd */
    SC_CHECK_DATA_HASH,         /* dataHash = SM3(data), when the data is given */
    SC_CHECK_TIMESTAMP,         /* token signature and imprint, when a token is present */
    SC_CHECK_OFD_REFERENCES,    /* OFD: every Reference's CheckValue matches its file */
    SC_CHECK_OFD_SEAL_FILE,     /* OFD: Seal.esl (when referenced) equals the embedded seal */
    SC_CHECK_SEAL_STATUS,       /* the province's signed status: the seal was good at the time */
    SC_CHECK_LICENSE,           /* OFD licences: metadata signed, consistent with the page, the
                                   identifier well formed, not expired, status good when asked
                                   (spec/license-file.md §6); only on an item of kind "license" */
    SC_CHECK_COUNT
} sc_check;

typedef enum sc_result {
    SC_RESULT_NONE = 0,         /* not applicable to this item; not reported */
    SC_RESULT_PASSED,
    SC_RESULT_FAILED,
    SC_RESULT_SKIPPED
} sc_result;

/** "structure", "signer_signature", … (static). NULL for an unknown value. */
SC_API const char *sc_check_name(sc_check c);

typedef struct sc_report sc_report;

/** @param file    name shown in the report (copied); may be NULL
 *  @param format  "seal", "signature" or "ofd" (copied); may be NULL and set later
 *  @return 0 or SC_ENOMEM; free with sc_report_free(). */
SC_API int sc_report_new(sc_report **out, const char *file, const char *format, sc_err *err);
SC_API void sc_report_free(sc_report *rep);   /* NULL is a no-op */
SC_API int sc_report_set_format(sc_report *rep, const char *format, sc_err *err);

/** Record that the input could not be read or parsed (makes the exit code 2). Copied. */
SC_API int sc_report_add_error(sc_report *rep, const char *msg, sc_err *err);

SC_API size_t sc_report_item_count(const sc_report *rep);
/** Result of one check of item i; *reason (may be NULL) is borrowed from the report. */
SC_API sc_result sc_report_get_check(const sc_report *rep, size_t i, sc_check c,
                                     const char **reason);

/** Findings: what a person should know about the input as a whole, apart from the checks
 *  of each item (OFD: "extra_bytes", "unprotected_file", "added_after_signing", …; see
 *  spec/verify-report.md). They never change sc_report_valid() or the exit code. */
SC_API size_t sc_report_finding_count(const sc_report *rep);
/** Finding i's code, or NULL when i >= count. The code, *file (the package entry it is
 *  about, or NULL) and *message are borrowed from the report;
 *  either pointer may be NULL. */
SC_API const char *sc_report_get_finding(const sc_report *rep, size_t i, const char **file,
                                         const char **message);

/** 1 when no error was recorded, some item exists, no check failed, and none was skipped for
 *  a reason that leaves something unproven (no trust anchors, an unknown signing time, a
 *  status response that could not be had); else 0. Skips that only mean "not asked for"
 *  (data_hash without data, timestamp without a token, seal_status without a status
 *  response) do not count. */
SC_API int sc_report_valid(const sc_report *rep);
/** 0 valid, 1 some check failed or could not run (as above), 2 an error was recorded: the
 *  input unreadable (or, as seal-verify records it, a status response not fetched). */
SC_API int sc_report_exit_code(const sc_report *rep);

/** Render as JSON (spec/verify-report.md) or as a report for people. *out is a new
 *  NUL-terminated string the caller frees with free(). @return 0 or SC_ENOMEM. */
SC_API int sc_report_to_json(const sc_report *rep, char **out, sc_err *err);
SC_API int sc_report_to_text(const sc_report *rep, char **out, sc_err *err);

/** Asked, when sc_verify_opts.status is NULL, for the status response that speaks for the
 *  seal es_id (seal-verify --status URL fetches one per seal and keeps it) — or, as
 *  license_status_fn, for the licence whose identifier (ZZBS) es_id is then.
 *  @param[out] out  a parsed response, borrowed: it must stay valid until the sc_verify_*
 *                   call that asked returns (the same one may serve several seals); NULL:
 *                   none for this seal, seal_status is skipped as if no status was given
 *  @return 0, or a negative code with err filled when the response could not be had: then
 *          seal_status is skipped with err's message, and the item is not valid (SC_ENOMEM
 *          ends the verification instead) */
typedef int (*sc_verify_status_fn)(void *ctx, const char *es_id, const sc_status_resp **out,
                                   sc_err *err);

typedef struct sc_verify_opts {
    const sc_trust *trust;      /* NULL or empty: chain checks are skipped, exit code 1 */
    const uint8_t *data;        /* the signed original, for data_hash; NULL = not given */
    size_t data_len;
    const uint8_t *data_sm3;    /* or its 32-byte SM3 hash (for originals too large to hold);
                                   used when data is NULL */
    int64_t at;                 /* 0: seals are judged now, signatures at their signing time;
                                   else everything is judged at this time */
    /* seal_status (spec/status.asn1, "Verifier rule"): the status of every item's seal at
     * the time judged, from a response the status signer signed; the response must verify
     * with trust (no anchors: skipped, not valid) and be fresh at `at` (0: now). Neither
     * status nor status_fn: seal_status is skipped ("no status response was given") and the
     * item may still be valid, as data_hash without data. */
    const sc_status_resp *status;   /* one response for every seal (a status list); borrowed
                                       for the call; NULL: status_fn is asked */
    sc_verify_status_fn status_fn;  /* optional: asked per seal when status is NULL (not
                                       when seal_status is skipped for lack of anchors or of
                                       a signing time) */
    void *status_ctx;               /* passed to status_fn and license_status_fn */
    /* license (OFD licences, spec/license-file.md §6 rule 7): the licence's status comes from
     * status (looked up by Subject licenseId), else from license_status_fn; neither: the
     * check may pass and its reason says status was not asked. Judged at `at` (0: now). */
    sc_verify_status_fn license_status_fn;   /* optional, asked once per licence */
} sc_verify_opts;

/** Append one item for seal. @return 0 (report made) or SC_ENOMEM. */
SC_API int sc_verify_seal(sc_report *rep, const sc_ses_seal *seal, const sc_verify_opts *o,
                          sc_err *err);
/** Append one item for a seal signature. @return 0 or SC_ENOMEM. */
SC_API int sc_verify_sig(sc_report *rep, const sc_ses_sig *sig, const sc_verify_opts *o,
                         sc_err *err);
/** Tell a DER seal from a DER SES_Signature, parse and verify it. An input that cannot be
 *  parsed becomes a report error (exit code 2), not a failed call.
 *  @return 0 or SC_ENOMEM. */
SC_API int sc_verify_der(sc_report *rep, const uint8_t *der, size_t len, const sc_verify_opts *o,
                         sc_err *err);

/** Verify every signature of an OFD package (spec/verify-report.md, "OFD"): format "ofd", one
 *  item (kind "signature") per Signature in Signatures.xml, in its order, each with extra
 *  fields id, type, page, boundary, provider and stamps; then, when the package is a licence
 *  (spec/license-file.md §6), one item of kind "license" with its fields and the check
 *  license; then the report's findings
 *  (extra_bytes, unprotected_file, added_after_signing, unverified_documents,
 *  unreadable_document), which never change the verdict. Type "Sign" signatures carry no
 *  seal: their items have no seal_status. A package whose OFD.xml or
 *  Signatures.xml cannot be read, or that has no signature, becomes a report error (exit
 *  code 2); a signature whose
 *  Signature.xml cannot be read fails that item's structure only. o->data and o->data_sm3
 *  are not used: the signed data is in the package.
 *  @param pkg  read (its zip reader moves), not kept after the call
 *  @return 0 (report made, even failing) or SC_ENOMEM (or another negative code when hashing
 *          or chain building itself fails) with err filled */
SC_API int sc_verify_ofd(sc_report *rep, sc_ofd_pkg *pkg, const sc_verify_opts *o,
                         sc_err *err);
/** sc_verify_ofd() on a package held in memory (buf borrowed for the call); a buffer that is
 *  not a readable zip becomes a report error (exit code 2). @return as sc_verify_ofd(). */
SC_API int sc_verify_ofd_mem(sc_report *rep, const uint8_t *buf, size_t len,
                             const sc_verify_opts *o, sc_err *err);

#endif

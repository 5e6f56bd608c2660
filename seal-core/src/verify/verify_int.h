/* verify_int.h: the report's insides, shared by report.c, report_render.c and the checks. */
#ifndef SC_VERIFY_INT_H
#define SC_VERIFY_INT_H

#include <jansson.h>
#include <openssl/types.h>

#include "sc_int.h"
#include "sealcore/verify.h"

#define SC_REPORT_MAX_ITEMS 10000
#define SC_REPORT_MAX_ERRORS 100
#define SC_REPORT_MAX_FINDINGS 200   /* more are counted (findings_omitted), not kept */

typedef struct sc_item {
    char kind[16];               /* "seal" or "signature" */
    int64_t version;
    char *seal_id, *seal_name, *signer;
    int has_time;
    int64_t sign_time;
    sc_result res[SC_CHECK_COUNT];
    char *reason[SC_CHECK_COUNT];
    unsigned blocking;           /* bit per check whose skip makes the item not valid */
    json_t *extra;               /* further fields other modules add (OFD: id, page, …) */
} sc_item;

/* Something a person should know about the input as a whole (OFD: bytes outside the zip,
 * files no signature protects). A finding never changes valid or the exit code by itself. */
typedef struct sc_finding {
    char code[24];               /* "extra_bytes", "unprotected_file", "added_after_signing" */
    char *file;                  /* the package entry it is about; NULL when none */
    char *msg;
} sc_finding;

struct sc_report {
    char *file, *format;
    sc_item *items;
    size_t n, cap;
    char **errors;
    size_t nerr;
    sc_finding *findings;
    size_t nfind, find_cap;
    size_t find_omitted;         /* past SC_REPORT_MAX_FINDINGS */
};

/* Every check once, in the order reports list them (report.c). */
extern const sc_check sc__check_order[SC_CHECK_COUNT];

/* A new empty item; NULL on ENOMEM or past SC_REPORT_MAX_ITEMS (err says which). */
sc_item *sc__report_add_item(sc_report *rep, const char *kind, sc_err *err);
/* Append a finding (file may be NULL; message printf-style). Past SC_REPORT_MAX_FINDINGS it
 * is only counted. @return 0 or SC_ENOMEM. */
int sc__report_add_finding(sc_report *rep, const char *code, const char *file, sc_err *err,
                           const char *fmt, ...) SC_PRINTF(5, 6);
/* Set a check's result and reason (printf-style; NULL for none). Reasons are best effort:
 * under memory pressure the result stays and the reason is dropped. */
void sc__item_set(sc_item *it, sc_check c, sc_result r, const char *fmt, ...) SC_PRINTF(4, 5);
/* Mark a check skipped because no trust anchors were given. */
void sc__item_skip_no_trust(sc_item *it, sc_check c);
/* Mark a check skipped for a reason that must still keep the item from being valid (the
 * check could not be done, so nothing it guards may be taken as shown). */
void sc__item_skip_blocking(sc_item *it, sc_check c, const char *reason);
/* sc_verify_sig's checks into an item the caller made (OFD signatures add their own fields
 * and checks to the same item). @return 0 or SC_ENOMEM. */
int sc__verify_sig_item(sc_item *it, const sc_ses_sig *g, const sc_verify_opts *o, sc_err *err);
/* Copy s into *field (replacing); best effort like reasons. */
void sc__item_text(char **field, const char *s);

/* The checks verify.c runs for seal signatures, shared with the other signature formats
 * (pkcs7/), so a signer is judged the same way whatever carries its signature. */

/* 1 when o gives at least one trust anchor. */
int sc__verify_has_anchors(const sc_verify_opts *o);
/* Check which: cert's SM2 key verifies sig (SM2-with-SM3, GM ID) over tbs as given; who
 * ("signer", "maker") names the certificate in reasons. cert NULL: failed, unreadable. */
void sc__verify_signature(sc_item *it, sc_check which, X509 *cert, const uint8_t *tbs,
                          size_t tbs_len, const uint8_t *sig, size_t sig_len, const char *who);
/* signer_cert: signer valid at when and its key usage (if any) allows digitalSignature or
 * nonRepudiation. has_when 0: skipped (blocking) with unknown as the reason. */
void sc__verify_signer_cert(sc_item *it, X509 *signer, int64_t when, int has_when,
                            const char *unknown);
/* x's chain to trust's anchors at time at: 1 good, 0 bad (why, n bytes, names who and the
 * time), <0 internal failure (err). */
int sc__verify_chain_one(const sc_trust *trust, X509 *x, int64_t at, const char *who, char *why,
                         size_t n, sc_err *err);
/* timestamp: token (NULL: skipped, "no time-stamp token present") must time-stamp value.
 * @return 0 (check set) or <0 internal failure (err). */
int sc__verify_timestamp(sc_item *it, const sc_trust *trust, const uint8_t *token, size_t len,
                         const uint8_t *value, size_t value_len, sc_err *err);

/* sc_status_at words its reasons for a signing time; a seal alone, or a licence, is judged
 * at the verification time (now, or --at), and the reason must not speak of a signing:
 * "the signing time" in why (n bytes) becomes "the verification time". */
void sc__verify_wording(char *why, size_t n);

/* The license check (verify_license.c, spec/license-file.md §6): when pkg is a licence, one
 * item of kind "license" with its fields and the check. m is pkg's model; the report's items
 * first .. first + m->nsigs - 1 are its signatures, already verified (rule 1 relies on them).
 * Nothing is added for a package that is no licence. @return 0 or SC_ENOMEM (err) */
struct sc__ofd_model;
int sc__verify_license(sc_report *rep, sc_ofd_pkg *pkg, const struct sc__ofd_model *m,
                       size_t first, const sc_verify_opts *o, sc_err *err);

#endif

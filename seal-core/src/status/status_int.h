/* status_int.h: the parsed StatusResponse, shared by status.c (parse, getters),
 * status_make.c (builder) and status_verify.c (signature, chain, verifier rule). */
#ifndef SC_STATUS_INT_H
#define SC_STATUS_INT_H

#include <stdatomic.h>

#include "sc_int.h"
#include "sealcore/status.h"

/* 1.2.156.10197.1.501 SM2-with-SM3 as a whole AlgorithmIdentifier, without parameters (the
 * spec's form; NULL parameters are accepted when reading). */
#define SC_STATUS_ALG_LEN 12
extern const uint8_t sc__status_alg[SC_STATUS_ALG_LEN];

struct sc_status_resp {
    uint8_t *der;                /* the response as read (owned) */
    size_t der_len;
    sc_span tbs;                 /* tbsStatus, whole element: what the signature covers */
    sc_span sig;                 /* signature BIT STRING content */
    sc_status_resp_info info;
    sc_status_entry *entries;    /* info.entry_count, in the order read (sorted) */
    sc_span *subjects;           /* each entry's Subject element, for the binary search */
    sc_status_change *changes;   /* every entry's history, back to back */
    char *names;                 /* every subject, NUL-terminated, back to back */
    sc_span certs[SC_STATUS_MAX_CERTS];
    int has_min_next;            /* the earliest nextUpdate of any entry */
    int64_t min_next;
    /* 1 once sc_status_resp_verify found, with certs[0] as the signer, every part of rule 1
     * that depends on these bytes alone: responderKeyHash, the signature over tbsStatus, the
     * signer's purpose, the embedded chain's links. A verifier checks the same list for
     * every item of every document, and the signature costs an SM3 pass over the whole
     * response (~10 ms for a province's 2.5 MB); what depends on the call (trust store,
     * check time) is judged every time. Only ever set from 0 to 1 (const calls may run
     * concurrently); failures are not remembered, so their reasons stay exact. */
    atomic_int self_checked;
};

/* DER order of two encodings: bytes, then length (X.690 §11.6 without the padding: two
 * distinct complete elements never share a prefix). */
int sc__status_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* The Subject element for kind and subject into out (2 headers + up to 256 bytes). Returns
 * its length, 0 when subject is too long or empty. */
size_t sc__status_subject_der(sc_status_subject kind, const char *subject, size_t len,
                              uint8_t out[8 + SC_STATUS_MAX_SUBJECT]);

#endif

/* tsa_int.h: RFC 3161 time-stamp tokens (GB/T 20520 profile) inside seal-core: verifying any
 * TSA's (tsa_verify.c) and issuing our own (tsa_make.c, tsa_respond.c, sealcore/tsa.h). */
#ifndef SC_TSA_INT_H
#define SC_TSA_INT_H

#include <stdatomic.h>

#include "sc_int.h"
#include "sealcore/trust.h"
#include "sealcore/tsa.h"

#define SC_TSA_MAX_TOKEN (64 * 1024)
#define SC_TSA_MAX_CHAIN 8      /* certificates after the TSA's */
#define SC_TSA_MAX_NONCE 64     /* octets of a request's nonce INTEGER (RFC 3161 suggests 8) */

/* Verify a TimeStampToken (ContentInfo/SignedData/TSTInfo, PKCS#7 or GB/T 35275 OIDs) whose
 * imprint must equal the hash of data (SM3, or the token's own imprint algorithm).
 * SM2 tokens are checked by hand (OpenSSL 3.0's TS/CMS code refuses SM2).
 * @param trust     may be NULL or empty: then the TSA certificate is not chained
 * @param[out] gen  genTime on success
 * @return 1 valid, 0 invalid (why says why), 2 valid but the TSA certificate could not be
 *         chained for lack of anchors, <0 internal failure (err). */
int sc__tsa_verify(const uint8_t *token, size_t len, const uint8_t *data, size_t data_len,
                   const sc_trust *trust, int64_t *gen, char *why, size_t whylen, sc_err *err);

struct sc_tsa {
    const sc_key *key;              /* borrowed */
    uint8_t *cert;                  /* the TSA certificate, DER */
    size_t cert_len;
    sc_span chain[SC_TSA_MAX_CHAIN];   /* each its own malloc'd copy */
    size_t nchain;
    uint8_t *policy;                /* the policy OID, whole TLV */
    size_t policy_len;
    uint8_t *signing_cert;          /* SigningCertificateV2 attribute value, DER */
    size_t signing_cert_len;
    int64_t not_before, not_after;  /* the TSA certificate's validity, seconds */
    unsigned accuracy[3];           /* seconds, millis, micros */
    sc_tsa_serial_fn serial;
    void *serial_ctx;
    uint8_t prefix[8];              /* random, drawn by sc_tsa_new (no callback) */
    _Atomic uint64_t counter;
    unsigned flags;
};

/* What one token time-stamps, beyond the TSA's own settings. Spans are borrowed. */
typedef struct sc__tsa_job {
    sc_span imprint;     /* MessageImprint, whole TLV, copied into TSTInfo as it came */
    sc_span nonce;       /* INTEGER TLV to echo; p NULL: none */
    int cert_req;        /* put the TSA certificate and chain into the token */
    int64_t now_ms;      /* genTime, resolved (not 0) */
} sc__tsa_job;

/* 0 if the TSA may stamp at now_ms (inside its certificate's validity, or the flag
 * SC_TSA_UNCHECKED_TIME), else SC_EINVAL with a reason a person can act on in err. */
int sc__tsa_time_ok(const sc_tsa *tsa, int64_t now_ms, sc_err *err);

/* now_ms, or the system clock (milliseconds) when it is 0; SC_EINVAL when negative. */
int sc__tsa_now(int64_t now_ms, int64_t *out, sc_err *err);

/* Make the TimeStampToken of job: TSTInfo, then SignedData over it (pkcs7/).
 * @param[out] token   new buffer, free()
 * @param serial_hex   the serial written, hex, NUL-terminated; may be NULL
 * @return 0, SC_EINVAL, SC_ENOMEM, SC_ECRYPTO, or the key's or serial callback's code */
int sc__tsa_token(sc_tsa *tsa, const sc__tsa_job *job, uint8_t **token, size_t *token_len,
                  char serial_hex[2 * SC_TSA_SERIAL_MAX + 1], sc_err *err);

#endif

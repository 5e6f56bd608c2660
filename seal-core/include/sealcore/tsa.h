/* sealcore/tsa.h: an RFC 3161 time-stamping authority issuing SM2/SM3 tokens (GB/T 20520).
 *
 * OpenSSL 3.0's TS API cannot sign with SM2 (spec/pki-profile.md §4), so tokens are built by
 * hand: TimeStampToken = ContentInfo signedData (PKCS #7 OIDs, which RFC 3161 clients expect)
 * over TSTInfo v1, digest SM3, signature SM2-with-SM3 (ID 1234567812345678), signed attributes
 * contentType, messageDigest and signingCertificateV2 (ESSCertIDv2: SM3 of the TSA
 * certificate, issuer and serial). The verifying side is sc_verify_*'s `timestamp` check.
 *
 * Threads: sc_tsa_respond, sc_tsa_stamp and sc_tsa_ses_stamp may run concurrently on one
 * sc_tsa (the serial counter is atomic, sc_key signing is thread-safe); a serial callback is
 * then called concurrently too. sc_tsa_new and sc_tsa_free are not concurrent with anything. */
#ifndef SEALCORE_TSA_H
#define SEALCORE_TSA_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/key.h"

typedef struct sc_tsa sc_tsa;   /* opaque */

#define SC_TSA_SERIAL_MAX 20          /* octets of a serial number: RFC 3161 allows 160 bits */
#define SC_TSA_MAX_REQUEST (16 * 1024)   /* a TimeStampReq, bytes */

/* The hash a message imprint was made with; SM3 and SHA-2 only (MD5, SHA-1: badAlg). */
typedef enum sc_tsa_md {
    SC_TSA_SM3 = 1,      /* 1.2.156.10197.1.401, 32 bytes */
    SC_TSA_SHA256 = 2    /* 2.16.840.1.101.3.4.2.1, 32 bytes */
} sc_tsa_md;

/* The next serial number: the big-endian magnitude of a positive integer, 1..SC_TSA_SERIAL_MAX
 * octets into out, *len set. It must never repeat, not even across restarts (a database
 * sequence, say). A non-zero return fails the stamping with that code and err. */
typedef int (*sc_tsa_serial_fn)(void *ctx, uint8_t out[SC_TSA_SERIAL_MAX], size_t *len,
                                sc_err *err);

enum {
    SC_TSA_UNCHECKED_TIME = 1   /* stamp outside the TSA certificate's validity: for making
                                   test vectors only */
};

typedef struct sc_tsa_params {
    const char *policy;             /* the TSA policy OID, dotted ("1.2.156…"); required */
    const uint8_t *const *chain;    /* DER certificates sent after the TSA's (its CAs), when */
    const size_t *chain_lens;       /* a request asks for certificates; copied */
    size_t chain_count;             /* at most 8 */
    sc_tsa_serial_fn serial;        /* NULL: 64 random bits drawn by sc_tsa_new followed by a */
    void *serial_ctx;               /* 64-bit counter from 1 (a restart draws a new prefix) */
    unsigned accuracy_s;            /* TSTInfo.accuracy; all three 0: no accuracy field */
    unsigned accuracy_ms;           /* 0..999 */
    unsigned accuracy_us;           /* 0..999 */
    unsigned flags;                 /* SC_TSA_* */
} sc_tsa_params;

/** Make a time-stamping authority.
 *  @param key   the TSA's SM2 key; borrowed: it must outlive the sc_tsa
 *  @param cert  the TSA certificate (DER), carrying key's public key, with extended key usage
 *               timeStamping only, marked critical (RFC 3161 §2.3); copied
 *  @param p     policy, chain, serial source, accuracy; copied (the serial_ctx pointer kept)
 *  @param[out] out  new TSA, free with sc_tsa_free(); NULL on failure
 *  @return 0, SC_EINVAL (a missing or malformed argument, a certificate that does not match
 *          key or is not a time-stamping certificate: err says which), SC_ELIMIT (chain too
 *          long or too large for a token), SC_ECRYPTO (no random prefix), SC_ENOMEM */
SC_API int sc_tsa_new(sc_tsa **out, const sc_key *key, const uint8_t *cert, size_t cert_len,
                      const sc_tsa_params *p, sc_err *err);
SC_API void sc_tsa_free(sc_tsa *tsa);   /* NULL is a no-op; does not free the key */

/* PKIFailureInfo bits (RFC 3161 §2.4.2) a rejection carries. */
enum {
    SC_TSA_FAIL_BAD_ALG = 0,                /* imprint hash not SM3 or SHA-2 */
    SC_TSA_FAIL_BAD_DATA_FORMAT = 5,        /* a field of the request is malformed */
    SC_TSA_FAIL_UNACCEPTED_POLICY = 15,     /* reqPolicy is not this TSA's policy */
    SC_TSA_FAIL_UNACCEPTED_EXTENSION = 16,  /* the request carries an extension */
    SC_TSA_FAIL_SYSTEM_FAILURE = 25         /* the TSA certificate is not valid now */
};

/* What sc_tsa_respond answered, for logs, metrics and audit. */
typedef struct sc_tsa_outcome {
    int status;          /* PKIStatus: 0 granted, 2 rejection */
    int fail_info;       /* SC_TSA_FAIL_*, -1 when granted */
    char reason[256];    /* the statusString sent with a rejection; "" when granted */
    char serial[2 * SC_TSA_SERIAL_MAX + 1];   /* granted: the token's serial, hex; else "" */
    int64_t gen_time_ms; /* granted: genTime, milliseconds since 1970 UTC */
} sc_tsa_outcome;

/** Answer a DER TimeStampReq (RFC 3161 §2.4.1) with a DER TimeStampResp: status granted and a
 *  token, or status rejection with a failInfo and a statusString saying why. A request that
 *  is one DER element but whose contents are wrong gets a rejection (badDataFormat,
 *  unacceptedPolicy, badAlg, unacceptedExtension: every extension is refused, as §2.4.1
 *  requires of unrecognised ones), not an error. The token carries the TSA certificate and
 *  chain only when certReq is true; the nonce is echoed.
 *  @param now_ms   genTime, milliseconds since 1970 UTC (written with its fraction of a
 *                  second, trailing zeros dropped); 0 = the system clock
 *  @param[out] resp  new buffer, free(); NULL on failure
 *  @param outcome  may be NULL; filled when 0 is returned
 *  @return 0 (granted or rejected), SC_EFORMAT (not one DER element: no answer is possible),
 *          SC_ELIMIT (over SC_TSA_MAX_REQUEST bytes), SC_EINVAL (arguments), SC_ENOMEM,
 *          SC_ECRYPTO or the key backend's or the serial callback's code */
SC_API int sc_tsa_respond(sc_tsa *tsa, const uint8_t *req, size_t req_len, int64_t now_ms,
                          uint8_t **resp, size_t *resp_len, sc_tsa_outcome *outcome,
                          sc_err *err);

/** A token over imprint for in-process use (the server's own signatures): as a granted answer
 *  to a request with certReq true, no nonce and no policy asked for.
 *  @param imprint   the hash of the time-stamped data, 32 bytes for SM3 and SHA-256; borrowed
 *  @param now_ms    as sc_tsa_respond
 *  @param[out] token  new DER TimeStampToken, free(); NULL on failure
 *  @return 0, SC_EINVAL (imprint length, md, time outside the TSA certificate's validity),
 *          SC_ENOMEM, SC_ECRYPTO or the key backend's or the serial callback's code */
SC_API int sc_tsa_stamp(sc_tsa *tsa, const uint8_t *imprint, size_t imprint_len, sc_tsa_md md,
                        int64_t now_ms, uint8_t **token, size_t *token_len, sc_err *err);

/** An sc_ses_tsa_fn (sealcore/ses.h): pass it as sc_ses_sign_params.tsa (or sc_ofd_sign's) with
 *  the sc_tsa as tsa_ctx; stamps SM3(value), the signature value, at the system clock, so the
 *  verifier's `timestamp` check can validate it. @return as sc_tsa_stamp */
SC_API int sc_tsa_ses_stamp(void *tsa, const uint8_t *value, size_t value_len, uint8_t **token,
                            size_t *token_len, sc_err *err);

#endif

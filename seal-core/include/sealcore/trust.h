/* sealcore/trust.h: the trust anchors a verification is measured against, and certificate
 * helpers for reports.
 *
 * Anchors are root (or intermediate, with partial chains allowed) CA certificates the
 * verifier's operator chose; nothing else is trusted. Intermediates given separately only
 * help build chains. Fill the store first, then share it: verification from several threads
 * at once is safe (chain results are cached internally under a lock). */
#ifndef SEALCORE_TRUST_H
#define SEALCORE_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"

#define SC_TRUST_MAX_CERTS 256   /* certificates in one store */

typedef struct sc_trust sc_trust;

/** @return 0 or SC_ENOMEM; free with sc_trust_free(). */
SC_API int sc_trust_new(sc_trust **out, sc_err *err);
SC_API void sc_trust_free(sc_trust *trust);   /* NULL is a no-op */

/** Add every certificate in buf (PEM, one or more; or one DER certificate).
 *  @param anchor  1: trust anchors; 0: untrusted intermediates for chain building
 *  @return 0, SC_EFORMAT (no certificate in buf, or a damaged one), SC_ELIMIT, SC_ENOMEM.
 *  Not thread-safe: finish adding before verifying. */
SC_API int sc_trust_add(sc_trust *trust, const uint8_t *buf, size_t len, int anchor,
                        sc_err *err);

/** Number of trust anchors added. */
SC_API size_t sc_trust_anchor_count(const sc_trust *trust);

/** Describe a DER certificate for people: subject CN (or whole DN), UTF-8, into buf.
 *  @return 0 or SC_EFORMAT. */
SC_API int sc_cert_subject(const uint8_t *der, size_t len, char *buf, size_t buflen,
                           sc_err *err);

/** Does the DER certificate's signature verify with the public key of the DER certificate
 *  issuer (SM2 with the GM distinguishing ID, as the issuer signed it)? Validity, extensions
 *  and chains are not looked at (sc_verify_* do that); for checking what another CA returned.
 *  @return 0 yes; SC_ECRYPTO no (err says so); SC_EFORMAT either is unreadable; SC_ENOMEM */
SC_API int sc_cert_signed_by(const uint8_t *der, size_t len, const uint8_t *issuer,
                             size_t issuer_len, sc_err *err);

#endif

/* crypto_int.h: SM2-with-SM3 sign and verify with the GM distinguishing ID, for every module.
 * One place sets the ID, so no caller can forget it (spec/pki-profile.md §4). */
#ifndef SC_CRYPTO_INT_H
#define SC_CRYPTO_INT_H

#include <openssl/err.h>
#include <openssl/evp.h>

#include "sc_int.h"

/* Sign the whole message (SM3 and Z are applied inside); *sig is a new DER SM2Signature. */
int sc__sm2_sign(EVP_PKEY *pkey, const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len,
                 sc_err *err);

/* A signing operation started once for pkey, the GM ID's Z already hashed into it, that
 * sc__sm2_sign_from copies for each signature instead of starting one (OpenSSL fetches,
 * sets the ID and hashes Z on every start: ~10 us a signature). The copy only reads it, so
 * threads may sign from one template at once. NULL when it cannot be made (then sign with
 * sc__sm2_sign). Clears OpenSSL's error queue. Free with EVP_MD_CTX_free. */
EVP_MD_CTX *sc__sm2_sign_template(EVP_PKEY *pkey);
/* As sc__sm2_sign, from a template of pkey. */
int sc__sm2_sign_from(const EVP_MD_CTX *tmpl, EVP_PKEY *pkey, const uint8_t *msg, size_t len,
                      uint8_t **sig, size_t *sig_len, sc_err *err);

/* 1 valid, 0 invalid (err says why), <0 on other failure. sig may be DER SM2Signature
 * (also with unpadded INTEGERs) or raw 64-byte r‖s, as vendors write them (ses-asn1.md §4).
 * Non-SM2 keys (RSA, ECDSA) are verified with the digest md (SM3 when NULL). */
int sc__sig_verify(EVP_PKEY *pkey, const EVP_MD *md, const uint8_t *msg, size_t len,
                   const uint8_t *sig, size_t sig_len, sc_err *err);

/* Canonical DER SM2Signature from any accepted encoding, into a new *out. */
int sc__sm2_sig_normalize(const uint8_t *sig, size_t len, uint8_t **out, size_t *out_len,
                          sc_err *err);

#endif

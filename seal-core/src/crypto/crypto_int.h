/* crypto_int.h: SM2-with-SM3 sign and verify with the GM distinguishing ID, for every module.
 * One place sets the ID, so no caller can forget it (spec/pki-profile.md §4). */
#ifndef SC_CRYPTO_INT_H
#define SC_CRYPTO_INT_H

#include <pthread.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "sc_int.h"

/* Sign the whole message (SM3 and Z are applied inside); *sig is a new DER SM2Signature. */
int sc__sm2_sign(EVP_PKEY *pkey, const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len,
                 sc_err *err);

/* A key's SM2 signer (sm2_signer.c): Z_A as an SM3 state, and (1 + d)^-1 mod n, computed
 * once, so that a signature is an SM3 continued from Z_A, [k]G and a few products mod n.
 * Read only once made: threads may sign with one at once. NULL when pkey is not an SM2
 * private key or on failure (then sign with sc__sm2_sign); clears OpenSSL's error queue. */
typedef struct sc_sm2_signer sc_sm2_signer;
sc_sm2_signer *sc__sm2_signer_new(EVP_PKEY *pkey);
void sc__sm2_signer_free(sc_sm2_signer *s);   /* clears the secrets; NULL is a no-op */
/* SM3 after Z_A: copy it (or a state continued from it, crypto/mid.c) and feed the message. */
const EVP_MD_CTX *sc__sm2_signer_z(const sc_sm2_signer *s);
/* Finalise mctx (Z_A and the message absorbed) into e and sign it: *sig a new DER
 * SM2Signature. k_fixed: NULL, or the nonce of a known-answer test (never in production). */
int sc__sm2_signer_sign(const sc_sm2_signer *s, EVP_MD_CTX *mctx, const BIGNUM *k_fixed,
                        uint8_t **sig, size_t *sig_len, sc_err *err);

/* Digest states kept after a prefix (mid.c): a message that starts with a kept prefix hashes
 * only what follows it. A prefix is a head and a body; with body_fixed, every call passes
 * the same body (bytes its owner keeps unchanged for the cache's life) and only the head is
 * compared, so only the head is copied, and more prefixes are kept. Thread-safe; the least
 * recently used state is replaced. */
#define SC_MID_SLOTS 4          /* prefixes kept whole (a key's: TBS_Sign heads) */
#define SC_MID_SLOTS_FIXED 16   /* heads kept before a fixed body (a seal's: SES_Signature
                                   headers vary with value, propertyInfo and token lengths) */
#define SC_MID_MAX_KEPT (64 * 1024)   /* prefixes with more bytes to compare are not kept:
                                         a key keeps at most 4 x 64 KB */
typedef struct sc_mid_slot {
    uint8_t *key;       /* the head, then the body unless fixed: compared on every lookup */
    size_t head_len, body_len;
    EVP_MD_CTX *ctx;
    unsigned long used; /* the cache's clock at its last use */
} sc_mid_slot;
typedef struct sc_mid {
    pthread_mutex_t mu;
    sc_mid_slot slot[SC_MID_SLOTS_FIXED];
    int nslots;
    int body_fixed;
    unsigned long clock;
    unsigned long hits; /* starts from a kept state (read by tests and benchmarks) */
} sc_mid;
/* Cannot fail: a default mutex needs no resources on Linux. */
void sc__mid_init(sc_mid *m, int body_fixed);
void sc__mid_free(sc_mid *m);   /* the kept states; NULL is a no-op */
/* A new context in base's state after absorbing head and body (base: a started digest or
 * DigestSign operation, only read; NULL: plain SM3), to be fed the rest of the message and
 * finalised by the caller. NULL on failure: SC_ENOMEM or SC_ECRYPTO in *why. */
EVP_MD_CTX *sc__mid_start(sc_mid *m, const EVP_MD_CTX *base, const uint8_t *head, size_t hl,
                          const uint8_t *body, size_t bl, int *why);

/* 1 valid, 0 invalid (err says why), <0 on other failure. sig may be DER SM2Signature
 * (also with unpadded INTEGERs) or raw 64-byte r‖s, as vendors write them (ses-asn1.md §4).
 * Non-SM2 keys (RSA, ECDSA) are verified with the digest md (SM3 when NULL). */
int sc__sig_verify(EVP_PKEY *pkey, const EVP_MD *md, const uint8_t *msg, size_t len,
                   const uint8_t *sig, size_t sig_len, sc_err *err);

/* Canonical DER SM2Signature from any accepted encoding, into a new *out. */
int sc__sm2_sig_normalize(const uint8_t *sig, size_t len, uint8_t **out, size_t *out_len,
                          sc_err *err);

#endif

/* sealcore/key.h: an opaque signing key behind one small interface.
 *
 * Callers only ever sign with a key and ask for its public half; where the private scalar
 * lives is the backend's business. The software backend (encrypted PKCS#8) ships now; an
 * HSM (PKCS#11) or SDF (GM/T 0018) backend implements sc_key_ops and is handed to
 * sc_key_new(), and no caller changes. Signing with one key from several threads at once is
 * allowed: backends must make sign() thread-safe. */
#ifndef SEALCORE_KEY_H
#define SEALCORE_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"

typedef struct sc_key sc_key;

/* What a backend provides. impl is the backend's own state, freed by free(). */
typedef struct sc_key_ops {
    const char *name;   /* "soft", "pkcs11", … (static string) */
    /* SM2-with-SM3 signature, SM2 ID 1234567812345678, over the whole message msg (the
     * backend computes Z and e itself). Writes DER SM2Signature into a new malloc'd *sig. */
    int (*sign)(void *impl, const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len,
                sc_err *err);
    /* DER SubjectPublicKeyInfo into a new malloc'd *spki. */
    int (*public_spki)(void *impl, uint8_t **spki, size_t *spki_len, sc_err *err);
    void (*free)(void *impl);
} sc_key_ops;

/** Wrap a backend. Takes ownership of impl (ops->free is called by sc_key_free and on
 *  failure). ops must outlive the key. @return 0 or SC_ENOMEM. */
SC_API int sc_key_new(sc_key **out, const sc_key_ops *ops, void *impl, sc_err *err);
SC_API void sc_key_free(sc_key *key);   /* NULL is a no-op; wipes the backend's secrets */

/** Load an encrypted PKCS#8 private key (PEM "ENCRYPTED PRIVATE KEY" or DER), software
 *  backend. Unencrypted keys are refused: keys are encrypted at rest.
 *  @param pass, pass_len  the password; copied only for the call, the caller wipes its copy
 *  @return 0, SC_EPASSWORD (wrong password or damaged file), SC_EFORMAT (not an encrypted
 *          PKCS#8 key), SC_EUNSUPPORTED (not SM2), SC_ENOMEM. */
SC_API int sc_key_soft_load(sc_key **out, const uint8_t *data, size_t len, const char *pass,
                            size_t pass_len, sc_err *err);

/** Generate a new SM2 key in the software backend. @return 0, SC_ECRYPTO or SC_ENOMEM. */
SC_API int sc_key_soft_generate(sc_key **out, sc_err *err);

/** Export a software key as encrypted PKCS#8 PEM (PBES2, AES-256-CBC, PBKDF2-SHA256).
 *  *pem is new, NUL-terminated, the caller frees it. @return 0, SC_EUNSUPPORTED (not a
 *  software key), SC_EINVAL (empty password), SC_ECRYPTO. */
SC_API int sc_key_soft_export(const sc_key *key, const char *pass, size_t pass_len, char **pem,
                              size_t *pem_len, sc_err *err);

/** Sign msg (SM2-with-SM3, ID 1234567812345678). *sig is a new DER SM2Signature the caller
 *  frees with free(). @return 0 or the backend's code. */
SC_API int sc_key_sign(const sc_key *key, const uint8_t *msg, size_t len, uint8_t **sig,
                       size_t *sig_len, sc_err *err);

/** 0 if the certificate (DER) carries this key's public key, SC_EINVAL if it carries
 *  another, SC_EFORMAT if cert is not a certificate. */
SC_API int sc_key_matches_cert(const sc_key *key, const uint8_t *cert, size_t cert_len,
                               sc_err *err);

/** Sign a fixed probe with the key and verify it with the key's public key: proves the
 *  private half works (health checks, start-up). @return 0, SC_ECRYPTO (the signature does
 *  not verify: err says so) or the backend's code. */
SC_API int sc_key_selftest(const sc_key *key, sc_err *err);

/** The backend's name ("soft", …). Borrowed, static. */
SC_API const char *sc_key_backend(const sc_key *key);

#endif

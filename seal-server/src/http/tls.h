/* tls.h: the server's TLS material and how it is put on CivetWeb's SSL_CTX (ss_tls_*).
 *
 * Everything is read and checked before the server starts, so a wrong password or a key that
 * does not match the certificate is a clear start-up error rather than CivetWeb's "SSL
 * callback returned error". The policy applied to the SSL_CTX: TLS 1.2 or 1.3 only, the
 * configured TLS 1.2 cipher list (forward secret AEAD by default), no renegotiation, no
 * compression, and client certificates requested but optional, verified against the
 * configured client CA when sent (an unverifiable one fails the handshake). */
#ifndef SS_TLS_H
#define SS_TLS_H

#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "config.h"
#include "sealcore/error.h"

#define SS_TLS_PASSWORD_MAX 1024
#define SS_TLS_PEM_MAX (256 * 1024)
#define SS_TLS_VERIFY_DEPTH 4

typedef struct ss_tls ss_tls;   /* opaque; immutable once loaded */

/** Load tls.cert (leaf, then chain), tls.key (encrypted PKCS#8 or legacy encrypted PEM; an
 *  unencrypted key is refused) with the first line of tls.key_password_file, and tls.client_ca
 *  when set. @param[out] out  free with ss_tls_free()
 *  @return 0, SC_EIO (a file unreadable), SC_EFORMAT (not PEM, key not encrypted, no
 *          certificate), SC_EPASSWORD, SC_EINVAL (key does not match the certificate),
 *          SC_ELIMIT, SC_ENOMEM; err names the config key and file */
int ss_tls_load(ss_tls **out, const ss_config *cfg, sc_err *err);
void ss_tls_free(ss_tls *t);    /* NULL is a no-op; wipes the key */

/** Apply the material and the policy above to ctx (CivetWeb's, from its init_ssl callback).
 *  May be called from any thread; t is only read. @return 0, SC_ECRYPTO */
int ss_tls_configure(const ss_tls *t, SSL_CTX *ctx, sc_err *err);

/** The server certificate's notAfter (UTC seconds), for /healthz. */
int64_t ss_tls_cert_not_after(const ss_tls *t);
/** 1 if client certificates are requested (tls.client_ca set). */
int ss_tls_client_certs(const ss_tls *t);

#endif

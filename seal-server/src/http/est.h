/* est.h: an EST client (RFC 7030 simpleenroll) for seal_ca.est: an external CA issues the
 * unit signer certificates (ss_est_*). The unit key never leaves the service: only a PKCS#10
 * request signed with it goes out (sc_cert_request); the service checks what comes back
 * (svc_cert.c). One libcurl handle, kept alive, used under a mutex: approvals are rare. */
#ifndef SS_EST_H
#define SS_EST_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sealcore/cert.h"
#include "sealcore/error.h"
#include "sealcore/key.h"

#define SS_EST_MAX_ANSWER (256u * 1024)   /* a certs-only PKCS#7: a few KiB in practice */
#define SS_EST_TIMEOUT 60                 /* seconds for one enrolment */

typedef struct ss_est ss_est;

/** @param key_pass  decrypts cfg->client_key (libcurl keeps its own copy); may be NULL
 *  @return 0, SC_EINVAL (libcurl refused an option: err says which), SC_ENOMEM */
int ss_est_new(ss_est **out, const ss_config_est *cfg, const char *key_pass, sc_err *err);
void ss_est_free(ss_est *e);   /* NULL is a no-op */

/** An ss_svc_cert_fn (service.h), ctx an ss_est: POST <url>/simpleenroll with a request for
 *  key and p's subject; the certificate among the answer's that carries p->spki.
 *  @return 0, SC_EIO (connection, TLS, HTTP status, 202 pending: err says which), SC_EFORMAT
 *          (the answer is no certs-only PKCS#7 or holds no certificate for the key),
 *          sc_cert_request's codes, SC_ENOMEM */
int ss_est_issue(void *ctx, const sc_key *key, const sc_cert_issue_params *p, uint8_t **cert,
                 size_t *cert_len, sc_err *err);

#endif

/* auth.h: who is calling, and may they call this route (ss_auth_*).
 *
 * The decision only: the credential comes in as strings and bytes (the Authorization header,
 * the TLS client certificate's subject and SHA-256), the API client comes from a lookup the
 * caller provides (server.c wires the store's ss_store_client_by_token_hash /
 * ss_store_client_by_cert; tests wire fakes). No HTTP, no TLS, no database here.
 *
 * Rules, in order:
 *  1. An Authorization header is the credential when present (even with a client
 *     certificate): it must be "Bearer TOKEN" with a token of the store's form, and the token's
 *     SHA-256 must belong to an enabled client. Anything else is 401.
 *  2. Else a client certificate (already verified by TLS against the configured CA) must map
 *     to an enabled client by fingerprint or subject; an unregistered one is 401.
 *  3. Else, with no credential: allowed as the role "verifier" when the route admits verifiers
 *     and anonymous_verify is on, or when the route needs no role; otherwise 401.
 *  4. An identified client whose roles share no bit with the route's is 403.
 * A token never appears in a result, a message or a log line. */
#ifndef SS_AUTH_H
#define SS_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "sealcore/error.h"
#include "store.h"

/* How the client was identified. */
enum ss_auth_method { SS_AUTH_NONE = 0, SS_AUTH_ANONYMOUS, SS_AUTH_BEARER, SS_AUTH_CERT };

/* Where API clients are found. Both functions follow store.h's contracts (0, SC_ENOTFOUND,
 * SS_EDISABLED with out filled, SS_EBUSY, SC_EIO …) and may run in many threads at once. */
typedef struct ss_auth_lookup {
    void *ctx;
    int (*by_token_hash)(void *ctx, const uint8_t hash[32], ss_client *out, sc_err *err);
    int (*by_cert)(void *ctx, const char *subject, const uint8_t sha256[32], ss_client *out,
                   sc_err *err);
} ss_auth_lookup;

typedef struct ss_auth_input {
    const char *authorization;   /* the header's value; NULL when absent */
    const char *cert_subject;    /* RFC 2253 (ss_auth_cert_identity); NULL: no certificate */
    const uint8_t *cert_sha256;  /* 32 bytes; NULL: no certificate */
} ss_auth_input;

#define SS_AUTH_MSG_MAX 320

typedef struct ss_auth_result {
    int status;                  /* 0 allowed; 401, 403, 500 or 503 (lookup failed) */
    const char *error;           /* NULL when allowed; else "unauthorized", "forbidden",
                                    "internal" or "unavailable" (static) */
    char message[SS_AUTH_MSG_MAX];   /* for the caller: what to fix; never the token */
    char detail[SC_ERR_MSG_MAX];     /* for the server log only (e.g. the store's error) */
    const char *www_authenticate;    /* with 401: the WWW-Authenticate value (static) */
    int method;                  /* enum ss_auth_method */
    int64_t client_id;           /* 0 when anonymous or unknown */
    char client_name[SS_NAME_MAX + 1];   /* "" when anonymous or unknown */
    uint32_t roles;              /* the client's SS_ROLE_* bits; SS_ROLE_VERIFIER when
                                    anonymous */
} ss_auth_result;

/** Decide. Fills res completely in every case (a refusal is a result, not an error).
 *  @param allowed_roles     the route's SS_ROLE_* bits; 0: no credential needed
 *  @param anonymous_verify  the config switch
 *  @return 0; SC_EINVAL when lk, in or res is NULL (res then says 500) */
int ss_auth_decide(const ss_auth_lookup *lk, const ss_auth_input *in, uint32_t allowed_roles,
                   int anonymous_verify, ss_auth_result *res);

/** The identity of a client certificate as the store keys it: the subject as
 *  X509_NAME_print_ex(XN_FLAG_RFC2253) writes it, and the SHA-256 of the DER: the store's
 *  ss_cert_identity() (client registration computes it there too).
 *  @param subject, n  receives the subject, NUL-terminated; n >= SS_SUBJECT_MAX + 1
 *  @return 0, SC_ELIMIT (subject longer than n - 1), SC_ECRYPTO, SC_ENOMEM */
int ss_auth_cert_identity(X509 *cert, char *subject, size_t n, uint8_t sha256[32],
                          sc_err *err);

/** "admin, auditor" for a role mask, into buf (always NUL-terminated). @return buf */
char *ss_auth_roles_str(uint32_t roles, char *buf, size_t n);

#endif

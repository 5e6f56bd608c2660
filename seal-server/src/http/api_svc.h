/* api_svc.h: the service the API handlers call, built at start from the config's service keys
 * (ss_api_svc_*): the seal CA, seal maker, status signer and TSA pairs, each key decrypted
 * with key_password_file and checked against its certificate, and ss_svc over the store.
 *
 * Built once by main before the server starts; immutable afterwards except through ss_svc,
 * which is thread-safe. Without seal_ca/seal_maker in the config there is no service and the
 * API endpoints answer 503 unavailable. */
#ifndef SS_API_SVC_H
#define SS_API_SVC_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sealcore/error.h"
#include "sealcore/key.h"
#include "store.h"

struct ss_svc;
struct json_t;
struct sc_tsa;
struct ss_est;
struct sc_trust;

typedef struct ss_api_svc {
    struct ss_svc *svc;                            /* NULL without the service keys */
    sc_key *key[SS_CONFIG_PAIR_COUNT];             /* NULL when that pair is absent */
    uint8_t *cert[SS_CONFIG_PAIR_COUNT];           /* DER */
    size_t cert_len[SS_CONFIG_PAIR_COUNT];
    struct sc_tsa *tsa;                            /* NULL without the tsa pair and policy */
    struct ss_est *est;                            /* seal_ca.est: the external CA; or NULL */
    struct sc_trust *trust;                        /* POST /api/v1/verify: trust_anchors, or
                                                      the seal CA; never NULL, may be empty */
} ss_api_svc;

/** Load the pairs and make the service, and the verifier's trust anchors (trust_anchors:
 *  every file must read as certificates, with or without the service). store is borrowed
 *  and must outlive *out.
 *  @return 0 (also when the config has no service: out->svc NULL), SC_EIO, SC_EPASSWORD,
 *          SC_EFORMAT, SC_EINVAL (a key not matching its certificate), SC_ENOMEM; err names
 *          the file */
int ss_api_svc_new(ss_api_svc **out, const ss_config *cfg, ss_store *store, sc_err *err);
void ss_api_svc_free(ss_api_svc *a);   /* NULL is a no-op */

/** /healthz: one member per configured pair in out ({"ok", "cert_days_left", "error"}): its
 *  key signs a probe that its public key verifies, and its certificate has not expired.
 *  a may be NULL (no service: nothing added). why (n bytes) gets the first failure when it is
 *  still empty. @return 1 all good, 0 some pair failed, -1 out of memory */
int ss_api_svc_check_keys(const ss_api_svc *a, int64_t now, struct json_t *out, char *why,
                          size_t n);

/** /metrics: the service's counters (signatures, refusals, replays, group commits, key cache)
 *  and signatures and refusals per seal, in Prometheus text format 0.0.4. *out is new (free();
 *  NULL with *len 0 when a or its service is NULL). @return 0 or SC_ENOMEM */
int ss_api_svc_metrics(const ss_api_svc *a, char **out, size_t *len);

#endif

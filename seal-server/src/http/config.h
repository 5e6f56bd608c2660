/* config.h: the seal-server configuration file (JSON), read once at start (ss_config_*).
 *
 * Every key is checked here: an unknown key, a wrong type or a value out of range fails with a
 * message naming the key ("timeouts_ms.idle: expected an integer in 0..3600000, got a
 * string"), so a typo never silently becomes a default. seal-server/README.md documents the
 * keys; relative paths are taken relative to the directory holding the file.
 *
 * The handle is immutable after ss_config_load(); every getter may be called from any thread.
 * Strings from getters are borrowed: valid until ss_config_free(). */
#ifndef SS_CONFIG_H
#define SS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"

/* Upper bounds for the values a config may set. */
#define SS_CONFIG_FILE_MAX (1024 * 1024)
#define SS_CONFIG_THREADS_MAX 1024
#define SS_CONFIG_TIMEOUT_MAX_MS 3600000
#define SS_CONFIG_BODY_MAX ((size_t)1 << 30)   /* 1 GiB: per-endpoint body limit */
#define SS_CONFIG_NEXT_UPDATE_MAX_S (7 * 86400)
#define SS_CONFIG_NEXT_UPDATE_DEFAULT_S 3600
#define SS_CONFIG_LIST_MAX_LICENSES_DEFAULT 100000
#define SS_CONFIG_IDEM_RETENTION_DEFAULT_S 86400
#define SS_CONFIG_IDEM_RETENTION_MAX_S (366 * 86400)
#define SS_CONFIG_REGION_DEFAULT "000000"
#define SS_CONFIG_TRUST_FILES_MAX 32             /* files in trust_anchors */

/* The service's SM2 key pairs: config blocks {"cert": PEM, "key": encrypted PKCS#8 PEM}. */
enum { SS_CONFIG_SEAL_CA = 0, SS_CONFIG_SEAL_MAKER, SS_CONFIG_STATUS_SIGNER, SS_CONFIG_TSA,
       SS_CONFIG_PAIR_COUNT };

typedef struct ss_config ss_config;   /* opaque */

/* What a node is; the same binary serves both. */
enum ss_config_role { SS_CONFIG_PROVINCE = 1, SS_CONFIG_MUNICIPAL = 2 };

/** Read and check a config file.
 *  @param[out] out  new config, free with ss_config_free(); NULL on failure
 *  @param path      the JSON file; copied
 *  @return 0; SC_EIO (unreadable), SC_ELIMIT (over SS_CONFIG_FILE_MAX), SC_EFORMAT (not JSON,
 *          unknown key, wrong type), SC_EINVAL (value out of range, plain_http on anything but
 *          127.0.0.1, missing required key), SC_ENOMEM; err says which key */
int ss_config_load(ss_config **out, const char *path, sc_err *err);

/** Same from a JSON text already in memory; base_dir resolves relative paths ("." if NULL).
 *  name is used in messages only (e.g. the file name). */
int ss_config_parse(ss_config **out, const char *json, size_t len, const char *base_dir,
                    const char *name, sc_err *err);

void ss_config_free(ss_config *cfg);   /* NULL is a no-op */

int ss_config_role(const ss_config *cfg);                 /* enum ss_config_role */
const char *ss_config_role_name(const ss_config *cfg);    /* "province" / "municipal" */
const char *ss_config_listen_host(const ss_config *cfg);  /* dotted IPv4, e.g. "127.0.0.1" */
unsigned ss_config_listen_port(const ss_config *cfg);     /* 1..65535 */
int ss_config_plain_http(const ss_config *cfg);           /* 1: no TLS (127.0.0.1 only) */

/* TLS (NULL when plain_http). client_ca NULL: client certificates are not requested. */
const char *ss_config_tls_cert(const ss_config *cfg);
const char *ss_config_tls_key(const ss_config *cfg);
const char *ss_config_tls_key_password_file(const ss_config *cfg);
const char *ss_config_tls_client_ca(const ss_config *cfg);
const char *ss_config_tls_ciphers(const ss_config *cfg);  /* TLS 1.2 list; never NULL */

unsigned ss_config_threads(const ss_config *cfg);
unsigned ss_config_request_timeout_ms(const ss_config *cfg);
unsigned ss_config_idle_timeout_ms(const ss_config *cfg);     /* 0: no keep-alive */
unsigned ss_config_shutdown_timeout_ms(const ss_config *cfg);
const char *ss_config_store_path(const ss_config *cfg);
int ss_config_anonymous_verify(const ss_config *cfg);
int ss_config_test_routes(const ss_config *cfg);          /* test-only routes; never in prod */

/* Per-endpoint body limits from "max_body_bytes": keys are routes as "METHOD /pattern". */
size_t ss_config_max_body_count(const ss_config *cfg);
/** The i-th entry (i < count): its route key (borrowed) and limit. */
const char *ss_config_max_body_entry(const ss_config *cfg, size_t i, size_t *limit);

/* The service (README.md "Service keys"). Each pair's paths, NULL when its block is absent. */
const char *ss_config_pair_cert(const ss_config *cfg, int which);   /* SS_CONFIG_SEAL_CA, … */
const char *ss_config_pair_key(const ss_config *cfg, int which);
/* seal_ca.est: the external CA that issues signer certificates (EST, RFC 7030); paths are
 * resolved like every other, NULL when absent. */
typedef struct ss_config_est {
    char *url;                    /* https://…/.well-known/est (simpleenroll is appended) */
    char *tls_ca;                 /* the EST server's TLS CA; NULL: the system's */
    char *client_cert, *client_key;   /* mTLS identity; NULL: none */
} ss_config_est;
/** seal_ca's external CA, or NULL when seal_ca has its own key (or no block). */
const ss_config_est *ss_config_seal_ca_est(const ss_config *cfg);
/** The pair's config key ("seal_ca", "seal_maker", "status_signer", "tsa"); static. */
const char *ss_config_pair_name(int which);
/** Decrypts the pairs' keys (first line); NULL when absent. */
const char *ss_config_key_password_file(const ss_config *cfg);
/** Encrypts unit keys at rest; defaults to key_password_file. */
const char *ss_config_unit_key_password_file(const ss_config *cfg);
const char *ss_config_region_code(const ss_config *cfg);   /* 6 digits; default "000000" */
unsigned ss_config_status_next_update_s(const ss_config *cfg);
/* status_list_max_licenses: licences one status list may hold (default 100,000). */
uint64_t ss_config_status_list_max_licenses(const ss_config *cfg);
/* idempotency_retention_s: how long a signing answer is kept for a retry with its
 * Idempotency-Key (default a day; 0: for ever). */
unsigned ss_config_idem_retention_s(const ss_config *cfg);
/** The TSA policy OID (dotted) for POST /tsa; NULL: not configured (POST /tsa answers 503). */
const char *ss_config_tsa_policy(const ss_config *cfg);
/* Licences (spec/license-file.md): the verification URL their 2-D code carries
 * ("<url>?id=<ZZBS>") and their 管辖属地 ZZSSGXSD (6 digits); NULL when not configured (the
 * code then carries the identifier alone; a request may name its area_code). */
const char *ss_config_license_verify_url(const ss_config *cfg);
const char *ss_config_license_area_code(const ss_config *cfg);
/* POST /api/v1/verify's trust anchors ("trust_anchors": files of PEM or DER certificates).
 * count 0: the key is absent, and the seal CA (seal_ca.cert) is the anchor. */
size_t ss_config_trust_anchor_count(const ss_config *cfg);
/** The i-th file (i < count; NULL otherwise), resolved like every path. */
const char *ss_config_trust_anchor(const ss_config *cfg, size_t i);

/** 1 when seal_ca and seal_maker are configured: the server builds the service. */
int ss_config_has_service(const ss_config *cfg);

#endif

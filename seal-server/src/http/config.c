/* config.c: reads and checks the seal-server JSON configuration (config.h).
 * Not here: what the values do (server.c, main.c). Keys are documented in seal-server/README.md;
 * each check below names the key so an operator can fix the file without reading code. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

/* Mozilla "intermediate" TLS 1.2 suites: forward secret AEAD only. TLS 1.3 suites are
 * OpenSSL's defaults (all AEAD). */
#define DEFAULT_CIPHERS                                                                        \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"                                \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"                                \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

#define MAX_BODY_ROUTES 64
#define ROUTE_KEY_MAX 128
#define CIPHERS_MAX 1024

struct body_limit {
    char *route;
    size_t limit;
};

struct ss_config {
    int role;
    char host[INET_ADDRSTRLEN];
    unsigned port;
    int plain_http;
    char *tls_cert, *tls_key, *tls_key_password_file, *tls_client_ca, *tls_ciphers;
    unsigned threads;
    unsigned request_timeout_ms, idle_timeout_ms, shutdown_timeout_ms;
    char *store_path;
    int anonymous_verify;
    int test_routes;
    /* The service's PKI (README.md "Service keys"); NULL when absent. */
    char *pair_cert[SS_CONFIG_PAIR_COUNT], *pair_key[SS_CONFIG_PAIR_COUNT];
    ss_config_est est;            /* seal_ca.est: an external CA; url NULL when absent */
    char *key_password_file, *unit_key_password_file;
    char region_code[8];
    char *tsa_policy;
    char *lic_verify_url;      /* license_verify_url, or NULL */
    char lic_area_code[8];     /* license_area_code, or "" */
    unsigned status_next_update_s;
    unsigned idem_retention_s;
    uint64_t status_list_max_licenses;
    char *trust[SS_CONFIG_TRUST_FILES_MAX];   /* trust_anchors; ntrust 0: absent */
    size_t ntrust;
    struct body_limit body[MAX_BODY_ROUTES];
    size_t nbody;
};

/* Where we are, for messages: the file's name and the key being read. */
struct ctx {
    const char *name;
    const char *base_dir;
    sc_err *err;
};

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "an unknown JSON type";
}

static int bad(struct ctx *c, int code, const char *key, const char *fmt, ...)
    SC_PRINTF(4, 5);
static int bad(struct ctx *c, int code, const char *key, const char *fmt, ...)
{
    char what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sc_err_set(c->err, code, "config %s: \"%s\": %s", c->name, key, what);
}

/* Every key of obj must be in allowed (NULL-terminated): a typo must not become a default. */
static int check_keys(struct ctx *c, const json_t *obj, const char *prefix,
                      const char *const *allowed)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        size_t i;
        char full[192];

        for (i = 0; allowed[i] != NULL && strcmp(allowed[i], key) != 0; i++)
            ;
        if (allowed[i] != NULL)
            continue;
        snprintf(full, sizeof(full), "%s%s", prefix, key);
        return bad(c, SC_EFORMAT, full, "unknown key (see seal-server/README.md)");
    }
    return 0;
}

static int get_bool(struct ctx *c, const json_t *obj, const char *key, const char *full,
                    int *out)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL)
        return 0;           /* keep the default */
    if (!json_is_boolean(v))
        return bad(c, SC_EFORMAT, full, "expected true or false, got %s", type_name(v));
    *out = json_is_true(v);
    return 0;
}

static int get_uint(struct ctx *c, const json_t *obj, const char *key, const char *full,
                    unsigned long long min, unsigned long long max, unsigned long long *out)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL)
        return 0;
    if (!json_is_integer(v))
        return bad(c, SC_EFORMAT, full, "expected an integer in %llu..%llu, got %s", min, max,
                   type_name(v));
    if (json_integer_value(v) < 0 || (unsigned long long)json_integer_value(v) < min ||
        (unsigned long long)json_integer_value(v) > max)
        return bad(c, SC_EINVAL, full, "%lld is not in %llu..%llu",
                   (long long)json_integer_value(v), min, max);
    *out = (unsigned long long)json_integer_value(v);
    return 0;
}

static int get_str(struct ctx *c, const json_t *obj, const char *key, const char *full,
                   const char **out)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL)
        return 0;
    if (!json_is_string(v))
        return bad(c, SC_EFORMAT, full, "expected a string, got %s", type_name(v));
    if (json_string_length(v) == 0 || strlen(json_string_value(v)) != json_string_length(v))
        return bad(c, SC_EINVAL, full, "must be a non-empty string without NUL");
    *out = json_string_value(v);
    return 0;
}

/* A file path: relative ones are taken from the config file's directory, so a config and
 * its certificates can move together. */
static int resolve_path(struct ctx *c, const char *s, char **out)
{
    size_t n = strlen(c->base_dir) + 1 + strlen(s) + 1;

    if ((*out = malloc(n)) == NULL)
        return sc_err_set(c->err, SC_ENOMEM, "config: out of memory");
    if (s[0] == '/')
        snprintf(*out, n, "%s", s);
    else
        snprintf(*out, n, "%s/%s", c->base_dir, s);
    return 0;
}

static int get_path(struct ctx *c, const json_t *obj, const char *key, const char *full,
                    char **out)
{
    const char *s = NULL;
    int rc;

    if ((rc = get_str(c, obj, key, full, &s)) != 0 || s == NULL)
        return rc;
    return resolve_path(c, s, out);
}

static int need(struct ctx *c, const void *have, const char *full, const char *why)
{
    if (have != NULL)
        return 0;
    return bad(c, SC_EINVAL, full, "required%s", why);
}

/* "A.B.C.D:PORT". IPv4 only: CivetWeb is built without IPv6, and an exact address is what
 * the plain_http loopback rule compares. */
static int parse_listen(struct ctx *c, ss_config *cfg, const char *s)
{
    const char *colon = strrchr(s, ':');
    struct in_addr a;
    char *end;
    unsigned long port;
    size_t hl;

    if (colon == NULL || colon == s || colon[1] == '\0')
        return bad(c, SC_EINVAL, "listen", "\"%s\" is not ADDRESS:PORT (e.g. 0.0.0.0:8443)",
                   s);
    hl = (size_t)(colon - s);
    if (hl >= sizeof(cfg->host))
        return bad(c, SC_EINVAL, "listen", "\"%s\": address is not a dotted IPv4 address", s);
    memcpy(cfg->host, s, hl);
    cfg->host[hl] = '\0';
    if (inet_pton(AF_INET, cfg->host, &a) != 1)
        return bad(c, SC_EINVAL, "listen", "\"%s\": address is not a dotted IPv4 address", s);
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || port == 0 || port > 65535 || colon[1] == '-' ||
        colon[1] == '+')
        return bad(c, SC_EINVAL, "listen", "\"%s\": port is not in 1..65535", s);
    cfg->port = (unsigned)port;
    return 0;
}

static int parse_tls(struct ctx *c, ss_config *cfg, const json_t *tls)
{
    static const char *const keys[] = { "cert", "key", "key_password_file", "client_ca",
                                        "ciphers", NULL };
    const char *ciphers = DEFAULT_CIPHERS;
    int rc;

    if (!json_is_object(tls))
        return bad(c, SC_EFORMAT, "tls", "expected an object, got %s", type_name(tls));
    if ((rc = check_keys(c, tls, "tls.", keys)) != 0 ||
        (rc = get_path(c, tls, "cert", "tls.cert", &cfg->tls_cert)) != 0 ||
        (rc = get_path(c, tls, "key", "tls.key", &cfg->tls_key)) != 0 ||
        (rc = get_path(c, tls, "key_password_file", "tls.key_password_file",
                       &cfg->tls_key_password_file)) != 0 ||
        (rc = get_path(c, tls, "client_ca", "tls.client_ca", &cfg->tls_client_ca)) != 0 ||
        (rc = get_str(c, tls, "ciphers", "tls.ciphers", &ciphers)) != 0)
        return rc;
    if ((rc = need(c, cfg->tls_cert, "tls.cert", " (PEM: the server certificate, then its "
                   "chain)")) != 0 ||
        (rc = need(c, cfg->tls_key, "tls.key", " (encrypted PKCS#8 PEM)")) != 0 ||
        (rc = need(c, cfg->tls_key_password_file, "tls.key_password_file",
                   " (keys are encrypted at rest; first line is the password)")) != 0)
        return rc;
    if (strlen(ciphers) > CIPHERS_MAX)
        return bad(c, SC_ELIMIT, "tls.ciphers", "longer than %d characters", CIPHERS_MAX);
    if ((cfg->tls_ciphers = strdup(ciphers)) == NULL)
        return sc_err_set(c->err, SC_ENOMEM, "config: out of memory");
    return 0;
}

static int parse_timeouts(struct ctx *c, ss_config *cfg, const json_t *t)
{
    static const char *const keys[] = { "request", "idle", "shutdown", NULL };
    unsigned long long req = cfg->request_timeout_ms, idle = cfg->idle_timeout_ms,
                       shut = cfg->shutdown_timeout_ms;
    int rc;

    if (!json_is_object(t))
        return bad(c, SC_EFORMAT, "timeouts_ms", "expected an object, got %s", type_name(t));
    if ((rc = check_keys(c, t, "timeouts_ms.", keys)) != 0 ||
        (rc = get_uint(c, t, "request", "timeouts_ms.request", 100, SS_CONFIG_TIMEOUT_MAX_MS,
                       &req)) != 0 ||
        (rc = get_uint(c, t, "idle", "timeouts_ms.idle", 0, SS_CONFIG_TIMEOUT_MAX_MS,
                       &idle)) != 0 ||
        (rc = get_uint(c, t, "shutdown", "timeouts_ms.shutdown", 0, SS_CONFIG_TIMEOUT_MAX_MS,
                       &shut)) != 0)
        return rc;
    cfg->request_timeout_ms = (unsigned)req;
    cfg->idle_timeout_ms = (unsigned)idle;
    cfg->shutdown_timeout_ms = (unsigned)shut;
    return 0;
}

/* Keys are routes ("POST /api/v1/sign/ofd"); server.c checks each names a real route. Here
 * only the shape: METHOD, one space, a path. */
static int parse_body_limits(struct ctx *c, ss_config *cfg, const json_t *obj)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return bad(c, SC_EFORMAT, "max_body_bytes", "expected an object, got %s",
                   type_name(obj));
    json_object_foreach((json_t *)obj, key, v) {
        char full[ROUTE_KEY_MAX + 32];
        const char *sp = strchr(key, ' ');
        unsigned long long lim = 0;
        int rc;

        snprintf(full, sizeof(full), "max_body_bytes.%s", key);
        if (strlen(key) > ROUTE_KEY_MAX || sp == NULL || sp == key || sp[1] != '/')
            return bad(c, SC_EINVAL, full, "key must be \"METHOD /path\" as listed in "
                       "seal-server/README.md");
        if (cfg->nbody == MAX_BODY_ROUTES)
            return bad(c, SC_ELIMIT, "max_body_bytes", "more than %d entries", MAX_BODY_ROUTES);
        if ((rc = get_uint(c, obj, key, full, 0, SS_CONFIG_BODY_MAX, &lim)) != 0)
            return rc;
        if ((cfg->body[cfg->nbody].route = strdup(key)) == NULL)
            return sc_err_set(c->err, SC_ENOMEM, "config: out of memory");
        cfg->body[cfg->nbody++].limit = (size_t)lim;
    }
    return 0;
}

/* "trust_anchors": ["root-ca.pem", …], paths as every other. An empty list would trust
 * nothing and make every verification fail: refused, so that leaving the key out (the seal
 * CA) is the only way to a default. */
static int parse_trust(struct ctx *c, ss_config *cfg, const json_t *arr)
{
    size_t i;
    json_t *v;

    if (!json_is_array(arr))
        return bad(c, SC_EFORMAT, "trust_anchors", "expected an array of file names, got %s",
                   type_name(arr));
    if (json_array_size(arr) == 0 || json_array_size(arr) > SS_CONFIG_TRUST_FILES_MAX)
        return bad(c, SC_EINVAL, "trust_anchors", "%zu files: give 1..%d (leave the key out "
                   "to trust the seal CA)", json_array_size(arr), SS_CONFIG_TRUST_FILES_MAX);
    json_array_foreach(arr, i, v) {
        char full[48];
        int rc;

        snprintf(full, sizeof(full), "trust_anchors[%zu]", i);
        if (!json_is_string(v))
            return bad(c, SC_EFORMAT, full, "expected a file name, got %s", type_name(v));
        if (json_string_length(v) == 0 ||
            strlen(json_string_value(v)) != json_string_length(v))
            return bad(c, SC_EINVAL, full, "must be a non-empty string without NUL");
        if ((rc = resolve_path(c, json_string_value(v), &cfg->trust[i])) != 0)
            return rc;
        cfg->ntrust = i + 1;
    }
    return 0;
}

static const char *const pair_names[SS_CONFIG_PAIR_COUNT] = { "seal_ca", "seal_maker",
                                                               "status_signer", "tsa" };

/* "seal_ca": {"cert": …, "est": {"url": "https://…/.well-known/est", "tls_ca": PEM,
 * "client_cert": PEM, "client_key": encrypted PKCS#8 PEM}}: the external CA of cert issues
 * the signer certificates over EST (RFC 7030 simpleenroll); https only, client_cert and
 * client_key together (the key decrypts with key_password_file). */
static int parse_est(struct ctx *c, ss_config *cfg, const json_t *o)
{
    static const char *const keys[] = { "url", "tls_ca", "client_cert", "client_key", NULL };
    ss_config_est *e = &cfg->est;
    const char *url = NULL;
    int rc;

    if (!json_is_object(o))
        return bad(c, SC_EFORMAT, "seal_ca.est", "expected an object, got %s", type_name(o));
    if ((rc = check_keys(c, o, "seal_ca.est.", keys)) != 0 ||
        (rc = get_str(c, o, "url", "seal_ca.est.url", &url)) != 0 ||
        (rc = need(c, url, "seal_ca.est.url", " (https://host/.well-known/est)")) != 0 ||
        (rc = get_path(c, o, "tls_ca", "seal_ca.est.tls_ca", &e->tls_ca)) != 0 ||
        (rc = get_path(c, o, "client_cert", "seal_ca.est.client_cert", &e->client_cert)) != 0 ||
        (rc = get_path(c, o, "client_key", "seal_ca.est.client_key", &e->client_key)) != 0)
        return rc;
    if (strncmp(url, "https://", 8) != 0 || strlen(url) > 2048 || strpbrk(url, " \r\n") != NULL)
        return bad(c, SC_EINVAL, "seal_ca.est.url", "\"%.64s\": an https:// URL (the CA "
                   "certifies keys: never over plain HTTP)", url);
    if ((e->client_cert == NULL) != (e->client_key == NULL))
        return bad(c, SC_EINVAL, "seal_ca.est", "client_cert and client_key go together");
    if ((e->url = strdup(url)) == NULL)
        return sc_err_set(c->err, SC_ENOMEM, "config: out of memory");
    return 0;
}

/* "seal_ca": {"cert": PEM, "key": encrypted PKCS#8 PEM}, both required when the block is;
 * seal_ca alone may give "est" instead of "key" (parse_est). */
static int parse_pair(struct ctx *c, ss_config *cfg, const json_t *root, int i)
{
    static const char *const keys[] = { "cert", "key", NULL };
    static const char *const ca_keys[] = { "cert", "key", "est", NULL };
    const json_t *o = json_object_get(root, pair_names[i]);
    char prefix[40], kc[48], kk[48];
    int rc;

    if (o == NULL)
        return 0;
    if (!json_is_object(o))
        return bad(c, SC_EFORMAT, pair_names[i], "expected an object, got %s", type_name(o));
    snprintf(prefix, sizeof(prefix), "%s.", pair_names[i]);
    snprintf(kc, sizeof(kc), "%scert", prefix);
    snprintf(kk, sizeof(kk), "%skey", prefix);
    if ((rc = check_keys(c, o, prefix, i == SS_CONFIG_SEAL_CA ? ca_keys : keys)) != 0 ||
        (rc = get_path(c, o, "cert", kc, &cfg->pair_cert[i])) != 0 ||
        (rc = get_path(c, o, "key", kk, &cfg->pair_key[i])) != 0 ||
        (rc = need(c, cfg->pair_cert[i], kc, " (PEM certificate)")) != 0)
        return rc;
    if (i == SS_CONFIG_SEAL_CA && json_object_get(o, "est") != NULL) {
        if (cfg->pair_key[i] != NULL)
            return bad(c, SC_EINVAL, "seal_ca", "give key (the province's own CA) or est (an "
                       "external CA), not both");
        return parse_est(c, cfg, json_object_get(o, "est"));
    }
    return need(c, cfg->pair_key[i], kk, " (encrypted PKCS#8 PEM)");
}

/* license_verify_url (the licences' 2-D code: "<url>?id=<ZZBS>") and license_area_code
 * (their ZZSSGXSD): spec/license-file.md §2, §4. */
static int parse_license(struct ctx *c, ss_config *cfg, const json_t *root)
{
    const char *url = NULL, *area = NULL;
    int rc;

    if ((rc = get_str(c, root, "license_verify_url", "license_verify_url", &url)) != 0 ||
        (rc = get_str(c, root, "license_area_code", "license_area_code", &area)) != 0)
        return rc;
    if (url != NULL) {
        size_t n = strlen(url);
        if ((strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) || n > 512 ||
            strcspn(url, " \t\r\n\"<>") != n)
            return bad(c, SC_EINVAL, "license_verify_url", "expected an http(s) URL of at "
                       "most 512 characters without spaces");
        if ((cfg->lic_verify_url = strdup(url)) == NULL)
            return sc_err_set(c->err, SC_ENOMEM, "config: out of memory");
    }
    if (area != NULL) {
        if (strlen(area) != 6 || strspn(area, "0123456789") != 6)
            return bad(c, SC_EINVAL, "license_area_code", "\"%.16s\" is not 6 digits "
                       "(GB/T 2260)", area);
        memcpy(cfg->lic_area_code, area, 7);
    }
    return 0;
}

static int parse_service(struct ctx *c, ss_config *cfg, const json_t *root)
{
    const char *region = NULL, *policy = NULL;
    unsigned long long next = cfg->status_next_update_s, max_lic = cfg->status_list_max_licenses;
    unsigned long long idem = cfg->idem_retention_s;
    int rc;

    for (int i = 0; i < SS_CONFIG_PAIR_COUNT; i++)
        if ((rc = parse_pair(c, cfg, root, i)) != 0)
            return rc;
    if ((rc = get_path(c, root, "key_password_file", "key_password_file",
                       &cfg->key_password_file)) != 0 ||
        (rc = get_path(c, root, "unit_key_password_file", "unit_key_password_file",
                       &cfg->unit_key_password_file)) != 0 ||
        (rc = get_str(c, root, "region_code", "region_code", &region)) != 0 ||
        (rc = get_str(c, root, "tsa_policy", "tsa_policy", &policy)) != 0 ||
        (rc = get_uint(c, root, "status_next_update_s", "status_next_update_s", 60,
                       SS_CONFIG_NEXT_UPDATE_MAX_S, &next)) != 0 ||
        (rc = get_uint(c, root, "status_list_max_licenses", "status_list_max_licenses", 0,
                       10000000, &max_lic)) != 0 ||
        (rc = get_uint(c, root, "idempotency_retention_s", "idempotency_retention_s", 0,
                       SS_CONFIG_IDEM_RETENTION_MAX_S, &idem)) != 0 ||
        (rc = parse_license(c, cfg, root)) != 0)
        return rc;
    cfg->status_next_update_s = (unsigned)next;
    cfg->status_list_max_licenses = max_lic;
    cfg->idem_retention_s = (unsigned)idem;
    if (policy != NULL) {
        if (strlen(policy) > 128 || strspn(policy, "0123456789.") != strlen(policy) ||
            strchr(policy, '.') == NULL)
            return bad(c, SC_EINVAL, "tsa_policy", "expected a dotted OID (\"1.2.156.…\")");
        if ((cfg->tsa_policy = strdup(policy)) == NULL)
            return sc_err_set(c->err, SC_ENOMEM, "config: out of memory");
    }
    if (region != NULL) {
        if (strlen(region) != 6 || strspn(region, "0123456789") != 6)
            return bad(c, SC_EINVAL, "region_code", "\"%.16s\" is not 6 digits (GB/T 2260)",
                       region);
        memcpy(cfg->region_code, region, 7);
    }
    if (cfg->pair_cert[SS_CONFIG_SEAL_CA] != NULL || cfg->pair_cert[SS_CONFIG_SEAL_MAKER] != NULL) {
        if ((rc = need(c, cfg->pair_cert[SS_CONFIG_SEAL_CA], "seal_ca",
                       " (with seal_maker: the service needs both)")) != 0 ||
            (rc = need(c, cfg->pair_cert[SS_CONFIG_SEAL_MAKER], "seal_maker",
                       " (with seal_ca: the service needs both)")) != 0 ||
            (rc = need(c, cfg->key_password_file, "key_password_file",
                       " (decrypts the service keys; first line is the password)")) != 0)
            return rc;
    }
    return 0;
}

static int parse_root(struct ctx *c, ss_config *cfg, const json_t *root)
{
    static const char *const keys[] = { "role", "listen", "plain_http", "tls", "threads",
                                        "timeouts_ms", "max_body_bytes", "store",
                                        "anonymous_verify", "test_routes", "seal_ca",
                                        "seal_maker", "status_signer", "tsa",
                                        "key_password_file", "unit_key_password_file",
                                        "region_code", "status_next_update_s", "tsa_policy",
                                        "status_list_max_licenses",
                                        "idempotency_retention_s", "trust_anchors", "license_verify_url",
                                        "license_area_code", NULL };
    const char *role = NULL, *listen = NULL;
    const json_t *tls, *v;
    unsigned long long threads = cfg->threads;
    int rc;

    if (!json_is_object(root))
        return sc_err_set(c->err, SC_EFORMAT, "config %s: expected a JSON object, got %s",
                          c->name, type_name(root));
    if ((rc = check_keys(c, root, "", keys)) != 0 ||
        (rc = get_str(c, root, "role", "role", &role)) != 0 ||
        (rc = get_str(c, root, "listen", "listen", &listen)) != 0 ||
        (rc = get_bool(c, root, "plain_http", "plain_http", &cfg->plain_http)) != 0 ||
        (rc = get_uint(c, root, "threads", "threads", 1, SS_CONFIG_THREADS_MAX,
                       &threads)) != 0 ||
        (rc = get_path(c, root, "store", "store", &cfg->store_path)) != 0 ||
        (rc = get_bool(c, root, "anonymous_verify", "anonymous_verify",
                       &cfg->anonymous_verify)) != 0 ||
        (rc = get_bool(c, root, "test_routes", "test_routes", &cfg->test_routes)) != 0)
        return rc;
    cfg->threads = (unsigned)threads;
    if ((rc = need(c, role, "role", " (\"province\" or \"municipal\")")) != 0 ||
        (rc = need(c, listen, "listen", " (ADDRESS:PORT, e.g. \"0.0.0.0:8443\")")) != 0 ||
        (rc = need(c, cfg->store_path, "store", " (the SQLite file)")) != 0)
        return rc;
    if (strcmp(role, "province") == 0)
        cfg->role = SS_CONFIG_PROVINCE;
    else if (strcmp(role, "municipal") == 0)
        cfg->role = SS_CONFIG_MUNICIPAL;
    else
        return bad(c, SC_EINVAL, "role", "\"%.64s\" is not \"province\" or \"municipal\"",
                   role);
    if ((rc = parse_listen(c, cfg, listen)) != 0 || (rc = parse_service(c, cfg, root)) != 0)
        return rc;
    if ((v = json_object_get(root, "timeouts_ms")) != NULL &&
        (rc = parse_timeouts(c, cfg, v)) != 0)
        return rc;
    if ((v = json_object_get(root, "max_body_bytes")) != NULL &&
        (rc = parse_body_limits(c, cfg, v)) != 0)
        return rc;
    if ((v = json_object_get(root, "trust_anchors")) != NULL &&
        (rc = parse_trust(c, cfg, v)) != 0)
        return rc;

    tls = json_object_get(root, "tls");
    if (cfg->plain_http) {
        /* Plain HTTP exposes tokens to anyone on the path: only for a local reverse proxy or
         * a test, and only when the operator says so on the loopback address. */
        if (strcmp(cfg->host, "127.0.0.1") != 0)
            return sc_err_set(c->err, SC_EINVAL, "config %s: \"plain_http\": true is allowed "
                              "only with \"listen\" on 127.0.0.1, not %s (use \"tls\" for any "
                              "other address)", c->name, cfg->host);
        if (tls != NULL)
            return bad(c, SC_EINVAL, "tls", "must be absent when plain_http is true (it would "
                       "be ignored)");
        return 0;
    }
    if (tls == NULL)
        return bad(c, SC_EINVAL, "tls", "required unless \"plain_http\": true on 127.0.0.1 "
                   "(cert, key, key_password_file)");
    return parse_tls(c, cfg, tls);
}

int ss_config_parse(ss_config **out, const char *json, size_t len, const char *base_dir,
                    const char *name, sc_err *err)
{
    struct ctx c = { name != NULL ? name : "(text)", base_dir != NULL ? base_dir : ".", err };
    ss_config *cfg = NULL;
    json_t *root = NULL;
    json_error_t jerr;
    int rc;

    *out = NULL;
    if (len > SS_CONFIG_FILE_MAX) {
        rc = sc_err_set(err, SC_ELIMIT, "config %s: larger than %d bytes", c.name,
                        SS_CONFIG_FILE_MAX);
        goto out;
    }
    /* Duplicate keys are refused: which of two "listen" values wins is not a question an
     * operator should have to ask. */
    if ((root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
        rc = sc_err_set(err, SC_EFORMAT, "config %s: line %d column %d: %s", c.name,
                        jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "config: out of memory");
        goto out;
    }
    cfg->threads = 32;   /* CivetWeb holds one worker per keep-alive connection */
    cfg->status_next_update_s = SS_CONFIG_NEXT_UPDATE_DEFAULT_S;
    cfg->status_list_max_licenses = SS_CONFIG_LIST_MAX_LICENSES_DEFAULT;
    cfg->idem_retention_s = SS_CONFIG_IDEM_RETENTION_DEFAULT_S;
    memcpy(cfg->region_code, SS_CONFIG_REGION_DEFAULT, sizeof(SS_CONFIG_REGION_DEFAULT));
    cfg->request_timeout_ms = 30000;
    cfg->idle_timeout_ms = 5000;
    cfg->shutdown_timeout_ms = 30000;
    if ((rc = parse_root(&c, cfg, root)) != 0)
        goto out;
    *out = cfg;
    cfg = NULL;
out:
    ss_config_free(cfg);
    json_decref(root);
    return rc;
}

int ss_config_load(ss_config **out, const char *path, sc_err *err)
{
    FILE *f = NULL;
    char *buf = NULL, *dir = NULL, *slash;
    size_t len = 0;
    int rc;

    *out = NULL;
    if ((f = fopen(path, "rb")) == NULL) {
        rc = sc_err_set(err, SC_EIO, "config %s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if ((buf = malloc(SS_CONFIG_FILE_MAX + 1)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "config: out of memory");
        goto out;
    }
    len = fread(buf, 1, SS_CONFIG_FILE_MAX + 1, f);
    if (ferror(f)) {
        rc = sc_err_set(err, SC_EIO, "config %s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    if ((dir = strdup(path)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "config: out of memory");
        goto out;
    }
    if ((slash = strrchr(dir, '/')) == NULL)
        snprintf(dir, strlen(dir) + 1, ".");
    else if (slash == dir)
        slash[1] = '\0';              /* "/cfg.json": the root directory */
    else
        *slash = '\0';
    rc = ss_config_parse(out, buf, len, dir, path, err);
out:
    if (f != NULL)
        fclose(f);
    free(buf);
    free(dir);
    return rc;
}

void ss_config_free(ss_config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->tls_cert);
    free(cfg->tls_key);
    free(cfg->tls_key_password_file);
    free(cfg->tls_client_ca);
    free(cfg->tls_ciphers);
    free(cfg->store_path);
    for (int i = 0; i < SS_CONFIG_PAIR_COUNT; i++) {
        free(cfg->pair_cert[i]);
        free(cfg->pair_key[i]);
    }
    free(cfg->est.url);
    free(cfg->est.tls_ca);
    free(cfg->est.client_cert);
    free(cfg->est.client_key);
    free(cfg->key_password_file);
    free(cfg->unit_key_password_file);
    free(cfg->tsa_policy);
    free(cfg->lic_verify_url);
    for (size_t i = 0; i < cfg->nbody; i++)
        free(cfg->body[i].route);
    for (size_t i = 0; i < cfg->ntrust; i++)
        free(cfg->trust[i]);
    free(cfg);
}

int ss_config_role(const ss_config *cfg) { return cfg->role; }
const char *ss_config_role_name(const ss_config *cfg)
{
    return cfg->role == SS_CONFIG_PROVINCE ? "province" : "municipal";
}
const char *ss_config_listen_host(const ss_config *cfg) { return cfg->host; }
unsigned ss_config_listen_port(const ss_config *cfg) { return cfg->port; }
int ss_config_plain_http(const ss_config *cfg) { return cfg->plain_http; }
const char *ss_config_tls_cert(const ss_config *cfg) { return cfg->tls_cert; }
const char *ss_config_tls_key(const ss_config *cfg) { return cfg->tls_key; }
const char *ss_config_tls_key_password_file(const ss_config *cfg)
{
    return cfg->tls_key_password_file;
}
const char *ss_config_tls_client_ca(const ss_config *cfg) { return cfg->tls_client_ca; }
const char *ss_config_tls_ciphers(const ss_config *cfg)
{
    return cfg->tls_ciphers != NULL ? cfg->tls_ciphers : DEFAULT_CIPHERS;
}
unsigned ss_config_threads(const ss_config *cfg) { return cfg->threads; }
unsigned ss_config_request_timeout_ms(const ss_config *cfg) { return cfg->request_timeout_ms; }
unsigned ss_config_idle_timeout_ms(const ss_config *cfg) { return cfg->idle_timeout_ms; }
unsigned ss_config_shutdown_timeout_ms(const ss_config *cfg)
{
    return cfg->shutdown_timeout_ms;
}
const char *ss_config_store_path(const ss_config *cfg) { return cfg->store_path; }
int ss_config_anonymous_verify(const ss_config *cfg) { return cfg->anonymous_verify; }
int ss_config_test_routes(const ss_config *cfg) { return cfg->test_routes; }
size_t ss_config_max_body_count(const ss_config *cfg) { return cfg->nbody; }
const char *ss_config_max_body_entry(const ss_config *cfg, size_t i, size_t *limit)
{
    if (i >= cfg->nbody)
        return NULL;
    if (limit != NULL)
        *limit = cfg->body[i].limit;
    return cfg->body[i].route;
}

const ss_config_est *ss_config_seal_ca_est(const ss_config *cfg)
{
    return cfg->est.url != NULL ? &cfg->est : NULL;
}

const char *ss_config_pair_name(int which)
{
    return which >= 0 && which < SS_CONFIG_PAIR_COUNT ? pair_names[which] : NULL;
}

const char *ss_config_pair_cert(const ss_config *cfg, int which)
{
    return which >= 0 && which < SS_CONFIG_PAIR_COUNT ? cfg->pair_cert[which] : NULL;
}
const char *ss_config_pair_key(const ss_config *cfg, int which)
{
    return which >= 0 && which < SS_CONFIG_PAIR_COUNT ? cfg->pair_key[which] : NULL;
}
const char *ss_config_key_password_file(const ss_config *cfg) { return cfg->key_password_file; }
const char *ss_config_unit_key_password_file(const ss_config *cfg)
{
    return cfg->unit_key_password_file != NULL ? cfg->unit_key_password_file
                                               : cfg->key_password_file;
}
const char *ss_config_region_code(const ss_config *cfg) { return cfg->region_code; }
uint64_t ss_config_status_list_max_licenses(const ss_config *cfg)
{
    return cfg->status_list_max_licenses;
}

unsigned ss_config_idem_retention_s(const ss_config *cfg)
{
    return cfg->idem_retention_s;
}

unsigned ss_config_status_next_update_s(const ss_config *cfg)
{
    return cfg->status_next_update_s;
}
int ss_config_has_service(const ss_config *cfg)
{
    return cfg->pair_cert[SS_CONFIG_SEAL_CA] != NULL &&
           cfg->pair_cert[SS_CONFIG_SEAL_MAKER] != NULL;
}
const char *ss_config_tsa_policy(const ss_config *cfg) { return cfg->tsa_policy; }
const char *ss_config_license_verify_url(const ss_config *cfg) { return cfg->lic_verify_url; }
const char *ss_config_license_area_code(const ss_config *cfg)
{
    return cfg->lic_area_code[0] != '\0' ? cfg->lic_area_code : NULL;
}
size_t ss_config_trust_anchor_count(const ss_config *cfg) { return cfg->ntrust; }
const char *ss_config_trust_anchor(const ss_config *cfg, size_t i)
{
    return i < cfg->ntrust ? cfg->trust[i] : NULL;
}

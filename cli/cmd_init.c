/* cmd_init.c: sealctl init — prepares a province in DIR: the PKI (certs-dev/make-dev-pki, or
 * given certificates), seal-server.json, the store with its first administrator (a bearer
 * token and the admin TLS client certificate) and the "province.init" audit record.
 * Not here: the server (seal-server/), the store's rules (store.h), what the config keys mean
 * (seal-server/README.md).
 *
 * Atomic: everything is built in a staging directory (init_stage.c) and checked the way the
 * server will read it — its own config parser, TLS loader and client-certificate identity
 * (seal-server/src/http/config.c, tls.c, auth.c) are linked in — before anything is moved into
 * place. Termination signals are held while we work, so Ctrl-C cleans up before the process
 * ends (with the signal's status). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "audit.h"
#include "auth.h"
#include "config.h"
#include "init_stage.h"
#include "sealcore/key.h"
#include "sealctl.h"
#include "store.h"
#include "tls.h"
#include "tool.h"

#define PROG INIT_PROG
#define DEFAULT_LISTEN "127.0.0.1:8443"
#define DEFAULT_ADMIN "admin"
#define CONFIG_NAME INIT_CONFIG
#define STORE_NAME INIT_STORE
#define TOKEN_NAME INIT_TOKEN
#define PKI_NAME INIT_PKI

/* The service layer's SM2 pairs: config key, file stem in the PKI. Each key must decrypt with
 * the password file and match its certificate. config.c refuses unknown keys, so the service
 * keys (these, key_password_file, region_code) are written as one set only when the server's own
 * parser (linked in) accepts them; a server without them gets a config without the seal API. */
static const struct svc_pair {
    const char *key, *stem;
} svc_pairs[] = {
    { "seal_ca", "seal-ca" },
    { "seal_maker", "seal-maker" },
    { "status_signer", "status-signer" },
    { "tsa", "tsa" },
};
#define NPAIRS (sizeof(svc_pairs) / sizeof(svc_pairs[0]))

typedef struct init_ctx {
    const char *dir;            /* as given, trailing slashes removed */
    const char *listen, *admin_name, *pki_arg, *pass_arg, *cert_arg, *region, *tsa_policy;
    char minted_policy[48];     /* 2.25.<UUID as an integer>: see mint_policy() */
    int force;
    int service;                /* the config carries the service keys */
    char *pki;                  /* the PKI directory as the config names it */
    char *pass_file;            /* the key password file as the config names it */
    char *admin_cert;           /* the admin client certificate to register; NULL: none */
    init_stage stage;           /* where the province is built */
    int dir_exists;
    char *config;               /* the JSON text */
    char token[SS_TOKEN_BUF];
    int64_t admin_id;
    char subject[SS_SUBJECT_MAX + 1];
    uint8_t sha256[32];
} init_ctx;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sealctl init --dir DIR [--pki PKIDIR [--key-pass-file F]]\n"
            "         [--listen ADDR:PORT] [--region-code NNNNNN] [--admin-name NAME]\n"
            "         [--admin-cert PEM] [--tsa-policy OID] [--force]\n"
            "\n"
            "Prepares a province in DIR (created 0700): a development PKI in DIR/pki made by\n"
            "certs-dev/make-dev-pki (or the certificates in PKIDIR), DIR/" CONFIG_NAME " for\n"
            "seal-server (TLS; the seal CA, seal maker, status signer and TSA keys), the\n"
            "store DIR/" STORE_NAME " and its first API client, role admin:\n"
            "a bearer token (printed once, also in DIR/" TOKEN_NAME ", 0600) and the client\n"
            "certificate PKIDIR/tls-client.pem (subject and SHA-256). Then:\n"
            "  seal-server --config DIR/" CONFIG_NAME "\n"
            "\n"
            "  --pki PKIDIR      use existing certificates, named as make-dev-pki names them\n"
            "                    (tls-server, tls-ca, seal-ca, seal-maker, status-signer, tsa);\n"
            "                    each key must decrypt with the password file and match its\n"
            "                    certificate\n"
            "  --key-pass-file   the keys' password file (default PKIDIR/key-password)\n"
            "  --listen          the server's address (default " DEFAULT_LISTEN ")\n"
            "  --region-code     the province's GB/T 2260 code, the prefix of its esIDs\n"
            "                    (default: the server's)\n"
            "  --admin-name      the administrator's client name (default " DEFAULT_ADMIN ")\n"
            "  --admin-cert      register this client certificate instead of tls-client.pem\n"
            "  --tsa-policy      the TSA's policy OID (default: a new 2.25.<uuid> OID, which\n"
            "                    needs no registration; a production TSA names its own)\n"
            "  --force           DIR may hold files: init's own entries (" CONFIG_NAME ",\n"
            "                    " STORE_NAME ", " TOKEN_NAME ", pki/ unless --pki) are replaced,\n"
            "                    a previous store with them; anything else is left alone\n"
            "Without --force a DIR that holds anything is refused and left untouched.\n"
            "The script comes from $SC_MAKE_DEV_PKI, else " SEALCTL_MAKE_DEV_PKI ".\n");
}

/* Without --tsa-policy, an OID under 2.25 (ITU-T X.667: a random UUID read as an integer)
 * belongs to this province alone without registering anything, so an inited province stamps
 * its signatures from the start instead of borrowing someone's arc. */
static int mint_policy(init_ctx *c)
{
    BIGNUM *bn = BN_new();
    char *dec = NULL;
    int ok = bn != NULL && BN_rand(bn, 122, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
             (dec = BN_bn2dec(bn)) != NULL &&
             snprintf(c->minted_policy, sizeof(c->minted_policy), "2.25.%s", dec) <
                 (int)sizeof(c->minted_policy);

    OPENSSL_free(dec);
    BN_free(bn);
    if (!ok)
        return EXIT_FAILED;
    c->tsa_policy = c->minted_policy;
    return 0;
}

/* A path the config can carry: relative to DIR when inside it (the province can move), else
 * absolute. The file must exist. */
static int config_path(const init_ctx *c, const char *path, const char *what, char **out)
{
    char *real = realpath(path, NULL), *dreal = c->dir_exists ? realpath(c->dir, NULL) : NULL;
    size_t dl = dreal != NULL ? strlen(dreal) : 0;
    int rc = 0;

    *out = NULL;
    if (real == NULL) {
        tool_errorf(PROG, "%s %s: %s", what, path, strerror(errno));
        rc = EXIT_USAGE;
    } else if (dreal != NULL && strncmp(real, dreal, dl) == 0 && real[dl] == '/') {
        *out = strdup(real + dl + 1);
    } else {
        *out = strdup(real);
    }
    if (rc == 0 && *out == NULL) {
        tool_errorf(PROG, "out of memory");
        rc = EXIT_FAILED;
    }
    free(real);
    free(dreal);
    return rc;
}

/* ---- the configuration ----------------------------------------------------------------- */

static json_t *pair(const char *pki, const char *stem)
{
    char *c = NULL, *k = NULL;
    json_t *o = NULL;

    if (asprintf(&c, "%s/%s.pem", pki, stem) < 0)
        c = NULL;
    if (asprintf(&k, "%s/%s.key", pki, stem) < 0)
        k = NULL;
    if (c != NULL && k != NULL)
        o = json_pack("{s:s,s:s}", "cert", c, "key", k);

    free(c);
    free(k);
    return o;
}

static int parses(const char *text, const char *base, sc_err *err)
{
    ss_config *cfg = NULL;
    int rc = ss_config_parse(&cfg, text, strlen(text), base, CONFIG_NAME, err);

    ss_config_free(cfg);
    return rc;
}

/* The config text; fails (exit 2) when the server's parser refuses it: a wrong --listen. */
static int make_config(init_ctx *c)
{
    json_t *root = NULL, *tls;
    char *text = NULL, *t = NULL;
    char *cert = init_join(c->pki, "tls-server.pem"), *key = init_join(c->pki, "tls-server.key"),
         *ca = init_join(c->pki, "tls-ca.pem");
    sc_err err = SC_ERR_INIT;
    int rc = EXIT_FAILED;

    if (cert == NULL || key == NULL || ca == NULL ||
        (tls = json_pack("{s:s,s:s,s:s,s:s}", "cert", cert, "key", key, "key_password_file",
                         c->pass_file, "client_ca", ca)) == NULL ||
        (root = json_pack("{s:s,s:s,s:o,s:s,s:i,s:b}", "role", "province", "listen", c->listen,
                          "tls", tls, "store", STORE_NAME, "threads", 32, "anonymous_verify",
                          0)) == NULL ||
        (text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
        goto oom;
    if (parses(text, c->dir, &err) != 0) {
        tool_error(PROG, &err);
        rc = err.code == SC_ENOMEM ? EXIT_FAILED : EXIT_USAGE;
        goto out;
    }
    /* The service's keys, as one set, if this server build reads them (see svc_pairs). */
    for (size_t i = 0; i < NPAIRS; i++)
        if (json_object_set_new(root, svc_pairs[i].key, pair(c->pki, svc_pairs[i].stem)) != 0)
            goto oom;
    if (json_object_set_new(root, "key_password_file", json_string(c->pass_file)) != 0 ||
        (c->region != NULL &&
         json_object_set_new(root, "region_code", json_string(c->region)) != 0) ||
        json_object_set_new(root, "tsa_policy", json_string(c->tsa_policy)) != 0 ||
        (t = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) == NULL)
        goto oom;
    sc_err_clear(&err);
    if (parses(t, c->dir, &err) == 0) {
        free(text);
        text = t;
        c->service = 1;
    } else {
        free(t);
        if (c->region != NULL) {
            tool_errorf(PROG, "--region-code: this seal-server does not read the service keys "
                        "(%s)", err.msg);
            rc = EXIT_USAGE;
            goto out;
        }
        fprintf(stderr, PROG ": note: this seal-server does not read the service keys yet; "
                "the config has none (no seal API)\n");
    }
    if (asprintf(&c->config, "%s\n", text) < 0) {
        c->config = NULL;
        goto oom;
    }
    rc = 0;
    goto out;
oom:
    tool_errorf(PROG, "out of memory");
out:
    free(text);
    free(cert);
    free(key);
    free(ca);
    json_decref(root);
    return rc;
}

/* ---- checking the PKI ------------------------------------------------------------------ */

/* base: what relative paths in the config are relative to (DIR or the staging directory). */
static int check_pki(const init_ctx *c, const char *base)
{
    char *pki = c->pki[0] == '/' ? strdup(c->pki) : init_join(base, c->pki);
    char *pass = c->pass_file[0] == '/' ? strdup(c->pass_file) : init_join(base, c->pass_file);
    char *cfg_path = init_join(base, CONFIG_NAME);
    ss_config *cfg = NULL;
    ss_tls *tls = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = EXIT_FAILED;

    if (pki == NULL || pass == NULL || cfg_path == NULL) {
        tool_errorf(PROG, "out of memory");
        goto out;
    }
    /* TLS exactly as seal-server will load it: files, password, key matching certificate. */
    if (ss_config_parse(&cfg, c->config, strlen(c->config), base, cfg_path, &err) != 0 ||
        ss_tls_load(&tls, cfg, &err) != 0) {
        tool_error(PROG, &err);
        rc = exit_for(err.code);
        goto out;
    }
    for (size_t i = 0; i < NPAIRS; i++) {
        char *cn = NULL, *kn = NULL;
        uint8_t *der = NULL;
        size_t len = 0;
        sc_key *key = NULL;
        int r;

        if (asprintf(&cn, "%s/%s.pem", pki, svc_pairs[i].stem) < 0)
            cn = NULL;
        if (asprintf(&kn, "%s/%s.key", pki, svc_pairs[i].stem) < 0)
            kn = NULL;
        r = cn == NULL || kn == NULL ? sc_err_set(&err, SC_ENOMEM, "out of memory")
            : tool_read_cert(cn, &der, &len, &err) != 0 ? err.code
            : tool_load_key(kn, pass, &key, &err) != 0 ? err.code
            : sc_key_matches_cert(key, der, len, &err) != 0
                ? sc_err_prefix(&err, "%s does not belong to %s", kn, cn)
                : 0;
        free(cn);
        free(kn);
        free(der);
        sc_key_free(key);
        if (r != 0) {
            tool_error(PROG, &err);
            rc = exit_for(r);
            goto out;
        }
    }
    rc = 0;
out:
    ss_tls_free(tls);
    ss_config_free(cfg);
    free(pki);
    free(pass);
    free(cfg_path);
    return rc;
}

/* The admin certificate's identity, computed by the server's own function (auth.c). */
static int cert_identity(init_ctx *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    sc_err err = SC_ERR_INIT;
    int rc = 0;

    if (f == NULL) {
        tool_errorf(PROG, "%s: %s", path, strerror(errno));
        return EXIT_USAGE;
    }
    fclose(f);
    if (x == NULL) {
        tool_errorf(PROG, "%s: not a PEM certificate", path);
        return EXIT_USAGE;
    }
    if (ss_auth_cert_identity(x, c->subject, sizeof(c->subject), c->sha256, &err) != 0) {
        tool_error(PROG, &err);
        rc = exit_for(err.code);
    }
    X509_free(x);
    return rc;
}

/* ---- the store ------------------------------------------------------------------------- */

static int make_store(init_ctx *c, const char *path)
{
    ss_store *st = NULL, *tx = NULL;
    ss_client cl;
    uint8_t hash[32];
    char object[64], hex[65];
    json_t *d = NULL;
    char *details = NULL;
    int64_t now = (int64_t)time(NULL);
    sc_err err = SC_ERR_INIT;
    int rc = EXIT_FAILED;

    memset(&cl, 0, sizeof(cl));
    if (ss_token_new(c->token, hash, &err) != 0 ||
        ss_store_open_sqlite(&st, path, &err) != 0 || ss_store_tx_begin(st, &tx, &err) != 0)
        goto fail;
    snprintf(cl.name, sizeof(cl.name), "%s", c->admin_name);
    cl.roles = SS_ROLE_ADMIN;
    cl.has_token = 1;
    memcpy(cl.token_hash, hash, sizeof(hash));
    if (c->admin_cert != NULL) {
        snprintf(cl.cert_subject, sizeof(cl.cert_subject), "%s", c->subject);
        cl.has_cert_sha256 = 1;
        memcpy(cl.cert_sha256, c->sha256, sizeof(c->sha256));
    }
    if (ss_store_client_add(tx, &cl, now, &c->admin_id, &err) != 0)
        goto fail;
    for (size_t i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", c->sha256[i]);
    snprintf(object, sizeof(object), "client:%lld", (long long)c->admin_id);
    /* identifiers only: never the token nor its hash */
    d = json_pack("{s:I,s:s,s:s,s:s,s:s}", "admin_client", (json_int_t)c->admin_id,
                  "admin_name", c->admin_name, "listen", c->listen,
                  "pki", c->pki_arg != NULL ? c->pki : "generated by make-dev-pki",
                  "credentials", c->admin_cert != NULL ? "token, certificate" : "token");
    if (d != NULL && c->admin_cert != NULL)
        json_object_set_new(d, "cert", json_pack("{s:s,s:s}", "subject", c->subject,
                                                 "sha256", hex));
    if (d == NULL || (details = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
        sc_err_set(&err, SC_ENOMEM, "out of memory");
        goto fail;
    }
    if (ss_audit_append_at(tx, now, 0, "province.init", object, details, NULL, &err) != 0)
        goto fail;
    rc = ss_store_tx_commit(tx, &err);
    tx = NULL;
    if (rc != 0)
        goto fail;
    goto out;
fail:
    sc_err_prefix(&err, "store %s", path);
    tool_error(PROG, &err);
    rc = EXIT_FAILED;
out:
    OPENSSL_cleanse(hash, sizeof(hash));
    OPENSSL_cleanse(cl.token_hash, sizeof(cl.token_hash));
    ss_store_tx_rollback(tx);
    ss_store_close(st);
    json_decref(d);
    free(details);
    return rc;
}

/* ---- the command ----------------------------------------------------------------------- */

static int prepare(init_ctx *c)
{
    struct stat sb;
    char *cert = NULL;
    int rc;

    if (stat(c->dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode)) {
            tool_errorf(PROG, "%s exists and is not a directory; nothing changed", c->dir);
            return EXIT_FAILED;
        }
        c->dir_exists = 1;
        int full = init_dir_nonempty(c->dir);
        if (full < 0) {
            tool_errorf(PROG, "%s: %s", c->dir, strerror(errno));
            return EXIT_FAILED;
        }
        if (full && !c->force) {
            tool_errorf(PROG, "%s is not empty; nothing changed (--force replaces init's own "
                        "files there: " CONFIG_NAME ", " STORE_NAME ", " TOKEN_NAME ", pki/)",
                        c->dir);
            return EXIT_FAILED;
        }
        if ((sb.st_mode & 077) != 0)
            fprintf(stderr, PROG ": note: %s has mode %04o (what init writes is 0600/0700)\n",
                    c->dir, (unsigned)(sb.st_mode & 07777));
    } else if (errno != ENOENT) {
        tool_errorf(PROG, "%s: %s", c->dir, strerror(errno));
        return EXIT_FAILED;
    }
    if (c->pki_arg == NULL) {
        if (c->pass_arg != NULL) {
            tool_errorf(PROG, "--key-pass-file goes with --pki (make-dev-pki makes its own)");
            return EXIT_USAGE;
        }
        c->pki = strdup(PKI_NAME);
        c->pass_file = strdup(PKI_NAME "/key-password");
        if (c->pki == NULL || c->pass_file == NULL) {
            tool_errorf(PROG, "out of memory");
            return EXIT_FAILED;
        }
    } else {
        char *pass = c->pass_arg != NULL ? strdup(c->pass_arg)
                                         : init_join(c->pki_arg, "key-password");
        rc = pass == NULL ? EXIT_FAILED : config_path(c, c->pki_arg, "--pki", &c->pki);
        if (rc == 0)
            rc = config_path(c, pass, "--key-pass-file", &c->pass_file);
        free(pass);
        if (rc != 0)
            return rc;
    }
    if (c->cert_arg != NULL) {
        if ((c->admin_cert = strdup(c->cert_arg)) == NULL)
            return EXIT_FAILED;
    } else if (c->pki_arg != NULL) {
        if ((cert = init_join(c->pki_arg, "tls-client.pem")) == NULL)
            return EXIT_FAILED;
        if (access(cert, F_OK) == 0) {
            c->admin_cert = cert;
            cert = NULL;
        } else {
            fprintf(stderr, PROG ": note: no %s: the administrator gets a bearer token only\n",
                    cert);
        }
        free(cert);
    }
    if ((rc = make_config(c)) != 0)
        return rc;
    /* given certificates are checked before anything is created */
    if (c->admin_cert != NULL && (rc = cert_identity(c, c->admin_cert)) != 0)
        return rc;
    return c->pki_arg != NULL ? check_pki(c, c->dir) : 0;
}

static int build(init_ctx *c, const sigset_t *old_mask)
{
    char *p = NULL;
    sc_err err = SC_ERR_INIT;
    int rc;

    c->stage.dir = c->dir;
    c->stage.dir_exists = c->dir_exists;
    c->stage.keep_pki = c->pki_arg != NULL;
    if ((rc = init_stage_open(&c->stage)) != 0)
        return rc;
    if (c->pki_arg == NULL) {
        if ((p = init_join(c->stage.path, PKI_NAME)) == NULL)
            return EXIT_FAILED;
        rc = init_make_dev_pki(p, old_mask);
        free(p);
        p = NULL;
        if (rc == 0 && !init_interrupted())
            rc = check_pki(c, c->stage.path);
        if (rc == 0 && c->cert_arg == NULL) {
            if ((c->admin_cert = init_join(c->stage.path, PKI_NAME "/tls-client.pem")) == NULL)
                return EXIT_FAILED;
            rc = cert_identity(c, c->admin_cert);
        }
        if (rc != 0)
            return rc;
    }
    if (init_interrupted())
        return EXIT_FAILED;
    if ((p = init_join(c->stage.path, STORE_NAME)) == NULL)
        return EXIT_FAILED;
    rc = make_store(c, p);
    free(p);
    if (rc != 0 || init_interrupted())
        return rc != 0 ? rc : EXIT_FAILED;
    char line[SS_TOKEN_BUF + 1];
    snprintf(line, sizeof(line), "%s\n", c->token);
    if ((p = init_join(c->stage.path, TOKEN_NAME)) == NULL ||
        tool_write_file(p, line, strlen(line), 0600, &err) != 0) {
        OPENSSL_cleanse(line, sizeof(line));
        free(p);
        if (err.code != 0)
            tool_error(PROG, &err);
        return EXIT_FAILED;
    }
    OPENSSL_cleanse(line, sizeof(line));
    free(p);
    if ((p = init_join(c->stage.path, CONFIG_NAME)) == NULL ||
        tool_write_file(p, c->config, strlen(c->config), 0600, &err) != 0) {
        free(p);
        if (err.code != 0)
            tool_error(PROG, &err);
        return EXIT_FAILED;
    }
    free(p);
    return init_interrupted() ? EXIT_FAILED : init_stage_commit(&c->stage);
}

static void report(const init_ctx *c)
{
    printf("province ready in %s\n", c->dir);
    printf("  config  %s/" CONFIG_NAME " (role province, listen %s%s)\n", c->dir, c->listen,
           c->service ? "; seal CA, seal maker, status signer and TSA keys" : "");
    printf("  store   %s/" STORE_NAME "\n", c->dir);
    if (c->pki_arg == NULL)
        printf("  pki     %s/" PKI_NAME " (development PKI from make-dev-pki; not for "
               "production)\n", c->dir);
    else
        printf("  pki     %s\n", c->pki);
    printf("  admin   API client %lld \"%s\", role admin: the bearer token below",
           (long long)c->admin_id, c->admin_name);
    if (c->admin_cert != NULL && c->pki_arg == NULL && c->cert_arg == NULL)
        printf(",\n          and the client certificate %s/" PKI_NAME "/tls-client.pem\n"
               "          (subject %s)\n", c->dir, c->subject);
    else if (c->admin_cert != NULL)
        printf(",\n          and the client certificate %s\n          (subject %s)\n",
               c->admin_cert, c->subject);
    else
        printf("\n");
    printf("\nAdministrator bearer token, shown only this once: store it now (also in "
           "%s/" TOKEN_NAME ", mode 0600):\n%s\n", c->dir, c->token);
    printf("\nStart the server:  seal-server --config %s/" CONFIG_NAME "\n", c->dir);
    fflush(stdout);
}

int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {
        { "dir", 1, NULL, 'd' }, { "pki", 1, NULL, 'p' }, { "key-pass-file", 1, NULL, 'P' },
        { "listen", 1, NULL, 'l' }, { "admin-name", 1, NULL, 'n' },
        { "admin-cert", 1, NULL, 'c' }, { "region-code", 1, NULL, 'r' },
        { "tsa-policy", 1, NULL, 't' }, { "force", 0, NULL, 'f' }, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    init_ctx c;
    char *dir = NULL;
    sigset_t hold, old_mask;
    int opt, rc = EXIT_USAGE, held = 0;

    memset(&c, 0, sizeof(c));
    c.listen = DEFAULT_LISTEN;
    c.admin_name = DEFAULT_ADMIN;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'd': c.dir = optarg; break;
        case 'p': c.pki_arg = optarg; break;
        case 'P': c.pass_arg = optarg; break;
        case 'l': c.listen = optarg; break;
        case 'n': c.admin_name = optarg; break;
        case 'c': c.cert_arg = optarg; break;
        case 'r': c.region = optarg; break;
        case 't': c.tsa_policy = optarg; break;
        case 'f': c.force = 1; break;
        case 'h': usage(stdout); return EXIT_DONE;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        tool_errorf(PROG, "unexpected argument \"%s\"", argv[optind]);
        return EXIT_USAGE;
    }
    if (c.dir == NULL || c.dir[0] == '\0') {
        tool_errorf(PROG, "--dir DIR is required");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (c.region != NULL && (strlen(c.region) != 6 || strspn(c.region, "0123456789") != 6)) {
        tool_errorf(PROG, "--region-code: \"%s\" is not 6 digits (GB/T 2260, e.g. 330000)",
                    c.region);
        return EXIT_USAGE;
    }
    if (c.tsa_policy != NULL) {
        ASN1_OBJECT *o = strspn(c.tsa_policy, "0123456789.") == strlen(c.tsa_policy)
                             ? OBJ_txt2obj(c.tsa_policy, 1) : NULL;
        if (o == NULL) {
            tool_errorf(PROG, "--tsa-policy: \"%s\" is not a dotted OID (e.g. 1.2.156.…)",
                        c.tsa_policy);
            return EXIT_USAGE;
        }
        ASN1_OBJECT_free(o);
    } else if (mint_policy(&c) != 0) {
        tool_errorf(PROG, "--tsa-policy: could not draw a random OID");
        return EXIT_FAILED;
    }
    if (c.admin_name[0] == '\0' || strlen(c.admin_name) > SS_NAME_MAX) {
        tool_errorf(PROG, "--admin-name: 1..%d bytes", SS_NAME_MAX);
        return EXIT_USAGE;
    }
    /* "prov/" and "prov" are the same DIR; the staging name is built from its last part */
    if ((dir = strdup(c.dir)) == NULL)
        return EXIT_FAILED;
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
        dir[n - 1] = '\0';
    c.dir = dir;

    sigemptyset(&hold);
    sigaddset(&hold, SIGINT);
    sigaddset(&hold, SIGTERM);
    sigaddset(&hold, SIGHUP);
    sigaddset(&hold, SIGQUIT);
    if ((rc = prepare(&c)) != 0)
        goto out;
    held = sigprocmask(SIG_BLOCK, &hold, &old_mask) == 0;
    rc = build(&c, &old_mask);
    if (rc == 0)
        report(&c);
    else if (init_interrupted())
        tool_errorf(PROG, "interrupted; nothing changed");
out:
    init_stage_discard(&c.stage);
    OPENSSL_cleanse(c.token, sizeof(c.token));
    free(c.pki);
    free(c.pass_file);
    free(c.admin_cert);
    free(c.config);
    free(dir);
    if (held)
        sigprocmask(SIG_SETMASK, &old_mask, NULL);   /* a held signal ends us now */
    return rc;
}

/* make_status: signs seal status responses for test_cli.sh with seal-core's builder
 * (sealcore/status.h), as the province's server will: a list in one file (-o) and/or one
 * response per seal laid out as the server's paths (--mirror DIR: DIR/api/v1/seals/<esID>/status),
 * for seal-verify --status-list and --status. A test tool, not installed.
 *
 *   make_status --key K --key-pass-file F --cert C [--ca-certs CA] [--produced T] [--next T]
 *               [-o OUT] [--mirror DIR] ENTRY...
 *   ENTRY  SEAL.esl[,suspended@T][,good@T][,revoked@T]...   (the history, oldest first)
 *          unknown:ESID                                      (status unknown)
 *   T      ISO 8601, or now, now+SECONDS, now-SECONDS
 * Defaults: produced now, next = produced + 7 days. Exit 0, or 1 with a message. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "sealcore/ses.h"
#include "sealcore/status.h"
#include "sealcore/time.h"
#include "tool.h"

#define MAX_ENTRIES 16
#define MAX_CHANGES 8

static const char *prog = "make_status";

typedef struct entry {
    sc_status_entry e;
    sc_status_change h[MAX_CHANGES];
    uint8_t digest[32];
    char id[SC_STATUS_MAX_SUBJECT + 1];
} entry;

static int when(const char *s, int64_t *t, sc_err *err)
{
    char *end;

    if (strncmp(s, "now", 3) != 0)
        return sc_time_parse(s, t, err);
    *t = (int64_t)time(NULL);
    if (s[3] == '\0')
        return 0;
    errno = 0;
    long long d = strtoll(s + 3, &end, 10);
    if (errno != 0 || *end != '\0' || (s[3] != '+' && s[3] != '-'))
        return sc_err_set(err, SC_EINVAL, "%s: not now, now+SECONDS or now-SECONDS", s);
    *t += d;
    return 0;
}

/* SEAL.esl[,status@T]... or unknown:ESID into x (this_update and next_update set later). */
static int parse_entry(char *arg, entry *x, sc_err *err)
{
    char *save = NULL, *tok = strtok_r(arg, ",", &save);
    uint8_t *der = NULL;
    size_t len = 0;
    sc_ses_seal *s = NULL;
    unsigned int dl = 32;
    int rc = 0;

    memset(x, 0, sizeof(*x));
    x->e.kind = SC_STATUS_ESID;
    x->e.subject = x->id;
    if (strncmp(tok, "unknown:", 8) == 0) {
        snprintf(x->id, sizeof(x->id), "%s", tok + 8);
        x->e.status = SC_STATUS_UNKNOWN;
        return 0;
    }
    if ((rc = tool_read_file(tok, SC_SES_MAX_SEAL, &der, &len, err)) != 0 ||
        (rc = sc_ses_seal_parse(&s, der, len, err)) != 0)
        goto out;
    if (EVP_Digest(der, len, x->digest, &dl, EVP_sm3(), NULL) != 1) {
        rc = sc_err_set(err, SC_ECRYPTO, "SM3 failed");
        goto out;
    }
    snprintf(x->id, sizeof(x->id), "%s", sc_ses_seal_get_info(s)->es_id);
    x->e.digest = x->digest;
    x->e.has_valid_end = 1;
    x->e.valid_end = sc_ses_seal_get_info(s)->valid_end;
    x->e.history = x->h;
    while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
        char *at = strchr(tok, '@');
        sc_status_change *c = &x->h[x->e.history_len];
        if (at == NULL || x->e.history_len == MAX_CHANGES) {
            rc = sc_err_set(err, SC_EINVAL, "%s: expected STATUS@TIME (at most %d)", tok,
                            MAX_CHANGES);
            goto out;
        }
        *at = '\0';
        c->reason = SC_STATUS_NO_REASON;
        if (strcmp(tok, "suspended") == 0) {
            c->status = SC_STATUS_SUSPENDED;
            c->reason = SC_STATUS_REASON_CERTIFICATE_HOLD;
        } else if (strcmp(tok, "revoked") == 0) {
            c->status = SC_STATUS_REVOKED;
            c->reason = SC_STATUS_REASON_KEY_COMPROMISE;
        } else if (strcmp(tok, "good") == 0) {
            c->status = SC_STATUS_GOOD;
        } else {
            rc = sc_err_set(err, SC_EINVAL, "%s: suspended, good or revoked", tok);
            goto out;
        }
        if ((rc = when(at + 1, &c->at, err)) != 0)
            goto out;
        x->e.history_len++;
    }
out:
    sc_ses_seal_free(s);
    free(der);
    return rc;
}

/* Sign the entries [from, to) into one response. */
static int sign(const entry *x, size_t from, size_t to, int64_t produced, int list,
                const sc_key *key, const uint8_t *cert, size_t cert_len, const uint8_t *ca,
                size_t ca_len, uint8_t **der, size_t *len, sc_err *err)
{
    sc_status_builder *b = NULL;
    const uint8_t *cas[1] = { ca };
    int rc = sc_status_builder_new(&b, produced, err);

    for (size_t i = from; rc == 0 && i < to; i++)
        rc = sc_status_builder_add(b, &x[i].e, err);
    if (rc == 0 && list)
        rc = sc_status_builder_set_list_sequence(b, 1, err);
    if (rc == 0)
        rc = sc_status_builder_sign(b, key, cert, cert_len, cas, &ca_len, ca ? 1 : 0, der, len,
                                    err);
    sc_status_builder_free(b);
    return rc;
}

static int write_mirror(const char *dir, const char *id, const uint8_t *der, size_t len,
                        sc_err *err)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/api", dir);
    mkdir(dir, 0755), mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/api/v1", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/api/v1/seals", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/api/v1/seals/%s", dir, id);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/api/v1/seals/%s/status", dir, id);
    return tool_write_file(path, der, len, 0644, err);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "key", required_argument, NULL, 'k' }, { "key-pass-file", required_argument, NULL, 'p' },
        { "cert", required_argument, NULL, 'c' }, { "ca-certs", required_argument, NULL, 'a' },
        { "produced", required_argument, NULL, 'P' }, { "next", required_argument, NULL, 'N' },
        { "mirror", required_argument, NULL, 'm' }, { NULL, 0, NULL, 0 } };
    const char *key_file = NULL, *pass_file = NULL, *cert_file = NULL, *ca_file = NULL;
    const char *out = NULL, *mirror = NULL, *produced_s = "now", *next_s = NULL;
    static entry x[MAX_ENTRIES];
    sc_err err = SC_ERR_INIT;
    sc_key *key = NULL;
    uint8_t *cert = NULL, *ca = NULL, *der = NULL;
    size_t cert_len = 0, ca_len = 0, len = 0, n = 0;
    int64_t produced = 0, next = 0;
    int c, code = 1;

    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'k': key_file = optarg; break;
        case 'p': pass_file = optarg; break;
        case 'c': cert_file = optarg; break;
        case 'a': ca_file = optarg; break;
        case 'P': produced_s = optarg; break;
        case 'N': next_s = optarg; break;
        case 'o': out = optarg; break;
        case 'm': mirror = optarg; break;
        default: goto usage;
        }
    }
    if (key_file == NULL || cert_file == NULL || (out == NULL && mirror == NULL) ||
        optind == argc || argc - optind > MAX_ENTRIES)
        goto usage;
    if (tool_load_key(key_file, pass_file, &key, &err) != 0 ||
        tool_read_cert(cert_file, &cert, &cert_len, &err) != 0 ||
        (ca_file != NULL && tool_read_cert(ca_file, &ca, &ca_len, &err) != 0) ||
        when(produced_s, &produced, &err) != 0 ||
        (next_s != NULL && when(next_s, &next, &err) != 0))
        goto fail;
    if (next_s == NULL)
        next = produced + 7 * 86400;
    for (int i = optind; i < argc; i++, n++) {
        if (parse_entry(argv[i], &x[n], &err) != 0)
            goto fail;
        x[n].e.this_update = produced;
        x[n].e.has_next_update = 1;
        x[n].e.next_update = next;
        if (x[n].e.status != SC_STATUS_UNKNOWN) {   /* the status its history gives */
            x[n].e.status = SC_STATUS_GOOD;
            x[n].e.status = sc_status_entry_at(&x[n].e, produced, NULL);
        }
    }
    if (out != NULL) {
        if (sign(x, 0, n, produced, 1, key, cert, cert_len, ca, ca_len, &der, &len, &err) != 0 ||
            tool_write_file(out, der, len, 0644, &err) != 0)
            goto fail;
        free(der);
        der = NULL;
    }
    for (size_t i = 0; mirror != NULL && i < n; i++) {
        if (sign(x, i, i + 1, produced, 0, key, cert, cert_len, ca, ca_len, &der, &len,
                 &err) != 0 || write_mirror(mirror, x[i].id, der, len, &err) != 0)
            goto fail;
        free(der);
        der = NULL;
    }
    code = 0;
    goto done;
usage:
    tool_errorf(prog, "usage: make_status --key K [--key-pass-file F] --cert C [--ca-certs CA] "
                "[--produced T] [--next T] [-o OUT] [--mirror DIR] ENTRY... (see make_status.c)");
    goto done;
fail:
    tool_error(prog, &err);
done:
    free(der);
    free(cert);
    free(ca);
    sc_key_free(key);
    return code;
}

/* auth.c: the authentication and role decision (auth.h).
 * Not here: reading the header or the certificate off the connection (server.c), the client
 * records (store/). The messages tell a caller what to fix without confirming which part of a
 * wrong credential was wrong beyond its form. */
#include "auth.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#define REALM "Bearer realm=\"sealpki\""
/* RFC 6750 §3: no error attribute when no credential was sent; invalid_token when one was. */
static const char WWW_NONE[] = REALM;
static const char WWW_INVALID[] = REALM ", error=\"invalid_token\"";

static void set(ss_auth_result *res, int status, const char *error, const char *fmt, ...)
    SC_PRINTF(4, 5);

static void set(ss_auth_result *res, int status, const char *error, const char *fmt, ...)
{
    va_list ap;

    res->status = status;
    res->error = error;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof(res->message), fmt, ap);
    va_end(ap);
    if (status == 401 && res->www_authenticate == NULL)
        res->www_authenticate = WWW_INVALID;
}

char *ss_auth_roles_str(uint32_t roles, char *buf, size_t n)
{
    size_t used = 0;

    if (n == 0)
        return buf;
    buf[0] = '\0';
    for (uint32_t bit = 1; bit & SS_ROLE_ALL; bit <<= 1) {
        const char *name;
        int w;

        if (!(roles & bit) || (name = ss_role_name(bit)) == NULL)
            continue;
        w = snprintf(buf + used, n - used, "%s%s", used > 0 ? ", " : "", name);
        if (w < 0 || (size_t)w >= n - used)
            break;                      /* truncated but terminated */
        used += (size_t)w;
    }
    if (used == 0)
        snprintf(buf, n, "none");
    return buf;
}

/* Map a lookup failure other than "no such client" to a result; details go to the log. */
static void lookup_failed(ss_auth_result *res, int rc, const sc_err *e, const char *what)
{
    snprintf(res->detail, sizeof(res->detail), "%s lookup: %s", what,
             e->code != 0 ? e->msg : sc_err_name(rc));
    if (rc == SS_EBUSY)
        set(res, 503, "unavailable", "the credential store is busy; retry shortly");
    else
        set(res, 500, "internal", "the credential store could not be read; the server log "
            "has the details");
}

/* Fill the identity of a found client, or refuse a disabled one. */
static int found(ss_auth_result *res, int rc, const ss_client *c, int method)
{
    if (rc == SS_EDISABLED) {
        snprintf(res->detail, sizeof(res->detail), "client \"%s\" (id %lld) is disabled",
                 c->name, (long long)c->id);
        set(res, 401, "unauthorized", "this credential belongs to a disabled API client; ask "
            "an administrator");
        return -1;
    }
    res->method = method;
    res->client_id = c->id;
    snprintf(res->client_name, sizeof(res->client_name), "%s", c->name);
    res->roles = c->roles;
    return 0;
}

static int by_bearer(const ss_auth_lookup *lk, const char *hdr, ss_auth_result *res)
{
    const char *tok = hdr;
    uint8_t hash[32];
    ss_client c;
    sc_err e = SC_ERR_INIT;
    int rc = -1;

    memset(&c, 0, sizeof(c));
    while (*tok == ' ')
        tok++;
    /* The scheme is case-insensitive (RFC 7235 §2.1); one or more spaces, then the token. */
    if (strncasecmp(tok, "Bearer", 6) != 0 || tok[6] != ' ') {
        set(res, 401, "unauthorized", "Authorization: only the Bearer scheme is accepted "
            "(\"Authorization: Bearer TOKEN\"), or use a client certificate");
        goto out;
    }
    tok += 6;
    while (*tok == ' ')
        tok++;
    if (ss_token_hash(tok, hash, &e) != 0) {
        /* The store's message never quotes the token; ours does not either. */
        snprintf(res->detail, sizeof(res->detail), "%s", e.msg);
        set(res, 401, "unauthorized", "Authorization: Bearer: the token is malformed (an API "
            "token is 43 base64url characters)");
        goto out;
    }
    rc = lk->by_token_hash(lk->ctx, hash, &c, &e);
    if (rc == SC_ENOTFOUND) {
        set(res, 401, "unauthorized", "Authorization: Bearer: the token is not valid (unknown "
            "or rotated)");
        rc = -1;
        goto out;
    }
    if (rc != 0 && rc != SS_EDISABLED) {
        lookup_failed(res, rc, &e, "token");
        rc = -1;
        goto out;
    }
    rc = found(res, rc, &c, SS_AUTH_BEARER);
out:
    OPENSSL_cleanse(hash, sizeof(hash));
    OPENSSL_cleanse(&c.token_hash, sizeof(c.token_hash));
    return rc;
}

static int by_cert(const ss_auth_lookup *lk, const ss_auth_input *in, ss_auth_result *res)
{
    ss_client c;
    sc_err e = SC_ERR_INIT;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = lk->by_cert(lk->ctx, in->cert_subject, in->cert_sha256, &c, &e);
    if (rc == SC_ENOTFOUND) {
        set(res, 401, "unauthorized", "the client certificate (subject \"%.200s\") is not "
            "registered to any API client", in->cert_subject);
        return -1;
    }
    if (rc != 0 && rc != SS_EDISABLED) {
        lookup_failed(res, rc, &e, "certificate");
        return -1;
    }
    rc = found(res, rc, &c, SS_AUTH_CERT);
    OPENSSL_cleanse(&c.token_hash, sizeof(c.token_hash));
    return rc;
}

int ss_auth_decide(const ss_auth_lookup *lk, const ss_auth_input *in, uint32_t allowed_roles,
                   int anonymous_verify, ss_auth_result *res)
{
    char have[96], want[96];

    if (res == NULL)
        return SC_EINVAL;
    memset(res, 0, sizeof(*res));
    if (lk == NULL || in == NULL || lk->by_token_hash == NULL || lk->by_cert == NULL) {
        set(res, 500, "internal", "authentication is not configured");
        return SC_EINVAL;
    }
    if (in->authorization != NULL) {
        if (by_bearer(lk, in->authorization, res) != 0)
            return 0;
    } else if (in->cert_subject != NULL && in->cert_sha256 != NULL) {
        if (by_cert(lk, in, res) != 0)
            return 0;
    } else if (allowed_roles == 0 ||
               (anonymous_verify && (allowed_roles & SS_ROLE_VERIFIER))) {
        res->method = SS_AUTH_ANONYMOUS;
        res->roles = SS_ROLE_VERIFIER;
        return 0;
    } else {
        res->www_authenticate = WWW_NONE;
        set(res, 401, "unauthorized", "authentication required: present a client certificate "
            "or \"Authorization: Bearer TOKEN\"");
        return 0;
    }
    if (allowed_roles != 0 && (res->roles & allowed_roles) == 0) {
        set(res, 403, "forbidden", "API client \"%.100s\" (roles: %s) may not call this "
            "endpoint; it needs one of: %s", res->client_name,
            ss_auth_roles_str(res->roles, have, sizeof(have)),
            ss_auth_roles_str(allowed_roles, want, sizeof(want)));
    }
    return 0;
}

int ss_auth_cert_identity(X509 *cert, char *subject, size_t n, uint8_t sha256[32],
                          sc_err *err)
{
    return ss_cert_identity(cert, subject, n, sha256, err);   /* store.h: one definition */
}

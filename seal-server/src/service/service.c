/* service.c: the service handle (configuration, counters), the helpers every part uses
 * (clock, roles, audit records, transactions), units and grants.
 * Not here: applications, seal making and status (svc_seal.c), the key cache (svc_cache.c),
 * signing (svc_sign.c, svc_ofd.c) and its group commit (svc_commit.c). */
#include "service_int.h"
#include "sealcore/hash.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

const char *ss_svc_err_name(int code)
{
    return code == SS_EFORBIDDEN ? "EFORBIDDEN" : code == SS_EUPSTREAM ? "EUPSTREAM"
                                                                        : ss_err_name(code);
}

/* ---- helpers --------------------------------------------------------------------------- */

int64_t svc__now(ss_svc *svc)
{
    return svc->clock != NULL ? svc->clock(svc->clock_ctx) : (int64_t)time(NULL);
}

int svc__need_role(const ss_svc_actor *actor, uint32_t roles, const char *what, sc_err *err)
{
    char names[96] = "";
    size_t used = 0;

    if (actor == NULL || actor->client_id <= 0)
        return sc_err_set(err, SS_EFORBIDDEN, "no authenticated client %s", what);
    if (actor->roles & roles)
        return 0;
    for (uint32_t bit = 1; bit <= roles && bit != 0; bit <<= 1) {
        const char *n = (roles & bit) ? ss_role_name(bit) : NULL;
        if (n != NULL && used < sizeof(names)) {
            int k = snprintf(names + used, sizeof(names) - used, "%s%s", used ? " or " : "", n);
            used += k > 0 ? (size_t)k : 0;
        }
    }
    return sc_err_set(err, SS_EFORBIDDEN, "client %lld needs the %s role %s",
                      (long long)actor->client_id, names, what);
}

void svc__hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

json_t *svc__json_text(const char *s)
{
    size_t n = strlen(s);
    json_t *j;

    /* a message cut at SC_ERR_MSG_MAX may end inside a UTF-8 sequence: drop up to 3 bytes */
    for (size_t cut = 0; cut < 4 && cut <= n; cut++)
        if ((j = json_stringn(s, n - cut)) != NULL)
            return j;
    return json_string("(message not UTF-8)");
}

int svc__sm3(const uint8_t *p, size_t n, uint8_t out[32], sc_err *err)
{
    unsigned int len = 0;

    if (EVP_Digest(n > 0 ? p : (const uint8_t *)"", n, out, &len, sc_sm3_md(), NULL) != 1 ||
        len != 32)
        return sc_err_set(err, SC_ECRYPTO, "SM3 failed");
    return 0;
}

int svc__check_token(const char *what, const char *s, size_t max, sc_err *err)
{
    size_t n;

    if (s == NULL || (n = strlen(s)) == 0)
        return sc_err_set(err, SC_EINVAL, "%s: missing", what);
    if (n > max)
        return sc_err_set(err, SC_ELIMIT, "%s: %zu characters, at most %zu", what, n, max);
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return sc_err_set(err, SC_EINVAL, "%s: character %zu is not printable ASCII "
                              "(spaces are not allowed either)", what, i + 1);
    return 0;
}

int svc__audit(ss_store *tx, int64_t now, int64_t actor, const char *action,
               const char *object, json_t *details, sc_err *err)
{
    int rc;

    /* NULL: building the details failed (json_pack on memory); never audit a bare {} */
    if (details == NULL)
        return sc_err_set(err, SC_ENOMEM, "audit %s: cannot build the details (nothing was "
                          "committed)", action);
    if ((rc = ss_audit_append_obj(tx, now, actor, action, object, details, NULL, err)) != 0)
        sc_err_prefix(err, "audit %s (nothing was committed)", action);
    json_decref(details);
    return rc;
}

int svc__tx_end(ss_store *tx, int rc, sc_err *err)
{
    if (rc != 0) {
        ss_store_tx_rollback(tx);
        return rc;
    }
    return ss_store_tx_commit(tx, err);
}

int svc__act_end(ss_store *tx, int rc, int64_t now, int64_t actor, const char *action,
                 json_t *details, sc_err *err, const char *object_fmt, ...)
{
    char object[SS_ES_ID_MAX + 32];
    va_list ap;

    if (rc == 0) {
        va_start(ap, object_fmt);
        vsnprintf(object, sizeof(object), object_fmt, ap);
        va_end(ap);
        rc = svc__audit(tx, now, actor, action, object, details, err);
    } else {
        json_decref(details);
    }
    return svc__tx_end(tx, rc, err);
}

/* ---- the handle ------------------------------------------------------------------------ */

/* The CA certificate's validity: signer certificates are issued within it. */
static int ca_validity(const uint8_t *der, size_t len, int64_t *from, int64_t *to, sc_err *err)
{
    const unsigned char *p = der;
    X509 *x = len <= SS_CERT_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
    struct tm a, b;
    int ok = x != NULL && ASN1_TIME_to_tm(X509_get0_notBefore(x), &a) == 1 &&
             ASN1_TIME_to_tm(X509_get0_notAfter(x), &b) == 1;

    X509_free(x);
    ERR_clear_error();
    if (!ok)
        return sc_err_set(err, SC_EINVAL, "service config: the seal CA certificate is not a "
                          "readable DER certificate");
    *from = (int64_t)timegm(&a);
    *to = (int64_t)timegm(&b);
    return 0;
}

static int check_config(const ss_svc_config *cfg, sc_err *err)
{
    int rc;

    if (cfg == NULL || cfg->store == NULL || (cfg->ca_key == NULL && cfg->issue_cert == NULL) ||
        cfg->maker_key == NULL || cfg->ca_cert == NULL || cfg->maker_cert == NULL)
        return sc_err_set(err, SC_EINVAL, "service config: the store, the seal CA key (or an "
                          "external CA) and certificate and the seal maker key and certificate "
                          "are required");
    if (cfg->key_pass == NULL || cfg->key_pass_len < 8)
        return sc_err_set(err, SC_EINVAL, "service config: the key passphrase for unit keys "
                          "at rest needs at least 8 bytes");
    if (cfg->region_code == NULL || strlen(cfg->region_code) != SS_SVC_REGION_LEN ||
        strspn(cfg->region_code, "0123456789") != SS_SVC_REGION_LEN)
        return sc_err_set(err, SC_EINVAL, "service config: region code \"%.16s\" is not the "
                          "6-digit administrative division code (GB/T 2260, e.g. 330000)",
                          cfg->region_code != NULL ? cfg->region_code : "");
    if (cfg->ca_key != NULL &&
        (rc = sc_key_matches_cert(cfg->ca_key, cfg->ca_cert, cfg->ca_cert_len, err)) != 0)
        return sc_err_prefix(err, "service config: seal CA");
    if ((rc = sc_key_matches_cert(cfg->maker_key, cfg->maker_cert, cfg->maker_cert_len,
                                  err)) != 0)
        return sc_err_prefix(err, "service config: seal maker");
    return 0;
}

int ss_svc_new(ss_svc **out, const ss_svc_config *cfg, sc_err *err)
{
    ss_svc *svc = NULL;
    int64_t ca_from = 0, ca_to = 0;
    sigset_t all, mask;
    int rc;

    if (out == NULL)
        return sc_err_set(err, SC_EINVAL, "service: no output");
    *out = NULL;
    if ((rc = check_config(cfg, err)) != 0 ||
        (rc = ca_validity(cfg->ca_cert, cfg->ca_cert_len, &ca_from, &ca_to, err)) != 0)
        return rc;
    if ((svc = calloc(1, sizeof(*svc))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "service: out of memory");
    svc->ca_from = ca_from;
    svc->ca_to = ca_to;
    svc->st = cfg->store;
    svc->ca_key = cfg->ca_key;
    svc->issue_cert = cfg->issue_cert;
    svc->issue_cert_ctx = cfg->issue_cert_ctx;
    svc->maker_key = cfg->maker_key;
    svc->tsa = cfg->tsa;
    svc->tsa_ctx = cfg->tsa_ctx;
    svc->clock = cfg->clock;
    svc->clock_ctx = cfg->clock_ctx;
    memcpy(svc->region, cfg->region_code, SS_SVC_REGION_LEN + 1);
    pthread_mutex_init(&svc->make_mu, NULL);
    svc__ltypes_init(&svc->ltypes);
    svc__stats_init(&svc->seal_stats);
    pthread_mutex_init(&svc->q_mu, NULL);
    pthread_cond_init(&svc->q_cv, NULL);
    svc->sign_limited = cfg->sign_threads != 0;
    sem_init(&svc->sign_slots, 0, svc->sign_limited ? cfg->sign_threads : 1);
    if ((rc = svc__cache_init(&svc->cache, cfg->key_cache_max != 0 ? cfg->key_cache_max
                                           : SS_SVC_KEY_CACHE_DEFAULT, err)) != 0) {
        ss_svc_free(svc);
        return rc;
    }
    svc->ca_cert = malloc(cfg->ca_cert_len);
    svc->maker_cert = malloc(cfg->maker_cert_len);
    svc->pass = malloc(cfg->key_pass_len + 1);
    svc->province = cfg->province != NULL ? strdup(cfg->province) : NULL;
    if (svc->ca_cert == NULL || svc->maker_cert == NULL || svc->pass == NULL ||
        (cfg->province != NULL && svc->province == NULL)) {
        ss_svc_free(svc);
        return sc_err_set(err, SC_ENOMEM, "service: out of memory");
    }
    memcpy(svc->ca_cert, cfg->ca_cert, cfg->ca_cert_len);
    svc->ca_cert_len = cfg->ca_cert_len;
    memcpy(svc->maker_cert, cfg->maker_cert, cfg->maker_cert_len);
    svc->maker_cert_len = cfg->maker_cert_len;
    memcpy(svc->pass, cfg->key_pass, cfg->key_pass_len);
    svc->pass[cfg->key_pass_len] = '\0';
    svc->pass_len = cfg->key_pass_len;
    /* the committer takes no signals: a program that blocks them after making the service,
     * to take them with sigwait() (a server's SIGTERM), must be the one that gets them */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &mask);
    rc = pthread_create(&svc->committer, NULL, svc__committer, svc);
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    if (rc != 0) {
        ss_svc_free(svc);
        return sc_err_set(err, SC_ENOMEM, "service: cannot start the committer thread");
    }
    svc->committer_started = 1;
    *out = svc;
    return 0;
}

void ss_svc_free(ss_svc *svc)
{
    if (svc == NULL)
        return;
    if (svc->committer_started) {
        pthread_mutex_lock(&svc->q_mu);
        svc->q_stop = 1;
        pthread_cond_signal(&svc->q_cv);
        pthread_mutex_unlock(&svc->q_mu);
        pthread_join(svc->committer, NULL);
    }
    svc__cache_destroy(&svc->cache);
    if (svc->pass != NULL)
        OPENSSL_clear_free(svc->pass, svc->pass_len + 1);
    free(svc->ca_cert);
    free(svc->maker_cert);
    free(svc->province);
    pthread_mutex_destroy(&svc->make_mu);
    svc__ltypes_free(&svc->ltypes);
    svc__stats_destroy(&svc->seal_stats);
    pthread_mutex_destroy(&svc->q_mu);
    pthread_cond_destroy(&svc->q_cv);
    sem_destroy(&svc->sign_slots);
    free(svc);
}

void ss_svc_get_stats(ss_svc *svc, ss_svc_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->signatures = atomic_load(&svc->n_sigs);
    out->refusals = atomic_load(&svc->n_refusals);
    out->replays = atomic_load(&svc->n_replays);
    out->commits = atomic_load(&svc->n_commits);
    out->commit_jobs = atomic_load(&svc->n_commit_jobs);
    out->commit_us = atomic_load(&svc->commit_us);
    pthread_mutex_lock(&svc->cache.mu);
    out->cache_hits = svc->cache.hits;
    out->cache_misses = svc->cache.misses;
    out->cache_evictions = svc->cache.evictions;
    out->cache_size = svc->cache.size;
    pthread_mutex_unlock(&svc->cache.mu);
    pthread_mutex_lock(&svc->ltypes.mu);
    out->ltype_hits = svc->ltypes.hits;
    out->ltype_misses = svc->ltypes.misses;
    pthread_mutex_unlock(&svc->ltypes.mu);
}

/* ---- units ----------------------------------------------------------------------------- */

int ss_svc_unit_add(ss_svc *svc, const ss_svc_actor *actor, const char *code,
                    const char *name, int64_t *id, sc_err *err)
{
    ss_store *tx = NULL;
    int64_t now = svc__now(svc), uid = 0;
    int rc;

    if (id != NULL)
        *id = 0;
    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to add units", err)) != 0 ||
        (rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    rc = ss_store_unit_add(tx, code, name, now, &uid, err);
    rc = svc__act_end(tx, rc, now, actor->client_id, "unit.add",
                      json_pack("{s:s, s:s}", "code", code, "name", name), err, "unit:%lld",
                      (long long)uid);
    if (rc == 0 && id != NULL)
        *id = uid;
    return rc;
}

int ss_svc_unit_get(ss_svc *svc, const ss_svc_actor *actor, int64_t id, ss_unit *out,
                    sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN | SS_ROLE_SEAL_OFFICER, "to read units",
                             err)) != 0)
        return rc;
    return ss_store_unit_get(svc->st, id, out, err);
}

int ss_svc_unit_list(ss_svc *svc, const ss_svc_actor *actor, int64_t after_id,
                     unsigned limit, ss_unit_cb cb, void *ctx, sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN | SS_ROLE_SEAL_OFFICER, "to list units",
                             err)) != 0)
        return rc;
    return ss_store_unit_list(svc->st, after_id, limit, cb, ctx, err);
}

/* ---- grants ---------------------------------------------------------------------------- */

int ss_svc_grant_add(ss_svc *svc, const ss_svc_actor *actor, int64_t client_id,
                     const char *es_id, int64_t expires_at, int64_t use_limit, int64_t *id,
                     sc_err *err)
{
    ss_store *tx = NULL;
    int64_t now = svc__now(svc), gid = 0;
    int rc;

    if (id != NULL)
        *id = 0;
    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to grant seals", err)) != 0 ||
        (rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    rc = ss_store_grant_add(tx, client_id, es_id, expires_at, use_limit, now, &gid, err);
    rc = svc__act_end(tx, rc, now, actor->client_id, "grant.add",
                      json_pack("{s:I, s:s, s:I, s:I}", "client", (json_int_t)client_id,
                                "seal", es_id, "expires_at", (json_int_t)expires_at,
                                "use_limit", (json_int_t)use_limit), err, "grant:%lld",
                      (long long)gid);
    if (rc == 0 && id != NULL)
        *id = gid;
    return rc;
}

static int grant_found(void *ctx, const ss_grant *g)
{
    *(ss_grant *)ctx = *g;
    return 0;
}

int ss_svc_grant_delete(ss_svc *svc, const ss_svc_actor *actor, int64_t grant_id,
                        sc_err *err)
{
    ss_store *tx = NULL;
    ss_grant g = { 0 };
    int64_t now = svc__now(svc);
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to delete grants", err)) != 0)
        return rc;
    if (grant_id <= 0)
        return sc_err_set(err, SC_EINVAL, "grant %lld: not a grant id", (long long)grant_id);
    if ((rc = ss_store_tx_begin(svc->st, &tx, err)) != 0)
        return rc;
    /* the grant itself (the first with id >= grant_id), so the audit names client and seal */
    if ((rc = ss_store_grant_list(tx, 0, NULL, grant_id - 1, 1, grant_found, &g, err)) == 0 &&
        g.id != grant_id)
        rc = sc_err_set(err, SC_ENOTFOUND, "grant %lld: no such grant", (long long)grant_id);
    if (rc == 0)
        rc = ss_store_grant_delete(tx, grant_id, err);
    return svc__act_end(tx, rc, now, actor->client_id, "grant.delete",
                        json_pack("{s:I, s:s, s:I}", "client", (json_int_t)g.client_id,
                                  "seal", g.es_id, "uses", (json_int_t)g.uses), err,
                        "grant:%lld", (long long)grant_id);
}

int ss_svc_grant_list(ss_svc *svc, const ss_svc_actor *actor, int64_t client_id,
                      const char *es_id, int64_t after_id, unsigned limit, ss_grant_cb cb,
                      void *ctx, sc_err *err)
{
    int rc;

    if ((rc = svc__need_role(actor, SS_ROLE_ADMIN, "to list grants", err)) != 0)
        return rc;
    return ss_store_grant_list(svc->st, client_id, es_id, after_id, limit, cb, ctx, err);
}

/* status_fetch.c: fetches one signed status response per seal (or licence) for seal-verify
 * --status URL (status_fetch.h): GET <base>/api/v1/seals/<esID>/status (or
 * /api/v1/licenses/<ZZBS>/status) with Accept
 * application/vnd.sealpki.status+der, TLS verified, no redirects, a timeout and a body limit,
 * and every failure said with the URL, so a person can tell a wrong address from a wrong CA
 * from a server that does not know the seal. Not here: trusting what was fetched (seal-core's
 * seal_status check verifies every response against the trust anchors). */
#include "status_fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "curlbuf.h"

/* A document names few seals; a crafted one must not make us send thousands of requests. */
#define MAX_SEALS 256
#define SNIPPET 160   /* bytes of an error body quoted in a message */

typedef struct seal_entry {
    int licence;            /* es_id is a licence identifier (ZZBS) */
    char *es_id;
    sc_status_resp *resp;   /* NULL when the fetch failed */
    char *error;            /* why, when it failed */
} seal_entry;

struct sv_fetch {
    CURL *curl;
    struct curl_slist *headers;
    char *base;             /* normalised, without a trailing '/' */
    int is_file;
    int nonce;              /* opts.nonce */
    size_t max_body;
    seal_entry *seals;
    size_t n, cap;
    char errbuf[CURL_ERROR_SIZE];
};

static int loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcasecmp(host, "localhost") == 0 ||
           strcmp(host, "[::1]") == 0;
}

/* The base URL: https anywhere, http only to this machine (nothing on the wire to alter),
 * file for a local mirror; no credentials, query or fragment (they would leak into every
 * message, or make the per-seal URL ambiguous). *norm is a new string without trailing '/'. */
static int check_base(const char *base, char **norm, int *is_file, sc_err *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *frag = NULL, *url = NULL;
    CURLUcode uc;
    int rc = 0;

    *norm = NULL;
    if (u == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if ((uc = curl_url_set(u, CURLUPART_URL, base, 0)) != CURLUE_OK) {
        rc = sc_err_set(err, SC_EINVAL, "--status %s: not a URL (%s); give the server's base "
                        "URL, e.g. https://status.example.gov.cn:8443", base,
                        curl_url_strerror(uc));
        goto out;
    }
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
    *is_file = scheme != NULL && strcmp(scheme, "file") == 0;
    if (scheme == NULL || (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0 &&
                           !*is_file))
        rc = sc_err_set(err, SC_EINVAL, "--status %s: the scheme must be https:// (or file:// "
                        "for a local copy)", base);
    else if (strcmp(scheme, "http") == 0 && (host == NULL || !loopback(host)))
        rc = sc_err_set(err, SC_EINVAL, "--status %s: plain http:// is allowed only to "
                        "127.0.0.1, ::1 or localhost; use https://", base);
    else if (user != NULL || query != NULL || frag != NULL)
        rc = sc_err_set(err, SC_EINVAL, "--status %s: give the base URL only, without user, "
                        "query or fragment (seal-verify appends /api/v1/seals/<esID>/status)",
                        base);
    else if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    if (rc != 0)
        goto out;
    size_t len = strlen(url);
    while (len > 0 && url[len - 1] == '/')
        len--;
    if ((*norm = strndup(url, len)) == NULL)
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
out:
    curl_free(scheme), curl_free(host), curl_free(user), curl_free(query), curl_free(frag);
    curl_free(url);
    curl_url_cleanup(u);
    return rc;
}

/* A token goes into a header line: CR, LF or any control character would let it add lines
 * of its own. A file:// mirror has no one to present a token to or to echo a nonce. */
static int check_auth(const sv_fetch_opts *o, int is_file, sc_err *err)
{
    if (o->token != NULL) {
        size_t n = strlen(o->token);
        if (n == 0 || n > 4096)
            return sc_err_set(err, SC_EINVAL, "the bearer token is empty or longer than 4096 "
                              "bytes");
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)o->token[i] <= 0x20 || (unsigned char)o->token[i] >= 0x7f)
                return sc_err_set(err, SC_EINVAL, "the bearer token holds a byte that is not "
                                  "printable ASCII (position %zu)", i + 1);
    }
    if (is_file && (o->token != NULL || o->nonce))
        return sc_err_set(err, SC_EINVAL, "a token or a nonce needs a status server "
                          "(https://), not a file:// copy");
    return 0;
}

/* The header line is wiped from our buffer; libcurl's slist keeps its own copy until
 * sv_fetch_free. */
static int add_bearer(sv_fetch *f, const char *token)
{
    size_t n = strlen("Authorization: Bearer ") + strlen(token) + 1;
    char *line = malloc(n);
    struct curl_slist *l;

    if (line == NULL)
        return SC_ENOMEM;
    snprintf(line, n, "Authorization: Bearer %s", token);
    l = curl_slist_append(f->headers, line);
    OPENSSL_cleanse(line, n);
    free(line);
    if (l == NULL)
        return SC_ENOMEM;
    f->headers = l;
    return 0;
}

int sv_fetch_new(sv_fetch **out, const sv_fetch_opts *o, sc_err *err)
{
    sv_fetch *f = NULL;
    int rc = 0;
    CURLcode c = CURLE_OK;

    *out = NULL;
    if (o->tls_cert != NULL && o->tls_key == NULL)
        return sc_err_set(err, SC_EINVAL, "--tls-cert needs --tls-key (the client key)");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return sc_err_set(err, SC_ENOMEM, "libcurl: cannot initialise");
    if ((f = calloc(1, sizeof(*f))) == NULL) {
        curl_global_cleanup();
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    if ((rc = check_base(o->base, &f->base, &f->is_file, err)) != 0 ||
        (rc = check_auth(o, f->is_file, err)) != 0)
        goto out;
    f->max_body = o->max_body ? o->max_body : SV_FETCH_MAX_BODY;
    f->nonce = o->nonce;
    if ((f->curl = curl_easy_init()) == NULL ||
        (f->headers = curl_slist_append(NULL, "Accept: " SV_FETCH_ACCEPT)) == NULL ||
        (o->token != NULL && (rc = add_bearer(f, o->token)) != 0)) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    /* No redirects (a 3xx is reported, not followed to an address nobody chose), only the
     * protocols above, TLS 1.2 or later verified against tls_ca or the system store; loopback
     * never through a proxy the environment names. Setters only fail on ENOMEM or on a
     * libcurl built without the feature, which the first failing one reports. */
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_PROTOCOLS_STR, f->is_file ? "file"
                                                                           : "http,https");
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_FOLLOWLOCATION, 0L);
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, f->headers);
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_USERAGENT, "seal-verify/0.1.0");
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_CONNECTTIMEOUT,
                                 o->connect_timeout ? o->connect_timeout
                                                    : (long)SV_FETCH_CONNECT_TIMEOUT);
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_TIMEOUT,
                                 o->timeout ? o->timeout : (long)SV_FETCH_TIMEOUT);
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_SSL_VERIFYPEER, 1L);
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_SSL_VERIFYHOST, 2L);
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_ERRORBUFFER, f->errbuf);
    c = c ? c : curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, curlbuf_write);
    if (o->tls_ca != NULL)
        c = c ? c : curl_easy_setopt(f->curl, CURLOPT_CAINFO, o->tls_ca);
    if (o->tls_cert != NULL) {
        c = c ? c : curl_easy_setopt(f->curl, CURLOPT_SSLCERT, o->tls_cert);
        c = c ? c : curl_easy_setopt(f->curl, CURLOPT_SSLKEY, o->tls_key);
    }
    if (o->tls_key_pass != NULL)
        c = c ? c : curl_easy_setopt(f->curl, CURLOPT_KEYPASSWD, o->tls_key_pass);
    if (c != CURLE_OK) {
        rc = sc_err_set(err, c == CURLE_OUT_OF_MEMORY ? SC_ENOMEM : SC_EINVAL, "libcurl: %s",
                        curl_easy_strerror(c));
        goto out;
    }
    *out = f;
    f = NULL;
out:
    sv_fetch_free(f);
    return rc;
}

void sv_fetch_free(sv_fetch *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->seals[i].es_id);
        sc_status_resp_free(f->seals[i].resp);
        free(f->seals[i].error);
    }
    free(f->seals);
    curl_easy_cleanup(f->curl);   /* NULL is a no-op */
    curl_slist_free_all(f->headers);
    free(f->base);
    free(f);
    curl_global_cleanup();
}

static char *subject_url(const sv_fetch *f, int licence, const char *subject)
{
    /* every byte but A-Z a-z 0-9 - . _ ~ is %-encoded, so a subject cannot change the path */
    char *esc = curl_easy_escape(NULL, subject, 0), *url = NULL;

    if (esc != NULL && asprintf(&url, "%s/api/v1/%s/%s/status", f->base,
                                licence ? "licenses" : "seals", esc) < 0)
        url = NULL;
    curl_free(esc);
    return url;
}

char *sv_fetch_url(const sv_fetch *f, const char *es_id)
{
    return subject_url(f, 0, es_id);
}

/* Up to SNIPPET printable bytes of an error body (servers answer {"error", "message"}),
 * so the message says what the server said; control bytes become '?'. */
static void snippet(const curlbuf *b, char *out, size_t n)
{
    size_t k = 0, i;

    for (i = 0; i < b->n && i < SNIPPET && k + 1 < n; i++)
        out[k++] = b->p[i] >= 0x20 && b->p[i] < 0x7f ? (char)b->p[i] : '?';
    out[k] = '\0';
}

/* GET url into a parsed response. @return 0, SC_EIO (err names url and why), SC_ENOMEM */
static int get(sv_fetch *f, const char *url, int licence, sc_status_resp **out, sc_err *err)
{
    curlbuf b = { .max = f->max_body };
    sc_err pe = SC_ERR_INIT;
    char *ctype = NULL, quote[SNIPPET + 1], got[96];
    long status = 0;
    CURLcode c;
    int rc = 0;

    *out = NULL;
    f->errbuf[0] = '\0';
    /* an unset URL would repeat the previous seal's request: refuse rather than guess */
    if (curl_easy_setopt(f->curl, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, &b) != CURLE_OK)
        return sc_err_set(err, SC_ENOMEM, "GET %s: out of memory", url);
    c = curl_easy_perform(f->curl);
    if (b.too_big) {
        rc = sc_err_set(err, SC_EIO, "GET %s: the answer is larger than %zu bytes, which no "
                        "status response is", url, f->max_body);
        goto out;
    }
    if (c == CURLE_OUT_OF_MEMORY || b.oom) {
        rc = sc_err_set(err, SC_ENOMEM, "GET %s: out of memory", url);
        goto out;
    }
    if (c != CURLE_OK) {
        int tls = c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE ||
                  c == CURLE_SSL_CONNECT_ERROR || c == CURLE_SSL_CERTPROBLEM;
        rc = sc_err_set(err, SC_EIO, "GET %s: %s%s", url, f->errbuf[0] ? f->errbuf
                        : curl_easy_strerror(c), tls ? " (check --tls-ca, and --tls-cert/"
                        "--tls-key if the server asks for a client certificate)" : "");
        goto out;
    }
    curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(f->curl, CURLINFO_CONTENT_TYPE, &ctype);   /* owned by the handle */
    if (!f->is_file && status != 200) {
        snippet(&b, quote, sizeof(quote));   /* last: a long quote is what gets truncated */
        rc = sc_err_set(err, SC_EIO, "GET %s: HTTP %ld%s%s%s", url, status,
                        status != 404 ? "" : licence ? " (the server has no status for this "
                        "licence)" : " (the server has no status for this seal)",
                        quote[0] ? ", the server says: " : "", quote);
        goto out;
    }
    if (f->is_file)
        snprintf(got, sizeof(got), "read");
    else
        snprintf(got, sizeof(got), "HTTP %ld (Content-Type %.40s)", status,
                 ctype ? ctype : "none");
    if (b.n == 0) {
        rc = sc_err_set(err, SC_EIO, "GET %s: %s with an empty body, not a status response",
                        url, got);
        goto out;
    }
    if ((rc = sc_status_resp_parse(out, b.p, b.n, &pe)) != 0) {
        rc = rc == SC_ENOMEM ? SC_ENOMEM : SC_EIO;
        sc_err_set(err, rc, "GET %s: %s, but the body is not a DER StatusResponse: %s", url,
                   got, pe.msg);
    }
out:
    free(b.p);
    return rc;
}

/* GET url?nonce=<fresh 16 bytes> and refuse an answer that does not carry them back. */
static int get_with_nonce(sv_fetch *f, const char *url, int licence, sc_status_resp **out,
                          sc_err *err)
{
    uint8_t nonce[16];
    char hex[2 * sizeof(nonce) + 1], *full = NULL;
    const sc_status_resp_info *info;
    int rc;

    if (RAND_bytes(nonce, sizeof(nonce)) != 1)
        return sc_err_set(err, SC_EIO, "no random bytes for a nonce");
    for (size_t i = 0; i < sizeof(nonce); i++)
        snprintf(hex + 2 * i, 3, "%02x", nonce[i]);
    if (asprintf(&full, "%s?nonce=%s", url, hex) < 0)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    rc = get(f, full, licence, out, err);
    if (rc == 0 && ((info = sc_status_resp_get_info(*out)) == NULL ||
                    info->nonce == NULL || info->nonce_len != sizeof(nonce) ||
                    CRYPTO_memcmp(info->nonce, nonce, sizeof(nonce)) != 0)) {
        rc = sc_err_set(err, SC_EIO, "GET %s: the response does not echo the nonce sent (%s): "
                        "a replayed or cached answer, or a server that ignores ?nonce=", url,
                        info != NULL && info->nonce != NULL ? "another nonce" : "none");
        sc_status_resp_free(*out);
        *out = NULL;
    }
    free(full);
    return rc;
}

/* The response for a seal's esID or (licence) a licence identifier, fetched once. */
static int fetch(sv_fetch *f, int licence, const char *es_id, const sc_status_resp **out,
                 sc_err *err)
{
    seal_entry *e = NULL;
    char *url = NULL;
    sc_err fe = SC_ERR_INIT;
    int rc;

    *out = NULL;
    for (size_t i = 0; i < f->n; i++)
        if (f->seals[i].licence == licence && strcmp(f->seals[i].es_id, es_id) == 0) {
            if (f->seals[i].error != NULL)
                return sc_err_set(err, SC_EIO, "%s", f->seals[i].error);
            *out = f->seals[i].resp;
            return 0;
        }
    if (f->n == MAX_SEALS)
        return sc_err_set(err, SC_EIO, "the input names more than %d seals; their status is "
                          "not fetched one by one (give --status-list FILE)", MAX_SEALS);
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        seal_entry *s = realloc(f->seals, cap * sizeof(*s));
        if (s == NULL)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        f->seals = s;
        f->cap = cap;
    }
    e = &f->seals[f->n];
    memset(e, 0, sizeof(*e));
    e->licence = licence;
    if ((e->es_id = strdup(es_id)) == NULL || (url = subject_url(f, licence, es_id)) == NULL) {
        free(e->es_id);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    rc = f->nonce ? get_with_nonce(f, url, licence, &e->resp, &fe)
                  : get(f, url, licence, &e->resp, &fe);
    free(url);
    if (rc == SC_ENOMEM) {
        free(e->es_id);
        return sc_err_set(err, rc, "%s", fe.msg);
    }
    if (rc != 0 && (e->error = strdup(fe.msg)) == NULL) {
        free(e->es_id);
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    f->n++;   /* kept either way: a failing seal is not asked for again */
    if (rc != 0)
        return sc_err_set(err, rc, "%s", fe.msg);
    *out = e->resp;
    return 0;
}

int sv_fetch_status(void *ctx, const char *es_id, const sc_status_resp **out, sc_err *err)
{
    return fetch(ctx, 0, es_id, out, err);
}

int sv_fetch_license_status(void *ctx, const char *license_id, const sc_status_resp **out,
                            sc_err *err)
{
    return fetch(ctx, 1, license_id, out, err);
}

size_t sv_fetch_error_count(const sv_fetch *f)
{
    size_t k = 0;

    for (size_t i = 0; i < f->n; i++)
        k += f->seals[i].error != NULL;
    return k;
}

const char *sv_fetch_error(const sv_fetch *f, size_t i)
{
    for (size_t k = 0; k < f->n; k++)
        if (f->seals[k].error != NULL && i-- == 0)
            return f->seals[k].error;
    return NULL;
}

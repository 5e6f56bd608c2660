/* remote.c: the seal-server client under sealctl's remote commands (remote.h): options and
 * credentials, one libcurl easy handle per command (keep-alive across its requests), the
 * API's error shape {"error","message"} turned into one line and an exit code, streamed
 * uploads and atomically written downloads, and the progress bar.
 * Not here: what a command sends and prints (cmd_remote*.c). TLS is always verified: there
 * is no option to turn it off, only --cacert to name the CA. */
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "curlbuf.h"
#include "sealctl.h"
#include "tool.h"

#define CONNECT_TIMEOUT 10L    /* seconds to connect and finish the TLS handshake */
#define STALL_TIME 120L        /* a transfer slower than 1 byte/s for this long is dropped */
#define ERROR_BODY_MAX 65536   /* an error answer kept to read its message */
#define SNIPPET 160            /* bytes of a non-JSON answer quoted in a message */

struct remote {
    CURL *curl;
    char *base;             /* normalised server URL */
    char *token;            /* bearer token (wiped), or NULL */
    size_t token_len;
    char *key_pass;         /* client key password (wiped), or NULL */
    size_t key_pass_len;
    int json;
    char errbuf[CURL_ERROR_SIZE];
};

int remote_opt(remote_opts *o, int c, const char *arg)
{
    switch (c) {
    case RO_SERVER: o->server = arg; return 1;
    case RO_TOKEN_FILE: o->token_file = arg; return 1;
    case RO_CERT: o->cert = arg; return 1;
    case RO_KEY: o->key = arg; return 1;
    case RO_KEY_PASS: o->key_pass_file = arg; return 1;
    case RO_CACERT: o->cacert = arg; return 1;
    case RO_JSON: o->json = 1; return 1;
    case RO_PROGRESS: o->progress = 1; return 1;
    default: return 0;
    }
}

int remote_wanted(int argc, char **argv, const char *local_opt)
{
    size_t ll = strlen(local_opt);
    int local = 0;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--server") == 0 || strncmp(argv[i], "--server=", 9) == 0)
            return 1;
        if (strncmp(argv[i], local_opt, ll) == 0 && (argv[i][ll] == '\0' || argv[i][ll] == '='))
            local = 1;
    }
    return !local && getenv("SEALCTL_SERVER") != NULL && getenv("SEALCTL_SERVER")[0] != '\0';
}

int remote_int_arg(const char *prog, const char *opt, const char *arg, int64_t lo, int64_t hi,
                   int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(arg, &end, 10);
    if (*arg != '\0' && *end == '\0' && errno == 0 && v >= lo && v <= hi) {
        *out = (int64_t)v;
        return 0;
    }
    tool_errorf(prog, "%s%s: \"%s\" is not a number in %lld..%lld", opt[0] >= 'A' && opt[0] <= 'Z' ? "" : "--",
                opt, arg, (long long)lo, (long long)hi);
    return -1;
}

int remote_or_local(int argc, char **argv, const char *local_opt, remote_cmd_fn remote_fn,
                    remote_cmd_fn local_fn)
{
    return remote_wanted(argc, argv, local_opt) ? remote_fn(argc, argv) : local_fn(argc, argv);
}

int remote_parse(const char *prog, const char *usage, const struct option *opts, int argc,
                 char **argv, remote_opts *ro, remote_opt_fn fn, void *ctx, int npos)
{
    int c, r;

    optind = 1;
    while ((c = getopt_long(argc, argv, "i:o:", opts, NULL)) != -1) {
        if (remote_opt(ro, c, optarg))
            continue;
        if (c == 'h') {
            printf("%s\n%s", usage, REMOTE_USAGE);
            return EXIT_DONE;
        }
        if (c == '?' || fn == NULL || (r = fn(ctx, c, optarg)) == 1) {
            fprintf(stderr, "%s\n%s", usage, REMOTE_USAGE);
            return EXIT_USAGE;
        }
        if (r != 0)
            return EXIT_USAGE;
    }
    if (npos >= 0 && argc - optind != npos) {
        if (argc - optind > npos)
            tool_errorf(prog, "unexpected argument \"%s\"", argv[optind + npos]);
        else
            tool_errorf(prog, "missing argument (see --help)");
        fprintf(stderr, "%s\n", usage);
        return EXIT_USAGE;
    }
    return -1;
}

int remote_begin(const char *prog, const remote_opts *o, remote **out)
{
    sc_err err = SC_ERR_INIT;

    if (remote_open(out, o, &err) == 0)
        return 0;
    tool_error(prog, &err);
    return err.code == SC_EINVAL ? EXIT_USAGE : remote_exit(err.code);
}

int remote_call(const char *prog, const remote_opts *o, const char *method, const char *path,
                const json_t *body, json_t **doc)
{
    remote *r = NULL;
    sc_err err = SC_ERR_INIT;
    int rc;

    *doc = NULL;
    if ((rc = remote_begin(prog, o, &r)) != 0)
        return rc;
    rc = remote_json(r, method, path, body, doc, &err);
    remote_free(r);
    return rc != 0 ? remote_fail(prog, &err) : 0;
}

char *remote_escape(const char *s)
{
    size_t n = 3 * strlen(s) + 1, k = 0;
    char *e = malloc(n);

    for (const unsigned char *p = (const unsigned char *)s; e != NULL && *p != '\0'; p++) {
        int plain = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= 'A' && *p <= 'Z') || strchr("-._~", *p) != NULL;
        k += (size_t)snprintf(e + k, n - k, plain ? "%c" : "%%%02X", *p);
    }
    if (e != NULL)
        e[k] = '\0';
    return e;
}

int remote_b64(const json_t *o, const char *k, uint8_t **out, size_t *len)
{
    const char *s = json_string_value(json_object_get(o, k));
    size_t n = s != NULL ? strlen(s) : 0;
    int got;

    *out = NULL;
    *len = 0;
    /* EVP_DecodeBlock reads whole quanta and counts padding as zero bytes */
    if (n == 0 || n % 4 != 0 || n > REMOTE_MAX_JSON || (*out = malloc(n / 4 * 3 + 1)) == NULL)
        return -1;
    if ((got = EVP_DecodeBlock(*out, (const unsigned char *)s, (int)n)) < 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    *len = (size_t)got - (s[n - 1] == '=') - (s[n - 2] == '=');
    return 0;
}

int remote_exit(int code)
{
    if (code == REMOTE_EREFUSED)
        return EXIT_FAILED;
    if (code == REMOTE_ESERVER || code == REMOTE_EREACH)
        return EXIT_NO_ANSWER;
    return exit_for(code);
}

int remote_fail(const char *prog, const sc_err *err)
{
    tool_error(prog, err);
    return remote_exit(err->code);
}

/* ---- opening: the URL, the credential, the handle ------------------------------------------ */

static int is_loopback(const char *host)
{
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "[::1]") == 0 ||
           strcasecmp(host, "localhost") == 0;
}

/* https://host[:port][/prefix], or http:// to this machine only (the server refuses plain
 * HTTP elsewhere, and a token must never cross a network in clear). */
static int base_url(const char *url, char **out, sc_err *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *user = NULL, *query = NULL, *norm = NULL;
    int rc = 0;

    *out = NULL;
    if (u == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = sc_err_set(err, SC_EINVAL, "--server %s: not a URL; e.g. https://127.0.0.1:8443",
                        url);
        goto out;
    }
    (void)curl_url_get(u, CURLUPART_USER, &user, 0);
    (void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
    if (strcmp(scheme, "https") != 0 && !(strcmp(scheme, "http") == 0 && is_loopback(host)))
        rc = sc_err_set(err, SC_EINVAL, "--server %s: https:// is required (http:// only to "
                        "127.0.0.1, ::1 or localhost)", url);
    else if (user != NULL || query != NULL || strchr(url, '#') != NULL)
        rc = sc_err_set(err, SC_EINVAL, "--server %s: give the server's base URL without "
                        "user, query or fragment (credentials go in --token-file)", url);
    else if (curl_url_get(u, CURLUPART_URL, &norm, 0) != CURLUE_OK)
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    if (rc == 0) {
        size_t n = strlen(norm);
        while (n > 0 && norm[n - 1] == '/')
            n--;
        if ((*out = strndup(norm, n)) == NULL)
            rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(query);
    curl_free(norm);
    curl_url_cleanup(u);
    return rc;
}

/* The token: the file's first line, printable ASCII without blanks (what a header carries). */
static int read_token(remote *r, const char *path, sc_err *err)
{
    uint8_t *buf = NULL;
    size_t n = 0, l;
    int rc;

    if ((rc = tool_read_file(path, 4096, &buf, &n, err)) != 0)
        return sc_err_prefix(err, "--token-file");
    l = strcspn((char *)buf, "\r\n");
    for (size_t i = 0; i < l && rc == 0; i++)
        if (buf[i] <= 0x20 || buf[i] >= 0x7f)
            rc = sc_err_set(err, SC_EFORMAT, "--token-file %s: the first line holds a "
                            "character a token cannot have (byte %zu)", path, i + 1);
    if (rc == 0 && (l == 0 || l > REMOTE_MAX_TOKEN))
        rc = sc_err_set(err, SC_EFORMAT, "--token-file %s: the first line is %s", path,
                        l == 0 ? "empty" : "too long for a token");
    if (rc == 0) {
        OPENSSL_cleanse(buf + l, n - l);
        buf[l] = '\0';
        r->token = (char *)buf;
        r->token_len = l;
        return 0;
    }
    OPENSSL_clear_free(buf, n + 1);
    return rc;
}

static int credentials(remote *r, const remote_opts *o, sc_err *err)
{
    const char *tf = o->token_file;
    int rc;

    if (tf == NULL && o->cert == NULL && getenv("SEALCTL_TOKEN_FILE") != NULL &&
        getenv("SEALCTL_TOKEN_FILE")[0] != '\0')
        tf = getenv("SEALCTL_TOKEN_FILE");
    if (tf != NULL && o->cert != NULL)
        return sc_err_set(err, SC_EINVAL, "give --token-file or --cert/--key, not both");
    if ((o->cert == NULL) != (o->key == NULL))
        return sc_err_set(err, SC_EINVAL, "--cert and --key go together (the client's TLS "
                          "certificate and its key)");
    if (o->key_pass_file != NULL && o->key == NULL)
        return sc_err_set(err, SC_EINVAL, "--key-pass-file goes with --cert/--key");
    if (tf != NULL) {
        if ((rc = read_token(r, tf, err)) != 0)
            return rc;
        /* one method given: libcurl sends it with the first request, no 401 round trip */
        curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
        curl_easy_setopt(r->curl, CURLOPT_XOAUTH2_BEARER, r->token);
    }
    if (o->cert != NULL) {
        curl_easy_setopt(r->curl, CURLOPT_SSLCERT, o->cert);
        curl_easy_setopt(r->curl, CURLOPT_SSLKEY, o->key);
        if (o->key_pass_file != NULL) {
            if ((rc = tool_read_password(o->key_pass_file, o->key, &r->key_pass,
                                         &r->key_pass_len, err)) != 0)
                return rc == SC_EINVAL ? rc : SC_EIO;
            curl_easy_setopt(r->curl, CURLOPT_KEYPASSWD, r->key_pass);
        }
    }
    return 0;
}

int remote_open(remote **out, const remote_opts *o, sc_err *err)
{
    const char *server = o->server != NULL ? o->server : getenv("SEALCTL_SERVER");
    remote *r = NULL;
    int rc;

    *out = NULL;
    if (server == NULL || server[0] == '\0')
        return sc_err_set(err, SC_EINVAL, "--server URL is required (or set SEALCTL_SERVER)");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return sc_err_set(err, SC_ENOMEM, "libcurl: cannot initialise");
    if ((r = calloc(1, sizeof(*r))) == NULL || (r->curl = curl_easy_init()) == NULL) {
        free(r);
        curl_global_cleanup();
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    r->json = o->json;
    if ((rc = base_url(server, &r->base, err)) != 0 || (rc = credentials(r, o, err)) != 0) {
        remote_free(r);
        return rc;
    }
    curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "https,http");
    curl_easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 0L);   /* never carry a token elsewhere */
    curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
    curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_TIME, STALL_TIME);
    curl_easy_setopt(r->curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(r->curl, CURLOPT_USERAGENT, "sealctl");
    if (o->cacert != NULL)
        curl_easy_setopt(r->curl, CURLOPT_CAINFO, o->cacert);
    *out = r;
    return 0;
}

void remote_free(remote *r)
{
    if (r == NULL)
        return;
    curl_easy_cleanup(r->curl);
    if (r->token != NULL)
        OPENSSL_clear_free(r->token, r->token_len + 1);
    tool_free_secret(r->key_pass, r->key_pass_len);
    free(r->base);
    free(r);
    curl_global_cleanup();
}

const char *remote_server(const remote *r)
{
    return r->base;
}

/* ---- one request ------------------------------------------------------------------------- */

/* Where an answer goes: memory (up to max), or, for a 200, a file descriptor. */
typedef struct sink {
    CURL *curl;
    curlbuf mem;            /* an answer kept in memory (mem.max set by the caller) */
    int fd;                 /* -1: memory only */
    int decided, to_fd, io;
} sink;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    sink *s = ud;
    size_t n = nmemb;   /* size is always 1 (libcurl documents it) */

    if (!s->decided) {   /* the status line is in by the first body byte */
        long st = 0;
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &st);
        s->to_fd = s->fd >= 0 && st == 200;
        s->decided = 1;
    }
    if (size != 1)
        return 0;
    if (s->to_fd) {
        for (size_t done = 0; done < n;) {
            ssize_t w = write(s->fd, data + done, n - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                s->io = errno != 0 ? errno : EIO;
                return 0;
            }
            done += (size_t)w;
        }
        return n;
    }
    return curlbuf_write(data, size, nmemb, &s->mem);
}

/* An answer that is not 2xx: "MESSAGE (CODE, HTTP nnn)" from the error shape, or a snippet of
 * whatever came. 4xx: the server refused (REMOTE_EREFUSED); anything else REMOTE_ESERVER. */
static int http_error(const remote *r, long status, const uint8_t *p, size_t n, sc_err *err)
{
    int code = status >= 400 && status < 500 ? REMOTE_EREFUSED : REMOTE_ESERVER;
    json_t *doc = n > 0 ? json_loadb((const char *)p, n, 0, NULL) : NULL;
    const char *e = json_string_value(json_object_get(doc, "error"));
    const char *m = json_string_value(json_object_get(doc, "message"));

    if (e != NULL && m != NULL)
        sc_err_set(err, code, "%s (%s, HTTP %ld)", m, e, status);
    else
        sc_err_set(err, code, "%s answered HTTP %ld%s%.*s", r->base, status,
                   n > 0 ? ": " : " with no body", (int)(n < SNIPPET ? n : SNIPPET),
                   n > 0 ? (const char *)p : "");
    json_decref(doc);
    return code;
}

/* Why a transfer failed, said so a person knows where to look. */
static int transfer_error(const remote *r, CURLcode c, const sink *s, const char *url,
                          sc_err *err)
{
    const char *why = r->errbuf[0] != '\0' ? r->errbuf : curl_easy_strerror(c);

    if (s->mem.oom)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (s->mem.too_big)
        return sc_err_set(err, REMOTE_ESERVER, "%s: the answer is larger than %zu bytes", url,
                          s->mem.max);
    if (s->io != 0)
        return sc_err_set(err, SC_EIO, "writing the answer: %s", strerror(s->io));
    switch (c) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return sc_err_set(err, REMOTE_EREACH, "%s: the server's TLS certificate is not "
                          "trusted (%s); give --cacert the server's TLS CA", url, why);
    case CURLE_SSL_CERTPROBLEM:
        return sc_err_set(err, SC_EIO, "the client certificate or key cannot be used (%s); a "
                          "password-protected key needs --key-pass-file", why);
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        return sc_err_set(err, REMOTE_EREACH, "cannot reach %s: %s", r->base, why);
    case CURLE_OPERATION_TIMEDOUT:   /* the request may have been sent, and acted on */
        return sc_err_set(err, REMOTE_ESERVER, "no answer from %s in time: %s", r->base, why);
    default:
        return sc_err_set(err, REMOTE_ESERVER, "%s: %s", url, why);
    }
}

/* How a request goes out: a body in memory, a file to stream, or none. */
typedef struct req_body {
    const char *ctype, *accept;
    const void *mem;
    size_t len;
    FILE *file;             /* streamed; len is its size */
} req_body;

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    FILE *f = ud;
    size_t n = fread(buf, 1, size * nitems, f);

    return n == 0 && ferror(f) ? CURL_READFUNC_ABORT : n;
}

/* Perform method path; the answer into s. @return 0 with *status, or a failure code. */
static int perform(remote *r, const char *method, const char *path, const req_body *b, sink *s,
                   long *status, sc_err *err)
{
    struct curl_slist *h = NULL, *t;
    size_t ul = strlen(r->base) + strlen(path) + 1;
    char hdr[160], *url = malloc(ul);
    CURLcode c;
    int rc = 0;

    *status = 0;
    if (url == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    snprintf(url, ul, "%s%s", r->base, path);
    s->curl = r->curl;
    r->errbuf[0] = '\0';
    curl_easy_setopt(r->curl, CURLOPT_URL, url);
    curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(r->curl, CURLOPT_HTTPGET, 1L);   /* resets an earlier request's body */
    curl_easy_setopt(r->curl, CURLOPT_CUSTOMREQUEST,
                     strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 ? method : NULL);
    if (strcmp(method, "POST") == 0) {
        curl_easy_setopt(r->curl, CURLOPT_POST, 1L);
        if (b->file != NULL) {
            curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, NULL);
            curl_easy_setopt(r->curl, CURLOPT_READFUNCTION, on_read);
            curl_easy_setopt(r->curl, CURLOPT_READDATA, b->file);
        } else {
            curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, b->mem != NULL ? b->mem : "");
        }
        curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
    }
    snprintf(hdr, sizeof(hdr), "Accept: %s", b->accept != NULL ? b->accept : "application/json");
    t = curl_slist_append(h, hdr);
    h = t != NULL ? t : h;
    if (t != NULL && b->ctype != NULL) {
        snprintf(hdr, sizeof(hdr), "Content-Type: %s", b->ctype);
        t = curl_slist_append(h, hdr);
    }
    if (t == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    h = t;
    curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, h);
    if ((c = curl_easy_perform(r->curl)) != CURLE_OK) {
        rc = transfer_error(r, c, s, url, err);
        goto out;
    }
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, status);
out:
    curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h);
    free(url);
    return rc;
}

static void print_json_body(const remote *r, const uint8_t *p, size_t n)
{
    if (!r->json || n == 0)
        return;
    fwrite(p, 1, n, stdout);
    if (p[n - 1] != '\n')
        fputc('\n', stdout);
}

/* method path with body b; a 2xx JSON answer into *out. */
static int json_call(remote *r, const char *method, const char *path, const req_body *b,
                     json_t **out, sc_err *err)
{
    sink s = { .mem.max = REMOTE_MAX_JSON, .fd = -1 };
    json_error_t je;
    long status;
    int rc;

    *out = NULL;
    if ((rc = perform(r, method, path, b, &s, &status, err)) != 0)
        goto out;
    print_json_body(r, s.mem.p, s.mem.n);
    if (status < 200 || status > 299) {
        rc = http_error(r, status, s.mem.p, s.mem.n, err);
        goto out;
    }
    *out = s.mem.n == 0 ? json_null() : json_loadb((const char *)s.mem.p, s.mem.n, 0, &je);
    if (*out == NULL)
        rc = sc_err_set(err, REMOTE_ESERVER, "%s%s: the answer is not JSON (%s)", r->base, path,
                        je.text);
out:
    free(s.mem.p);
    return rc;
}

int remote_json(remote *r, const char *method, const char *path, const json_t *body,
                json_t **out, sc_err *err)
{
    req_body b = { 0 };
    char *text = NULL;
    int rc;

    *out = NULL;
    if (body != NULL) {
        if ((text = json_dumps(body, JSON_COMPACT)) == NULL)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        b.ctype = "application/json";
        b.mem = text;
        b.len = strlen(text);
    }
    rc = json_call(r, method, path, &b, out, err);
    free(text);
    return rc;
}

int remote_post_mem(remote *r, const char *path, const char *ctype, const void *data,
                    size_t len, json_t **out, sc_err *err)
{
    req_body b = { .ctype = ctype, .mem = data, .len = len };

    return json_call(r, "POST", path, &b, out, err);
}

int remote_get_bytes(remote *r, const char *path, const char *accept, size_t max,
                     uint8_t **body, size_t *len, sc_err *err)
{
    sink s = { .mem.max = max, .fd = -1 };
    req_body b = { .accept = accept };
    long status;
    int rc;

    *body = NULL;
    *len = 0;
    if ((rc = perform(r, "GET", path, &b, &s, &status, err)) == 0 && status != 200)
        rc = http_error(r, status, s.mem.p, s.mem.n, err);
    if (rc == 0) {
        *body = s.mem.p;
        *len = s.mem.n;
        return 0;
    }
    free(s.mem.p);
    return rc;
}

/* out's temporary sibling, created 0644 (an output like any other of sealctl's). */
static int temp_beside(const char *out, char **tmp, sc_err *err)
{
    size_t n = strlen(out) + sizeof(".tmp.XXXXXX");
    int fd;

    if ((*tmp = malloc(n)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    snprintf(*tmp, n, "%s.tmp.XXXXXX", out);
    if ((fd = mkstemp(*tmp)) < 0 || fchmod(fd, 0644) != 0) {
        sc_err_set(err, SC_EIO, "%s: cannot create a file beside it: %s", out, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(*tmp);
        }
        free(*tmp);
        *tmp = NULL;
        return -1;
    }
    return fd;
}

int remote_post_file(remote *r, const char *path, const char *ctype, const char *in,
                     const char *out, sc_err *err)
{
    sink s = { .mem.max = ERROR_BODY_MAX, .fd = -1 };
    req_body b = { .ctype = ctype, .accept = "*/*" };
    struct stat sb;
    char *tmp = NULL;
    long status = 0;
    int rc = 0;

    if ((b.file = fopen(in, "rb")) == NULL || fstat(fileno(b.file), &sb) != 0 ||
        !S_ISREG(sb.st_mode)) {
        rc = sc_err_set(err, SC_EIO, "%s: %s", in, b.file == NULL ? strerror(errno)
                        : "not a regular file");
        goto out;
    }
    b.len = (size_t)sb.st_size;
    if ((s.fd = temp_beside(out, &tmp, err)) < 0) {
        rc = err->code;
        goto out;
    }
    if ((rc = perform(r, "POST", path, &b, &s, &status, err)) == 0 && status != 200)
        rc = http_error(r, status, s.mem.p, s.mem.n, err);
    if (rc == 0 && fsync(s.fd) != 0)
        rc = sc_err_set(err, SC_EIO, "%s: %s", out, strerror(errno));
    if (close(s.fd) != 0 && rc == 0)
        rc = sc_err_set(err, SC_EIO, "%s: %s", out, strerror(errno));
    if (rc == 0 && rename(tmp, out) != 0)
        rc = sc_err_set(err, SC_EIO, "%s: %s", out, strerror(errno));
    if (rc != 0)
        unlink(tmp);
out:
    if (b.file != NULL)
        fclose(b.file);
    free(tmp);
    free(s.mem.p);
    return rc;
}

/* ---- the progress bar -------------------------------------------------------------------- */

#define BAR_WIDTH 30

void remote_bar_start(remote_bar *b, int forced, size_t total, const char *what)
{
    b->on = forced || isatty(STDERR_FILENO);
    b->total = total;
    b->what = what;
    remote_bar_set(b, 0);
}

void remote_bar_set(remote_bar *b, size_t done)
{
    char bar[BAR_WIDTH + 1];
    size_t fill = b->total > 0 ? done * BAR_WIDTH / b->total : BAR_WIDTH;

    if (!b->on)
        return;
    memset(bar, '#', fill);
    memset(bar + fill, '.', BAR_WIDTH - fill);
    bar[BAR_WIDTH] = '\0';
    fprintf(stderr, "\r%s [%s] %zu/%zu", b->what, bar, done, b->total);
    fflush(stderr);
}

void remote_bar_end(remote_bar *b)
{
    if (b->on)
        fputc('\n', stderr);
    b->on = 0;
}

/* server_fixture.c: see server_fixture.h. A broken fixture (no PKI, store refused, binary
 * missing) exits the test process: it is a broken environment, not a result. */
#include "server_fixture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "auth.h"
#include "testutil.h"

static sf_env env;
static int server_seq;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "server_fixture: %s: %s\n", what, detail != NULL ? detail : "");
    exit(1);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void add_token_client(ss_store *st, const char *name, uint32_t roles, char *tok,
                             int disabled)
{
    ss_client c;
    sc_err err = SC_ERR_INIT;
    int64_t id = 0;

    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "%s", name);
    c.roles = roles;
    c.has_token = 1;
    if (ss_token_new(tok, c.token_hash, &err) != 0 ||
        ss_store_client_add(st, &c, (int64_t)time(NULL), &id, &err) != 0 ||
        (disabled && ss_store_client_disable(st, id, &err) != 0))
        die(name, err.msg);
}

/* The PKI's tls-client certificate as the admin: registered by subject and fingerprint, as
 * the server computes them (ss_auth_cert_identity). */
static void add_cert_client(ss_store *st)
{
    FILE *f = fopen(sc_test_path(env.pki, "tls-client.pem"), "r");
    X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    ss_client c;
    sc_err err = SC_ERR_INIT;

    if (f != NULL)
        fclose(f);
    if (x == NULL)
        die("tls-client.pem", "unreadable");
    memset(&c, 0, sizeof(c));
    snprintf(c.name, sizeof(c.name), "admin-cert");
    c.roles = SS_ROLE_ADMIN;
    c.has_cert_sha256 = 1;
    if (ss_auth_cert_identity(x, c.cert_subject, sizeof(c.cert_subject), c.cert_sha256,
                              &err) != 0 ||
        ss_store_client_add(st, &c, (int64_t)time(NULL), NULL, &err) != 0)
        die("admin-cert", err.msg);
    X509_free(x);
}

const sf_env *sf_env_get(void)
{
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;
    uint8_t *pw = NULL;
    size_t len = 0;

    if (env.pki[0] != '\0')
        return &env;
    if (getenv("SEAL_SERVER") == NULL)
        die("SEAL_SERVER", "not set (run through meson test)");
    snprintf(env.pki, sizeof(env.pki), "%s", sc_test_pki());
    snprintf(env.other, sizeof(env.other), "%s", sc_test_pki_other());
    snprintf(env.dir, sizeof(env.dir), "%s", sc_test_tmpdir());
    snprintf(env.store, sizeof(env.store), "%s/store.db", env.dir);
    if (sc_test_read(sc_test_path(env.pki, "key-password"), &pw, &len) != 0)
        die("key-password", "unreadable");
    pw[strcspn((char *)pw, "\n")] = '\0';
    snprintf(env.password, sizeof(env.password), "%s", (char *)pw);
    free(pw);
    if (ss_store_open_sqlite(&st, env.store, &err) != 0)
        die("store", err.msg);
    add_cert_client(st);
    add_token_client(st, "admin-token", SS_ROLE_ADMIN, env.tok_admin, 0);
    add_token_client(st, "officer-token", SS_ROLE_SEAL_OFFICER, env.tok_officer, 0);
    add_token_client(st, "operator-token", SS_ROLE_OPERATOR, env.tok_operator, 0);
    add_token_client(st, "auditor-token", SS_ROLE_AUDITOR, env.tok_auditor, 0);
    add_token_client(st, "verifier-token", SS_ROLE_VERIFIER, env.tok_verifier, 0);
    add_token_client(st, "disabled-token", SS_ROLE_ADMIN, env.tok_disabled, 1);
    ss_store_close(st);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        die("curl", "global init failed");
    atexit(curl_global_cleanup);
    return &env;
}

unsigned sf_free_port(void)
{
    struct sockaddr_in a;
    socklen_t al = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    unsigned port = 0;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &al) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    if (port == 0)
        die("free port", strerror(errno));
    return port;
}

char *sf_config_text(const sf_opts *o, unsigned port)
{
    static const sf_opts defaults;
    const sf_env *e = sf_env_get();
    char tls[2400] = "", svc[3200] = "";
    char *out = malloc(8192);

    if (o == NULL)
        o = &defaults;
    if (out == NULL)
        die("config", "out of memory");
    if (!o->plain_http)
        snprintf(tls, sizeof(tls), "\"tls\": {\"cert\": \"%s/tls-server.pem\", \"key\": "
                 "\"%s/tls-server.key\", \"key_password_file\": \"%s/key-password\", "
                 "\"client_ca\": \"%s/tls-ca.pem\"},", e->pki, e->pki, e->pki, e->pki);
    if (o->service) {
        int n = 0;
        static const char *const pairs[][2] = { { "seal_ca", "seal-ca" },
                                                { "seal_maker", "seal-maker" },
                                                { "status_signer", "status-signer" },
                                                { "tsa", "tsa" } };
        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
            n += snprintf(svc + n, sizeof(svc) - (size_t)n, "\"%s\": {\"cert\": \"%s/%s.pem\", "
                          "\"key\": \"%s/%s.key\"}, ", pairs[i][0], e->pki, pairs[i][1], e->pki,
                          pairs[i][1]);
        n += snprintf(svc + n, sizeof(svc) - (size_t)n,
                      "\"key_password_file\": \"%s/key-password\", \"region_code\": \"330000\", "
                      "\"tsa_policy\": \"1.2.3.4.1\", ", e->pki);
        if (o->status_list_max > 0)
            n += snprintf(svc + n, sizeof(svc) - (size_t)n,
                          "\"status_list_max_licenses\": %u, ", o->status_list_max);
        if (o->idem_retention_s > 0)
            snprintf(svc + n, sizeof(svc) - (size_t)n, "\"idempotency_retention_s\": %u, ",
                     o->idem_retention_s);
    }
    snprintf(out, 8192,
             "{\"role\": \"province\", \"listen\": \"127.0.0.1:%u\", %s %s %s"
             "\"threads\": 4, \"store\": \"%s\", \"anonymous_verify\": %s, "
             "\"test_routes\": %s, "
             "\"timeouts_ms\": {\"request\": 5000, \"idle\": 2000, \"shutdown\": %u}, "
             "\"max_body_bytes\": {\"POST /test/echo\": 1024}}\n",
             port, o->plain_http ? "\"plain_http\": true," : "", tls, svc, e->store,
             o->anonymous_verify ? "true" : "false", o->no_test_routes ? "false" : "true",
             o->shutdown_ms ? o->shutdown_ms : 10000);
    return out;
}

char *sf_replace(const char *text, const char *find, const char *repl)
{
    const char *at = strstr(text, find);
    size_t n;
    char *out;

    if (at == NULL)
        die("sf_replace: not found", find);
    n = strlen(text) - strlen(find) + strlen(repl) + 1;
    if ((out = malloc(n)) == NULL)
        die("sf_replace", "out of memory");
    snprintf(out, n, "%.*s%s%s", (int)(at - text), text, repl, at + strlen(find));
    return out;
}

static pid_t spawn(const char *cfg, const char *log)
{
    pid_t pid = fork();

    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
        if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(126);
        close(fd);
        execl(getenv("SEAL_SERVER"), "seal-server", "--config", cfg, (char *)NULL);
        _exit(127);     /* _exit: the parent's atexit handlers (tmpdir removal) must not run */
    }
    return pid;
}

static void dump_log(const char *log)
{
    uint8_t *b = NULL;
    size_t n = 0;

    if (sc_test_read(log, &b, &n) == 0)
        fprintf(stderr, "---- %s ----\n%s----\n", log, (char *)b);
    free(b);
}

static int launch(sf_server *s);

int sf_server_start(sf_server *s, const sf_opts *opts)
{
    const sf_env *e = sf_env_get();
    char *text;

    memset(s, 0, sizeof(s[0]));
    s->port = sf_free_port();
    s->plain = opts != NULL && opts->plain_http;
    snprintf(s->cfg, sizeof(s->cfg), "%s/server-%d.json", e->dir, ++server_seq);
    snprintf(s->log, sizeof(s->log), "%s/server-%d.log", e->dir, server_seq);
    text = sf_config_text(opts, s->port);
    if (sc_test_write(s->cfg, text, strlen(text)) != 0)
        die("config", s->cfg);
    free(text);
    return launch(s);
}

int sf_server_restart(sf_server *s)
{
    if (s->pid > 0 || s->cfg[0] == '\0')
        die("sf_server_restart", "the server is still running, or was never started");
    /* a log of its own: the previous run's log stays readable */
    snprintf(s->log, sizeof(s->log), "%s/server-%d.log", sf_env_get()->dir, ++server_seq);
    return launch(s);
}

/* Spawn the binary on s->cfg and wait until it listens on s->port. */
static int launch(sf_server *s)
{
    if ((s->pid = spawn(s->cfg, s->log)) < 0)
        die("fork", strerror(errno));
    /* Ready = accepting TCP connections (CivetWeb listens before its workers take them, and
     * queued connections wait). 20 s leaves room for ASan. */
    for (int i = 0; i < 400; i++) {
        struct sockaddr_in a;
        int fd, st, ok;

        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            dump_log(s->log);
            return -1;
        }
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)s->port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
        if (fd >= 0)
            close(fd);
        if (ok)
            return 0;
        sleep_ms(50);
    }
    dump_log(s->log);
    sf_server_kill(s);
    return -1;
}

int sf_server_stop(sf_server *s)
{
    int rc;

    if (s->pid <= 0)
        return 0;
    kill(s->pid, SIGTERM);
    rc = sf_server_wait(s, 15000);
    sf_server_kill(s);
    if (rc != 0) {
        fprintf(stderr, "server_fixture: seal-server exited with %d\n", rc);
        dump_log(s->log);
        return -1;
    }
    return 0;
}

void sf_server_kill(sf_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        s->pid = 0;
    }
}

int sf_server_signal(sf_server *s, int sig)
{
    return s->pid > 0 ? kill(s->pid, sig) : -1;
}

int sf_server_wait(sf_server *s, int timeout_ms)
{
    for (int waited = 0; s->pid > 0; waited += 10) {
        int st;
        pid_t r = waitpid(s->pid, &st, WNOHANG);

        if (r == s->pid) {
            s->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        if (waited >= timeout_ms)
            return -1;
        sleep_ms(10);
    }
    return -1;
}

char *sf_server_log(const sf_server *s)
{
    uint8_t *b = NULL;
    size_t n = 0;

    if (sc_test_read(s->log, &b, &n) != 0)
        return strdup("");
    return (char *)b;
}

int sf_run_config(const char *json, char **log)
{
    const sf_env *e = sf_env_get();
    sf_server s;
    int rc;

    memset(&s, 0, sizeof(s));
    snprintf(s.cfg, sizeof(s.cfg), "%s/run-%d.json", e->dir, ++server_seq);
    snprintf(s.log, sizeof(s.log), "%s/run-%d.log", e->dir, server_seq);
    if (sc_test_write(s.cfg, json, strlen(json)) != 0)
        die("config", s.cfg);
    if ((s.pid = spawn(s.cfg, s.log)) < 0)
        die("fork", strerror(errno));
    rc = sf_server_wait(&s, 10000);
    sf_server_kill(&s);
    *log = sf_server_log(&s);
    return rc;
}

/* ---- libcurl ---------------------------------------------------------------------------- */

struct sink {
    sf_resp *r;
    size_t cap, max;          /* max: sf_req.read_max */
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    struct sink *k = ud;
    size_t add = sz * n;

    if (k->max != 0 && k->r->len + add > k->max)
        return 0;             /* curl then fails the transfer and closes the connection */
    if (k->r->len + add + 1 > k->cap) {
        size_t ncap = (k->r->len + add + 1) * 2;
        char *nb = realloc(k->r->body, ncap);
        if (nb == NULL)
            return 0;
        k->r->body = nb;
        k->cap = ncap;
    }
    memcpy(k->r->body + k->r->len, p, add);
    k->r->len += add;
    k->r->body[k->r->len] = '\0';
    return add;
}

static void take_header(const char *line, size_t n, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name), vl;

    if (n <= nl + 1 || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
        return;
    line += nl + 1;
    n -= nl + 1;
    while (n > 0 && *line == ' ') {
        line++;
        n--;
    }
    vl = n;
    while (vl > 0 && (line[vl - 1] == '\r' || line[vl - 1] == '\n'))
        vl--;
    if (vl >= cap)
        vl = cap - 1;
    memcpy(out, line, vl);
    out[vl] = '\0';
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
    sf_resp *r = ((struct sink *)ud)->r;
    size_t len = sz * n;

    take_header(p, len, "X-Request-Id", r->request_id, sizeof(r->request_id));
    take_header(p, len, "Allow", r->allow, sizeof(r->allow));
    take_header(p, len, "WWW-Authenticate", r->www_auth, sizeof(r->www_auth));
    take_header(p, len, "Content-Type", r->content_type, sizeof(r->content_type));
    take_header(p, len, "Connection", r->connection, sizeof(r->connection));
    return len;
}

struct src {
    const char *p;
    size_t left;
};

static size_t on_read(char *buf, size_t sz, size_t n, void *ud)
{
    struct src *s = ud;
    size_t k = sz * n < s->left ? sz * n : s->left;

    memcpy(buf, s->p, k);
    s->p += k;
    s->left -= k;
    return k;
}

int sf_http(const sf_server *s, const sf_req *q, sf_resp *r)
{
    const sf_env *e = sf_env_get();
    const char *pki = q->cert == SF_CERT_OTHER_CA ? e->other : e->pki;
    struct sink sink = { r, 0, q->read_max };
    struct src src = { q->body, q->body_len };
    struct curl_slist *hdrs = NULL;
    char url[512], auth[256], ctype[160], errbuf[CURL_ERROR_SIZE] = "";
    CURL *c = curl_easy_init();

    memset(r, 0, sizeof(*r));
    if (c == NULL)
        die("curl", "easy init failed");
    snprintf(url, sizeof(url), "%s://127.0.0.1:%u%s", s->plain ? "http" : "https", s->port,
             q->path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(c, CURLOPT_CAINFO, sc_test_path(e->pki, "tls-ca.pem"));
    if (q->cert != SF_CERT_NONE) {
        curl_easy_setopt(c, CURLOPT_SSLCERT, q->cert_file != NULL ? q->cert_file
                                             : sc_test_path(pki, "tls-client.pem"));
        curl_easy_setopt(c, CURLOPT_SSLKEY, q->key_file != NULL ? q->key_file
                                            : sc_test_path(pki, "tls-client.key"));
        curl_easy_setopt(c, CURLOPT_KEYPASSWD, e->password);  /* one password for both */
    }
    if (q->ssl_version != 0)
        curl_easy_setopt(c, CURLOPT_SSLVERSION, q->ssl_version);
    if (q->ciphers != NULL)
        curl_easy_setopt(c, CURLOPT_SSL_CIPHER_LIST, q->ciphers);
    if (q->authorization != NULL || q->token != NULL) {
        if (q->authorization != NULL)
            snprintf(auth, sizeof(auth), "Authorization: %s", q->authorization);
        else
            snprintf(auth, sizeof(auth), "Authorization: Bearer %s", q->token);
        hdrs = curl_slist_append(hdrs, auth);
    }
    if (q->content_type != NULL) {
        snprintf(ctype, sizeof(ctype), "Content-Type: %s", q->content_type);
        hdrs = curl_slist_append(hdrs, ctype);
    }
    if (q->header != NULL)
        hdrs = curl_slist_append(hdrs, q->header);
    if (q->body != NULL) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &src);
        if (q->chunked)
            hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
        else
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    }
    if (q->method != NULL && (q->body == NULL || strcmp(q->method, "POST") != 0))
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    r->curl_code = (int)curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    snprintf(r->curl_error, sizeof(r->curl_error), "%s",
             errbuf[0] != '\0' ? errbuf : curl_easy_strerror((CURLcode)r->curl_code));
    if (r->body == NULL)
        r->body = calloc(1, 1);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return r->curl_code;
}

void sf_resp_free(sf_resp *r)
{
    free(r->body);
    r->body = NULL;
}

double sf_metric(const char *text, const char *series)
{
    size_t n = strlen(series);

    for (const char *p = text; p != NULL && *p != '\0';) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -1;
}

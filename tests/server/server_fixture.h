/* server_fixture.h: a real seal-server for the integration tests (sf_*).
 *
 * Once per test process: a dev PKI (and an unrelated "other" one) from make-dev-pki, and a
 * store seeded through store.h with one API client per role: the PKI's tls-client
 * certificate is "admin-cert" (admin), and bearer tokens for operator, auditor, verifier,
 * seal-officer, admin and a disabled client.
 * Per test: a config on a free 127.0.0.1 port, the real binary ($SEAL_SERVER) fork/exec'd
 * with its stderr in a log file, and libcurl requests over real TLS. sf_server_kill() in
 * every teardown leaves no process behind, whatever the test's assertions did. */
#ifndef SF_SERVER_FIXTURE_H
#define SF_SERVER_FIXTURE_H

#include <stddef.h>
#include <sys/types.h>

#include "store.h"

typedef struct sf_env {
    char pki[512], other[512], dir[512], store[600];
    char password[256];                   /* the PKI's key password */
    char tok_admin[SS_TOKEN_BUF], tok_officer[SS_TOKEN_BUF], tok_operator[SS_TOKEN_BUF],
        tok_auditor[SS_TOKEN_BUF], tok_verifier[SS_TOKEN_BUF], tok_disabled[SS_TOKEN_BUF];
} sf_env;

/** The process-wide environment, made on first call (exits the test on fixture failure). */
const sf_env *sf_env_get(void);

typedef struct sf_opts {
    int plain_http;          /* plain HTTP on 127.0.0.1, no tls section */
    int anonymous_verify;
    unsigned shutdown_ms;    /* 0: 10000 */
    int no_test_routes;
    int service;             /* the seal service: the dev PKI's seal_ca, seal_maker,
                                status_signer and tsa pairs, region 330000 */
    unsigned status_list_max;   /* with service: status_list_max_licenses (0: default) */
    unsigned idem_retention_s;  /* with service: idempotency_retention_s (0: default) */
} sf_opts;

typedef struct sf_server {
    pid_t pid;               /* 0 when not running (or reaped) */
    unsigned port;
    int plain;
    char cfg[640], log[640];
} sf_server;

/** Write a config for opts (NULL: defaults) and start the server; waits until it accepts
 *  connections. @return 0, or -1 (the server exited or never listened; its log is printed) */
int sf_server_start(sf_server *s, const sf_opts *opts);
/** Start a stopped server again on the same config file (so the same port and store),
 *  with a new log (s->log names it). @return as sf_server_start */
int sf_server_restart(sf_server *s);
/** SIGTERM, wait up to 15 s, then SIGKILL if needed, and reap. Prints the log unless the
 *  server exited 0: under ASan/UBSan a leak or an error in any request path shows here.
 *  @return 0 when it exited 0 (or was not running), else -1 */
int sf_server_stop(sf_server *s);
/** SIGKILL and reap if still running; safe to call twice. */
void sf_server_kill(sf_server *s);
/** Send sig. @return 0 or -1 */
int sf_server_signal(sf_server *s, int sig);
/** Wait up to timeout_ms for the server to exit and reap it.
 *  @return its exit status (0..255), 128+signal if killed, -1 on timeout (still running) */
int sf_server_wait(sf_server *s, int timeout_ms);
/** The server's log so far (new buffer, free()). */
char *sf_server_log(const sf_server *s);

/** Run seal-server on a config text and wait for it to exit (for configs it must refuse).
 *  @param[out] log  its stderr (new buffer, free())
 *  @return its exit status, or -1 if it was still running after 10 s (then killed) */
int sf_run_config(const char *json, char **log);

/** The base config text for opts and port (new buffer, free()); tests edit it for variants. */
char *sf_config_text(const sf_opts *opts, unsigned port);

/** text with the first find replaced by repl (new buffer, free()); exits if find is absent. */
char *sf_replace(const char *text, const char *find, const char *repl);

/** A free TCP port on 127.0.0.1 (bound, read, closed). */
unsigned sf_free_port(void);

enum sf_cert { SF_CERT_NONE = 0, SF_CERT_OURS, SF_CERT_OTHER_CA };

typedef struct sf_req {
    const char *method;      /* NULL: GET */
    const char *path;
    const char *token;       /* Authorization: Bearer TOKEN; NULL: none */
    const char *authorization;  /* a raw Authorization value (overrides token) */
    int cert;                /* enum sf_cert */
    const char *cert_file;   /* with cert: this PEM certificate and key instead of the */
    const char *key_file;    /* PKI's tls-client pair (key plain or with its password) */
    const char *content_type;
    const char *body;
    size_t body_len;
    int chunked;             /* send the body with Transfer-Encoding: chunked */
    long ssl_version;        /* CURLOPT_SSLVERSION; 0: default */
    const char *ciphers;     /* CURLOPT_SSL_CIPHER_LIST; NULL: default */
    const char *header;      /* one extra "Name: value" request header; NULL: none */
    size_t read_max;         /* hang up once more than this many body bytes arrived (the
                                answer is then CURLE_WRITE_ERROR); 0: read it all */
} sf_req;

typedef struct sf_resp {
    int curl_code;           /* CURLcode */
    char curl_error[256];
    long status;             /* 0 when no HTTP response */
    char *body;              /* NUL-terminated; free with sf_resp_free */
    size_t len;
    char request_id[64], allow[64], www_auth[128], content_type[96], connection[32];
} sf_resp;

/** One request on a new connection. @return r->curl_code */
int sf_http(const sf_server *s, const sf_req *q, sf_resp *r);
void sf_resp_free(sf_resp *r);

/** The value of a Prometheus series line "NAME{LABELS} VALUE" in text, or -1 if absent. */
double sf_metric(const char *text, const char *series);

#endif

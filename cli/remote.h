/* remote.h: sealctl's client of a running seal-server (remote_*): the common options
 * (--server, credentials, --cacert, --json, --progress), one libcurl handle kept alive across
 * a command's requests, JSON calls whose HTTP errors become messages and exit codes, and
 * streamed uploads and downloads. The commands are in cmd_remote*.c.
 *
 * Exit codes of the remote commands (cli/README.md): 0 done; 1 the server refused (4xx) or
 * an item failed; 2 wrong usage or unreadable local input; 3 no usable answer (network,
 * TLS, a server error 5xx, an answer that is not what the API documents).
 *
 * Secrets: the bearer token is read from a file (never argv), kept in one buffer and wiped
 * by remote_free(); the client key's password likewise. Neither appears in a message. */
#ifndef SEALCTL_REMOTE_H
#define SEALCTL_REMOTE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "sealcore/error.h"

enum {
    REMOTE_EREFUSED = -300,   /* the server answered 4xx: err says its message and code */
    REMOTE_ESERVER = -301,    /* no usable answer: 5xx, malformed, cut, timed out */
    REMOTE_EREACH = -302      /* no request went through: the server cannot be reached, or
                                 its TLS certificate is not trusted */
};

enum { EXIT_NO_ANSWER = 3 };   /* next to sealctl.h's EXIT_DONE, EXIT_FAILED, EXIT_USAGE */

#define REMOTE_MAX_JSON (64u * 1024 * 1024)   /* a JSON answer (a batch of signatures) */
#define REMOTE_MAX_TOKEN 256                  /* bytes of a token file's first line */

/* getopt_long values of the common options (above any character). */
enum { RO_SERVER = 0x1000, RO_TOKEN_FILE, RO_CERT, RO_KEY, RO_KEY_PASS, RO_CACERT, RO_JSON,
       RO_PROGRESS };

#define REMOTE_OPTIONS                                                                       \
    { "server", 1, NULL, RO_SERVER }, { "token-file", 1, NULL, RO_TOKEN_FILE },              \
    { "cert", 1, NULL, RO_CERT }, { "key", 1, NULL, RO_KEY },                                \
    { "key-pass-file", 1, NULL, RO_KEY_PASS }, { "cacert", 1, NULL, RO_CACERT },             \
    { "json", 0, NULL, RO_JSON }

/* What every remote command's usage ends with. */
#define REMOTE_USAGE                                                                         \
    "Server: --server URL (or $SEALCTL_SERVER), --cacert CA.pem (the server's TLS CA),\n"     \
    "  and --token-file FILE (or $SEALCTL_TOKEN_FILE) or --cert C.pem --key K.pem\n"          \
    "  [--key-pass-file F]. --json prints the server's JSON document as is.\n"                \
    "Exit 0 done; 1 refused by the server; 2 wrong usage or unreadable input; 3 no answer\n"  \
    "(network, TLS, server error).\n"

typedef struct remote_opts {
    const char *server, *token_file, *cert, *key, *key_pass_file, *cacert;   /* borrowed */
    int json;
    int progress;   /* 1 --progress given (else a bar only when stderr is a terminal) */
} remote_opts;

/** 1 when getopt's c is a common option (its value kept in o), else 0. */
int remote_opt(remote_opts *o, int c, const char *arg);

struct option;
typedef struct remote remote;   /* opaque: one server, one libcurl handle */
typedef int (*remote_cmd_fn)(int argc, char **argv);

/** What a command does with its own options: 0 taken, 1 not its option (usage error), -1 a
 *  bad value (the callback has said why). */
typedef int (*remote_opt_fn)(void *ctx, int c, const char *arg);

/** getopt_long over opts (REMOTE_OPTIONS among them): common options into ro, the others to
 *  fn (may be NULL). --help prints usage and REMOTE_USAGE to stdout. Positional arguments
 *  are left from optind on; when npos >= 0 exactly npos must be there.
 *  @return -1 to go on, or the exit code to return now (EXIT_DONE after --help, EXIT_USAGE) */
int remote_parse(const char *prog, const char *usage, const struct option *opts, int argc,
                 char **argv, remote_opts *ro, remote_opt_fn fn, void *ctx, int npos);

/** arg as an integer in lo..hi into *out: 0, or -1 after saying "prog: --opt: …" (an opt
 *  in capitals names a positional argument: "GRANT-ID: …"). */
int remote_int_arg(const char *prog, const char *opt, const char *arg, int64_t lo, int64_t hi,
                   int64_t *out);

/** Run remote_fn when remote_wanted(argc, argv, local_opt), else local_fn. */
int remote_or_local(int argc, char **argv, const char *local_opt, remote_cmd_fn remote_fn,
                    remote_cmd_fn local_fn);

/** remote_open() under a command's name: 0, or the exit code after printing why. */
int remote_begin(const char *prog, const remote_opts *o, remote **out);

/** One request on its own handle: remote_begin(), remote_json(), remote_free(). *doc the 2xx
 *  answer (a new reference; with o->json also printed as it came), else NULL.
 *  @return 0, or the exit code after printing why */
int remote_call(const char *prog, const remote_opts *o, const char *method, const char *path,
                const json_t *body, json_t **doc);

/** 1 when argv asks for the remote form of a command that also works locally: --server is
 *  given, or $SEALCTL_SERVER is set and the local form's key option (local_opt, e.g.
 *  "--seal") is absent. */
int remote_wanted(int argc, char **argv, const char *local_opt);

/** Check the options (environment defaults applied), read the token or the key password,
 *  set up libcurl. Nothing is sent yet.
 *  @param[out] out  new client, free with remote_free(); NULL on failure
 *  @return 0, SC_EINVAL (usage: no server, no credential, a URL we refuse), SC_EIO (a file
 *          could not be read), SC_ENOMEM */
int remote_open(remote **out, const remote_opts *o, sc_err *err);
void remote_free(remote *r);   /* NULL is a no-op; wipes the token and the password */

/** The server's base URL, normalised (no trailing '/'). Borrowed from r. */
const char *remote_server(const remote *r);

/** One JSON request: method (GET, POST, DELETE), path (from "/api/v1/…", query included),
 *  body (borrowed; NULL: none). On 2xx *out is the answer (a new reference; JSON null when the body is empty).
 *  With --json the answer's body (an error's too) is printed on stdout as it came.
 *  @return 0; REMOTE_EREFUSED with err "MESSAGE (CODE, HTTP nnn)"; REMOTE_ESERVER;
 *          SC_ENOMEM */
int remote_json(remote *r, const char *method, const char *path, const json_t *body,
                json_t **out, sc_err *err);

typedef void (*remote_print_fn)(const json_t *item);

/** One page of a listing (cmd_remote_list.c): GET path?after=A&limit=N&q (q "" or
 *  "&name=value…", escaped), each item of the answer's array member printed (nothing with
 *  --json: the document is), and "more may follow: --after K" on stderr when the server says
 *  so. @return the exit code */
int remote_list(const char *prog, const remote_opts *ro, const char *path, int64_t after,
                int64_t limit, const char *q, const char *member, remote_print_fn print);

/** POST len bytes of data as ctype (text/csv, …) to path; the answer as remote_json's. */
int remote_post_mem(remote *r, const char *path, const char *ctype, const void *data,
                    size_t len, json_t **out, sc_err *err);

/** The same, the answer in binary (accept: its media type): on 200 *body is a new buffer
 *  (free()) of *len bytes, at most max. Errors as remote_json. Nothing printed. */
int remote_get_bytes(remote *r, const char *path, const char *accept, size_t max,
                     uint8_t **body, size_t *len, sc_err *err);

/** POST the file in (streamed, with its length) as ctype to path and write a 200 answer to
 *  out atomically (temporary file beside it, fsync, rename): nothing is left at out unless
 *  the whole answer arrived. @return as remote_json, or SC_EIO (in or out unusable) */
int remote_post_file(remote *r, const char *path, const char *ctype, const char *in,
                     const char *out, sc_err *err);

/** s percent-encoded for a URL path segment or query value (RFC 3986 unreserved characters
 *  stay): a new string (free()), NULL when out of memory. */
char *remote_escape(const char *s);

/** The base64 string member k of o decoded into a new buffer (free()).
 *  @return 0, or -1 (absent, not base64, out of memory) */
int remote_b64(const json_t *o, const char *k, uint8_t **out, size_t *len);

/** Exit code for a failure code: REMOTE_EREFUSED 1, REMOTE_ESERVER 3, local input 2. */
int remote_exit(int code);

/** Print "prog: message" (tool_error) and return remote_exit(err->code). */
int remote_fail(const char *prog, const sc_err *err);

/* A progress bar on stderr, drawn only when enabled (--progress, or stderr a terminal). */
typedef struct remote_bar {
    int on;
    size_t total;
    const char *what;
} remote_bar;

void remote_bar_start(remote_bar *b, int forced, size_t total, const char *what);
void remote_bar_set(remote_bar *b, size_t done);
void remote_bar_end(remote_bar *b);

/* The remote commands (cmd_remote*.c), each returning the exit code; the *_any ones run the
 * local form of a command unless remote_wanted(). */
int cmd_unit_add(int argc, char **argv);
int cmd_seal_apply(int argc, char **argv);
int cmd_seal_approve(int argc, char **argv);
int cmd_seal_reject(int argc, char **argv);
int cmd_seal_get(int argc, char **argv);
int cmd_seal_suspend(int argc, char **argv);
int cmd_seal_resume(int argc, char **argv);
int cmd_seal_revoke(int argc, char **argv);
int cmd_grant_add(int argc, char **argv);
int cmd_unit_list(int argc, char **argv);          /* cmd_remote_list.c */
int cmd_seal_applications(int argc, char **argv);
int cmd_seal_list(int argc, char **argv);
int cmd_grant_list(int argc, char **argv);
int cmd_grant_revoke(int argc, char **argv);
int cmd_client_list(int argc, char **argv);
int cmd_client_add(int argc, char **argv);         /* cmd_remote_client.c */
int cmd_client_disable(int argc, char **argv);
int cmd_client_enable(int argc, char **argv);
int cmd_client_rotate(int argc, char **argv);
int cmd_status_get(int argc, char **argv);
int cmd_status_list(int argc, char **argv);
int cmd_sign_data_any(int argc, char **argv);
int cmd_sign_ofd_any(int argc, char **argv);
int cmd_sign_batch(int argc, char **argv);
int cmd_audit_verify_any(int argc, char **argv);
int cmd_audit_show_any(int argc, char **argv);
int cmd_license_type(int argc, char **argv);       /* cmd_license.c: e-licences */
int cmd_license_grant(int argc, char **argv);
int cmd_license_issue(int argc, char **argv);
int cmd_license_suspend(int argc, char **argv);
int cmd_license_resume(int argc, char **argv);
int cmd_license_revoke(int argc, char **argv);
int cmd_license_status(int argc, char **argv);
int cmd_license_seal(int argc, char **argv);
int cmd_license_batch(int argc, char **argv);      /* cmd_license_batch.c */

#endif

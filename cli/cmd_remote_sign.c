/* cmd_remote_sign.c: signing on a seal-server (remote.h): sign data --server (one file or
 * its SM3: a detached SES_Signature), sign ofd --server (the package streamed up, the stamped
 * one streamed down into a temporary file renamed only when complete), sign batch (many
 * files, in requests of --chunk items, a progress bar, per-item results), and the choice
 * between the local and the remote form of sign data / sign ofd.
 * The document never leaves this machine for sign data and sign batch: its SM3 is computed
 * here and only the hash is sent (the signature's dataHash is that SM3 either way). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "remote.h"
#include "sealctl.h"
#include "tool.h"

static void hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* 64 hex digits. @return 0 or -1 */
static int is_sm3_hex(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdefABCDEF") == 64 ? 0 : -1;
}

/* The name a signature records by default (propertyInfo), as local sign data does. */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

/* ---- sign data --server ------------------------------------------------------------------ */

struct data_args { const char *es_id, *in, *sm3, *out, *prop; };

static int data_opt(void *ctx, int c, const char *arg)
{
    struct data_args *a = ctx;
    const char **slot = c == 'e' ? &a->es_id : c == 'i' ? &a->in : c == 'H' ? &a->sm3
                      : c == 'o' ? &a->out : c == 'p' ? &a->prop : NULL;

    if (slot == NULL)
        return 1;
    *slot = arg;
    return 0;
}

static int remote_sign_data(int argc, char **argv)
{
    static const char *prog = "sealctl sign data";
    static const char *usage =
        "usage: sealctl sign data --server URL --es-id ESID (-i FILE | --sm3 HEX) -o OUT.sig\n"
        "         [--property TEXT]\n"
        "Signs with a seal kept by the server (role operator, with a grant for the seal): a\n"
        "detached SES_Signature over SM3(FILE). Only the hash is sent. --property defaults\n"
        "to FILE's name.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "es-id", 1, NULL, 'e' },
        { "input", 1, NULL, 'i' }, { "sm3", 1, NULL, 'H' }, { "output", 1, NULL, 'o' },
        { "property", 1, NULL, 'p' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct data_args a = { 0 };
    uint8_t h[32], *sig = NULL;
    size_t slen = 0;
    char hx[65];
    remote *r = NULL;
    json_t *body = NULL, *doc = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, data_opt, &a, 0);

    if (rc >= 0)
        return rc;
    if (a.es_id == NULL || a.out == NULL || (a.in == NULL) == (a.sm3 == NULL)) {
        tool_errorf(prog, "--es-id, -o and one of -i FILE or --sm3 HEX are required");
        return EXIT_USAGE;
    }
    if (a.sm3 != NULL && is_sm3_hex(a.sm3) != 0) {
        tool_errorf(prog, "--sm3: expected 64 hex digits");
        return EXIT_USAGE;
    }
    if (a.in != NULL) {
        if (tool_sm3_file(a.in, h, &err) != 0)
            return remote_fail(prog, &err);
        hex(h, 32, hx);
        if (a.prop == NULL && strcmp(a.in, "-") != 0)
            a.prop = base_name(a.in);
    }
    if ((rc = remote_begin(prog, &ro, &r)) != 0)
        return rc;
    body = json_pack("{s:s,s:s}", "es_id", a.es_id, "sm3_hex", a.sm3 != NULL ? a.sm3 : hx);
    if (body == NULL || (a.prop != NULL &&
                         json_object_set_new(body, "property_info", json_string(a.prop)) != 0))
        rc = sc_err_set(&err, SC_ENOMEM, "out of memory");
    if (rc == 0 && (rc = remote_json(r, "POST", "/api/v1/sign/data", body, &doc, &err)) == 0 &&
        remote_b64(doc, "signature_b64", &sig, &slen) != 0)
        rc = sc_err_set(&err, REMOTE_ESERVER, "the server's answer has no valid "
                        "\"signature_b64\"");
    if (rc == 0)
        rc = tool_write_file(a.out, sig, slen, 0644, &err);
    if (rc == 0 && strcmp(a.out, "-") != 0)
        fprintf(stderr, "%s: %s signed with seal %s on %s: %s (%zu bytes)\n", prog,
                a.in != NULL ? a.in : a.sm3, a.es_id, remote_server(r), a.out, slen);
    remote_free(r);
    json_decref(body);
    json_decref(doc);
    free(sig);
    return rc == 0 ? EXIT_DONE : remote_fail(prog, &err);
}

/* ---- sign ofd --server ------------------------------------------------------------------- */

/* The placement options by their getopt letter, and the query names they become. */
static const char OFD_LETTERS[] = "nxywOrRS";
static const char *const OFD_QUERY[] = { "page", "x", "y", "keyword", "occurrence", "riding",
                                         "pages", NULL };

struct ofd_args {
    const char *es_id, *in, *out, *place[sizeof(OFD_LETTERS)];
    int lock;
};

static int ofd_opt(void *ctx, int c, const char *arg)
{
    struct ofd_args *a = ctx;
    const char *l = c > 0 && c < 256 ? strchr(OFD_LETTERS, c) : NULL;

    if (l != NULL)
        a->place[l - OFD_LETTERS] = arg;
    else if (c == 'e')
        a->es_id = arg;
    else if (c == 'i')
        a->in = arg;
    else if (c == 'o')
        a->out = arg;
    else if (c == 'L')
        a->lock = 1;
    else
        return 1;
    return 0;
}

/* "/api/v1/sign/ofd?es_id=…&…" from the options; the server checks the values (400 says
 * which). *why names a usage error. @return a new string, or NULL (*why set, or no memory) */
static char *ofd_path(const struct ofd_args *a, const char **why)
{
    const char *const *p = a->place;
    int kinds = (p[0] || p[1] || p[2]) + (p[3] != NULL) + (p[5] != NULL);
    char *q = NULL, *e = NULL, w[32];
    size_t qn = 0;
    FILE *f;

    *why = NULL;
    if (kinds != 1 || ((p[0] || p[1] || p[2]) && !(p[0] && p[1] && p[2]))) {
        *why = "give exactly one of --page/--x/--y (together), --keyword or --riding";
        return NULL;
    }
    if (p[7] != NULL) {
        const char *x = strchr(p[7], 'x');
        if (x == NULL || x == p[7] || (size_t)(x - p[7]) >= sizeof(w) || x[1] == '\0') {
            *why = "--size: WxH in mm, as 42x42";
            return NULL;
        }
        snprintf(w, sizeof(w), "%.*s", (int)(x - p[7]), p[7]);
    }
    if ((f = open_memstream(&q, &qn)) == NULL || (e = remote_escape(a->es_id)) == NULL) {
        if (f != NULL)
            fclose(f);
        free(q);
        return NULL;
    }
    fprintf(f, "/api/v1/sign/ofd?es_id=%s", e);
    for (size_t i = 0; OFD_QUERY[i] != NULL; i++) {
        /* local sign ofd stamps every occurrence unless told: the same here */
        const char *v = i == 4 && p[3] != NULL && p[4] == NULL ? "all"
                      : i == 4 && p[4] != NULL && strcmp(p[4], "first") == 0 ? "1" : p[i];
        free(e);
        e = v != NULL ? remote_escape(v) : NULL;
        if (e != NULL)
            fprintf(f, "&%s=%s", OFD_QUERY[i], e);
    }
    free(e);
    if (p[7] != NULL)
        fprintf(f, "&width=%s&height=%s", w, strchr(p[7], 'x') + 1);
    if (a->lock)
        fputs("&lock=1", f);
    if (fclose(f) != 0) {
        free(q);
        return NULL;
    }
    return q;
}

static int remote_sign_ofd(int argc, char **argv)
{
    static const char *prog = "sealctl sign ofd";
    static const char *usage =
        "usage: sealctl sign ofd --server URL --es-id ESID -i IN.ofd -o OUT.ofd\n"
        "         (--page N --x MM --y MM | --keyword TEXT [--occurrence all|first|last|N]\n"
        "          | --riding right|left|both [--pages A-B]) [--size WxH] [--lock]\n"
        "Stamps the OFD with a seal kept by the server (role operator, with a grant). The\n"
        "package is streamed to the server and the stamped one back into OUT, which appears\n"
        "only when it arrived whole.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "es-id", 1, NULL, 'e' },
        { "input", 1, NULL, 'i' }, { "output", 1, NULL, 'o' }, { "page", 1, NULL, 'n' },
        { "x", 1, NULL, 'x' }, { "y", 1, NULL, 'y' }, { "keyword", 1, NULL, 'w' },
        { "occurrence", 1, NULL, 'O' }, { "riding", 1, NULL, 'r' }, { "pages", 1, NULL, 'R' },
        { "size", 1, NULL, 'S' }, { "lock", 0, NULL, 'L' }, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct ofd_args a = { 0 };
    const char *why = NULL;
    char *path = NULL;
    remote *r = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, ofd_opt, &a, 0);

    if (rc >= 0)
        return rc;
    if (a.es_id == NULL || a.in == NULL || a.out == NULL || strcmp(a.in, "-") == 0 ||
        strcmp(a.out, "-") == 0) {
        tool_errorf(prog, "--es-id, -i FILE and -o FILE are required (files, not \"-\")");
        return EXIT_USAGE;
    }
    if ((path = ofd_path(&a, &why)) == NULL) {
        tool_errorf(prog, "%s", why != NULL ? why : "out of memory");
        return why != NULL ? EXIT_USAGE : EXIT_FAILED;
    }
    if ((rc = remote_begin(prog, &ro, &r)) != 0) {
        free(path);
        return rc;
    }
    rc = remote_post_file(r, path, "application/octet-stream", a.in, a.out, &err);
    if (rc == 0)
        fprintf(stderr, "%s: %s stamped with seal %s on %s: %s\n", prog, a.in, a.es_id,
                remote_server(r), a.out);
    remote_free(r);
    free(path);
    return rc == 0 ? EXIT_DONE : remote_fail(prog, &err);
}

/* ---- sign batch -------------------------------------------------------------------------- */

#define BATCH_CHUNK 50   /* items per request: the bar moves per request */

typedef struct item {
    char *path, *out;       /* the input; its signature file */
    char sm3[65];
    int state;              /* 0 to do, 1 signed, -1 failed */
    char *why;              /* when failed */
} item;

struct batch_args { const char *es_id, *out_dir, *prop; int64_t chunk; };

static int batch_opt(void *ctx, int c, const char *arg)
{
    struct batch_args *a = ctx;

    if (c == 'e')
        a->es_id = arg;
    else if (c == 'D')
        a->out_dir = arg;
    else if (c == 'p')
        a->prop = arg;
    else if (c == 'c')
        return remote_int_arg("sealctl sign batch", "chunk", arg, 1, 1000, &a->chunk);
    else
        return 1;
    return 0;
}

static void fail_item(item *it, const char *fmt, const char *a, const char *b)
{
    char msg[600];

    snprintf(msg, sizeof(msg), fmt, a, b);
    it->state = -1;
    free(it->why);
    it->why = strdup(msg);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const item *)a)->path, ((const item *)b)->path);
}

/* The inputs: the files given, or the regular files of the one directory given (sorted,
 * hidden ones skipped). Each gets OUTDIR/<name>.sig; a second input of the same name fails.
 * @return 0, or -1 (message printed) */
static int collect(const char *prog, char **args, int n, const char *out_dir, item **items,
                   size_t *count)
{
    struct stat sb;
    item *v = NULL;
    size_t k = 0, cap = 0;
    DIR *d = NULL;
    int from_dir = n == 1 && stat(args[0], &sb) == 0 && S_ISDIR(sb.st_mode);

    if (from_dir && (d = opendir(args[0])) == NULL) {
        tool_errorf(prog, "%s: %s", args[0], strerror(errno));
        return -1;
    }
    for (int i = 0;; i++) {
        struct dirent *de = NULL;
        char *p = NULL;
        if (from_dir) {
            while ((de = readdir(d)) != NULL && de->d_name[0] == '.')
                ;
            if (de == NULL)
                break;
            if (asprintf(&p, "%s/%s", args[0], de->d_name) < 0)
                p = NULL;
            else if (stat(p, &sb) == 0 && !S_ISREG(sb.st_mode)) {
                /* a subdirectory, a fifo: not a file to sign (one that cannot be read, a
                 * dangling link, stays an item and fails with its reason) */
                free(p);
                continue;
            }
        } else if (i < n) {
            p = strdup(args[i]);
        } else {
            break;
        }
        item *grown = k < cap ? v : reallocarray(v, cap = cap ? 2 * cap : 16, sizeof(*v));
        if (p == NULL || grown == NULL) {
            free(p);
            while (k > 0)
                free(v[--k].path);
            free(v);
            v = NULL;
            tool_errorf(prog, "out of memory");
            from_dir = 0;   /* said why: not "no files" too */
            break;
        }
        v = grown;
        memset(&v[k], 0, sizeof(v[k]));
        v[k++].path = p;
    }
    if (d != NULL)
        closedir(d);
    if (v == NULL) {
        if (k == 0 && from_dir)
            tool_errorf(prog, "%s: no files to sign", args[0]);
        return -1;
    }
    if (from_dir)
        qsort(v, k, sizeof(*v), by_name);
    for (size_t i = 0; i < k; i++) {
        const char *name = base_name(v[i].path);
        if (asprintf(&v[i].out, "%s/%s.sig", out_dir, name) < 0) {
            v[i].out = NULL;
            fail_item(&v[i], "%s%s: out of memory", v[i].path, "");
            continue;
        }
        for (size_t j = 0; j < i; j++)
            if (v[j].out != NULL && strcmp(v[j].out, v[i].out) == 0)
                fail_item(&v[i], "%s: another input is also named %s", v[i].path, name);
    }
    *items = v;
    *count = k;
    return 0;
}

/* Sign items[from, to) in one request: hash each (a file that cannot be read fails alone),
 * send the rest, write each signature. @return 0, or the failure of the request itself */
static int sign_chunk(remote *r, const struct batch_args *a, item *v, size_t from, size_t to,
                      sc_err *err)
{
    json_t *arr = json_array(), *doc = NULL, *res;
    size_t *idx = calloc(to - from, sizeof(*idx)), m = 0;
    int rc = 0;

    if (arr == NULL || idx == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = from; i < to; i++) {
        uint8_t h[32];
        sc_err ie = SC_ERR_INIT;
        json_t *o;
        if (v[i].state != 0)
            continue;
        if (tool_sm3_file(v[i].path, h, &ie) != 0) {
            fail_item(&v[i], "%s%s", ie.msg, "");
            continue;
        }
        hex(h, 32, v[i].sm3);
        o = json_pack("{s:s,s:s,s:s}", "es_id", a->es_id, "sm3_hex", v[i].sm3,
                      "property_info", a->prop != NULL ? a->prop : base_name(v[i].path));
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            rc = sc_err_set(err, SC_ENOMEM, "out of memory");
            goto out;
        }
        idx[m++] = i;
    }
    if (m == 0)
        goto out;
    if ((rc = remote_json(r, "POST", "/api/v1/sign/batch", arr, &doc, err)) != 0)
        goto out;
    res = json_object_get(doc, "results");
    if (json_array_size(res) != m) {
        rc = sc_err_set(err, REMOTE_ESERVER, "the server answered %zu results for %zu items",
                        json_array_size(res), m);
        goto out;
    }
    for (size_t k = 0; k < m; k++) {
        item *it = &v[idx[k]];
        json_t *one = json_array_get(res, k);
        uint8_t *sig = NULL;
        size_t sl = 0;
        sc_err we = SC_ERR_INIT;
        if (json_object_get(one, "error") != NULL) {
            const char *msg = json_string_value(json_object_get(one, "message"));
            const char *e = json_string_value(json_object_get(one, "error"));
            fail_item(it, "%s (%s)", msg != NULL ? msg : "refused", e != NULL ? e : "?");
        } else if (remote_b64(one, "signature_b64", &sig, &sl) != 0) {
            fail_item(it, "%s%s", "the server's answer has no valid \"signature_b64\"", "");
        } else if (tool_write_file(it->out, sig, sl, 0644, &we) != 0) {
            fail_item(it, "%s%s", we.msg, "");
        } else {
            it->state = 1;
        }
        free(sig);
    }
out:
    json_decref(arr);
    json_decref(doc);
    free(idx);
    return rc;
}

/* The summary: per-item failures and counts on stderr, or with --json one document. */
static void report(const char *prog, const item *v, size_t n, size_t ok, int json)
{
    json_t *doc = json ? json_pack("{s:I,s:I,s:[]}", "ok", (json_int_t)ok, "failed",
                                   (json_int_t)(n - ok), "results") : NULL;
    json_t *arr = json_object_get(doc, "results");

    for (size_t i = 0; i < n; i++) {
        if (arr != NULL)
            json_array_append_new(arr, v[i].state == 1
                ? json_pack("{s:s,s:s,s:s}", "file", v[i].path, "sm3", v[i].sm3, "output",
                            v[i].out)
                : json_pack("{s:s,s:s}", "file", v[i].path, "error",
                            v[i].why != NULL ? v[i].why : "not signed"));
        else if (v[i].state != 1)
            fprintf(stderr, "%s: %s: %s\n", prog, v[i].path,
                    v[i].why != NULL ? v[i].why : "not signed");
    }
    fprintf(stderr, "%s: %zu item%s: %zu ok, %zu failed\n", prog, n, n == 1 ? "" : "s", ok,
            n - ok);
    if (doc != NULL) {
        char *t = json_dumps(doc, JSON_INDENT(2));
        if (t != NULL)
            puts(t);
        free(t);
    }
    json_decref(doc);
}

static int remote_sign_batch(int argc, char **argv)
{
    static const char *prog = "sealctl sign batch";
    static const char *usage =
        "usage: sealctl sign batch --server URL --es-id ESID --out DIR [--property TEXT]\n"
        "         [--chunk N] [--progress] (INDIR | FILE...)\n"
        "Signs every file (or every regular file of INDIR) with a seal kept by the server,\n"
        "--chunk files per request (default 50; only SM3 hashes are sent): DIR/<name>.sig\n"
        "each. A file that fails does not stop the others; the failures and a summary go to\n"
        "stderr (--json: one document on stdout). A progress bar on stderr when it is a\n"
        "terminal, or with --progress. Exit 1 when an item failed.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "progress", 0, NULL, RO_PROGRESS },
        { "es-id", 1, NULL, 'e' }, { "out", 1, NULL, 'D' }, { "property", 1, NULL, 'p' },
        { "chunk", 1, NULL, 'c' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct batch_args a = { .chunk = BATCH_CHUNK };
    struct stat sb;
    item *v = NULL;
    size_t n = 0, ok = 0;
    remote *r = NULL;
    remote_bar bar;
    sc_err err = SC_ERR_INIT;
    int json, lost = 0, rc = remote_parse(prog, usage, opts, argc, argv, &ro, batch_opt, &a, -1);

    if (rc >= 0)
        return rc;
    if (a.es_id == NULL || a.out_dir == NULL || optind == argc) {
        tool_errorf(prog, "--es-id, --out DIR and the files (or a directory) are required");
        return EXIT_USAGE;
    }
    if (stat(a.out_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        tool_errorf(prog, "--out %s: not a directory", a.out_dir);
        return EXIT_USAGE;
    }
    json = ro.json;
    ro.json = 0;   /* one document for the whole batch, not one per request */
    if (collect(prog, argv + optind, argc - optind, a.out_dir, &v, &n) != 0)
        return EXIT_USAGE;
    if ((rc = remote_begin(prog, &ro, &r)) == 0) {
        remote_bar_start(&bar, ro.progress, n, "signing");
        for (size_t i = 0; i < n; i += (size_t)a.chunk) {
            size_t to = i + (size_t)a.chunk < n ? i + (size_t)a.chunk : n;
            if (!lost && sign_chunk(r, &a, v, i, to, &err) != 0)
                lost = err.code == REMOTE_ESERVER || err.code == REMOTE_EREACH ||
                               err.code == SC_ENOMEM ? 2 : 1;
            for (size_t j = i; j < to; j++)
                if (v[j].state == 0)
                    fail_item(&v[j], "%s%s", lost ? err.msg : "not sent", "");
            remote_bar_set(&bar, to);
        }
        remote_bar_end(&bar);
        for (size_t i = 0; i < n; i++)
            ok += v[i].state == 1;
        report(prog, v, n, ok, json);
        rc = lost == 2 ? EXIT_NO_ANSWER : ok == n ? EXIT_DONE : EXIT_FAILED;
    }
    remote_free(r);
    for (size_t i = 0; i < n; i++) {
        free(v[i].path);
        free(v[i].out);
        free(v[i].why);
    }
    free(v);
    return rc;
}

/* ---- local or remote --------------------------------------------------------------------- */

int cmd_sign_data_any(int argc, char **argv)
{
    return remote_or_local(argc, argv, "--seal", remote_sign_data, cmd_sign_data);
}

int cmd_sign_ofd_any(int argc, char **argv)
{
    return remote_or_local(argc, argv, "--seal", remote_sign_ofd, cmd_sign_ofd);
}

int cmd_sign_batch(int argc, char **argv)
{
    return remote_sign_batch(argc, argv);
}

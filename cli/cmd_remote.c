/* cmd_remote.c: sealctl's seal lifecycle against a seal-server (remote.h): unit add, seal
 * apply | approve | reject | get | suspend | resume | revoke, grant add, status get,
 * status-list. Each command is one API call (spec/openapi.yaml) as the given client; the
 * server decides who may do what. Output: one line a person reads, or with --json the
 * server's document as it came.
 * Not here: signing (cmd_remote_sign.c), the audit log (cmd_remote_audit.c), listing units,
 * applications, seals and grants (the API has no such endpoints yet). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "remote.h"
#include "sealcore/time.h"
#include "sealctl.h"
#include "tool.h"

#define MAX_IMAGE (2u * 1024 * 1024)    /* a seal picture: the API takes 4 MiB of JSON */
#define MAX_STATUS (16u * 1024 * 1024)  /* a signed status list */

/* A string member, "" when absent (answers we print are the server's). */
static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : "";
}

static long long jint(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* prefix + seg percent-encoded + suffix: a new string, NULL when out of memory. */
static char *path_of(const char *prefix, const char *seg, const char *suffix)
{
    char *e = remote_escape(seg), *p = NULL;
    size_t n;

    if (e != NULL && (p = malloc(n = strlen(prefix) + strlen(e) + strlen(suffix) + 1)) != NULL)
        snprintf(p, n, "%s%s%s", prefix, e, suffix);
    free(e);
    return p;
}

/* call() for a path with one segment from the command line (an id, an esID). */
static int call_on(const char *prog, const remote_opts *ro, const char *method,
                   const char *prefix, const char *seg, const char *suffix, const json_t *body,
                   json_t **doc)
{
    char *path = path_of(prefix, seg, suffix);
    int rc;

    *doc = NULL;
    if (path == NULL)
        return EXIT_FAILED;
    rc = remote_call(prog, ro, method, path, body, doc);
    free(path);
    return rc;
}

/* ---- unit add ---------------------------------------------------------------------------- */

struct unit_args { const char *code, *name; };

static int unit_opt(void *ctx, int c, const char *arg)
{
    struct unit_args *a = ctx;

    if (c == 'c')
        a->code = arg;
    else if (c == 'n')
        a->name = arg;
    else
        return 1;
    return 0;
}

int cmd_unit_add(int argc, char **argv)
{
    static const char *prog = "sealctl unit add";
    static const char *usage = "usage: sealctl unit add --server URL --code USCC --name NAME\n"
                               "Registers a unit (role admin): its unified social credit code "
                               "(18 characters) and name.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "code", 1, NULL, 'c' },
        { "name", 1, NULL, 'n' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct unit_args a = { 0 };
    json_t *body, *doc;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, unit_opt, &a, 0);

    if (rc >= 0)
        return rc;
    if (a.code == NULL || a.name == NULL) {
        tool_errorf(prog, "--code and --name are required");
        return EXIT_USAGE;
    }
    if ((body = json_pack("{s:s,s:s}", "code", a.code, "name", a.name)) == NULL)
        return EXIT_FAILED;
    rc = remote_call(prog, &ro, "POST", "/api/v1/units", body, &doc);
    json_decref(body);
    if (rc == 0 && doc != NULL && !ro.json)
        printf("unit %lld: %s %s\n", jint(doc, "id"), jstr(doc, "code"), jstr(doc, "name"));
    json_decref(doc);
    return rc;
}

/* ---- seal apply -------------------------------------------------------------------------- */

struct apply_args {
    const char *name, *image, *image_type;
    int64_t unit, type, w, h, from, to;
    int have_from, have_to;
};

static int apply_opt(void *ctx, int c, const char *arg)
{
    static const char *prog = "sealctl seal apply";
    struct apply_args *a = ctx;
    sc_err err = SC_ERR_INIT;

    switch (c) {
    case 'u': return remote_int_arg(prog, "unit", arg, 1, INT64_MAX, &a->unit);
    case 't': return remote_int_arg(prog, "type", arg, 1, 255, &a->type);
    case 'W': return remote_int_arg(prog, "width-mm", arg, 1, 1000, &a->w);
    case 'H': return remote_int_arg(prog, "height-mm", arg, 1, 1000, &a->h);
    case 'n': a->name = arg; return 0;
    case 'I': a->image = arg; return 0;
    case 'T': a->image_type = arg; return 0;
    case 'f':
    case 'v':
        if (sc_time_parse(arg, c == 'f' ? &a->from : &a->to, &err) != 0) {
            tool_errorf(prog, "--valid-%s: %s", c == 'f' ? "from" : "to", err.msg);
            return -1;
        }
        *(c == 'f' ? &a->have_from : &a->have_to) = 1;
        return 0;
    default: return 1;
    }
}

/* The API's image_format from --image-type or the file's extension. */
static const char *image_format(const char *path, const char *given)
{
    static const char *const known[] = { "png", "jpg", "gif", "bmp", "svg", "ofd" };
    const char *t = given;

    if (t == NULL) {
        const char *dot = strrchr(path, '.');
        t = dot != NULL ? dot + 1 : "";
        if (strcasecmp(t, "jpeg") == 0)
            t = "jpg";
    }
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strcasecmp(t, known[i]) == 0)
            return known[i];
    return NULL;
}

int cmd_seal_apply(int argc, char **argv)
{
    static const char *prog = "sealctl seal apply";
    static const char *usage =
        "usage: sealctl seal apply --server URL --unit ID --type N --name NAME --image F\n"
        "         [--image-type T] --width-mm W --height-mm H --valid-from T --valid-to T\n"
        "Applies for a seal for the unit (role admin or seal-officer); another seal officer\n"
        "approves it (sealctl seal approve). --image-type png, jpg, gif, bmp, svg or ofd:\n"
        "taken from F's extension if absent. Times as in seal make (2026-01-01).\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "unit", 1, NULL, 'u' },
        { "type", 1, NULL, 't' }, { "name", 1, NULL, 'n' }, { "image", 1, NULL, 'I' },
        { "image-type", 1, NULL, 'T' }, { "width-mm", 1, NULL, 'W' },
        { "height-mm", 1, NULL, 'H' }, { "valid-from", 1, NULL, 'f' },
        { "valid-to", 1, NULL, 'v' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct apply_args a = { 0 };
    const char *fmt;
    uint8_t *img = NULL;
    size_t ilen = 0;
    char *b64 = NULL;
    sc_err err = SC_ERR_INIT;
    json_t *body = NULL, *doc = NULL;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, apply_opt, &a, 0);

    if (rc >= 0)
        return rc;
    if (!a.unit || !a.type || !a.name || !a.image || !a.w || !a.h || !a.have_from ||
        !a.have_to) {
        tool_errorf(prog, "--unit, --type, --name, --image, --width-mm, --height-mm, "
                    "--valid-from and --valid-to are required");
        return EXIT_USAGE;
    }
    if ((fmt = image_format(a.image, a.image_type)) == NULL) {
        tool_errorf(prog, "%s: give --image-type png, jpg, gif, bmp, svg or ofd", a.image);
        return EXIT_USAGE;
    }
    if (tool_read_file(a.image, MAX_IMAGE, &img, &ilen, &err) != 0)
        return remote_fail(prog, &err);
    if (ilen == 0 || (b64 = malloc(4 * ((ilen + 2) / 3) + 1)) == NULL) {
        free(img);
        tool_errorf(prog, "%s: %s", a.image, ilen == 0 ? "empty file" : "out of memory");
        return ilen == 0 ? EXIT_USAGE : EXIT_FAILED;
    }
    EVP_EncodeBlock((unsigned char *)b64, img, (int)ilen);
    free(img);
    body = json_pack("{s:I,s:I,s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "unit_id", (json_int_t)a.unit,
                     "seal_type", (json_int_t)a.type, "name", a.name, "image_b64", b64,
                     "image_format", fmt, "width_mm", (json_int_t)a.w, "height_mm",
                     (json_int_t)a.h, "valid_from", (json_int_t)a.from, "valid_to",
                     (json_int_t)a.to);
    free(b64);
    if (body == NULL)
        return EXIT_FAILED;
    rc = remote_call(prog, &ro, "POST", "/api/v1/seals/applications", body, &doc);
    json_decref(body);
    if (rc == 0 && doc != NULL && !ro.json)
        printf("application %lld: %s\n", jint(doc, "id"), jstr(doc, "state"));
    json_decref(doc);
    return rc;
}

/* ---- seal approve | reject -------------------------------------------------------------- */

struct review_args { const char *reason, *es_id; };

static int review_opt(void *ctx, int c, const char *arg)
{
    struct review_args *a = ctx;

    if (c == 'r')
        a->reason = arg;
    else if (c == 'e')
        a->es_id = arg;
    else
        return 1;
    return 0;
}

static int review(int argc, char **argv, int approve)
{
    const char *prog = approve ? "sealctl seal approve" : "sealctl seal reject";
    const char *usage = approve
        ? "usage: sealctl seal approve --server URL APPLICATION-ID [--es-id ESID] [--reason T]\n"
          "Approves an application and makes the seal (role seal-officer, not the applicant).\n"
        : "usage: sealctl seal reject --server URL APPLICATION-ID --reason TEXT\n"
          "Rejects an application (role seal-officer, not the applicant).\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "reason", 1, NULL, 'r' },
        { "es-id", 1, NULL, 'e' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct review_args a = { 0 };
    int64_t id;
    json_t *body, *doc = NULL;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, review_opt, &a, 1);

    if (rc >= 0)
        return rc;
    if (remote_int_arg(prog, "APPLICATION-ID", argv[optind], 1, INT64_MAX, &id) != 0)
        return EXIT_USAGE;
    if (!approve && (a.es_id != NULL || a.reason == NULL)) {
        tool_errorf(prog, a.es_id != NULL ? "--es-id goes with approve"
                                          : "--reason TEXT is required");
        return EXIT_USAGE;
    }
    if ((body = json_object()) == NULL ||
        (a.reason != NULL && json_object_set_new(body, "reason", json_string(a.reason)) != 0) ||
        (a.es_id != NULL && json_object_set_new(body, "es_id", json_string(a.es_id)) != 0)) {
        json_decref(body);
        return EXIT_FAILED;
    }
    rc = call_on(prog, &ro, "POST", "/api/v1/seals/applications/", argv[optind],
                 approve ? "/approve" : "/reject", body, &doc);
    json_decref(body);
    if (rc == 0 && !ro.json && approve)
        printf("application %lld approved: seal %s\n", jint(doc, "id"), jstr(doc, "es_id"));
    else if (rc == 0 && doc != NULL && !ro.json)
        printf("application %lld rejected\n", jint(doc, "id"));
    json_decref(doc);
    return rc;
}

int cmd_seal_approve(int argc, char **argv) { return review(argc, argv, 1); }
int cmd_seal_reject(int argc, char **argv) { return review(argc, argv, 0); }

/* ---- seal get ---------------------------------------------------------------------------- */

struct get_args { const char *out, *cert_out; };

static int get_opt(void *ctx, int c, const char *arg)
{
    struct get_args *a = ctx;

    if (c == 'o')
        a->out = arg;
    else if (c == 'C')
        a->cert_out = arg;
    else
        return 1;
    return 0;
}

/* base64 member k of doc into file path. @return 0, or the exit code after the message */
static int save_b64(const char *prog, const json_t *doc, const char *k, const char *path)
{
    uint8_t *d = NULL;
    size_t n = 0;
    sc_err err = SC_ERR_INIT;

    if (remote_b64(doc, k, &d, &n) != 0) {
        tool_errorf(prog, "the server's answer has no valid \"%s\"", k);
        return EXIT_NO_ANSWER;
    }
    int rc = tool_write_file(path, d, n, 0644, &err);
    free(d);
    return rc == 0 ? 0 : remote_fail(prog, &err);
}

int cmd_seal_get(int argc, char **argv)
{
    static const char *prog = "sealctl seal get";
    static const char *usage =
        "usage: sealctl seal get --server URL ESID [-o SEAL.esl] [--cert-out SIGNER.der]\n"
        "Prints a seal the server made and its status; -o writes the seal (DER SES_Seal),\n"
        "--cert-out the unit's signer certificate (DER).\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "output", 1, NULL, 'o' },
        { "cert-out", 1, NULL, 'C' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct get_args a = { 0 };
    json_t *doc = NULL;
    char from[32], to[32];
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, get_opt, &a, 1);

    if (rc >= 0)
        return rc;
    if ((rc = call_on(prog, &ro, "GET", "/api/v1/seals/", argv[optind], "", NULL, &doc)) != 0)
        return rc;
    if (a.out != NULL)
        rc = save_b64(prog, doc, "seal_b64", a.out);
    if (rc == 0 && a.cert_out != NULL)
        rc = save_b64(prog, doc, "signer_cert_b64", a.cert_out);
    if (rc == 0 && !ro.json) {
        printf("seal %s: %s\n  name %s, type %lld, unit %lld\n  valid %s .. %s\n",
               jstr(doc, "es_id"), jstr(doc, "status"), jstr(doc, "name"),
               jint(doc, "seal_type"), jint(doc, "unit_id"),
               sc_time_format(jint(doc, "valid_start"), from, sizeof(from)),
               sc_time_format(jint(doc, "valid_end"), to, sizeof(to)));
    }
    json_decref(doc);
    return rc;
}

/* ---- seal suspend | resume | revoke ----------------------------------------------------- */

struct change_args { const char *reason, *text; };

static int change_opt(void *ctx, int c, const char *arg)
{
    struct change_args *a = ctx;

    if (c == 'r')
        a->reason = arg;
    else if (c == 't')
        a->text = arg;
    else
        return 1;
    return 0;
}

static int change(int argc, char **argv, const char *verb)
{
    char prog[40], usage[400];
    static const struct option opts[] = { REMOTE_OPTIONS, { "reason", 1, NULL, 'r' },
        { "text", 1, NULL, 't' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct change_args a = { 0 };
    char suffix[16];
    json_t *body, *doc = NULL;
    int revoke = strcmp(verb, "revoke") == 0, rc;

    snprintf(prog, sizeof(prog), "sealctl seal %s", verb);
    snprintf(usage, sizeof(usage), "usage: sealctl seal %s --server URL ESID %s [--text NOTE]\n"
             "Changes the seal's status (role seal-officer)%s.\n", verb,
             revoke ? "--reason R" : "[--reason NOTE]",
             revoke ? ": final. R: unspecified, keyCompromise, affiliationChanged,\n"
                      "superseded or cessationOfOperation" : "");
    if ((rc = remote_parse(prog, usage, opts, argc, argv, &ro, change_opt, &a, 1)) >= 0)
        return rc;
    if (revoke && a.reason == NULL) {
        tool_errorf(prog, "--reason is required (unspecified, keyCompromise, "
                    "affiliationChanged, superseded, cessationOfOperation)");
        return EXIT_USAGE;
    }
    if ((body = json_object()) == NULL ||
        (a.reason != NULL && json_object_set_new(body, revoke || a.text != NULL ? "reason"
                                                 : "text", json_string(a.reason)) != 0) ||
        (a.text != NULL && json_object_set_new(body, "text", json_string(a.text)) != 0)) {
        json_decref(body);
        return EXIT_FAILED;
    }
    snprintf(suffix, sizeof(suffix), "/%s", verb);
    rc = call_on(prog, &ro, "POST", "/api/v1/seals/", argv[optind], suffix, body, &doc);
    json_decref(body);
    if (rc == 0 && doc != NULL && !ro.json)
        printf("seal %s: %s\n", jstr(doc, "es_id"), jstr(doc, "status"));
    json_decref(doc);
    return rc;
}

int cmd_seal_suspend(int argc, char **argv) { return change(argc, argv, "suspend"); }
int cmd_seal_resume(int argc, char **argv) { return change(argc, argv, "resume"); }
int cmd_seal_revoke(int argc, char **argv) { return change(argc, argv, "revoke"); }

/* ---- grant add --------------------------------------------------------------------------- */

struct grant_args { const char *es_id; int64_t client, expires, uses; };

static int grant_opt(void *ctx, int c, const char *arg)
{
    static const char *prog = "sealctl grant add";
    struct grant_args *a = ctx;
    sc_err err = SC_ERR_INIT;

    switch (c) {
    case 'c': return remote_int_arg(prog, "client", arg, 1, INT64_MAX, &a->client);
    case 'e': a->es_id = arg; return 0;
    case 'u': return remote_int_arg(prog, "uses", arg, 1, INT64_MAX, &a->uses);
    case 'x':
        if (sc_time_parse(arg, &a->expires, &err) == 0)
            return 0;
        tool_errorf(prog, "--expires: %s", err.msg);
        return -1;
    default: return 1;
    }
}

int cmd_grant_add(int argc, char **argv)
{
    static const char *prog = "sealctl grant add";
    static const char *usage =
        "usage: sealctl grant add --server URL --client ID --es-id ESID [--expires T]\n"
        "         [--uses N]\n"
        "Lets an API client (an approval system, role operator) sign with a seal (role\n"
        "admin); without --expires it never expires, without --uses it has no use limit.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "client", 1, NULL, 'c' },
        { "es-id", 1, NULL, 'e' }, { "expires", 1, NULL, 'x' }, { "uses", 1, NULL, 'u' },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct grant_args a = { 0 };
    json_t *body, *doc = NULL;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, grant_opt, &a, 0);

    if (rc >= 0)
        return rc;
    if (a.client == 0 || a.es_id == NULL) {
        tool_errorf(prog, "--client and --es-id are required");
        return EXIT_USAGE;
    }
    body = json_pack("{s:I,s:s,s:I,s:I}", "client_id", (json_int_t)a.client, "es_id", a.es_id,
                     "expires_at", (json_int_t)a.expires, "use_limit", (json_int_t)a.uses);
    if (body == NULL)
        return EXIT_FAILED;
    rc = remote_call(prog, &ro, "POST", "/api/v1/grants", body, &doc);
    json_decref(body);
    if (rc == 0 && doc != NULL && !ro.json)
        printf("grant %lld: client %lld may sign with seal %s\n", jint(doc, "id"),
               jint(doc, "client_id"), jstr(doc, "es_id"));
    json_decref(doc);
    return rc;
}

/* ---- status get, status-list ------------------------------------------------------------- */

static int out_opt(void *ctx, int c, const char *arg)
{
    if (c != 'o')
        return 1;
    *(const char **)ctx = arg;
    return 0;
}

/* GET path as DER into out. @return 0, or the exit code after the message */
static int fetch_der(const char *prog, const remote_opts *ro, const char *path, const char *out)
{
    remote *r = NULL;
    uint8_t *d = NULL;
    size_t n = 0;
    sc_err err = SC_ERR_INIT;
    int rc;

    if ((rc = remote_begin(prog, ro, &r)) != 0)
        return rc;
    if ((rc = remote_get_bytes(r, path, "application/vnd.sealpki.status+der", MAX_STATUS, &d,
                               &n, &err)) == 0)
        rc = tool_write_file(out, d, n, 0644, &err);
    remote_free(r);
    free(d);
    if (rc != 0)
        return remote_fail(prog, &err);
    if (strcmp(out, "-") != 0)
        fprintf(stderr, "%s: %s (%zu bytes)\n", prog, out, n);
    return 0;
}

int cmd_status_get(int argc, char **argv)
{
    static const char *prog = "sealctl status get";
    static const char *usage =
        "usage: sealctl status get --server URL ESID [-o FILE]\n"
        "The seal's status: with -o the signed response (DER, spec/status.asn1) into FILE,\n"
        "else the status as the server reports it (any role; anonymous if the server allows).\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "output", 1, NULL, 'o' },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    const char *out = NULL;
    char *path = NULL, t1[32], t2[32];
    json_t *doc = NULL;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, out_opt, &out, 1);

    if (rc >= 0)
        return rc;
    if (out != NULL) {
        if ((path = path_of("/api/v1/seals/", argv[optind], "/status")) == NULL)
            return EXIT_FAILED;
        rc = fetch_der(prog, &ro, path, out);
        free(path);
        return rc;
    }
    if ((rc = call_on(prog, &ro, "GET", "/api/v1/seals/", argv[optind], "/status", NULL,
                      &doc)) == 0 && doc != NULL && !ro.json)
        printf("seal %s: %s%s%s (this update %s, next update %s)\n", jstr(doc, "es_id"),
               jstr(doc, "status"), jstr(doc, "reason")[0] ? ", " : "", jstr(doc, "reason"),
               sc_time_format(jint(doc, "this_update"), t1, sizeof(t1)),
               sc_time_format(jint(doc, "next_update"), t2, sizeof(t2)));
    json_decref(doc);
    return rc;
}

int cmd_status_list(int argc, char **argv)
{
    static const char *prog = "sealctl status-list";
    static const char *usage =
        "usage: sealctl status-list --server URL -o FILE\n"
        "Saves the signed list of every seal's status (DER, spec/status.asn1) for offline\n"
        "verifiers: seal-verify --status-list FILE.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "output", 1, NULL, 'o' },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    const char *out = NULL;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, out_opt, &out, 0);

    if (rc >= 0)
        return rc;
    if (out == NULL) {
        tool_errorf(prog, "-o FILE is required");
        return EXIT_USAGE;
    }
    return fetch_der(prog, &ro, "/api/v1/status-list", out);
}

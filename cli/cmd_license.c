/* cmd_license.c: e-licences on a seal-server (remote.h, spec/license-file.md): licence types
 * (add a template with its files, list), issuing grants, issuing one licence and saving its
 * OFD, status changes, the signed status, and stamping existing licence files (存量证照批量加盖)
 * one request per file with a progress bar. Output: one line a person reads per act, or with
 * --json the server's document as it came.
 * Not here: batches (cmd_license_batch.c). */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "cmd_license.h"
#include "remote.h"
#include "sealcore/time.h"
#include "sealctl.h"
#include "tool.h"

#define MAX_TEMPLATE (256u * 1024)          /* = the server's SS_LIC_TEMPLATE_MAX */
#define MAX_TYPE_FILE (32u * 1024 * 1024)   /* a background or a font */
#define MAX_TYPE_FILES 16
#define MAX_ROW (512u * 1024)

int lic_path(char *buf, size_t n, const char *prefix, const char *id, const char *suffix)
{
    char *e = remote_escape(id);
    int w = e != NULL ? snprintf(buf, n, "%s%s%s", prefix, e, suffix) : -1;

    free(e);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

const char *lic_str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : "";
}

json_t *lic_b64_json(const uint8_t *d, size_t n)
{
    size_t cap = 4 * ((n + 2) / 3) + 1;
    char *buf;
    json_t *j = NULL;

    /* base64 is ASCII: no UTF-8 check needed for a font of megabytes */
    if (n > INT_MAX / 2 || (buf = malloc(cap)) == NULL)
        return NULL;
    if (EVP_EncodeBlock((unsigned char *)buf, d, (int)n) >= 0)
        j = json_stringn_nocheck(buf, cap - 1);
    free(buf);
    return j;
}

int lic_save_file(remote *r, const char *id, const char *out, sc_err *err)
{
    char path[LIC_PATH_MAX];
    uint8_t *d = NULL;
    size_t n = 0;
    int rc;

    if (lic_path(path, sizeof(path), "/api/v1/licenses/", id, "/file") != 0)
        return sc_err_set(err, SC_EINVAL, "licence identifier too long: %.64s…", id);
    if ((rc = remote_get_bytes(r, path, "application/ofd", LIC_FILE_MAX, &d, &n, err)) == 0)
        rc = tool_write_file(out, d, n, 0644, err);
    free(d);
    return rc;
}

/* ---- license type add | list ------------------------------------------------------------- */

struct type_args {
    const char *file[MAX_TYPE_FILES];   /* NAME=PATH */
    size_t n;
};

static int type_opt(void *ctx, int c, const char *arg)
{
    struct type_args *a = ctx;

    if (c != 'f')
        return 1;
    if (a->n == MAX_TYPE_FILES || strchr(arg, '=') == NULL || arg[0] == '=') {
        tool_errorf("sealctl license type add", "--file NAME=PATH (at most %d)",
                    MAX_TYPE_FILES);
        return -1;
    }
    a->file[a->n++] = arg;
    return 0;
}

/* {"template": the XML, "files": {NAME: base64}} from the command line. */
static int type_body(const char *xml_path, const struct type_args *a, json_t **body,
                     sc_err *err)
{
    uint8_t *d = NULL;
    size_t n = 0;
    json_t *files = json_object();
    int rc;

    *body = NULL;
    if (files == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if ((rc = tool_read_file(xml_path, MAX_TEMPLATE, &d, &n, err)) != 0)
        goto out;
    if ((*body = json_pack("{s:s%,s:O}", "template", (const char *)d, n, "files",
                           files)) == NULL) {
        rc = sc_err_set(err, SC_EFORMAT, "%s: not UTF-8 text", xml_path);
        goto out;
    }
    for (size_t i = 0; i < a->n && rc == 0; i++) {
        const char *eq = strchr(a->file[i], '=');
        char name[80];
        snprintf(name, sizeof(name), "%.*s", (int)(eq - a->file[i]), a->file[i]);
        free(d);
        d = NULL;
        if ((rc = tool_read_file(eq + 1, MAX_TYPE_FILE, &d, &n, err)) != 0)
            break;
        if (json_object_set_new(files, name, lic_b64_json(d, n)) != 0)
            rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    }
out:
    free(d);
    json_decref(files);
    if (rc != 0) {
        json_decref(*body);
        *body = NULL;
    }
    return rc;
}

static int type_add(int argc, char **argv)
{
    static const char *prog = "sealctl license type add";
    static const char *usage =
        "usage: sealctl license type add --server URL TEMPLATE.xml [--file NAME=PATH]...\n"
        "Adds a licence type (role admin): the template (spec/license-template.md) and every\n"
        "file it names (Background@src, fontFile), each as --file NAME=PATH.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "file", 1, NULL, 'f' },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct type_args a = { { NULL }, 0 };
    remote *r = NULL;
    json_t *body = NULL, *doc = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, type_opt, &a, 1);

    if (rc >= 0)
        return rc;
    if (type_body(argv[optind], &a, &body, &err) != 0)
        return remote_fail(prog, &err);
    if ((rc = remote_begin(prog, &ro, &r)) == 0) {
        if ((rc = remote_json(r, "POST", "/api/v1/license-types", body, &doc, &err)) != 0)
            rc = remote_fail(prog, &err);
        else if (!ro.json)
            printf("licence type %s added (%lld files)\n", lic_str(doc, "code"),
                   (long long)json_integer_value(json_object_get(doc, "files")));
    }
    remote_free(r);
    json_decref(body);
    json_decref(doc);
    return rc;
}

static int type_list(int argc, char **argv)
{
    static const char *prog = "sealctl license type list";
    static const char *usage = "usage: sealctl license type list --server URL\n"
                               "The licence types: code, name, whether issuing is stopped.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    remote *r = NULL;
    json_t *doc = NULL, *t;
    sc_err err = SC_ERR_INIT;
    char path[64];
    long long after = 0, next;
    size_t i;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, NULL, NULL, 0);

    if (rc >= 0 || (rc = remote_begin(prog, &ro, &r)) != 0)
        return rc;
    do {   /* every page */
        snprintf(path, sizeof(path), "/api/v1/license-types?limit=1000&after=%lld", after);
        json_decref(doc);
        if ((rc = remote_json(r, "GET", path, NULL, &doc, &err)) != 0)
            break;
        json_array_foreach(json_object_get(doc, "license_types"), i, t)
            if (!ro.json)
                printf("%-24s %s%s\n", lic_str(t, "code"), lic_str(t, "name"),
                       json_is_true(json_object_get(t, "disabled")) ? " (disabled)" : "");
        next = (long long)json_integer_value(json_object_get(doc, "next_after"));
        if (next > 0 && next <= after) {   /* a server that does not move on: no endless loop */
            rc = sc_err_set(&err, REMOTE_ESERVER, "the server's next_after %lld does not follow "
                            "%lld", next, after);
            break;
        }
        after = next;
    } while (after > 0);
    remote_free(r);
    json_decref(doc);
    return rc != 0 ? remote_fail(prog, &err) : EXIT_DONE;
}

int cmd_license_type(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "add") == 0)
        return type_add(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return type_list(argc - 1, argv + 1);
    fprintf(stderr, "usage: sealctl license type add|list [options] (--help on each)\n");
    return EXIT_USAGE;
}

/* ---- license grant add ------------------------------------------------------------------- */

struct grant_args { const char *client, *es_id, *type, *expires; };

static int grant_opt(void *ctx, int c, const char *arg)
{
    struct grant_args *a = ctx;
    const char **slot = c == 'c' ? &a->client : c == 'e' ? &a->es_id : c == 't' ? &a->type
                      : c == 'x' ? &a->expires : NULL;

    if (slot == NULL)
        return 1;
    *slot = arg;
    return 0;
}

int cmd_license_grant(int argc, char **argv)
{
    static const char *prog = "sealctl license grant";
    static const char *usage =
        "usage: sealctl license grant add --server URL --client ID --es-id ESID --type CODE\n"
        "         [--expires-at EPOCH]\n"
        "Lets an API client issue licences of a type sealed with a seal (role admin).\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "client", 1, NULL, 'c' },
        { "es-id", 1, NULL, 'e' }, { "type", 1, NULL, 't' }, { "expires-at", 1, NULL, 'x' },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct grant_args a = { 0 };
    int64_t client = 0, exp = 0;
    remote *r = NULL;
    json_t *body = NULL, *doc = NULL;
    sc_err err = SC_ERR_INIT;
    int rc;

    if (argc < 2 || strcmp(argv[1], "add") != 0) {
        fprintf(stderr, "%s", usage);
        return EXIT_USAGE;
    }
    if ((rc = remote_parse(prog, usage, opts, argc - 1, argv + 1, &ro, grant_opt, &a, 0)) >= 0)
        return rc;
    if (a.client == NULL || a.es_id == NULL || a.type == NULL) {
        tool_errorf(prog, "--client, --es-id and --type are required");
        return EXIT_USAGE;
    }
    if (remote_int_arg(prog, "--client", a.client, 1, INT64_MAX, &client) != 0 ||
        (a.expires != NULL &&
         remote_int_arg(prog, "--expires-at", a.expires, 0, INT64_MAX, &exp) != 0))
        return EXIT_USAGE;
    if ((body = json_pack("{s:I,s:s,s:s,s:I}", "client_id", (json_int_t)client, "es_id",
                          a.es_id, "type", a.type, "expires_at", (json_int_t)exp)) == NULL ||
        (rc = remote_begin(prog, &ro, &r)) != 0) {
        json_decref(body);
        return body == NULL ? EXIT_FAILED : rc;
    }
    if ((rc = remote_json(r, "POST", "/api/v1/license-grants", body, &doc, &err)) != 0)
        rc = remote_fail(prog, &err);
    else if (!ro.json)
        printf("licence grant %lld: client %lld may issue %s with seal %s\n",
               (long long)json_integer_value(json_object_get(doc, "id")), (long long)client,
               a.type, a.es_id);
    remote_free(r);
    json_decref(body);
    json_decref(doc);
    return rc;
}

/* ---- license issue ----------------------------------------------------------------------- */

struct issue_args { const char *type, *es_id, *data, *out, *area; };

static int issue_opt(void *ctx, int c, const char *arg)
{
    struct issue_args *a = ctx;
    const char **slot = c == 't' ? &a->type : c == 'e' ? &a->es_id : c == 'd' ? &a->data
                      : c == 'o' ? &a->out : c == 'a' ? &a->area : NULL;

    if (slot == NULL)
        return 1;
    *slot = arg;
    return 0;
}

int cmd_license_issue(int argc, char **argv)
{
    static const char *prog = "sealctl license issue";
    static const char *usage =
        "usage: sealctl license issue --server URL --type CODE --es-id ESID --data ROW.json\n"
        "         -o OUT.ofd [--area-code NNNNNN]\n"
        "Issues one licence (role operator, with a licence grant for the seal and the type):\n"
        "ROW.json is an object of field names to string values. Prints the identifier and\n"
        "saves the sealed OFD.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "type", 1, NULL, 't' },
        { "es-id", 1, NULL, 'e' }, { "data", 1, NULL, 'd' }, { "output", 1, NULL, 'o' },
        { "area-code", 1, NULL, 'a' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct issue_args a = { 0 };
    remote *r = NULL;
    json_t *row = NULL, *body = NULL, *doc = NULL;
    uint8_t *text = NULL;
    size_t text_len = 0;
    json_error_t je;
    sc_err err = SC_ERR_INIT;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, issue_opt, &a, 0);

    if (rc >= 0)
        return rc;
    if (a.type == NULL || a.es_id == NULL || a.data == NULL || a.out == NULL) {
        tool_errorf(prog, "--type, --es-id, --data and -o are required");
        return EXIT_USAGE;
    }
    if (tool_read_file(a.data, MAX_ROW, &text, &text_len, &err) != 0)   /* bounded */
        return remote_fail(prog, &err);
    row = json_loadb((const char *)text, text_len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (row == NULL || !json_is_object(row)) {
        tool_errorf(prog, "%s: %s", a.data, row == NULL ? je.text : "expected a JSON object");
        json_decref(row);
        return EXIT_USAGE;
    }
    body = json_pack("{s:s,s:s,s:o,s:s?}", "type", a.type, "es_id", a.es_id, "row", row,
                     "area_code", a.area);
    if (body == NULL || (rc = remote_begin(prog, &ro, &r)) != 0) {
        json_decref(body);
        return body == NULL ? EXIT_FAILED : rc;
    }
    if ((rc = remote_json(r, "POST", "/api/v1/licenses", body, &doc, &err)) == 0 &&
        (rc = lic_save_file(r, lic_str(doc, "id"), a.out, &err)) == 0 && !ro.json)
        printf("%s\n", lic_str(doc, "id"));
    if (rc == 0)
        fprintf(stderr, "%s: licence %s issued: %s\n", prog, lic_str(doc, "id"), a.out);
    else if (doc != NULL)   /* issued, but not saved here: its id, or a retry issues another */
        sc_err_prefix(&err, "licence %s issued, but its file", lic_str(doc, "id"));
    remote_free(r);
    json_decref(body);
    json_decref(doc);
    return rc != 0 ? remote_fail(prog, &err) : EXIT_DONE;
}

/* ---- license suspend | resume | revoke, status ------------------------------------------- */

struct note_args { const char *reason, *text, *out; };

static int note_opt(void *ctx, int c, const char *arg)
{
    struct note_args *a = ctx;
    const char **slot = c == 'r' ? &a->reason : c == 'T' ? &a->text : c == 'o' ? &a->out
                      : NULL;

    if (slot == NULL)
        return 1;
    *slot = arg;
    return 0;
}

static int lic_change(int argc, char **argv, const char *verb)
{
    static const struct option opts[] = { REMOTE_OPTIONS, { "reason", 1, NULL, 'r' },
        { "text", 1, NULL, 'T' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    char prog[48], usage[480], path[LIC_PATH_MAX], suffix[16];
    int revoke = strcmp(verb, "revoke") == 0, rc;
    remote_opts ro = { 0 };
    struct note_args a = { 0 };
    remote *r = NULL;
    json_t *body = NULL, *doc = NULL;
    sc_err err = SC_ERR_INIT;

    snprintf(prog, sizeof(prog), "sealctl license %s", verb);
    snprintf(usage, sizeof(usage), "usage: sealctl license %s --server URL ID --reason %s"
             "%s\nChanges the licence's status (role seal-officer or admin)%s.\n",
             verb, revoke ? "R" : "NOTE", revoke ? " [--text NOTE]" : "",
             revoke ? ": final. R: unspecified, keyCompromise, "
             "affiliationChanged,\nsuperseded or cessationOfOperation" : "");
    if ((rc = remote_parse(prog, usage, opts, argc, argv, &ro, note_opt, &a, 1)) >= 0)
        return rc;
    if (a.reason == NULL) {
        tool_errorf(prog, "--reason is required");
        return EXIT_USAGE;
    }
    if (!revoke && a.text != NULL) {   /* the server keeps one note: it would drop one */
        tool_errorf(prog, "--text is for revoke; %s takes one note, --reason", verb);
        return EXIT_USAGE;
    }
    snprintf(suffix, sizeof(suffix), "/%s", verb);
    if (lic_path(path, sizeof(path), "/api/v1/licenses/", argv[optind], suffix) != 0) {
        tool_errorf(prog, "ID: too long");
        return EXIT_USAGE;
    }
    /* revoke: a reason code and the note; suspend, resume: the reason is the note */
    body = revoke ? json_pack("{s:s,s:s?}", "reason", a.reason, "text", a.text)
                  : json_pack("{s:s}", "text", a.reason);
    if (body == NULL || (rc = remote_begin(prog, &ro, &r)) != 0) {
        json_decref(body);
        return body == NULL ? EXIT_FAILED : rc;
    }
    if ((rc = remote_json(r, "POST", path, body, &doc, &err)) != 0)
        rc = remote_fail(prog, &err);
    else if (!ro.json)
        printf("licence %s: %s\n", lic_str(doc, "id"), lic_str(doc, "status"));
    remote_free(r);
    json_decref(body);
    json_decref(doc);
    return rc;
}

int cmd_license_suspend(int argc, char **argv) { return lic_change(argc, argv, "suspend"); }
int cmd_license_resume(int argc, char **argv) { return lic_change(argc, argv, "resume"); }
int cmd_license_revoke(int argc, char **argv) { return lic_change(argc, argv, "revoke"); }

int cmd_license_status(int argc, char **argv)
{
    static const char *prog = "sealctl license status";
    static const char *usage =
        "usage: sealctl license status --server URL ID [-o FILE.der] [--json]\n"
        "The licence's status as the server publishes it: with -o the signed response (DER,\n"
        "spec/status.asn1, Subject licenseId) into FILE, else one line (--json: the JSON).\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "output", 1, NULL, 'o' },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct note_args a = { 0 };
    char path[LIC_PATH_MAX], t1[32];
    remote *r = NULL;
    uint8_t *d = NULL;
    size_t n = 0;
    json_t *doc = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, note_opt, &a, 1);

    if (rc >= 0)
        return rc;
    if (lic_path(path, sizeof(path), "/api/v1/licenses/", argv[optind], "/status") != 0) {
        tool_errorf(prog, "ID: too long");
        return EXIT_USAGE;
    }
    if ((rc = remote_begin(prog, &ro, &r)) != 0)
        return rc;
    if (a.out != NULL) {
        if ((rc = remote_get_bytes(r, path, "application/vnd.sealpki.status+der", LIC_FILE_MAX,
                                   &d, &n, &err)) == 0)
            rc = tool_write_file(a.out, d, n, 0644, &err);
    } else if ((rc = remote_json(r, "GET", path, NULL, &doc, &err)) == 0 && !ro.json) {
        const char *reason = lic_str(doc, "reason"), *text = lic_str(doc, "text");
        printf("licence %s: %s%s%s%s%s (since %s)\n", lic_str(doc, "id"),
               lic_str(doc, "status"), reason[0] ? ", " : "", reason, text[0] ? ": " : "",
               text, sc_time_format(json_integer_value(json_object_get(doc, "since")), t1,
                                    sizeof(t1)));
    }
    remote_free(r);
    free(d);
    json_decref(doc);
    return rc != 0 ? remote_fail(prog, &err) : EXIT_DONE;
}

/* ---- license seal: stamping existing licence files --------------------------------------- */

/* Answers without a usable reply (network, TLS, 5xx) in a row after which the server is
 * taken as down: one 5xx is that file's, three are the server's. */
#define SEAL_DOWN_AFTER 3
_Static_assert(SEAL_DOWN_AFTER == 3, "cmd_license_seal's message says \"three\"");

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

typedef struct named {
    const char *path;
    size_t i;                     /* its place on the command line */
} named;

static int cmp_base(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(base_name(x->path), base_name(y->path));

    return c != 0 ? c : x->i < y->i ? -1 : x->i > y->i;
}

/* Two inputs that would be written as one DIR/<name>: the second would be skipped as
 * "already there", unsealed. Refused before anything is sent; 0 when there are none. */
static int same_names(const char *prog, const char *dir, char **files, size_t n)
{
    named *v = malloc(n * sizeof(*v));
    int rc = 0;

    if (v == NULL) {
        tool_errorf(prog, "out of memory");
        return EXIT_FAILED;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = (named){ files[i], i };
    qsort(v, n, sizeof(*v), cmp_base);
    for (size_t i = 1; i < n && rc == 0; i++)
        /* no name at all ("dir/") is the per-file check's: "not a file name" */
        if (*base_name(v[i].path) != '\0' &&
            strcmp(base_name(v[i - 1].path), base_name(v[i].path)) == 0) {
            tool_errorf(prog, "%s and %s would both be written as %s/%s: seal them in separate "
                        "runs or into separate directories", v[i - 1].path, v[i].path, dir,
                        base_name(v[i].path));
            rc = EXIT_USAGE;
        }
    free(v);
    return rc;
}

int cmd_license_seal(int argc, char **argv)
{
    static const char *prog = "sealctl license seal";
    static const char *usage =
        "usage: sealctl license seal --server URL --type CODE --es-id ESID --out DIR IN.ofd...\n"
        "         [--progress]\n"
        "Stamps the seal onto existing unsealed licence files (存量证照批量加盖) at the type's\n"
        "seal position, one request each (role operator, with a signing grant for the seal);\n"
        "a file carrying licence metadata must be consistent and of that type. Writes\n"
        "DIR/<name of IN>; a file already there is skipped, two inputs with one name are\n"
        "refused. A file the server fails (5xx) is counted failed and the run goes on; three\n"
        "in a row end it, as does a server that cannot be reached or is not trusted. Exit 1\n"
        "when any file failed, 3 when the server was taken as down.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "type", 1, NULL, 't' },
        { "es-id", 1, NULL, 'e' }, { "out", 1, NULL, 'o' }, { "progress", 0, NULL, RO_PROGRESS },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct issue_args a = { 0 };
    char *qt = NULL, *qe = NULL, path[512], out[4096];
    size_t done = 0, failed = 0, skipped = 0, total, streak = 0;
    int down = 0;
    remote_bar bar;
    remote *r = NULL;
    struct stat sb;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, issue_opt, &a, -1);

    if (rc >= 0)
        return rc;
    if (a.type == NULL || a.es_id == NULL || a.out == NULL || optind >= argc) {
        tool_errorf(prog, "--type, --es-id, --out and at least one file are required");
        return EXIT_USAGE;
    }
    if (stat(a.out, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        tool_errorf(prog, "--out %s: not a directory", a.out);
        return EXIT_USAGE;
    }
    if ((rc = same_names(prog, a.out, &argv[optind], (size_t)(argc - optind))) != 0)
        return rc;
    qt = remote_escape(a.type);
    qe = remote_escape(a.es_id);
    if (qt == NULL || qe == NULL ||
        (size_t)snprintf(path, sizeof(path), "/api/v1/licenses/seal?type=%s&es_id=%s", qt,
                         qe) >= sizeof(path) || (rc = remote_begin(prog, &ro, &r)) != 0) {
        free(qt);
        free(qe);
        return rc != 0 ? rc : EXIT_USAGE;
    }
    total = (size_t)(argc - optind);
    remote_bar_start(&bar, ro.progress, total, "sealing");
    for (int i = optind; i < argc; i++, remote_bar_set(&bar, ++done)) {
        const char *base = base_name(argv[i]);
        sc_err err = SC_ERR_INIT;
        if (*base == '\0' ||
            (size_t)snprintf(out, sizeof(out), "%s/%s", a.out, base) >= sizeof(out)) {
            /* a cut path would name another file (or the directory itself) */
            remote_bar_end(&bar);
            tool_errorf(prog, "%s: %s", argv[i], *base == '\0' ? "not a file name"
                        : "the output path would be too long");
            failed++;
            remote_bar_start(&bar, ro.progress, total, "sealing");
            continue;
        }
        if (stat(out, &sb) == 0) {
            skipped++;
            continue;
        }
        if (remote_post_file(r, path, "application/ofd", argv[i], out, &err) == 0) {
            streak = 0;
            continue;
        }
        remote_bar_end(&bar);
        tool_errorf(prog, "%s: %s", argv[i], err.msg);
        failed++;
        /* a refusal is an answer; a local failure (an unreadable input) says nothing of
         * the server either way */
        if (err.code == REMOTE_ESERVER)
            streak++;
        else if (err.code == REMOTE_EREFUSED)
            streak = 0;
        /* the rest would fail alike */
        if (err.code == REMOTE_EREACH || streak == SEAL_DOWN_AFTER) {
            tool_errorf(prog, "%s: the server is taken as down; the %zu files not sent count "
                        "as failed (run again: sealed files are kept)",
                        err.code == REMOTE_EREACH ? "no request went through"
                                                  : "three answers in a row failed",
                        total - done - 1);
            failed += total - done - 1;
            down = 1;
            break;
        }
        remote_bar_start(&bar, ro.progress, total, "sealing");
    }
    remote_bar_end(&bar);
    fprintf(stderr, "%s: %zu files: %zu sealed, %zu already there, %zu failed\n", prog, total,
            total - failed - skipped, skipped, failed);
    remote_free(r);
    free(qt);
    free(qe);
    return down ? remote_exit(REMOTE_ESERVER) : failed > 0 ? EXIT_FAILED : EXIT_DONE;
}

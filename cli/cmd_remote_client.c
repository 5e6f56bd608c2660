/* cmd_remote_client.c: a seal-server's API clients (remote.h, role admin): client add,
 * client disable | enable, client rotate-token. A bearer token the server makes is shown once:
 * printed on stdout, or with --token-out written to a file (mode 0600, replaced atomically)
 * and then printed nowhere, not even in --json output. A token is never an argument.
 * Not here: client list (cmd_remote_list.c), the first admin (cmd_init.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "remote.h"
#include "sealctl.h"
#include "store.h"
#include "tool.h"

#define MAX_CERT (128u * 1024)   /* SS_SVC_CLIENT_CERT_MAX: a client certificate file */

/* One call with the answer never printed by remote_json (it may hold a token). */
static int call_quiet(const char *prog, const remote_opts *ro, const char *path,
                      const json_t *body, json_t **doc)
{
    remote_opts quiet = *ro;

    quiet.json = 0;
    return remote_call(prog, &quiet, "POST", path, body, doc);
}

/* The answer's token: to token_out (0600) or stdout; with --json the document is printed
 * without it when it went to a file. The token's copy in doc is wiped. @return exit code */
static int hand_out(const char *prog, const remote_opts *ro, json_t *doc, const char *token_out,
                    const char *what)
{
    json_t *t = json_object_get(doc, "token");
    const char *tok = json_string_value(t);
    sc_err err = SC_ERR_INIT;
    char line[REMOTE_MAX_TOKEN + 2];
    int rc = EXIT_DONE;

    if (tok == NULL || strlen(tok) > REMOTE_MAX_TOKEN) {
        tool_errorf(prog, "the server's answer has no token");
        return EXIT_NO_ANSWER;
    }
    if (token_out != NULL) {
        snprintf(line, sizeof(line), "%s\n", tok);
        rc = tool_write_file(token_out, line, strlen(line), 0600, &err);
        OPENSSL_cleanse(line, sizeof(line));
        if (rc != 0) {
            /* the token exists only in this answer: say so rather than lose it silently */
            tool_error(prog, &err);
            tool_errorf(prog, "the new token could not be saved; rotate it again "
                        "(sealctl client rotate-token)");
            rc = EXIT_USAGE;
        }
    }
    if (ro->json) {
        char *text;
        if (token_out != NULL)
            json_object_del(doc, "token");
        if ((text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL) {
            puts(text);
            OPENSSL_cleanse(text, strlen(text));
            free(text);
        }
    } else if (token_out == NULL && (tok = json_string_value(json_object_get(doc, "token")))) {
        printf("%s bearer token, shown only this once:\n%s\n", what, tok);
    } else if (rc == EXIT_DONE) {
        printf("%s bearer token written to %s (mode 0600)\n", what, token_out);
    }
    if ((t = json_object_get(doc, "token")) != NULL && json_string_value(t) != NULL)
        OPENSSL_cleanse((char *)json_string_value(t), strlen(json_string_value(t)));
    return rc;
}

/* ---- client add -------------------------------------------------------------------------- */

struct add_args {
    const char *name, *cert, *token_out;
    int token;
    json_t *roles;
};

static int add_roles(struct add_args *a, const char *list)
{
    char buf[256], *save = NULL, *r;

    if (strlen(list) >= sizeof(buf)) {
        tool_errorf("sealctl client add", "--role: too long");
        return -1;
    }
    memcpy(buf, list, strlen(list) + 1);
    for (r = strtok_r(buf, ",", &save); r != NULL; r = strtok_r(NULL, ",", &save)) {
        if (ss_role_from_name(r) == 0) {
            tool_errorf("sealctl client add", "--role %s: not one of admin, seal-officer, "
                        "operator, auditor, verifier", r);
            return -1;
        }
        if (json_array_append_new(a->roles, json_string(r)) != 0)
            return -1;
    }
    return 0;
}

static int add_opt(void *ctx, int c, const char *arg)
{
    struct add_args *a = ctx;

    switch (c) {
    case 'n': a->name = arg; return 0;
    case 'r': return add_roles(a, arg);
    case 'C': a->cert = arg; return 0;
    case 't': a->token = 1; return 0;
    case 'o': a->token_out = arg; a->token = 1; return 0;
    default: return 1;
    }
}

/* cert_pem (text with a PEM block) or cert_b64 (DER) from the file into body. */
static int add_cert(const char *prog, json_t *body, const char *path)
{
    uint8_t *d = NULL;
    size_t len = 0;
    char *b64 = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = EXIT_DONE;

    if (tool_read_file(path, MAX_CERT, &d, &len, &err) != 0) {
        tool_error(prog, &err);
        return EXIT_USAGE;
    }
    if (strstr((const char *)d, "-----BEGIN") != NULL) {
        if (json_object_set_new(body, "cert_pem", json_stringn((const char *)d, len)) != 0)
            rc = EXIT_USAGE;
    } else if ((b64 = malloc(4 * ((len + 2) / 3) + 1)) == NULL) {
        rc = EXIT_FAILED;
    } else {
        EVP_EncodeBlock((unsigned char *)b64, d, (int)len);   /* len <= MAX_CERT */
        json_object_set_new(body, "cert_b64", json_string(b64));
    }
    if (rc == EXIT_USAGE)
        tool_errorf(prog, "%s: not a PEM certificate (PEM text must be UTF-8)", path);
    free(b64);
    free(d);
    return rc;
}

int cmd_client_add(int argc, char **argv)
{
    static const char *prog = "sealctl client add";
    static const char *usage =
        "usage: sealctl client add --server URL --name NAME --role R[,R...] [--client-cert F]\n"
        "         [--token] [--token-out FILE]\n"
        "Adds an API client (role admin). Roles: admin, seal-officer, operator, auditor,\n"
        "verifier (--role may repeat). --client-cert F registers a client certificate (PEM or\n"
        "DER) by its subject and SHA-256; --token asks for a bearer token, printed once on\n"
        "stdout, or with --token-out written to FILE (mode 0600) and printed nowhere.\n"
        "At least one of --client-cert and --token.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "name", 1, NULL, 'n' },
        { "role", 1, NULL, 'r' }, { "client-cert", 1, NULL, 'C' }, { "token", 0, NULL, 't' },
        { "token-out", 1, NULL, 'o' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct add_args a = { 0 };
    json_t *body = NULL, *doc = NULL;
    char what[SS_NAME_MAX + 64];
    int rc;

    if ((a.roles = json_array()) == NULL)
        return EXIT_FAILED;
    if ((rc = remote_parse(prog, usage, opts, argc, argv, &ro, add_opt, &a, 0)) >= 0)
        goto out;
    rc = EXIT_USAGE;
    if (a.name == NULL || json_array_size(a.roles) == 0) {
        tool_errorf(prog, "--name and --role are required");
        goto out;
    }
    if (a.cert == NULL && !a.token) {
        tool_errorf(prog, "give --client-cert, --token (or --token-out), or both");
        goto out;
    }
    if ((body = json_pack("{s:s,s:O,s:b}", "name", a.name, "roles", a.roles, "token",
                          a.token)) == NULL) {
        rc = EXIT_FAILED;
        goto out;
    }
    if (a.cert != NULL && (rc = add_cert(prog, body, a.cert)) != EXIT_DONE)
        goto out;
    if ((rc = call_quiet(prog, &ro, "/api/v1/clients", body, &doc)) != 0)
        goto out;
    snprintf(what, sizeof(what), "client %lld \"%s\"",
             (long long)json_integer_value(json_object_get(doc, "id")),
             json_string_value(json_object_get(doc, "name")) != NULL
                 ? json_string_value(json_object_get(doc, "name")) : "");
    if (a.token) {
        if (!ro.json)
            printf("%s added\n", what);
        rc = hand_out(prog, &ro, doc, a.token_out, what);
    } else {
        char *text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (ro.json && text != NULL)
            puts(text);
        else if (!ro.json)
            printf("%s added, certificate %s\n", what,
                   json_string_value(json_object_get(doc, "cert_subject")) != NULL
                       ? json_string_value(json_object_get(doc, "cert_subject")) : "");
        free(text);
        rc = EXIT_DONE;
    }
out:
    json_decref(a.roles);
    json_decref(body);
    json_decref(doc);
    return rc;
}

/* ---- client disable | enable | rotate-token ---------------------------------------------- */

static int token_out_opt(void *ctx, int c, const char *arg)
{
    if (c != 'o')
        return 1;
    *(const char **)ctx = arg;
    return 0;
}

/* POST /api/v1/clients/ID/verb. */
static int client_act(int argc, char **argv, const char *verb)
{
    char prog[64], usage[512], path[96], what[64];
    static const struct option opts[] = { REMOTE_OPTIONS, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    static const struct option rot_opts[] = { REMOTE_OPTIONS, { "token-out", 1, NULL, 'o' },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    int rotate = strcmp(verb, "rotate-token") == 0;
    const char *token_out = NULL;
    remote_opts ro = { 0 };
    json_t *doc = NULL;
    int64_t id;
    int rc;

    snprintf(prog, sizeof(prog), "sealctl client %s", verb);
    snprintf(usage, sizeof(usage), "usage: %s --server URL%s CLIENT-ID\n%s", prog,
             rotate ? " [--token-out FILE]" : "",
             rotate ? "A new bearer token for the client (role admin); its old token stops "
                      "working at once.\nThe token is printed once, or written to FILE (mode "
                      "0600).\n"
             : strcmp(verb, "disable") == 0
                 ? "Disables the client (role admin): its credentials are refused from now on."
                   "\nAn admin cannot disable itself nor the last enabled admin.\n"
                 : "Enables a disabled client again (role admin).\n");
    if ((rc = remote_parse(prog, usage, rotate ? rot_opts : opts, argc, argv, &ro,
                           rotate ? token_out_opt : NULL, &token_out, 1)) >= 0)
        return rc;
    if (remote_int_arg(prog, "CLIENT-ID", argv[optind], 1, INT64_MAX, &id) != 0)
        return EXIT_USAGE;
    snprintf(path, sizeof(path), "/api/v1/clients/%lld/%s", (long long)id, verb);
    if (rotate) {
        if ((rc = call_quiet(prog, &ro, path, NULL, &doc)) == 0) {
            snprintf(what, sizeof(what), "client %lld: new", (long long)id);
            rc = hand_out(prog, &ro, doc, token_out, what);
        }
        json_decref(doc);
        return rc;
    }
    {
        remote *r = NULL;
        sc_err err = SC_ERR_INIT;

        if ((rc = remote_begin(prog, &ro, &r)) != 0)
            return rc;
        rc = remote_json(r, "POST", path, NULL, &doc, &err);
        remote_free(r);
        if (rc != 0)
            return remote_fail(prog, &err);
    }
    if (!ro.json)
        printf("client %lld \"%s\" %s\n", (long long)id,
               json_string_value(json_object_get(doc, "name")) != NULL
                   ? json_string_value(json_object_get(doc, "name")) : "",
               json_is_true(json_object_get(doc, "disabled")) ? "disabled" : "enabled");
    json_decref(doc);
    return EXIT_DONE;
}

int cmd_client_disable(int argc, char **argv) { return client_act(argc, argv, "disable"); }
int cmd_client_enable(int argc, char **argv) { return client_act(argc, argv, "enable"); }
int cmd_client_rotate(int argc, char **argv) { return client_act(argc, argv, "rotate-token"); }

/* cmd_remote_sign.c: signing on a seal-server (remote.h): sign data --server (one file or
 * its SM3: a detached SES_Signature written beside nothing else), and the choice between
 * the local and the remote form of sign data / sign ofd.
 * The document never leaves this machine for sign data: its SM3 is computed here and only
 * the hash is sent (the signature's dataHash is that SM3 either way). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- local or remote --------------------------------------------------------------------- */

int cmd_sign_data_any(int argc, char **argv)
{
    return remote_wanted(argc, argv, "--seal") ? remote_sign_data(argc, argv)
                                               : cmd_sign_data(argc, argv);
}

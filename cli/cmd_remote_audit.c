/* cmd_remote_audit.c: sealctl audit verify | show --server: the audit log of a running
 * province through GET /api/v1/audit/verify and GET /api/v1/audit (role auditor), printed
 * as the local forms print a store file (cmd_audit.c), and the choice between the two forms
 * (remote with --server, or $SEALCTL_SERVER without --store).
 * Not here: the chain's rules (store/audit.c, run by the server). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "remote.h"
#include "sealctl.h"
#include "tool.h"

#define SHOW_DEFAULT 100
#define SHOW_MAX 1000   /* the server's page maximum (SS_LIST_MAX) */

static int remote_audit_verify(int argc, char **argv)
{
    static const char *prog = "sealctl audit verify";
    static const char *usage =
        "usage: sealctl audit verify --server URL [--json]\n"
        "Has the server check its whole audit chain (role auditor): every record's hash, its\n"
        "link to the previous one, no gap from seq 1, and the chain head.\n"
        "Exit 0 intact; 1 broken (the first broken record is named) or refused.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    json_t *doc = NULL, *intact;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, NULL, NULL, 0);

    if (rc >= 0)
        return rc;
    if ((rc = remote_call(prog, &ro, "GET", "/api/v1/audit/verify", NULL, &doc)) != 0)
        return rc;
    if (!json_is_boolean(intact = json_object_get(doc, "intact"))) {
        tool_errorf(prog, "the server's answer has no \"intact\"");
        rc = EXIT_NO_ANSWER;
    } else if (json_is_true(intact)) {
        long long n = (long long)json_integer_value(json_object_get(doc, "records"));
        if (!ro.json)
            printf("audit chain intact: %lld record%s, head %s\n", n, n == 1 ? "" : "s",
                   json_string_value(json_object_get(doc, "head")));
    } else {
        long long bad = (long long)json_integer_value(json_object_get(doc, "first_bad_seq"));
        const char *why = json_string_value(json_object_get(doc, "reason"));
        char lead[40];
        size_t ll = (size_t)snprintf(lead, sizeof(lead), "record %lld: ", bad);
        why = why != NULL ? why : "";
        if (!ro.json)   /* the reason usually starts with "record N: " itself */
            printf("audit chain BROKEN at record %lld: %s\n", bad,
                   strncmp(why, lead, ll) == 0 ? why + ll : why);
        rc = EXIT_FAILED;
    }
    json_decref(doc);
    return rc;
}

struct show_args { int64_t after, limit; };

static int show_opt(void *ctx, int c, const char *arg)
{
    struct show_args *a = ctx;

    if (c == 'a')
        return remote_int_arg("sealctl audit show", "after", arg, 0, INT64_MAX, &a->after);
    if (c == 'l')
        return remote_int_arg("sealctl audit show", "limit", arg, 1, SHOW_MAX, &a->limit);
    return 1;
}

static void print_record(const json_t *r)
{
    time_t t = (time_t)json_integer_value(json_object_get(r, "at"));
    const char *obj = json_string_value(json_object_get(r, "object"));
    const char *act = json_string_value(json_object_get(r, "action"));
    json_t *d = json_object_get(r, "details");
    char at[32], *det = json_is_string(d) ? strdup(json_string_value(d))
                                          : json_dumps(d, JSON_COMPACT | JSON_ENCODE_ANY);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(at, sizeof(at), "%lld", (long long)t);
    printf("%lld  %s  actor %lld  %s  %s  %s%s\n",
           (long long)json_integer_value(json_object_get(r, "seq")), at,
           (long long)json_integer_value(json_object_get(r, "actor")),
           act != NULL ? act : "",
           obj != NULL && obj[0] != '\0' ? obj : "-", det != NULL ? det : "",
           json_is_true(json_object_get(r, "malformed")) ? "  (malformed)" : "");
    free(det);
}

static int remote_audit_show(int argc, char **argv)
{
    static const char *prog = "sealctl audit show";
    static const char *usage =
        "usage: sealctl audit show --server URL [--after SEQ] [--limit N] [--json]\n"
        "Prints the server's audit records with seq > SEQ (default 0), at most N (1..1000,\n"
        "default 100), as stored: not verified (use sealctl audit verify). Role auditor.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "after", 1, NULL, 'a' },
        { "limit", 1, NULL, 'l' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct show_args a = { 0, SHOW_DEFAULT };
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, show_opt, &a, 0);

    return rc >= 0 ? rc : remote_list(prog, &ro, "/api/v1/audit", a.after, a.limit, "",
                                      "records", print_record);
}

int cmd_audit_verify_any(int argc, char **argv)
{
    return remote_or_local(argc, argv, "--store", remote_audit_verify, cmd_audit_verify);
}

int cmd_audit_show_any(int argc, char **argv)
{
    return remote_or_local(argc, argv, "--store", remote_audit_show, cmd_audit_show);
}

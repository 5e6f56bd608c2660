/* cmd_remote_list.c: what a seal-server holds, page by page (remote.h): unit list, seal
 * applications, seal list, grant list, client list, and grant revoke; remote_list() also pages
 * audit show. One line per item, or with --json the server's page as it came; a full page says
 * on stderr how to ask for the next. Not here: acting on units and seals (cmd_remote.c). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote.h"
#include "sealcore/time.h"
#include "sealctl.h"
#include "tool.h"

/* The options every listing takes, and the filters of each. */
struct list_args {
    int64_t after, limit, unit, client;
    const char *word, *es_id;   /* --state / --status; --es-id */
};

static int list_opt(void *ctx, int c, const char *arg)
{
    struct list_args *a = ctx;

    switch (c) {
    case 'a': return remote_int_arg("sealctl", "after", arg, 0, INT64_MAX, &a->after);
    case 'l': return remote_int_arg("sealctl", "limit", arg, 1, 1000, &a->limit);
    case 'u': return remote_int_arg("sealctl", "unit", arg, 1, INT64_MAX, &a->unit);
    case 'c': return remote_int_arg("sealctl", "client", arg, 1, INT64_MAX, &a->client);
    case 's': a->word = arg; return 0;
    case 'e': a->es_id = arg; return 0;
    default: return 1;
    }
}

static const char *s_(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s != NULL ? s : "";
}

static long long i_(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

int remote_list(const char *prog, const remote_opts *ro, const char *path, int64_t after,
                int64_t limit, const char *q, const char *member, remote_print_fn print)
{
    char url[512];
    json_t *doc = NULL, *items, *next;
    int rc;

    if ((size_t)snprintf(url, sizeof(url), "%s?after=%lld&limit=%lld%s", path,
                         (long long)after, (long long)limit, q) >= sizeof(url)) {
        tool_errorf(prog, "the filters are too long");
        return EXIT_USAGE;
    }
    if ((rc = remote_call(prog, ro, "GET", url, NULL, &doc)) != 0)
        return rc;
    if (!json_is_array(items = json_object_get(doc, member))) {
        tool_errorf(prog, "the server's answer has no \"%s\"", member);
        json_decref(doc);
        return EXIT_NO_ANSWER;
    }
    for (size_t i = 0; !ro->json && i < json_array_size(items); i++)
        print(json_array_get(items, i));
    if (json_is_integer(next = json_object_get(doc, "next_after")))
        fprintf(stderr, "%s: %zu %s shown; more may follow: --after %lld\n", prog,
                json_array_size(items), member, (long long)json_integer_value(next));
    json_decref(doc);
    return EXIT_DONE;
}

#define LIST_OPTIONS                                                                          \
    REMOTE_OPTIONS, { "after", 1, NULL, 'a' }, { "limit", 1, NULL, 'l' },                     \
    { "help", 0, NULL, 'h' }

/* ---- unit list --------------------------------------------------------------------------- */

static void print_unit(const json_t *u)
{
    printf("%lld  %s  %s\n", i_(u, "id"), s_(u, "code"), s_(u, "name"));
}

int cmd_unit_list(int argc, char **argv)
{
    static const char *prog = "sealctl unit list";
    static const char *usage = "usage: sealctl unit list --server URL [--after ID] [--limit N]\n"
                               "The registered units (role admin or seal-officer).\n";
    static const struct option opts[] = { LIST_OPTIONS, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct list_args a = { .limit = 100 };
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, list_opt, &a, 0);

    return rc >= 0 ? rc : remote_list(prog, &ro, "/api/v1/units", a.after, a.limit, "",
                                      "units", print_unit);
}

/* ---- seal applications, seal list -------------------------------------------------------- */

static void print_app(const json_t *p)
{
    printf("%lld  %s  unit %lld  type %lld  %s%s%s\n", i_(p, "id"), s_(p, "state"),
           i_(p, "unit_id"), i_(p, "seal_type"), s_(p, "name"), s_(p, "es_id")[0] ? "  seal "
           : "", s_(p, "es_id"));
}

static void print_seal(const json_t *s)
{
    char f[32], t[32];

    printf("%s  %s  unit %lld  type %lld  %s  valid %s .. %s\n", s_(s, "es_id"),
           s_(s, "status"), i_(s, "unit_id"), i_(s, "seal_type"), s_(s, "name"),
           sc_time_format(i_(s, "valid_start"), f, sizeof(f)),
           sc_time_format(i_(s, "valid_end"), t, sizeof(t)));
}

/* "&unit_id=U&WORD=W" from the filters (W checked by the server) into q[n].
 * @return 0, or the exit code after saying why (a cut filter would select other rows). */
static int filters(const char *prog, char *q, size_t n, const struct list_args *a,
                   const char *word)
{
    char *w = a->word != NULL ? remote_escape(a->word) : NULL;
    char *e = a->es_id != NULL ? remote_escape(a->es_id) : NULL;
    size_t k = 0;
    int rc = 0;

    q[0] = '\0';
    if ((a->word != NULL && w == NULL) || (a->es_id != NULL && e == NULL)) {
        tool_errorf(prog, "out of memory");
        rc = EXIT_FAILED;
    }
    if (rc == 0 && a->unit > 0)
        k += (size_t)snprintf(q + k, n - k, "&unit_id=%lld", (long long)a->unit);
    if (rc == 0 && a->client > 0 && k < n)
        k += (size_t)snprintf(q + k, n - k, "&client_id=%lld", (long long)a->client);
    if (rc == 0 && w != NULL && k < n)
        k += (size_t)snprintf(q + k, n - k, "&%s=%s", word, w);
    if (rc == 0 && e != NULL && k < n)
        k += (size_t)snprintf(q + k, n - k, "&es_id=%s", e);
    if (rc == 0 && k >= n) {
        tool_errorf(prog, "the filters are too long");
        rc = EXIT_USAGE;
    }
    free(w);
    free(e);
    return rc;
}

static int seal_listing(int argc, char **argv, int apps)
{
    const char *prog = apps ? "sealctl seal applications" : "sealctl seal list";
    const char *usage = apps
        ? "usage: sealctl seal applications --server URL [--state pending|approved|rejected]\n"
          "         [--unit ID] [--after ID] [--limit N]\n"
          "Seal applications (role admin or seal-officer), oldest first.\n"
        : "usage: sealctl seal list --server URL [--status good|suspended|revoked] [--unit ID]\n"
          "         [--after ID] [--limit N]\n"
          "The seals the server made, with their recorded status (any role).\n";
    static const struct option opts[] = { LIST_OPTIONS, { "unit", 1, NULL, 'u' },
        { "state", 1, NULL, 's' }, { "status", 1, NULL, 's' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct list_args a = { .limit = 100 };
    char q[256];
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, list_opt, &a, 0);

    if (rc >= 0)
        return rc;
    if ((rc = filters(prog, q, sizeof(q), &a, apps ? "state" : "status")) != 0)
        return rc;
    return apps ? remote_list(prog, &ro, "/api/v1/seals/applications", a.after, a.limit, q,
                              "applications", print_app)
                : remote_list(prog, &ro, "/api/v1/seals", a.after, a.limit, q, "seals",
                              print_seal);
}

int cmd_seal_applications(int argc, char **argv) { return seal_listing(argc, argv, 1); }
int cmd_seal_list(int argc, char **argv) { return seal_listing(argc, argv, 0); }

/* ---- grant list, grant revoke ------------------------------------------------------------ */

static void print_grant(const json_t *g)
{
    char e[32] = "never", lim[32] = "unlimited";

    if (i_(g, "expires_at") != 0)
        sc_time_format(i_(g, "expires_at"), e, sizeof(e));
    if (i_(g, "use_limit") != 0)
        snprintf(lim, sizeof(lim), "%lld", i_(g, "use_limit"));
    printf("%lld  client %lld  seal %s  used %lld of %s  expires %s\n", i_(g, "id"),
           i_(g, "client_id"), s_(g, "es_id"), i_(g, "uses"), lim, e);
}

int cmd_grant_list(int argc, char **argv)
{
    static const char *prog = "sealctl grant list";
    static const char *usage =
        "usage: sealctl grant list --server URL [--client ID] [--es-id ESID] [--after ID]\n"
        "         [--limit N]\n"
        "Who may sign with which seal, and how often they did (role admin).\n";
    static const struct option opts[] = { LIST_OPTIONS, { "client", 1, NULL, 'c' },
        { "es-id", 1, NULL, 'e' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct list_args a = { .limit = 100 };
    char q[256];
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, list_opt, &a, 0);

    if (rc >= 0)
        return rc;
    if ((rc = filters(prog, q, sizeof(q), &a, NULL)) != 0)
        return rc;
    return remote_list(prog, &ro, "/api/v1/grants", a.after, a.limit, q, "grants",
                       print_grant);
}

/* ---- client list ------------------------------------------------------------------------- */

static void print_client(const json_t *c)
{
    const json_t *roles = json_object_get(c, "roles"), *r;
    size_t i;

    printf("%lld  %s  ", i_(c, "id"), s_(c, "name"));
    json_array_foreach(roles, i, r)
        printf("%s%s", i > 0 ? "," : "", json_string_value(r) != NULL ? json_string_value(r)
                                                                      : "?");
    printf("  %s%s%s%s\n", json_is_true(json_object_get(c, "disabled")) ? "DISABLED  " : "",
           json_is_true(json_object_get(c, "has_token")) ? "token" : "",
           s_(c, "cert_subject")[0] && json_is_true(json_object_get(c, "has_token")) ? ", " : "",
           s_(c, "cert_subject")[0] ? s_(c, "cert_subject") : "");
}

int cmd_client_list(int argc, char **argv)
{
    static const char *prog = "sealctl client list";
    static const char *usage = "usage: sealctl client list --server URL [--after ID] "
                               "[--limit N]\n"
                               "The API clients: roles, credentials, disabled (role admin).\n";
    static const struct option opts[] = { LIST_OPTIONS, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct list_args a = { .limit = 100 };
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, list_opt, &a, 0);

    return rc >= 0 ? rc : remote_list(prog, &ro, "/api/v1/clients", a.after, a.limit, "",
                                      "clients", print_client);
}

int cmd_grant_revoke(int argc, char **argv)
{
    static const char *prog = "sealctl grant revoke";
    static const char *usage = "usage: sealctl grant revoke --server URL GRANT-ID\n"
                               "Withdraws a grant (role admin): its client can no longer sign "
                               "with that seal.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    int64_t id;
    char path[64];
    remote *r = NULL;
    json_t *doc = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, NULL, NULL, 1);

    if (rc >= 0)
        return rc;
    if (remote_int_arg(prog, "GRANT-ID", argv[optind], 1, INT64_MAX, &id) != 0)
        return EXIT_USAGE;
    snprintf(path, sizeof(path), "/api/v1/grants/%lld", (long long)id);
    if ((rc = remote_begin(prog, &ro, &r)) != 0)
        return rc;
    rc = remote_json(r, "DELETE", path, NULL, &doc, &err);
    remote_free(r);
    json_decref(doc);
    if (rc != 0)
        return remote_fail(prog, &err);
    if (!ro.json)
        printf("grant %lld revoked\n", (long long)id);
    return EXIT_DONE;
}

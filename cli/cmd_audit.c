/* cmd_audit.c: sealctl audit verify | show — the store's hash-chained audit log read from the
 * SQLite file (audit.h). Not here: the chain's rules and canonical form (store/audit.c,
 * store/README.md); remote access through the API (--server, later).
 * A store is opened only when the file exists and starts like a SQLite database, so a wrong
 * path never creates an empty store that then "verifies". */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "sealctl.h"
#include "store.h"
#include "tool.h"

#define DEFAULT_LIMIT 100

static void verify_usage(FILE *f)
{
    fprintf(f, "usage: sealctl audit verify --store FILE [--json]\n\n"
               "Checks the whole audit chain of a seal-server store: every record's hash, its\n"
               "link to the previous one, no gap from seq 1, and the chain head.\n"
               "Exit 0 intact; 1 broken (the first broken record is named); 2 unreadable store.\n");
}

static void show_usage(FILE *f)
{
    fprintf(f, "usage: sealctl audit show --store FILE [--after SEQ] [--limit N] [--json]\n\n"
               "Prints audit records with seq > SEQ (default 0), at most N (1..%d, default %d),\n"
               "as read: not verified (use sealctl audit verify).\n",
            SS_LIST_MAX, DEFAULT_LIMIT);
}

static void hex32(const uint8_t h[32], char out[65])
{
    for (size_t i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* Open an existing store; exit code 2 with a message if it is not one. */
static int open_store(const char *prog, const char *path, ss_store **st)
{
    static const char magic[16] = "SQLite format 3";   /* with its NUL: 16 bytes */
    /* An auditor may hold a copy readable by others: reading it is not a leak we add. */
    const ss_sqlite_opts opts = { 1, 0, 1 };
    char head[16];
    struct stat sb;
    sc_err err = SC_ERR_INIT;
    int fd;
    ssize_t n;

    *st = NULL;
    if (stat(path, &sb) != 0) {
        tool_errorf(prog, "store %s: %s", path, strerror(errno));
        return EXIT_USAGE;
    }
    if (!S_ISREG(sb.st_mode)) {
        tool_errorf(prog, "store %s: not a regular file", path);
        return EXIT_USAGE;
    }
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        tool_errorf(prog, "store %s: %s", path, strerror(errno));
        return EXIT_USAGE;
    }
    n = read(fd, head, sizeof(head));
    close(fd);
    if (n != (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic)) != 0) {
        tool_errorf(prog, "store %s: not a SQLite database (%s)", path,
                    n == 0 ? "empty file" : "no SQLite header");
        return EXIT_USAGE;
    }
    if (ss_store_open_sqlite_opts(st, path, &opts, &err) != 0) {
        if (strstr(err.msg, path) == NULL)
            sc_err_prefix(&err, "%s", path);
        tool_error(prog, &err);
        return err.code == SC_ENOMEM ? EXIT_FAILED : EXIT_USAGE;
    }
    return 0;
}

int cmd_audit_verify(int argc, char **argv)
{
    static const char *prog = "sealctl audit verify";
    static const struct option opts[] = {
        { "store", 1, NULL, 's' }, { "json", 0, NULL, 'j' }, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    const char *path = NULL;
    int json = 0, c, rc;
    ss_store *st = NULL;
    int64_t bad = 0, count = 0, head_seq = 0;
    uint8_t head[32] = { 0 };
    char why[SS_AUDIT_WHY_MIN * 2] = "", hex[65];
    sc_err err = SC_ERR_INIT;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': path = optarg; break;
        case 'j': json = 1; break;
        case 'h': verify_usage(stdout); return EXIT_DONE;
        default: verify_usage(stderr); return EXIT_USAGE;
        }
    }
    if (path == NULL || optind != argc) {
        tool_errorf(prog, optind != argc ? "unexpected argument \"%s\"" : "--store FILE is "
                    "required%s", optind != argc ? argv[optind] : "");
        verify_usage(stderr);
        return EXIT_USAGE;
    }
    if ((rc = open_store(prog, path, &st)) != 0)
        return rc;
    rc = ss_audit_verify_count(st, &bad, why, sizeof(why), &count, &err);
    if (rc != 0 && rc != SS_ETAMPERED) {          /* the check could not run */
        tool_error(prog, &err);
        ss_store_close(st);
        return rc == SC_ENOMEM ? EXIT_FAILED : EXIT_USAGE;
    }
    if (rc == 0 && ss_audit_head(st, &head_seq, head, &err) != 0) {
        tool_error(prog, &err);
        ss_store_close(st);
        return EXIT_USAGE;
    }
    ss_store_close(st);
    hex32(head, hex);
    if (json) {
        json_t *o = rc == 0
            ? json_pack("{s:b,s:I,s:I,s:s}", "intact", 1, "records", (json_int_t)count,
                        "head_seq", (json_int_t)head_seq, "head", hex)
            : json_pack("{s:b,s:I,s:s,s:I}", "intact", 0, "first_bad_seq", (json_int_t)bad,
                        "reason", why, "records_checked", (json_int_t)count);
        char *t = o != NULL ? json_dumps(o, JSON_INDENT(2)) : NULL;
        if (t != NULL)
            puts(t);
        free(t);
        json_decref(o);
    } else if (rc == 0) {
        printf("audit chain intact: %lld record%s, head %s\n", (long long)count,
               count == 1 ? "" : "s", hex);
    } else {
        /* the reason usually starts with "record N: " itself */
        char lead[40];
        size_t ll = (size_t)snprintf(lead, sizeof(lead), "record %lld: ", (long long)bad);
        printf("audit chain BROKEN at record %lld: %s\n", (long long)bad,
               strncmp(why, lead, ll) == 0 ? why + ll : why);
    }
    return rc == 0 ? EXIT_DONE : EXIT_FAILED;
}

struct show_ctx {
    json_t *arr;       /* --json: records collected here */
    int64_t last;
    unsigned n;
};

static int show_one(void *ctx, const ss_audit_record *r)
{
    struct show_ctx *s = ctx;
    char at[32], ph[65], h[65];
    time_t t = (time_t)r->at;
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(at, sizeof(at), "%lld", (long long)r->at);
    s->last = r->seq;
    s->n++;
    if (s->arr != NULL) {
        json_error_t je;
        /* details as the JSON they are; as text if a damaged row no longer parses */
        json_t *d = r->details != NULL ? json_loadb(r->details, r->details_len, 0, &je) : NULL;
        hex32(r->prev_hash, ph);
        hex32(r->hash, h);
        if (d == NULL)
            d = r->details != NULL ? json_stringn(r->details, r->details_len) : json_null();
        json_t *o = json_pack("{s:I,s:s,s:I,s:I,s:s,s:s,s:o,s:s,s:s}", "seq", (json_int_t)r->seq,
                              "time", at, "at", (json_int_t)r->at, "actor",
                              (json_int_t)r->actor, "action", r->action ? r->action : "",
                              "object", r->object ? r->object : "", "details", d,
                              "prev_hash", ph, "hash", h);
        if (o != NULL && r->malformed)
            json_object_set_new(o, "malformed", json_true());
        if (o == NULL || json_array_append_new(s->arr, o) != 0)
            return SC_ENOMEM;
        return 0;
    }
    printf("%lld  %s  actor %lld  %s  %s  %.*s%s\n", (long long)r->seq, at, (long long)r->actor,
           r->action ? r->action : "", r->object && r->object[0] ? r->object : "-",
           r->details != NULL ? (int)r->details_len : 0, r->details != NULL ? r->details : "",
           r->malformed ? "  (malformed)" : "");
    return 0;
}

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cmd_audit_show(int argc, char **argv)
{
    static const char *prog = "sealctl audit show";
    static const struct option opts[] = {
        { "store", 1, NULL, 's' }, { "after", 1, NULL, 'a' }, { "limit", 1, NULL, 'l' },
        { "json", 0, NULL, 'j' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *path = NULL;
    int64_t after = 0, limit = DEFAULT_LIMIT;
    int json = 0, c, rc;
    ss_store *st = NULL;
    struct show_ctx s = { NULL, 0, 0 };
    sc_err err = SC_ERR_INIT;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': path = optarg; break;
        case 'a':
            if (parse_i64(optarg, 0, INT64_MAX, &after) != 0) {
                tool_errorf(prog, "--after: \"%s\" is not a seq >= 0", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'l':
            if (parse_i64(optarg, 1, SS_LIST_MAX, &limit) != 0) {
                tool_errorf(prog, "--limit: \"%s\" is not in 1..%d", optarg, SS_LIST_MAX);
                return EXIT_USAGE;
            }
            break;
        case 'j': json = 1; break;
        case 'h': show_usage(stdout); return EXIT_DONE;
        default: show_usage(stderr); return EXIT_USAGE;
        }
    }
    if (path == NULL || optind != argc) {
        tool_errorf(prog, optind != argc ? "unexpected argument \"%s\"" : "--store FILE is "
                    "required%s", optind != argc ? argv[optind] : "");
        show_usage(stderr);
        return EXIT_USAGE;
    }
    if ((rc = open_store(prog, path, &st)) != 0)
        return rc;
    if (json && (s.arr = json_array()) == NULL) {
        ss_store_close(st);
        return EXIT_FAILED;
    }
    rc = ss_audit_list(st, after, (unsigned)limit, show_one, &s, &err);
    ss_store_close(st);
    if (rc != 0) {
        if (err.code == 0)
            sc_err_set(&err, rc, "%s", ss_err_name(rc));
        tool_error(prog, &err);
        json_decref(s.arr);
        return rc == SC_ENOMEM ? EXIT_FAILED : EXIT_USAGE;
    }
    if (json) {
        char *t = json_dumps(s.arr, JSON_INDENT(2));
        if (t != NULL)
            puts(t);
        free(t);
        json_decref(s.arr);
    }
    if (s.n == (unsigned)limit)
        fprintf(stderr, "%s: %u records shown; more may follow: --after %lld\n", prog, s.n,
                (long long)s.last);
    return EXIT_DONE;
}

/* cmd_license_batch.c: sealctl license batch: a CSV of data rows issued on a seal-server in
 * requests of 1000 rows (POST /api/v1/licenses/batch, text/csv: the header row, then the
 * chunk's rows, first_row its offset), every issued licence's OFD saved as DIR/<ZZBS>.ofd
 * (atomically; a file already there is kept), a progress bar, a summary and the rows that
 * failed with why.
 * Resuming: the batch id (--batch-id, default the CSV's SM3) makes row i the server's
 * (batch id, i) — a re-run issues no row twice, answers the rows issued before with their
 * licences and fetches only the files missing from DIR.
 * The CSV is split here only at record boundaries (quotes tracked); its cells are parsed by
 * the server, which answers a malformed CSV with 400. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "cmd_license.h"
#include "sealcore/hash.h"
#include "remote.h"
#include "sealctl.h"
#include "tool.h"

#define CHUNK 1000                            /* rows per request: the API's maximum */
#define MAX_CSV ((size_t)1 << 30)             /* 1 GiB of CSV */

/* Where each record starts (offsets into the CSV) and on which line. */
typedef struct records {
    size_t *off, *line;
    size_t n, cap;
    size_t end;          /* the CSV's length */
} records;

static int rec_add(records *r, size_t off, size_t line)
{
    if (r->n == r->cap) {
        size_t cap = r->cap != 0 ? r->cap * 2 : 1024;
        size_t *o = realloc(r->off, cap * sizeof(*o)), *l;
        if (o == NULL)
            return -1;
        r->off = o;
        if ((l = realloc(r->line, cap * sizeof(*l))) == NULL)
            return -1;
        r->line = l;
        r->cap = cap;
    }
    r->off[r->n] = off;
    r->line[r->n++] = line;
    return 0;
}

/* Split at newlines outside quotes; blank lines are no records (the server skips them too,
 * so row numbers agree). Record 0 is the header. @return 0, or -1 out of memory */
static int split(const char *p, size_t len, records *r)
{
    size_t i = 0, line = 1;

    memset(r, 0, sizeof(*r));
    r->end = len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len) {
        size_t start = i, at = line;
        int quoted = 0;
        for (; i < len && (quoted || p[i] != '\n'); i++) {
            quoted ^= p[i] == '"';
            line += p[i] == '\n';
        }
        i += i < len;   /* the newline */
        line++;
        if (strspn(p + start, "\r\n") < i - start && rec_add(r, start, at) != 0)
            return -1;
    }
    return 0;
}

typedef struct tally {
    size_t issued, already, failed, written, kept, fetch_failed;
    double issue_s;      /* in the batch requests (the rest: fetching files) */
    char **why;          /* per failed row: "row N (line L): message" */
} tally;

static void note_failure(tally *t, size_t row, size_t line, const char *msg)
{
    char buf[1200];

    snprintf(buf, sizeof(buf), "row %zu (line %zu): %s", row, line, msg);
    t->why[t->failed++] = strdup(buf);
}

/* One chunk's answer: each issued licence's file fetched unless DIR has it. */
static int take_results(remote *r, const json_t *doc, const records *rec, size_t first,
                        size_t n, const char *dir, tally *t, remote_bar *bar, size_t *done)
{
    const json_t *res = json_object_get(doc, "results");
    char out[4096];
    struct stat sb;

    if (json_array_size(res) != n)
        return -1;
    for (size_t i = 0; i < n; i++, remote_bar_set(bar, ++*done)) {
        const json_t *o = json_array_get(res, i);
        const char *id = lic_str(o, "id");
        sc_err err = SC_ERR_INIT;
        size_t row = first + i;   /* 0-based data row: record row + 1 */
        if (id[0] == '\0') {
            char m[1100];
            snprintf(m, sizeof(m), "%s (%s)", lic_str(o, "message"), lic_str(o, "error"));
            note_failure(t, row + 1, rec->line[row + 1], m);
            continue;
        }
        if (json_is_true(json_object_get(o, "already")))
            t->already++;
        else
            t->issued++;
        if (strchr(id, '/') != NULL || (size_t)snprintf(out, sizeof(out), "%s/%s.ofd", dir, id)
                                           >= sizeof(out))
            return -1;   /* an identifier is [0-9A-Z.]: this is no answer of ours */
        if (stat(out, &sb) == 0) {
            t->kept++;
            continue;
        }
        if (lic_save_file(r, id, out, &err) != 0) {
            char m[1100];
            snprintf(m, sizeof(m), "licence %s issued, but its file: %s", id, err.msg);
            t->fetch_failed++;
            note_failure(t, row + 1, rec->line[row + 1], m);
            continue;
        }
        t->written++;
    }
    return 0;
}

struct batch_args { const char *type, *es_id, *csv, *out, *batch_id, *area; };

static int batch_opt(void *ctx, int c, const char *arg)
{
    struct batch_args *a = ctx;
    const char **slot = c == 't' ? &a->type : c == 'e' ? &a->es_id : c == 'c' ? &a->csv
                      : c == 'o' ? &a->out : c == 'b' ? &a->batch_id : c == 'a' ? &a->area
                      : NULL;

    if (slot == NULL)
        return 1;
    *slot = arg;
    return 0;
}

/* The chunk: the header record, then records [first, first + n) of the data. */
static int post_chunk(remote *r, const char *base, const char *csv, const records *rec,
                      size_t first, size_t n, json_t **doc, sc_err *err)
{
    size_t hs = rec->off[0], he = rec->n > 1 ? rec->off[1] : rec->end;
    size_t ds = rec->off[first + 1];
    size_t de = first + 1 + n < rec->n ? rec->off[first + 1 + n] : rec->end;
    char path[1024], *body = malloc(he - hs + de - ds + 1);
    int rc;

    if (body == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    memcpy(body, csv + hs, he - hs);
    memcpy(body + (he - hs), csv + ds, de - ds);
    if ((size_t)snprintf(path, sizeof(path), "%s&first_row=%zu", base, first) >= sizeof(path))
        rc = sc_err_set(err, SC_ELIMIT, "the request path is too long (options)");
    else                                /* a cut first_row would number the rows from 0 */
        rc = remote_post_mem(r, path, "text/csv", body, he - hs + de - ds, doc, err);
    free(body);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The query every chunk shares; or NULL (out of memory, too long). */
static char *base_path(const struct batch_args *a, const char *batch_id)
{
    char *t = remote_escape(a->type), *e = remote_escape(a->es_id);
    char *b = remote_escape(batch_id), *area = a->area ? remote_escape(a->area) : NULL;
    char *p = malloc(1024);

    if (p != NULL && (t == NULL || e == NULL || b == NULL || (a->area && area == NULL) ||
                      (size_t)snprintf(p, 1024, "/api/v1/licenses/batch?type=%s&es_id=%s"
                                       "&batch_id=%s%s%s", t, e, b, area ? "&area_code=" : "",
                                       area ? area : "") >= 1024)) {
        free(p);
        p = NULL;
    }
    free(t);
    free(e);
    free(b);
    free(area);
    return p;
}

static void summary(const char *prog, const tally *t, size_t rows, double secs)
{
    fprintf(stderr, "%zu rows: %zu issued, %zu failed", rows, t->issued + t->already,
            t->failed - t->fetch_failed);
    if (t->already > 0)
        fprintf(stderr, " (%zu issued by an earlier run)", t->already);
    fprintf(stderr, "; files: %zu written, %zu already there", t->written, t->kept);
    if (t->fetch_failed > 0)
        fprintf(stderr, ", %zu not fetched", t->fetch_failed);
    fprintf(stderr, "; issuing %.1f s; %.1f s, %.0f rows/s\n", t->issue_s, secs,
            secs > 0 ? (double)rows / secs : 0.0);
    for (size_t i = 0; i < t->failed; i++)
        fprintf(stderr, "%s: %s\n", prog, t->why[i] != NULL ? t->why[i] : "(out of memory)");
}

int cmd_license_batch(int argc, char **argv)
{
    static const char *prog = "sealctl license batch";
    static const char *usage =
        "usage: sealctl license batch --server URL --type CODE --es-id ESID --csv FILE\n"
        "         --out DIR [--batch-id ID] [--area-code NNNNNN] [--progress]\n"
        "Issues one licence per row of FILE (UTF-8 CSV, RFC 4180; a header row of field\n"
        "names; an empty cell is an absent value) in requests of 1000 rows, and saves each\n"
        "as DIR/<identifier>.ofd. Rows are numbered from 1 after the header. Running it again\n"
        "with the same batch id (default: the CSV's SM3) issues no row twice and fetches only\n"
        "the files DIR lacks. Prints a summary and each failed row with why; exit 1 when any\n"
        "row failed.\n";
    static const struct option opts[] = { REMOTE_OPTIONS, { "type", 1, NULL, 't' },
        { "es-id", 1, NULL, 'e' }, { "csv", 1, NULL, 'c' }, { "out", 1, NULL, 'o' },
        { "batch-id", 1, NULL, 'b' }, { "area-code", 1, NULL, 'a' },
        { "progress", 0, NULL, RO_PROGRESS }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    remote_opts ro = { 0 };
    struct batch_args a = { 0 };
    records rec = { 0 };
    tally t = { 0 };
    uint8_t *csv = NULL, sm3[32];
    size_t len = 0, rows, done = 0;
    char bid[80], *base = NULL;
    remote *r = NULL;
    remote_bar bar;
    struct stat sb;
    sc_err err = SC_ERR_INIT;
    double t0;
    int rc = remote_parse(prog, usage, opts, argc, argv, &ro, batch_opt, &a, 0);

    if (rc >= 0)
        return rc;
    if (a.type == NULL || a.es_id == NULL || a.csv == NULL || a.out == NULL) {
        tool_errorf(prog, "--type, --es-id, --csv and --out are required");
        return EXIT_USAGE;
    }
    if (stat(a.out, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        tool_errorf(prog, "--out %s: not a directory", a.out);
        return EXIT_USAGE;
    }
    if (tool_read_file(a.csv, MAX_CSV, &csv, &len, &err) != 0)
        return remote_fail(prog, &err);
    if (a.batch_id == NULL) {          /* the bytes read: "-" cannot be read twice */
        char hx[65];
        unsigned int hl = 0;
        if (EVP_Digest(csv, len, sm3, &hl, sc_sm3_md(), NULL) != 1) {
            free(csv);
            tool_errorf(prog, "%s: SM3 failed", a.csv);
            return EXIT_FAILED;
        }
        for (int i = 0; i < 32; i++)
            snprintf(hx + 2 * i, 3, "%02x", sm3[i]);
        snprintf(bid, sizeof(bid), "csv-%s", hx);
        a.batch_id = bid;
    }
    if (split((const char *)csv, len, &rec) != 0 || rec.n < 2) {
        tool_errorf(prog, "%s: %s", a.csv, rec.n < 2 ? "no data rows after the header"
                                                      : "out of memory");
        rc = rec.n < 2 ? EXIT_USAGE : EXIT_FAILED;
        goto out;
    }
    rows = rec.n - 1;
    if ((t.why = calloc(rows, sizeof(*t.why))) == NULL || (base = base_path(&a, a.batch_id)) ==
                                                              NULL) {
        tool_errorf(prog, "out of memory, or an option too long");
        rc = EXIT_FAILED;
        goto out;
    }
    if ((rc = remote_begin(prog, &ro, &r)) != 0)
        goto out;
    t0 = now_s();
    remote_bar_start(&bar, ro.progress, rows, "licences");
    for (size_t first = 0; first < rows && rc == 0; first += CHUNK) {
        size_t n = rows - first < CHUNK ? rows - first : CHUNK;
        json_t *doc = NULL;
        double p0 = now_s();
        rc = post_chunk(r, base, (const char *)csv, &rec, first, n, &doc, &err);
        t.issue_s += now_s() - p0;
        if (rc == 0 && take_results(r, doc, &rec, first, n, a.out, &t, &bar, &done) != 0)
            rc = sc_err_set(&err, REMOTE_ESERVER, "the server's answer for rows %zu..%zu is "
                            "not a batch result", first + 1, first + n);
        json_decref(doc);
    }
    remote_bar_end(&bar);
    summary(prog, &t, rows, now_s() - t0);
    if (rc != 0) {
        tool_errorf(prog, "batch %s stopped after %zu rows (run it again to resume): %s",
                    a.batch_id, done, err.msg);
        rc = remote_exit(err.code);
    } else {
        rc = t.failed > 0 ? EXIT_FAILED : EXIT_DONE;
    }
out:
    for (size_t i = 0; t.why != NULL && i < t.failed; i++)
        free(t.why[i]);
    free(t.why);
    free(rec.off);
    free(rec.line);
    free(base);
    free(csv);
    remote_free(r);
    return rc;
}

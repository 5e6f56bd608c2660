/* cmd_ofd.c: sealctl ofd new — a simple OFD document (text, images, metadata) from the
 * command line, through sealcore/ofd_doc.h; written atomically (tool_write_file). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sealcore/ofd_doc.h"
#include "sealctl.h"
#include "tool.h"

#define PROG "sealctl ofd new"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sealctl ofd new -o OUT.ofd [--page-size A4|A3|A5|WxH] [--pages N]\n"
            "         [--title T] [--author A] [--subject S] [--date YYYY-MM-DD]\n"
            "         [--meta NAME=VALUE]... [--font NAME] [--doc-id HEX]\n"
            "         [--text \"[PAGE:]X,Y,SIZE,TEXT\"]... [--image \"[PAGE:]X,Y,W,H,FILE\"]...\n"
            "\n"
            "Makes an OFD (GB/T 33190) document of N empty pages (default 1) and draws the\n"
            "texts and images in the order given. Lengths are millimetres from the page's\n"
            "top-left corner, y downwards; X,Y of a text is the start of its baseline, SIZE its\n"
            "font size (3.175 mm = 9 pt). PAGE is 1..N (default 1) or * for every page. TEXT\n"
            "is UTF-8 and may contain commas; images are PNG, JPEG or BMP files.\n"
            "  --page-size   A4 (default), A3, A5, or W x H mm as 210x297\n"
            "  --meta        a DocInfo CustomData entry (repeatable)\n"
            "  --font        font name for every text (default 宋体; readers substitute)\n"
            "  --date        CreationDate (default: today, UTC)\n"
            "  --doc-id      DocID, 32 hex digits (default random); with --date, the same\n"
            "                options give the same bytes\n");
}

/* A finite number, the whole of s. */
static int parse_num(const char *s, size_t len, double *out)
{
    char buf[64], *end;

    if (len == 0 || len >= sizeof(buf))
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtod(buf, &end);
    return *end == '\0' && isfinite(*out) ? 0 : -1;
}

/* "[PAGE:]n1,n2,...,nk,REST": k numbers, then the rest (may hold commas). page is 0-based;
 * *all set for "*". */
static int parse_spec(const char *spec, size_t npages, size_t k, double *v, const char **rest,
                      size_t *page, int *all)
{
    const char *p = spec, *colon = strchr(spec, ':'), *comma = strchr(spec, ',');

    *page = 0;
    *all = 0;
    if (colon != NULL && (comma == NULL || colon < comma)) {
        double pg;
        if (colon - spec == 1 && spec[0] == '*')
            *all = 1;
        else if (parse_num(spec, (size_t)(colon - spec), &pg) != 0 || pg < 1 ||
                 pg > (double)npages || pg != (double)(size_t)pg)
            return -1;
        else
            *page = (size_t)pg - 1;
        p = colon + 1;
    }
    for (size_t i = 0; i < k; i++) {
        const char *c = strchr(p, ',');
        if (c == NULL || parse_num(p, (size_t)(c - p), &v[i]) != 0)
            return -1;
        p = c + 1;
    }
    *rest = p;
    return **rest != '\0' ? 0 : -1;
}

static int parse_page_size(const char *s, double *w, double *h)
{
    static const struct {
        const char *name;
        double w, h;
    } sizes[] = { { "A3", 297, 420 }, { "A4", 210, 297 }, { "A5", 148, 210 } };
    const char *x = strchr(s, 'x');

    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        if (strcasecmp(s, sizes[i].name) == 0) {
            *w = sizes[i].w;
            *h = sizes[i].h;
            return 0;
        }
    if (x == NULL || parse_num(s, (size_t)(x - s), w) != 0 ||
        parse_num(x + 1, strlen(x + 1), h) != 0 || *w <= 0 || *h <= 0)
        return -1;
    return 0;
}

typedef struct item {
    int image;              /* 0: --text, 1: --image */
    const char *spec;
} item;

/* One --text or --image on its page(s). @return 0, or an exit code after a message. */
static int draw(sc_ofd_doc *doc, const item *it, size_t npages, const char *font)
{
    double v[4];
    const char *rest;
    size_t page, first, last;
    int all, rc = 0;
    uint8_t *img = NULL;
    size_t ilen = 0;
    sc_err err = SC_ERR_INIT;

    if (parse_spec(it->spec, npages, it->image ? 4 : 3, v, &rest, &page, &all) != 0) {
        tool_errorf(PROG, "--%s \"%s\": expected \"[PAGE:]%s\" with PAGE 1..%zu or *",
                    it->image ? "image" : "text", it->spec,
                    it->image ? "X,Y,W,H,FILE" : "X,Y,SIZE,TEXT", npages);
        return EXIT_USAGE;
    }
    if (it->image && tool_read_file(rest, TOOL_MAX_INPUT, &img, &ilen, &err) != 0) {
        tool_error(PROG, &err);
        return exit_for(err.code);
    }
    first = all ? 0 : page;
    last = all ? npages - 1 : page;
    for (size_t p = first; p <= last && rc == 0; p++) {
        if (it->image) {
            rc = sc_ofd_doc_add_image(doc, p, v[0], v[1], v[2], v[3], img, ilen, NULL, &err);
        } else {
            sc_ofd_text t = { v[0], v[1], v[2], font, rest, NULL };
            rc = sc_ofd_doc_add_text(doc, p, &t, &err);
        }
    }
    free(img);
    if (rc != 0) {
        sc_err_prefix(&err, "--%s \"%.60s\"", it->image ? "image" : "text", it->spec);
        tool_error(PROG, &err);
        return rc == SC_ENOMEM ? EXIT_FAILED : EXIT_USAGE;   /* the options were wrong */
    }
    return 0;
}

static int set_meta(sc_ofd_doc *doc, const char *title, const char *author,
                    const char *subject, const char *date, const char *doc_id,
                    const char **meta, size_t nmeta, sc_err *err)
{
    const char *vals[] = { title, author, subject, "sealctl", date };
    static const sc_ofd_doc_field fields[] = { SC_OFD_DOC_TITLE, SC_OFD_DOC_AUTHOR,
        SC_OFD_DOC_SUBJECT, SC_OFD_DOC_CREATOR, SC_OFD_DOC_CREATION_DATE };
    char today[16];
    int rc;

    if (date == NULL) {
        time_t now = time(NULL);
        struct tm tm;
        strftime(today, sizeof(today), "%Y-%m-%d", gmtime_r(&now, &tm));
        vals[4] = today;
    }
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (vals[i] != NULL && (rc = sc_ofd_doc_set_info(doc, fields[i], vals[i], err)) != 0)
            return rc;
    if (doc_id != NULL && (rc = sc_ofd_doc_set_doc_id(doc, doc_id, err)) != 0)
        return rc;
    for (size_t i = 0; i < nmeta; i++) {
        const char *eq = strchr(meta[i], '=');
        char *name;
        if (eq == NULL || eq == meta[i])
            return sc_err_set(err, SC_EINVAL, "--meta \"%.60s\": expected NAME=VALUE", meta[i]);
        if ((name = strndup(meta[i], (size_t)(eq - meta[i]))) == NULL)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        rc = sc_ofd_doc_add_custom(doc, name, eq + 1, err);
        free(name);
        if (rc != 0)
            return sc_err_prefix(err, "--meta \"%.60s\"", meta[i]);
    }
    return 0;
}

int cmd_ofd_new(int argc, char **argv)
{
    static const struct option opts[] = {
        { "output", 1, NULL, 'o' }, { "page-size", 1, NULL, 's' }, { "pages", 1, NULL, 'n' },
        { "title", 1, NULL, 't' }, { "author", 1, NULL, 'a' }, { "subject", 1, NULL, 'S' },
        { "date", 1, NULL, 'd' }, { "meta", 1, NULL, 'm' }, { "font", 1, NULL, 'f' },
        { "doc-id", 1, NULL, 'D' }, { "text", 1, NULL, 'T' }, { "image", 1, NULL, 'I' },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *out = NULL, *title = NULL, *author = NULL, *subject = NULL, *date = NULL;
    const char *font = NULL, *doc_id = NULL, **meta = NULL;
    double w = 210, h = 297, pages = 1;
    size_t nmeta = 0, nitems = 0, len = 0;
    item *items = NULL;
    uint8_t *pkg = NULL;
    sc_ofd_doc *doc = NULL;
    sc_err err = SC_ERR_INIT;
    int c, code = EXIT_USAGE;

    /* at most one meta or item per argument */
    if ((meta = calloc((size_t)argc + 1, sizeof(*meta))) == NULL ||
        (items = calloc((size_t)argc + 1, sizeof(*items))) == NULL) {
        tool_errorf(PROG, "out of memory");
        code = EXIT_FAILED;
        goto done;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's':
            if (parse_page_size(optarg, &w, &h) != 0) {
                tool_errorf(PROG, "--page-size \"%s\": not A3, A4, A5 or WxH in mm", optarg);
                goto done;
            }
            break;
        case 'n':
            if (parse_num(optarg, strlen(optarg), &pages) != 0 || pages < 1 ||
                pages > SC_OFD_DOC_MAX_PAGES || pages != (double)(size_t)pages) {
                tool_errorf(PROG, "--pages \"%s\": not 1..%u", optarg, SC_OFD_DOC_MAX_PAGES);
                goto done;
            }
            break;
        case 't': title = optarg; break;
        case 'a': author = optarg; break;
        case 'S': subject = optarg; break;
        case 'd': date = optarg; break;
        case 'm': meta[nmeta++] = optarg; break;
        case 'f': font = optarg; break;
        case 'D': doc_id = optarg; break;
        case 'T': case 'I': items[nitems++] = (item){ c == 'I', optarg }; break;
        case 'h': usage(stdout); code = EXIT_DONE; goto done;
        default: usage(stderr); goto done;
        }
    }
    if (optind != argc) {
        tool_errorf(PROG, "unexpected argument \"%s\"", argv[optind]);
        usage(stderr);
        goto done;
    }
    if (out == NULL) {
        tool_errorf(PROG, "-o OUT.ofd is required");
        usage(stderr);
        goto done;
    }
    if (sc_ofd_doc_new(&doc, w, h, &err) != 0 ||
        set_meta(doc, title, author, subject, date, doc_id, meta, nmeta, &err) != 0) {
        tool_error(PROG, &err);
        code = err.code == SC_ENOMEM || err.code == SC_ECRYPTO ? EXIT_FAILED : EXIT_USAGE;
        goto done;
    }
    for (size_t i = 0; i < (size_t)pages; i++)
        if (sc_ofd_doc_add_page(doc, NULL, &err) != 0)
            goto fail;
    for (size_t i = 0; i < nitems; i++)
        if ((code = draw(doc, &items[i], (size_t)pages, font)) != 0)
            goto done;
    if (sc_ofd_doc_write_mem(doc, &pkg, &len, &err) != 0 ||
        tool_write_file(out, pkg, len, 0644, &err) != 0)
        goto fail;
    if (strcmp(out, "-") != 0)
        fprintf(stderr, "sealctl: OFD document written to %s (%zu page%s, %zu bytes)\n", out,
                (size_t)pages, pages == 1 ? "" : "s", len);
    code = EXIT_DONE;
    goto done;
fail:
    tool_error(PROG, &err);
    code = exit_for(err.code);
done:
    free(pkg);
    sc_ofd_doc_free(doc);
    free(meta);
    free(items);
    return code;
}

/* cmd_sign.c: sealctl sign data — a detached SES_Signature over a file; sealctl sign ofd —
 * a seal stamped onto an OFD document (sealcore/ofd_sign.h), streamed into a temporary file
 * beside the output that is renamed over it only when everything succeeded. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sealcore/key.h"
#include "sealcore/ofd.h"
#include "sealcore/ofd_sign.h"
#include "sealcore/ses.h"
#include "sealcore/time.h"
#include "sealctl.h"
#include "tool.h"

/* ---- what both sub-commands take: a seal, the signer's certificate and key, IN, OUT ---- */

typedef struct signer {
    const char *seal_path, *cert_path, *key_path, *pass, *in, *out;   /* options */
    uint8_t *sder, *cder;
    size_t slen, clen;
    sc_ses_seal *seal;
    sc_key *key;
} signer;

#define SIGNER_OPTIONS                                                                      \
    { "seal", 1, NULL, 's' }, { "cert", 1, NULL, 'c' }, { "key", 1, NULL, 'k' },            \
    { "key-pass-file", 1, NULL, 'P' }, { "input", 1, NULL, 'i' }, { "output", 1, NULL, 'o' }

/* 1 when getopt's c is one of SIGNER_OPTIONS (its value kept), else 0. */
static int signer_opt(signer *s, int c, const char *arg)
{
    const char **slot = c == 's' ? &s->seal_path : c == 'c' ? &s->cert_path
                      : c == 'k' ? &s->key_path : c == 'P' ? &s->pass
                      : c == 'i' ? &s->in : c == 'o' ? &s->out : NULL;
    if (slot != NULL)
        *slot = arg;
    return slot != NULL;
}

/* NULL when every required option and nothing else was given; else what to say. */
static const char *signer_missing(const signer *s, int argc, char **argv, char *buf, size_t n)
{
    if (optind != argc) {
        snprintf(buf, n, "unexpected argument \"%s\"", argv[optind]);
        return buf;
    }
    if (!s->seal_path || !s->cert_path || !s->key_path || !s->in || !s->out)
        return "--seal, --cert, --key, -i and -o are required";
    return NULL;
}

static int signer_load(signer *s, sc_err *err)
{
    if (tool_read_file(s->seal_path, SC_SES_MAX_SEAL, &s->sder, &s->slen, err) != 0 ||
        sc_ses_seal_parse(&s->seal, s->sder, s->slen, err) != 0 ||
        tool_read_cert(s->cert_path, &s->cder, &s->clen, err) != 0 ||
        tool_load_key(s->key_path, s->pass, &s->key, err) != 0)
        return err->code;
    return 0;
}

/* Free s; the exit code for rc, after printing the message of a failure. */
static int signer_done(signer *s, const char *prog, int rc, const sc_err *err)
{
    sc_key_free(s->key);
    sc_ses_seal_free(s->seal);
    free(s->sder);
    free(s->cder);
    if (rc == 0)
        return EXIT_DONE;
    tool_error(prog, err);
    return exit_for(err->code);
}

/* ---- sealctl sign data ------------------------------------------------------------------ */

#define PROG "sealctl sign data"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sealctl sign data --seal F.esl --cert SIGNER.pem --key SIGNER.key\n"
            "         [--key-pass-file F] [--property TEXT] -i FILE -o OUT.sig\n"
            "\n"
            "Signs FILE with the seal: a detached GB/T 38540 SES_Signature whose dataHash is\n"
            "SM3(FILE). The signer certificate must be listed in the seal, and the seal valid now.\n"
            "  --property TEXT   原文属性 (propertyInfo), printable ASCII; default: FILE's name\n");
}

int cmd_sign_data(int argc, char **argv)
{
    static const struct option opts[] = {
        SIGNER_OPTIONS, { "property", 1, NULL, 'p' }, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    signer s = { 0 };
    const char *prop = NULL, *why;
    uint8_t hash[32];
    size_t glen;
    sc_ses_sig *sig = NULL;
    sc_err err = SC_ERR_INIT;
    char msg[256];
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "i:o:", opts, NULL)) != -1) {
        if (signer_opt(&s, c, optarg))
            continue;
        if (c == 'p') {
            prop = optarg;
        } else {
            usage(c == 'h' ? stdout : stderr);
            return c == 'h' ? EXIT_DONE : EXIT_USAGE;
        }
    }
    if ((why = signer_missing(&s, argc, argv, msg, sizeof(msg))) != NULL) {
        tool_errorf(PROG, "%s", why);
        usage(stderr);
        return EXIT_USAGE;
    }
    if (prop == NULL) {
        const char *slash = strrchr(s.in, '/');
        prop = slash ? slash + 1 : s.in;
    }
    int rc = signer_load(&s, &err);
    if (rc == 0)
        rc = tool_sm3_file(s.in, hash, &err);
    sc_ses_sign_params sp = { .data_hash = hash, .data_hash_len = 32, .property_info = prop };
    if (rc == 0)
        rc = sc_ses_sign(&sig, s.seal, s.key, s.cder, s.clen, &sp, &err);
    const uint8_t *g = rc == 0 ? sc_ses_sig_get_der(sig, &glen) : NULL;
    if (rc == 0 && (rc = tool_write_file(s.out, g, glen, 0644, &err)) == 0)
        fprintf(stderr, "sealctl: %s signed with seal %s: %s (%zu bytes)\n", s.in,
                sc_ses_seal_get_info(s.seal)->es_id, s.out, glen);
    sc_ses_sig_free(sig);
    return signer_done(&s, PROG, rc, &err);
}

/* ---- sealctl sign ofd ------------------------------------------------------------------- */

#undef PROG
#define PROG "sealctl sign ofd"

static void usage_ofd(FILE *f)
{
    fprintf(f,
            "usage: sealctl sign ofd --seal F.esl --cert SIGNER.pem --key SIGNER.key\n"
            "         [--key-pass-file F] -i IN.ofd -o OUT.ofd\n"
            "         (--page N --x MM --y MM | --keyword TEXT [--occurrence all|first|last|N]\n"
            "          | --riding right|left|both [--pages A-B]) [--size WxH] [--lock]\n"
            "\n"
            "Stamps the seal onto an OFD (GB/T 33190) document: a Type=\"Seal\" signature whose\n"
            "SES_Signature covers every file of the package; earlier signatures stay valid.\n"
            "Lengths are millimetres from the page's top-left corner, y downwards.\n"
            "  --page N --x --y  the seal's centre on page N (1-based)\n"
            "  --keyword TEXT    centred on TEXT where the document shows it; --occurrence\n"
            "                    picks all (default), the first, the last or the N-th, counted\n"
            "                    over the document in page order\n"
            "  --riding SIDE     骑缝章: one seal cut into slices across the pages' edge,\n"
            "                    over every page or --pages A-B\n"
            "  --size WxH        the seal's size (default: its picture's size, else 40x40)\n"
            "  --lock            the final signature: covers Signatures.xml, so later\n"
            "                    signatures are refused\n"
            "IN is only read; OUT is written atomically and may be IN itself.\n");
}

/* A finite number, the whole of s. */
static int num_arg(const char *s, double *v)
{
    char *end;

    *v = strtod(s, &end);
    return end != s && *end == '\0' && *v == *v && *v < 1e9 && *v > -1e9 ? 0 : -1;
}

/* A whole number >= 1, the whole of s (up to end, or to its NUL). */
static int count_arg(const char *s, const char *end, size_t *v)
{
    size_t n = end != NULL ? (size_t)(end - s) : strlen(s);

    if (n == 0 || n > 9 || strspn(s, "0123456789") < n)
        return -1;
    *v = (size_t)strtoul(s, NULL, 10);
    return *v >= 1 ? 0 : -1;
}

/* The placement options into p; NULL, or the message of a usage error. */
static const char *placement(sc_ofd_sign_params *p, const char *page, const char *x,
                             const char *y, const char *kw, const char *occ, const char *ride,
                             const char *pages, const char *size)
{
    const char *dash;

    if ((page != NULL || x != NULL || y != NULL) + (kw != NULL) + (ride != NULL) != 1)
        return "give exactly one of --page/--x/--y, --keyword or --riding";
    if (page != NULL || x != NULL || y != NULL) {
        p->place = SC_OFD_PLACE_PAGE_XY;
        if (!page || !x || !y)
            return "--page, --x and --y go together";
        if (count_arg(page, NULL, &p->page) != 0)
            return "--page: a page number from 1";
        if (num_arg(x, &p->x_mm) != 0 || num_arg(y, &p->y_mm) != 0)
            return "--x, --y: numbers (mm)";
    }
    if (occ != NULL && kw == NULL)
        return "--occurrence goes with --keyword";
    if (kw != NULL) {
        size_t n;
        p->place = SC_OFD_PLACE_KEYWORD;
        p->keyword = kw;
        if (occ == NULL || strcmp(occ, "all") == 0)
            p->occurrence = SC_OFD_OCCUR_ALL;
        else if (strcmp(occ, "first") == 0)
            p->occurrence = 1;
        else if (strcmp(occ, "last") == 0)
            p->occurrence = SC_OFD_OCCUR_LAST;
        else if (count_arg(occ, NULL, &n) == 0)
            p->occurrence = (int)n;
        else
            return "--occurrence: all, first, last or a number from 1";
    }
    if (pages != NULL && ride == NULL)
        return "--pages goes with --riding";
    if (ride != NULL) {
        p->place = SC_OFD_PLACE_RIDING;
        p->riding = strcmp(ride, "right") == 0 ? SC_OFD_RIDING_RIGHT
                  : strcmp(ride, "left") == 0  ? SC_OFD_RIDING_LEFT
                  : strcmp(ride, "both") == 0  ? SC_OFD_RIDING_BOTH : 0;
        if (p->riding == 0)
            return "--riding: right, left or both";
        if (pages != NULL && ((dash = strchr(pages, '-')) == NULL ||
                              count_arg(pages, dash, &p->first_page) != 0 ||
                              count_arg(dash + 1, NULL, &p->last_page) != 0))
            return "--pages: A-B, page numbers from 1";
    }
    if (size != NULL) {
        const char *xs = strchr(size, 'x');
        char w[32];
        if (xs == NULL || (size_t)(xs - size) >= sizeof(w))
            return "--size: WxH in mm, as 42x42";
        memcpy(w, size, (size_t)(xs - size));
        w[xs - size] = '\0';
        if (num_arg(w, &p->width_mm) != 0 || num_arg(xs + 1, &p->height_mm) != 0 ||
            p->width_mm <= 0 || p->height_mm <= 0)
            return "--size: WxH in mm, as 42x42";
    }
    return NULL;
}

/* The output: standard output, or a temporary file beside OUT renamed over it at the end;
 * buffered, because the zip writer hands over headers of a few bytes. */
typedef struct out_file {
    const char *path;
    char *tmp;                /* NULL for standard output */
    int fd;
    size_t n;
    uint8_t buf[64 * 1024];
} out_file;

static int out_flush(out_file *o, sc_err *err)
{
    size_t done = 0;

    while (done < o->n) {
        ssize_t w = write(o->fd, o->buf + done, o->n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return sc_err_set(err, SC_EIO, "%s: %s", o->path, w < 0 ? strerror(errno) : "short "
                              "write");
        done += (size_t)w;
    }
    o->n = 0;
    return 0;
}

static int out_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    out_file *o = ctx;

    while (n > 0) {
        size_t k = sizeof(o->buf) - o->n < n ? sizeof(o->buf) - o->n : n;
        memcpy(o->buf + o->n, p, k);
        o->n += k;
        p += k;
        n -= k;
        if (o->n == sizeof(o->buf) && out_flush(o, err) != 0)
            return SC_EIO;
    }
    return 0;
}

static int out_open(out_file *o, const char *path, sc_err *err)
{
    o->path = path;
    o->n = 0;
    o->tmp = NULL;
    o->fd = 1;
    if (strcmp(path, "-") == 0)
        return 0;
    if ((o->tmp = malloc(strlen(path) + 16)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    snprintf(o->tmp, strlen(path) + 16, "%s.tmp.XXXXXX", path);
    if ((o->fd = mkstemp(o->tmp)) < 0 || fchmod(o->fd, 0644) != 0) {
        int rc = sc_err_set(err, SC_EIO, "%s: cannot create a temporary file beside it: %s",
                            path, strerror(errno));
        if (o->fd >= 0) {
            close(o->fd);
            unlink(o->tmp);
        }
        free(o->tmp);
        o->tmp = NULL;
        return rc;
    }
    return 0;
}

/* ok: flush, fsync, rename into place; else remove the temporary file. */
static int out_close(out_file *o, int ok, sc_err *err)
{
    int rc = ok ? out_flush(o, err) : SC_EIO;

    if (o->tmp == NULL)
        return rc;
    if (rc == 0 && fsync(o->fd) != 0)
        rc = sc_err_set(err, SC_EIO, "%s: %s", o->path, strerror(errno));
    if (close(o->fd) != 0 && rc == 0)
        rc = sc_err_set(err, SC_EIO, "%s: %s", o->path, strerror(errno));
    if (rc == 0 && rename(o->tmp, o->path) != 0)
        rc = sc_err_set(err, SC_EIO, "%s: %s", o->path, strerror(errno));
    if (rc != 0)
        unlink(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    return rc;
}

/* IN, read through its descriptor, stamped into OUT (out_open/out_close). */
static int stamp_file(const signer *s, sc_ofd_sign_params *sp, sc_ofd_sign_info *info,
                      sc_err *err)
{
    sc_ofd_pkg *pkg = NULL;
    out_file *o = NULL;
    int fd, rc;

    if ((fd = open(s->in, O_RDONLY | O_CLOEXEC)) < 0)
        return sc_err_set(err, SC_EIO, "%s: %s", s->in, strerror(errno));
    sp->seal = s->seal;
    sp->key = s->key;
    sp->cert = s->cder;
    sp->cert_len = s->clen;
    if ((rc = sc_ofd_pkg_open_fd(&pkg, fd, err)) != 0) {
        sc_err_prefix(err, "%s", s->in);
    } else if ((o = malloc(sizeof(*o))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    } else if ((rc = out_open(o, s->out, err)) == 0) {
        int signed_rc = sc_ofd_sign(pkg, sp, out_sink, o, info, err);
        rc = out_close(o, signed_rc == 0, err);
        rc = signed_rc != 0 ? signed_rc : rc;
    }
    free(o);
    sc_ofd_pkg_free(pkg);
    close(fd);
    return rc;
}

int cmd_sign_ofd(int argc, char **argv)
{
    static const struct option opts[] = {
        SIGNER_OPTIONS, { "page", 1, NULL, 'n' }, { "x", 1, NULL, 'x' }, { "y", 1, NULL, 'y' },
        { "keyword", 1, NULL, 'w' }, { "occurrence", 1, NULL, 'O' }, { "riding", 1, NULL, 'r' },
        { "pages", 1, NULL, 'R' }, { "size", 1, NULL, 'S' }, { "lock", 0, NULL, 'L' },
        { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    /* placement options by their getopt letter */
    static const char letters[] = "nxywOrRS";
    const char *place[sizeof(letters)] = { NULL }, *why;
    signer s = { 0 };
    sc_ofd_sign_params sp = { 0 };
    sc_ofd_sign_info info;
    sc_err err = SC_ERR_INIT;
    char msg[256];
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "i:o:", opts, NULL)) != -1) {
        const char *l = c != 0 ? strchr(letters, c) : NULL;
        if (signer_opt(&s, c, optarg))
            continue;
        if (l != NULL) {
            place[l - letters] = optarg;
        } else if (c == 'L') {
            sp.lock = 1;
        } else {
            usage_ofd(c == 'h' ? stdout : stderr);
            return c == 'h' ? EXIT_DONE : EXIT_USAGE;
        }
    }
    if ((why = signer_missing(&s, argc, argv, msg, sizeof(msg))) != NULL ||
        (why = placement(&sp, place[0], place[1], place[2], place[3], place[4], place[5],
                         place[6], place[7])) != NULL) {
        tool_errorf(PROG, "%s", why);
        usage_ofd(stderr);
        return EXIT_USAGE;
    }
    int rc = signer_load(&s, &err);
    if (rc == 0 && (rc = stamp_file(&s, &sp, &info, &err)) == 0 && strcmp(s.out, "-") != 0)
        fprintf(stderr, "sealctl: %s signed with seal %s: %s (signature %s, %zu stamp%s, %zu "
                "references)\n", s.in, sc_ses_seal_get_info(s.seal)->es_id, s.out, info.id,
                info.stamps, info.stamps == 1 ? "" : "s", info.references);
    return signer_done(&s, PROG, rc, &err);
}

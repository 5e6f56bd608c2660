/* bench_ofd.c: stamping seals onto OFD documents and verifying them, against the raw SM2
 * operations underneath, in one single-threaded run; then the peak memory of stamping and
 * verifying a 200 MB OFD.
 *
 * Usage: bench_ofd PKI_DIR [SECONDS_PER_CASE]   (PKI_DIR made by certs-dev/make-dev-pki)
 * Environment: BENCH_ITERS, BENCH_ONLY as bench_ses; BENCH_BIG_MB=N (default 200, 0 = skip)
 * sets the large document's size; BENCH_TMPDIR (default /tmp) where it is written.
 *
 * Documents/s, each a whole job as the sign API does it: open the package from memory,
 * sc_ofd_sign (PAGE_XY, 1 KB seal) into a memory buffer reused between calls; and open +
 * sc_verify_ofd (trust anchors given, every check run) + report free. The 1-page document
 * has a title and 20 lines of text, the 100-page one 100 such pages. Target: 1-page stamping
 * >= 0.60 x raw SM2 sign.
 *
 * Memory: the large document (one page plus a 200 MB picture resource, incompressible) is
 * built by one child process on disk; a second child stamps it from its file descriptor to
 * another file, a third verifies the result; each child's peak RSS comes from wait4(). The
 * children are forked right after the PKI is loaded, from a small process (its RSS is
 * printed too). Target: < 64 MB. */
#include "bench_util.h"
#include "sealcore/ofd.h"
#include "sealcore/ofd_doc.h"
#include "sealcore/ofd_sign.h"
#include "sealcore/verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#ifndef BENCH_SEAL_PNG
#define BENCH_SEAL_PNG "tests/data/seal.png"   /* meson passes the absolute path */
#endif

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

typedef struct bench {
    bu_pki pki;                     /* first: bu_raw_* take the bench as their bu_pki */
    sc_ses_seal *seal;
    buf doc1, doc100;               /* unsigned documents */
    buf signed1, signed100;         /* the same, stamped once */
    buf out;                        /* stamping's output, reused */
    sc_verify_opts vo;
} bench;

static int buf_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    buf *b = ctx;

    if (n > b->cap - b->len) {
        size_t cap = b->cap != 0 ? b->cap : 65536;
        while (cap - b->len < n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL)
            return sc_err_set(err, SC_ENOMEM, "bench: out of memory");
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static int fd_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    int fd = *(int *)ctx;

    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return sc_err_set(err, SC_EIO, "bench: write: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* ---- documents ------------------------------------------------------------------------- */

static sc_ofd_doc *make_doc(size_t pages)
{
    sc_ofd_doc *d = NULL;
    sc_err err = SC_ERR_INIT;
    char line[160];

    if (sc_ofd_doc_new(&d, 210, 297, &err) != 0 ||
        sc_ofd_doc_set_info(d, SC_OFD_DOC_TITLE, "基准测试文书", &err) != 0)
        bu_die("sc_ofd_doc_new", &err);
    for (size_t p = 0; p < pages; p++) {
        size_t ix;
        sc_ofd_text t = { 30, 30, 7, NULL, "行政许可决定书", NULL };
        if (sc_ofd_doc_add_page(d, &ix, &err) != 0 || sc_ofd_doc_add_text(d, ix, &t, &err) != 0)
            bu_die("sc_ofd_doc_add_page", &err);
        for (int i = 0; i < 20; i++) {
            snprintf(line, sizeof(line), "第%zu页第%d行：申请人某某有限公司，统一社会信用代码"
                     "91330000MA2XXXXX%02d，经审查符合法定条件。", p + 1, i + 1, i);
            sc_ofd_text l = { 20, 50 + 10.0 * i, 4, NULL, line, NULL };
            if (sc_ofd_doc_add_text(d, ix, &l, &err) != 0)
                bu_die("sc_ofd_doc_add_text", &err);
        }
    }
    return d;
}

static void write_doc(sc_ofd_doc *d, buf *out)
{
    sc_err err = SC_ERR_INIT;

    if (sc_ofd_doc_write(d, buf_sink, out, &err) != 0)
        bu_die("sc_ofd_doc_write", &err);
    sc_ofd_doc_free(d);
}

static void params(const bench *b, sc_ofd_sign_params *p)
{
    memset(p, 0, sizeof(*p));
    p->seal = b->seal;
    p->key = b->pki.signer;
    p->cert = b->pki.signer_cert;
    p->cert_len = b->pki.signer_cert_len;
    p->place = SC_OFD_PLACE_PAGE_XY;
    p->page = 1;
    p->x_mm = 150;
    p->y_mm = 250;
}

static void stamp(const bench *b, sc_ofd_pkg *pkg, sc_ofd_sink sink, void *ctx)
{
    sc_ofd_sign_params p;
    sc_err err = SC_ERR_INIT;

    params(b, &p);
    if (sc_ofd_sign(pkg, &p, sink, ctx, NULL, &err) != 0)
        bu_die("sc_ofd_sign", &err);
}

static void stamp_mem(const bench *b, const buf *in, buf *out)
{
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ofd_pkg_open_mem(&pkg, in->p, in->len, &err) != 0)
        bu_die("sc_ofd_pkg_open_mem", &err);
    out->len = 0;
    stamp(b, pkg, buf_sink, out);
    sc_ofd_pkg_free(pkg);
}

static void require_valid(const sc_report *rep)
{
    sc_err err = SC_ERR_INIT;
    char *text = NULL;

    if (sc_report_valid(rep))
        return;
    if (sc_report_to_text(rep, &text, &err) == 0)
        fprintf(stderr, "%s\n", text);
    free(text);
    bu_die("the stamped document does not verify", NULL);
}

static void verify_pkg(const bench *b, sc_ofd_pkg *pkg)
{
    sc_report *rep = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_report_new(&rep, "bench.ofd", "ofd", &err) != 0 ||
        sc_verify_ofd(rep, pkg, &b->vo, &err) != 0)
        bu_die("sc_verify_ofd", &err);
    require_valid(rep);
    sc_report_free(rep);
}

/* ---- the cases -------------------------------------------------------------------------- */

static int stamp_case(void *ctx, const void *arg)
{
    bench *b = ctx;

    stamp_mem(b, arg, &b->out);
    return 0;
}

static int verify_case(void *ctx, const void *arg)
{
    const buf *in = arg;
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ofd_pkg_open_mem(&pkg, in->p, in->len, &err) != 0)
        bu_die("sc_ofd_pkg_open_mem", &err);
    verify_pkg(ctx, pkg);
    sc_ofd_pkg_free(pkg);
    return 0;
}

/* ---- the large document, in child processes --------------------------------------------- */

/* Runs fn(b, arg) in a child; returns the child's peak RSS in KiB, or dies if it failed. */
static long in_child(const char *what, void (*fn)(const bench *, const char *), const bench *b,
                     const char *arg)
{
    struct rusage ru;
    int status;
    pid_t pid;

    fflush(stdout);
    if ((pid = fork()) < 0)
        bu_die("fork", NULL);
    if (pid == 0) {
        fn(b, arg);
        _exit(0);
    }
    if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_ofd: %s failed\n", what);
        exit(1);
    }
    return ru.ru_maxrss;
}

static size_t big_mb(void)
{
    const char *s = getenv("BENCH_BIG_MB");
    return s != NULL ? (size_t)strtoul(s, NULL, 10) : 200;
}

static void big_path(char *out, size_t n, const char *name)
{
    const char *dir = getenv("BENCH_TMPDIR");
    snprintf(out, n, "%s/bench_ofd_%ld_%s", dir != NULL ? dir : "/tmp", (long)getpid(), name);
}

static int create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        bu_die(path, NULL);
    return fd;
}

static void build_big(const bench *b, const char *path)
{
    size_t n = big_mb() * 1024 * 1024, ix;
    uint8_t *img = malloc(n);
    sc_ofd_doc *d = make_doc(1);
    sc_err err = SC_ERR_INIT;
    int fd = create(path);

    (void)b;
    if (img == NULL || RAND_bytes(img, (int)n) != 1)
        bu_die("cannot make the large picture", NULL);
    memcpy(img, "\x89PNG\r\n\x1a\n", 8);   /* the library checks the magic, not the image */
    ix = 0;
    if (sc_ofd_doc_add_image(d, ix, 20, 200, 40, 40, img, n, "PNG", &err) != 0 ||
        sc_ofd_doc_write(d, fd_sink, &fd, &err) != 0)
        bu_die("building the large document", &err);
    free(img);
    sc_ofd_doc_free(d);
    if (close(fd) != 0)
        bu_die("close", NULL);
}

static sc_ofd_pkg *open_path(const char *path, int *fd)
{
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;

    if ((*fd = open(path, O_RDONLY)) < 0)
        bu_die(path, NULL);
    if (sc_ofd_pkg_open_fd(&pkg, *fd, &err) != 0)
        bu_die("sc_ofd_pkg_open_fd", &err);
    return pkg;
}

static void stamp_big(const bench *b, const char *path)
{
    char out[4096];
    int in_fd, out_fd;
    sc_ofd_pkg *pkg = open_path(path, &in_fd);

    snprintf(out, sizeof(out), "%s.signed", path);
    out_fd = create(out);
    stamp(b, pkg, fd_sink, &out_fd);
    sc_ofd_pkg_free(pkg);
    close(in_fd);
    if (close(out_fd) != 0)
        bu_die("close", NULL);
}

static void verify_big(const bench *b, const char *path)
{
    char in[4096];
    int fd;

    snprintf(in, sizeof(in), "%s.signed", path);
    sc_ofd_pkg *pkg = open_path(in, &fd);
    verify_pkg(b, pkg);
    sc_ofd_pkg_free(pkg);
    close(fd);
}

static void big_doc(const bench *b)
{
    char path[4096], signed_path[4200];
    long base = bu_peak_rss_kib(), rs, rv;
    struct stat st;

    if (big_mb() == 0)
        return;
    big_path(path, sizeof(path), "big.ofd");
    snprintf(signed_path, sizeof(signed_path), "%s.signed", path);
    printf("large document: %zu MB picture (building it...)\n", big_mb());
    in_child("building the large document", build_big, b, path);
    if (stat(path, &st) != 0)
        bu_die("the large document was not written", NULL);
    printf("  %s: %lld bytes\n", path, (long long)st.st_size);
    rs = in_child("stamping the large document", stamp_big, b, path);
    rv = in_child("verifying the large document", verify_big, b, path);
    printf("  peak RSS, stamp  %zu MB OFD: %6.1f MiB\n", big_mb(), (double)rs / 1024);
    printf("  peak RSS, verify %zu MB OFD: %6.1f MiB\n", big_mb(), (double)rv / 1024);
    printf("  (a child counts the pages it touched; the process had %.1f MiB resident when it "
           "forked)\n", (double)base / 1024);
    printf("  memory target (< 64 MiB for stamp and verify): %s\n",
           rs < 64 * 1024 && rv < 64 * 1024 ? "met" : "MISSED");
    unlink(path);
    unlink(signed_path);
}

/* ---- main --------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    bench b = { 0 };
    size_t png_len;
    const char *dir = bu_args("bench_ofd", argc, argv);
    const char *png_path = getenv("BENCH_SEAL_PNG");

    bu_pki_load(&b.pki, dir);
    uint8_t *png = bu_read_file(NULL, png_path != NULL ? png_path : BENCH_SEAL_PNG,
                                1024 * 1024, &png_len);
    b.seal = bu_make_seal(&b.pki, png, png_len, "BENCH-OFD-0001");
    free(png);
    b.vo.trust = b.pki.trust;

    printf("bench_ofd: %s, single thread, %s\n", OpenSSL_version(OPENSSL_VERSION),
           bu_settings());
    big_doc(&b);   /* first, so the children fork from a small process */

    write_doc(make_doc(1), &b.doc1);
    write_doc(make_doc(100), &b.doc100);
    stamp_mem(&b, &b.doc1, &b.signed1);
    stamp_mem(&b, &b.doc100, &b.signed100);
    printf("documents: 1 page %zu bytes (stamped %zu), 100 pages %zu bytes (stamped %zu)\n\n",
           b.doc1.len, b.signed1.len, b.doc100.len, b.signed100.len);

    bu_case cs[] = {
        { "raw_sign", "EVP_DigestSign SM2/SM3, 32-byte message", bu_raw_sign, NULL, 0, 0, 0 },
        { "raw_verify", "EVP_DigestVerify SM2/SM3, 32-byte message", bu_raw_verify, NULL,
          0, 0, 0 },
        { "stamp1", "open + sc_ofd_sign, 1-page OFD, to memory", stamp_case, &b.doc1, 0, 0, 0 },
        { "stamp100", "open + sc_ofd_sign, 100-page OFD, to memory", stamp_case, &b.doc100,
          0, 0, 0 },
        { "verify1", "open + sc_verify_ofd, 1-page OFD, anchors", verify_case, &b.signed1,
          0, 0, 0 },
        { "verify100", "open + sc_verify_ofd, 100-page OFD, anchors", verify_case,
          &b.signed100, 0, 0, 0 },
    };
    size_t nc = sizeof(cs) / sizeof(cs[0]);
    bu_run(&b, cs, nc);
    double rs = bu_ops(cs, nc, "raw_sign"), rv = bu_ops(cs, nc, "raw_verify");

    printf("\nratios (documents/s over raw SM2 operations/s)\n");
    int m = bu_ratio("stamp 1-page OFD / raw sign", bu_ops(cs, nc, "stamp1"), rs, 0.60);
    bu_ratio("stamp 100-page OFD / raw sign (information)", bu_ops(cs, nc, "stamp100"), rs, 0);
    bu_ratio("verify 1-page OFD / raw verify (information)", bu_ops(cs, nc, "verify1"), rv, 0);
    bu_ratio("verify 100-page OFD / raw verify (information)", bu_ops(cs, nc, "verify100"), rv,
             0);
    printf("target met: %s  (1-page stamping >= 0.60 x raw sign)\n",
           m < 0 ? "n/a" : m == 1 ? "yes" : "no");
    printf("peak RSS of this process: %ld KiB\n", bu_peak_rss_kib());

    free(b.doc1.p);
    free(b.doc100.p);
    free(b.signed1.p);
    free(b.signed100.p);
    free(b.out.p);
    sc_ses_seal_free(b.seal);
    bu_pki_free(&b.pki);
    return 0;
}

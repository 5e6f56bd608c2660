/* testutil.c: see testutil.h. Tests may exit on fixture failures: a broken fixture is a
 * broken test environment, not a result. */
#include "testutil.h"
#include "sealcore/time.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

int sc_test_read(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long n;

    *buf = NULL;
    *len = 0;
    if (f == NULL)
        return -1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (*buf = malloc((size_t)n + 1)) == NULL || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(*buf);
        *buf = NULL;
        return -1;
    }
    (*buf)[n] = 0;
    *len = (size_t)n;
    fclose(f);
    return 0;
}

int sc_test_write(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(buf, 1, len, f) == len;

    if (f != NULL && fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static const char *env_dir(const char *name)
{
    const char *d = getenv(name);

    if (d == NULL) {
        fprintf(stderr, "testutil: %s is not set (run the tests through meson test)\n", name);
        exit(77);
    }
    return d;
}

const char *sc_test_vectors(void)
{
    return env_dir("SC_VECTORS_DIR");
}

const char *sc_test_data(void)
{
    return env_dir("SC_TEST_DATA");
}

const char *sc_test_path(const char *dir, const char *name)
{
    static char ring[16][1024];
    static int next;
    char *b = ring[next++ % 16];

    snprintf(b, sizeof(ring[0]), "%s/%s", dir, name);
    return b;
}

int sc_test_mem_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    sc_test_mem *m = ctx;

    m->calls++;
    if (m->fail_at != 0 && m->len + n > m->fail_at)
        return sc_err_set(err, SC_EIO, "test sink: full");
    if (m->len + n > m->cap) {
        size_t cap = (m->len + n) * 2;
        uint8_t *b = realloc(m->buf, cap);
        if (b == NULL) {
            fprintf(stderr, "testutil: memory sink: out of memory\n");
            exit(1);
        }
        m->buf = b;
        m->cap = cap;
    }
    if (n > 0)
        memcpy(m->buf + m->len, p, n);
    m->len += n;
    return 0;
}

int sc_test_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int rc;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    rc = system(cmd);
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

static char tmpdir[256];

static void remove_tmpdir(void)
{
    if (tmpdir[0] != '\0' && getenv("SC_TEST_KEEP") == NULL)
        sc_test_sh("rm -rf '%s'", tmpdir);
}

const char *sc_test_tmpdir(void)
{
    if (tmpdir[0] == '\0') {
        snprintf(tmpdir, sizeof(tmpdir), "%s/sealpki-test.XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (mkdtemp(tmpdir) == NULL) {
            perror("testutil: mkdtemp");
            exit(1);
        }
        atexit(remove_tmpdir);
    }
    return tmpdir;
}

static const char *make_pki(const char *name)
{
    static char dirs[2][512];
    char *d = dirs[strcmp(name, "pki") == 0 ? 0 : 1];

    if (d[0] == '\0') {
        snprintf(d, sizeof(dirs[0]), "%s/%s", sc_test_tmpdir(), name);
        if (sc_test_sh("'%s' '%s' >/dev/null", env_dir("SC_MAKE_DEV_PKI"), d) != 0) {
            fprintf(stderr, "testutil: make-dev-pki %s failed\n", d);
            exit(1);
        }
    }
    return d;
}

const char *sc_test_pki(void)
{
    return make_pki("pki");
}

const char *sc_test_pki_other(void)
{
    return make_pki("other-pki");
}

int sc_test_add_trust(sc_trust *t, const char *dir, const char *name, int anchor)
{
    uint8_t *pem;
    size_t len;
    sc_err err = SC_ERR_INIT;
    int rc;

    if (sc_test_read(sc_test_path(dir, name), &pem, &len) != 0)
        return -1;
    rc = sc_trust_add(t, pem, len, anchor, &err) == 0 ? 0 : -1;
    free(pem);
    return rc;
}

uint8_t *sc_test_cert(const char *pki_dir, const char *name, size_t *len)
{
    char path[1024];
    FILE *f;
    X509 *x;
    unsigned char *der = NULL;
    uint8_t *out = NULL;
    int n;

    snprintf(path, sizeof(path), "%s/%s.pem", pki_dir, name);
    if ((f = fopen(path, "r")) == NULL)
        return NULL;
    x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (x != NULL && (n = i2d_X509(x, &der)) > 0 && (out = malloc((size_t)n)) != NULL) {
        memcpy(out, der, (size_t)n);
        *len = (size_t)n;
    }
    OPENSSL_free(der);
    X509_free(x);
    return out;
}

sc_key *sc_test_key(const char *pki_dir, const char *name)
{
    char path[1024];
    uint8_t *data = NULL, *pass = NULL;
    size_t len = 0, plen = 0;
    sc_key *key = NULL;

    snprintf(path, sizeof(path), "%s/%s.key", pki_dir, name);
    if (sc_test_read(path, &data, &len) != 0 ||
        sc_test_read(sc_test_path(pki_dir, "key-password"), &pass, &plen) != 0)
        goto out;
    plen = strcspn((char *)pass, "\n");
    if (sc_key_soft_load(&key, data, len, (char *)pass, plen, NULL) != 0)
        key = NULL;
out:
    free(data);
    free(pass);
    return key;
}

static const char *result_name(sc_result r)
{
    static const char *const n[] = { "NONE", "PASSED", "FAILED", "SKIPPED" };
    return (unsigned)r < 4 ? n[r] : "?";
}

int sc_test_check_is(const sc_report *rep, size_t i, sc_check c, sc_result want,
                     const char *frag, char *msg, size_t msglen)
{
    const char *why = NULL;
    sc_result got = sc_report_get_check(rep, i, c, &why);

    if (got == want && (frag == NULL || (why != NULL && strstr(why, frag) != NULL)))
        return 1;
    snprintf(msg, msglen, "%s: got %s \"%s\", expected %s \"%s\"", sc_check_name(c),
             result_name(got), why ? why : "", result_name(want), frag ? frag : "");
    return 0;
}

int64_t sc_test_time(const char *iso)
{
    sc_err err = SC_ERR_INIT;
    int64_t t = 0;

    if (sc_time_parse(iso, &t, &err) != 0) {
        fprintf(stderr, "testutil: %s\n", err.msg);
        exit(1);
    }
    return t;
}

size_t sc_test_vector_ofds(char paths[][512], size_t max, size_t *n)
{
    static const char *dirs[] = { "ofdrw", "vendors" };

    *n = 0;
    for (size_t d = 0; d < 2; d++) {
        const char *dir = sc_test_path(sc_test_vectors(), dirs[d]);
        DIR *dh = opendir(dir);
        struct dirent *de;
        if (dh == NULL) {
            fprintf(stderr, "cannot list %s\n", dir);
            abort();
        }
        while ((de = readdir(dh)) != NULL) {
            size_t l = strlen(de->d_name);
            if (l > 4 && strcmp(de->d_name + l - 4, ".ofd") == 0 && *n < max)
                snprintf(paths[(*n)++], 512, "%s/%s", dir, de->d_name);
        }
        closedir(dh);
    }
    if (*n < 14) {   /* 3 ofdrw + 11 vendors: fewer means the vectors are not all there */
        fprintf(stderr, "only %zu vector OFDs found under %s\n", *n, sc_test_vectors());
        abort();
    }
    return *n;
}

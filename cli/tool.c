/* tool.c: file, password and key helpers for the command-line programs (tool.h). */
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include "sealcore/key.h"

int tool_read_file(const char *path, size_t max, uint8_t **out, size_t *len, sc_err *err)
{
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    *out = NULL;
    *len = 0;
    if (fd < 0)
        return sc_err_set(err, SC_EIO, "%s: %s", path, strerror(errno));
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > max + 1)
                ncap = max + 1;
            /* no copy of a secret stays behind in freed memory: grow by copy and wipe */
            uint8_t *nb = ncap > cap ? malloc(ncap + 1) : NULL;
            if (nb != NULL && buf != NULL) {
                memcpy(nb, buf, n);
                OPENSSL_clear_free(buf, cap + 1);
                buf = NULL;
            }
            if (nb == NULL) {
                rc = n > max ? sc_err_set(err, SC_ELIMIT, "%s: larger than %zu bytes", path, max)
                             : sc_err_set(err, SC_ENOMEM, "%s: out of memory", path);
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = sc_err_set(err, SC_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            rc = sc_err_set(err, SC_ELIMIT, "%s: larger than %zu bytes", path, max);
            goto out;
        }
    }
    if (buf == NULL && (buf = malloc(1)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
out:
    if (buf != NULL)   /* the file may have held a password: wipe what was read */
        OPENSSL_clear_free(buf, cap + 1);
    if (fd > 0)
        close(fd);
    return rc;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int tool_write_file(const char *path, const void *data, size_t len, int mode, sc_err *err)
{
    char *tmp = NULL;
    int fd = -1, rc = 0;

    if (strcmp(path, "-") == 0)
        return write_all(1, data, len) == 0 ? 0
                   : sc_err_set(err, SC_EIO, "standard output: %s", strerror(errno));
    if ((tmp = malloc(strlen(path) + 16)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    sprintf(tmp, "%s.tmp.XXXXXX", path);   /* sized above */
    if ((fd = mkstemp(tmp)) < 0) {
        rc = sc_err_set(err, SC_EIO, "%s: cannot create a temporary file beside it: %s", path,
                        strerror(errno));
        free(tmp);
        return rc;
    }
    if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        rc = sc_err_set(err, SC_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = sc_err_set(err, SC_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = sc_err_set(err, SC_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    free(tmp);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return rc;
}

void tool_free_secret(char *s, size_t len)
{
    if (s != NULL)
        OPENSSL_clear_free(s, len + 1);
}

int tool_read_password(const char *pass_file, const char *what, char **pass, size_t *len,
                       sc_err *err)
{
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc;

    *pass = NULL;
    *len = 0;
    if (pass_file != NULL) {
        if ((rc = tool_read_file(pass_file, 4096, &buf, &n, err)) != 0)
            return sc_err_prefix(err, "password file");
        size_t l = strcspn((char *)buf, "\r\n");
        if (l == 0) {
            OPENSSL_clear_free(buf, n + 1);
            return sc_err_set(err, SC_EINVAL, "password file %s: the first line is empty",
                              pass_file);
        }
        buf[l] = '\0';
        if (l < n)
            OPENSSL_cleanse(buf + l, n - l);
        *pass = (char *)buf;
        *len = l;
        return 0;
    }
    if (!isatty(0))
        return sc_err_set(err, SC_EINVAL, "%s is encrypted: give --key-pass-file FILE", what);
    char prompt[256];
    snprintf(prompt, sizeof(prompt), "Password for %s: ", what);
    if ((buf = malloc(1025)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if (EVP_read_pw_string((char *)buf, 1024, prompt, 0) != 0) {
        OPENSSL_clear_free(buf, 1025);
        return sc_err_set(err, SC_EINVAL, "no password entered");
    }
    *len = strlen((char *)buf);
    *pass = (char *)buf;
    return 0;
}

int tool_load_key(const char *key_file, const char *pass_file, sc_key **key, sc_err *err)
{
    uint8_t *data = NULL;
    size_t len = 0, plen = 0;
    char *pass = NULL;
    int rc;

    *key = NULL;
    if ((rc = tool_read_file(key_file, 1024 * 1024, &data, &len, err)) != 0)
        return rc;
    if ((rc = tool_read_password(pass_file, key_file, &pass, &plen, err)) == 0 &&
        (rc = sc_key_soft_load(key, data, len, pass, plen, err)) != 0)
        sc_err_prefix(err, "%s", key_file);
    tool_free_secret(pass, plen);
    OPENSSL_clear_free(data, len + 1);
    return rc;
}

int tool_read_cert(const char *path, uint8_t **der, size_t *len, sc_err *err)
{
    uint8_t *data = NULL;
    size_t n = 0;
    BIO *bio = NULL;
    X509 *x = NULL;
    unsigned char *out = NULL;
    int rc, dl;

    *der = NULL;
    *len = 0;
    if ((rc = tool_read_file(path, 1024 * 1024, &data, &n, err)) != 0)
        return rc;
    if (n > 0 && data[0] == 0x30) {   /* DER as is */
        *der = data;
        *len = n;
        return 0;
    }
    if ((bio = BIO_new_mem_buf(data, (int)n)) == NULL ||
        (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL || (dl = i2d_X509(x, &out)) <= 0) {
        rc = sc_err_set(err, SC_EFORMAT, "%s: not a PEM or DER certificate", path);
        goto out;
    }
    if ((*der = malloc((size_t)dl)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(*der, out, (size_t)dl);
    *len = (size_t)dl;
out:
    OPENSSL_free(out);
    X509_free(x);
    BIO_free(bio);
    free(data);
    return rc;
}

void tool_error(const char *prog, const sc_err *err)
{
    fprintf(stderr, "%s: %s\n", prog, err->msg[0] ? err->msg : sc_err_name(err->code));
}

void tool_errorf(const char *prog, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int tool_sm3_file(const char *path, uint8_t out[32], sc_err *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned char buf[65536];
    unsigned int olen = 0;
    size_t n;
    int rc = 0;

    if (f == NULL || m == NULL || !EVP_DigestInit_ex(m, EVP_sm3(), NULL)) {
        rc = sc_err_set(err, SC_EIO, "%s: %s", path, f == NULL ? strerror(errno) : "no SM3");
        goto out;
    }
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (!EVP_DigestUpdate(m, buf, n))
            break;
    if (ferror(f) || !feof(f) || !EVP_DigestFinal_ex(m, out, &olen))
        rc = sc_err_set(err, SC_EIO, "%s: read error", path);
out:
    if (f != NULL && f != stdin)
        fclose(f);
    EVP_MD_CTX_free(m);
    return rc;
}

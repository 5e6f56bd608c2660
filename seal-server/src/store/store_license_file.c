/* store_license_file.c: where licence files (sealed OFD) are kept: a content-addressed
 * directory next to the database, "<store>.files/ab/<SM3 hex>.ofd" (README.md "Licence
 * files" says why not BLOBs). A file is complete on disk (temporary file, fsync, rename,
 * fsync of the directory) before the licence row naming it commits, and every read checks its
 * size and SM3 against the row. Not here: the rows (store_license.c, sqlite_license.c). */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#define LOC_LEN (2 + 1 + 64 + 4)   /* "ab/<64 hex>.ofd" */

static int sm3(const ss_store *st, const uint8_t *p, size_t n, uint8_t out[32], sc_err *err)
{
    unsigned int len = 0;

    ERR_clear_error();
    if (EVP_Digest(p, n, out, &len, st->sm3 != NULL ? st->sm3 : EVP_sm3(), NULL) != 1 ||
        len != 32) {
        ERR_clear_error();
        return sc_err_set(err, SC_ECRYPTO, "licence file: SM3 failed");
    }
    return 0;
}

/* "<base>.files" into dir (size PATH_MAX-ish); SC_EINVAL when the backend keeps no files. */
static int files_dir(const ss_store *st, char *dir, size_t size, sc_err *err)
{
    const char *base = st->ops->files_base != NULL ? st->ops->files_base(st->be) : NULL;
    int n;

    if (base == NULL)
        return sc_err_set(err, SC_EINVAL, "licence files: the %s store keeps none",
                          st->ops->name);
    n = snprintf(dir, size, "%s.files", base);
    if (n < 0 || (size_t)n >= size - LOC_LEN - 40)
        return sc_err_set(err, SC_ELIMIT, "licence files: store path too long");
    return 0;
}

static int make_dir(const char *path, sc_err *err)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    return sc_err_set(err, SC_EIO, "licence files: cannot make %s (%s)", path, strerror(errno));
}

/* All n bytes through write (to 1) or read (to 0), through EINTR; -1 on failure or EOF. */
static int io_all(int fd, uint8_t *p, size_t n, int to)
{
    while (n > 0) {
        ssize_t k = to ? write(fd, p, n) : read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

int ss_store_lic_file_put(ss_store *st, const uint8_t *data, size_t len, uint8_t sum[32],
                          char loc[SS_LIC_LOC_MAX + 1], sc_err *err)
{
    return ss_store_lic_file_put_opts(st, data, len, 0, sum, loc, err);
}

int ss_store_lic_files_sync(ss_store *st, sc_err *err)
{
    char dir[4096];
    int fd, rc;

    if (st == NULL)
        return sc_err_set(err, SC_EINVAL, "licence files: no store");
    if ((rc = files_dir(st, dir, sizeof(dir), err)) != 0)
        return rc;
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return sc_err_set(err, SC_EIO, "licence files: cannot open %s (%s)", dir,
                          strerror(errno));
    /* one flush of the file system for a whole group: per-file fsyncs cost a journal commit
     * each, more than drawing and sealing the licence */
    rc = syncfs(fd);
    close(fd);
    return rc == 0 ? 0 : sc_err_set(err, SC_EIO, "licence files: cannot sync %s (%s)", dir,
                                    strerror(errno));
}

int ss_store_lic_file_put_opts(ss_store *st, const uint8_t *data, size_t len, int nosync,
                               uint8_t sum[32], char loc[SS_LIC_LOC_MAX + 1], sc_err *err)
{
    struct stat sb;
    static _Atomic unsigned long seq;
    char dir[4096], sub[4096 + 8], path[4096 + 80], tmp[4096 + 120], hex[65];
    int fd = -1, rc;

    if (loc != NULL)
        loc[0] = '\0';
    if (st == NULL || sum == NULL || loc == NULL)
        return sc_err_set(err, SC_EINVAL, "licence file: no store or no output");
    if ((rc = ss__check_blob("licence file", data, len, SS_LIC_FILE_MAX, err)) != 0 ||
        (rc = files_dir(st, dir, sizeof(dir), err)) != 0 ||
        (rc = sm3(st, data, len, sum, err)) != 0)
        return rc;
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", sum[i]);
    /* one level of 256: a million files are ~4,000 a directory, which ext4's hashed
     * directories look up in one step; a second level cost a mkdir for nearly every file of
     * the first 10^5 (measured: the largest kernel cost of a batch) */
    snprintf(loc, SS_LIC_LOC_MAX + 1, "%.2s/%s.ofd", hex, hex);
    if ((rc = make_dir(dir, err)) != 0)
        return rc;
    snprintf(sub, sizeof(sub), "%s/%.2s", dir, hex);
    if ((rc = make_dir(sub, err)) != 0)
        return rc;
    snprintf(path, sizeof(path), "%s/%s", dir, loc);
    /* named by content: a file there already has these bytes (reads check it), and must not
     * be replaced by a copy not yet on disk */
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size == len)
        return 0;
    snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.%lu.tmp", sub, hex, (long)getpid(),
             atomic_fetch_add(&seq, 1));
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
        return sc_err_set(err, SC_EIO, "licence file %s: cannot create (%s)", tmp,
                          strerror(errno));
    if (io_all(fd, (uint8_t *)data, len, 1) != 0 || (!nosync && fsync(fd) != 0)) {
        rc = sc_err_set(err, SC_EIO, "licence file %s: cannot write (%s)", tmp,
                        strerror(errno));
        close(fd);
        unlink(tmp);
        return rc;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        rc = sc_err_set(err, SC_EIO, "licence file %s: cannot put in place (%s)", path,
                        strerror(errno));
        unlink(tmp);
        return rc;
    }
    /* the rename is durable only once its directory is */
    if (!nosync && fsync_dir(sub) != 0)
        return sc_err_set(err, SC_EIO, "licence file %s: cannot sync its directory (%s)",
                          path, strerror(errno));
    return 0;
}

/* A stored place must be exactly what file_put makes: no path can leave the directory. */
static int loc_ok(const char *loc)
{
    if (strlen(loc) != LOC_LEN || strcmp(loc + LOC_LEN - 4, ".ofd") != 0 || loc[2] != '/' ||
        strncmp(loc, loc + 3, 2) != 0)
        return 0;
    for (size_t i = 3; i < LOC_LEN - 4; i++)
        if (!((loc[i] >= '0' && loc[i] <= '9') || (loc[i] >= 'a' && loc[i] <= 'f')))
            return 0;
    return 1;
}

int ss_store_lic_file_get(ss_store *st, const ss_license *l, uint8_t **data, size_t *len,
                          sc_err *err)
{
    char dir[4096], path[4096 + 80];
    uint8_t sum[32], *buf = NULL;
    struct stat sb;
    int fd = -1, rc;

    if (data != NULL)
        *data = NULL;
    if (len != NULL)
        *len = 0;
    if (st == NULL || l == NULL || data == NULL || len == NULL)
        return sc_err_set(err, SC_EINVAL, "licence file: no store, licence or output");
    if (!loc_ok(l->file_loc))
        return sc_err_set(err, SS_ETAMPERED, "licence %s: stored file place \"%.80s\" is not "
                          "one this store writes", l->zzbs, l->file_loc);
    if (l->file_size <= 0 || l->file_size > (int64_t)SS_LIC_FILE_MAX)
        return sc_err_set(err, SC_EINVAL, "licence %s: file size %lld", l->zzbs,
                          (long long)l->file_size);
    if ((rc = files_dir(st, dir, sizeof(dir), err)) != 0)
        return rc;
    snprintf(path, sizeof(path), "%s/%s", dir, l->file_loc);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return sc_err_set(err, errno == ENOENT ? SC_ENOTFOUND : SC_EIO, "licence %s: file %s: "
                          "%s", l->zzbs, path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = sc_err_set(err, SC_EIO, "licence %s: file %s: not a regular file", l->zzbs, path);
        goto out;
    }
    if ((int64_t)sb.st_size != l->file_size) {
        rc = sc_err_set(err, SS_ETAMPERED, "licence %s: file %s has %lld bytes, the store "
                        "recorded %lld", l->zzbs, path, (long long)sb.st_size,
                        (long long)l->file_size);
        goto out;
    }
    if ((buf = malloc((size_t)l->file_size)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "licence %s: out of memory for %lld bytes", l->zzbs,
                        (long long)l->file_size);
        goto out;
    }
    if (io_all(fd, buf, (size_t)l->file_size, 0) != 0) {
        rc = sc_err_set(err, SC_EIO, "licence %s: cannot read %s", l->zzbs, path);
        goto out;
    }
    if ((rc = sm3(st, buf, (size_t)l->file_size, sum, err)) != 0)
        goto out;
    if (CRYPTO_memcmp(sum, l->file_sm3, 32) != 0) {
        rc = sc_err_set(err, SS_ETAMPERED, "licence %s: file %s does not match the SM3 the "
                        "store recorded (changed or damaged on disk)", l->zzbs, path);
        goto out;
    }
    *data = buf;
    *len = (size_t)l->file_size;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

/* store_license_file.c: where licence files (sealed OFD) are kept: appended to pack files in
 * a directory next to the database, "<store>.files/p/<16 hex>.pack", each file's place
 * "p/<name>.pack@<offset>" with its size and SM3 in the row (README.md "Licence files" says
 * why not BLOBs, and why not a file each). A file is on disk (its pack flushed) before the
 * licence row naming it commits, and every read checks its size and SM3 against the row.
 * Files of the earlier layout, "ab/<SM3 hex>.ofd" one each, are still read.
 * Not here: the rows (store_license.c, sqlite_license.c). */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <inttypes.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define LOC_LEN (2 + 1 + 64 + 4)   /* "ab/<64 hex>.ofd": the earlier layout, read only */
#define PACK_PREFIX "p/"
#define PACK_SUFFIX ".pack@"
#define PACK_MAX ((uint64_t)1 << 30)   /* then the next pack: backups copy whole packs */
#define OFF_DIGITS 12                 /* an offset is below the pack limit: < 10^12 */
#define PACK_LIMIT_MAX 999999999999ull    /* so a place's offset never needs more digits */

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

/* mkdir 0700; *made 1 when it did not exist (its entry in the parent is not durable yet). */
static int make_dir(const char *path, int *made, sc_err *err)
{
    *made = 0;
    if (mkdir(path, 0700) == 0) {
        *made = 1;
        return 0;
    }
    if (errno == EEXIST)
        return 0;
    return sc_err_set(err, SC_EIO, "licence files: cannot make %s (%s)", path, strerror(errno));
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

/* A flush of pack generation gen failed (under p->mu): counted for every caller's check,
 * and that pack, if still the one in use, closed at the next put: nothing is appended after
 * pages that may be gone. */
static void pack_flush_failed(ss__pack *p, uint64_t gen)
{
    p->flush_errors++;
    if (p->fd >= 0 && p->gen == gen)
        p->end = p->max;
}

/* Flushes run outside the lock, and the kernel reports a failure once, to whichever flush
 * of the pack comes first (its descriptors share one open file: the others return 0, the
 * pages marked clean). So each flush is numbered and listed, with its pack, while in flight,
 * and a caller that reports durability waits, after its own flush, for every flush that
 * began before its own ended and could have taken its report: a file's own flush for the
 * flushes of its pack, a group's flush also for those of older packs (closed ones may hold
 * the group's files). Flushes that begin later are not waited for. Under p->mu. */
static uint64_t flush_enter(ss__pack *p, uint64_t gen)
{
    while (p->ninflight == SS__PACK_FLUSHES)
        pthread_cond_wait(&p->flushed, &p->mu);
    p->inflight[p->ninflight].ticket = ++p->ticket;
    p->inflight[p->ninflight++].gen = gen;
    return p->ticket;
}

static void flush_leave(ss__pack *p, uint64_t t)
{
    for (size_t i = 0; i < p->ninflight; i++)
        if (p->inflight[i].ticket == t) {
            p->inflight[i] = p->inflight[--p->ninflight];
            break;
        }
    pthread_cond_broadcast(&p->flushed);
}

/* Wait for the listed flushes numbered up to mark of pack gen (older: also older packs). */
static void flush_wait_before(ss__pack *p, uint64_t mark, uint64_t gen, int older)
{
    for (size_t i = 0; i < p->ninflight;)
        if (p->inflight[i].ticket <= mark &&
            (p->inflight[i].gen == gen || (older && p->inflight[i].gen < gen))) {
            pthread_cond_wait(&p->flushed, &p->mu);
            i = 0;   /* the list changed */
        } else {
            i++;
        }
}

/* Flush fd, of pack generation gen, as a counted flush (lock not held): 0 or its errno, once
 * the flushes it must wait for (older: a group's) have counted their failures. */
static int flush_counted(ss__pack *p, int fd, uint64_t gen, int older)
{
    uint64_t t;
    int e = 0;

    pthread_mutex_lock(&p->mu);
    t = flush_enter(p, gen);
    pthread_mutex_unlock(&p->mu);
    if (ss__pack_flush(fd) != 0)
        e = errno != 0 ? errno : EIO;
    pthread_mutex_lock(&p->mu);
    if (e != 0)
        pack_flush_failed(p, gen);
    flush_leave(p, t);
    flush_wait_before(p, p->ticket, gen, older);
    pthread_mutex_unlock(&p->mu);
    return e;
}

uint64_t ss_store_lic_files_errors(ss_store *st)
{
    ss__pack *p;
    uint64_t n;

    if (st == NULL)
        return 0;
    p = st->pack;
    pthread_mutex_lock(&p->mu);
    n = p->flush_errors;
    pthread_mutex_unlock(&p->mu);
    return n;
}

/* One fdatasync of the pack in use for a whole group (per-file flushes cost a journal commit
 * each, more than drawing and sealing the licence). That covers every file written so far:
 * a pack is closed for the next only once no write into it is under way, and flushed then
 * (pack_rotate), so a file in an older pack is on disk once that flush has ended, which this
 * waits for (flush_counted), unless it failed, which the count of failures tells. (This was
 * syncfs, which also flushed whatever else the file system had dirty, other programs' files
 * included.) */
int ss_store_lic_files_sync(ss_store *st, uint64_t since, sc_err *err)
{
    ss__pack *p;
    char name[17] = "";
    uint64_t errors, gen;
    int fd = -1, rc = 0, e = 0;

    if (st == NULL)
        return sc_err_set(err, SC_EINVAL, "licence files: no store");
    p = st->pack;
    pthread_mutex_lock(&p->mu);
    if (p->fd >= 0 && (fd = fcntl(p->fd, F_DUPFD_CLOEXEC, 0)) < 0)
        rc = sc_err_set(err, SC_EIO, "licence files: %s", strerror(errno));
    memcpy(name, p->name, sizeof(name));
    gen = p->gen;
    pthread_mutex_unlock(&p->mu);
    if (fd >= 0) {
        e = flush_counted(p, fd, gen, 1);
        close(fd);
    }
    pthread_mutex_lock(&p->mu);
    errors = p->flush_errors;
    pthread_mutex_unlock(&p->mu);
    if (rc == 0 && e != 0)
        rc = sc_err_set(err, SC_EIO, "licence files: cannot sync pack %s (%s)", name,
                        strerror(e));
    else if (rc == 0 && errors != since)
        rc = sc_err_set(err, SC_EIO, "licence files: a flush of the packs failed since these "
                        "files were written (%llu failed so far): they may not be on disk",
                        (unsigned long long)errors);
    return rc;
}

/* pwrite or pread all n bytes at off, through EINTR; -1 on failure or EOF. */
static int pio_all(int fd, uint8_t *p, size_t n, uint64_t off, int to)
{
    while (n > 0) {
        ssize_t k = to ? pwrite(fd, p, n, (off_t)off) : pread(fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k == 0)
            errno = EIO;                  /* a short file, or a device that took nothing */
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

int (*ss__pack_flush)(int fd) = fdatasync;

int ss__pack_new(ss__pack **out)
{
    ss__pack *p = calloc(1, sizeof(*p));

    *out = p;
    if (p == NULL)
        return SC_ENOMEM;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->idle, NULL);
    pthread_cond_init(&p->flushed, NULL);
    p->fd = -1;
    p->max = PACK_MAX;
    return 0;
}

void ss__pack_free(ss__pack *p)
{
    if (p == NULL)
        return;
    if (p->fd >= 0)
        close(p->fd);
    pthread_cond_destroy(&p->idle);
    pthread_cond_destroy(&p->flushed);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* fsync the directory holding path (the part before its last '/'). */
static int fsync_parent(const char *path)
{
    char parent[4096];
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 0 : (size_t)(slash - path);

    if (n == 0 || n >= sizeof(parent))
        return fsync_dir(n == 0 && slash != NULL ? "/" : ".");
    memcpy(parent, path, n);
    parent[n] = '\0';
    return fsync_dir(parent);
}

/* The pack directories (made when missing, with their entries flushed, so a licence committed
 * right after a new store's first put cannot lose them in a crash). */
static int pack_dirs(const char *dir, char *pdir, size_t size, sc_err *err)
{
    int made_dir, made_p;

    snprintf(pdir, size, "%s/p", dir);
    if (make_dir(dir, &made_dir, err) != 0 || make_dir(pdir, &made_p, err) != 0)
        return SC_EIO;
    if (made_dir && fsync_parent(dir) != 0)
        return sc_err_set(err, SC_EIO, "licence files: cannot sync the directory of %s (%s)",
                          dir, strerror(errno));
    return 0;
}

/* A new, empty pack under dir/p with a random name, its directory entries made durable at
 * once (once a pack, so every later put may skip it). Called with the pack's lock held; on
 * failure the pack in use, its name included, is left as it was. */
static int pack_new(ss__pack *p, const char *dir, sc_err *err)
{
    char pdir[4096 + 8], path[4096 + 40], name[17];
    uint8_t rnd[8];
    int fd = -1, e;
    const char *failed;

    if (pack_dirs(dir, pdir, sizeof(pdir), err) != 0)
        return SC_EIO;
    for (int tries = 0; fd < 0 && tries < 8; tries++) {
        ERR_clear_error();
        if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
            ERR_clear_error();
            return sc_err_set(err, SC_ECRYPTO, "licence files: no random pack name");
        }
        for (size_t i = 0; i < sizeof(rnd); i++)
            snprintf(name + 2 * i, 3, "%02x", rnd[i]);
        snprintf(path, sizeof(path), "%s/%s.pack", pdir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return sc_err_set(err, SC_EIO, "licence files: cannot create a pack in %s (%s)", pdir,
                          strerror(errno));
    failed = fsync_dir(pdir) != 0 ? pdir : fsync_dir(dir) != 0 ? dir : NULL;
    if (failed != NULL) {
        e = errno;
        close(fd);
        unlink(path);
        return sc_err_set(err, SC_EIO, "licence files: cannot sync %s (%s)", failed,
                          strerror(e));
    }
    if (p->fd >= 0)
        close(p->fd);
    p->fd = fd;
    p->end = 0;
    p->gen++;
    memcpy(p->name, name, sizeof(name));
    return 0;
}

void ss_store_lic_pack_limit(ss_store *st, uint64_t bytes)
{
    ss__pack *p;

    if (st == NULL)
        return;
    p = st->pack;
    pthread_mutex_lock(&p->mu);
    p->max = bytes < 1 ? 1 : bytes > PACK_LIMIT_MAX ? PACK_LIMIT_MAX : bytes;
    pthread_mutex_unlock(&p->mu);
}

/* Close the full pack for a new one (under p->mu, writes into it over): the new one is
 * opened under the lock, the old one flushed outside it, so other puts go on meanwhile
 * (a pack is up to 1 GiB to flush); ss_store_lic_files_sync waits for that flush. */
static int pack_rotate(ss__pack *p, const char *dir, sc_err *err)
{
    uint64_t gen = p->gen, t;
    int old = fcntl(p->fd, F_DUPFD_CLOEXEC, 0), rc = 0, failed;

    if (old < 0) {   /* no descriptor to flush with later: flush now, under the lock */
        if (ss__pack_flush(p->fd) != 0)
            pack_flush_failed(p, gen);
        return pack_new(p, dir, err);
    }
    /* listed before the new pack is made: no sync can miss it. A wait for a place in the
     * list lets the lock go: meanwhile another put may have closed the pack, or reserved in
     * it (a file that still fits): then not now (the caller waits for the pack to be idle
     * again, holding no place) */
    t = flush_enter(p, gen);
    if (p->gen != gen || p->writing > 0 || (rc = pack_new(p, dir, err)) != 0) {
        flush_leave(p, t);
        close(old);   /* the old pack stays in use (or was closed by another): no flush */
        return rc;
    }
    pthread_mutex_unlock(&p->mu);
    failed = ss__pack_flush(old) != 0;   /* not this file's: its own pack is the new one */
    close(old);
    pthread_mutex_lock(&p->mu);
    if (failed)
        pack_flush_failed(p, gen);
    flush_leave(p, t);
    return 0;
}

/* Reserve len bytes at the end of the store's pack: *fd a descriptor of it the caller closes
 * (a duplicate, so a pack closed for the next one never pulls it away mid-write), *off where
 * they go, name the pack's. */
static int pack_reserve(ss_store *st, const char *dir, size_t len, int *fd, uint64_t *off,
                        char name[17], uint64_t *errors, uint64_t *gen_out, sc_err *err)
{
    ss__pack *p = st->pack;
    int rc = 0;

    pthread_mutex_lock(&p->mu);
    while (p->fd >= 0 && p->end > 0 && p->end + len > p->max) {
        /* the pack is full: closed once the writes into it are over (see
         * ss_store_lic_files_sync) */
        uint64_t gen = p->gen;
        while (p->writing > 0 && p->gen == gen)
            pthread_cond_wait(&p->idle, &p->mu);
        if (p->gen != gen)
            continue;                 /* another put rotated meanwhile: look at the new one */
        if ((rc = pack_rotate(p, dir, err)) != 0)
            break;
        /* the lock was let go while the old pack was flushed: the new one may be full */
    }
    if (rc == 0 && p->fd < 0)
        rc = pack_new(p, dir, err);
    if (rc == 0 && (*fd = fcntl(p->fd, F_DUPFD_CLOEXEC, 0)) < 0)
        rc = sc_err_set(err, SC_EIO, "licence files: %s", strerror(errno));
    if (rc == 0) {
        *off = p->end;
        p->end += len;
        p->writing++;
        *errors = p->flush_errors;
        *gen_out = p->gen;
        memcpy(name, p->name, 17);
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

/* A write pack_reserve allowed has ended, written or not (its flush, if any, counted).
 * Returns the count of failed flushes now. */
static uint64_t pack_written(ss_store *st)
{
    ss__pack *p = st->pack;
    uint64_t n;

    pthread_mutex_lock(&p->mu);
    if (--p->writing == 0)
        pthread_cond_broadcast(&p->idle);
    n = p->flush_errors;
    pthread_mutex_unlock(&p->mu);
    return n;
}

int ss_store_lic_file_put_opts(ss_store *st, const uint8_t *data, size_t len, int nosync,
                               uint8_t sum[32], char loc[SS_LIC_LOC_MAX + 1], sc_err *err)
{
    char dir[4096], name[17];
    uint64_t off = 0, errors = 0, gen = 0;
    int fd = -1, rc, e;

    if (loc != NULL)
        loc[0] = '\0';
    if (st == NULL || sum == NULL || loc == NULL)
        return sc_err_set(err, SC_EINVAL, "licence file: no store or no output");
    if ((rc = ss__check_blob("licence file", data, len, SS_LIC_FILE_MAX, err)) != 0 ||
        (rc = files_dir(st, dir, sizeof(dir), err)) != 0 ||
        (rc = sm3(st, data, len, sum, err)) != 0 ||
        (rc = pack_reserve(st, dir, len, &fd, &off, name, &errors, &gen, err)) != 0)
        return rc;
    /* Appended, not a file each: a new inode a licence was the largest cost of a batch on
     * ext4 (its allocator scanning for a free inode), and 10^8 files exhaust a volume's
     * inodes. A failed or torn write leaves bytes no row names; nothing is ever rewritten. */
    if (pio_all(fd, (uint8_t *)data, len, off, 1) != 0) {
        rc = sc_err_set(err, SC_EIO, "licence file: cannot write pack %s (%s)", name,
                        strerror(errno));
    } else if (!nosync && (e = flush_counted(st->pack, fd, gen, 0)) != 0) {
        rc = sc_err_set(err, SC_EIO, "licence file: cannot sync pack %s (%s)", name,
                        strerror(e));
    }
    close(fd);
    /* flushed here, unless a failure reported to someone else took this file's pages */
    if (pack_written(st) != errors && rc == 0 && !nosync)
        rc = sc_err_set(err, SC_EIO, "licence file: a flush of pack %s failed while it was "
                        "written: it may not be on disk", name);
    if (rc == 0)
        snprintf(loc, SS_LIC_LOC_MAX + 1, PACK_PREFIX "%s" PACK_SUFFIX "%" PRIu64, name, off);
    return rc;
}

static int all_of(const char *s, size_t n, const char *set)
{
    return strspn(s, set) >= n;
}

/* What a stored place names: 1 a pack (name and *off filled), 0 a file of the earlier layout,
 * -1 nothing this store writes. Exact forms only, so no place can leave the directory. */
static int loc_parse(const char *loc, char name[17], uint64_t *off)
{
    size_t n = strlen(loc), pre = strlen(PACK_PREFIX) + 16 + strlen(PACK_SUFFIX), digits;

    if (n == LOC_LEN && strcmp(loc + LOC_LEN - 4, ".ofd") == 0 && loc[2] == '/' &&
        strncmp(loc, loc + 3, 2) == 0 && all_of(loc + 3, 64, "0123456789abcdef"))
        return 0;
    if (n <= pre || strncmp(loc, PACK_PREFIX, strlen(PACK_PREFIX)) != 0 ||
        !all_of(loc + 2, 16, "0123456789abcdef") ||
        strncmp(loc + 18, PACK_SUFFIX, strlen(PACK_SUFFIX)) != 0)
        return -1;
    digits = n - pre;
    if (digits > OFF_DIGITS || !all_of(loc + pre, digits, "0123456789") ||
        (digits > 1 && loc[pre] == '0'))
        return -1;
    memcpy(name, loc + 2, 16);
    name[16] = '\0';
    *off = strtoull(loc + pre, NULL, 10);
    return 1;
}

int ss_store_lic_file_get(ss_store *st, const ss_license *l, uint8_t **data, size_t *len,
                          sc_err *err)
{
    char dir[4096], path[4096 + 80], name[17];
    uint8_t sum[32], *buf = NULL;
    uint64_t off = 0;
    struct stat sb;
    int fd = -1, rc, kind;

    if (data != NULL)
        *data = NULL;
    if (len != NULL)
        *len = 0;
    if (st == NULL || l == NULL || data == NULL || len == NULL)
        return sc_err_set(err, SC_EINVAL, "licence file: no store, licence or output");
    if ((kind = loc_parse(l->file_loc, name, &off)) < 0)
        return sc_err_set(err, SS_ETAMPERED, "licence %s: stored file place \"%.80s\" is not "
                          "one this store writes", l->zzbs, l->file_loc);
    if (l->file_size <= 0 || l->file_size > (int64_t)SS_LIC_FILE_MAX)
        return sc_err_set(err, SC_EINVAL, "licence %s: file size %lld", l->zzbs,
                          (long long)l->file_size);
    if ((rc = files_dir(st, dir, sizeof(dir), err)) != 0)
        return rc;
    if (kind == 1)
        snprintf(path, sizeof(path), "%s/" PACK_PREFIX "%s.pack", dir, name);
    else
        snprintf(path, sizeof(path), "%s/%s", dir, l->file_loc);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return sc_err_set(err, errno == ENOENT ? SC_ENOTFOUND : SC_EIO, "licence %s: file %s: "
                          "%s", l->zzbs, path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        rc = sc_err_set(err, SC_EIO, "licence %s: file %s: not a regular file", l->zzbs, path);
        goto out;
    }
    if (kind == 0 ? (int64_t)sb.st_size != l->file_size
                  : (uint64_t)sb.st_size < off + (uint64_t)l->file_size) {
        rc = sc_err_set(err, SS_ETAMPERED, "licence %s: file %s has %lld bytes, the store "
                        "recorded %lld at offset %llu", l->zzbs, path, (long long)sb.st_size,
                        (long long)l->file_size, (unsigned long long)off);
        goto out;
    }
    if ((buf = malloc((size_t)l->file_size)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "licence %s: out of memory for %lld bytes", l->zzbs,
                        (long long)l->file_size);
        goto out;
    }
    if (pio_all(fd, buf, (size_t)l->file_size, off, 0) != 0) {
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

/* ofd_pkg.c: the OFD package as a zip container (GB/T 33190-2016 §7.1 package structure):
 * opening from memory or a file descriptor, the limits on entries and sizes, entry names
 * and ST_Loc path resolution, reading and SM3-hashing entries.
 * Not here: XML (ofd_xml.c), what the entries mean (document model, signatures), writing.
 *
 * libzip 1.7 (Debian 12) reads through one zip_source_function over our own reader (memory
 * or pread on the caller's fd), so both inputs share one code path and the caller's fd
 * offset is never moved. libzip 1.7 cannot open a zip with bytes before it, so the end of
 * central directory record is located here and libzip is shown only the window
 * [start of the zip, end of its end record]. libzip is not trusted on names or sizes: the
 * central directory is walked again here for the raw names (a NUL inside a name, lengths),
 * and every read counts the bytes that actually come out against the declared size. */
#include "ofd/ofd_int.h"
#include "sc_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <zip.h>

#define EOCD_LEN 22u
#define EOCD_SCAN (65535u + EOCD_LEN)   /* the record plus the longest comment */
#define CDH_LEN 46u                     /* central directory file header, fixed part */
#define CHUNK (64u * 1024)              /* sc_ofd_pkg_sm3 read size */

const sc__ofd_limits sc__ofd_default_limits = {
    SC_OFD_MAX_ENTRIES, SC_OFD_MAX_ENTRY, SC_OFD_MAX_TOTAL, SC_OFD_MAX_NAME
};

/* Where bytes come from: a caller's buffer or fd; base/len select the zip's window. */
typedef struct src_ctx {
    const uint8_t *mem;
    int fd;
    uint64_t size;        /* whole input */
    uint64_t base, len;   /* window shown to libzip */
    uint64_t pos;         /* libzip's position inside the window */
    zip_error_t error;
} src_ctx;

typedef struct name_ix {
    const char *name;
    size_t index;
} name_ix;

struct sc_ofd_pkg {
    zip_t *za;
    src_ctx *src;
    size_t count;
    const char **names;   /* borrowed from za */
    uint64_t *sizes;      /* declared uncompressed sizes */
    name_ix *sorted;      /* by name: duplicate check and lookup */
    uint64_t before, after;
};

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static uint64_t le64(const uint8_t *p) { return le32(p) | ((uint64_t)le32(p + 4) << 32); }

/* n bytes at absolute offset off; -1 when they are not all there or the fd fails. */
static int raw_read(const src_ctx *c, uint64_t off, void *dst, size_t n)
{
    if (off > c->size || n > c->size - off)
        return -1;
    if (c->mem != NULL) {
        if (n > 0)
            memcpy(dst, c->mem + off, n);
        return 0;
    }
    for (size_t done = 0; done < n;) {
        ssize_t r = pread(c->fd, (uint8_t *)dst + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        done += (size_t)r;
    }
    return 0;
}

static zip_int64_t src_cb(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
    src_ctx *c = ud;

    switch (cmd) {
    case ZIP_SOURCE_OPEN:
        c->pos = 0;
        return 0;
    case ZIP_SOURCE_READ: {
        uint64_t n = c->len - c->pos;
        if (n > len)
            n = len;
        if (n > 0 && raw_read(c, c->base + c->pos, data, (size_t)n) != 0) {
            zip_error_set(&c->error, ZIP_ER_READ, errno);
            return -1;
        }
        c->pos += n;
        return (zip_int64_t)n;
    }
    case ZIP_SOURCE_CLOSE:
    case ZIP_SOURCE_FREE:   /* the context is the package's, freed in sc_ofd_pkg_free */
        return 0;
    case ZIP_SOURCE_STAT: {
        zip_stat_t *st = data;
        if (len < sizeof(*st)) {
            zip_error_set(&c->error, ZIP_ER_INVAL, 0);
            return -1;
        }
        zip_stat_init(st);
        st->size = c->len;
        st->valid |= ZIP_STAT_SIZE;
        return (zip_int64_t)sizeof(*st);
    }
    case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&c->error, data, len);
    case ZIP_SOURCE_SEEK: {
        zip_int64_t np = zip_source_seek_compute_offset(c->pos, c->len, data, len, &c->error);
        if (np < 0)
            return -1;
        c->pos = (uint64_t)np;
        return 0;
    }
    case ZIP_SOURCE_TELL:
        return (zip_int64_t)c->pos;
    case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ,
                                              ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                              ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                              ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL,
                                              ZIP_SOURCE_SUPPORTS, -1);
    default:
        zip_error_set(&c->error, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
}

/* A candidate end record at absolute offset at (tail[0..] = its bytes, avail of them read):
 * 0 with the zip's window, entry count and central directory offset (window-relative), or
 * -1 when it is not consistent (then the scan goes on: comments and trailing junk may hold
 * the signature by chance). */
static int try_eocd(const src_ctx *c, uint64_t at, const uint8_t *p, uint64_t *start,
                    uint64_t *end, uint64_t *entries, uint64_t *cd_off)
{
    uint64_t cd_end = at, cd_size, off, n;
    uint8_t z[56], sig[4];

    if (at + EOCD_LEN + le16(p + 20) > c->size)
        return -1;
    if (le16(p + 4) != 0 || le16(p + 6) != 0)           /* multi-disk archives */
        return -1;
    n = le16(p + 10);
    cd_size = le32(p + 12);
    off = le32(p + 16);
    if (n == 0xffff || cd_size == 0xffffffffu || off == 0xffffffffu) {   /* ZIP64 */
        if (at < 20 + 56 || raw_read(c, at - 20, z, 20) != 0 || memcmp(z, "PK\6\7", 4) != 0)
            return -1;
        cd_end = at - 20 - 56;            /* a version-1 ZIP64 end record, no extension data */
        if (raw_read(c, cd_end, z, 56) != 0 || memcmp(z, "PK\6\6", 4) != 0)
            return -1;
        n = le64(z + 32);
        cd_size = le64(z + 40);
        off = le64(z + 48);
    }
    if (cd_size > cd_end || off > cd_end - cd_size)
        return -1;
    if (cd_size > 0 && (raw_read(c, cd_end - cd_size, sig, 4) != 0 ||
                        memcmp(sig, "PK\1\2", 4) != 0))
        return -1;
    *start = cd_end - cd_size - off;      /* bytes some vendor wrote before the zip */
    *end = at + EOCD_LEN + le16(p + 20);
    *entries = n;
    *cd_off = off;
    return 0;
}

static int find_zip(src_ctx *c, uint64_t *entries, uint64_t *cd_off, sc_err *err)
{
    uint64_t tail_len = c->size < EOCD_SCAN ? c->size : EOCD_SCAN, start, end;
    uint64_t tail_at = c->size - tail_len;
    uint8_t *tail;
    int rc = SC_EFORMAT;

    if (c->size < EOCD_LEN)
        return sc_err_set(err, SC_EFORMAT, "OFD package: not a zip file (%llu bytes)",
                          (unsigned long long)c->size);
    if ((tail = sc__malloc((size_t)tail_len, err)) == NULL)
        return SC_ENOMEM;
    if (raw_read(c, tail_at, tail, (size_t)tail_len) != 0) {
        rc = sc_err_set(err, SC_EIO, "OFD package: cannot read the last %llu bytes",
                        (unsigned long long)tail_len);
        goto out;
    }
    for (uint64_t i = tail_len - EOCD_LEN + 1; i-- > 0;) {
        if (memcmp(tail + i, "PK\5\6", 4) == 0 &&
            try_eocd(c, tail_at + i, tail + i, &start, &end, entries, cd_off) == 0) {
            c->base = start;
            c->len = end - start;
            rc = 0;
            goto out;
        }
    }
    rc = sc_err_set(err, SC_EFORMAT, "OFD package: not a zip file (no end of central directory "
                    "record in the last %llu bytes)", (unsigned long long)tail_len);
out:
    free(tail);
    return rc;
}

/* Names the OFD reader refuses: they could escape a directory when extracted, or mean
 * different files to different readers. */
static int check_name(const char *name, sc_err *err)
{
    const char *seg = name;

    if (name[0] == '/')
        return sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": absolute name", name);
    if (strchr(name, '\\') != NULL)
        return sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": backslash in name", name);
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t n = slash != NULL ? (size_t)(slash - seg) : strlen(seg);
        if (n == 2 && seg[0] == '.' && seg[1] == '.')
            return sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": \"..\" in name", name);
        if (slash == NULL)
            return 0;
        seg = slash + 1;
    }
}

/* Walk the central directory for the raw names: libzip hands out C strings, which hide a
 * NUL inside a name, and its index i must be the i-th record here. */
static int check_raw_names(sc_ofd_pkg *pkg, uint64_t cd_off, const sc__ofd_limits *lim,
                           sc_err *err)
{
    const src_ctx *c = pkg->src;
    uint64_t pos = c->base + cd_off, end = c->base + c->len;
    uint8_t h[CDH_LEN];
    char *raw = NULL;
    int rc = 0;

    if ((raw = sc__malloc(lim->max_name + 1, err)) == NULL)
        return SC_ENOMEM;
    for (size_t i = 0; i < pkg->count; i++) {
        if (pos > end || end - pos < CDH_LEN || raw_read(c, pos, h, CDH_LEN) != 0 ||
            memcmp(h, "PK\1\2", 4) != 0) {
            rc = sc_err_set(err, SC_EFORMAT, "OFD package: central directory record %zu "
                            "damaged", i);
            goto out;
        }
        size_t nlen = le16(h + 28);
        uint64_t rec = (uint64_t)CDH_LEN + nlen + le16(h + 30) + le16(h + 32);
        if (nlen == 0) {
            rc = sc_err_set(err, SC_EFORMAT, "OFD entry %zu: empty name", i);
            goto out;
        }
        if (nlen > lim->max_name) {
            rc = sc_err_set(err, SC_ELIMIT, "OFD entry %zu: name of %zu bytes, more than the "
                            "%zu allowed", i, nlen, lim->max_name);
            goto out;
        }
        if (raw_read(c, pos + CDH_LEN, raw, nlen) != 0) {
            rc = sc_err_set(err, SC_EFORMAT, "OFD entry %zu: name cut off", i);
            goto out;
        }
        if (memchr(raw, '\0', nlen) != NULL) {
            rc = sc_err_set(err, SC_EFORMAT, "OFD entry %zu: NUL byte in name \"%.200s\"", i,
                            raw);
            goto out;
        }
        if (strlen(pkg->names[i]) != nlen || memcmp(raw, pkg->names[i], nlen) != 0) {
            rc = sc_err_set(err, SC_EFORMAT, "OFD entry %zu: central directory and libzip "
                            "disagree on the name", i);
            goto out;
        }
        pos += rec;
    }
out:
    free(raw);
    return rc;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const name_ix *)a)->name, ((const name_ix *)b)->name);
}

static int load_entries(sc_ofd_pkg *pkg, uint64_t cd_off, const sc__ofd_limits *lim,
                        sc_err *err)
{
    zip_int64_t n = zip_get_num_entries(pkg->za, 0);
    uint64_t total = 0;
    int rc;

    if (n < 0 || (uint64_t)n > lim->max_entries)
        return sc_err_set(err, SC_ELIMIT, "OFD package: %lld entries, more than the %llu "
                          "allowed", (long long)n, (unsigned long long)lim->max_entries);
    pkg->count = (size_t)n;
    if (pkg->count == 0)
        return sc_err_set(err, SC_EFORMAT, "OFD package: no entries");
    if ((pkg->names = sc__malloc(pkg->count * sizeof(*pkg->names), err)) == NULL ||
        (pkg->sizes = sc__malloc(pkg->count * sizeof(*pkg->sizes), err)) == NULL ||
        (pkg->sorted = sc__malloc(pkg->count * sizeof(*pkg->sorted), err)) == NULL)
        return SC_ENOMEM;
    for (size_t i = 0; i < pkg->count; i++) {
        zip_stat_t st;
        const char *name = zip_get_name(pkg->za, i, ZIP_FL_ENC_RAW);
        if (name == NULL || zip_stat_index(pkg->za, i, ZIP_FL_ENC_RAW, &st) != 0 ||
            !(st.valid & ZIP_STAT_SIZE))
            return sc_err_set(err, SC_EFORMAT, "OFD entry %zu: unreadable (libzip: %s)", i,
                              zip_strerror(pkg->za));
        pkg->names[i] = name;
        pkg->sizes[i] = st.size;
        pkg->sorted[i] = (name_ix){ name, i };
    }
    if ((rc = check_raw_names(pkg, cd_off, lim, err)) != 0)
        return rc;
    for (size_t i = 0; i < pkg->count; i++) {
        const char *name = pkg->names[i];
        if ((rc = check_name(name, err)) != 0)
            return rc;
        if (pkg->sizes[i] > lim->max_entry)
            return sc_err_set(err, SC_ELIMIT, "OFD entry \"%.200s\": %llu bytes uncompressed, "
                              "more than the %llu allowed", name,
                              (unsigned long long)pkg->sizes[i],
                              (unsigned long long)lim->max_entry);
        total += pkg->sizes[i];            /* each <= max_entry, count <= max_entries */
        if (total > lim->max_total)
            return sc_err_set(err, SC_ELIMIT, "OFD package: more than %llu bytes uncompressed "
                              "in all (at entry \"%.200s\")",
                              (unsigned long long)lim->max_total, name);
    }
    qsort(pkg->sorted, pkg->count, sizeof(*pkg->sorted), cmp_name);
    for (size_t i = 1; i < pkg->count; i++)
        if (strcmp(pkg->sorted[i - 1].name, pkg->sorted[i].name) == 0)
            return sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": name occurs twice",
                              pkg->sorted[i].name);
    return 0;
}

int sc__ofd_pkg_open_limits(sc_ofd_pkg **out, const uint8_t *buf, size_t len, int fd,
                            const sc__ofd_limits *lim, sc_err *err)
{
    sc_ofd_pkg *pkg = NULL;
    zip_source_t *zs = NULL;
    zip_error_t ze;
    uint64_t entries = 0, cd_off = 0;
    int rc;

    *out = NULL;
    zip_error_init(&ze);
    if ((pkg = calloc(1, sizeof(*pkg))) == NULL ||
        (pkg->src = calloc(1, sizeof(*pkg->src))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    zip_error_init(&pkg->src->error);
    pkg->src->fd = -1;
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) != 0) {
            rc = sc_err_set(err, SC_EIO, "OFD package: fstat on descriptor %d: %s", fd,
                            strerror(errno));
            goto out;
        }
        if (!S_ISREG(st.st_mode)) {
            rc = sc_err_set(err, SC_EINVAL, "OFD package: descriptor %d is not a regular file",
                            fd);
            goto out;
        }
        pkg->src->fd = fd;
        pkg->src->size = (uint64_t)st.st_size;
    } else {
        if (buf == NULL && len > 0) {
            rc = sc_err_set(err, SC_EINVAL, "OFD package: NULL buffer");
            goto out;
        }
        pkg->src->mem = buf != NULL ? buf : (const uint8_t *)"";
        pkg->src->size = len;
    }
    if ((rc = find_zip(pkg->src, &entries, &cd_off, err)) != 0)
        goto out;
    /* Before libzip allocates a record per entry. */
    if (entries > lim->max_entries) {
        rc = sc_err_set(err, SC_ELIMIT, "OFD package: %llu entries, more than the %llu allowed",
                        (unsigned long long)entries, (unsigned long long)lim->max_entries);
        goto out;
    }
    pkg->before = pkg->src->base;
    pkg->after = pkg->src->size - pkg->src->base - pkg->src->len;
    if ((zs = zip_source_function_create(src_cb, pkg->src, &ze)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "OFD package: %s", zip_error_strerror(&ze));
        goto out;
    }
    /* CHECKCONS: libzip compares each local header with its central record. */
    if ((pkg->za = zip_open_from_source(zs, ZIP_RDONLY | ZIP_CHECKCONS, &ze)) == NULL) {
        if (zip_error_code_zip(&ze) == ZIP_ER_EXISTS)   /* CHECKCONS finds duplicates */
            rc = sc_err_set(err, SC_EFORMAT, "OFD package: two entries have the same name "
                            "(libzip: %s)", zip_error_strerror(&ze));
        else
            rc = sc_err_set(err, SC_EFORMAT, "OFD package: not a readable zip (libzip: %s)",
                            zip_error_strerror(&ze));
        goto out;
    }
    zs = NULL;                            /* the archive holds it now */
    if ((rc = load_entries(pkg, cd_off, lim, err)) != 0)
        goto out;
    *out = pkg;
    pkg = NULL;
out:
    zip_source_free(zs);
    zip_error_fini(&ze);
    sc_ofd_pkg_free(pkg);
    return rc;
}

int sc_ofd_pkg_open_mem(sc_ofd_pkg **out, const uint8_t *buf, size_t len, sc_err *err)
{
    if (len == 0) {
        *out = NULL;
        return sc_err_set(err, SC_EFORMAT, "OFD package: empty input");
    }
    return sc__ofd_pkg_open_limits(out, buf, len, -1, &sc__ofd_default_limits, err);
}

int sc_ofd_pkg_open_fd(sc_ofd_pkg **out, int fd, sc_err *err)
{
    if (fd < 0) {
        *out = NULL;
        return sc_err_set(err, SC_EINVAL, "OFD package: bad descriptor %d", fd);
    }
    return sc__ofd_pkg_open_limits(out, NULL, 0, fd, &sc__ofd_default_limits, err);
}

void sc_ofd_pkg_free(sc_ofd_pkg *pkg)
{
    if (pkg == NULL)
        return;
    if (pkg->za != NULL)
        zip_discard(pkg->za);
    if (pkg->src != NULL)
        zip_error_fini(&pkg->src->error);
    free(pkg->src);
    free(pkg->names);
    free(pkg->sizes);
    free(pkg->sorted);
    free(pkg);
}

void sc_ofd_pkg_get_extra_bytes(const sc_ofd_pkg *pkg, uint64_t *before, uint64_t *after)
{
    if (before != NULL)
        *before = pkg->before;
    if (after != NULL)
        *after = pkg->after;
}

size_t sc_ofd_pkg_count(const sc_ofd_pkg *pkg)
{
    return pkg->count;
}

const char *sc_ofd_pkg_name(const sc_ofd_pkg *pkg, size_t i)
{
    return i < pkg->count ? pkg->names[i] : NULL;
}

uint64_t sc_ofd_pkg_size(const sc_ofd_pkg *pkg, size_t i)
{
    return i < pkg->count ? pkg->sizes[i] : 0;
}

int sc_ofd_path_resolve(const char *base_dir, const char *loc, char *out, size_t outlen,
                        sc_err *err)
{
    /* Segments are appended to out; ".." cuts back to the previous "/". */
    const char *parts[2] = { base_dir != NULL ? base_dir : "", loc };
    size_t n = 0;

    if (outlen == 0)
        return sc_err_set(err, SC_EINVAL, "ST_Loc: no room for the result");
    out[0] = '\0';
    if (loc == NULL || loc[0] == '\0')
        return sc_err_set(err, SC_EFORMAT, "ST_Loc: empty");
    for (int k = loc[0] == '/' ? 1 : 0; k < 2; k++) {
        const char *s = parts[k];
        if (strchr(s, '\\') != NULL)
            return sc_err_set(err, SC_EFORMAT, "ST_Loc \"%.200s\": backslash", s);
        while (*s != '\0') {
            const char *slash = strchr(s, '/');
            size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);
            if (len == 2 && s[0] == '.' && s[1] == '.') {
                if (n == 0)
                    return sc_err_set(err, SC_EFORMAT, "ST_Loc \"%.200s\": \"..\" leaves the "
                                      "package root", loc);
                while (n > 0 && out[n - 1] != '/')
                    n--;
                if (n > 0)
                    n--;                          /* the "/" before the dropped segment */
            } else if (len > 0 && !(len == 1 && s[0] == '.')) {
                size_t need = n + (n > 0) + len;
                if (need >= outlen || need > SC_OFD_MAX_NAME)
                    return sc_err_set(err, SC_ELIMIT, "ST_Loc \"%.200s\": longer than %zu "
                                      "bytes", loc, outlen - 1 < SC_OFD_MAX_NAME
                                      ? outlen - 1 : (size_t)SC_OFD_MAX_NAME);
                if (n > 0)
                    out[n++] = '/';
                memcpy(out + n, s, len);
                n += len;
            }
            out[n] = '\0';
            s += len;
            if (*s == '/')
                s++;
        }
    }
    if (n == 0)
        return sc_err_set(err, SC_EFORMAT, "ST_Loc \"%.200s\": names no file", loc);
    return 0;
}

int sc_ofd_pkg_find(const sc_ofd_pkg *pkg, const char *base_dir, const char *loc,
                    size_t *index, sc_err *err)
{
    char name[SC_OFD_MAX_NAME + 1];
    const name_ix *hit;
    name_ix key = { name, 0 };
    int rc;

    if ((rc = sc_ofd_path_resolve(base_dir, loc, name, sizeof(name), err)) != 0)
        return rc;
    hit = bsearch(&key, pkg->sorted, pkg->count, sizeof(*pkg->sorted), cmp_name);
    if (hit == NULL)
        return sc_err_set(err, SC_ENOTFOUND, "OFD entry \"%s\": not in the package", name);
    *index = hit->index;
    return 0;
}

int sc__ofd_pkg_raw_open(sc_ofd_pkg *pkg, size_t index, sc__ofd_raw_stat *st,
                         struct zip_file **zf, sc_err *err)
{
    const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD |
                              ZIP_STAT_CRC | ZIP_STAT_ENCRYPTION_METHOD;
    zip_stat_t zs;

    *zf = NULL;
    if (index >= pkg->count)
        return sc_err_set(err, SC_EINVAL, "OFD entry %zu: no such entry (%zu in the package)",
                          index, pkg->count);
    if (zip_stat_index(pkg->za, index, ZIP_FL_ENC_RAW, &zs) != 0 || (zs.valid & need) != need)
        return sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": no method, sizes or CRC "
                          "(libzip: %s)", pkg->names[index], zip_strerror(pkg->za));
    *st = (sc__ofd_raw_stat){ zs.comp_method, zs.crc, zs.comp_size, zs.size,
                              zs.encryption_method != ZIP_EM_NONE };
    if (st->encrypted)   /* ZIP_FL_COMPRESSED would still try to decrypt */
        return sc_err_set(err, SC_EUNSUPPORTED, "OFD entry \"%.200s\": encrypted",
                          pkg->names[index]);
    if ((*zf = zip_fopen_index(pkg->za, index, ZIP_FL_COMPRESSED)) == NULL)
        return sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": cannot open (libzip: %s)",
                          pkg->names[index], zip_strerror(pkg->za));
    return 0;
}

/* Entry index in pieces of at most `chunk` bytes to sink; fails as soon as more bytes come
 * out than declared (the CRC alone would only tell at the end, after a zip bomb's output),
 * or when fewer do. */
typedef int (*sink_fn)(void *ctx, const uint8_t *p, size_t n, sc_err *err);

static int stream_entry(sc_ofd_pkg *pkg, size_t index, uint8_t *chunk, size_t chunk_len,
                        sink_fn sink, void *ctx, sc_err *err)
{
    const char *name = pkg->names[index];
    uint64_t want = pkg->sizes[index], got = 0;
    zip_file_t *zf;
    int rc = 0;

    if ((zf = zip_fopen_index(pkg->za, index, 0)) == NULL)
        return sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": cannot open (libzip: %s)",
                          name, zip_strerror(pkg->za));
    for (;;) {
        zip_int64_t n = zip_fread(zf, chunk, chunk_len);
        if (n < 0) {
            rc = sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": damaged (libzip: %s)", name,
                            zip_file_strerror(zf));
            goto out;
        }
        if (n == 0)
            break;
        if ((uint64_t)n > want - got) {
            rc = sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": more data than the %llu "
                            "bytes declared", name, (unsigned long long)want);
            goto out;
        }
        if ((rc = sink(ctx, chunk, (size_t)n, err)) != 0)
            goto out;
        got += (uint64_t)n;
    }
    if (got != want)
        rc = sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": %llu bytes, fewer than the %llu "
                        "declared", name, (unsigned long long)got, (unsigned long long)want);
out:
    zip_fclose(zf);
    return rc;
}

typedef struct mem_sink {
    uint8_t *buf;
    size_t len, cap;
} mem_sink;

static int to_mem(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    mem_sink *m = ctx;

    (void)err;                        /* stream_entry already bounds the total by cap */
    memcpy(m->buf + m->len, p, n);
    m->len += n;
    return 0;
}

static int to_digest(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    if (!EVP_DigestUpdate(ctx, p, n))
        return sc__err_openssl(err, SC_ECRYPTO, "digest failed");
    return 0;
}

int sc_ofd_pkg_read(sc_ofd_pkg *pkg, size_t index, size_t max, uint8_t **buf, size_t *len,
                    sc_err *err)
{
    mem_sink m = { NULL, 0, 0 };
    uint8_t *chunk = NULL;
    int rc;

    *buf = NULL;
    *len = 0;
    if (index >= pkg->count)
        return sc_err_set(err, SC_EINVAL, "OFD entry %zu: no such entry (%zu in the package)",
                          index, pkg->count);
    if (pkg->sizes[index] > max)
        return sc_err_set(err, SC_ELIMIT, "OFD entry \"%.200s\": %llu bytes, more than the %zu "
                          "allowed here", pkg->names[index],
                          (unsigned long long)pkg->sizes[index], max);
    m.cap = (size_t)pkg->sizes[index];
    /* +1: a NUL after the data, for XML and text callers; stream_entry bounds the data. */
    if ((m.buf = sc__malloc(m.cap + 1, err)) == NULL ||
        (chunk = sc__malloc(CHUNK, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    if ((rc = stream_entry(pkg, index, chunk, CHUNK, to_mem, &m, err)) != 0)
        goto out;
    m.buf[m.len] = '\0';
    *buf = m.buf;
    *len = m.len;
    m.buf = NULL;
out:
    free(chunk);
    free(m.buf);
    return rc;
}

int sc__ofd_pkg_digest(sc_ofd_pkg *pkg, size_t index, const EVP_MD *alg, uint8_t *out,
                       size_t out_max, size_t *out_len, sc_err *err)
{
    EVP_MD_CTX *md = NULL;
    uint8_t *chunk = NULL;
    unsigned int olen = 0;
    int rc;

    *out_len = 0;
    if (index >= pkg->count)
        return sc_err_set(err, SC_EINVAL, "OFD entry %zu: no such entry (%zu in the package)",
                          index, pkg->count);
    if (alg == NULL || (size_t)EVP_MD_get_size(alg) > out_max)
        return sc_err_set(err, SC_EINVAL, "digest: no algorithm, or output over %zu bytes",
                          out_max);
    ERR_clear_error();
    if ((chunk = sc__malloc(CHUNK, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    if ((md = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex(md, alg, NULL)) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "digest failed");
        goto out;
    }
    if ((rc = stream_entry(pkg, index, chunk, CHUNK, to_digest, md, err)) != 0)
        goto out;
    if (!EVP_DigestFinal_ex(md, out, &olen))
        rc = sc__err_openssl(err, SC_ECRYPTO, "digest failed");
    else
        *out_len = olen;
out:
    EVP_MD_CTX_free(md);
    free(chunk);
    return rc;
}

int sc_ofd_pkg_sm3(sc_ofd_pkg *pkg, size_t index, uint8_t out[32], sc_err *err)
{
    size_t len;
    int rc = sc__ofd_pkg_digest(pkg, index, sc_sm3_md(), out, 32, &len, err);

    if (rc == 0 && len != 32)
        rc = sc_err_set(err, SC_ECRYPTO, "SM3 digest failed (%zu bytes)", len);
    return rc;
}

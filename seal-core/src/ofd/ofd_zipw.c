/* ofd_zipw.c: the streaming zip writer for OFD packages (ofd_zipw.h; PKWARE APPNOTE 6.3
 * §4.3: local headers, central directory, end record; no ZIP64, no data descriptors).
 * Not here: reading packages (ofd_pkg.c, libzip), what the entries mean (ofd_doc.c,
 * ofd_stamp.c).
 *
 * Every entry's sizes and CRC are known before its local header goes out: sc__zipw_add has
 * the bytes in memory (deflated into a buffer first), sc__zipw_copy takes them from the
 * source's central directory. So the output is one forward pass to the sink, and the same
 * input gives the same bytes: a fixed DOS time (1980-01-01 00:00), fixed attributes (Unix
 * 0644 files, 0755 directories), no extra fields, no comments. The limits are the reader's
 * (a package we write must open with sc_ofd_pkg_open_*) plus the 32-bit fields of a zip. */
#include "ofd/ofd_zipw.h"
#include "sc_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <zip.h>

#define LFH_LEN 30u                /* local file header, fixed part */
#define CDH_LEN 46u                /* central directory header, fixed part */
#define EOCD_LEN 22u
#define ZIP32_MAX 0xFFFFFFFFull
#define COPY_CHUNK (64u * 1024)
#define DOS_TIME 0x0000u           /* 00:00:00 */
#define DOS_DATE 0x0021u           /* 1980-01-01: the earliest DOS date, as reproducible zips */
#define FLAG_UTF8 0x0800u          /* general purpose bit 11: name is UTF-8 */
#define MADE_BY 0x031Eu            /* Unix, zip spec 3.0 */
#define ATTR_FILE (0100644u << 16)
#define ATTR_DIR ((040755u << 16) | 0x10u)

typedef struct zent {
    char *name;
    size_t name_len;
    uint16_t flags, method;
    uint32_t crc, comp_size, size, offset;
} zent;

struct sc__zipw {
    sc_ofd_sink sink;
    void *ctx;
    sc__ofd_limits lim;
    uint64_t max_offset;
    uint64_t off;           /* bytes given to the sink so far */
    uint64_t total;         /* uncompressed bytes of all entries */
    zent *ents;
    size_t count, cap;
    size_t *hash;           /* open addressing over ents: index + 1, 0 = empty */
    size_t hash_cap;        /* power of two, > 2 * count */
    int broken, finished;
    struct libdeflate_compressor *dc;   /* for every entry at level; NULL until the first */
    int level;              /* deflate level, 1..9 (libdeflate takes zlib's scale) */
    size_t min_deflate;     /* entries shorter than this are stored */
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v);
    put16(p + 2, v >> 16);
}

/* Every byte goes through here: a sink failure breaks the writer. */
static int emit(sc__zipw *w, const uint8_t *p, size_t n, sc_err *err)
{
    int rc;

    if (n == 0)
        return 0;
    if ((rc = w->sink(w->ctx, p, n, err)) != 0) {
        w->broken = 1;
        if (rc > 0)
            rc = SC_EIO;
        return sc_err_set(err, rc, "zip writer: the output refused %zu bytes at offset %llu",
                          n, (unsigned long long)w->off);
    }
    w->off += n;
    return 0;
}

static int usable(const sc__zipw *w, sc_err *err)
{
    if (w->finished)
        return sc_err_set(err, SC_EINVAL, "zip writer: already finished");
    if (w->broken)
        return sc_err_set(err, SC_EINVAL, "zip writer: an earlier write failed; the output is "
                          "incomplete");
    return 0;
}

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */

    while (*s != '\0')
        h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

/* Slot of name in the table: its entry's (value != 0) or the empty one to fill. */
static size_t *hash_slot(const sc__zipw *w, const char *name)
{
    size_t mask = w->hash_cap - 1, i = (size_t)hash_name(name) & mask;

    while (w->hash[i] != 0 && strcmp(w->ents[w->hash[i] - 1].name, name) != 0)
        i = (i + 1) & mask;
    return &w->hash[i];
}

static int hash_grow(sc__zipw *w, sc_err *err)
{
    size_t ncap = w->hash_cap ? w->hash_cap * 2 : 64, *old = w->hash;

    if ((w->hash = calloc(ncap, sizeof(*w->hash))) == NULL) {
        w->hash = old;
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    w->hash_cap = ncap;
    for (size_t i = 0; i < w->count; i++)
        *hash_slot(w, w->ents[i].name) = i + 1;
    free(old);
    return 0;
}

/* 1 when s has bytes above 0x7F and all of it is well-formed UTF-8; 0 otherwise. */
static int utf8_non_ascii(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 0x80)
            return sc__utf8_ok(s, n);
    return 0;
}

/* The reader's name rules (ofd_pkg.c check_name, check_raw_names, duplicates) and limits,
 * checked before anything of the entry is written. */
static int check_entry(sc__zipw *w, const char *name, uint64_t size, uint64_t comp_size,
                       sc_err *err)
{
    size_t nlen = strlen(name);
    uint64_t need;

    if (nlen == 0)
        return sc_err_set(err, SC_EINVAL, "zip entry: empty name");
    if (nlen > w->lim.max_name)
        return sc_err_set(err, SC_ELIMIT, "zip entry \"%.200s\": name of %zu bytes, more than "
                          "the %zu allowed", name, nlen, w->lim.max_name);
    if (name[0] == '/')
        return sc_err_set(err, SC_EINVAL, "zip entry \"%.200s\": absolute name", name);
    if (strchr(name, '\\') != NULL)
        return sc_err_set(err, SC_EINVAL, "zip entry \"%.200s\": backslash in name", name);
    for (const char *seg = name;;) {
        const char *slash = strchr(seg, '/');
        size_t n = slash != NULL ? (size_t)(slash - seg) : strlen(seg);
        if (n == 2 && seg[0] == '.' && seg[1] == '.')
            return sc_err_set(err, SC_EINVAL, "zip entry \"%.200s\": \"..\" in name", name);
        if (slash == NULL)
            break;
        seg = slash + 1;
    }
    if (w->count > 0 && *hash_slot(w, name) != 0)
        return sc_err_set(err, SC_EINVAL, "zip entry \"%.200s\": name already written", name);
    if (w->count >= w->lim.max_entries)
        return sc_err_set(err, SC_ELIMIT, "zip entry \"%.200s\": more than %llu entries", name,
                          (unsigned long long)w->lim.max_entries);
    if (size > w->lim.max_entry)
        return sc_err_set(err, SC_ELIMIT, "zip entry \"%.200s\": %llu bytes, more than the %llu "
                          "allowed", name, (unsigned long long)size,
                          (unsigned long long)w->lim.max_entry);
    if (size > w->lim.max_total - w->total)   /* total <= max_total always */
        return sc_err_set(err, SC_ELIMIT, "zip entry \"%.200s\": all entries would exceed %llu "
                          "bytes uncompressed", name, (unsigned long long)w->lim.max_total);
    need = w->off + LFH_LEN + nlen;           /* off <= max_offset, nlen <= max_name */
    if (size > w->max_offset || need > w->max_offset || comp_size > w->max_offset - need)
        return sc_err_set(err, SC_ELIMIT, "zip entry \"%.200s\": the package would pass %llu "
                          "bytes (no ZIP64)", name, (unsigned long long)w->max_offset);
    return 0;
}

/* Record the entry and write its local header; the data follows from the caller. */
static int begin_entry(sc__zipw *w, const char *name, uint16_t method, uint32_t crc,
                       uint64_t comp_size, uint64_t size, sc_err *err)
{
    size_t nlen = strlen(name);
    uint8_t h[LFH_LEN];
    zent *e;
    int rc;

    if (w->count == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 16;
        zent *ne = realloc(w->ents, ncap * sizeof(*ne));
        if (ne == NULL)
            return sc_err_set(err, SC_ENOMEM, "out of memory");
        w->ents = ne;
        w->cap = ncap;
    }
    if (2 * (w->count + 1) >= w->hash_cap && (rc = hash_grow(w, err)) != 0)
        return rc;
    e = &w->ents[w->count];
    if ((e->name = sc__memdup(name, nlen + 1, err)) == NULL)
        return SC_ENOMEM;
    e->name_len = nlen;
    e->flags = utf8_non_ascii((const uint8_t *)name, nlen) ? FLAG_UTF8 : 0;
    e->method = method;
    e->crc = crc;
    e->comp_size = (uint32_t)comp_size;    /* check_entry: <= max_offset <= 0xFFFFFFFF */
    e->size = (uint32_t)size;
    e->offset = (uint32_t)w->off;
    *hash_slot(w, e->name) = w->count + 1;
    w->count++;
    w->total += size;

    put32(h, 0x04034b50u);
    put16(h + 4, method == 8 ? 20 : 10);   /* version needed: 2.0 deflate, 1.0 stored */
    put16(h + 6, e->flags);
    put16(h + 8, method);
    put16(h + 10, DOS_TIME);
    put16(h + 12, DOS_DATE);
    put32(h + 14, crc);
    put32(h + 18, e->comp_size);
    put32(h + 22, e->size);
    put16(h + 26, (uint32_t)nlen);
    put16(h + 28, 0);
    if ((rc = emit(w, h, LFH_LEN, err)) != 0 || (rc = emit(w, (const uint8_t *)name, nlen, err)))
        return rc;
    return 0;
}

static uint32_t crc_of(const uint8_t *p, size_t n)
{
    return libdeflate_crc32(0, p, n);
}

/* Raw deflate (no zlib header: zip method 8) of all of p into a new buffer, with libdeflate:
 * whole buffers are all this writer deflates, and for them it is twice zlib's speed at
 * level 1 with output ~9% smaller (a licence's 14 KB page: ~45 us instead of 90-130 us, a
 * tenth of issuing the licence). The compressor is the writer's, made at the first entry
 * and again when the level changes; the same input gives the same bytes. */
static int deflate_all(sc__zipw *w, const uint8_t *p, size_t n, uint8_t **out, size_t *out_len,
                       sc_err *err)
{
    uint8_t *buf;
    size_t cap, len;

    *out = NULL;
    if (w->dc == NULL && (w->dc = libdeflate_alloc_compressor(w->level)) == NULL)
        return sc_err_set(err, SC_ENOMEM, "deflate: out of memory");
    cap = libdeflate_deflate_compress_bound(w->dc, n);
    if ((buf = sc__malloc(cap, err)) == NULL)
        return SC_ENOMEM;
    if ((len = libdeflate_deflate_compress(w->dc, p, n, buf, cap)) == 0) {
        free(buf);                      /* cannot happen with cap the bound */
        return sc_err_set(err, SC_ENOMEM, "deflate: %zu bytes did not fit their bound", n);
    }
    *out_len = len;
    *out = buf;
    return 0;
}

int sc__zipw_new_limits(sc__zipw **out, sc_ofd_sink sink, void *ctx, const sc__ofd_limits *lim,
                        uint64_t max_offset, sc_err *err)
{
    sc__zipw *w;

    *out = NULL;
    if (sink == NULL)
        return sc_err_set(err, SC_EINVAL, "zip writer: no sink");
    if ((w = calloc(1, sizeof(*w))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    w->sink = sink;
    w->ctx = ctx;
    w->lim = *lim;
    if (w->lim.max_entries > 0xFFFFu)     /* the end record counts entries in 16 bits */
        w->lim.max_entries = 0xFFFFu;
    w->max_offset = max_offset < ZIP32_MAX ? max_offset : ZIP32_MAX;
    w->level = 6;
    *out = w;
    return 0;
}

int sc__zipw_new(sc__zipw **out, sc_ofd_sink sink, void *ctx, sc_err *err)
{
    return sc__zipw_new_limits(out, sink, ctx, &sc__ofd_default_limits, ZIP32_MAX, err);
}

void sc__zipw_free(sc__zipw *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->count; i++)
        free(w->ents[i].name);
    free(w->ents);
    free(w->hash);
    libdeflate_free_compressor(w->dc);
    free(w);
}

int sc__zipw_set_deflate(sc__zipw *w, int level, size_t min_len, sc_err *err)
{
    if (level < 1 || level > 9)
        return sc_err_set(err, SC_EINVAL, "zip writer: deflate level %d is not 1..9", level);
    if (w->dc != NULL && level != w->level) {  /* the next entry gets one at level */
        libdeflate_free_compressor(w->dc);
        w->dc = NULL;
    }
    w->level = level;
    w->min_deflate = min_len;
    return 0;
}

int sc__zipw_add(sc__zipw *w, const char *name, const uint8_t *data, size_t len, int deflate,
                 sc_err *err)
{
    uint8_t *z = NULL;
    size_t body_len = len;
    int rc;

    if ((rc = usable(w, err)) != 0)
        return rc;
    if (data == NULL && len > 0)
        return sc_err_set(err, SC_EINVAL, "zip entry \"%.200s\": NULL data", name);
    if (len < w->min_deflate)
        deflate = 0;
    /* Sizes first without compressing: a refused entry costs nothing. */
    if ((rc = check_entry(w, name, len, deflate ? 0 : len, err)) != 0)
        goto out;
    if (deflate && (rc = deflate_all(w, data, len, &z, &body_len, err)) != 0)
        goto out;
    if (deflate && (rc = check_entry(w, name, len, body_len, err)) != 0)
        goto out;
    if ((rc = begin_entry(w, name, deflate ? 8 : 0, len > 0 ? crc_of(data, len) : 0, body_len,
                          len, err)) == 0)
        rc = emit(w, deflate ? z : data, body_len, err);
out:
    free(z);
    return rc;
}

int sc__zipw_copy(sc__zipw *w, sc_ofd_pkg *pkg, size_t index, sc_err *err)
{
    const char *name = sc_ofd_pkg_name(pkg, index);
    struct zip_file *zf = NULL;
    sc__ofd_raw_stat st;
    uint8_t *chunk = NULL;
    uint64_t got = 0;
    int rc;

    if ((rc = usable(w, err)) != 0)
        return rc;
    if ((rc = sc__ofd_pkg_raw_open(pkg, index, &st, &zf, err)) != 0)
        goto out;
    if (st.method != 0 && st.method != 8) {
        rc = sc_err_set(err, SC_EUNSUPPORTED, "OFD entry \"%.200s\": compression method %u (only "
                        "stored and deflate are copied)", name, (unsigned)st.method);
        goto out;
    }
    if (st.method == 0 && st.comp_size != st.size) {
        rc = sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": stored, but %llu bytes stored "
                        "for %llu", name, (unsigned long long)st.comp_size,
                        (unsigned long long)st.size);
        goto out;
    }
    if ((rc = check_entry(w, name, st.size, st.comp_size, err)) != 0)
        goto out;
    if ((chunk = sc__malloc(COPY_CHUNK, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    if ((rc = begin_entry(w, name, st.method, st.crc, st.comp_size, st.size, err)) != 0)
        goto out;
    for (;;) {
        zip_int64_t n = zip_fread(zf, chunk, COPY_CHUNK);
        if (n < 0 || (uint64_t)n > st.comp_size - got) {
            w->broken = 1;   /* the local header is out: the entry cannot be completed */
            rc = n < 0 ? sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": damaged (libzip: "
                                    "%s)", name, zip_file_strerror(zf))
                       : sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": more than the %llu "
                                    "stored bytes declared", name,
                                    (unsigned long long)st.comp_size);
            goto out;
        }
        if (n == 0)
            break;
        if ((rc = emit(w, chunk, (size_t)n, err)) != 0)
            goto out;
        got += (uint64_t)n;
    }
    if (got != st.comp_size) {
        w->broken = 1;
        rc = sc_err_set(err, SC_EFORMAT, "OFD entry \"%.200s\": %llu stored bytes, fewer than the "
                        "%llu declared", name, (unsigned long long)got,
                        (unsigned long long)st.comp_size);
    }
out:
    if (zf != NULL)
        zip_fclose(zf);
    free(chunk);
    if (rc != 0)
        sc_err_prefix(err, "zip writer: copy");
    return rc;
}

int sc__zipw_finish(sc__zipw *w, sc_err *err)
{
    uint64_t cd_off = w->off, cd_size = 0;
    uint8_t h[CDH_LEN];
    int rc;

    if ((rc = usable(w, err)) != 0)
        return rc;
    for (size_t i = 0; i < w->count; i++)
        cd_size += CDH_LEN + w->ents[i].name_len;   /* count <= 0xFFFF, names <= max_name */
    if (cd_off > w->max_offset || cd_size > w->max_offset - cd_off ||
        EOCD_LEN > w->max_offset - cd_off - cd_size)
        return sc_err_set(err, SC_ELIMIT, "zip writer: the central directory would pass %llu "
                          "bytes (no ZIP64)", (unsigned long long)w->max_offset);
    for (size_t i = 0; i < w->count; i++) {
        const zent *e = &w->ents[i];
        int dir = e->name_len > 0 && e->name[e->name_len - 1] == '/';
        put32(h, 0x02014b50u);
        put16(h + 4, MADE_BY);
        put16(h + 6, e->method == 8 ? 20 : 10);
        put16(h + 8, e->flags);
        put16(h + 10, e->method);
        put16(h + 12, DOS_TIME);
        put16(h + 14, DOS_DATE);
        put32(h + 16, e->crc);
        put32(h + 20, e->comp_size);
        put32(h + 24, e->size);
        put16(h + 28, (uint32_t)e->name_len);
        put16(h + 30, 0);                 /* extra */
        put16(h + 32, 0);                 /* comment */
        put16(h + 34, 0);                 /* disk */
        put16(h + 36, 0);                 /* internal attributes */
        put32(h + 38, dir ? ATTR_DIR : ATTR_FILE);
        put32(h + 42, e->offset);
        if ((rc = emit(w, h, CDH_LEN, err)) != 0 ||
            (rc = emit(w, (const uint8_t *)e->name, e->name_len, err)) != 0)
            return rc;
    }
    put32(h, 0x06054b50u);
    put16(h + 4, 0);
    put16(h + 6, 0);
    put16(h + 8, (uint32_t)w->count);
    put16(h + 10, (uint32_t)w->count);
    put32(h + 12, (uint32_t)cd_size);
    put32(h + 16, (uint32_t)cd_off);
    put16(h + 20, 0);
    if ((rc = emit(w, h, EOCD_LEN, err)) != 0)
        return rc;
    w->finished = 1;
    return 0;
}

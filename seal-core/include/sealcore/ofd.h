/* sealcore/ofd.h: OFD (GB/T 33190-2016) packages: the zip container, read with limits.
 *
 * A package is opened from a memory buffer or from an already-open file descriptor; seal-core
 * never opens a path. Entries are read whole (with a maximum) or hashed in 64 KiB chunks, so
 * a 200 MB package can be verified in a few MiB. Every limit below is checked on the central
 * directory when opening and again on the bytes that actually come out while reading: a
 * declared size is never trusted alone (zip bombs). Bytes before the zip or after its end
 * record (some vendors write them) are tolerated and reported.
 *
 * Threads: a package is one thread's object. sc_ofd_pkg_read() and sc_ofd_pkg_sm3() move the
 * underlying zip reader, so they take a non-const package; the const calls (count, name,
 * find, extra bytes) may run concurrently with each other. */
#ifndef SEALCORE_OFD_H
#define SEALCORE_OFD_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"

#define SC_OFD_MAX_ENTRIES 10000u                        /* entries in one package */
#define SC_OFD_MAX_ENTRY (256ull * 1024 * 1024)          /* one entry, uncompressed bytes */
#define SC_OFD_MAX_TOTAL (2ull * 1024 * 1024 * 1024)     /* all entries, uncompressed bytes */
#define SC_OFD_MAX_NAME 1024u                            /* bytes in one entry name */
#define SC_OFD_MAX_XML (16u * 1024 * 1024)               /* one XML document, bytes */
#define SC_OFD_MAX_XML_DEPTH 128u                        /* element nesting in one XML document */

typedef struct sc_ofd_pkg sc_ofd_pkg;

/** Where written packages go: called with every output byte in order, never seeking.
 *  Return 0, or a negative SC_E* code (with err filled) to stop the writer. */
typedef int (*sc_ofd_sink)(void *ctx, const uint8_t *p, size_t n, sc_err *err);

/** Open a package held in memory.
 *  @param[out] out  new package, free with sc_ofd_pkg_free(); NULL on failure
 *  @param buf       the whole file; NOT copied: the caller keeps it alive and unchanged
 *                   until sc_ofd_pkg_free()
 *  @return 0, SC_EFORMAT (not a zip, damaged, a refused name: "..", leading "/", backslash,
 *          NUL, duplicate), SC_ELIMIT (a SC_OFD_MAX_* exceeded) or SC_ENOMEM; err names the
 *          entry at fault */
SC_API int sc_ofd_pkg_open_mem(sc_ofd_pkg **out, const uint8_t *buf, size_t len, sc_err *err);

/** Open a package from a regular file open for reading. The descriptor stays the caller's:
 *  it is read with pread() (its offset is not moved), must stay open until
 *  sc_ofd_pkg_free(), and is never closed by seal-core. The file must not change meanwhile.
 *  @return as sc_ofd_pkg_open_mem(), plus SC_EINVAL (not a regular file) and SC_EIO */
SC_API int sc_ofd_pkg_open_fd(sc_ofd_pkg **out, int fd, sc_err *err);

SC_API void sc_ofd_pkg_free(sc_ofd_pkg *pkg);   /* NULL is a no-op; does not close the fd */

/** Bytes found before the zip's first byte and after its end record (0 for a clean file). */
SC_API void sc_ofd_pkg_get_extra_bytes(const sc_ofd_pkg *pkg, uint64_t *before, uint64_t *after);

/** Number of entries (directory entries included). */
SC_API size_t sc_ofd_pkg_count(const sc_ofd_pkg *pkg);

/** Name of entry i as stored ("Doc_0/Document.xml": no leading "/"); borrowed, valid until
 *  sc_ofd_pkg_free(); NULL when i >= count. */
SC_API const char *sc_ofd_pkg_name(const sc_ofd_pkg *pkg, size_t i);

/** Declared uncompressed size of entry i (checked against the limits on open); 0 when
 *  i >= count. */
SC_API uint64_t sc_ofd_pkg_size(const sc_ofd_pkg *pkg, size_t i);

/** Resolve an ST_Loc to a package entry name. loc starting with "/" is absolute; otherwise it
 *  is relative to base_dir (a directory, with or without leading or trailing "/"; NULL or ""
 *  is the root). "." and empty segments are dropped, ".." goes up one directory.
 *  @param out  receives the name without a leading "/", NUL-terminated
 *  @return 0, SC_EFORMAT (empty, backslash, ".." above the package root) or SC_ELIMIT
 *          (longer than outlen - 1 or SC_OFD_MAX_NAME) */
SC_API int sc_ofd_path_resolve(const char *base_dir, const char *loc, char *out, size_t outlen,
                               sc_err *err);

/** Find the entry an ST_Loc names (resolved as sc_ofd_path_resolve()); exact, case-sensitive.
 *  @return 0 with *index set, SC_ENOTFOUND, or a resolve error */
SC_API int sc_ofd_pkg_find(const sc_ofd_pkg *pkg, const char *base_dir, const char *loc,
                           size_t *index, sc_err *err);

/** Read entry index whole.
 *  @param max        refuse (SC_ELIMIT) an entry larger than this many bytes
 *  @param[out] buf   new buffer, free(); one extra NUL byte after len; NULL on failure
 *  @return 0, SC_EINVAL (index), SC_ELIMIT, SC_EFORMAT (data longer or shorter than declared,
 *          CRC mismatch, damaged) or SC_ENOMEM */
SC_API int sc_ofd_pkg_read(sc_ofd_pkg *pkg, size_t index, size_t max, uint8_t **buf,
                           size_t *len, sc_err *err);

/** SM3 of entry index's uncompressed bytes, read in 64 KiB chunks (the entry is never held in
 *  memory whole). @return 0, SC_EINVAL, SC_EFORMAT as sc_ofd_pkg_read(), SC_ECRYPTO, SC_ENOMEM */
SC_API int sc_ofd_pkg_sm3(sc_ofd_pkg *pkg, size_t index, uint8_t out[32], sc_err *err);

#endif

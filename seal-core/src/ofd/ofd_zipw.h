/* ofd_zipw.h: a streaming zip writer for OFD packages (internal).
 *
 * Why our own writer rather than libzip's: the output must stream to any sink (a file for
 * sealctl, memory or a socket for the server) without a temporary copy, entries an earlier
 * signature protects are copied as their raw compressed bytes (never re-encoded), and the same
 * input must give the same bytes (fixed DOS time, fixed attributes) so tests compare outputs.
 * Reading stays libzip's (ofd_pkg.c).
 *
 * Output: local header + data per entry (sizes and CRC known up front: no data descriptors),
 * then the central directory and the end record. No ZIP64: the writer refuses (SC_ELIMIT)
 * once an offset or size would pass 0xFFFFFFFF, or past SC_OFD_MAX_ENTRIES entries. Names are
 * checked as the reader checks them (no "..", no leading "/", no backslash, no duplicates). */
#ifndef SC_OFD_ZIPW_H
#define SC_OFD_ZIPW_H

#include <stddef.h>
#include <stdint.h>

#include "ofd/ofd_int.h"
#include "sealcore/ofd.h"

typedef struct sc__zipw sc__zipw;

/* sink receives every output byte in order; the writer never seeks. */
int sc__zipw_new(sc__zipw **out, sc_ofd_sink sink, void *ctx, sc_err *err);
void sc__zipw_free(sc__zipw *w);   /* NULL no-op; does not finish */

/* As sc__zipw_new with other limits (tests check each at N and N+1): lim as the reader's
 * (entries, one entry's and all entries' uncompressed bytes, name bytes; copied) and
 * max_offset for any offset or size in the zip (0xFFFFFFFF without ZIP64). */
int sc__zipw_new_limits(sc__zipw **out, sc_ofd_sink sink, void *ctx, const sc__ofd_limits *lim,
                        uint64_t max_offset, sc_err *err);

/* A new entry with these bytes (copied through, not kept). deflate: 1 = deflate (libdeflate,
 * the writer's level: 6 unless sc__zipw_set_deflate said otherwise), 0 = stored. */
int sc__zipw_add(sc__zipw *w, const char *name, const uint8_t *data, size_t len, int deflate,
                 sc_err *err);

/* How sc__zipw_add deflates from now on: level (1..9, as zlib's), and entries of fewer than
 * min_len bytes stored even when deflate is asked for. A new writer uses 6 and 0, and the
 * bytes of its output for given entries never change (tests compare them). Level 1 and
 * 4 KiB are for outputs made in bulk from small generated XML (sc__ofd_sign_doc): a
 * licence's 14 KB page deflates in ~45 us at level 1, and a part of 2 KiB would save little
 * for a fixed cost per deflated entry (measured with zlib: ~20 us). @return 0 or SC_EINVAL */
int sc__zipw_set_deflate(sc__zipw *w, int level, size_t min_len, sc_err *err);

/* Copy entry index of pkg under the same name, as its raw compressed bytes, with the CRC,
 * sizes and method it had (streamed in chunks; never decompressed). Refuses encrypted
 * entries and methods other than stored/deflate (SC_EUNSUPPORTED). */
int sc__zipw_copy(sc__zipw *w, sc_ofd_pkg *pkg, size_t index, sc_err *err);

/* Failures: a refusal found before any byte of the entry went out (name, limits, method)
 * leaves the writer usable; once a sink or compression failure cut an entry short, every
 * later call fails (SC_EINVAL) and the output so far must be discarded. Names with bytes
 * above 0x7F that are valid UTF-8 get the zip UTF-8 flag (bit 11), as do their copies. */

/* Write the central directory and end record; after this only sc__zipw_free. */
int sc__zipw_finish(sc__zipw *w, sc_err *err);

#endif

/* ofd_int.h: internals shared by the ofd module (package reader, XML, and later the signer
 * and verifier). Not exported. */
#ifndef SC_OFD_INT_H
#define SC_OFD_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>
#include <openssl/types.h>

#include "sealcore/ofd.h"

/* The package limits; the public functions use SC_OFD_MAX_*; tests pass small ones to check
 * each limit at N and N+1 without building gigabyte files. */
typedef struct sc__ofd_limits {
    uint64_t max_entries;
    uint64_t max_entry;     /* uncompressed bytes of one entry */
    uint64_t max_total;     /* uncompressed bytes of all entries */
    size_t max_name;
} sc__ofd_limits;

extern const sc__ofd_limits sc__ofd_default_limits;

/* sc_ofd_pkg_open_mem / _fd with explicit limits (lim copied). fd < 0: use buf. */
int sc__ofd_pkg_open_limits(sc_ofd_pkg **out, const uint8_t *buf, size_t len, int fd,
                            const sc__ofd_limits *lim, sc_err *err);

/* Parse one XML document from memory (libxml2, per-call parser context, nothing printed).
 * Refuses: more than SC_OFD_MAX_XML bytes or nesting deeper than SC_OFD_MAX_XML_DEPTH
 * (SC_ELIMIT); a DTD that declares entities or names an external subset (SC_EFORMAT, checked
 * while parsing, before anything could be expanded); malformed XML (SC_EFORMAT with libxml2's
 * message and line). name is only used in messages ("Doc_0/Document.xml").
 * @param[out] out new document, free with xmlFreeDoc(); NULL on failure */
int sc__ofd_xml_parse(const uint8_t *buf, size_t len, const char *name, xmlDoc **out,
                      sc_err *err);

/* As sc__ofd_xml_parse with another depth limit (tests). */
int sc__ofd_xml_parse_depth(const uint8_t *buf, size_t len, const char *name, unsigned depth,
                            xmlDoc **out, sc_err *err);

/* Element n is named name (local name; OFD's namespace prefix ignored). */
int sc__ofd_is(const xmlNode *n, const char *name);
/* The first child element of n named name; NULL when none (or n is NULL). */
xmlNode *sc__ofd_child(const xmlNode *n, const char *name);
/* An attribute's value in place (namespace ignored, as OFD attributes are unqualified);
 * NULL when absent. A value libxml2 kept as several nodes (entity references) is returned as
 * "&", which no reader of numbers or paths accepts. */
const char *sc__ofd_attr(const xmlNode *n, const char *name);
/* n's text content with leading and trailing XML whitespace removed, new (free()); NULL
 * with err on ENOMEM. An element without text gives "". */
char *sc__ofd_text(const xmlNode *n, sc_err *err);

/* Digest alg (MD5, SHA-1, SHA-256, SM3, …) of entry index's uncompressed bytes, streamed in
 * 64 KiB chunks as sc_ofd_pkg_sm3() (which is this with SM3): never holds the entry whole.
 * @param out      at least EVP_MD_get_size(alg) <= out_max bytes; *out_len gets the size
 * @return 0, SC_EINVAL (index, alg), SC_EFORMAT (damaged, CRC, sizes), SC_ECRYPTO, SC_ENOMEM */
int sc__ofd_pkg_digest(sc_ofd_pkg *pkg, size_t index, const EVP_MD *alg, uint8_t *out,
                       size_t out_max, size_t *out_len, sc_err *err);

/* The raw stored form of one entry, for the zip writer's raw copy (ofd_zipw.c). */
typedef struct sc__ofd_raw_stat {
    uint16_t method;        /* zip compression method as stored (0 stored, 8 deflate, ...) */
    uint32_t crc;           /* CRC-32 of the uncompressed bytes */
    uint64_t comp_size;     /* bytes of stored (compressed) data */
    uint64_t size;          /* uncompressed bytes */
    int encrypted;          /* 1 when the entry is encrypted */
} sc__ofd_raw_stat;

struct zip_file;

/* Open entry index for reading its stored bytes as they are (libzip ZIP_FL_COMPRESSED: never
 * decompressed or decrypted). *zf is new: read with zip_fread, close with zip_fclose.
 * @return 0, SC_EINVAL (index), SC_EUNSUPPORTED (encrypted; *st is filled), SC_EFORMAT
 *         (stat incomplete, cannot open) */
int sc__ofd_pkg_raw_open(sc_ofd_pkg *pkg, size_t index, sc__ofd_raw_stat *st,
                         struct zip_file **zf, sc_err *err);

#endif

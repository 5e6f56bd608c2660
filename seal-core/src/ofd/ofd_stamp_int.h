/* ofd_stamp_int.h: what the stamper's three files share (internal): ofd_stamp.c runs the
 * signing (sealcore/ofd_sign.h, and sc__ofd_sign_doc of ofd_doc_sign.h), ofd_stamp_pos.c
 * places the seal on pages, ofd_stamp_xml.c edits OFD.xml / Signatures.xml in place and
 * writes Signature.xml. Not exported. */
#ifndef SC_OFD_STAMP_INT_H
#define SC_OFD_STAMP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ofd/ofd_doc_sign.h"
#include "ofd/ofd_model.h"
#include "sealcore/ofd_sign.h"

/* What is stamped: a package (sc_ofd_sign), or a document's parts in memory, uncompressed
 * (sc__ofd_sign_doc). Entry i is the package's entry i or parts[i]. */
typedef struct sc__ofd_src {
    sc_ofd_pkg *pkg;                /* NULL: parts */
    const sc__ofd_part *parts;
    size_t nparts;
} sc__ofd_src;

size_t sc__ofd_src_count(const sc__ofd_src *s);
const char *sc__ofd_src_name(const sc__ofd_src *s, size_t i);
/* The entry an ST_Loc names, as sc_ofd_pkg_find. @return 0, SC_ENOTFOUND, resolve errors */
int sc__ofd_src_find(const sc__ofd_src *s, const char *loc, size_t *ix, sc_err *err);
/* Entry i whole, at most SC_OFD_MAX_XML bytes, as sc_ofd_pkg_read (a part is copied).
 * @param[out] buf new, free(); NUL after len */
int sc__ofd_src_read(const sc__ofd_src *s, size_t i, uint8_t **buf, size_t *len, sc_err *err);

/* One StampAnnot to write. */
typedef struct sc__ofd_stamp {
    uint64_t id;            /* StampAnnot@ID (given by ofd_stamp.c) */
    uint64_t page_id;       /* PageRef */
    size_t page_no;         /* 1-based page number, for messages */
    double box[4];          /* Boundary: x y w h, page mm */
    int has_clip;
    double clip[4];         /* Clip: x y w h relative to the Boundary */
} sc__ofd_stamp;

/* Where p says the seal goes, as new stamps (ids 0) in page order; w, h: the seal's size.
 * @param[out] out new array, free(); NULL on failure
 * @return 0, SC_EINVAL, SC_ENOTFOUND, SC_EFORMAT, SC_ELIMIT, SC_ENOMEM (see ofd_sign.h) */
int sc__ofd_stamp_place(const sc__ofd_src *src, const sc__ofd_model *m, const sc_ofd_sign_params *p,
                        double w, double h, sc__ofd_stamp **out, size_t *n, sc_err *err);

/* OFD.xml with <P:Signatures>loc</P:Signatures> inserted before the first DocBody's end tag
 * (P: the prefix DocBody is written with); every other byte kept. With reread, the result
 * is parsed again and must name loc: any package's OFD.xml can hold a construct the tag
 * scanner misreads. Without it (OFD.xml as ofd_doc_xml.c wrote it, which the scanner knows)
 * that parse, 2% of issuing a licence, is skipped. @param[out] out new buffer, free()
 * @return 0, SC_EFORMAT (no DocBody end tag found, or the result does not read back),
 *         SC_ELIMIT, SC_ENOMEM */
int sc__ofd_xml_add_sigs_ptr(const uint8_t *xml, size_t len, const char *loc, int reread,
                             uint8_t **out, size_t *outlen, sc_err *err);

/* An existing Signatures.xml with MaxSignId set to max_id (replaced in place, or inserted as
 * the root's first child) and <P:Signature ID= Type="Seal" BaseLoc=/> appended as the root's
 * last child; every other byte kept; checked by parsing the result.
 * @return as sc__ofd_xml_add_sigs_ptr with reread */
int sc__ofd_xml_add_sig(const uint8_t *xml, size_t len, uint64_t id, const char *base_loc,
                        uint64_t max_id, uint8_t **out, size_t *outlen, sc_err *err);

/* A new Signatures.xml with MaxSignId and one Signature. @return 0, SC_ENOMEM */
int sc__ofd_xml_new_sigs(uint64_t id, const char *base_loc, uint64_t max_id, uint8_t **out,
                         size_t *outlen, sc_err *err);

/* One Reference: the entry (without "/") and SM3 of its bytes. */
typedef struct sc__ofd_newref {
    const char *entry;
    uint8_t sm3[32];
} sc__ofd_newref;

/* Everything Signature.xml says; locations absolute ("/Doc_0/..."). */
typedef struct sc__ofd_sigxml {
    const char *provider, *version, *company;
    const char *date_time;
    const sc__ofd_newref *refs;
    size_t nrefs;
    const sc__ofd_stamp *stamps;
    size_t nstamps;
    const char *seal_loc, *value_loc;
} sc__ofd_sigxml;

/* Signature.xml bytes (XSD order, UTF-8, one line after the declaration). Every string in s
 * is checked with sc__ofd_xml_name_ok first.
 * @return 0, SC_EUNSUPPORTED (a string XML cannot carry), SC_ELIMIT (over SC_OFD_MAX_XML),
 *         SC_ENOMEM */
int sc__ofd_sigxml_build(const sc__ofd_sigxml *s, uint8_t **out, size_t *outlen, sc_err *err);

/* 0 when s can stand in an XML attribute or element (UTF-8 as RFC 3629 has it, XML 1.0
 * characters only, none below U+0020 and no DEL), else SC_EUNSUPPORTED quoting it. */
int sc__ofd_xml_name_ok(const char *name, sc_err *err);

#endif

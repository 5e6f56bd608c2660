/* sealcore/license_file.h: e-licence files (spec/license-file.md): issuing one from a template
 * and a data row (sc_lic_issue*), and reading one back (sc_lic_read*).
 *
 * Issuing draws the face (fields as searchable text, captions, static texts, the 2-D code),
 * writes the metadata both as DocInfo CustomDatas and as a signed tag file linking every
 * element to the page objects that show it, and stamps the issuer's seal at the template's
 * position — one OFD, written to a sink. Reading finds the metadata and the tag file and checks
 * them against each other and against the page (the verifier's `license` check).
 *
 * Threads: a template and the seal/key are read-only during sc_lic_issue; several issues may
 * run at once with the same ones. */
#ifndef SEALCORE_LICENSE_FILE_H
#define SEALCORE_LICENSE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/key.h"
#include "sealcore/license.h"
#include "sealcore/ofd.h"
#include "sealcore/ses.h"

/* A file the template names (Background@src, fontFile): given by the caller, borrowed. */
typedef struct sc_lic_file {
    const char *name;             /* as the template spells it */
    const uint8_t *data;
    size_t len;
} sc_lic_file;

typedef struct sc_lic_issue_params {
    const sc_lic_template *tmpl;  /* borrowed */
    const sc_lic_kv *row;         /* the data row; checked with sc_lic_row_check first */
    size_t row_len;
    const char *issuer;           /* 证照颁发机构 ZZBFJG (UTF-8) */
    const char *issuer_code;      /* ZZBFJGDM: the identifier's issuer part, [0-9A-Z] */
    const char *serial;           /* 流水号, [0-9A-Z], unique per (type, issuer) */
    unsigned version;             /* 1..SC_LIC_VERSION_MAX */
    const char *area_code;        /* ZZSSGXSD, 6 digits; NULL: absent */
    const char *verify_url;       /* 2-D code payload "<verify_url>?id=<ZZBS>"; NULL: ZZBS */
    int64_t issue_time;           /* seconds since the epoch: the signing time and, without a
                                     ZZBFRQ field, the issue date (UTC+8); 0 = now */
    const sc_lic_file *files;     /* the template's background and font files */
    size_t file_count;
    /* the issuer's seal, as sc_ofd_sign_params (sealcore/ofd_sign.h) */
    const sc_ses_seal *seal;
    const sc_key *key;
    const uint8_t *cert;          /* signer certificate, DER */
    size_t cert_len;
    sc_ses_tsa_fn tsa;            /* optional time-stamp on the seal signature */
    void *tsa_ctx;
} sc_lic_issue_params;

/** Issue one licence: check the row, make the identifier, draw, tag, stamp; write the OFD to
 *  sink (nothing is written when a check fails before the output starts).
 *  @param[out] id  the licence identifier (ZZBS), NUL-terminated; may be NULL
 *  @return 0, SC_EFORMAT (the row: err names the field), SC_EINVAL (params: err names which;
 *          a template file not given), SC_ENOMEM, SC_ECRYPTO, the sink's or the key's code */
SC_API int sc_lic_issue(const sc_lic_issue_params *p, char id[SC_LIC_ID_BUF], sc_ofd_sink sink,
                        void *ctx, sc_err *err);
/** The same into a new buffer (*out, free()). */
SC_API int sc_lic_issue_mem(const sc_lic_issue_params *p, char id[SC_LIC_ID_BUF],
                            uint8_t **out, size_t *len, sc_err *err);

/* ---- reading (sc_lic_read) ------------------------------------------------------------ */

/* Limits of the reader, checked while reading (a hostile package is refused or its licence
 * check fails; nothing larger is held): elements (tag entries plus CustomDatas), ObjectRefs
 * of all entries together, and distinct pages the entries point to (a licence has one). */
#define SC_LIC_READ_MAX_ELEMENTS 256u
#define SC_LIC_READ_MAX_REFS 4096u
#define SC_LIC_READ_MAX_PAGES 8u

typedef struct sc_lic_info sc_lic_info;   /* opaque, immutable once read */

/* One metadata element (spec/license-file.md §2) as the package holds it. Handed out by
 * sc_lic_info_get_element: every pointer is borrowed, valid until sc_lic_info_free(). */
typedef struct sc_lic_element {
    const char *code;      /* ZZMC, CZZT, KZ_FDDBR, ... as named in the tag file or OFD.xml */
    const char *value;     /* the value that counts: the signed tag file's (in_tag), else
                              OFD.xml's CustomData; "" when the entry carries none */
    const char *custom;    /* OFD.xml's CustomData of that name; NULL when absent */
    const char *page;      /* the TextCodes of the page objects the tag entry names,
                              concatenated in its order; NULL when it names none or one of
                              them is no TextObject of its page (sc_lic_info_check says so) */
    int in_tag;            /* 1: an entry of the tag file; 0: only a CustomData */
} sc_lic_element;

/** Read a licence's metadata (spec/license-file.md §3): OFD.xml's DocInfo CustomDatas, and
 *  through Document.xml's CustomTags -> CustomTags.xml -> the TypeID="license" tag file,
 *  every tag entry with the text of the page objects it names. With the XML limits of
 *  sealcore/ofd.h and the SC_LIC_READ_* ones. A tag file (or a page it names) that is
 *  absent or unreadable does not fail the call: the elements come from the CustomDatas and
 *  sc_lic_info_get_problem() says why (the verifier's rule 1).
 *  @param[out] out  new info, free with sc_lic_info_free(); NULL on failure
 *  @param pkg       read (its zip reader moves), not kept
 *  @return 0, SC_ENOTFOUND (not a licence: OFD.xml has no CustomData named ZZBS or
 *          sealpki.license), SC_EFORMAT (OFD.xml or Document.xml unreadable), SC_ELIMIT
 *          (more CustomDatas than SC_LIC_READ_MAX_ELEMENTS), SC_EINVAL, SC_ENOMEM */
SC_API int sc_lic_read(sc_lic_info **out, sc_ofd_pkg *pkg, sc_err *err);
SC_API void sc_lic_info_free(sc_lic_info *info);   /* NULL is a no-op */

/** The identifier (ZZBS) as read, never checked here (sc_lic_info_check); NULL when
 *  absent. Borrowed, as every getter's result, until sc_lic_info_free(). */
SC_API const char *sc_lic_info_get_id(const sc_lic_info *info);
/** The value of element code (the tag file's, else the CustomData's); NULL when absent. */
SC_API const char *sc_lic_info_get(const sc_lic_info *info, const char *code);
/** Elements: the tag file's entries in its order, then CustomDatas of element names
 *  (§2 codes, KZ_*) the tag file lacks. Element i, or NULL when i >= count. */
SC_API size_t sc_lic_info_count(const sc_lic_info *info);
SC_API const sc_lic_element *sc_lic_info_get_element(const sc_lic_info *info, size_t i);
/** Why the signed part could not be read (no CustomTags, no TypeID="license" tag, the tag
 *  file or a page it names missing or not XML, a limit); NULL when it was read. */
SC_API const char *sc_lic_info_get_problem(const sc_lic_info *info);
/** The package entries the signed part was read from: 0 the tag file, then each page
 *  (Content.xml) its entries name; NULL when i >= count (the tag file unknown: none). What
 *  a seal signature must cover for the licence to count as signed. */
SC_API const char *sc_lic_info_get_file(const sc_lic_info *info, size_t i);

/** Rules 2-6 of spec/license-file.md §6, in that order: required elements present, the
 *  identifier well formed with its check character and its type / issuer parts equal to
 *  ZZLXDM / ZZBFJGDM, every CustomData equal to the tag file, every element equal to the
 *  page text its entry names, the dates well formed and in order. Rule 1 (the tag file
 *  read and signed) and rule 7 (status, expiry) are the verifier's (sealcore/verify.h).
 *  @param[out] ok  1 when all hold; 0 with why (n bytes) naming the first problem and the
 *                  element ("metadata ZZBH (证照编号) is missing")
 *  @return 0 (a verdict in *ok) or SC_EINVAL (NULL arguments, n == 0) */
SC_API int sc_lic_info_check(const sc_lic_info *info, int *ok, char *why, size_t n,
                             sc_err *err);

/** The name of element code, for people ("ZZBH" -> "证照编号", "KZ_..." -> "扩展"); NULL
 *  for a name that is no element of §2. Static. */
SC_API const char *sc_lic_element_label(const char *code);

#endif

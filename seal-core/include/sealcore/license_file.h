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

#endif

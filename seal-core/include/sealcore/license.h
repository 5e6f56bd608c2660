/* sealcore/license.h: e-licences (电子证照): the GB/T 36904 licence identifier.
 *
 * An identifier reads 1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>
 * (../shared/spec/e-license.md §2): type, issuer and serial are [0-9A-Z]+, version is three
 * digits 001..999 and the check character is ISO/IEC 7064 MOD 37,36 (hybrid) over
 * type + issuer + serial + version. Every function here is pure: no allocation, no state,
 * safe from any thread. */
#ifndef SEALCORE_LICENSE_H
#define SEALCORE_LICENSE_H

#include <stddef.h>

#include "sealcore/error.h"

/* The root arc every licence identifier starts with (电子证照根代码). */
#define SC_LIC_ROOT "1.2.156.3005.2"
/* Longest type code, issuer code or serial we accept: national type codes have 21
 * characters, issuer codes 18, serials up to 32 (an upper-case UUID) in what we have seen. */
#define SC_LIC_ID_PART_MAX 64
/* Longest identifier: root, three parts, version, check and five dots. */
#define SC_LIC_ID_MAX (sizeof(SC_LIC_ROOT) - 1 + 3 * (1 + SC_LIC_ID_PART_MAX) + 4 + 2)
/* A buffer that holds any identifier with its NUL. */
#define SC_LIC_ID_BUF (SC_LIC_ID_MAX + 1)
#define SC_LIC_VERSION_MAX 999

/* An identifier's parts, NUL-terminated. A plain value: copy it freely. */
typedef struct sc_lic_id {
    char type[SC_LIC_ID_PART_MAX + 1];     /* 证照类型代码 */
    char issuer[SC_LIC_ID_PART_MAX + 1];   /* 证照颁发机构代码 */
    char serial[SC_LIC_ID_PART_MAX + 1];   /* 流水号 */
    unsigned version;                      /* 版本号, 1..999 */
    char check;                            /* 校验位, '0'..'9' or 'A'..'Z' */
} sc_lic_id;

/** The ISO/IEC 7064 MOD 37,36 check character of data (len bytes of 0-9 and A-Z: digits
 *  count 0..9, letters 10..35).
 *  @param[out] out the character ('0'..'9', 'A'..'Z'); untouched on failure
 *  @return 0, SC_EINVAL (data NULL or empty) or SC_EFORMAT (a byte outside 0-9 A-Z, named
 *          with its offset) */
SC_API int sc_lic_check_char(char *out, const char *data, size_t len, sc_err *err);

/** Build an identifier from its parts, with its check character.
 *  @param out      buffer of out_size bytes (SC_LIC_ID_BUF always suffices); gets the
 *                  NUL-terminated identifier, or "" on failure
 *  @param type, issuer, serial NUL-terminated, 1..SC_LIC_ID_PART_MAX characters of 0-9 A-Z
 *  @return 0, SC_EFORMAT (a part empty or with another character, named), SC_ELIMIT (a part
 *          too long), SC_EINVAL (version outside 1..999, out too small, a NULL argument) */
SC_API int sc_lic_id_make(char *out, size_t out_size, const char *type, const char *issuer,
                          const char *serial, unsigned version, sc_err *err);

/** Parse and validate an identifier: root arc, five parts, each part's characters, the
 *  version's form and range, the check character.
 *  @param[out] out the parts; zeroed on failure
 *  @param id       len bytes (no NUL needed; a NUL inside is refused like any other byte)
 *  @return 0, SC_EFORMAT (err names the part and what is wrong: "check character is 'U',
 *          expected 'D'", "version '01' must be 3 digits"), SC_ELIMIT (longer than
 *          SC_LIC_ID_MAX or a part longer than SC_LIC_ID_PART_MAX), SC_EINVAL (NULL) */
SC_API int sc_lic_id_parse(sc_lic_id *out, const char *id, size_t len, sc_err *err);

/** The identifier of the next version (re-issue): same type, issuer and serial, version + 1,
 *  a new check character. id must itself be valid (it is parsed first).
 *  @param out as for sc_lic_id_make
 *  @return as sc_lic_id_parse, and SC_ELIMIT when id already has version 999 */
SC_API int sc_lic_id_next(char *out, size_t out_size, const char *id, size_t len, sc_err *err);

#endif

/* sealcore/license.h: e-licences (电子证照): the GB/T 36904 licence identifier, licence type
 * templates (spec/license-template.md) and the checks a data row must pass.
 *
 * An identifier reads 1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>
 * (../shared/spec/e-license.md §2): type, issuer and serial are [0-9A-Z]+, version is three
 * digits 001..999 and the check character is ISO/IEC 7064 MOD 37,36 (hybrid) over
 * type + issuer + serial + version. The identifier functions are pure: no allocation, no
 * state, safe from any thread. */
#ifndef SEALCORE_LICENSE_H
#define SEALCORE_LICENSE_H

#include <stddef.h>
#include <stdint.h>

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

/* ---- check digits of the holder codes ------------------------------------------------ */

/** A 统一社会信用代码 (GB 32100): 18 characters of 0-9 and A-Z without I O S V Z, the last
 *  the check character (weights 3^i mod 31).
 *  @return 0 or SC_EFORMAT (err: the length, the character and position, or "check character
 *          is 'X', expected 'Y'") */
SC_API int sc_lic_uscc_check(const char *code, size_t len, sc_err *err);

/** A 18-digit 公民身份号码 (GB 11643): 17 digits, a birth date YYYYMMDD at offset 6 that
 *  exists, and the ISO 7064 MOD 11-2 check character (0-9 or upper-case X).
 *  @return 0 or SC_EFORMAT (err says which part is wrong) */
SC_API int sc_lic_idcard_check(const char *code, size_t len, sc_err *err);

/* ---- licence type templates ---------------------------------------------------------- */

/* Largest template we read, and how deep its elements may nest. */
#define SC_LIC_TMPL_MAX (256u * 1024u)
#define SC_LIC_TMPL_MAX_DEPTH 8
#define SC_LIC_TMPL_MAX_FIELDS 64
#define SC_LIC_TMPL_MAX_TEXTS 64
/* Longest value a field may declare (maxLength, in characters). */
#define SC_LIC_FIELD_MAX_LEN 4096

typedef struct sc_lic_template sc_lic_template;   /* opaque, immutable once parsed */
typedef struct sc_lic_field sc_lic_field;         /* opaque, belongs to its template */

enum {   /* a field's format */
    SC_LIC_FMT_TEXT = 1,   /* any text (UTF-8, no control characters) */
    SC_LIC_FMT_DATE,       /* YYYY-MM-DD, a day that exists */
    SC_LIC_FMT_ENDDATE,    /* a date or 长期 (no end) */
    SC_LIC_FMT_USCC,       /* 统一社会信用代码 with its check character */
    SC_LIC_FMT_IDCARD,     /* 18-digit 公民身份号码 with its check character */
    SC_LIC_FMT_DIGITS,     /* 0-9 only */
    SC_LIC_FMT_REGEX       /* the whole value matches the field's POSIX extended pattern */
};

enum { SC_LIC_ALIGN_LEFT = 1, SC_LIC_ALIGN_CENTER, SC_LIC_ALIGN_RIGHT };

/* Where and how a text is drawn. Millimetres from the page's top-left corner (OFD's
 * coordinates), x and y the top-left of the box. Strings are borrowed from the template. */
typedef struct sc_lic_box {
    double x, y, width;
    double height;           /* 0: one line; more: the text wraps inside the box */
    double size;             /* font size, mm */
    int align;               /* SC_LIC_ALIGN_* */
    const char *font;        /* font name as OFD references it (宋体, SimSun …) */
    const char *font_file;   /* file stored with the template to embed; NULL: none */
    const char *text;        /* static text; NULL for the box a field's value goes into */
} sc_lic_box;

/** Parse a licence type template (XML, spec/license-template.md). Refuses anything not in
 *  the format: unknown elements or attributes, a missing one, out-of-range numbers, a
 *  DOCTYPE declaring entities (no expansion, no network), more than the SC_LIC_TMPL_* limits.
 *  @param[out] out new template, free with sc_lic_template_free(); NULL on failure
 *  @param xml      len bytes, copied as needed; the caller keeps them
 *  @return 0, SC_EFORMAT (err names the line and element), SC_ELIMIT, SC_EUNSUPPORTED
 *          (another version than 1), SC_ENOMEM, SC_EINVAL */
SC_API int sc_lic_template_parse(sc_lic_template **out, const uint8_t *xml, size_t len,
                                 sc_err *err);
SC_API void sc_lic_template_free(sc_lic_template *t);   /* NULL is a no-op */

/* Getters: every string is borrowed, valid until sc_lic_template_free(); a template may be
 * read from several threads at once. */
SC_API const char *sc_lic_template_get_type_code(const sc_lic_template *t);  /* 证照类型代码 */
SC_API const char *sc_lic_template_get_name(const sc_lic_template *t);       /* 证照名称 */
SC_API const char *sc_lic_template_get_authority(const sc_lic_template *t);  /* 定义机构 */
SC_API const char *sc_lic_template_get_authority_code(const sc_lic_template *t);
/** The holder code type (持证主体代码类型代码) the CZZTDM field's format implies: "001" for
 *  uscc, "111" for idcard; NULL when a field maps CZZTDMLXDM instead. Static string. */
SC_API const char *sc_lic_template_get_holder_code_type(const sc_lic_template *t);
SC_API void sc_lic_template_get_page(const sc_lic_template *t, double *width_mm,
                                     double *height_mm);
/** Centre of the issuer's seal, mm. */
SC_API void sc_lic_template_get_seal(const sc_lic_template *t, double *x, double *y);
/** Top-left corner and side of the square 2-D code, mm. */
SC_API void sc_lic_template_get_code(const sc_lic_template *t, double *x, double *y,
                                     double *size);
/** File name of the page's background image, or NULL when there is none. */
SC_API const char *sc_lic_template_get_background(const sc_lic_template *t);
SC_API size_t sc_lic_template_field_count(const sc_lic_template *t);
/** Field i (0 ≤ i < count, in template order) or NULL; borrowed. */
SC_API const sc_lic_field *sc_lic_template_get_field(const sc_lic_template *t, size_t i);
/** The field named name, or NULL; borrowed. */
SC_API const sc_lic_field *sc_lic_template_find_field(const sc_lic_template *t,
                                                      const char *name);
SC_API size_t sc_lic_template_text_count(const sc_lic_template *t);
/** Static text i (title, 登记机关 …) with its box; borrowed, text never NULL. */
SC_API const sc_lic_box *sc_lic_template_get_text(const sc_lic_template *t, size_t i);

SC_API const char *sc_lic_field_get_name(const sc_lic_field *f);    /* [a-z][a-z0-9_]* */
SC_API const char *sc_lic_field_get_label(const sc_lic_field *f);   /* 统一社会信用代码 */
/** The metadata element the value goes to (ZZBH, CZZT, KZ_ZCZB …), or NULL: page only. */
SC_API const char *sc_lic_field_get_meta(const sc_lic_field *f);
SC_API int sc_lic_field_get_format(const sc_lic_field *f);          /* SC_LIC_FMT_* */
SC_API const char *sc_lic_field_get_pattern(const sc_lic_field *f); /* NULL unless regex */
SC_API int sc_lic_field_is_required(const sc_lic_field *f);
SC_API unsigned sc_lic_field_get_max_len(const sc_lic_field *f);    /* characters */
/** The box the value is drawn in; never NULL. */
SC_API const sc_lic_box *sc_lic_field_get_box(const sc_lic_field *f);
/** The static label drawn beside the value, or NULL when the template has none. */
SC_API const sc_lic_box *sc_lic_field_get_caption(const sc_lic_field *f);

/* One value of a data row: both NUL-terminated, borrowed. */
typedef struct sc_lic_kv {
    const char *name;
    const char *value;
} sc_lic_kv;

/** Check a data row against the template's fields: every name is a field and appears once,
 *  every required field has a non-empty value, each value is UTF-8 without control
 *  characters, at most maxLength characters, in the field's format (check characters of
 *  USCC and ID numbers included), and a validity end (ZZYXQJZRQ) is not before its start.
 *  An empty value of an optional field counts as absent.
 *  @return 0, SC_EFORMAT (err names the field by label and name: "统一社会信用代码 (uscc):
 *          check character is '3', expected 'Y'"), SC_EINVAL (NULL arguments) */
SC_API int sc_lic_row_check(const sc_lic_template *t, const sc_lic_kv *row, size_t n,
                            sc_err *err);

#endif

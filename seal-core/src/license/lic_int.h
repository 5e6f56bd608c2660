/* lic_int.h: internals shared by the license module. Not exported. */
#ifndef SC_LIC_INT_H
#define SC_LIC_INT_H

#include <regex.h>
#include <stddef.h>

#include "sealcore/license.h"

/* p[0..n) made fit for a message into buf (cap bytes, NUL-terminated): printable ASCII as
 * is, every other byte (and quotes, backslashes) as \xNN, cut with "..." when too long. */
void sc__lic_show(char *buf, size_t cap, const char *p, size_t n);

/* A type code, issuer code or serial: 1..SC_LIC_ID_PART_MAX characters of 0-9 A-Z; what
 * names it in the message. @return 0, SC_EFORMAT or SC_ELIMIT */
int sc__lic_part_ok(const char *what, const char *p, size_t n, sc_err *err);

/* Every string below is owned (free()) by the template; boxes own font, font_file, text. */
struct sc_lic_field {
    char *name, *label, *meta, *pattern;
    int format, required, has_caption, has_re;
    unsigned max_len;
    sc_lic_box box, caption;
    regex_t re;                 /* "^(pattern)$", compiled once; regexec is thread-safe */
};

struct sc_lic_template {
    char *type_code, *name, *authority, *authority_code, *background;
    const char *holder_type;    /* static "001"/"111", or NULL */
    double page_w, page_h, seal_x, seal_y, code_x, code_y, code_size;
    struct sc_lic_field *fields;
    size_t n_fields;
    sc_lic_box *texts;
    size_t n_texts;
};

/* The date YYYY-MM-DD in s[0..n) exists. @return 0 or SC_EFORMAT (err: what is wrong) */
int sc__lic_date_ok(const char *s, size_t n, sc_err *err);

#endif

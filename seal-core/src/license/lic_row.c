/* lic_row.c: checks a licence data row against its template (sc_lic_row_check), with the
 * check characters of the two holder codes: 统一社会信用代码 (GB 32100-2015) and the 18-digit
 * 公民身份号码 (GB 11643-1999). Not here: reading templates (lic_tmpl.c).
 *
 * Messages name the field and the part at fault but never repeat a whole value: rows carry
 * ID numbers and names, and errors end up in logs and batch reports. */
#include "license/lic_int.h"
#include "sc_int.h"
#include "sealcore/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* GB 32100: 0-9 and the capitals without I, O, S, V, Z, worth 0..30 in this order. */
static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

int sc_lic_uscc_check(const char *code, size_t len, sc_err *err)
{
    static const unsigned w[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10,
                                    30, 28 };   /* 3^i mod 31 */
    unsigned sum = 0, c;
    char shown[16];

    if (code == NULL || len != 18)
        return sc_err_set(err, SC_EFORMAT, "%zu characters, a 统一社会信用代码 has 18",
                          code == NULL ? 0 : len);
    for (size_t i = 0; i < 18; i++) {
        const char *at = code[i] != '\0' ? strchr(uscc_alphabet, code[i]) : NULL;
        if (at == NULL) {
            sc__lic_show(shown, sizeof(shown), code + i, 1);
            return sc_err_set(err, SC_EFORMAT, "character %zu is '%s': only 0-9 and A-Z "
                              "without I, O, S, V, Z", i + 1, shown);
        }
        if (i < 17)
            sum += (unsigned)(at - uscc_alphabet) * w[i];
    }
    c = (31 - sum % 31) % 31;
    if (code[17] != uscc_alphabet[c])
        return sc_err_set(err, SC_EFORMAT, "check character is '%c', expected '%c'", code[17],
                          uscc_alphabet[c]);
    return 0;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

int sc_lic_idcard_check(const char *code, size_t len, sc_err *err)
{
    static const unsigned w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
    static const char checks[] = "10X98765432";   /* by sum mod 11 (ISO 7064 MOD 11-2) */
    unsigned sum = 0;
    int64_t t;
    char shown[16];

    if (code == NULL || len != 18)
        return sc_err_set(err, SC_EFORMAT, "%zu characters, a 公民身份号码 has 18",
                          code == NULL ? 0 : len);
    for (size_t i = 0; i < 17; i++) {
        if (code[i] < '0' || code[i] > '9') {
            sc__lic_show(shown, sizeof(shown), code + i, 1);
            return sc_err_set(err, SC_EFORMAT, "character %zu is '%s': the first 17 are digits",
                              i + 1, shown);
        }
        sum += (unsigned)(code[i] - '0') * w[i];
    }
    if (num(code + 6, 4) < 1800 ||
        sc_time_from_civil(num(code + 6, 4), num(code + 10, 2), num(code + 12, 2), 0, 0, 0,
                           &t) != 0)
        return sc_err_set(err, SC_EFORMAT, "the birth date (characters 7-14) does not exist");
    if (code[17] == 'x')
        return sc_err_set(err, SC_EFORMAT, "check character 'x' must be upper-case X");
    if (code[17] != checks[sum % 11]) {
        sc__lic_show(shown, sizeof(shown), code + 17, 1);
        return sc_err_set(err, SC_EFORMAT, "check character is '%s', expected '%c'", shown,
                          checks[sum % 11]);
    }
    return 0;
}

int sc__lic_date_ok(const char *s, size_t n, sc_err *err)
{
    int64_t t;

    if (n != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return sc_err_set(err, SC_EFORMAT, "not a date YYYY-MM-DD");
    if (num(s, 4) < 1800 || sc_time_from_civil(num(s, 4), num(s + 5, 2), num(s + 8, 2), 0, 0,
                                               0, &t) != 0)
        return sc_err_set(err, SC_EFORMAT, "date %.10s does not exist", s);
    return 0;
}

#define OPEN_END "长期"

static int format_ok(const struct sc_lic_field *f, const char *v, size_t len, sc_err *err)
{
    switch (f->format) {
    case SC_LIC_FMT_DATE:
        return sc__lic_date_ok(v, len, err);
    case SC_LIC_FMT_ENDDATE:
        if (strcmp(v, OPEN_END) == 0)
            return 0;
        if (sc__lic_date_ok(v, len, err) != 0) {
            sc_err_clear(err);
            return sc_err_set(err, SC_EFORMAT, "neither a date YYYY-MM-DD that exists nor "
                              OPEN_END);
        }
        return 0;
    case SC_LIC_FMT_USCC:
        return sc_lic_uscc_check(v, len, err);
    case SC_LIC_FMT_IDCARD:
        return sc_lic_idcard_check(v, len, err);
    case SC_LIC_FMT_DIGITS:
        return digits(v, len) ? 0 : sc_err_set(err, SC_EFORMAT, "only digits 0-9 are allowed");
    case SC_LIC_FMT_REGEX:
        if (regexec(&f->re, v, 0, NULL, 0) != 0) {
            char shown[64];
            sc__lic_show(shown, sizeof(shown), f->pattern, strlen(f->pattern));
            return sc_err_set(err, SC_EFORMAT, "does not match the pattern '%s'", shown);
        }
        return 0;
    default:
        return 0;
    }
}

/* UTF-8, no control character, at most max_len characters, then the format. */
static int value_ok(const struct sc_lic_field *f, const char *v, sc_err *err)
{
    /* 4 bytes a character at most: a longer value fails without reading all of it */
    const size_t cap = (size_t)f->max_len * 4;
    size_t len = strnlen(v, cap + 1), chars = 0, used;

    if (len > cap)
        return sc_err_set(err, SC_EFORMAT, "more than the %u characters allowed", f->max_len);
    for (size_t i = 0; i < len; i += used, chars++) {
        int32_t cp = sc__utf8_next((const uint8_t *)v + i, len - i, &used);
        if (cp < 0)
            return sc_err_set(err, SC_EFORMAT, "not UTF-8 (byte %zu)", i + used + 1);
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
            return sc_err_set(err, SC_EFORMAT, "control character U+%04X at character %zu",
                              (unsigned)cp, chars + 1);
    }
    if (chars > f->max_len)
        return sc_err_set(err, SC_EFORMAT, "%zu characters, more than the %u allowed", chars,
                          f->max_len);
    return format_ok(f, v, len, err);
}

static int field_fail(const struct sc_lic_field *f, int rc, sc_err *err)
{
    sc_err_prefix(err, "%s (%s)", f->label, f->name);
    return rc;
}

int sc_lic_row_check(const sc_lic_template *t, const sc_lic_kv *row, size_t n, sc_err *err)
{
    const char *value[SC_LIC_TMPL_MAX_FIELDS] = { 0 };
    const struct sc_lic_field *start = NULL, *end = NULL;
    int rc;

    if (t == NULL || (row == NULL && n > 0))
        return sc_err_set(err, SC_EINVAL, "licence row: no template or row (NULL)");
    for (size_t i = 0; i < n; i++) {
        const sc_lic_field *f;
        char shown[48];
        if (row[i].name == NULL || row[i].value == NULL)
            return sc_err_set(err, SC_EINVAL, "licence row: item %zu has no name or value", i);
        f = sc_lic_template_find_field(t, row[i].name);
        sc__lic_show(shown, sizeof(shown), row[i].name, strlen(row[i].name));
        if (f == NULL)
            return sc_err_set(err, SC_EFORMAT, "licence row: '%s' is not a field of %s",
                              shown, t->name);
        if (value[f - t->fields] != NULL)
            return sc_err_set(err, SC_EFORMAT, "licence row: '%s' appears twice", shown);
        value[f - t->fields] = row[i].value;
    }
    for (size_t i = 0; i < t->n_fields; i++) {
        const struct sc_lic_field *f = &t->fields[i];
        const char *v = value[i];
        if (v == NULL || v[0] == '\0') {
            if (f->required)
                return field_fail(f, sc_err_set(err, SC_EFORMAT, "required, but %s",
                                                v == NULL ? "missing" : "empty"), err);
            continue;
        }
        if ((rc = value_ok(f, v, err)) != 0)
            return field_fail(f, rc, err);
        if (f->meta != NULL && strcmp(f->meta, "ZZYXQQSRQ") == 0)
            start = f;
        if (f->meta != NULL && strcmp(f->meta, "ZZYXQJZRQ") == 0)
            end = f;
    }
    /* YYYY-MM-DD compares as text; 长期 never ends */
    if (start != NULL && end != NULL && strcmp(value[end - t->fields], OPEN_END) != 0 &&
        strcmp(value[end - t->fields], value[start - t->fields]) < 0)
        return field_fail(end, sc_err_set(err, SC_EFORMAT, "%.10s is before the start %.10s",
                                          value[end - t->fields], value[start - t->fields]),
                          err);
    return 0;
}

/* lic_check.c: rules 2-6 of spec/license-file.md §6 over what lic_read.c read — the required
 * elements, the identifier, OFD.xml against the signed tag file, the tag file against the
 * page, the dates — each failure naming the element by code and name, and the element names
 * of §2. Not here: reading (lic_read.c), rule 1 (a seal covers the tag file) and rule 7
 * (status, expiry), which need the verification report (verify/verify_license.c).
 *
 * The tag file is the authority (a seal covers it; OFD.xml cannot be covered), so once it
 * was read every rule takes its values, and CustomDatas only have to agree with it. */
#include "license/lic_int.h"
#include "license/lic_read.h"
#include "sc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define OPEN_END "长期"

/* §2 in its order; required: rule 2. */
static const struct element {
    const char *code, *label;
    int required;
} elements[] = {
    { "ZZMC", "证照名称", 1 },           { "ZZLXDM", "证照类型代码", 1 },
    { "ZZDYJG", "证照定义机构", 0 },     { "ZZDYJGDM", "证照定义机构代码", 0 },
    { "ZZBH", "证照编号", 1 },           { "ZZBS", "证照标识", 1 },
    { "ZZBFJG", "证照颁发机构", 1 },     { "ZZBFJGDM", "证照颁发机构代码", 1 },
    { "ZZBFRQ", "证照颁发日期", 1 },     { "CZZT", "持证主体", 1 },
    { "CZZTDM", "持证主体代码", 1 },     { "CZZTDMLX", "持证主体代码类型", 0 },
    { "CZZTDMLXDM", "持证主体代码类型代码", 1 },
    { "ZZYXQQSRQ", "证照有效期起始日期", 0 }, { "ZZYXQJZRQ", "证照有效期截止日期", 0 },
    { "ZZSSGXSD", "证照所属管辖属地", 0 },
};

const char *sc_lic_element_label(const char *code)
{
    if (code == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(elements) / sizeof(elements[0]); i++)
        if (strcmp(code, elements[i].code) == 0)
            return elements[i].label;
    if (strncmp(code, "KZ_", 3) != 0 || code[3] == '\0')   /* KZ_[A-Z0-9_]+ as templates */
        return NULL;
    for (const char *p = code + 3; *p != '\0'; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return NULL;
    return "扩展项";
}

/* At most about 60 bytes of a value for a message, cut at a character boundary (values can
 * be 4096 characters of 经营范围). Control characters are left to the report's renderers. */
static const char *show(const char *v, char *buf, size_t n)
{
    size_t len = strlen(v), cut = len;

    if (cut > 60) {
        cut = 60;
        while (cut > 0 && ((unsigned char)v[cut] & 0xc0) == 0x80)
            cut--;
    }
    snprintf(buf, n, "%.*s%s", (int)cut, v, cut < len ? "..." : "");
    return buf;
}

/* The value rules take: the tag file's once it was read. */
static const char *val(const sc_lic_info *info, const char *code)
{
    const sc__lic_elem *e = sc__lic_find(info, code, info->tag_read);

    if (e == NULL)
        return NULL;
    return e->in_tag ? e->value : e->custom;
}

static int fail(char *why, size_t n, const char *fmt, ...) SC_PRINTF(3, 4);
static int fail(char *why, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
    return 0;
}

/* Rule 3: ZZBS parses, its check character is right, its parts name the type and issuer. */
static int check_id(const sc_lic_info *info, char *why, size_t n)
{
    const char *id = val(info, "ZZBS"), *type = val(info, "ZZLXDM"),
               *issuer = val(info, "ZZBFJGDM");
    sc_err e = SC_ERR_INIT;
    sc_lic_id p;
    char a[80];

    if (sc_lic_id_parse(&p, id, strlen(id), &e) != 0)
        return fail(why, n, "ZZBS (证照标识) '%s': %s", show(id, a, sizeof(a)), e.msg);
    if (strcmp(p.type, type) != 0)
        return fail(why, n, "identifier ZZBS names type %s, but ZZLXDM (证照类型代码) is '%s'",
                    p.type, show(type, a, sizeof(a)));
    if (strcmp(p.issuer, issuer) != 0)
        return fail(why, n, "identifier ZZBS names issuer %s, but ZZBFJGDM (证照颁发机构代码) "
                    "is '%s'", p.issuer, show(issuer, a, sizeof(a)));
    return 1;
}

/* Rule 4: every CustomData once, and equal to the tag file's entry of its name. */
static int check_customs(const sc_lic_info *info, char *why, size_t n)
{
    for (size_t i = 0; i < info->n; i++) {
        const sc__lic_elem *e = &info->el[i];
        const char *label = sc_lic_element_label(e->code);
        if (e->ncustom > 1)
            return fail(why, n, "metadata %s appears %u times in OFD.xml", e->code,
                        e->ncustom);
        if (!e->in_tag)
            return fail(why, n, "metadata %s in OFD.xml is not in the signed tag file",
                        e->code);
        if (e->custom == NULL && label != NULL)
            return fail(why, n, "metadata %s (%s) is in the signed tag file but missing from "
                        "OFD.xml", e->code, label);
        if (e->custom != NULL && strcmp(e->custom, e->value) != 0)
            return fail(why, n, "metadata %s in OFD.xml differs from the signed tag file",
                        e->code);
    }
    return 1;
}

/* Rule 5: an element's value is what the page objects its entry names read. Entries that
 * are no element of §2 (a producer's own, such as one for the 2-D code) are not compared. */
static int check_page(const sc_lic_info *info, char *why, size_t n)
{
    char a[80], b[80];

    for (size_t i = 0; i < info->n; i++) {
        const sc__lic_elem *e = &info->el[i];
        const char *label = sc_lic_element_label(e->code);
        if (!e->in_tag || e->nrefs == 0 || label == NULL)
            continue;
        if (e->page == NULL)
            return fail(why, n, "%s (%s): %s", e->code, label,
                        e->page_problem != NULL ? e->page_problem : "no page text");
        if (strcmp(e->page, e->value) != 0)
            return fail(why, n, "%s (%s) reads '%s' on the page but '%s' in the metadata",
                        e->code, label, show(e->page, a, sizeof(a)), show(e->value, b,
                                                                           sizeof(b)));
    }
    return 1;
}

static int date_ok(const char *code, const char *v, int open_end, char *why, size_t n)
{
    sc_err e = SC_ERR_INIT;
    char a[80];

    if (open_end && strcmp(v, OPEN_END) == 0)
        return 1;
    if (sc__lic_date_ok(v, strlen(v), &e) != 0)
        return fail(why, n, "%s (%s) '%s': %s%s", code, sc_lic_element_label(code),
                    show(v, a, sizeof(a)), e.msg, open_end ? " (or " OPEN_END ")" : "");
    return 1;
}

/* Rule 6: dates well formed; the validity end (长期: none) not before its start (absent:
 * the issue date). Dates that passed date_ok compare as strings. */
static int check_dates(const sc_lic_info *info, char *why, size_t n)
{
    const char *issued = val(info, "ZZBFRQ"), *from = val(info, "ZZYXQQSRQ"),
               *to = val(info, "ZZYXQJZRQ");

    if (!date_ok("ZZBFRQ", issued, 0, why, n) ||
        (from != NULL && !date_ok("ZZYXQQSRQ", from, 0, why, n)) ||
        (to != NULL && !date_ok("ZZYXQJZRQ", to, 1, why, n)))
        return 0;
    if (from == NULL)
        from = issued;
    if (to != NULL && strcmp(to, OPEN_END) != 0 && strcmp(to, from) < 0)
        return fail(why, n, "ZZYXQJZRQ (证照有效期截止日期) %s is before the validity start "
                    "%s (%s)", to, from, from == issued ? "ZZBFRQ, the issue date" :
                    "ZZYXQQSRQ");
    return 1;
}

int sc_lic_info_check(const sc_lic_info *info, int *ok, char *why, size_t n, sc_err *err)
{
    if (info == NULL || ok == NULL || why == NULL || n == 0)
        return sc_err_set(err, SC_EINVAL, "licence check: info, verdict and a reason buffer "
                          "are required");
    *ok = 0;
    why[0] = '\0';
    if (info->problem != NULL) {   /* rule 1, the reading half */
        fail(why, n, "the signed tag file cannot be read: %s", info->problem);
        return 0;
    }
    for (size_t i = 0; i < sizeof(elements) / sizeof(elements[0]); i++) {
        const char *v = val(info, elements[i].code);
        if (elements[i].required && (v == NULL || v[0] == '\0')) {
            fail(why, n, "metadata %s (%s) is missing", elements[i].code, elements[i].label);
            return 0;
        }
    }
    *ok = check_id(info, why, n) && check_customs(info, why, n) && check_page(info, why, n) &&
          check_dates(info, why, n);
    return 0;
}

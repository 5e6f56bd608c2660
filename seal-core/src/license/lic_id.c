/* lic_id.c: the GB/T 36904 licence identifier (电子证照标识): its check character, building,
 * validating and re-versioning one (../../../../shared/spec/e-license.md §2).
 * Not here: templates and data rows (lic_tmpl.c, lic_row.c), storing or issuing licences.
 *
 * The check character is ISO/IEC 7064 MOD 37,36, the hybrid system (GB/T 17710), with digits
 * worth 0..9 and letters 10..35. One vendor maps letters to 11..36 and gets other characters
 * for the same identifier; the three real identifiers of the spec agree with 10..35 only. */
#include "license/lic_int.h"
#include "sc_int.h"
#include "sealcore/license.h"

#include <stdio.h>
#include <string.h>

#define ROOT_DOT SC_LIC_ROOT "."
#define M 36

/* Value of an identifier character, or -1 for anything outside 0-9 A-Z. Lower case is
 * refused, not folded: the identifier is also a file name and a database key. */
static int char_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return -1;
}

static char value_char(unsigned v)
{
    return (char)(v < 10 ? '0' + v : 'A' + (v - 10));
}

/* One step of the hybrid system per character; the state P starts at M. Streaming, so the
 * parts need not be copied together. Returns the new P, or -1 at a bad byte (*bad gets its
 * offset). */
static int mod3736_feed(int p, const char *s, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n; i++) {
        int a = char_value((unsigned char)s[i]);
        if (a < 0) {
            *bad = i;
            return -1;
        }
        int sum = (p + a) % M;
        p = (2 * (sum == 0 ? M : sum)) % (M + 1);
    }
    return p;
}

static char mod3736_char(int p)
{
    return value_char((unsigned)((M + 1 - p) % M));
}

void sc__lic_show(char *buf, size_t cap, const char *p, size_t n)
{
    size_t o = 0;
    const size_t keep = cap > 8 ? cap - 8 : 0;   /* room for one "\xNN" and "..." */

    for (size_t i = 0; i < n && cap > 0; i++) {
        unsigned char c = (unsigned char)p[i];
        if (o >= keep) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
    }
    if (cap > 0)
        buf[o < cap ? o : cap - 1] = '\0';
}

int sc_lic_check_char(char *out, const char *data, size_t len, sc_err *err)
{
    size_t bad = 0;
    int p;

    if (out == NULL || data == NULL || len == 0)
        return sc_err_set(err, SC_EINVAL, "check character: no data");
    if ((p = mod3736_feed(M, data, len, &bad)) < 0) {
        char shown[16];
        sc__lic_show(shown, sizeof(shown), data + bad, 1);
        return sc_err_set(err, SC_EFORMAT,
                          "check character: '%s' at offset %zu is not 0-9 or A-Z", shown, bad);
    }
    *out = mod3736_char(p);
    return 0;
}

/* A type code, issuer code or serial: 1..SC_LIC_ID_PART_MAX characters of 0-9 A-Z. */
int sc__lic_part_ok(const char *what, const char *p, size_t n, sc_err *err)
{
    if (n == 0)
        return sc_err_set(err, SC_EFORMAT, "%s is empty", what);
    if (n > SC_LIC_ID_PART_MAX)
        return sc_err_set(err, SC_ELIMIT, "%s has %zu characters, more than the %d allowed",
                          what, n, SC_LIC_ID_PART_MAX);
    for (size_t i = 0; i < n; i++) {
        if (char_value((unsigned char)p[i]) < 0) {
            char shown[16];
            sc__lic_show(shown, sizeof(shown), p + i, 1);
            return sc_err_set(err, SC_EFORMAT,
                              "%s has '%s' at position %zu: only 0-9 and A-Z are allowed",
                              what, shown, i + 1);
        }
    }
    return 0;
}

static int version_ok(const char *p, size_t n, unsigned *out, sc_err *err)
{
    char shown[48];

    sc__lic_show(shown, sizeof(shown), p, n);
    if (n != 3 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' || p[2] < '0' ||
        p[2] > '9')
        return sc_err_set(err, SC_EFORMAT, "version '%s' must be 3 digits", shown);
    *out = (unsigned)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
    if (*out == 0)
        return sc_err_set(err, SC_EFORMAT, "version '%s' must be from 001 to %d", shown,
                          SC_LIC_VERSION_MAX);
    return 0;
}

/* The check over type + issuer + serial + version; the parts are known to be valid. */
static char id_check(const char *type, size_t tn, const char *issuer, size_t in,
                     const char *serial, size_t sn, const char *version)
{
    size_t bad;
    int p = mod3736_feed(M, type, tn, &bad);
    p = mod3736_feed(p, issuer, in, &bad);
    p = mod3736_feed(p, serial, sn, &bad);
    p = mod3736_feed(p, version, 3, &bad);
    return mod3736_char(p);
}

int sc_lic_id_make(char *out, size_t out_size, const char *type, const char *issuer,
                   const char *serial, unsigned version, sc_err *err)
{
    size_t tn, in, sn, need;
    char ver[4];
    int rc;

    if (out != NULL && out_size > 0)
        out[0] = '\0';
    if (out == NULL || type == NULL || issuer == NULL || serial == NULL)
        return sc_err_set(err, SC_EINVAL, "licence identifier: a part is missing (NULL)");
    tn = strnlen(type, SC_LIC_ID_PART_MAX + 1);
    in = strnlen(issuer, SC_LIC_ID_PART_MAX + 1);
    sn = strnlen(serial, SC_LIC_ID_PART_MAX + 1);
    if ((rc = sc__lic_part_ok("type code", type, tn, err)) != 0 ||
        (rc = sc__lic_part_ok("issuer code", issuer, in, err)) != 0 ||
        (rc = sc__lic_part_ok("serial", serial, sn, err)) != 0) {
        sc_err_prefix(err, "licence identifier");
        return rc;
    }
    if (version < 1 || version > SC_LIC_VERSION_MAX)
        return sc_err_set(err, SC_EINVAL, "licence identifier: version %u is not 1..%d",
                          version, SC_LIC_VERSION_MAX);
    need = strlen(ROOT_DOT) + tn + 1 + in + 1 + sn + 1 + 3 + 1 + 1 + 1;
    if (out_size < need)
        return sc_err_set(err, SC_EINVAL, "licence identifier: %zu bytes needed, buffer has %zu",
                          need, out_size);
    snprintf(ver, sizeof(ver), "%03u", version);
    snprintf(out, out_size, "%s%s.%s.%s.%s.%c", ROOT_DOT, type, issuer, serial, ver,
             id_check(type, tn, issuer, in, serial, sn, ver));
    return 0;
}

/* The offsets of the five parts after the root; -1 unless there are exactly five. */
static int split5(const char *s, size_t n, size_t start[5], size_t len[5], size_t *count)
{
    size_t k = 0, from = 0;

    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        if (k < 5) {
            start[k] = from;
            len[k] = i - from;
        }
        k++;
        from = i + 1;
    }
    *count = k;
    return k == 5 ? 0 : -1;
}

static int id_parse(sc_lic_id *out, const char *id, size_t len, sc_err *err)
{
    const size_t root = strlen(ROOT_DOT);
    size_t start[5], plen[5], count;
    const char *rest;
    char shown[48], want;
    int rc;

    if (len == 0)
        return sc_err_set(err, SC_EFORMAT, "empty");
    if (len > SC_LIC_ID_MAX)
        return sc_err_set(err, SC_ELIMIT, "%zu bytes, more than the %zu allowed", len,
                          (size_t)SC_LIC_ID_MAX);
    if (len < root || memcmp(id, ROOT_DOT, root) != 0)
        return sc_err_set(err, SC_EFORMAT, "does not start with the root arc %s", ROOT_DOT);
    rest = id + root;
    if (split5(rest, len - root, start, plen, &count) != 0)
        return sc_err_set(err, SC_EFORMAT, "%zu parts after the root arc, expected 5 "
                          "(type.issuer.serial.version.check)", count);
    if ((rc = sc__lic_part_ok("type code", rest + start[0], plen[0], err)) != 0 ||
        (rc = sc__lic_part_ok("issuer code", rest + start[1], plen[1], err)) != 0 ||
        (rc = sc__lic_part_ok("serial", rest + start[2], plen[2], err)) != 0 ||
        (rc = version_ok(rest + start[3], plen[3], &out->version, err)) != 0)
        return rc;
    sc__lic_show(shown, sizeof(shown), rest + start[4], plen[4]);
    if (plen[4] != 1 || char_value((unsigned char)rest[start[4]]) < 0)
        return sc_err_set(err, SC_EFORMAT, "check character '%s' must be one of 0-9 A-Z",
                          shown);
    want = id_check(rest + start[0], plen[0], rest + start[1], plen[1], rest + start[2],
                    plen[2], rest + start[3]);
    if (rest[start[4]] != want)
        return sc_err_set(err, SC_EFORMAT, "check character is '%c', expected '%c'",
                          rest[start[4]], want);
    memcpy(out->type, rest + start[0], plen[0]);
    memcpy(out->issuer, rest + start[1], plen[1]);
    memcpy(out->serial, rest + start[2], plen[2]);
    out->check = want;
    return 0;
}

int sc_lic_id_parse(sc_lic_id *out, const char *id, size_t len, sc_err *err)
{
    int rc;

    if (out == NULL || id == NULL)
        return sc_err_set(err, SC_EINVAL, "licence identifier: missing (NULL)");
    memset(out, 0, sizeof(*out));
    if ((rc = id_parse(out, id, len, err)) != 0) {
        memset(out, 0, sizeof(*out));
        sc_err_prefix(err, "licence identifier");
    }
    return rc;
}

int sc_lic_id_next(char *out, size_t out_size, const char *id, size_t len, sc_err *err)
{
    sc_lic_id cur;
    int rc;

    if (out != NULL && out_size > 0)
        out[0] = '\0';
    if ((rc = sc_lic_id_parse(&cur, id, len, err)) != 0)
        return rc;
    if (cur.version >= SC_LIC_VERSION_MAX)
        return sc_err_set(err, SC_ELIMIT, "licence identifier: version %u is the last one, "
                          "a re-issue needs a new serial", cur.version);
    return sc_lic_id_make(out, out_size, cur.type, cur.issuer, cur.serial, cur.version + 1,
                          err);
}

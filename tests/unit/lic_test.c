/* lic_test.c: the licence fixtures lic_test.h declares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealcore/license.h"
#include "sealcore/ofd_doc.h"
#include "testutil.h"
#include "lic_test.h"
#include "ofd_stamp_test.h"   /* last: its type out would shadow parameters named out */

static char id_buf[SC_LIC_ID_BUF];
const char lic_none[] = "(none)";

const char *lic_id(void)
{
    sc_err err = SC_ERR_INIT;

    if (id_buf[0] == '\0' && sc_lic_id_make(id_buf, sizeof(id_buf), LIC_TYPE, LIC_ISSUER,
                                            LIC_SERIAL, 1, &err) != 0)
        fail_msg("identifier: %s", err.msg);
    return id_buf;
}

size_t lic_defaults(lic_el *els)
{
    const lic_el d[] = {
        { "ZZMC", "营业执照", 1, NULL, NULL },
        { "ZZLXDM", LIC_TYPE, 0, NULL, NULL },
        { "ZZDYJG", "国家市场监督管理总局", 0, NULL, NULL },
        { "ZZDYJGDM", "11100000000013127D", 0, NULL, NULL },
        { "ZZBH", "330000000123456", 1, NULL, NULL },
        { "ZZBS", lic_id(), 0, NULL, NULL },
        { "ZZBFJG", "某省市场监督管理局", 1, NULL, NULL },
        { "ZZBFJGDM", LIC_ISSUER, 0, NULL, NULL },
        { "ZZBFRQ", "2026-03-01", 1, NULL, NULL },
        { "CZZT", "某某科技有限公司", 1, NULL, NULL },
        { "CZZTDM", "91330106MA2KXXXX0Y", 1, NULL, NULL },
        { "CZZTDMLX", "统一社会信用代码", 0, NULL, NULL },
        { "CZZTDMLXDM", "001", 0, NULL, NULL },
        { "ZZYXQQSRQ", "2026-03-01", 1, NULL, NULL },
        { "ZZYXQJZRQ", "长期", 1, NULL, NULL },
        { "KZ_FDDBR", "张三", 1, NULL, NULL },
        { "KZ_ZCZB", "壹佰万元整", 1, NULL, NULL },
    };
    memcpy(els, d, sizeof(d));
    return sizeof(d) / sizeof(d[0]);
}

lic_el *lic_el_find(lic_el *els, size_t n, const char *code)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(els[i].code, code) == 0)
            return &els[i];
    return NULL;
}

uint8_t *lic_make(const lic_el *els, size_t n, int marker, size_t *len)
{
    sc_ofd_doc *doc = NULL;
    sc_err err = SC_ERR_INIT;
    uint8_t *buf = NULL;
    const char *url = lic_id();
    double y = 40;

    if (sc_ofd_doc_new(&doc, 210, 297, &err) != 0 || sc_ofd_doc_set_doc_id(doc, DOC_ID, &err) ||
        sc_ofd_doc_set_info(doc, SC_OFD_DOC_CREATOR, "sealpki", &err) != 0 ||
        sc_ofd_doc_add_page(doc, NULL, &err) != 0)
        fail_msg("doc: %s", err.msg);
    for (size_t i = 0; i < n; i++) {
        const lic_el *e = &els[i];
        uint32_t id = 0;
        if (e->face) {
            sc_ofd_text t = { 30, y, 5, "SimSun", e->face_text ? e->face_text : e->value, NULL };
            y += 10;
            if (sc_ofd_doc_add_text(doc, 0, &t, &err) != 0)
                fail_msg("text %s: %s", e->code, err.msg);
            id = sc_ofd_doc_last_id(doc);
        }
        if (sc_ofd_doc_add_tag(doc, "license", e->code, e->value, 0, &id, e->face, &err) != 0)
            fail_msg("tag %s: %s", e->code, err.msg);
        if (e->custom != lic_none &&
            sc_ofd_doc_add_custom(doc, e->code, e->custom ? e->custom : e->value, &err) != 0)
            fail_msg("custom %s: %s", e->code, err.msg);
    }
    if ((marker && sc_ofd_doc_add_custom(doc, "sealpki.license", "1", &err) != 0) ||
        sc_ofd_doc_add_qr(doc, 0, 160, 240, 30, (const uint8_t *)url, strlen(url), SC_OFD_QR_M,
                          &err) != 0 ||
        sc_ofd_doc_write_mem(doc, &buf, len, &err) != 0)
        fail_msg("write: %s", err.msg);
    sc_ofd_doc_free(doc);
    return buf;
}

uint8_t *lic_sign(const uint8_t *doc, size_t len, size_t *out_len)
{
    sc_ofd_sign_params p = base(SC_OFD_PLACE_PAGE_XY);
    sc_test_mem m = { 0 };
    sc_ofd_pkg *pkg = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ofd_pkg_open_mem(&pkg, doc, len, &err) != 0 ||
        sc_ofd_sign(pkg, &p, sc_test_mem_sink, &m, NULL, &err) != 0)
        fail_msg("sign: %s", err.msg);
    sc_ofd_pkg_free(pkg);
    *out_len = m.len;
    return m.buf;
}

uint8_t *lic_signed(const lic_el *els, size_t n, size_t *len)
{
    size_t ulen;
    uint8_t *u = lic_make(els, n, 1, &ulen), *s = lic_sign(u, ulen, len);

    free(u);
    return s;
}

uint8_t *lic_edit(const uint8_t *doc, size_t len, const char *name, const char *from,
                  const char *to, size_t *out_len)
{
    size_t n, fl = strlen(from), tl = strlen(to);
    uint8_t *d = entry(doc, len, name, &n), *nd, *res;
    char *hit;

    if (d == NULL || (hit = strstr((char *)d, from)) == NULL)
        fail_msg("%s: \"%s\" not found", name, from);
    nd = malloc(n - fl + tl + 1);
    assert_non_null(nd);
    memcpy(nd, d, (size_t)((uint8_t *)hit - d));
    memcpy(nd + ((uint8_t *)hit - d), to, tl);
    memcpy(nd + ((uint8_t *)hit - d) + tl, hit + fl, n - (size_t)((uint8_t *)hit - d) - fl);
    res = repack(doc, len, name, name, nd, n - fl + tl, out_len);
    free(nd);
    free(d);
    return res;
}

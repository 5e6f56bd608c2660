/* make_licence_ofd.c: writes a one-page licence-like OFD with the document writer's licence
 * features (sealcore/ofd_doc.h): texts in standard fonts, CustomData, custom tags linking
 * each field to its text objects, and a QR code drawn as paths, for test_ofdjs.sh to stamp
 * and ofd.js to read, verify and render. Usage: make_licence_ofd OUT.ofd; exit 0 or 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealcore/ofd_doc.h"

static const char *const fields[][3] = {      /* tag name, label, value */
    { "ZZMC", "证照名称", "电子证照" },
    { "CZZT", "持证主体", "某某科技有限公司" },
    { "CZZTDM", "统一社会信用代码", "91350100M000100Y43" },
};

int main(int argc, char **argv)
{
    static const char url[] = "https://zz.example.gov.cn/v?id=1.2.156.3005.2."
                              "11100000000013338W011.11430000006122244L.20230000403.001.U";
    sc_ofd_doc *doc = NULL;
    sc_err err = SC_ERR_INIT;
    uint8_t *buf = NULL;
    size_t len = 0;
    FILE *f = NULL;
    int rc = 1;

    if (argc != 2) {
        fprintf(stderr, "usage: make_licence_ofd OUT.ofd\n");
        return 1;
    }
    if (sc_ofd_doc_new(&doc, 210, 297, &err) != 0 || sc_ofd_doc_add_page(doc, NULL, &err) != 0)
        goto out;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        sc_ofd_text label = { 20, 40 + 15.0 * (double)i, 5, "黑体", fields[i][1], NULL };
        sc_ofd_text value = { 80, 40 + 15.0 * (double)i, 5, NULL, fields[i][2], NULL };
        uint32_t id;
        if (sc_ofd_doc_add_text(doc, 0, &label, &err) != 0 ||
            sc_ofd_doc_add_text(doc, 0, &value, &err) != 0)
            goto out;
        id = sc_ofd_doc_last_id(doc);
        if (sc_ofd_doc_add_custom(doc, fields[i][0], fields[i][2], &err) != 0 ||
            sc_ofd_doc_add_tag(doc, "license", fields[i][0], fields[i][2], 0, &id, 1,
                               &err) != 0)
            goto out;
    }
    if (sc_ofd_doc_add_qr(doc, 0, 160, 240, 30, (const uint8_t *)url, strlen(url),
                          SC_OFD_QR_M, &err) != 0 ||
        sc_ofd_doc_write_mem(doc, &buf, &len, &err) != 0)
        goto out;
    if ((f = fopen(argv[1], "wb")) == NULL || fwrite(buf, 1, len, f) != len) {
        snprintf(err.msg, sizeof(err.msg), "%s: cannot write", argv[1]);
        goto out;
    }
    rc = 0;
out:
    if (f != NULL && fclose(f) != 0 && rc == 0) {
        snprintf(err.msg, sizeof(err.msg), "%s: cannot write", argv[1]);
        rc = 1;
    }
    if (rc != 0)
        fprintf(stderr, "make_licence_ofd: %s\n", err.msg);
    free(buf);
    sc_ofd_doc_free(doc);
    return rc;
}

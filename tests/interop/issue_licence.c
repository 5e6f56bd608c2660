/* issue_licence.c: issues one 营业执照 with sc_lic_issue (sealcore/license_file.h) from a
 * template and a fixed valid data row, sealed with a seal of the dev PKI's signer-prov, for
 * test_ofdjs.sh to hand to ofd.js. Prints the licence identifier.
 * Usage: issue_licence PKI_DIR SEAL.esl TEMPLATE.xml OUT.ofd [NAME=FILE ...]
 * (NAME=FILE: the template's background and font files). Exit 0 or 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealcore/license_file.h"
#include "tool.h"
#include "yyzz_row.h"

#define MAX_FILES 8


int main(int argc, char **argv)
{
    sc_lic_file files[MAX_FILES] = { { 0 } };
    uint8_t *data[MAX_FILES] = { 0 }, *xml = NULL, *esl = NULL, *cert = NULL, *out = NULL;
    size_t nfiles = 0, xml_len = 0, esl_len = 0, cert_len = 0, out_len = 0;
    sc_lic_template *t = NULL;
    sc_ses_seal *seal = NULL;
    sc_key *key = NULL;
    sc_lic_issue_params p = { .row = yyzz_row, .row_len = YYZZ_ROW_LEN,
        .issuer = "某某市市场监督管理局", .issuer_code = "11330105002500287C",
        .serial = "2026000001", .version = 1, .area_code = "330105",
        .verify_url = "https://zz.example.gov.cn/v", .files = files };
    sc_err err = SC_ERR_INIT;
    char id[SC_LIC_ID_BUF], path[4096], pass[4096];
    int rc = 1;

    if (argc < 5 || argc - 5 > MAX_FILES) {
        fprintf(stderr, "usage: issue_licence PKI_DIR SEAL.esl TEMPLATE.xml OUT.ofd "
                "[NAME=FILE ...]\n");
        return 1;
    }
    for (int i = 5; i < argc; i++, nfiles++) {
        char *eq = strchr(argv[i], '=');
        if (eq == NULL) {
            tool_errorf("issue_licence", "%s: not NAME=FILE", argv[i]);
            goto out;
        }
        *eq = '\0';
        if (tool_read_file(eq + 1, 64u << 20, &data[nfiles], &files[nfiles].len, &err) != 0)
            goto fail;
        files[nfiles].name = argv[i];
        files[nfiles].data = data[nfiles];
    }
    snprintf(path, sizeof(path), "%s/signer-prov.key", argv[1]);
    snprintf(pass, sizeof(pass), "%s/key-password", argv[1]);
    if (tool_load_key(path, pass, &key, &err) != 0)
        goto fail;
    snprintf(path, sizeof(path), "%s/signer-prov.pem", argv[1]);
    if (tool_read_cert(path, &cert, &cert_len, &err) != 0 ||
        tool_read_file(argv[2], 1u << 20, &esl, &esl_len, &err) != 0 ||
        sc_ses_seal_parse(&seal, esl, esl_len, &err) != 0 ||
        tool_read_file(argv[3], SC_LIC_TMPL_MAX, &xml, &xml_len, &err) != 0 ||
        sc_lic_template_parse(&t, xml, xml_len, &err) != 0)
        goto fail;
    p.tmpl = t;
    p.file_count = nfiles;
    p.seal = seal;
    p.key = key;
    p.cert = cert;
    p.cert_len = cert_len;
    if (sc_lic_issue_mem(&p, id, &out, &out_len, &err) != 0 ||
        tool_write_file(argv[4], out, out_len, 0644, &err) != 0)
        goto fail;
    printf("%s\n", id);
    rc = 0;
    goto out;
fail:
    tool_error("issue_licence", &err);
out:
    for (size_t i = 0; i < nfiles; i++)
        free(data[i]);
    free(xml), free(esl), free(cert), free(out);
    sc_lic_template_free(t);
    sc_ses_seal_free(seal);
    sc_key_free(key);
    return rc;
}

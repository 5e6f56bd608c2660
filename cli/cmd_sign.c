/* cmd_sign.c: sealctl sign data — a detached SES_Signature over a file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealcore/key.h"
#include "sealcore/ses.h"
#include "sealcore/time.h"
#include "sealctl.h"
#include "tool.h"

#define PROG "sealctl sign data"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: sealctl sign data --seal F.esl --cert SIGNER.pem --key SIGNER.key\n"
            "         [--key-pass-file F] [--property TEXT] -i FILE -o OUT.sig\n"
            "\n"
            "Signs FILE with the seal: a detached GB/T 38540 SES_Signature whose dataHash is\n"
            "SM3(FILE). The signer certificate must be listed in the seal, and the seal valid now.\n"
            "  --property TEXT   原文属性 (propertyInfo), printable ASCII; default: FILE's name\n");
}

int cmd_sign_data(int argc, char **argv)
{
    static const struct option opts[] = {
        { "seal", 1, NULL, 's' }, { "cert", 1, NULL, 'c' }, { "key", 1, NULL, 'k' },
        { "key-pass-file", 1, NULL, 'P' }, { "property", 1, NULL, 'p' },
        { "input", 1, NULL, 'i' }, { "output", 1, NULL, 'o' }, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    const char *seal_path = NULL, *cert_path = NULL, *key_path = NULL, *pass = NULL;
    const char *in = NULL, *out = NULL, *prop = NULL;
    uint8_t *sder = NULL, *cder = NULL, hash[32];
    size_t slen = 0, clen = 0, glen;
    sc_ses_seal *seal = NULL;
    sc_ses_sig *sig = NULL;
    sc_key *key = NULL;
    sc_err err = SC_ERR_INIT;
    int c, code = EXIT_USAGE;

    optind = 1;
    while ((c = getopt_long(argc, argv, "i:o:", opts, NULL)) != -1) {
        switch (c) {
        case 's': seal_path = optarg; break;
        case 'c': cert_path = optarg; break;
        case 'k': key_path = optarg; break;
        case 'P': pass = optarg; break;
        case 'p': prop = optarg; break;
        case 'i': in = optarg; break;
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return EXIT_DONE;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!seal_path || !cert_path || !key_path || !in || !out || optind != argc) {
        tool_errorf(PROG, "--seal, --cert, --key, -i and -o are required");
        usage(stderr);
        return EXIT_USAGE;
    }
    if (prop == NULL) {
        const char *slash = strrchr(in, '/');
        prop = slash ? slash + 1 : in;
    }
    if (tool_read_file(seal_path, SC_SES_MAX_SEAL, &sder, &slen, &err) != 0 ||
        sc_ses_seal_parse(&seal, sder, slen, &err) != 0 ||
        tool_read_cert(cert_path, &cder, &clen, &err) != 0 || tool_sm3_file(in, hash, &err) != 0 ||
        tool_load_key(key_path, pass, &key, &err) != 0)
        goto fail;
    sc_ses_sign_params sp = { .data_hash = hash, .data_hash_len = 32, .property_info = prop };
    if (sc_ses_sign(&sig, seal, key, cder, clen, &sp, &err) != 0)
        goto fail;
    const uint8_t *g = sc_ses_sig_get_der(sig, &glen);
    if (tool_write_file(out, g, glen, 0644, &err) != 0)
        goto fail;
    fprintf(stderr, "sealctl: %s signed with seal %s: %s (%zu bytes)\n", in,
            sc_ses_seal_get_info(seal)->es_id, out, glen);
    code = EXIT_DONE;
    goto done;
fail:
    tool_error(PROG, &err);
    code = exit_for(err.code);
done:
    sc_key_free(key);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(seal);
    free(sder);
    free(cder);
    return code;
}

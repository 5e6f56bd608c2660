/* seal-verify: verifies a seal (.esl) or a detached seal signature offline, from the trust
 * anchors it is given, and prints the report (spec/verify-report.md).
 * Exit: 0 valid; 1 a check failed or chains could not be checked for lack of anchors;
 * 2 the input could not be read or parsed, or the command line is wrong. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealcore/ses.h"
#include "sealcore/time.h"
#include "sealcore/trust.h"
#include "sealcore/verify.h"
#include "tool.h"

static const char *prog = "seal-verify";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: seal-verify [--trust CA.pem]... [--ca-certs FILE]... [--data FILE]\n"
            "                   [--at TIME] [--json] FILE\n"
            "\n"
            "Verifies FILE, a seal (SES_Seal, .esl) or a detached seal signature\n"
            "(SES_Signature), offline. V1 (GM/T 0031-2014), V4 (GB/T 38540) and V5.\n"
            "\n"
            "  --trust CA.pem     trust anchor(s), PEM or DER; repeatable\n"
            "  --ca-certs FILE    intermediate CA certificates to build chains (not trusted)\n"
            "  --data FILE        the signed original, to check dataHash\n"
            "  --at TIME          judge certificates and validity at TIME (ISO 8601)\n"
            "                     instead of the signing time (seals: instead of now)\n"
            "  --json             print the report as JSON\n"
            "\n"
            "Exit status: 0 valid; 1 a check failed, or no --trust was given;\n"
            "2 FILE unreadable or not a seal or signature.\n");
}

static int add_trust(sc_trust *t, const char *path, int anchor, sc_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = tool_read_file(path, 16 * 1024 * 1024, &buf, &len, err);

    if (rc == 0 && (rc = sc_trust_add(t, buf, len, anchor, err)) != 0)
        sc_err_prefix(err, "%s", path);
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "trust", required_argument, NULL, 't' }, { "ca-certs", required_argument, NULL, 'c' },
        { "data", required_argument, NULL, 'd' }, { "at", required_argument, NULL, 'a' },
        { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    sc_err err = SC_ERR_INIT;
    sc_trust *trust = NULL;
    sc_report *rep = NULL;
    sc_verify_opts vo = { 0 };
    const char *data_path = NULL;
    uint8_t *in = NULL, hash[32];
    size_t in_len = 0;
    char *out = NULL;
    int json = 0, c, code = 2;

    if (sc_trust_new(&trust, &err) != 0)
        goto fail;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 't': case 'c':
            if (add_trust(trust, optarg, c == 't', &err) != 0)
                goto fail;
            break;
        case 'd': data_path = optarg; break;
        case 'a':
            if (sc_time_parse(optarg, &vo.at, &err) != 0)
                goto fail;
            break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); code = 0; goto done;
        default: usage(stderr); goto done;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        goto done;
    }
    vo.trust = trust;
    if (data_path != NULL) {
        if (tool_sm3_file(data_path, hash, &err) != 0)
            goto fail;
        vo.data_sm3 = hash;
    }
    if (sc_report_new(&rep, argv[optind], NULL, &err) != 0)
        goto fail;
    if (tool_read_file(argv[optind], SC_SES_MAX_SIGNATURE, &in, &in_len, &err) != 0) {
        if (sc_report_add_error(rep, err.msg, NULL) != 0)
            goto fail;
    } else if (sc_verify_der(rep, in, in_len, &vo, &err) != 0) {
        goto fail;
    }
    if ((json ? sc_report_to_json(rep, &out, &err) : sc_report_to_text(rep, &out, &err)) != 0)
        goto fail;
    fputs(out, stdout);
    fputc('\n', stdout);
    code = sc_report_exit_code(rep);
    if (code == 2 && !json)
        tool_errorf(prog, "%s: cannot be read as a seal or seal signature", argv[optind]);
    goto done;
fail:
    tool_error(prog, &err);
    code = 2;
done:
    free(out);
    free(in);
    sc_report_free(rep);
    sc_trust_free(trust);
    return code;
}

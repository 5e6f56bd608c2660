/* seal-verify: verifies a seal (.esl), a detached seal signature or a signed OFD document
 * offline, from the trust anchors it is given, and prints the report (spec/verify-report.md).
 * Exit: 0 valid; 1 a check failed or chains could not be checked for lack of anchors;
 * 2 the input could not be read or parsed, or the command line is wrong. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sealcore/ofd.h"
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
            "Verifies FILE offline: a seal (SES_Seal, .esl), a detached seal signature\n"
            "(SES_Signature; V1 GM/T 0031-2014, V4 GB/T 38540, V5), or a signed OFD\n"
            "document (.ofd: every signature, Seal or Sign, and what they protect).\n"
            "\n"
            "  --trust CA.pem     trust anchor(s), PEM or DER; repeatable\n"
            "  --ca-certs FILE    intermediate CA certificates to build chains (not trusted)\n"
            "  --data FILE        the signed original, to check dataHash (not for .ofd)\n"
            "  --at TIME          judge certificates and validity at TIME (ISO 8601)\n"
            "                     instead of the signing time (seals: instead of now)\n"
            "  --json             print the report as JSON\n"
            "\n"
            "Exit status: 0 valid; 1 a check failed, or no --trust was given;\n"
            "2 FILE unreadable or not a seal, signature or signed OFD.\n");
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

enum { AS_DER, AS_OFD, AS_NEITHER, DATA_REFUSED };

/* A signed OFD is a zip, possibly with bytes before it (some vendors write them), so it is
 * told from DER by asking the OFD reader, which finds the zip's end record wherever it is;
 * the file is read through fd, never whole (OFDs may be hundreds of MB). A file that starts
 * like DER (a SEQUENCE) and is not a zip is left to the seal and signature readers.
 * @return AS_DER (not handled here), AS_OFD (verified, or an OFD the reader refused),
 *         AS_NEITHER (recorded as unreadable), DATA_REFUSED, or <0 on ENOMEM (err) */
static int verify_ofd_file(sc_report *rep, const char *path, const sc_verify_opts *vo,
                           int has_data, sc_err *err)
{
    sc_ofd_pkg *pkg = NULL;
    sc_err perr = SC_ERR_INIT;
    struct stat st;
    uint8_t head[2] = { 0, 0 };
    int fd, rc;

    if (strcmp(path, "-") == 0)
        return AS_DER;   /* a pipe cannot be read twice: main() looks at the bytes */
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return AS_DER;   /* tool_read_file reports why */
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || pread(fd, head, 2, 0) < 0) {
        close(fd);
        return AS_DER;
    }
    rc = sc_ofd_pkg_open_fd(&pkg, fd, &perr);
    if (rc == 0 && has_data) {
        rc = DATA_REFUSED;
    } else if (rc == 0) {
        rc = sc_verify_ofd(rep, pkg, vo, err);
        rc = rc != 0 ? rc : AS_OFD;
    } else if (rc == SC_ENOMEM) {
        rc = sc_err_set(err, rc, "%s", perr.msg);
    } else if (head[0] == 0x30) {
        rc = AS_DER;
    } else if (head[0] == 'P' && head[1] == 'K') {   /* a zip, but not one we can read */
        rc = sc_report_set_format(rep, "ofd", err);
        rc = rc != 0 ? rc : sc_report_add_error(rep, perr.msg, err);
        rc = rc != 0 ? rc : AS_OFD;
    } else {
        sc_err_prefix(&perr, "not a seal, seal signature or OFD document");
        rc = sc_report_add_error(rep, perr.msg, err);
        rc = rc != 0 ? rc : AS_NEITHER;
    }
    sc_ofd_pkg_free(pkg);
    close(fd);
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
    if ((c = verify_ofd_file(rep, argv[optind], &vo, data_path != NULL, &err)) < 0)
        goto fail;
    if (c == DATA_REFUSED) {
        tool_errorf(prog, "--data is for detached signatures: an OFD document carries the data "
                    "its signatures cover");
        goto done;
    }
    if (c != AS_DER) {
        /* verified (or found unreadable) above */
    } else if (tool_read_file(argv[optind], SC_SES_MAX_SIGNATURE, &in, &in_len, &err) != 0) {
        if (sc_report_add_error(rep, err.msg, NULL) != 0)
            goto fail;
    } else if (in_len >= 4 && memcmp(in, "PK\3\4", 4) == 0) {   /* an OFD on standard input */
        c = AS_OFD;
        if (data_path != NULL) {
            tool_errorf(prog, "--data is for detached signatures: an OFD document carries the "
                        "data its signatures cover");
            goto done;
        }
        if (sc_verify_ofd_mem(rep, in, in_len, &vo, &err) != 0)
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
        tool_errorf(prog, "%s: cannot be read as %s", argv[optind], c == AS_OFD ?
                    "a signed OFD document" : c == AS_NEITHER ?
                    "a seal, seal signature or signed OFD document" : "a seal or seal signature");
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

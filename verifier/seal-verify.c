/* seal-verify: verifies a seal (.esl), a detached seal signature or a signed OFD document
 * offline, from the trust anchors it is given, and prints the report (spec/verify-report.md);
 * with --status-list FILE or --status URL also whether each seal was suspended or revoked
 * at the time judged (the seal_status check, spec/status.asn1). An OFD licence also gets
 * the license check and its fields (spec/license-file.md §6), with its status likewise.
 * Exit: 0 valid; 1 a check failed or could not be done (no anchors, …);
 * 2 the input could not be read or parsed, a status response could not be fetched, or the
 * command line is wrong. */
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
#include "sealcore/status.h"
#include "sealcore/time.h"
#include "sealcore/trust.h"
#include "sealcore/verify.h"
#include "status_fetch.h"
#include "tool.h"

static const char *prog = "seal-verify";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: seal-verify [--trust CA.pem]... [--ca-certs FILE]... [--data FILE]\n"
            "                   [--at TIME] [--status-list FILE | --status URL [--tls-ca FILE]\n"
            "                   [--tls-cert FILE --tls-key FILE [--tls-key-pass-file FILE]]\n"
            "                   [--status-token-file FILE] [--status-nonce]]\n"
            "                   [--json] FILE\n"
            "\n"
            "Verifies FILE offline: a seal (SES_Seal, .esl), a detached seal signature\n"
            "(SES_Signature; V1 GM/T 0031-2014, V4 GB/T 38540, V5), or a signed OFD\n"
            "document (.ofd: every signature, Seal or Sign, and what they protect; an\n"
            "e-licence also its metadata, identifier and status: the license check).\n"
            "\n"
            "  --trust CA.pem     trust anchor(s), PEM or DER; repeatable\n"
            "  --ca-certs FILE    intermediate CA certificates to build chains (not trusted)\n"
            "  --data FILE        the signed original, to check dataHash (not for .ofd)\n"
            "  --at TIME          judge certificates and validity at TIME (ISO 8601)\n"
            "                     instead of the signing time (seals: instead of now)\n"
            "  --status-list FILE the province's signed status list (DER StatusResponse):\n"
            "                     each seal (and licence) must have been good at the time\n"
            "                     judged\n"
            "  --status URL       the same from the status server at URL (https://host:port):\n"
            "                     GET URL/api/v1/seals/<esID>/status for each seal found\n"
            "                     (a licence: URL/api/v1/licenses/<identifier>/status);\n"
            "                     http:// only to 127.0.0.1 or localhost, file:// a local copy\n"
            "  --tls-ca FILE      CA certificate(s) of the status server (default: the system's)\n"
            "  --tls-cert FILE    client certificate, when the server asks for one\n"
            "  --tls-key FILE     its key; --tls-key-pass-file FILE: the key's password\n"
            "  --status-token-file FILE  a bearer token (first line) for a status server\n"
            "                     that does not answer anonymous verifiers\n"
            "  --status-nonce     send a fresh nonce with each request and refuse an answer\n"
            "                     that does not echo it (no replayed or cached answers)\n"
            "  --json             print the report as JSON\n"
            "\n"
            "Status responses are verified with the --trust anchors (the status signer's CA\n"
            "as an anchor or through --ca-certs).\n"
            "\n"
            "Exit status: 0 valid; 1 a check failed, or no --trust was given;\n"
            "2 FILE unreadable or not a seal, signature or signed OFD, or a status response\n"
            "could not be fetched.\n");
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

/* --status-list FILE: read whole (a province's list is a few MB; the reader's limit is
 * SC_STATUS_MAX_DER) and parsed once for every item. A file that is not a StatusResponse is
 * a command-line error (exit 2), like a --trust file that is not a certificate. */
static int load_status_list(const char *path, sc_status_resp **out, sc_err *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = tool_read_file(path, SC_STATUS_MAX_DER, &buf, &len, err);

    if (rc == 0 && (rc = sc_status_resp_parse(out, buf, len, err)) != 0)
        sc_err_prefix(err, "--status-list %s", path);
    free(buf);
    return rc;
}

/* --status URL: the fetcher; the key password and the token are read here and wiped once
 * libcurl has its own copies (never on the command line, where ps shows them). */
static int open_fetch(sv_fetch_opts *fo, const char *pass_file, const char *token_file,
                      sv_fetch **out, sc_err *err)
{
    char *pass = NULL, *token = NULL;
    size_t plen = 0, tlen = 0;
    int rc = 0;

    if ((pass_file != NULL &&
         (rc = tool_read_password(pass_file, "TLS client key", &pass, &plen, err)) != 0) ||
        (token_file != NULL &&
         (rc = tool_read_password(token_file, "status token", &token, &tlen, err)) != 0)) {
        tool_free_secret(pass, plen);
        return rc;
    }
    fo->tls_key_pass = pass;
    fo->token = token;
    rc = sv_fetch_new(out, fo, err);
    fo->tls_key_pass = NULL;
    fo->token = NULL;
    tool_free_secret(pass, plen);
    tool_free_secret(token, tlen);
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
    enum { O_STATUS = 256, O_STATUS_LIST, O_TLS_CA, O_TLS_CERT, O_TLS_KEY, O_TLS_PASS,
           O_TOKEN, O_NONCE };
    static const struct option opts[] = {
        { "trust", required_argument, NULL, 't' }, { "ca-certs", required_argument, NULL, 'c' },
        { "data", required_argument, NULL, 'd' }, { "at", required_argument, NULL, 'a' },
        { "status", required_argument, NULL, O_STATUS },
        { "status-list", required_argument, NULL, O_STATUS_LIST },
        { "tls-ca", required_argument, NULL, O_TLS_CA },
        { "tls-cert", required_argument, NULL, O_TLS_CERT },
        { "tls-key", required_argument, NULL, O_TLS_KEY },
        { "tls-key-pass-file", required_argument, NULL, O_TLS_PASS },
        { "status-token-file", required_argument, NULL, O_TOKEN },
        { "status-nonce", no_argument, NULL, O_NONCE },
        { "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    sc_err err = SC_ERR_INIT;
    sc_trust *trust = NULL;
    sc_report *rep = NULL;
    sc_verify_opts vo = { 0 };
    sv_fetch_opts fo = { 0 };
    sv_fetch *fetch = NULL;
    sc_status_resp *list = NULL;
    const char *data_path = NULL, *list_path = NULL, *pass_file = NULL, *token_file = NULL;
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
        case O_STATUS: fo.base = optarg; break;
        case O_STATUS_LIST: list_path = optarg; break;
        case O_TLS_CA: fo.tls_ca = optarg; break;
        case O_TLS_CERT: fo.tls_cert = optarg; break;
        case O_TLS_KEY: fo.tls_key = optarg; break;
        case O_TLS_PASS: pass_file = optarg; break;
        case O_TOKEN: token_file = optarg; break;
        case O_NONCE: fo.nonce = 1; break;
        case 'j': json = 1; break;
        case 'h': usage(stdout); code = 0; goto done;
        default: usage(stderr); goto done;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        goto done;
    }
    if (fo.base != NULL && list_path != NULL) {
        tool_errorf(prog, "give --status URL or --status-list FILE, not both");
        goto done;
    }
    if (fo.base == NULL && (fo.tls_ca || fo.tls_cert || fo.tls_key || pass_file || token_file ||
                            fo.nonce)) {
        tool_errorf(prog, "--tls-ca, --tls-cert, --tls-key, --tls-key-pass-file, "
                    "--status-token-file and --status-nonce are for --status URL");
        goto done;
    }
    if (list_path != NULL && load_status_list(list_path, &list, &err) != 0)
        goto fail;
    if (fo.base != NULL && open_fetch(&fo, pass_file, token_file, &fetch, &err) != 0)
        goto fail;
    vo.trust = trust;
    vo.status = list;
    vo.status_fn = fetch != NULL ? sv_fetch_status : NULL;
    vo.license_status_fn = fetch != NULL ? sv_fetch_license_status : NULL;
    vo.status_ctx = fetch;
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
    /* a status asked for and not had is not a verdict on the seal but a failed run: the
     * report says which URL failed how, and the exit code is 2 */
    size_t nfetch = fetch != NULL ? sv_fetch_error_count(fetch) : 0;
    for (size_t i = 0; i < nfetch; i++)
        if (sc_report_add_error(rep, sv_fetch_error(fetch, i), &err) != 0)
            goto fail;
    if ((json ? sc_report_to_json(rep, &out, &err) : sc_report_to_text(rep, &out, &err)) != 0)
        goto fail;
    fputs(out, stdout);
    fputc('\n', stdout);
    code = sc_report_exit_code(rep);
    if (code == 2 && !json && nfetch > 0)
        tool_errorf(prog, "the status of %zu seal%s could not be fetched from %s", nfetch,
                    nfetch > 1 ? "s" : "", fo.base);
    else if (code == 2 && !json)
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
    sv_fetch_free(fetch);
    sc_status_resp_free(list);
    sc_trust_free(trust);
    return code;
}

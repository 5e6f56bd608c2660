/* sealctl: the administrators' command line: make and inspect seals, sign data, make OFD documents,
 * prepare a province and check its audit log.
 * Each sub-command lives in cmd_*.c; this file only dispatches and prints help. A command
 * without a sub-command (init) has name NULL. */
#include <stdio.h>
#include <string.h>

#include "sealcore/error.h"
#include "remote.h"
#include "sealctl.h"

static const struct {
    const char *group, *name, *summary;
    int (*run)(int, char **);
} cmds[] = {
    { "seal", "make", "make and sign a GB/T 38540 seal (.esl)", cmd_seal_make },
    { "seal", "show", "print a seal's fields, optionally extract its picture", cmd_seal_show },
    { "sign", "data", "sign a file with a seal: a detached SES_Signature (--server: remote)",
      cmd_sign_data_any },
    { "sign", "ofd", "stamp a seal onto an OFD document (page, keyword, riding; --server)",
      cmd_sign_ofd_any },
    { "ofd", "new", "make a simple OFD document (text, images, metadata)", cmd_ofd_new },
    { "init", NULL, "prepare a province: PKI, server config, store, first admin", cmd_init },
    { "audit", "verify", "check a store's audit chain, name the first broken record (--server)",
      cmd_audit_verify_any },
    { "audit", "show", "print a store's audit records (--server)", cmd_audit_show_any },
    /* against a running seal-server (--server URL; remote.h, cmd_remote*.c) */
    { "unit", "add", "register a unit (admin)", cmd_unit_add },
    { "unit", "list", "the registered units", cmd_unit_list },
    { "seal", "apply", "apply for a seal (admin, seal-officer)", cmd_seal_apply },
    { "seal", "approve", "approve an application: the seal is made (seal-officer)",
      cmd_seal_approve },
    { "seal", "reject", "reject an application (seal-officer)", cmd_seal_reject },
    { "seal", "applications", "list seal applications", cmd_seal_applications },
    { "seal", "list", "list the seals the server made", cmd_seal_list },
    { "seal", "get", "a seal the server made, its status; -o saves it", cmd_seal_get },
    { "seal", "suspend", "suspend a seal (seal-officer)", cmd_seal_suspend },
    { "seal", "resume", "resume a suspended seal (seal-officer)", cmd_seal_resume },
    { "seal", "revoke", "revoke a seal, final (seal-officer)", cmd_seal_revoke },
    { "sign", "batch", "sign many files with a seal on the server, per-item results",
      cmd_sign_batch },
    { "grant", "add", "let a client sign with a seal (admin)", cmd_grant_add },
    { "grant", "list", "who may sign with which seal (admin)", cmd_grant_list },
    { "grant", "revoke", "withdraw a grant (admin)", cmd_grant_revoke },
    { "client", "add", "add an API client: roles, certificate, token shown once (admin)",
      cmd_client_add },
    { "client", "list", "the API clients (admin)", cmd_client_list },
    { "client", "disable", "refuse a client's credentials from now on (admin)",
      cmd_client_disable },
    { "client", "enable", "accept a disabled client again (admin)", cmd_client_enable },
    { "client", "rotate-token", "a new bearer token; the old one stops at once (admin)",
      cmd_client_rotate },
    { "status", "get", "a seal's status; -o saves the signed response", cmd_status_get },
    { "status-list", NULL, "save the signed list of every seal's status", cmd_status_list },
    { "license", "type", "licence types: add TEMPLATE.xml [--file NAME=PATH]... | list",
      cmd_license_type },
    { "license", "grant", "add: let a client issue a licence type with a seal (admin)",
      cmd_license_grant },
    { "license", "issue", "issue one licence from a JSON row, save its OFD (operator)",
      cmd_license_issue },
    { "license", "batch", "issue a licence per CSV row, 1000 a request, resumable",
      cmd_license_batch },
    { "license", "suspend", "suspend a licence (seal-officer, admin)", cmd_license_suspend },
    { "license", "resume", "resume a suspended licence (seal-officer, admin)",
      cmd_license_resume },
    { "license", "revoke", "revoke a licence, final (seal-officer, admin)", cmd_license_revoke },
    { "license", "status", "a licence's status; -o saves the signed response",
      cmd_license_status },
    { "license", "seal", "stamp the seal onto existing licence OFDs (存量证照加盖)",
      cmd_license_seal },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: sealctl COMMAND SUBCOMMAND [options]   (--help on each)\n\n");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        char label[32];
        snprintf(label, sizeof(label), "%s%s%s", cmds[i].group, cmds[i].name ? " " : "",
                 cmds[i].name ? cmds[i].name : "");
        fprintf(f, "  %-13s %s\n", label, cmds[i].summary);
    }
    fprintf(f, "\nExit status: 0 done; 1 refused or failed; 2 wrong usage or unreadable input;\n"
               "3 no answer from the server (network, TLS, server error).\n");
}

int exit_for(int code)
{
    return code == SC_EFORMAT || code == SC_EIO || code == SC_ELIMIT ? EXIT_USAGE : EXIT_FAILED;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return EXIT_DONE;
    }
    for (size_t i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (cmds[i].name == NULL && strcmp(argv[1], cmds[i].group) == 0)
            return cmds[i].run(argc - 1, argv + 1);
    if (argc < 3) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (cmds[i].name != NULL && strcmp(argv[1], cmds[i].group) == 0 &&
            strcmp(argv[2], cmds[i].name) == 0)
            return cmds[i].run(argc - 2, argv + 2);
    fprintf(stderr, "sealctl: unknown command \"%s %s\"\n\n", argv[1], argv[2]);
    usage(stderr);
    return EXIT_USAGE;
}

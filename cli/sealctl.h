/* sealctl.h: the sub-commands of sealctl; each returns the process exit code. */
#ifndef SEALCTL_H
#define SEALCTL_H

/* Exit codes: 0 done; 1 the operation was refused or failed (message on stderr);
 * 2 wrong usage or unreadable input. */
enum { EXIT_DONE = 0, EXIT_FAILED = 1, EXIT_USAGE = 2 };

int cmd_seal_make(int argc, char **argv);
int cmd_seal_show(int argc, char **argv);
int cmd_sign_data(int argc, char **argv);
int cmd_sign_ofd(int argc, char **argv);
int cmd_ofd_new(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_audit_verify(int argc, char **argv);
int cmd_audit_show(int argc, char **argv);

/* Map a seal-core code to an exit code: input problems are 2, refusals 1. */
int exit_for(int sc_code);

#endif

/* init_stage.h: where sealctl init (cmd_init.c) builds a province before it exists, and how it
 * moves it into place all at once or not at all.
 *
 * A new DIR is staged beside it (".DIR.sealctl-init.XXXXXX", same file system) and appears with
 * one rename(2). An existing DIR gets a hidden staging directory inside; at commit, init's
 * entries already in DIR are first moved into the stage, then the new ones into DIR, and every
 * step is undone if one fails. Messages go to stderr; functions return 0 or an exit code. */
#ifndef SEALCTL_INIT_STAGE_H
#define SEALCTL_INIT_STAGE_H

#include <signal.h>

#define INIT_PROG "sealctl init"
/* init's entries in DIR */
#define INIT_CONFIG "seal-server.json"
#define INIT_STORE "store.db"
#define INIT_TOKEN "admin.token"
#define INIT_PKI "pki"

#ifndef SEALCTL_MAKE_DEV_PKI
#define SEALCTL_MAKE_DEV_PKI "make-dev-pki"   /* cli/meson.build sets certs-dev's */
#endif

typedef struct init_stage {
    const char *dir;     /* DIR; borrowed */
    int dir_exists;      /* DIR existed (it is then kept, only init's entries change) */
    int keep_pki;        /* the PKI is given: DIR/pki is never moved (it may be that PKI) */
    char *path;          /* the staging directory; NULL before open and after commit/discard */
} init_stage;

/** "a/b" in a new buffer (free()); NULL when out of memory. */
char *init_join(const char *a, const char *b);

/** 1 if the directory holds anything, 0 if empty, -1 (errno set) if it cannot be read. */
int init_dir_nonempty(const char *path);

/** Make s->path (mode 0700). @return 0 or an exit code */
int init_stage_open(init_stage *s);

/** Move the staged entries into DIR (see above); s->path is consumed for a new DIR. */
int init_stage_commit(init_stage *s);

/** Remove the staging directory and everything in it (a no-op when none). */
void init_stage_discard(init_stage *s);

/** 1 if SIGINT, SIGTERM, SIGHUP or SIGQUIT is pending (init holds them while it works). */
int init_interrupted(void);

/** Run make-dev-pki into target: $SC_MAKE_DEV_PKI, else the build's default. Its standard
 *  output (progress naming the stage) is dropped, its errors shown. old_mask: the signal mask
 *  the child gets back. @return 0 or an exit code */
int init_make_dev_pki(const char *target, const sigset_t *old_mask);

#endif

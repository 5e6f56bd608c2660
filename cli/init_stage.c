/* init_stage.c: sealctl init's staging directory, the atomic move into DIR, make-dev-pki and
 * the held termination signals (init_stage.h). Not here: what goes into a province
 * (cmd_init.c). */
#include "init_stage.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sealctl.h"
#include "tool.h"

char *init_join(const char *a, const char *b)
{
    char *s = NULL;

    return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

int init_dir_nonempty(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    int found = 0;

    if (d == NULL)
        return -1;
    while (!found && (e = readdir(d)) != NULL)
        found = strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return found;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void init_stage_discard(init_stage *s)
{
    if (s->path != NULL)
        nftw(s->path, rm_one, 16, FTW_DEPTH | FTW_PHYS);   /* never follows a link */
    free(s->path);
    s->path = NULL;
}

int init_stage_open(init_stage *s)
{
    char *tmpl = NULL;
    int rc = 0;

    if (s->dir_exists) {
        tmpl = init_join(s->dir, ".sealctl-init.XXXXXX");
    } else {
        /* dirname() and basename() may modify their argument: each gets its own copy */
        char *a = strdup(s->dir), *b = strdup(s->dir);
        if (a != NULL && b != NULL &&
            asprintf(&tmpl, "%s/.%s.sealctl-init.XXXXXX", dirname(a), basename(b)) < 0)
            tmpl = NULL;
        free(a);
        free(b);
    }
    if (tmpl == NULL) {
        tool_errorf(INIT_PROG, "out of memory");
        rc = EXIT_FAILED;
    } else if (mkdtemp(tmpl) == NULL) {     /* mode 0700 */
        tool_errorf(INIT_PROG, "cannot create a staging directory %s: %s", tmpl, strerror(errno));
        rc = EXIT_FAILED;
    } else {
        s->path = tmpl;
        tmpl = NULL;
    }
    free(tmpl);
    return rc;
}

int init_interrupted(void)
{
    sigset_t p;

    return sigpending(&p) == 0 && (sigismember(&p, SIGINT) == 1 ||
                                   sigismember(&p, SIGTERM) == 1 ||
                                   sigismember(&p, SIGHUP) == 1 ||
                                   sigismember(&p, SIGQUIT) == 1);
}

int init_make_dev_pki(const char *target, const sigset_t *old_mask)
{
    const char *script = getenv("SC_MAKE_DEV_PKI");
    pid_t pid;
    int status = 0;

    if (script == NULL || script[0] == '\0')
        script = SEALCTL_MAKE_DEV_PKI;
    if (access(script, X_OK) != 0) {
        tool_errorf(INIT_PROG, "make-dev-pki %s: %s (set SC_MAKE_DEV_PKI to "
                    "certs-dev/make-dev-pki, or give --pki with existing certificates)", script,
                    strerror(errno));
        return EXIT_FAILED;
    }
    fflush(NULL);
    if ((pid = fork()) < 0) {
        tool_errorf(INIT_PROG, "fork: %s", strerror(errno));
        return EXIT_FAILED;
    }
    if (pid == 0) {
        /* its progress lines name the staging directory: only its errors are shown */
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        sigprocmask(SIG_SETMASK, old_mask, NULL);
        execl(script, script, "--", target, (char *)NULL);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            tool_errorf(INIT_PROG, "waitpid: %s", strerror(errno));
            return EXIT_FAILED;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        tool_errorf(INIT_PROG, "%s failed (%s %d)", script,
                    WIFEXITED(status) ? "exit" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return EXIT_FAILED;
    }
    return 0;
}

/* init's entries in DIR, in the order they are moved in: the config last, so that a config
 * is only ever seen beside its store. The -wal/-shm/-journal names go with the store (a stale
 * WAL beside a new store.db would be replayed into it). */
static const char *const entries[] = { INIT_PKI, INIT_STORE, INIT_STORE "-wal",
                                       INIT_STORE "-shm", INIT_STORE "-journal", INIT_TOKEN,
                                       INIT_CONFIG };
#define NENTRIES (sizeof(entries) / sizeof(entries[0]))

static int exists(const char *path)
{
    struct stat sb;

    return lstat(path, &sb) == 0;
}

/* Rename from/name to to/name if it exists; *moved says it was. */
static int move(const char *from, const char *to, const char *name, int *moved,
                const char *what)
{
    char *src = init_join(from, name), *dst = init_join(to, name);
    int rc = 0;

    if (src == NULL || dst == NULL) {
        tool_errorf(INIT_PROG, "out of memory");
        rc = EXIT_FAILED;
    } else if (exists(src)) {
        if (rename(src, dst) == 0) {
            *moved = 1;
        } else {
            tool_errorf(INIT_PROG, "%s %s: %s", what, src, strerror(errno));
            rc = EXIT_FAILED;
        }
    }
    free(src);
    free(dst);
    return rc;
}

/* Swap init's entries into an existing DIR: old ones go to STAGE/old first, so every step can
 * be undone. */
static int commit_into(init_stage *st)
{
    char *old = init_join(st->path, "old");
    int moved_out[NENTRIES] = { 0 }, moved_in[NENTRIES] = { 0 };
    size_t i;
    int rc = 0;

    if (old == NULL || mkdir(old, 0700) != 0) {
        tool_errorf(INIT_PROG, "%s: %s", old != NULL ? old : "staging", strerror(errno));
        free(old);
        return EXIT_FAILED;
    }
    for (i = 0; i < NENTRIES && rc == 0; i++) {
        if (i == 0 && st->keep_pki)
            continue;                          /* a given PKI (maybe DIR/pki) stays */
        rc = move(st->dir, old, entries[i], &moved_out[i], "moving aside");
    }
    for (i = 0; i < NENTRIES && rc == 0; i++)
        rc = move(st->path, st->dir, entries[i], &moved_in[i], "moving into place");
    if (rc != 0) {   /* undo: new entries back to the stage, old ones back into DIR */
        for (i = NENTRIES; i-- > 0;) {
            char *a = init_join(st->dir, entries[i]), *s = init_join(st->path, entries[i]),
                 *o = init_join(old, entries[i]);
            if (a != NULL && s != NULL && o != NULL) {
                if (moved_in[i])
                    rename(a, s);
                if (moved_out[i])
                    rename(o, a);
            }
            free(a);
            free(s);
            free(o);
        }
    }
    free(old);
    return rc;
}

int init_stage_commit(init_stage *st)
{
    if (st->dir_exists)
        return commit_into(st);
    /* rename(2) onto a missing name: DIR appears whole; someone else's DIR is not replaced */
    if (rename(st->path, st->dir) != 0) {
        tool_errorf(INIT_PROG, "%s: %s", st->dir, errno == ENOTEMPTY || errno == EEXIST
                    ? "created by someone else meanwhile; nothing changed" : strerror(errno));
        return EXIT_FAILED;
    }
    free(st->path);
    st->path = NULL;
    return 0;
}

/* main.c: `seal-server --config FILE`: read the config, open the store, serve until SIGTERM or
 * SIGINT, then drain and exit 0.
 * Exit codes: 0 clean shutdown; 1 a run-time failure (store, TLS files, port); 2 a usage or
 * configuration error (the message names the key).
 *
 * Signals are blocked in every thread (CivetWeb's workers inherit the mask from here) and
 * taken synchronously with sigtimedwait() in this thread, so no code runs in a signal
 * handler; between signals this thread does the upkeep (forget_old_answers). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#if defined(__GLIBC__)   /* defined by the headers above */
#include <malloc.h>
#include <sched.h>
#endif

#include "civetweb.h"
#ifdef SS_HAVE_SERVICE
#include "api_svc.h"
#endif
#include "config.h"
#include "log.h"
#include "server.h"
#include "store.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define PURGE_STEP 200       /* records a transaction (a record may be a whole stamped OFD) */
#define PURGE_PAUSE_NS 20000000L   /* between two: the signers' commits get the lock */
#define PURGE_BUDGET_S 2     /* an upkeep's time: a backlog goes over several ticks */

/* glibc gives threads up to 8 malloc arenas a CPU, and an arena keeps what a thread freed for
 * that thread's next peak: each worker that once served a 1,000-row licence batch held its
 * ~2 MB, and the server's peak grew over its first requests from 24 to 43 MB
 * (bench_lic_https). One arena a CPU it may run on (its affinity, which a container's cpuset
 * narrows) bounds that by the CPUs, not the workers, with no change in sign/data throughput
 * (bench_https: 608 vs 598-614 us a signature). An explicit MALLOC_ARENA_MAX in the
 * environment wins; other C libraries keep their own policy. */
static void bound_arenas(void)
{
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
    cpu_set_t set;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        cpus = CPU_COUNT(&set);
    if (getenv("MALLOC_ARENA_MAX") == NULL)
        mallopt(M_ARENA_MAX, cpus < 1 ? 1 : cpus > 64 ? 64 : (int)cpus);
#endif
}

/* The signing answers kept for retries with their Idempotency-Key (each a signature with its
 * seal, or a whole stamped OFD) are forgotten once older than the retention: without this the
 * store grew by every keyed request for ever. In short transactions with a pause between
 * them (the committer's BEGIN IMMEDIATE sleeps in its busy handler and would otherwise lose
 * the lock to the next one), for PURGE_BUDGET_S at most, and a signal ends it at once.
 * Returns the signal that came meanwhile, or 0. */
static int forget_old_answers(const sigset_t *set, ss_store *st, unsigned retention_s)
{
    int64_t before = (int64_t)time(NULL) - (int64_t)retention_s, removed = 0, total = 0;
    time_t until = time(NULL) + PURGE_BUDGET_S;
    sc_err err = SC_ERR_INIT;
    int sig = 0;

    for (;;) {
        struct timespec pause = { 0, PURGE_PAUSE_NS };

        if (ss_store_idem_purge(st, before, PURGE_STEP, &removed, &err) != 0) {
            ss_log_event("warn", "upkeep", "forgetting idempotency records: %s (tried again "
                         "later)", err.msg);
            break;
        }
        total += removed;
        if (removed < PURGE_STEP || time(NULL) >= until)
            break;
        if ((sig = sigtimedwait(set, NULL, &pause)) > 0)
            break;
        sig = 0;
    }
    if (total > 0)
        ss_log_event("info", "upkeep", "%lld idempotency record(s) older than %u s forgotten%s",
                     (long long)total, retention_s, removed == PURGE_STEP ? " (more next time)"
                     : "");
    return sig;
}

/* Waits for SIGTERM or SIGINT, doing the upkeep every `every` seconds meanwhile (0: never).
 * Returns the signal. */
static int wait_for_signal(const sigset_t *set, ss_store *st, unsigned retention_s,
                           unsigned every)
{
    for (;;) {
        struct timespec tick = { (time_t)(every > 0 ? every : 3600), 0 };
        int sig = sigtimedwait(set, NULL, &tick);

        if (sig > 0)
            return sig;
        if (sig < 0 && errno != EAGAIN && errno != EINTR)
            return 0;
        if (sig < 0 && errno == EAGAIN && every > 0 &&
            (sig = forget_old_answers(set, st, retention_s)) > 0)
            return sig;
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: seal-server --config FILE [--check-config]\n"
               "  --config FILE    JSON configuration (seal-server/README.md)\n"
               "  --check-config   read and check the configuration, then exit (0: valid)\n");
}

int main(int argc, char **argv)
{
    const char *cfg_path = NULL;
    int check_only = 0, status = EXIT_RUNTIME, sig = 0, mg_inited = 0;
    ss_config *cfg = NULL;
    ss_store *store = NULL;
    ss_server *srv = NULL;
#ifdef SS_HAVE_SERVICE
    ss_api_svc *api = NULL;
#endif
    sc_err err = SC_ERR_INIT;
    sigset_t set;
    long left;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            cfg_path = argv[++i];
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            cfg_path = argv[i] + 9;
        } else if (strcmp(argv[i], "--check-config") == 0) {
            check_only = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "seal-server: unknown or incomplete argument: %s\n", argv[i]);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (cfg_path == NULL) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (ss_config_load(&cfg, cfg_path, &err) != 0) {
        ss_log_event("error", "config", "%s", err.msg);
        status = err.code == SC_ENOMEM ? EXIT_RUNTIME : EXIT_USAGE;
        goto out;
    }

    bound_arenas();
    /* Block before any thread exists, so every CivetWeb thread inherits the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
        ss_log_event("error", "start", "cannot block SIGTERM/SIGINT");
        goto out;
    }
    if ((rc = ss_server_new(&srv, cfg, &err)) != 0) {
        ss_log_event("error", "config", "%s", err.msg);
        /* A max_body_bytes key naming no route is a configuration error. */
        status = rc == SC_EINVAL ? EXIT_USAGE : EXIT_RUNTIME;
        goto out;
    }
    if (check_only) {
        status = 0;
        goto out;
    }
    if (ss_server_load_tls(srv, &err) != 0) {
        ss_log_event("error", "start", "%s", err.msg);
        goto out;
    }
    if (ss_store_open_sqlite(&store, ss_config_store_path(cfg), &err) != 0) {
        ss_log_event("error", "start", "store %s: %s", ss_config_store_path(cfg), err.msg);
        goto out;
    }
#ifdef SS_HAVE_SERVICE
    /* The service keys are read once, here: a wrong password or a mismatched pair stops the
     * start like a bad TLS key. */
    if (ss_api_svc_new(&api, cfg, store, &err) != 0) {
        ss_log_event("error", "start", "%s", err.msg);
        goto out;
    }
    ss_server_set_api(srv, api);
    if (api->svc == NULL)
        ss_log_event("warn", "start", "no seal_ca/seal_maker in the config: the seal API "
                     "answers 503");
#else
    if (ss_config_has_service(cfg))
        ss_log_event("warn", "start", "this build has no service layer: the seal API is off");
#endif
    mg_init_library(ss_config_plain_http(cfg) ? 0 : MG_FEATURES_TLS);
    mg_inited = 1;
    if (ss_server_start(srv, store, &err) != 0) {
        ss_log_event("error", "start", "%s", err.msg);
        goto out;
    }
    if (ss_config_test_routes(cfg))
        ss_log_event("warn", "start", "test_routes is on: /test/slow and /test/echo are "
                     "served; never use this in production");
    ss_log_event("info", "listening", "%s on %s:%u (%s, %u threads, client certificates %s)",
                 ss_config_role_name(cfg), ss_config_listen_host(cfg),
                 ss_config_listen_port(cfg), ss_config_plain_http(cfg) ? "plain HTTP" : "TLS",
                 ss_config_threads(cfg),
                 ss_config_tls_client_ca(cfg) != NULL ? "requested" : "not requested");

    {
        unsigned keep = ss_config_idem_retention_s(cfg);
        /* half the retention, at most a minute: a record is kept at most one tick longer */
        unsigned every = keep == 0 ? 0 : keep / 2 < 1 ? 1 : keep / 2 > 60 ? 60 : keep / 2;

        sig = wait_for_signal(&set, store, keep, every);
    }
    ss_log_event("info", "shutdown", "signal %d: draining (up to %u ms)", sig,
                 ss_config_shutdown_timeout_ms(cfg));
    left = ss_server_drain(srv, ss_config_shutdown_timeout_ms(cfg));
    if (left > 0)
        ss_log_event("warn", "shutdown", "%ld request(s) still running at the deadline are "
                     "cut off", left);
    ss_server_free(srv);       /* mg_stop: closes the listener and joins the workers */
    srv = NULL;
    status = 0;
    ss_log_event("info", "stopped", "clean shutdown");
out:
    ss_server_free(srv);
#ifdef SS_HAVE_SERVICE
    ss_api_svc_free(api);   /* after the workers stopped: no handler holds the service */
#endif
    ss_store_close(store);
    ss_config_free(cfg);
    if (mg_inited)
        mg_exit_library();
    return status;
}

/* bench_srv.h: a real seal-server for the HTTPS benchmarks (bs_*), on the integration tests'
 * fixture (server_fixture.h): started with the seal service on a free 127.0.0.1 port, killed
 * at exit whatever happened, its CPU and memory read from /proc, and the API calls that give
 * it a granted seal. Every helper exits the benchmark on failure: a figure must come from
 * work that succeeded. */
#ifndef BENCH_SRV_H
#define BENCH_SRV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "server_fixture.h"

/** The program name bs_die() prints first (default "bench"). */
extern const char *bs_prog;

/** Print "PROG: what: detail" and exit 1. */
void bs_die(const char *what, const char *detail) __attribute__((noreturn));

/** Base64 of p (new string, free()). */
char *bs_b64(const uint8_t *p, size_t n);

/** CPU seconds (user + system, all threads) pid has used so far; 0 when unreadable. */
double bs_proc_cpu(pid_t pid);
/** A "Name:   N kB" line of /proc/pid/status, KiB; -1 when absent. */
long bs_proc_status_kib(pid_t pid, const char *name);

/** The fixture's service config with `threads` workers and a time-stamp in every signature
 *  when tsa (as `sealctl init` configures a province), started on *s; returns once /healthz
 *  answers 200 (the store, the keys and the audit are then open). The server is killed at
 *  exit unless bs_server_stop() stopped it. */
void bs_server_start(sf_server *s, unsigned threads, int tsa);
/** SIGTERM and wait; the server is no longer killed at exit.
 *  @return as sf_server_stop: 0 when it exited 0 */
int bs_server_stop(sf_server *s);

/** One JSON call (POST when body, else GET) that must answer `want`; the answer's member
 *  `key` (integer or string) into out. */
void bs_call(const sf_server *s, const char *path, const char *token, const char *body,
             long want, const char *key, char *out, size_t n);

/** A unit, a seal application (admin), its approval (seal officer) and a signing grant to the
 *  operator; the seal's esID into es. */
void bs_make_granted_seal(const sf_server *s, char *es, size_t n);

#endif

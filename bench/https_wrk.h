/* https_wrk.h: bench_https's second client, Debian's wrk (one thread, epoll, OpenSSL), whose
 * cost a request is a fraction of libcurl multi's: with both on the server's two cores, the
 * client's share decides how close to raw SM2 the server can be measured. */
#ifndef BENCH_HTTPS_WRK_H
#define BENCH_HTTPS_WRK_H

typedef struct hw_result {
    long ok;                 /* 2xx answers */
    long failed;             /* other answers, connect/read/write errors and timeouts */
    long status_failed;      /* of those, answers with a status over 399 */
    double secs;             /* what wrk measured over */
    double p50_ms, p99_ms;   /* closed-loop latency: service time, not a queue */
    double cpu_us;           /* wrk's CPU per answer (user + system, from wait4) */
} hw_result;

/* 1 when a wrk binary runs here (PATH, or $WRK). */
int hw_available(void);

/* Closed loop: wrk -t1 -c conns for secs against url, every request POSTing body (NULL: a
 * GET) with the bearer token; scratch files go to dir. 0, or -1 with why (wrk missing, its output not
 * understood) on stderr. */
int hw_run(const char *dir, const char *url, const char *token, const char *body, int conns,
           double secs, hw_result *out);

#endif

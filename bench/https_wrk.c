/* https_wrk.c: runs wrk against a seal-server and reads its figures (https_wrk.h). The
 * request and the summary line come from a Lua script written for the run: wrk's own report
 * rounds, and counts a 4xx or 5xx answer as a request like any other. */
#include "https_wrk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *wrk_path(void)
{
    const char *w = getenv("WRK");

    return w != NULL && w[0] != '\0' ? w : "wrk";
}

int hw_available(void)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "command -v '%s' >/dev/null 2>&1", wrk_path());
    return system(cmd) == 0;
}

/* The script: one fixed request (a body of hex and JSON punctuation, the token base64url:
 * nothing needs escaping in a Lua long string), then a machine-readable summary. */
static int write_script(const char *path, const char *token, const char *body)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        return -1;
    if (body != NULL)
        fprintf(f, "wrk.method = \"POST\"\n"
                   "wrk.body = [[%s]]\n"
                   "wrk.headers[\"Content-Type\"] = \"application/json\"\n", body);
    fprintf(f, "wrk.headers[\"Authorization\"] = \"Bearer %s\"\n"
               "done = function(s, lat, req)\n"
               "  local e = s.errors\n"
               "  io.write(string.format(\"WRK %%d %%d %%d %%d %%d\\n\", s.requests, e.status,\n"
               "    e.connect + e.read + e.write + e.timeout, s.duration,\n"
               "    lat:percentile(50)))\n"
               "  io.write(string.format(\"WRK99 %%d\\n\", lat:percentile(99)))\n"
               "end\n", token);
    return fclose(f) == 0 ? 0 : -1;
}

int hw_run(const char *dir, const char *url, const char *token, const char *body, int conns,
           double secs, hw_result *out)
{
    char script[4096], out_path[4096], c_arg[32], d_arg[32], line[256];
    long req = 0, status = 0, other = 0, dur_us = 0, p50 = 0, p99 = 0;
    struct rusage ru;
    int st = 0, got = 0;
    pid_t pid;
    FILE *f;

    memset(out, 0, sizeof(*out));
    snprintf(script, sizeof(script), "%s/bench.lua", dir);
    snprintf(out_path, sizeof(out_path), "%s/wrk.out", dir);
    snprintf(c_arg, sizeof(c_arg), "-c%d", conns);
    snprintf(d_arg, sizeof(d_arg), "-d%.0fs", secs < 1 ? 1 : secs);
    if (write_script(script, token, body) != 0) {
        fprintf(stderr, "bench_https: cannot write %s (%s)\n", script, strerror(errno));
        return -1;
    }
    if ((pid = fork()) < 0)
        return -1;
    if (pid == 0) {
        if (freopen(out_path, "w", stdout) == NULL)
            _exit(127);
        execlp(wrk_path(), "wrk", "-t1", c_arg, d_arg, "--timeout", "10s", "-s", script, url,
               (char *)NULL);
        _exit(127);
    }
    if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "bench_https: %s failed (status %d); its output: %s\n", wrk_path(), st,
                out_path);
        return -1;
    }
    if ((f = fopen(out_path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        /* "WRK99" first: "WRK %ld" would read its 99 as a count */
        if (strncmp(line, "WRK99 ", 6) == 0)
            got += sscanf(line + 6, "%ld", &p99) == 1;
        else if (strncmp(line, "WRK ", 4) == 0)
            got += sscanf(line + 4, "%ld %ld %ld %ld %ld", &req, &status, &other, &dur_us,
                          &p50) == 5;
    }
    fclose(f);
    if (got != 2 || dur_us <= 0) {
        fprintf(stderr, "bench_https: no summary from wrk in %s\n", out_path);
        return -1;
    }
    out->failed = status + other;
    out->status_failed = status;
    out->ok = req - status;
    out->secs = (double)dur_us / 1e6;
    out->p50_ms = (double)p50 / 1e3;
    out->p99_ms = (double)p99 / 1e3;
    out->cpu_us = ((double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6) * 1e6 /
                  (double)(out->ok > 0 ? out->ok : 1);
    return 0;
}

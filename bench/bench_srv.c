/* bench_srv.c: the HTTPS benchmarks' server (see bench_srv.h). */
#include "bench_srv.h"

#include <jansson.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "testutil.h"

const char *bs_prog = "bench";
static sf_server *running;   /* killed at exit whatever happened */

void bs_die(const char *what, const char *detail)
{
    fprintf(stderr, "%s: %s%s%s\n", bs_prog, what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

char *bs_b64(const uint8_t *p, size_t n)
{
    char *s = malloc(4 * (n / 3 + 1) + 1);

    if (s == NULL)
        bs_die("out of memory", NULL);
    EVP_EncodeBlock((unsigned char *)s, p, (int)n);
    return s;
}

static void kill_running(void)
{
    if (running != NULL)
        sf_server_kill(running);
}

double bs_proc_cpu(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long long ut = 0, st = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return 0;
    buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
    fclose(f);
    /* fields 14 and 15, counted after the ")" that ends the command name */
    if ((p = strrchr(buf, ')')) == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

long bs_proc_status_kib(pid_t pid, const char *name)
{
    char path[64], line[256];
    long v = -1;
    size_t nl = strlen(name);
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, name, nl) == 0 && line[nl] == ':')
            v = strtol(line + nl + 1, NULL, 10);
    fclose(f);
    return v;
}

/* sf_replace() that frees text. */
static char *edit(char *text, const char *find, const char *repl)
{
    char *out = sf_replace(text, find, repl);

    free(text);
    return out;
}

void bs_server_start(sf_server *s, unsigned threads, int tsa)
{
    static int registered;
    const sf_env *e = sf_env_get();
    sf_opts o = { .service = 1, .no_test_routes = 1 };
    char want[32], *text;

    if (!registered) {      /* after the fixture's: runs before its tmpdir goes */
        atexit(kill_running);
        registered = 1;
    }
    memset(s, 0, sizeof(*s));
    s->port = sf_free_port();
    snprintf(s->cfg, sizeof(s->cfg), "%s/bench-%u.json", e->dir, threads);
    snprintf(s->log, sizeof(s->log), "%s/bench-%u.log", e->dir, threads);
    snprintf(want, sizeof(want), "\"threads\": %u", threads);
    text = edit(sf_config_text(&o, s->port), "\"threads\": 4", want);
    /* the fixture limits a test route, which a server without test routes refuses */
    text = edit(text, "{\"POST /test/echo\": 1024}", "{}");
    /* the product's keep-alive timeout, not the tests' 2 s */
    text = edit(text, "\"idle\": 2000", "\"idle\": 5000");
    if (!tsa)                /* without a policy the server stamps no signature */
        text = edit(text, "\"tsa_policy\": \"1.2.3.4.1\", ", "");
    if (sc_test_write(s->cfg, text, strlen(text)) != 0)
        bs_die("cannot write", s->cfg);
    free(text);
    if ((s->pid = fork()) < 0)
        bs_die("fork", strerror(errno));
    if (s->pid == 0) {
        int fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(126);
        execl(getenv("SEAL_SERVER"), "seal-server", "--config", s->cfg, (char *)NULL);
        _exit(127);
    }
    running = s;
    for (int i = 0; i < 200; i++) {
        sf_req q = { .path = "/healthz", .token = e->tok_admin };
        sf_resp r;
        int st;

        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            char *log = sf_server_log(s);
            s->pid = 0;
            fprintf(stderr, "%s", log);
            bs_die("seal-server exited at start; its log is above", NULL);
        }
        sf_http(s, &q, &r);
        st = (int)r.status;
        sf_resp_free(&r);
        if (st == 200)
            return;
        usleep(100 * 1000);
    }
    bs_die("seal-server did not answer /healthz within 20 s; log", s->log);
}

int bs_server_stop(sf_server *s)
{
    int rc = sf_server_stop(s);

    if (running == s)
        running = NULL;
    return rc;
}

void bs_call(const sf_server *s, const char *path, const char *token, const char *body,
             long want, const char *key, char *out, size_t n)
{
    sf_req q = { .method = body ? "POST" : "GET", .path = path, .token = token,
                 .content_type = "application/json", .body = body,
                 .body_len = body ? strlen(body) : 0 };
    sf_resp r;
    json_t *j, *v;

    sf_http(s, &q, &r);
    if (r.status != want) {
        fprintf(stderr, "%s: %s: HTTP %ld (%s), expected %ld: %s\n", bs_prog, path, r.status,
                r.curl_error, want, r.body ? r.body : "");
        exit(1);
    }
    j = json_loads(r.body ? r.body : "", 0, NULL);
    v = j ? json_object_get(j, key) : NULL;
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_string(v))
        snprintf(out, n, "%s", json_string_value(v));
    else
        bs_die("answer without the expected member", key);
    json_decref(j);
    sf_resp_free(&r);
}

void bs_make_granted_seal(const sf_server *s, char *es, size_t n)
{
    const sf_env *e = sf_env_get();
    uint8_t *png = NULL;
    size_t png_len = 0, cap;
    char unit[32], app[32], who[32], path[96], *img, *body;
    long now = (long)time(NULL);

    if (sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &png, &png_len) != 0)
        bs_die("cannot read seal.png in", sc_test_data());
    cap = 4 * (png_len / 3 + 1) + 512;
    img = bs_b64(png, png_len);
    if ((body = malloc(cap)) == NULL)
        bs_die("out of memory", NULL);
    snprintf(body, 512, "{\"code\": \"913300%011dB\", \"name\": \"基准测试单位\"}",
             (int)getpid());
    bs_call(s, "/api/v1/units", e->tok_admin, body, 201, "id", unit, sizeof(unit));
    snprintf(body, cap, "{\"unit_id\": %s, \"seal_type\": 1, \"name\": \"基准测试专用章\", "
            "\"image_b64\": \"%s\", \"image_format\": \"png\", \"width_mm\": 42, "
            "\"height_mm\": 42, \"valid_from\": %ld, \"valid_to\": %ld}", unit, img, now - 60,
            now + 86400 * 30);
    bs_call(s, "/api/v1/seals/applications", e->tok_admin, body, 201, "id", app, sizeof(app));
    snprintf(path, sizeof(path), "/api/v1/seals/applications/%s/approve", app);
    bs_call(s, path, e->tok_officer, "{\"reason\": \"bench\"}", 200, "es_id", es, n);
    bs_call(s, "/api/v1/whoami", e->tok_operator, NULL, 200, "client_id", who, sizeof(who));
    snprintf(body, 512, "{\"client_id\": %s, \"es_id\": \"%s\"}", who, es);
    bs_call(s, "/api/v1/grants", e->tok_admin, body, 201, "id", path, sizeof(path));
    free(body);
    free(img);
    free(png);
}

/* log.c: JSON lines on stderr (log.h).
 * jansson builds each line, so any string (a client name, CivetWeb's error text) is escaped
 * correctly; one write(2) per line keeps lines whole when workers log at the same time. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/rand.h>

static void now_iso(char *buf, size_t n)
{
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

/* Write obj as one line and release it. */
static void emit(json_t *obj)
{
    char *s;
    size_t len, off = 0;

    if (obj == NULL)
        return;
    s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
    json_decref(obj);
    if (s == NULL)
        return;
    len = strlen(s);
    s[len] = '\n';          /* json_dumps' NUL becomes the newline: one write for the line */
    while (off < len + 1) {
        ssize_t w = write(STDERR_FILENO, s + off, len + 1 - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    free(s);
}

static json_t *head(const char *level)
{
    char t[40];
    json_t *o = json_object();

    now_iso(t, sizeof(t));
    if (o != NULL) {
        json_object_set_new(o, "time", json_string(t));
        json_object_set_new(o, "level", json_string(level));
    }
    return o;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    /* json_string refuses invalid UTF-8 (a certificate subject could hold some): log the
     * line anyway, marking the field. */
    if (v == NULL)
        json_object_set_new(o, key, json_null());
    else if (json_object_set_new(o, key, json_string(v)) != 0)
        json_object_set_new(o, key, json_string("(not UTF-8)"));
}

void ss_log_request_line(const ss_log_request *r)
{
    json_t *o = head(r->status >= 500 ? "warn" : "info");

    if (o == NULL)
        return;
    set_str(o, "event", "request");
    set_str(o, "request_id", r->request_id);
    set_str(o, "method", r->method);
    set_str(o, "route", r->route);
    json_object_set_new(o, "status", json_integer(r->status));
    json_object_set_new(o, "ms", json_real((double)(long long)(r->ms * 1000) / 1000));  /* µs */
    set_str(o, "client", r->client);
    set_str(o, "auth", r->auth);
    set_str(o, "remote", r->remote);
    if (r->error != NULL)
        set_str(o, "error", r->error);
    if (r->detail != NULL && r->detail[0] != '\0')
        set_str(o, "detail", r->detail);
    emit(o);
}

void ss_log_event(const char *level, const char *event, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    json_t *o = head(level);

    if (o == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    set_str(o, "event", event);
    set_str(o, "message", msg);
    emit(o);
}

/* A bijection of 64-bit words (splitmix64's finaliser): distinct inputs, distinct outputs. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static pthread_once_t id_once = PTHREAD_ONCE_INIT;
static uint64_t id_prefix, id_key;

static void id_init(void)
{
    unsigned char b[16];

    if (RAND_bytes(b, (int)sizeof(b)) != 1) {
        /* unique, not secret: the time and the process tell this run from others */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ERR_clear_error();
        id_prefix = mix64((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
        id_key = mix64(id_prefix ^ (uint64_t)getpid());
        return;
    }
    memcpy(&id_prefix, b, 8);
    memcpy(&id_key, b + 8, 8);
}

/* Once per process 128 random bits; then a counter through a keyed bijection: unique within
 * the run, its prefix telling runs apart, and no count of the requests a client could read.
 * Not the DRBG per request: that cost a generate and a getpid() (OpenSSL's fork check) on
 * every request. */
void ss_log_new_request_id(char out[SS_REQUEST_ID_LEN + 1])
{
    static _Atomic uint64_t counter;
    static const char hex[] = "0123456789abcdef";
    uint64_t w[2];

    pthread_once(&id_once, id_init);
    w[0] = id_prefix;
    w[1] = mix64(atomic_fetch_add(&counter, 1) ^ id_key);
    for (size_t i = 0; i < SS_REQUEST_ID_LEN; i++)
        out[i] = hex[(w[i / 16] >> (60 - 4 * (i % 16))) & 15];
    out[SS_REQUEST_ID_LEN] = '\0';
}

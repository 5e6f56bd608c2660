/* curlbuf.h: a libcurl answer collected in memory up to a limit, shared by sealctl's remote
 * client (remote.c) and seal-verify's status fetcher (verifier/status_fetch.c). The callback
 * needs nothing from libcurl's headers: it has CURLOPT_WRITEFUNCTION's signature. */
#ifndef SC_CURLBUF_H
#define SC_CURLBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct curlbuf {
    uint8_t *p;     /* owned (free()); NULL until the first byte; one spare byte past cap */
    size_t n, cap;
    size_t max;     /* set by the caller: bytes accepted in all */
    int too_big;    /* the answer passed max: the transfer was aborted */
    int oom;        /* out of memory: the transfer was aborted */
} curlbuf;

/** CURLOPT_WRITEFUNCTION with a curlbuf as CURLOPT_WRITEDATA: appends, or returns 0 (which
 *  aborts the transfer with CURLE_WRITE_ERROR) setting too_big or oom. */
size_t curlbuf_write(char *data, size_t size, size_t nmemb, void *ud);

#endif

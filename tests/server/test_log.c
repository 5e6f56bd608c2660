/* test_log.c: request ids (log.h): the right shape, never the same twice (across threads
 * too), and no counter a client could read the server's traffic from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define PER_THREAD 50000
#define THREADS 4

static char (*ids)[SS_REQUEST_ID_LEN + 1];

static void *make_ids(void *arg)
{
    size_t base = (size_t)(uintptr_t)arg * PER_THREAD;

    for (size_t i = 0; i < PER_THREAD; i++)
        ss_log_new_request_id(ids[base + i]);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    return memcmp(a, b, SS_REQUEST_ID_LEN + 1);
}

static void request_id__lower_hex_and_unique_across_threads(void **state)
{
    pthread_t t[THREADS];

    (void)state;
    ids = calloc((size_t)THREADS * PER_THREAD, sizeof(*ids));
    assert_non_null(ids);
    for (size_t i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, make_ids, (void *)(uintptr_t)i), 0);
    for (size_t i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (size_t i = 0; i < (size_t)THREADS * PER_THREAD; i++) {
        assert_int_equal(strlen(ids[i]), SS_REQUEST_ID_LEN);
        assert_int_equal(strspn(ids[i], "0123456789abcdef"), SS_REQUEST_ID_LEN);
    }
    qsort(ids, (size_t)THREADS * PER_THREAD, sizeof(*ids), cmp);
    for (size_t i = 1; i < (size_t)THREADS * PER_THREAD; i++)
        if (memcmp(ids[i - 1], ids[i], SS_REQUEST_ID_LEN) == 0)
            fail_msg("request id %s twice", ids[i]);
    free(ids);
}

/* Two ids in a row differ in about half their bits wherever they vary, not in a last digit. */
static void request_id__consecutive_ids_look_unrelated(void **state)
{
    char a[SS_REQUEST_ID_LEN + 1], b[SS_REQUEST_ID_LEN + 1];
    unsigned differing = 0;

    (void)state;
    for (int n = 0; n < 64; n++) {
        ss_log_new_request_id(a);
        ss_log_new_request_id(b);
        for (size_t i = SS_REQUEST_ID_LEN / 2; i < SS_REQUEST_ID_LEN; i++)
            differing += a[i] != b[i];
    }
    /* 16 varying hex digits a pair, each differing with probability 15/16: ~960 of 1,024 */
    assert_true(differing > 800);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_id__lower_hex_and_unique_across_threads),
        cmocka_unit_test(request_id__consecutive_ids_look_unrelated),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

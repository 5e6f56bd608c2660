/* test_license_pack.c: closing a full licence pack (store_license_file.c pack_rotate) with
 * its flush held by the test (ss__pack_flush): other puts go on meanwhile, into the new
 * pack, and a group's flush (ss_store_lic_files_sync) returns only once the old pack's flush
 * has ended, since the group's files may be in it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"
#include "store_test.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int entered, released;
} hold = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0 };

static int held_flush(int fd)
{
    pthread_mutex_lock(&hold.mu);
    hold.entered = 1;
    pthread_cond_broadcast(&hold.cv);
    while (!hold.released)
        pthread_cond_wait(&hold.cv, &hold.mu);
    pthread_mutex_unlock(&hold.mu);
    return fdatasync(fd);
}

static void release(void)
{
    pthread_mutex_lock(&hold.mu);
    hold.released = 1;
    pthread_cond_broadcast(&hold.cv);
    pthread_mutex_unlock(&hold.mu);
}

typedef struct job {
    ss_store *st;
    size_t len;      /* 0: a group's flush instead of a put */
    _Atomic int done;
    int rc;
    char msg[256];
} job;

static void *run(void *arg)
{
    job *j = arg;
    sc_err err = SC_ERR_INIT;
    uint8_t data[400], sum[32];
    char loc[SS_LIC_LOC_MAX + 1];

    memset(data, 'x', sizeof(data));
    j->rc = j->len > 0 ? ss_store_lic_file_put_opts(j->st, data, j->len, 1, sum, loc, &err)
                       : ss_store_lic_files_sync(j->st, 0, &err);
    snprintf(j->msg, sizeof(j->msg), "%s", err.msg);
    atomic_store(&j->done, 1);
    return NULL;
}

/* 1 once j is done, 0 if it is not within ms milliseconds. */
static int done_within(job *j, int ms)
{
    for (int i = 0; i < ms && !atomic_load(&j->done); i++)
        usleep(1000);
    return atomic_load(&j->done);
}

static void lic_pack__a_closed_pack_is_flushed_outside_the_lock(void **state)
{
    ss_store *st = st_open("pack-held");
    job first = { .st = st, .len = 100 }, rotate = { .st = st, .len = 200 };
    job other = { .st = st, .len = 10 }, group = { .st = st, .len = 0 };
    pthread_t t1, t2, t3;
    int entered = 0, other_done, group_early;

    (void)state;
    ss_store_lic_pack_limit(st, 250);
    run(&first);                                   /* the first pack: 0..100 */
    assert_int_equal(first.rc, 0);
    ss__pack_flush = held_flush;
    assert_int_equal(pthread_create(&t1, NULL, run, &rotate), 0);   /* 300 > 250: closes it */
    for (int i = 0; i < 10000 && !entered; i++) {
        pthread_mutex_lock(&hold.mu);
        entered = hold.entered;
        pthread_mutex_unlock(&hold.mu);
        if (!entered)
            usleep(1000);
    }
    assert_int_equal(pthread_create(&t2, NULL, run, &other), 0);
    assert_int_equal(pthread_create(&t3, NULL, run, &group), 0);
    other_done = entered && done_within(&other, 5000);
    group_early = done_within(&group, 300);
    release();
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_join(t3, NULL);
    ss__pack_flush = fdatasync;
    assert_true(entered);            /* the old pack's flush was reached, and held */
    assert_true(other_done);         /* a put went on while it was held (not under the lock) */
    assert_false(group_early);       /* the group's flush waited for it */
    assert_int_equal(rotate.rc, 0);
    assert_int_equal(other.rc, 0);
    if (group.rc != 0)
        fail_msg("group flush: %s", group.msg);
    ss_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lic_pack__a_closed_pack_is_flushed_outside_the_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

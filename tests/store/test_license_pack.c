/* test_license_pack.c: licence pack flushes with one of them held, or failed, by the test
 * (ss__pack_flush): while a closed pack is flushed other puts go on, into the new pack, and a
 * group's flush (ss_store_lic_files_sync) returns only once the old pack's flush has ended,
 * since the group's files may be in it; a failed flush of a closed pack fails the group's
 * flush and leaves the new pack in use; a failure the kernel reported to a file's own flush
 * fails a group's flush that got 0. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_int.h"
#include "store_test.h"

/* The next flush (only that one) is held until release(); with fail it then fails (EIO),
 * as the kernel reports a lost write once, to the first flush that asks. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int armed, fail, entered, released;
    int passed;   /* flushes not held that have returned */
} hold = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0 };

static int held_flush(int fd)
{
    int fail;

    pthread_mutex_lock(&hold.mu);
    if (!hold.armed) {
        pthread_mutex_unlock(&hold.mu);
        int rc = fdatasync(fd), e = errno;
        pthread_mutex_lock(&hold.mu);
        hold.passed++;
        pthread_mutex_unlock(&hold.mu);
        errno = e;
        return rc;
    }
    hold.armed = 0;
    hold.entered = 1;
    pthread_cond_broadcast(&hold.cv);
    while (!hold.released)
        pthread_cond_wait(&hold.cv, &hold.mu);
    fail = hold.fail;
    pthread_mutex_unlock(&hold.mu);
    if (fail) {
        errno = EIO;
        return -1;
    }
    return fdatasync(fd);
}

static void arm(int fail)
{
    pthread_mutex_lock(&hold.mu);
    hold.armed = 1;
    hold.fail = fail;
    hold.entered = hold.released = hold.passed = 0;
    pthread_mutex_unlock(&hold.mu);
    ss__pack_flush = held_flush;
}

/* 1 once the held flush is reached (10 s at most). */
static int held(void)
{
    int entered = 0;

    for (int i = 0; i < 10000 && !entered; i++) {
        pthread_mutex_lock(&hold.mu);
        entered = hold.entered;
        pthread_mutex_unlock(&hold.mu);
        if (!entered)
            usleep(1000);
    }
    return entered;
}

/* 1 once n flushes not held have returned (10 s at most): a caller's own flush is done, so
 * what it does next is its wait, not its flush. */
static int passed(int n)
{
    int got = 0;

    for (int i = 0; i < 10000 && got < n; i++) {
        pthread_mutex_lock(&hold.mu);
        got = hold.passed;
        pthread_mutex_unlock(&hold.mu);
        if (got < n)
            usleep(1000);
    }
    return got >= n;
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
    int sync;        /* a put flushing its own file */
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
    j->rc = j->len > 0 ? ss_store_lic_file_put_opts(j->st, data, j->len, !j->sync, sum, loc,
                                                    &err)
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
    job other = { .st = st, .len = 10, .sync = 1 }, group = { .st = st, .len = 0 };
    pthread_t t1, t2, t3;
    int entered, other_done, group_early;

    (void)state;
    ss_store_lic_pack_limit(st, 250);
    run(&first);                                   /* the first pack: 0..100 */
    assert_int_equal(first.rc, 0);
    arm(0);
    assert_int_equal(pthread_create(&t1, NULL, run, &rotate), 0);   /* 300 > 250: closes it */
    entered = held();
    /* a file flushing itself, in the new pack, is not held up by the old pack's flush */
    assert_int_equal(pthread_create(&t2, NULL, run, &other), 0);
    other_done = entered && done_within(&other, 5000);
    assert_int_equal(pthread_create(&t3, NULL, run, &group), 0);
    group_early = !passed(2) || done_within(&group, 300);   /* its own flush returned: it
                                                                waits for the old pack's */
    release();
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_join(t3, NULL);
    ss__pack_flush = fdatasync;
    assert_true(entered);            /* the old pack's flush was reached, and held */
    assert_true(other_done);         /* a put, flushed, went on while it was held */
    assert_false(group_early);       /* the group's flush waited for it */
    assert_int_equal(rotate.rc, 0);
    assert_int_equal(other.rc, 0);
    if (group.rc != 0)
        fail_msg("group flush: %s", group.msg);
    ss_store_close(st);
}

/* A file's own flush gets the kernel's one report of a lost write while a group's flush of
 * the same pack, begun later, gets 0: the group's flush waits for the first to count its
 * failure, and fails too (its files shared the lost pages). */
static void lic_pack__a_failure_reported_to_another_flush_fails_the_group(void **state)
{
    ss_store *st = st_open("pack-eio");
    job first = { .st = st, .len = 100 }, own = { .st = st, .len = 50, .sync = 1 };
    job group = { .st = st, .len = 0 };
    pthread_t t1, t2;
    int entered, group_early;

    (void)state;
    run(&first);
    assert_int_equal(first.rc, 0);
    arm(1);
    assert_int_equal(pthread_create(&t1, NULL, run, &own), 0);
    entered = held();
    assert_int_equal(pthread_create(&t2, NULL, run, &group), 0);
    group_early = !passed(1) || done_within(&group, 300);
    release();
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    ss__pack_flush = fdatasync;
    assert_true(entered);
    assert_false(group_early);
    assert_int_equal(own.rc, SC_EIO);
    assert_int_equal(group.rc, SC_EIO);
    assert_non_null(strstr(group.msg, "a flush of the packs failed since"));
    ss_store_close(st);
}

static int failing_flush(int fd)
{
    (void)fd;
    errno = EIO;
    return -1;
}

/* The pack a place names: "p/<name>.pack@<offset>" up to the '@'. */
static void pack_name(const char *loc, char *out, size_t n)
{
    const char *at = strchr(loc, '@');

    assert_non_null(at);
    snprintf(out, n, "%.*s", (int)(at - loc), loc);
}

static void lic_pack__a_failed_flush_of_a_closed_pack_is_counted(void **state)
{
    ss_store *st = st_open("pack-failed");
    sc_err err = SC_ERR_INIT;
    uint8_t data[200] = { 0 }, sum[32];
    char l1[SS_LIC_LOC_MAX + 1], l2[SS_LIC_LOC_MAX + 1], p1[SS_LIC_LOC_MAX + 1];
    char p2[SS_LIC_LOC_MAX + 1];

    (void)state;
    ss_store_lic_pack_limit(st, 250);
    OK(ss_store_lic_file_put_opts(st, data, 100, 1, sum, l1, &err), &err);
    ss__pack_flush = failing_flush;
    OK(ss_store_lic_file_put_opts(st, data, 200, 1, sum, l1, &err), &err);   /* closes it */
    ss__pack_flush = fdatasync;
    assert_int_equal(ss_store_lic_files_errors(st), 1);
    EXPECT(ss_store_lic_files_sync(st, 0, &err), &err, SC_EIO,
           "a flush of the packs failed since these files were written");
    sc_err_clear(&err);
    /* the failure was the closed pack's: the new one stays in use */
    OK(ss_store_lic_file_put_opts(st, data, 10, 1, sum, l2, &err), &err);
    pack_name(l1, p1, sizeof(p1));
    pack_name(l2, p2, sizeof(p2));
    assert_string_equal(p1, p2);
    ss_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lic_pack__a_closed_pack_is_flushed_outside_the_lock),
        cmocka_unit_test(lic_pack__a_failed_flush_of_a_closed_pack_is_counted),
        cmocka_unit_test(lic_pack__a_failure_reported_to_another_flush_fails_the_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

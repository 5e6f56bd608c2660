/* test_store_seal.c: seal applications and their review, seal keys, seals, status changes and
 * history, grants and their counting (store.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_test.h"

#define USCC "91330000MA27XK0Q3B"
#define USCC2 "12330000002482145E"
#define ES "33000020260001"

static const uint8_t png[] = { 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a };

static void fill_app(ss_app *a, int64_t unit, int64_t applicant)
{
    memset(a, 0, sizeof(*a));
    a->unit_id = unit;
    a->applicant_id = applicant;
    a->seal_type = 1;
    snprintf(a->name, sizeof(a->name), "某省人力资源和社会保障厅");
    a->image = (uint8_t *)png;
    a->image_len = sizeof(png);
    snprintf(a->image_format, sizeof(a->image_format), "png");
    a->width_mm = 42;
    a->height_mm = 42;
    a->valid_from = 1767225600;
    a->valid_to = 1861919999;
}

static void fill_seal(ss_seal *s, int64_t unit, const char *es_id)
{
    static const uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x04 };
    static const uint8_t cert[] = { 0x30, 0x00 };

    memset(s, 0, sizeof(*s));
    snprintf(s->es_id, sizeof(s->es_id), "%s", es_id);
    snprintf(s->name, sizeof(s->name), "seal");
    s->unit_id = unit;
    s->seal_type = 1;
    s->der = (uint8_t *)der;
    s->der_len = sizeof(der);
    s->signer_cert = (uint8_t *)cert;
    s->signer_cert_len = sizeof(cert);
    s->valid_start = 1000;
    s->valid_end = 2000000000;
}

/* ---- applications ---------------------------------------------------------------------- */

static void app_review__four_eyes_then_make_the_seal(void **state)
{
    ss_store *st = st_open("app");
    sc_err err = SC_ERR_INIT;
    int64_t unit = st_unit(st, USCC), clerk = st_client(st, "clerk", SS_ROLE_SEAL_OFFICER);
    int64_t officer = st_client(st, "officer", SS_ROLE_SEAL_OFFICER), app_id = 0, seal_id = 0;
    ss_app in, out;
    ss_seal s, got;

    (void)state;
    fill_app(&in, unit, clerk);
    OK(ss_store_app_add(st, &in, 500, &app_id, &err), &err);
    OK(ss_store_app_get(st, app_id, &out, &err), &err);
    assert_int_equal(out.state, SS_APP_PENDING);
    assert_int_equal(out.image_len, sizeof(png));
    assert_memory_equal(out.image, png, sizeof(png));
    assert_string_equal(out.image_format, "png");
    assert_int_equal(out.width_mm, 42);
    assert_string_equal(out.es_id, "");
    ss_app_clear(&out);
    ss_app_clear(&out);   /* twice is fine */

    /* a seal cannot be made from a pending application */
    fill_seal(&s, unit, ES);
    s.application_id = app_id;
    EXPECT(ss_store_seal_add(st, &s, officer, 600, NULL, &err), &err, SS_ESTATE,
           "application 1 is pending, not approved");
    sc_err_clear(&err);
    EXPECT(ss_store_app_review(st, app_id, clerk, 1, NULL, 600, &err), &err, SC_EINVAL,
           "client 1 applied for it, so another seal officer must review it");
    sc_err_clear(&err);
    EXPECT(ss_store_app_review(st, app_id, officer, 0, "", 600, &err), &err, SC_EINVAL,
           "a rejection needs a reason");
    sc_err_clear(&err);
    EXPECT(ss_store_app_review(st, app_id, 99, 1, NULL, 600, &err), &err, SC_ENOTFOUND,
           "reviewer: client 99: no such API client");
    sc_err_clear(&err);
    OK(ss_store_app_review(st, app_id, officer, 1, "ok", 700, &err), &err);
    EXPECT(ss_store_app_review(st, app_id, officer, 0, "changed my mind", 800, &err), &err,
           SS_ESTATE, "already approved by client 2");
    sc_err_clear(&err);

    /* the seal made from it: application and seal point at each other */
    OK(ss_store_seal_add(st, &s, officer, 900, &seal_id, &err), &err);
    OK(ss_store_app_get(st, app_id, &out, &err), &err);
    assert_int_equal(out.state, SS_APP_APPROVED);
    assert_int_equal(out.reviewer_id, officer);
    assert_int_equal(out.reviewed_at, 700);
    assert_string_equal(out.es_id, ES);
    ss_app_clear(&out);
    OK(ss_store_seal_get(st, ES, &got, &err), &err);
    assert_int_equal(got.id, seal_id);
    assert_int_equal(got.application_id, app_id);
    assert_int_equal(got.status, SS_SEAL_GOOD);
    assert_int_equal(got.der_len, 5);
    assert_int_equal(got.signer_cert_len, 2);
    ss_seal_clear(&got);
    /* one seal per application */
    snprintf(s.es_id, sizeof(s.es_id), "33000020260002");
    EXPECT(ss_store_seal_add(st, &s, officer, 900, NULL, &err), &err, SS_ESTATE,
           "application 1 already made seal " ES);
    ss_store_close(st);
}

static int count_app(void *ctx, const ss_app *a)
{
    int *n = ctx;
    assert_null(a->image);   /* lists do not load images */
    (*n)++;
    return 0;
}

static void app_add__rejects_bad_input_and_lists_by_state(void **state)
{
    ss_store *st = st_open("app_bad");
    sc_err err = SC_ERR_INIT;
    int64_t unit = st_unit(st, USCC), clerk = st_client(st, "clerk", SS_ROLE_SEAL_OFFICER);
    int64_t officer = st_client(st, "officer", SS_ROLE_SEAL_OFFICER), id = 0;
    ss_app in;
    int n = 0;

    (void)state;
    fill_app(&in, unit + 1, clerk);
    EXPECT(ss_store_app_add(st, &in, 1, NULL, &err), &err, SC_ENOTFOUND,
           "seal application: unit 2: no such unit");
    sc_err_clear(&err);
    fill_app(&in, unit, 77);
    EXPECT(ss_store_app_add(st, &in, 1, NULL, &err), &err, SC_ENOTFOUND,
           "applicant: client 77: no such API client");
    sc_err_clear(&err);
    fill_app(&in, unit, clerk);
    in.width_mm = 1001;
    EXPECT(ss_store_app_add(st, &in, 1, NULL, &err), &err, SC_EINVAL,
           "seal width 1001 mm: allowed 1..1000");
    sc_err_clear(&err);
    fill_app(&in, unit, clerk);
    in.valid_to = in.valid_from;
    EXPECT(ss_store_app_add(st, &in, 1, NULL, &err), &err, SC_EINVAL,
           "validity ends (1767225600) before or when it starts");
    sc_err_clear(&err);
    fill_app(&in, unit, clerk);
    in.image_len = 0;
    EXPECT(ss_store_app_add(st, &in, 1, NULL, &err), &err, SC_EINVAL,
           "seal image: missing or empty");
    sc_err_clear(&err);
    fill_app(&in, unit, clerk);
    in.image_len = SS_IMAGE_MAX + 1;   /* checked before it is read */
    EXPECT(ss_store_app_add(st, &in, 1, NULL, &err), &err, SC_ELIMIT,
           "seal image: 4194305 bytes, at most 4194304");
    sc_err_clear(&err);
    fill_app(&in, unit, clerk);
    snprintf(in.image_format, sizeof(in.image_format), "PNG");
    EXPECT(ss_store_app_add(st, &in, 1, NULL, &err), &err, SC_EINVAL,
           "image format \"PNG\": lower-case");
    sc_err_clear(&err);
    fill_app(&in, unit, clerk);
    in.seal_type = 0;
    EXPECT(ss_store_app_add(st, &in, 1, NULL, &err), &err, SC_EINVAL,
           "seal type 0, allowed 1..255");
    sc_err_clear(&err);

    fill_app(&in, unit, clerk);
    OK(ss_store_app_add(st, &in, 1, &id, &err), &err);
    OK(ss_store_app_add(st, &in, 1, NULL, &err), &err);
    OK(ss_store_app_review(st, id, officer, 0, "图像不清晰", 2, &err), &err);
    OK(ss_store_app_list(st, 0, SS_APP_PENDING, 0, 10, count_app, &n, &err), &err);
    assert_int_equal(n, 1);
    n = 0;
    OK(ss_store_app_list(st, unit, SS_APP_ANY, 0, 10, count_app, &n, &err), &err);
    assert_int_equal(n, 2);
    n = 0;
    OK(ss_store_app_list(st, unit + 1, SS_APP_ANY, 0, 10, count_app, &n, &err), &err);
    assert_int_equal(n, 0);
    EXPECT(ss_store_app_list(st, 0, 9, 0, 10, count_app, &n, &err), &err, SC_EINVAL,
           "state 9 unknown");
    ss_store_close(st);
}

/* ---- keys ------------------------------------------------------------------------------ */

static void key_add__keeps_only_encrypted_keys(void **state)
{
    static const char pem[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n"
                              "-----END ENCRYPTED PRIVATE KEY-----\n";
    static const char plain[] = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
    static const uint8_t cert[] = { 0x30, 0x01, 0x00 };
    ss_store *st = st_open("key");
    sc_err err = SC_ERR_INIT;
    ss_seal_key k;
    int64_t id = 0;

    (void)state;
    OK(ss_store_key_add(st, (const uint8_t *)pem, strlen(pem), cert, sizeof(cert), 5, &id,
                        &err), &err);
    OK(ss_store_key_get(st, id, &k, &err), &err);
    assert_int_equal(k.pkcs8_pem_len, strlen(pem));
    assert_memory_equal(k.pkcs8_pem, pem, strlen(pem));
    assert_int_equal(k.cert_len, 3);
    ss_seal_key_clear(&k);
    EXPECT(ss_store_key_add(st, (const uint8_t *)plain, strlen(plain), cert, sizeof(cert), 5,
                            NULL, &err), &err, SC_EFORMAT, "not an encrypted PKCS#8 PEM");
    sc_err_clear(&err);
    EXPECT(ss_store_key_add(st, (const uint8_t *)pem, strlen(pem), (const uint8_t *)"-----",
                            5, 5, NULL, &err), &err, SC_EFORMAT,
           "seal key certificate: not DER (starts with 0x2d");
    sc_err_clear(&err);
    EXPECT(ss_store_key_get(st, id + 1, &k, &err), &err, SC_ENOTFOUND, "no such key");
    ss_store_close(st);
}

/* ---- seals and status ------------------------------------------------------------------ */

struct hist { int n; int status[8]; char reason[8][64]; int64_t actor[8]; };

static int collect_hist(void *ctx, const ss_status_entry *e)
{
    struct hist *h = ctx;
    if (h->n < 8) {
        h->status[h->n] = e->status;
        snprintf(h->reason[h->n], 64, "%s", e->reason);
        h->actor[h->n] = e->actor;
    }
    h->n++;
    return 0;
}

static void seal_set_status__suspend_resume_revoke_final(void **state)
{
    ss_store *st = st_open("status");
    sc_err err = SC_ERR_INIT;
    int64_t unit = st_unit(st, USCC);
    struct hist h;
    ss_seal got;

    (void)state;
    memset(&h, 0, sizeof(h));
    st_seal(st, unit, ES);
    EXPECT(ss_store_seal_set_status(st, ES, SS_SEAL_GOOD, NULL, 3, 10, &err), &err,
           SS_ESTATE, "seal " ES " is already good");
    sc_err_clear(&err);
    OK(ss_store_seal_set_status(st, ES, SS_SEAL_SUSPENDED, "印章遗失待查", 3, 10, &err), &err);
    OK(ss_store_seal_set_status(st, ES, SS_SEAL_GOOD, NULL, 4, 11, &err), &err);
    EXPECT(ss_store_seal_set_status(st, ES, SS_SEAL_REVOKED, "", 3, 12, &err), &err,
           SC_EINVAL, "revocation needs a reason");
    sc_err_clear(&err);
    OK(ss_store_seal_set_status(st, ES, SS_SEAL_REVOKED, "key compromise", 3, 12, &err),
       &err);
    EXPECT(ss_store_seal_set_status(st, ES, SS_SEAL_GOOD, NULL, 3, 13, &err), &err,
           SS_ESTATE, "seal " ES " is revoked: revocation is final");
    sc_err_clear(&err);
    EXPECT(ss_store_seal_set_status(st, ES, 7, NULL, 3, 13, &err), &err, SC_EINVAL,
           "seal status 7");
    sc_err_clear(&err);
    EXPECT(ss_store_seal_set_status(st, "33000020269999", SS_SEAL_SUSPENDED, NULL, 3, 13,
                                    &err), &err, SC_ENOTFOUND, "no such seal");
    sc_err_clear(&err);
    OK(ss_store_seal_get(st, ES, &got, &err), &err);
    assert_int_equal(got.status, SS_SEAL_REVOKED);
    ss_seal_clear(&got);

    OK(ss_store_seal_history(st, ES, collect_hist, &h, &err), &err);
    assert_int_equal(h.n, 4);   /* made, suspended, resumed, revoked: the last is current */
    assert_int_equal(h.status[0], SS_SEAL_GOOD);
    assert_int_equal(h.status[1], SS_SEAL_SUSPENDED);
    assert_string_equal(h.reason[1], "印章遗失待查");
    assert_int_equal(h.status[2], SS_SEAL_GOOD);
    assert_int_equal(h.actor[2], 4);
    assert_int_equal(h.status[3], SS_SEAL_REVOKED);
    assert_string_equal(h.reason[3], "key compromise");
    EXPECT(ss_store_seal_history(st, "33000020269999", collect_hist, &h, &err), &err,
           SC_ENOTFOUND, "no such seal");
    ss_store_close(st);
}

static void seal_revoked__trigger_refuses_a_raw_update(void **state)
{
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;
    char p[400];

    (void)state;
    snprintf(p, sizeof(p), "%s", st_path("trigger"));
    OK(ss_store_open_sqlite(&st, p, &err), &err);
    st_seal(st, st_unit(st, USCC), ES);
    OK(ss_store_seal_set_status(st, ES, SS_SEAL_REVOKED, "r", 0, 1, &err), &err);
    ss_store_close(st);
    assert_int_equal(st_sql(p, "UPDATE seals SET status = 'good'"), SQLITE_CONSTRAINT);
}

/* A stored blob larger than the store accepts as input was written around it: refused on
 * reading, as an over-long text already is, at N + 1 bytes (N: SS_CERT_MAX) and not at N. */
static void seal_get__refuses_a_stored_blob_over_its_limit(void **state)
{
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;
    ss_seal s;
    char p[400], sql[200];

    (void)state;
    snprintf(p, sizeof(p), "%s", st_path("blob_limit"));
    OK(ss_store_open_sqlite(&st, p, &err), &err);
    st_seal(st, st_unit(st, USCC), ES);
    snprintf(sql, sizeof(sql), "UPDATE seals SET signer_cert = zeroblob(%u)", SS_CERT_MAX);
    assert_int_equal(st_sql(p, sql), SQLITE_OK);
    OK(ss_store_seal_get(st, ES, &s, &err), &err);
    assert_int_equal(s.signer_cert_len, SS_CERT_MAX);
    ss_seal_clear(&s);
    snprintf(sql, sizeof(sql), "UPDATE seals SET signer_cert = zeroblob(%u)", SS_CERT_MAX + 1);
    assert_int_equal(st_sql(p, sql), SQLITE_OK);
    EXPECT(ss_store_seal_get(st, ES, &s, &err), &err, SC_EFORMAT,
           "stored seal signer certificate: 65537 bytes, at most 65536");
    assert_null(s.signer_cert);
    assert_null(s.der);
    ss_store_close(st);
}

static int count_seal(void *ctx, const ss_seal *s)
{
    int64_t *last = ctx;
    assert_null(s->der);
    last[0]++;
    last[1] = s->id;
    return 0;
}

static void seal_list__by_unit_and_status_with_paging(void **state)
{
    ss_store *st = st_open("seal_list");
    sc_err err = SC_ERR_INIT;
    int64_t u1 = st_unit(st, USCC), u2 = st_unit(st, USCC2);
    int64_t c[2] = { 0, 0 };
    char es[32];
    int i;

    (void)state;
    for (i = 0; i < 7; i++) {
        snprintf(es, sizeof(es), "3300002026%04d", i);
        st_seal(st, i < 5 ? u1 : u2, es);
    }
    OK(ss_store_seal_set_status(st, "33000020260001", SS_SEAL_SUSPENDED, NULL, 0, 5, &err),
       &err);
    OK(ss_store_seal_list(st, u1, SS_SEAL_ANY, 0, 3, count_seal, c, &err), &err);
    assert_int_equal(c[0], 3);
    OK(ss_store_seal_list(st, u1, SS_SEAL_ANY, c[1], 3, count_seal, c, &err), &err);
    assert_int_equal(c[0], 5);
    c[0] = 0;
    OK(ss_store_seal_list(st, 0, SS_SEAL_GOOD, 0, 100, count_seal, c, &err), &err);
    assert_int_equal(c[0], 6);
    c[0] = 0;
    OK(ss_store_seal_list(st, 0, SS_SEAL_SUSPENDED, 0, 100, count_seal, c, &err), &err);
    assert_int_equal(c[0], 1);
    c[0] = 0;
    OK(ss_store_seal_list(st, u2, SS_SEAL_ANY, 0, 100, count_seal, c, &err), &err);
    assert_int_equal(c[0], 2);
    ss_store_close(st);
}

struct nest {
    ss_store *tx;
    int64_t outer[4];
    int n_outer, n_inner;
};

static int count_inner(void *ctx, const ss_seal *s)
{
    (void)s;
    ((struct nest *)ctx)->n_inner++;
    return 0;
}

static int list_again(void *ctx, const ss_seal *s)
{
    struct nest *n = ctx;
    sc_err err = SC_ERR_INIT;

    n->outer[n->n_outer++] = s->id;
    OK(ss_store_seal_list(n->tx, 0, SS_SEAL_ANY, 0, 10, count_inner, n, &err), &err);
    return 0;
}

/* Lists keep their statement per connection; a callback listing again on the same connection
 * (a transaction) gets its own statement and leaves the outer walk where it was. */
static void seal_list__a_callback_may_list_the_same_again(void **state)
{
    ss_store *st = st_open("nested_list");
    struct nest n;
    sc_err err = SC_ERR_INIT;
    int64_t u = st_unit(st, USCC);
    int i;

    (void)state;
    memset(&n, 0, sizeof(n));
    st_seal(st, u, "33000020260001");
    st_seal(st, u, "33000020260002");
    st_seal(st, u, "33000020260003");
    OK(ss_store_tx_begin(st, &n.tx, &err), &err);
    for (i = 0; i < 2; i++) {   /* twice: the cached statement was reset after the first */
        n.n_outer = n.n_inner = 0;
        OK(ss_store_seal_list(n.tx, 0, SS_SEAL_ANY, 0, 10, list_again, &n, &err), &err);
        assert_int_equal(n.n_outer, 3);
        assert_true(n.outer[0] < n.outer[1] && n.outer[1] < n.outer[2]);
        assert_int_equal(n.n_inner, 9);
    }
    ss_store_tx_rollback(n.tx);
    ss_store_close(st);
}

static void seal_add__rejects_each_bad_input(void **state)
{
    ss_store *st = st_open("seal_bad");
    sc_err err = SC_ERR_INIT;
    int64_t unit = st_unit(st, USCC);
    ss_seal s;
    char long_id[SS_ES_ID_MAX + 2];

    (void)state;
    st_seal(st, unit, ES);
    fill_seal(&s, unit, ES);
    EXPECT(ss_store_seal_add(st, &s, 0, 1, NULL, &err), &err, SS_ECONFLICT,
           "seal " ES ": already exists");
    sc_err_clear(&err);
    fill_seal(&s, unit, "33 00");
    EXPECT(ss_store_seal_add(st, &s, 0, 1, NULL, &err), &err, SC_EINVAL,
           "seal esID: byte 2 is not printable ASCII");
    sc_err_clear(&err);
    memset(long_id, '1', sizeof(long_id));
    long_id[SS_ES_ID_MAX] = '\0';            /* N: fits */
    fill_seal(&s, unit, long_id);
    OK(ss_store_seal_add(st, &s, 0, 1, NULL, &err), &err);
    long_id[SS_ES_ID_MAX] = '1';
    long_id[SS_ES_ID_MAX + 1] = '\0';        /* N+1 */
    EXPECT(ss_store_seal_get(st, long_id, &s, &err), &err, SC_ELIMIT,
           "seal esID: longer than 64 bytes");
    sc_err_clear(&err);
    fill_seal(&s, unit + 5, "33000020260002");
    EXPECT(ss_store_seal_add(st, &s, 0, 1, NULL, &err), &err, SC_ENOTFOUND,
           "unit 6: no such unit");
    sc_err_clear(&err);
    fill_seal(&s, unit, "33000020260002");
    s.der = (uint8_t *)"MIIB";
    EXPECT(ss_store_seal_add(st, &s, 0, 1, NULL, &err), &err, SC_EFORMAT, "seal DER: not DER");
    sc_err_clear(&err);
    fill_seal(&s, unit, "33000020260002");
    s.valid_end = s.valid_start;
    EXPECT(ss_store_seal_add(st, &s, 0, 1, NULL, &err), &err, SC_EINVAL,
           "seal: validity ends");
    sc_err_clear(&err);
    fill_seal(&s, unit, "33000020260002");
    s.key_id = 9;
    EXPECT(ss_store_seal_add(st, &s, 0, 1, NULL, &err), &err, SC_ENOTFOUND,
           "does not exist");
    sc_err_clear(&err);
    EXPECT(ss_store_seal_get(st, "33000020260002", &s, &err), &err, SC_ENOTFOUND,
           "seal 33000020260002: no such seal");
    ss_store_close(st);
}

/* ---- grants ---------------------------------------------------------------------------- */

/* one signature: the grant counted inside a transaction that commits */
static int sign_once(ss_store *st, int64_t client, int64_t now, ss_grant *g, sc_err *err)
{
    ss_store *tx = NULL;
    int rc;

    if ((rc = ss_store_tx_begin(st, &tx, err)) != 0)
        return rc;
    if ((rc = ss_store_grant_use(tx, client, ES, now, g, err)) != 0) {
        ss_store_tx_rollback(tx);
        return rc;
    }
    return ss_store_tx_commit(tx, err);
}

static void grant_use__no_grant_expired_and_limit_at_n_and_n_plus_1(void **state)
{
    ss_store *st = st_open("grant");
    sc_err err = SC_ERR_INIT;
    int64_t unit = st_unit(st, USCC), op = st_client(st, "op", SS_ROLE_OPERATOR);
    int64_t op2 = st_client(st, "op2", SS_ROLE_OPERATOR), gid = 0;
    ss_grant g;
    int i;

    (void)state;
    st_seal(st, unit, ES);
    EXPECT(sign_once(st, op, 100, &g, &err), &err, SC_ENOTFOUND,
           "client 1 has no grant for seal " ES);
    sc_err_clear(&err);
    OK(ss_store_grant_add(st, op, ES, 0, 3, 50, &gid, &err), &err);
    for (i = 1; i <= 3; i++) {          /* uses 1..N */
        OK(sign_once(st, op, 100, &g, &err), &err);
        assert_int_equal(g.uses, i);
    }
    EXPECT(sign_once(st, op, 100, &g, &err), &err, SC_ELIMIT,
           "is used up: 3 of 3 uses");   /* N+1 */
    sc_err_clear(&err);

    OK(ss_store_grant_add(st, op2, ES, 200, 0, 50, NULL, &err), &err);
    OK(sign_once(st, op2, 199, &g, &err), &err);          /* the last second it is valid */
    EXPECT(sign_once(st, op2, 200, &g, &err), &err, SS_EEXPIRED,
           "seal " ES ") expired at 200");                /* from expires_at on: expired */
    sc_err_clear(&err);
    EXPECT(ss_store_grant_add(st, op2, ES, 0, 0, 50, NULL, &err), &err, SS_ECONFLICT,
           "already exists");
    sc_err_clear(&err);
    EXPECT(ss_store_grant_add(st, op, ES, 40, 0, 50, NULL, &err), &err, SC_EINVAL,
           "expiry 40 is not in the future");
    sc_err_clear(&err);
    EXPECT(ss_store_grant_add(st, op, ES, 0, -1, 50, NULL, &err), &err, SC_EINVAL,
           "use limit -1");
    sc_err_clear(&err);
    EXPECT(ss_store_grant_add(st, 55, ES, 0, 0, 50, NULL, &err), &err, SC_ENOTFOUND,
           "grant: client 55: no such API client");
    sc_err_clear(&err);
    EXPECT(ss_store_grant_add(st, op, "33000020269999", 0, 0, 50, NULL, &err), &err,
           SC_ENOTFOUND, "grant: seal 33000020269999: no such seal");
    sc_err_clear(&err);
    /* outside a transaction the count could not roll back with the signature: refused */
    EXPECT(ss_store_grant_use(st, op, ES, 100, &g, &err), &err, SC_EINVAL,
           "must run inside the operation's transaction");
    sc_err_clear(&err);
    OK(ss_store_grant_delete(st, gid, &err), &err);
    EXPECT(ss_store_grant_delete(st, gid, &err), &err, SC_ENOTFOUND, "no such grant");
    ss_store_close(st);
}

static void grant_use__counts_survive_reopen_and_roll_back(void **state)
{
    ss_store *st = NULL, *tx = NULL;
    sc_err err = SC_ERR_INIT;
    char p[400];
    int64_t op;
    ss_grant g;

    (void)state;
    snprintf(p, sizeof(p), "%s", st_path("grant_reopen"));
    OK(ss_store_open_sqlite(&st, p, &err), &err);
    st_seal(st, st_unit(st, USCC), ES);
    op = st_client(st, "op", SS_ROLE_OPERATOR);
    OK(ss_store_grant_add(st, op, ES, 0, 2, 1, NULL, &err), &err);
    OK(sign_once(st, op, 10, &g, &err), &err);
    /* a signature that failed after counting: the rollback gives the use back */
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_grant_use(tx, op, ES, 10, &g, &err), &err);
    assert_int_equal(g.uses, 2);
    ss_store_tx_rollback(tx);
    ss_store_close(st);

    OK(ss_store_open_sqlite(&st, p, &err), &err);
    OK(ss_store_grant_get(st, op, ES, &g, &err), &err);
    assert_int_equal(g.uses, 1);
    assert_int_equal(g.use_limit, 2);
    assert_int_equal(g.expires_at, 0);
    OK(sign_once(st, op, 10, &g, &err), &err);
    EXPECT(sign_once(st, op, 10, &g, &err), &err, SC_ELIMIT, "2 of 2 uses");
    ss_store_close(st);
}

struct racer { ss_store *st; int64_t client; int ok, used_up, other; };

static void *race(void *arg)
{
    struct racer *r = arg;
    ss_grant g;
    int i;

    for (i = 0; i < 10; i++) {
        sc_err err = SC_ERR_INIT;
        int rc = sign_once(r->st, r->client, 10, &g, &err);
        if (rc == 0)
            r->ok++;
        else if (rc == SC_ELIMIT)
            r->used_up++;
        else
            r->other++;
    }
    return NULL;
}

/* 4 threads, 40 attempts, 25 uses: exactly 25 succeed, whatever the interleaving */
static void grant_use__parallel_signers_never_exceed_the_limit(void **state)
{
    ss_sqlite_opts opts = { 4, 30000, 0 };
    ss_store *st = NULL;
    sc_err err = SC_ERR_INIT;
    struct racer r[4];
    pthread_t t[4];
    int64_t op;
    ss_grant g;
    int i, ok = 0, used_up = 0;

    (void)state;
    OK(ss_store_open_sqlite_opts(&st, st_path("grant_race"), &opts, &err), &err);
    st_seal(st, st_unit(st, USCC), ES);
    op = st_client(st, "op", SS_ROLE_OPERATOR);
    OK(ss_store_grant_add(st, op, ES, 0, 25, 1, NULL, &err), &err);
    for (i = 0; i < 4; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        r[i].st = st;
        r[i].client = op;
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        ok += r[i].ok;
        used_up += r[i].used_up;
        assert_int_equal(r[i].other, 0);
    }
    assert_int_equal(ok, 25);
    assert_int_equal(used_up, 15);
    OK(ss_store_grant_get(st, op, ES, &g, &err), &err);
    assert_int_equal(g.uses, 25);
    ss_store_close(st);
}

static int count_grant(void *ctx, const ss_grant *g)
{
    int *n = ctx;
    (void)g;
    (*n)++;
    return 0;
}

static void grant_list__by_client_and_seal(void **state)
{
    ss_store *st = st_open("grant_list");
    sc_err err = SC_ERR_INIT;
    int64_t unit = st_unit(st, USCC), a = st_client(st, "a", SS_ROLE_OPERATOR);
    int64_t b = st_client(st, "b", SS_ROLE_OPERATOR);
    int n = 0;

    (void)state;
    st_seal(st, unit, ES);
    st_seal(st, unit, "33000020260002");
    OK(ss_store_grant_add(st, a, ES, 0, 0, 1, NULL, &err), &err);
    OK(ss_store_grant_add(st, a, "33000020260002", 0, 0, 1, NULL, &err), &err);
    OK(ss_store_grant_add(st, b, ES, 0, 0, 1, NULL, &err), &err);
    OK(ss_store_grant_list(st, a, NULL, 0, 10, count_grant, &n, &err), &err);
    assert_int_equal(n, 2);
    n = 0;
    OK(ss_store_grant_list(st, 0, ES, 0, 10, count_grant, &n, &err), &err);
    assert_int_equal(n, 2);
    n = 0;
    OK(ss_store_grant_list(st, b, "33000020260002", 0, 10, count_grant, &n, &err), &err);
    assert_int_equal(n, 0);
    ss_store_close(st);
}

/* A signer's check (ss_store_grant_get_cached) sees a grant added or deleted at once, in a
 * transaction once it commits; a grant with a use limit is read each time, its count current. */
static void grant_get_cached__sees_changes_and_limited_counts(void **state)
{
    ss_store *st = st_open("grant_cached"), *tx = NULL;
    sc_err err = SC_ERR_INIT;
    int64_t unit = st_unit(st, USCC), a = st_client(st, "a", SS_ROLE_OPERATOR);
    int64_t b = st_client(st, "b", SS_ROLE_OPERATOR), gid = 0, lim = 0;
    ss_grant g;

    (void)state;
    st_seal(st, unit, ES);
    EXPECT(ss_store_grant_get_cached(st, a, ES, &g, &err), &err, SC_ENOTFOUND, NULL);
    sc_err_clear(&err);
    OK(ss_store_grant_add(st, a, ES, 0, 0, 1, &gid, &err), &err);
    for (int i = 0; i < 2; i++) {   /* read, then kept */
        OK(ss_store_grant_get_cached(st, a, ES, &g, &err), &err);
        assert_int_equal(g.id, gid);
        assert_int_equal(g.client_id, a);
        assert_string_equal(g.es_id, ES);
    }
    OK(ss_store_grant_delete(st, gid, &err), &err);
    EXPECT(ss_store_grant_get_cached(st, a, ES, &g, &err), &err, SC_ENOTFOUND, NULL);
    sc_err_clear(&err);
    /* added in a transaction: found once it commits */
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_grant_add(tx, a, ES, 0, 0, 1, &gid, &err), &err);
    EXPECT(ss_store_grant_get_cached(st, a, ES, &g, &err), &err, SC_ENOTFOUND, NULL);
    sc_err_clear(&err);
    OK(ss_store_tx_commit(tx, &err), &err);
    OK(ss_store_grant_get_cached(st, a, ES, &g, &err), &err);
    assert_int_equal(g.id, gid);
    /* deleted in a transaction: gone once it commits */
    OK(ss_store_grant_get_cached(st, a, ES, &g, &err), &err);
    OK(ss_store_tx_begin(st, &tx, &err), &err);
    OK(ss_store_grant_delete(tx, gid, &err), &err);
    OK(ss_store_tx_commit(tx, &err), &err);
    EXPECT(ss_store_grant_get_cached(st, a, ES, &g, &err), &err, SC_ENOTFOUND, NULL);
    sc_err_clear(&err);
    /* limited: each use shows */
    OK(ss_store_grant_add(st, b, ES, 0, 5, 1, &lim, &err), &err);
    for (int64_t used = 0; used < 3; used++) {
        OK(ss_store_grant_get_cached(st, b, ES, &g, &err), &err);
        assert_int_equal(g.id, lim);
        assert_int_equal(g.uses, used);
        OK(ss_store_tx_begin(st, &tx, &err), &err);
        OK(ss_store_grant_use(tx, b, ES, 2, NULL, &err), &err);
        OK(ss_store_tx_commit(tx, &err), &err);
    }
    ss_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(app_review__four_eyes_then_make_the_seal),
        cmocka_unit_test(app_add__rejects_bad_input_and_lists_by_state),
        cmocka_unit_test(key_add__keeps_only_encrypted_keys),
        cmocka_unit_test(seal_set_status__suspend_resume_revoke_final),
        cmocka_unit_test(seal_revoked__trigger_refuses_a_raw_update),
        cmocka_unit_test(seal_get__refuses_a_stored_blob_over_its_limit),
        cmocka_unit_test(seal_list__by_unit_and_status_with_paging),
        cmocka_unit_test(seal_list__a_callback_may_list_the_same_again),
        cmocka_unit_test(seal_add__rejects_each_bad_input),
        cmocka_unit_test(grant_use__no_grant_expired_and_limit_at_n_and_n_plus_1),
        cmocka_unit_test(grant_use__counts_survive_reopen_and_roll_back),
        cmocka_unit_test(grant_use__parallel_signers_never_exceed_the_limit),
        cmocka_unit_test(grant_get_cached__sees_changes_and_limited_counts),
        cmocka_unit_test(grant_list__by_client_and_seal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

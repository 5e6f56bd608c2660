/* test_server_api.c: the seal API over real TLS against the real binary: units, applications
 * and their four-eyes review, seals and their status changes, grants, and data signing with
 * idempotency; each signature verified by seal-core's verifier against the dev PKI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sealcore/ofd_doc.h"
#include "sealcore/ses.h"
#include "sealcore/status.h"
#include "sealcore/verify.h"
#include "api_fixture.h"
#include "server_fixture.h"
#include "testutil.h"

/* One call on this program's server (api_fixture.h). */
#define call(...) sfa_call(&sfa_srv, __VA_ARGS__)

/* The last character of each test's unit code, so codes never collide. */
static char unit_letter(const char *tag)
{
    static const char tags[] = "losbgxitmr", letters[] = "ADEFGHJKLM";
    const char *at = strchr(tags, tag[0]);

    return at != NULL ? letters[at - tags] : 'C';
}

/* A unit and an approved seal; es_id out. */
static int64_t make_seal(const char *tag, char *es_id, size_t n)
{
    return sfa_make_seal(&sfa_srv, unit_letter(tag), tag, es_id, n);
}

/* make_seal(), and a grant of the seal to the operator. */
static void granted_seal(const char *tag, char *es_id, size_t n)
{
    make_seal(tag, es_id, n);
    sfa_grant(&sfa_srv, es_id, 0);
}

static void test_api_lifecycle_and_sign(void **state)
{
    const sf_env *e = sf_env_get();
    char es[128], path[192], sig1[8192], idem[64];
    static const char data[] = "a document to seal";
    char *data_b64 = sfa_b64((const uint8_t *)data, strlen(data));
    json_t *j = NULL;

    (void)state;
    make_seal("life", es, sizeof(es));

    /* The seal, for anyone authenticated. */
    snprintf(path, sizeof(path), "/api/v1/seals/%s", es);
    assert_int_equal(call("GET", path, e->tok_verifier, NULL, &j, NULL), 200);
    assert_string_equal(sfa_jstr(j, "status"), "good");
    assert_true(strlen(sfa_jstr(j, "seal_b64")) > 100);
    json_decref(j);
    assert_int_equal(call("GET", "/api/v1/seals/330000-NOPE", e->tok_verifier, NULL, NULL,
                          NULL), 404);

    /* No grant: 403. */
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, NULL, NULL,
                          "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, data_b64), 403);
    assert_int_equal(call("POST", "/api/v1/grants", e->tok_operator, NULL, NULL,
                          "{\"client_id\": %lld, \"es_id\": \"%s\"}",
                          (long long)sfa_operator_id(&sfa_srv), es), 403);
    assert_int_equal(call("POST", "/api/v1/grants", e->tok_admin, NULL, NULL,
                          "{\"client_id\": %lld, \"es_id\": \"%s\"}",
                          (long long)sfa_operator_id(&sfa_srv), es), 201);

    /* Signed, verified; the retry with the same key is the same signature. */
    snprintf(idem, sizeof(idem), "Idempotency-Key: life-%d", (int)getpid());
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, idem, &j,
                          "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, data_b64), 200);
    snprintf(sig1, sizeof(sig1), "%s", sfa_jstr(j, "signature_b64"));
    assert_true(json_is_false(json_object_get(j, "replayed")));
    json_decref(j);
    sfa_verify_sig(sig1, (const uint8_t *)data, strlen(data));
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, idem, &j,
                          "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, data_b64), 200);
    assert_string_equal(sfa_jstr(j, "signature_b64"), sig1);
    assert_true(json_is_true(json_object_get(j, "replayed")));
    json_decref(j);
    /* The same key for another document: 409. */
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, idem, NULL,
                          "{\"es_id\": \"%s\", \"data_b64\": \"b3RoZXI=\"}", es), 409);
    /* Bad input. */
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, NULL, NULL,
                          "{\"es_id\": \"%s\"}", es), 400);
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, NULL, NULL,
                          "{\"es_id\": \"%s\", \"sm3_hex\": \"zz\"}", es), 400);
    /* Roles: an officer does not sign; no credential is 401. */
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_officer, NULL, NULL,
                          "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, data_b64), 403);
    assert_int_equal(call("POST", "/api/v1/sign/data", NULL, NULL, NULL,
                          "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, data_b64), 401);

    /* Suspended: refused (409); resumed: signs again; revoked: final. */
    snprintf(path, sizeof(path), "/api/v1/seals/%s/suspend", es);
    assert_int_equal(call("POST", path, e->tok_operator, NULL, NULL, NULL), 403);
    assert_int_equal(call("POST", path, e->tok_officer, NULL, &j, "{\"reason\": \"audit\"}"),
                     200);
    assert_string_equal(sfa_jstr(j, "status"), "suspended");
    json_decref(j);
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, NULL, NULL,
                          "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, data_b64), 409);
    snprintf(path, sizeof(path), "/api/v1/seals/%s/resume", es);
    assert_int_equal(call("POST", path, e->tok_officer, NULL, NULL, NULL), 200);
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, NULL, &j,
                          "{\"es_id\": \"%s\", \"sm3_hex\": \"%s\"}", es,
                          "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
                     200);
    json_decref(j);
    snprintf(path, sizeof(path), "/api/v1/seals/%s/revoke", es);
    assert_int_equal(call("POST", path, e->tok_officer, NULL, NULL, "{\"reason\": \"bogus\"}"),
                     400);
    assert_int_equal(call("POST", path, e->tok_officer, NULL, &j,
                          "{\"reason\": \"keyCompromise\", \"text\": \"lost\"}"), 200);
    assert_string_equal(sfa_jstr(j, "status"), "revoked");
    json_decref(j);
    assert_int_equal(call("POST", path, e->tok_officer, NULL, NULL, NULL), 409);
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, NULL, NULL,
                          "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, data_b64), 409);
    free(data_b64);
}

/* Strings OpenSSL's block decoder takes although they are not base64 ('=' read as a zero
 * digit anywhere, three '='): refused, never a signature over bytes the client did not send. */
static void test_api_sign_data_refuses_bad_base64(void **state)
{
    static const char *const bad[] = { "QU=D", "A===", "====", "QUJD=A==" };
    const sf_env *e = sf_env_get();
    char es[128];

    (void)state;
    granted_seal("x64", es, sizeof(es));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (call("POST", "/api/v1/sign/data", e->tok_operator, NULL, NULL,
                 "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, bad[i]) != 400)
            fail_msg("data_b64 \"%s\" was not refused", bad[i]);
}

/* An input over its named maximum is the request's fault (400), wherever the service finds
 * it: 403 would send the client looking for a permission it does not lack. */
static void test_api_input_over_its_limit_is_400(void **state)
{
    const sf_env *e = sf_env_get();
    char es[128], path[192], big[700];
    long now = (long)time(NULL);

    (void)state;
    memset(big, 'n', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    make_seal("toolong", es, sizeof(es));
    snprintf(path, sizeof(path), "/api/v1/seals/%s/suspend", es);
    assert_int_equal(call("POST", path, e->tok_officer, NULL, NULL, "{\"text\": \"%s\"}", big),
                     400);
    assert_int_equal(call("POST", "/api/v1/seals/applications", e->tok_officer, NULL, NULL,
                          "{\"unit_id\": 1, \"seal_type\": 1, \"name\": \"%s\", "
                          "\"image_b64\": \"iVBORw0KGgo=\", \"image_format\": \"png\", "
                          "\"width_mm\": 40, \"height_mm\": 40, \"valid_from\": %ld, "
                          "\"valid_to\": %ld}", big, now, now + 86400), 400);
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, NULL, NULL,
                          "{\"es_id\": \"%s\", \"sm3_hex\": \"%064d\", "
                          "\"property_info\": \"%s\"}", es, 0, big), 400);
}

static void test_api_units_and_reject(void **state)
{
    const sf_env *e = sf_env_get();
    json_t *j = NULL;
    char path[96];
    long now = (long)time(NULL);
    int64_t unit, app;

    (void)state;
    assert_int_equal(call("POST", "/api/v1/units", NULL, NULL, NULL,
                          "{\"code\": \"x\", \"name\": \"y\"}"), 401);
    assert_int_equal(call("POST", "/api/v1/units", e->tok_operator, NULL, NULL,
                          "{\"code\": \"x\", \"name\": \"y\"}"), 403);
    assert_int_equal(call("POST", "/api/v1/units", e->tok_admin, NULL, NULL, "{\"code\": 1}"),
                     400);
    assert_int_equal(call("POST", "/api/v1/units", e->tok_admin, NULL, &j,
                          "{\"code\": \"913300%011dB\", \"name\": \"R\"}", (int)getpid()), 201);
    unit = sfa_jint(j, "id");
    json_decref(j);
    assert_int_equal(call("POST", "/api/v1/units", e->tok_admin, NULL, NULL,
                          "{\"code\": \"913300%011dB\", \"name\": \"R\"}", (int)getpid()), 409);
    assert_int_equal(call("POST", "/api/v1/seals/applications", e->tok_officer, NULL, &j,
                          "{\"unit_id\": %lld, \"seal_type\": 1, \"name\": \"S\", "
                          "\"image_b64\": \"iVBORw0KGgo=\", \"image_format\": \"png\", "
                          "\"width_mm\": 40, \"height_mm\": 40, \"valid_from\": %ld, "
                          "\"valid_to\": %ld}", (long long)unit, now, now + 86400), 201);
    app = sfa_jint(j, "id");
    json_decref(j);
    snprintf(path, sizeof(path), "/api/v1/seals/applications/%lld/reject", (long long)app);
    /* The officer applied: four eyes refuse its own review. */
    assert_int_equal(call("POST", path, e->tok_officer, NULL, NULL, "{\"reason\": \"no\"}"),
                     403);
    assert_int_equal(call("POST", "/api/v1/seals/applications/999999/reject", e->tok_officer,
                          NULL, NULL, "{\"reason\": \"no\"}"), 404);
}

static long sign_ofd(const char *query, const uint8_t *in, size_t len, const char *header,
                     sf_resp *r)
{
    char path[512];
    sf_req q = { .method = "POST", .path = path, .token = sf_env_get()->tok_operator,
                 .content_type = "application/octet-stream", .body = (const char *)in,
                 .body_len = len, .header = header };

    snprintf(path, sizeof(path), "/api/v1/sign/ofd?%s", query);
    assert_int_equal(sf_http(&sfa_srv, &q, r), 0);
    if (r->status != 200)
        print_message("sign/ofd?%s -> %ld %s\n", query, r->status, r->body);
    return r->status;
}

static void verify_ofd(const uint8_t *buf, size_t len)
{
    sc_err err = SC_ERR_INIT;
    sc_trust *t = sfa_dev_trust();
    sc_report *rep = NULL;

    sc_verify_opts o = { .trust = t };
    assert_int_equal(sc_report_new(&rep, "stamped.ofd", "ofd", &err), 0);
    assert_int_equal(sc_verify_ofd_mem(rep, buf, len, &o, &err), 0);
    sfa_report_timestamped(rep);
    sfa_report_valid(rep);
    sc_trust_free(t);
}

/* The value of one /metrics series ("name{labels}"), -1 when absent. */
static long long metric(const char *series)
{
    sf_req q = { .method = "GET", .path = "/metrics", .token = sf_env_get()->tok_auditor };
    sf_resp r;
    long long v;

    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    assert_int_equal(r.status, 200);
    v = (long long)sf_metric(r.body, series);
    sf_resp_free(&r);
    return v;
}

static void test_api_sign_ofd(void **state)
{
    char es[128], q[256], idem[64];
    size_t len = 0;
    uint8_t *in = sfa_make_ofd("ADMINISTRATIVE DECISION", &len);
    sf_resp r, r2;

    (void)state;
    granted_seal("ofd", es, sizeof(es));
    snprintf(q, sizeof(q), "es_id=%s&page=1&x=150&y=250", es);
    snprintf(idem, sizeof(idem), "Idempotency-Key: ofd-%d", (int)getpid());
    assert_int_equal(sign_ofd(q, in, len, idem, &r), 200);
    assert_string_equal(r.content_type, "application/ofd");
    verify_ofd((const uint8_t *)r.body, r.len);
    /* The retry is the same package, byte for byte. */
    assert_int_equal(sign_ofd(q, in, len, idem, &r2), 200);
    assert_int_equal(r2.len, r.len);
    assert_memory_equal(r2.body, r.body, r.len);
    sf_resp_free(&r2);
    sf_resp_free(&r);
    snprintf(q, sizeof(q), "es_id=%s&keyword=DECISION", es);
    assert_int_equal(sign_ofd(q, in, len, NULL, &r), 200);
    verify_ofd((const uint8_t *)r.body, r.len);
    sf_resp_free(&r);
    /* No position, not an OFD: 400. */
    snprintf(q, sizeof(q), "es_id=%s", es);
    assert_int_equal(sign_ofd(q, in, len, NULL, &r), 400);
    sf_resp_free(&r);
    snprintf(q, sizeof(q), "es_id=%s&page=1&x=1&y=1", es);
    assert_int_equal(sign_ofd(q, (const uint8_t *)"not a zip", 9, NULL, &r), 400);
    sf_resp_free(&r);
    /* A query word too long to read is refused, not taken for absent (occurrence 1). */
    snprintf(q, sizeof(q), "es_id=%s&keyword=DECISION&occurrence=%070d", es, 1);
    assert_int_equal(sign_ofd(q, in, len, NULL, &r), 400);
    assert_non_null(strstr(r.body, "occurrence: too long"));
    sf_resp_free(&r);
    snprintf(q, sizeof(q), "es_id=%s%0*d&page=1&x=1&y=1", es, SS_ES_ID_MAX, 0);
    assert_int_equal(sign_ofd(q, in, len, NULL, &r), 400);
    assert_non_null(strstr(r.body, "es_id: too long"));
    sf_resp_free(&r);
    free(in);
    /* /metrics per seal: two signatures committed (the retry was a replay, the 400s never
     * reached the committer), no refusal. */
    snprintf(q, sizeof(q), "sealpki_seal_signatures_total{seal=\"%s\"}", es);
    assert_int_equal(metric(q), 2);
    snprintf(q, sizeof(q), "sealpki_seal_refusals_total{seal=\"%s\"}", es);
    assert_int_equal(metric(q), -1);
    assert_true(metric("sealpki_signing_replays_total") >= 1);
    assert_true(metric("sealpki_signatures_total") >= 2);
}

/* Does the server's log say needle (within 2 s: a request's line follows its answer)? */
static int log_has(const char *needle)
{
    for (int i = 0; i < 200; i++) {
        char *log = sf_server_log(&sfa_srv);
        int found = strstr(log, needle) != NULL;
        struct timespec ts = { 0, 10 * 1000000L };

        free(log);
        if (found)
            return 1;
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* A package of about n bytes that does not compress: one page with one "PNG" of n bytes (the
 * writer checks only the signature, so the rest is random). */
static uint8_t *make_big_ofd(size_t n, size_t *len)
{
    sc_ofd_doc *doc = NULL;
    uint8_t *img = malloc(n), *buf = NULL;
    sc_err err = SC_ERR_INIT;

    assert_non_null(img);
    memcpy(img, "\x89PNG\r\n\x1a\n", 8);
    assert_int_equal(RAND_bytes(img + 8, (int)(n - 8)), 1);
    assert_int_equal(sc_ofd_doc_new(&doc, 210, 297, &err), 0);
    assert_int_equal(sc_ofd_doc_add_page(doc, NULL, &err), 0);
    assert_int_equal(sc_ofd_doc_add_image(doc, 0, 20, 20, 100, 100, img, n, "PNG", &err), 0);
    assert_int_equal(sc_ofd_doc_write_mem(doc, &buf, len, &err), 0);
    sc_ofd_doc_free(doc);
    free(img);
    return buf;
}

/* The client hangs up while the stamped package streams: the server notes it and carries on,
 * the signature stays committed, and the retry with the same key gets the whole package. */
static void test_api_sign_ofd_client_gone(void **state)
{
    const sf_env *e = sf_env_get();
    char es[128], path[256], idem[64];
    size_t len = 0;
    uint8_t *in = make_big_ofd(8u * 1024 * 1024, &len);
    sf_req q = { .method = "POST", .path = path, .token = e->tok_operator,
                 .content_type = "application/octet-stream", .body = NULL, .body_len = len,
                 .header = idem, .read_max = 4096 };
    sf_resp r;

    (void)state;
    q.body = (const char *)in;
    granted_seal("gone", es, sizeof(es));
    snprintf(path, sizeof(path), "/api/v1/sign/ofd?es_id=%s&page=1&x=150&y=250", es);
    snprintf(idem, sizeof(idem), "Idempotency-Key: gone-%d", (int)getpid());
    assert_int_equal(sf_http(&sfa_srv, &q, &r), CURLE_WRITE_ERROR);
    assert_int_equal(r.status, 200);
    sf_resp_free(&r);
    assert_true(log_has("after the answer began: the client went away"));
    q.read_max = 0;
    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    assert_int_equal(r.status, 200);
    assert_true(r.len > len);
    verify_ofd((const uint8_t *)r.body, r.len);
    sf_resp_free(&r);
    free(in);
}

static void test_api_status(void **state)
{
    const sf_env *e = sf_env_get();
    char es[128], path[192];
    sc_status_resp *r;
    const sc_status_entry *en;
    int64_t seq1, seq2;
    json_t *j = NULL;

    (void)state;
    make_seal("stat", es, sizeof(es));
    snprintf(path, sizeof(path), "/api/v1/seals/%s/suspend", es);
    assert_int_equal(call("POST", path, e->tok_officer, NULL, NULL, "{\"text\": \"check\"}"),
                     200);

    snprintf(path, sizeof(path), "/api/v1/seals/%s/status", es);
    r = sfa_get_status(&sfa_srv, path);
    assert_non_null(en = sc_status_resp_find(r, SC_STATUS_ESID, es));
    assert_int_equal(en->status, SC_STATUS_SUSPENDED);
    assert_int_equal(en->history_len, 1);
    assert_true(en->has_next_update && en->next_update > en->this_update);
    assert_false(sc_status_resp_get_info(r)->has_list_sequence);
    sc_status_resp_free(r);
    assert_int_equal(call("GET", path, e->tok_verifier, "Accept: application/json", &j, NULL),
                     200);
    assert_string_equal(sfa_jstr(j, "status"), "suspended");
    assert_string_equal(sfa_jstr(j, "reason"), "certificateHold");
    json_decref(j);
    /* A seal never made here: unknown, still a signed answer. */
    r = sfa_get_status(&sfa_srv, "/api/v1/seals/33000099999999/status");
    assert_int_equal(sc_status_resp_find(r, SC_STATUS_ESID, "33000099999999")->status,
                     SC_STATUS_UNKNOWN);
    sc_status_resp_free(r);

    /* The list: every seal; listSequence grows with a change. */
    r = sfa_get_status(&sfa_srv, "/api/v1/status-list");
    assert_true(sc_status_resp_get_info(r)->has_list_sequence);
    seq1 = sc_status_resp_get_info(r)->list_sequence;
    assert_non_null(en = sc_status_resp_find(r, SC_STATUS_ESID, es));
    assert_int_equal(en->status, SC_STATUS_SUSPENDED);
    sc_status_resp_free(r);
    snprintf(path, sizeof(path), "/api/v1/seals/%s/resume", es);
    assert_int_equal(call("POST", path, e->tok_officer, NULL, NULL, NULL), 200);
    r = sfa_get_status(&sfa_srv, "/api/v1/status-list");
    seq2 = sc_status_resp_get_info(r)->list_sequence;
    assert_true(seq2 > seq1);
    assert_int_equal(sc_status_resp_find(r, SC_STATUS_ESID, es)->status, SC_STATUS_GOOD);
    sc_status_resp_free(r);
    /* No credential: 401 (anonymous_verify is off here). */
    assert_int_equal(call("GET", "/api/v1/status-list", NULL, NULL, NULL, NULL), 401);
}

/* A seal with more status changes than a signed entry carries (spec/status.asn1: 64): the
 * JSON answer, which carries no history, still says where it stands; the signed one cannot
 * be made, and says so as the server's failure, not the client's. */
/* ?nonce= is echoed in the signed answer; seal-verify --status-nonce sends a fresh one and
 * --status-token-file authenticates as a verifier client (anonymous_verify is off here). */
static void test_api_status_nonce_and_token(void **state)
{
    const sf_env *e = sf_env_get();
    static const char data[] = "status with a nonce";
    char es[128], path[256], file[600], cmd_tail[1400];
    const sc_status_resp_info *info;
    sc_status_resp *r;
    json_t *j = NULL;
    uint8_t *der;
    size_t n;

    (void)state;
    granted_seal("nonce", es, sizeof(es));
    snprintf(path, sizeof(path), "/api/v1/seals/%s/status?nonce=00ff10ab", es);
    r = sfa_get_status(&sfa_srv, path);
    info = sc_status_resp_get_info(r);
    assert_int_equal(info->nonce_len, 4);
    assert_memory_equal(info->nonce, "\x00\xff\x10\xab", 4);
    sc_status_resp_free(r);
    static const char *const bad[] = { "abc", "", "zz", "0x12",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(path, sizeof(path), "/api/v1/seals/%s/status?nonce=%s", es, bad[i]);
        if (call("GET", path, e->tok_verifier, NULL, NULL, NULL) != 400)
            fail_msg("nonce \"%s\" was not refused with 400", bad[i]);
    }

    char *b64 = sfa_b64((const uint8_t *)data, sizeof(data) - 1);
    assert_int_equal(call("POST", "/api/v1/sign/data", e->tok_operator, NULL, &j,
                          "{\"es_id\": \"%s\", \"data_b64\": \"%s\"}", es, b64), 200);
    free(b64);
    der = sfa_unb64(sfa_jstr(j, "signature_b64"), &n);
    json_decref(j);
    snprintf(file, sizeof(file), "%s/nonce", e->dir);
    assert_int_equal(sc_test_sh("mkdir -p '%s'", file), 0);
    assert_int_equal(sc_test_write(sc_test_path(file, "doc.sig"), der, n), 0);
    free(der);
    assert_int_equal(sc_test_write(sc_test_path(file, "doc.txt"), data, sizeof(data) - 1), 0);
    assert_int_equal(sc_test_write(sc_test_path(file, "verifier.token"), e->tok_verifier,
                                   strlen(e->tok_verifier)), 0);
    snprintf(cmd_tail, sizeof(cmd_tail), "--trust '%s/seal-ca.pem' --status https://127.0.0.1:%u "
             "--tls-ca '%s/tls-ca.pem' --data '%s/doc.txt' '%s/doc.sig' > '%s/out' 2>&1",
             e->pki, sfa_srv.port, e->pki, file, file, file);
    /* the token and a nonce: the seal was good */
    assert_int_equal(sc_test_sh("'%s' --status-token-file '%s/verifier.token' --status-nonce %s",
                                getenv("SEAL_VERIFY"), file, cmd_tail), 0);
    assert_int_equal(sc_test_sh("grep -q '\\[ok  \\] seal_status' '%s/out'", file), 0);
    /* no credential: the status server answers 401, the run fails (exit 2) */
    assert_int_equal(sc_test_sh("'%s' %s", getenv("SEAL_VERIFY"), cmd_tail), 2);
    assert_int_equal(sc_test_sh("grep -q 'HTTP 401' '%s/out'", file), 0);
}

static void test_api_status_after_65_changes(void **state)
{
    const sf_env *e = sf_env_get();
    char es[128], path[192];
    json_t *j = NULL;

    (void)state;
    make_seal("many", es, sizeof(es));
    for (int i = 0; i < 65; i++) {
        snprintf(path, sizeof(path), "/api/v1/seals/%s/%s", es, i % 2 ? "resume" : "suspend");
        assert_int_equal(call("POST", path, e->tok_officer, NULL, NULL, NULL), 200);
    }
    snprintf(path, sizeof(path), "/api/v1/seals/%s/status", es);
    assert_int_equal(call("GET", path, e->tok_verifier, "Accept: application/json", &j, NULL),
                     200);
    assert_string_equal(sfa_jstr(j, "status"), "suspended");
    json_decref(j);
    assert_int_equal(call("GET", path, e->tok_verifier, NULL, &j, NULL), 500);
    assert_string_equal(sfa_jstr(j, "error"), "internal");
    json_decref(j);
    assert_true(log_has("more than 64 status changes, more than a signed status entry"));
}

/* RFC 3161 over HTTPS: a SHA-256 request with certReq is granted. */
static void test_api_tsa(void **state)
{
    static const uint8_t hdr[] = { 0x30, 0x39, 0x02, 0x01, 0x01, 0x30, 0x31, 0x30, 0x0d, 0x06,
                                   0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
                                   0x05, 0x00, 0x04, 0x20 };
    uint8_t tsq[sizeof(hdr) + 32 + 3];
    static const uint8_t granted[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    sf_req q = { .method = "POST", .path = "/tsa", .token = sf_env_get()->tok_verifier,
                 .content_type = "application/timestamp-query", .body = (const char *)tsq,
                 .body_len = sizeof(tsq) };
    sf_resp r;

    (void)state;
    memcpy(tsq, hdr, sizeof(hdr));
    memset(tsq + sizeof(hdr), 0xab, 32);
    memcpy(tsq + sizeof(hdr) + 32, "\x01\x01\xff", 3);
    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/timestamp-reply");
    assert_true(r.len > 100 && (uint8_t)r.body[0] == 0x30 && (uint8_t)r.body[1] == 0x82);
    assert_memory_equal(r.body + 4, granted, sizeof(granted));
    sf_resp_free(&r);
    q.body = "junk";
    q.body_len = 4;
    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    assert_int_equal(r.status, 400);
    sf_resp_free(&r);
    q.content_type = "application/json";
    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    assert_int_equal(r.status, 415);
    sf_resp_free(&r);
}

static void test_api_sign_batch(void **state)
{
    const sf_env *e = sf_env_get();
    char es[128], idem[64], body[1024], sig0[8192];
    static const char data[] = "batch item";
    char *d64 = sfa_b64((const uint8_t *)data, strlen(data));
    json_t *j = NULL, *res;

    (void)state;
    granted_seal("batch", es, sizeof(es));
    snprintf(body, sizeof(body), "[{\"es_id\": \"%s\", \"data_b64\": \"%s\"}, "
             "{\"es_id\": \"%s\", \"sm3_hex\": \"%064d\"}, "
             "{\"es_id\": \"33000099999998\", \"data_b64\": \"%s\"}]", es, d64, es, 7, d64);
    snprintf(idem, sizeof(idem), "Idempotency-Key: batch-%d", (int)getpid());
    assert_int_equal(call("POST", "/api/v1/sign/batch", e->tok_operator, idem, &j, "%s", body),
                     200);
    res = json_object_get(j, "results");
    assert_int_equal(json_array_size(res), 3);
    snprintf(sig0, sizeof(sig0), "%s", sfa_jstr(json_array_get(res, 0), "signature_b64"));
    sfa_verify_sig(sig0, (const uint8_t *)data, strlen(data));
    assert_non_null(json_object_get(json_array_get(res, 1), "signature_b64"));
    assert_non_null(json_object_get(json_array_get(res, 2), "error"));
    json_decref(j);
    /* The retry: the same results, replayed. */
    assert_int_equal(call("POST", "/api/v1/sign/batch", e->tok_operator, idem, &j, "%s", body),
                     200);
    assert_true(json_is_true(json_object_get(j, "replayed")));
    assert_string_equal(sfa_jstr(json_array_get(json_object_get(j, "results"), 0), "signature_b64"),
                        sig0);
    json_decref(j);
    assert_int_equal(call("POST", "/api/v1/sign/batch", e->tok_operator, NULL, NULL, "[]"), 400);
    assert_int_equal(call("POST", "/api/v1/sign/batch", e->tok_operator, NULL, NULL,
                          "[{\"es_id\": \"x\"}]"), 400);
    free(d64);
}

/* A batch item is read as a sign/data body: what one refuses, the other refuses (a member
 * of the wrong type is not "absent"), and what one takes, the other takes. */
static void test_api_sign_batch_items_read_as_sign_data(void **state)
{
#define H "\"0000000000000000000000000000000000000000000000000000000000000007\""
    static const struct { const char *item; long status; } rows[] = {
        { "\"es_id\": \"%s\", \"data_b64\": 5, \"sm3_hex\": " H, 400 },
        { "\"es_id\": \"%s\", \"sm3_hex\": " H ", \"data_b64\": null", 200 },
        { "\"es_id\": \"%s\", \"sm3_hex\": " H ", \"property_info\": null", 200 },
        { "\"es_id\": \"%s\", \"sm3_hex\": " H ", \"property_info\": 1", 400 },
        { "\"es_id\": 7, \"property_info\": \"%s\", \"sm3_hex\": " H, 400 },
    };
#undef H
    const sf_env *e = sf_env_get();
    char es[128], item[512];

    (void)state;
    granted_seal("items", es, sizeof(es));
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        snprintf(item, sizeof(item), rows[i].item, es);
        if (call("POST", "/api/v1/sign/data", e->tok_operator, NULL, NULL, "{%s}", item) !=
                rows[i].status ||
            call("POST", "/api/v1/sign/batch", e->tok_operator, NULL, NULL, "[{%s}]", item) !=
                rows[i].status)
            fail_msg("{%s}: want %ld from sign/data and sign/batch", item, rows[i].status);
    }
}

static void test_api_without_service(void **state)
{
    sf_server plain;
    json_t *j = NULL;

    (void)state;
    memset(&plain, 0, sizeof(plain));
    assert_int_equal(sf_server_start(&plain, NULL), 0);
    sf_req q = { .method = "POST", .path = "/api/v1/units", .token = sf_env_get()->tok_admin,
                 .content_type = "application/json", .body = "{}", .body_len = 2 };
    sf_resp r;
    assert_int_equal(sf_http(&plain, &q, &r), 0);
    assert_int_equal(r.status, 503);
    assert_non_null(j = json_loads(r.body, 0, NULL));
    assert_string_equal(sfa_jstr(j, "error"), "unavailable");
    json_decref(j);
    sf_resp_free(&r);
    assert_int_equal(sf_server_stop(&plain), 0);
    sf_server_kill(&plain);
}

/* A signing answer kept for its Idempotency-Key is forgotten once older than
 * idempotency_retention_s (here 4 s, the upkeep every 2 s: room for a slow machine between
 * the first answer and the first retry): the key is then free for another request, which
 * is signed anew, not refused as a conflict. */
static sf_server kept;   /* its own server: killed by the teardown even when a check fails */

static int kept_setup(void **state)
{
    sf_opts o = { .service = 1, .idem_retention_s = 4 };

    (void)state;
    memset(&kept, 0, sizeof(kept));
    return sf_server_start(&kept, &o);
}

static int kept_teardown(void **state)
{
    (void)state;
    sf_server_kill(&kept);
    return 0;
}

static void test_api_idempotency_retention(void **state)
{
    const sf_env *e = sf_env_get();
    sf_server *s = &kept;
    char es[64], idem[64], *log;
    json_t *j = NULL;
    long st = 0;

    (void)state;
    sfa_make_seal(s, unit_letter("retention"), "retention", es, sizeof(es));
    sfa_grant(s, es, 0);
    snprintf(idem, sizeof(idem), "Idempotency-Key: kept-%d", (int)getpid());
    assert_int_equal(sfa_call(s, "POST", "/api/v1/sign/data", e->tok_operator, idem, NULL,
                              "{\"es_id\": \"%s\", \"sm3_hex\": \"%064d\"}", es, 1), 200);
    assert_int_equal(sfa_call(s, "POST", "/api/v1/sign/data", e->tok_operator, idem, &j,
                              "{\"es_id\": \"%s\", \"sm3_hex\": \"%064d\"}", es, 1), 200);
    assert_true(json_is_true(json_object_get(j, "replayed")));
    json_decref(j);
    /* another document under the key: a conflict while the answer is kept, then signed */
    for (int i = 0; i < 60 && st != 200; i++) {
        j = NULL;
        st = sfa_call(s, "POST", "/api/v1/sign/data", e->tok_operator, idem, &j,
                      "{\"es_id\": \"%s\", \"sm3_hex\": \"%064d\"}", es, 2);
        assert_true(st == 409 || st == 200);
        if (i == 0) {            /* moments old: kept */
            assert_int_equal(st, 409);
            assert_string_equal(sfa_jstr(j, "error"), "conflict");
        }
        if (st == 200)
            assert_true(json_is_false(json_object_get(j, "replayed")));
        json_decref(j);
        if (st == 409)
            usleep(250 * 1000);
    }
    assert_int_equal(st, 200);
    assert_int_equal(sf_server_stop(s), 0);
    log = sf_server_log(s);
    assert_non_null(strstr(log, "idempotency record(s) older than 4 s forgotten"));
    free(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_lifecycle_and_sign),
        cmocka_unit_test(test_api_units_and_reject),
        cmocka_unit_test(test_api_sign_data_refuses_bad_base64),
        cmocka_unit_test(test_api_input_over_its_limit_is_400),
        cmocka_unit_test(test_api_sign_ofd),
        cmocka_unit_test(test_api_sign_ofd_client_gone),
        cmocka_unit_test(test_api_status),
        cmocka_unit_test(test_api_tsa),
        cmocka_unit_test(test_api_sign_batch),
        cmocka_unit_test(test_api_sign_batch_items_read_as_sign_data),
        cmocka_unit_test(test_api_without_service),
        cmocka_unit_test_setup_teardown(test_api_idempotency_retention, kept_setup,
                                        kept_teardown),
        /* Last: from here on this server's status list fails (the seal it leaves). */
        cmocka_unit_test(test_api_status_nonce_and_token),
        cmocka_unit_test(test_api_status_after_65_changes),
    };

    return cmocka_run_group_tests(tests, sfa_setup, sfa_teardown);
}

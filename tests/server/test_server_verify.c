/* test_server_verify.c: POST /api/v1/verify and /api/v1/verify/ofd over real TLS against the
 * real binary: signatures, seals and stamped OFDs the server made, verified by the server with
 * its own status (seal_status), a tampered document, a signature made with the unit key after
 * the seal was suspended, refusals (400, 401, 403, 413, 415), anonymous verifiers, the
 * trust_anchors key, and the same report from seal-verify for the same input. */
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

#include "sealcore/key.h"
#include "sealcore/ses.h"
#include "api_fixture.h"
#include "server_fixture.h"
#include "store.h"
#include "testutil.h"

/* POST body (a JSON document, released here) to path on s; the answer as JSON (NULL when it
 * is not JSON) in *out. @return the HTTP status */
static long post_json(const sf_server *s, const char *path, const char *token, json_t *body,
                      json_t **out)
{
    char *text = json_dumps(body, JSON_COMPACT);
    sf_req q = { .method = "POST", .path = path, .token = token, .body = text,
                 .content_type = "application/json" };
    sf_resp r;
    long st;

    assert_non_null(text);
    q.body_len = strlen(text);
    assert_int_equal(sf_http(s, &q, &r), 0);
    st = r.status;
    if (out != NULL)
        *out = json_loads(r.body, 0, NULL);
    if (st != 200)
        print_message("POST %s -> %ld %s\n", path, st, r.body);
    sf_resp_free(&r);
    json_decref(body);
    free(text);
    return st;
}

static json_t *b64_json(const void *d, size_t n)
{
    char *t = sfa_b64(d, n);
    json_t *j = json_string(t);

    free(t);
    return j;
}

#define member sfa_jstr

/* A unit, an approved seal and a grant of it to the operator: the es_id into es. */
static void granted_seal(char *es, size_t n)
{
    static int seq;

    sfa_make_seal(&sfa_srv, "TUWXY"[seq++ % 5], "verify", es, n);
    sfa_grant(&sfa_srv, es, 0);
}

/* sign/data through the API: the signature's base64 (new). */
static char *sign_data(const char *es, const char *data)
{
    json_t *j = NULL;
    char *sig;

    assert_int_equal(post_json(&sfa_srv, "/api/v1/sign/data", sf_env_get()->tok_operator,
                               json_pack("{s:s,s:o}", "es_id", es, "data_b64",
                                         b64_json(data, strlen(data))), &j), 200);
    assert_non_null(sig = strdup(member(j, "signature_b64")));
    json_decref(j);
    return sig;
}

/* POST /api/v1/verify as the verifier: the report (200 asserted). */
static json_t *verify(json_t *body)
{
    json_t *rep = NULL;

    assert_int_equal(post_json(&sfa_srv, "/api/v1/verify", sf_env_get()->tok_verifier, body, &rep),
                     200);
    assert_non_null(rep);
    return rep;
}

/* Item i's "checks" or "reasons" entry for check, or "" when the item has none. */
static const char *item_str(const json_t *rep, size_t i, const char *part, const char *check)
{
    const json_t *p = json_object_get(json_array_get(json_object_get(rep, "items"), i), part);
    const json_t *v = json_object_get(p, check);

    return json_is_string(v) ? json_string_value(v) : "";
}

#define check_of(rep, i, c) item_str(rep, i, "checks", c)
#define reason_of(rep, i, c) item_str(rep, i, "reasons", c)

/* Every check of every item is "passed" except those named in skip (which must be as said):
 * "data_hash=failed,timestamp=skipped". */
static void checks_are(const json_t *rep, const char *expect)
{
    const json_t *items = json_object_get(rep, "items");
    size_t i;
    json_t *item;

    assert_true(json_array_size(items) > 0);
    json_array_foreach(items, i, item) {
        const char *name;
        json_t *v;
        json_object_foreach(json_object_get(item, "checks"), name, v) {
            char key[64];
            const char *at;
            const char *want = "passed";
            snprintf(key, sizeof(key), "%s=", name);
            if ((at = strstr(expect, key)) != NULL && (at == expect || at[-1] == ','))
                want = at + strlen(key);
            if (strncmp(json_string_value(v), want, strlen(json_string_value(v))) != 0 ||
                (want[strlen(json_string_value(v))] != '\0' &&
                 want[strlen(json_string_value(v))] != ','))
                fail_msg("item %zu: %s is %s (%s), expected %.*s", i, name,
                         json_string_value(v), reason_of(rep, i, name),
                         (int)strcspn(want, ","), want);
        }
    }
}

/* The checks every server signature has; all must be reported, none left out. */
static const char *const SIG_CHECKS[] = { "structure", "signer_signature", "signer_cert",
                                          "cert_chain", "signer_in_seal", "seal_signature",
                                          "seal_validity", "seal_status", "data_hash",
                                          "timestamp" };

/* seal-verify --json on file (and data when not NULL), with the server's trust (its seal CA
 * as the anchor) and its status over HTTPS (the PKI's client certificate): the report. */
static json_t *seal_verify(const char *file, const char *data)
{
    const char *pki = sf_env_get()->pki;
    char out[700], data_opt[700] = "";
    json_t *rep;

    snprintf(out, sizeof(out), "%s/seal-verify.json", sf_env_get()->dir);
    if (data != NULL)
        snprintf(data_opt, sizeof(data_opt), "--data '%s'", data);
    sc_test_sh("'%s' --trust '%s/seal-ca.pem' --status https://127.0.0.1:%u --tls-ca "
               "'%s/tls-ca.pem' --tls-cert '%s/tls-client.pem' --tls-key '%s/tls-client.key' "
               "--tls-key-pass-file '%s/key-password' --json %s '%s' > '%s'",
               getenv("SEAL_VERIFY"), pki, sfa_srv.port, pki, pki, pki, pki, data_opt, file, out);
    if ((rep = json_load_file(out, 0, NULL)) == NULL)
        fail_msg("seal-verify %s: no JSON report", file);
    return rep;
}

/* The server's report and seal-verify's say the same: every field but "file" (the CLI names
 * its file, the server has none). */
static void same_report(json_t *server, json_t *cli)
{
    char *a, *b;

    json_object_del(server, "file");
    json_object_del(cli, "file");
    a = json_dumps(server, JSON_SORT_KEYS | JSON_INDENT(1));
    b = json_dumps(cli, JSON_SORT_KEYS | JSON_INDENT(1));
    if (strcmp(a, b) != 0)
        fail_msg("server:\n%s\nseal-verify:\n%s", a, b);
    free(a);
    free(b);
}

static void write_file(const char *path, const void *d, size_t n)
{
    assert_int_equal(sc_test_write(path, d, n), 0);
}

/* The server's report on body (released here) has the checks expect says (checks_are) and
 * the verdict valid, and seal-verify says the same of sig_path with data_path. */
static void both_say(json_t *body, const char *sig_path, const char *data_path,
                     const char *expect, int valid)
{
    json_t *rep = verify(body), *cli;

    checks_are(rep, expect);
    assert_int_equal(json_is_true(json_object_get(rep, "valid")), valid);
    cli = seal_verify(sig_path, data_path);
    same_report(rep, cli);
    json_decref(rep);
    json_decref(cli);
}

/* Sign through the API, verify through the API: every check passes, with the data or its
 * SM3; another document fails data_hash alone. seal-verify says the same of each. */
static void test_verify_signature(void **state)
{
    static const char doc[] = "a decision to verify";
    char es[64], sig_path[700], data_path[700], other_path[700];
    char *sig = NULL;
    uint8_t *der;
    size_t der_len;
    json_t *rep, *cli;

    (void)state;
    granted_seal(es, sizeof(es));
    sig = sign_data(es, doc);

    rep = verify(json_pack("{s:s,s:o}", "signature_b64", sig, "data_b64",
                           b64_json(doc, strlen(doc))));
    assert_string_equal(member(rep, "format"), "signature");
    assert_true(json_is_true(json_object_get(rep, "valid")));
    for (size_t i = 0; i < sizeof(SIG_CHECKS) / sizeof(SIG_CHECKS[0]); i++)
        if (strcmp(check_of(rep, 0, SIG_CHECKS[i]), "passed") != 0)
            fail_msg("%s: %s (%s)", SIG_CHECKS[i], check_of(rep, 0, SIG_CHECKS[i]),
                     reason_of(rep, 0, SIG_CHECKS[i]));
    assert_string_equal(member(json_array_get(json_object_get(rep, "items"), 0), "seal_id"),
                        es);

    der = sfa_unb64(sig, &der_len);
    snprintf(sig_path, sizeof(sig_path), "%s/v.sig", sf_env_get()->dir);
    snprintf(data_path, sizeof(data_path), "%s/v.txt", sf_env_get()->dir);
    snprintf(other_path, sizeof(other_path), "%s/other.txt", sf_env_get()->dir);
    write_file(sig_path, der, der_len);
    write_file(data_path, doc, strlen(doc));
    write_file(other_path, "another decision", 16);
    cli = seal_verify(sig_path, data_path);
    same_report(rep, cli);
    json_decref(rep);
    json_decref(cli);

    /* Its SM3 instead of the data. */
    rep = verify(json_pack("{s:s,s:s}", "signature_b64", sig, "sm3_hex",
                           "0000000000000000000000000000000000000000000000000000000000000000"));
    checks_are(rep, "data_hash=failed");
    json_decref(rep);

    /* Tampered: another document fails data_hash, and only it. */
    both_say(json_pack("{s:s,s:o}", "signature_b64", sig, "data_b64",
                       b64_json("another decision", 16)), sig_path, other_path,
             "data_hash=failed", 0);
    /* Without data: data_hash skipped, still valid (as seal-verify without --data). */
    both_say(json_pack("{s:s}", "signature_b64", sig), sig_path, NULL, "data_hash=skipped", 1);
    free(der);
    free(sig);
}

/* The seal itself (GET /api/v1/seals/{esID}), and bytes that are no seal: a report with an
 * error (seal-verify's exit 2), not a refused request. */
static void test_verify_seal_and_unreadable(void **state)
{
    char es[64], path[128];
    sf_req q = { .path = path, .token = sf_env_get()->tok_verifier };
    sf_resp r;
    json_t *j, *rep;

    (void)state;
    granted_seal(es, sizeof(es));
    snprintf(path, sizeof(path), "/api/v1/seals/%s", es);
    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    assert_non_null(j = json_loads(r.body, 0, NULL));
    sf_resp_free(&r);
    rep = verify(json_pack("{s:O}", "seal_b64", json_object_get(j, "seal_b64")));
    json_decref(j);
    assert_string_equal(member(rep, "format"), "seal");
    assert_true(json_is_true(json_object_get(rep, "valid")));
    checks_are(rep, "timestamp=skipped");
    assert_string_equal(check_of(rep, 0, "seal_status"), "passed");
    json_decref(rep);

    rep = verify(json_pack("{s:s}", "signature_b64", "MAMCAQE="));
    assert_true(json_is_false(json_object_get(rep, "valid")));
    assert_int_equal(json_array_size(json_object_get(rep, "items")), 0);
    assert_true(json_array_size(json_object_get(rep, "errors")) > 0);
    json_decref(rep);
}

/* The unit key, read from the store as an insider would, signs data after the seal was
 * suspended: seal_status fails naming the suspension; the signature made before it passes. */
static char *sign_with_stolen_key(const char *es, const char *data)
{
    const sf_env *e = sf_env_get();
    ss_store *st = NULL;
    ss_seal s;
    ss_seal_key k;
    sc_key *key = NULL;
    sc_ses_seal *seal = NULL;
    sc_ses_sig *sig = NULL;
    sc_err err = SC_ERR_INIT;
    const uint8_t *der;
    size_t len;
    char *out;

    memset(&s, 0, sizeof(s));
    memset(&k, 0, sizeof(k));
    if (ss_store_open_sqlite(&st, e->store, &err) != 0 ||
        ss_store_seal_get(st, es, &s, &err) != 0 || ss_store_key_get(st, s.key_id, &k, &err) != 0
        || sc_key_soft_load(&key, k.pkcs8_pem, k.pkcs8_pem_len, e->password,
                            strlen(e->password), &err) != 0 ||
        sc_ses_seal_parse(&seal, s.der, s.der_len, &err) != 0)
        fail_msg("the unit key of %s: %s", es, err.msg);
    sc_ses_sign_params p = { .data = (const uint8_t *)data, .data_len = strlen(data) };
    if (sc_ses_sign(&sig, seal, key, s.signer_cert, s.signer_cert_len, &p, &err) != 0)
        fail_msg("sign: %s", err.msg);
    der = sc_ses_sig_get_der(sig, &len);
    json_t *j = b64_json(der, len);
    assert_non_null(out = strdup(json_string_value(j)));
    json_decref(j);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(seal);
    sc_key_free(key);
    ss_seal_key_clear(&k);
    ss_seal_clear(&s);
    ss_store_close(st);
    return out;
}

static void test_verify_status_before_and_after_suspension(void **state)
{
    static const char doc[] = "signed while good";
    const sf_env *e = sf_env_get();
    char es[64], path[128];
    char *before, *after;
    struct timespec second = { 1, 100 * 1000000L };
    json_t *rep;

    (void)state;
    granted_seal(es, sizeof(es));
    before = sign_data(es, doc);
    nanosleep(&second, NULL);     /* the status has a resolution of one second */
    snprintf(path, sizeof(path), "/api/v1/seals/%s/suspend", es);
    assert_int_equal(post_json(&sfa_srv, path, e->tok_officer, json_pack("{s:s}", "text", "audit"),
                               NULL), 200);
    nanosleep(&second, NULL);
    after = sign_with_stolen_key(es, doc);

    rep = verify(json_pack("{s:s,s:o}", "signature_b64", before, "data_b64",
                           b64_json(doc, strlen(doc))));
    checks_are(rep, "");
    assert_true(json_is_true(json_object_get(rep, "valid")));
    json_decref(rep);

    rep = verify(json_pack("{s:s,s:o}", "signature_b64", after, "data_b64",
                           b64_json(doc, strlen(doc))));
    checks_are(rep, "seal_status=failed,timestamp=skipped");
    assert_non_null(strstr(reason_of(rep, 0, "seal_status"), "suspended"));
    assert_non_null(strstr(reason_of(rep, 0, "seal_status"), "before the signing time"));
    assert_true(json_is_false(json_object_get(rep, "valid")));
    json_decref(rep);

    /* Judged at a time after the suspension ("at", as seal-verify --at), the good signature's
     * seal was no longer good then. */
    char at[40];
    time_t now = time(NULL);
    strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    rep = verify(json_pack("{s:s,s:s}", "signature_b64", before, "at", at));
    assert_string_equal(check_of(rep, 0, "seal_status"), "failed");
    json_decref(rep);
    free(before);
    free(after);
}

/* POST an OFD body to path (query included) as token: the status, the answer in *r. */
static long post_ofd(const char *path, const char *token, const char *ctype, const void *body,
                     size_t len, sf_resp *r)
{
    sf_req q = { .method = "POST", .path = path, .token = token, .content_type = ctype,
                 .body = body, .body_len = len };

    assert_int_equal(sf_http(&sfa_srv, &q, r), 0);
    return r->status;
}

/* A package stamped by sign/ofd, verified by verify/ofd: every check of its signature
 * passes, as seal-verify says; one changed byte of a stamped entry fails ofd_references. */
static void test_verify_stamped_ofd(void **state)
{
    const sf_env *e = sf_env_get();
    char es[64], path[160], file[700];
    size_t len = 0;
    uint8_t *in = sfa_make_ofd("LICENCE TO VERIFY", &len);
    sf_resp r, v;
    json_t *rep, *cli;

    (void)state;
    granted_seal(es, sizeof(es));
    snprintf(path, sizeof(path), "/api/v1/sign/ofd?es_id=%s&page=1&x=150&y=250", es);
    assert_int_equal(post_ofd(path, e->tok_operator, "application/octet-stream", in, len, &r),
                     200);
    assert_int_equal(post_ofd("/api/v1/verify/ofd", e->tok_verifier, "application/ofd",
                              r.body, r.len, &v), 200);
    assert_non_null(rep = json_loads(v.body, 0, NULL));
    sf_resp_free(&v);
    assert_string_equal(member(rep, "format"), "ofd");
    assert_true(json_is_true(json_object_get(rep, "valid")));
    assert_int_equal(json_array_size(json_object_get(rep, "items")), 1);
    checks_are(rep, "");
    assert_string_equal(check_of(rep, 0, "seal_status"), "passed");
    assert_string_equal(check_of(rep, 0, "ofd_references"), "passed");
    snprintf(file, sizeof(file), "%s/stamped.ofd", e->dir);
    write_file(file, r.body, r.len);
    cli = seal_verify(file, NULL);
    same_report(rep, cli);
    json_decref(rep);
    json_decref(cli);

    /* Not a package: the report says why (seal-verify's exit 2), still 200. */
    assert_int_equal(post_ofd("/api/v1/verify/ofd", e->tok_verifier, "application/ofd",
                              "not a zip", 9, &v), 200);
    assert_non_null(rep = json_loads(v.body, 0, NULL));
    assert_true(json_is_false(json_object_get(rep, "valid")));
    assert_true(json_array_size(json_object_get(rep, "errors")) > 0);
    json_decref(rep);
    sf_resp_free(&v);
    sf_resp_free(&r);
    free(in);
}

/* Bad requests: each answered with its status and the error shape, none verified. */
static void test_verify_refusals(void **state)
{
    static const struct {
        const char *body;
        const char *msg;
    } bad[] = {
        { "{\"signature_b64\": ", "not JSON" },
        { "[]", "expected a JSON object" },
        { "{}", "exactly one of" },
        { "{\"signature_b64\": \"MAMCAQE=\", \"seal_b64\": \"MAMCAQE=\"}", "exactly one of" },
        { "{\"signature_b64\": 5}", "expected a string" },
        { "{\"signature_b64\": \"QU=D\"}", "not base64" },
        { "{\"signature_b64\": \"\"}", "empty" },
        { "{\"seal_b64\": \"MAMCAQE=\", \"data_b64\": \"QQ==\"}", "are for signatures" },
        { "{\"signature_b64\": \"MAMCAQE=\", \"data_b64\": \"QQ==\", \"sm3_hex\": \"00\"}",
          "not both" },
        { "{\"signature_b64\": \"MAMCAQE=\", \"sm3_hex\": \"zz\"}", "64 hex digits" },
        { "{\"signature_b64\": \"MAMCAQE=\", \"at\": \"yesterday\"}", "not ISO 8601" },
    };
    const sf_env *e = sf_env_get();
    sf_req q = { .method = "POST", .path = "/api/v1/verify", .token = e->tok_verifier,
                 .content_type = "application/json" };
    sf_resp r;
    json_t *j;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        q.body = bad[i].body;
        q.body_len = strlen(bad[i].body);
        assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
        if (r.status != 400 || strstr(r.body, bad[i].msg) == NULL ||
            strstr(r.body, "\"bad_request\"") == NULL)
            fail_msg("%s: %ld %s (expected 400 \"%s\")", bad[i].body, r.status, r.body,
                     bad[i].msg);
        sf_resp_free(&r);
    }
    /* Wrong Content-Type: 415, on both routes. */
    q.body = "{}";
    q.body_len = 2;
    q.content_type = "text/plain";
    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    assert_int_equal(r.status, 415);
    sf_resp_free(&r);
    assert_int_equal(post_ofd("/api/v1/verify/ofd", e->tok_verifier, "application/json", "{}",
                              2, &r), 415);
    sf_resp_free(&r);
    assert_int_equal(post_ofd("/api/v1/verify/ofd?at=never", e->tok_verifier,
                              "application/ofd", "PK", 2, &r), 400);
    sf_resp_free(&r);
    /* Over the route's limit (16 MiB): 413 from Content-Length, before the body is read. */
    size_t big = 16u * 1024 * 1024 + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, ' ', big);
    q.content_type = "application/json";
    q.body = huge;
    q.body_len = big;
    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    assert_int_equal(r.status, 413);
    sf_resp_free(&r);
    free(huge);
    /* No credential (anonymous_verify off): 401; other roles: 403. */
    q.body = "{\"signature_b64\": \"MAMCAQE=\"}";
    q.body_len = strlen(q.body);
    q.token = NULL;
    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    assert_int_equal(r.status, 401);
    sf_resp_free(&r);
    const char *others[] = { e->tok_operator, e->tok_admin, e->tok_officer, e->tok_auditor };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        q.token = others[i];
        assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
        assert_int_equal(r.status, 403);
        assert_non_null(j = json_loads(r.body, 0, NULL));
        assert_string_equal(member(j, "error"), "forbidden");
        json_decref(j);
        sf_resp_free(&r);
    }
}

/* With anonymous_verify, no credential verifies; a wrong one is still 401. */
static void test_verify_anonymous(void **state)
{
    sf_opts o = { .service = 1, .anonymous_verify = 1 };
    sf_server anon;
    json_t *rep = NULL;
    sf_req q = { .method = "POST", .path = "/api/v1/verify", .content_type = "application/json",
                 .body = "{\"signature_b64\": \"MAMCAQE=\"}" };
    sf_resp r;

    (void)state;
    memset(&anon, 0, sizeof(anon));
    assert_int_equal(sf_server_start(&anon, &o), 0);
    assert_int_equal(post_json(&anon, "/api/v1/verify", NULL,
                               json_pack("{s:s}", "signature_b64", "MAMCAQE="), &rep), 200);
    assert_true(json_is_false(json_object_get(rep, "valid")));
    json_decref(rep);
    q.body_len = strlen(q.body);
    q.token = "not-a-token";
    assert_int_equal(sf_http(&anon, &q, &r), 0);
    assert_int_equal(r.status, 401);
    sf_resp_free(&r);
    assert_int_equal(sf_server_stop(&anon), 0);
    sf_server_kill(&anon);
}

/* trust_anchors: a file that cannot be read stops the start (exit 1) naming it; an empty
 * list or a wrong type is a configuration error (exit 2) naming the key. */
static void test_verify_trust_anchors_config(void **state)
{
    static const struct {
        const char *value;
        int exit;
        const char *msg;
    } rows[] = {
        { "[\"/nonexistent/anchor.pem\"]", 1, "trust_anchors /nonexistent/anchor.pem: cannot "
                                              "open" },
        { "[\"%s/key-password\"]", 1, "key-password" },
        { "[]", 2, "trust_anchors\\\": 0 files: give 1..32" },
        { "\"root-ca.pem\"", 2, "trust_anchors\\\": expected an array" },
        { "[7]", 2, "trust_anchors[0]\\\": expected a file name" },
    };
    sf_opts o = { .service = 1 };
    char *base = sf_config_text(&o, sf_free_port());

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char value[700], key[800];
        char *text, *log = NULL;
        int st;

        snprintf(value, sizeof(value), rows[i].value, sf_env_get()->pki);
        snprintf(key, sizeof(key), "\"trust_anchors\": %s, \"threads\"", value);
        text = sf_replace(base, "\"threads\"", key);
        st = sf_run_config(text, &log);
        if (st != rows[i].exit || strstr(log, rows[i].msg) == NULL)
            fail_msg("trust_anchors %s: exit %d, log:\n%s", value, st, log);
        free(log);
        free(text);
    }
    free(base);
}

/* A server whose trust_anchors is root (a file of pki): the signature's chain as it finds it. */
static const char *chain_under(const char *pki, const char *sig)
{
    static char result[16];
    sf_server own;
    uint8_t *text = NULL;
    size_t len = 0;
    char anchors[700], *cfg;
    json_t *rep = NULL;
    sf_opts o = { .service = 1 };

    memset(&own, 0, sizeof(own));
    assert_int_equal(sf_server_start(&own, &o), 0);
    assert_int_equal(sf_server_stop(&own), 0);
    assert_int_equal(sc_test_read(own.cfg, &text, &len), 0);
    snprintf(anchors, sizeof(anchors), "\"trust_anchors\": [\"%s/root-ca.pem\"], \"threads\"",
             pki);
    cfg = sf_replace((const char *)text, "\"threads\"", anchors);
    assert_int_equal(sc_test_write(own.cfg, cfg, strlen(cfg)), 0);
    assert_int_equal(sf_server_restart(&own), 0);
    assert_int_equal(post_json(&own, "/api/v1/verify", sf_env_get()->tok_verifier,
                               json_pack("{s:s}", "signature_b64", sig), &rep), 200);
    snprintf(result, sizeof(result), "%s", check_of(rep, 0, "cert_chain"));
    json_decref(rep);
    assert_int_equal(sf_server_stop(&own), 0);
    sf_server_kill(&own);
    free(cfg);
    free(text);
    return result;
}

/* trust_anchors [the root]: the seal CA still builds the chain (as --ca-certs does), so the
 * province's signatures verify; another PKI's root as the only anchor: they do not. */
static void test_verify_trust_anchors_used(void **state)
{
    char es[64];
    char *sig;

    (void)state;
    granted_seal(es, sizeof(es));
    sig = sign_data(es, "under the root");
    assert_string_equal(chain_under(sf_env_get()->pki, sig), "passed");
    assert_string_equal(chain_under(sf_env_get()->other, sig), "failed");
    free(sig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_signature),
        cmocka_unit_test(test_verify_seal_and_unreadable),
        cmocka_unit_test(test_verify_status_before_and_after_suspension),
        cmocka_unit_test(test_verify_stamped_ofd),
        cmocka_unit_test(test_verify_refusals),
        cmocka_unit_test(test_verify_anonymous),
        cmocka_unit_test(test_verify_trust_anchors_config),
        cmocka_unit_test(test_verify_trust_anchors_used),
    };

    return cmocka_run_group_tests(tests, sfa_setup, sfa_teardown);
}

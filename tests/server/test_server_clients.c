/* test_server_clients.c: API clients over real TLS against the real binary (role admin): a
 * client added with a token authenticates with its roles and no others, a rotated token fails
 * at once and the new one works, a disabled client gets 401, a client registered by its
 * certificate authenticates over mTLS, an admin cannot disable itself, non-admins get 403 and
 * anonymous callers 401, malformed bodies 400. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api_fixture.h"
#include "server_fixture.h"
#include "testutil.h"

#define call(...) sfa_call(&sfa_srv, __VA_ARGS__)

/* POST /api/v1/clients as the admin token with body (taken); the answer in *out. */
static long add_client(json_t *body, json_t **out)
{
    char *text = json_dumps(body, JSON_COMPACT);
    long st;

    assert_non_null(text);
    st = call("POST", "/api/v1/clients", sf_env_get()->tok_admin, NULL, out, "%s", text);
    free(text);
    json_decref(body);
    return st;
}

/* The status of GET path with a token (or the given certificate pair when cert is set). */
static long get_as(const char *path, const char *token, const char *cert, const char *key,
                   char **body)
{
    sf_req q = { .path = path, .token = token, .cert = cert != NULL ? SF_CERT_OURS : 0,
                 .cert_file = cert, .key_file = key };
    sf_resp r;
    long st;

    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    st = r.status;
    if (body != NULL) {
        *body = r.body;
        r.body = NULL;
    }
    sf_resp_free(&r);
    return st;
}

static void test_clients_token_roles_rotate_disable(void **state)
{
    const char *adm = sf_env_get()->tok_admin;
    char tok[SS_TOKEN_BUF], tok2[SS_TOKEN_BUF], path[96];
    char *body = NULL;
    json_t *j = NULL;
    int64_t id;

    (void)state;
    assert_int_equal(add_client(json_pack("{s:s,s:[s,s],s:b}", "name", "审批系统-http",
                                          "roles", "operator", "auditor", "token", 1), &j),
                     201);
    id = sfa_jint(j, "id");
    snprintf(tok, sizeof(tok), "%s", sfa_jstr(j, "token"));
    assert_int_equal(strlen(tok), SS_TOKEN_LEN);
    assert_int_equal(json_is_true(json_object_get(j, "has_token")), 1);
    assert_null(json_object_get(j, "token_hash"));
    assert_int_equal(json_array_size(json_object_get(j, "roles")), 2);
    json_decref(j);

    /* its roles work (auditor reads the audit log), others are 403 */
    assert_int_equal(get_as("/api/v1/audit?limit=1", tok, NULL, NULL, NULL), 200);
    assert_int_equal(get_as("/api/v1/clients", tok, NULL, NULL, &body), 403);
    assert_non_null(strstr(body, "forbidden"));
    free(body);

    /* the token is shown once: GET has no token */
    snprintf(path, sizeof(path), "/api/v1/clients/%lld", (long long)id);
    assert_int_equal(call("GET", path, adm, NULL, &j, NULL), 200);
    assert_null(json_object_get(j, "token"));
    assert_string_equal(sfa_jstr(j, "name"), "审批系统-http");
    json_decref(j);

    /* rotate: the old token is 401 at once, the new one works */
    snprintf(path, sizeof(path), "/api/v1/clients/%lld/rotate-token", (long long)id);
    assert_int_equal(call("POST", path, adm, NULL, &j, NULL), 200);
    snprintf(tok2, sizeof(tok2), "%s", sfa_jstr(j, "token"));
    json_decref(j);
    assert_string_not_equal(tok, tok2);
    assert_int_equal(get_as("/api/v1/audit?limit=1", tok, NULL, NULL, &body), 401);
    assert_non_null(strstr(body, "unknown or rotated"));
    free(body);
    assert_int_equal(get_as("/api/v1/audit?limit=1", tok2, NULL, NULL, NULL), 200);

    /* disable: 401 naming it; enable: back */
    snprintf(path, sizeof(path), "/api/v1/clients/%lld/disable", (long long)id);
    assert_int_equal(call("POST", path, adm, NULL, &j, NULL), 200);
    assert_int_equal(json_is_true(json_object_get(j, "disabled")), 1);
    json_decref(j);
    assert_int_equal(call("POST", path, adm, NULL, NULL, NULL), 409);   /* already */
    assert_int_equal(get_as("/api/v1/audit?limit=1", tok2, NULL, NULL, &body), 401);
    assert_non_null(strstr(body, "disabled"));
    free(body);
    snprintf(path, sizeof(path), "/api/v1/clients/%lld/enable", (long long)id);
    assert_int_equal(call("POST", path, adm, NULL, NULL, NULL), 200);
    assert_int_equal(get_as("/api/v1/audit?limit=1", tok2, NULL, NULL, NULL), 200);

    /* the audit log has the acts and neither token */
    assert_int_equal(call("GET", "/api/v1/audit?limit=1000", tok2, NULL, &j, NULL), 200);
    {
        char *text = json_dumps(j, 0);
        assert_non_null(strstr(text, "client.token.rotate"));
        assert_non_null(strstr(text, "client.disable"));
        assert_non_null(strstr(text, "client.enable"));
        assert_null(strstr(text, tok));
        assert_null(strstr(text, tok2));
        free(text);
    }
    json_decref(j);
    /* nor does the server's log */
    body = sf_server_log(&sfa_srv);
    assert_non_null(body);
    assert_non_null(strstr(body, "/rotate-token"));
    assert_null(strstr(body, tok));
    assert_null(strstr(body, tok2));
    free(body);
}

/* A P-256 client certificate issued by the dev TLS CA with subject CN=cn into dir/NAME.pem
 * and dir/NAME.key (plain key). */
static void make_client_cert(const char *cn, const char *cert_path, const char *key_path)
{
    const sf_env *e = sf_env_get();
    FILE *f = fopen(sc_test_path(e->pki, "tls-ca.key"), "r");
    EVP_PKEY *ca_key = f != NULL ? PEM_read_PrivateKey(f, NULL, NULL, (void *)e->password)
                                 : NULL;
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *ca = NULL, *x = X509_new();
    X509_NAME *n = X509_NAME_new();

    if (f != NULL)
        fclose(f);
    f = fopen(sc_test_path(e->pki, "tls-ca.pem"), "r");
    ca = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f != NULL)
        fclose(f);
    assert_non_null(ca_key);
    assert_non_null(ca);
    assert_non_null(key);
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL)), 1);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
                                                (const unsigned char *)"sealpki test", -1, -1,
                                                0), 1);
    assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                                                (const unsigned char *)cn, -1, -1, 0), 1);
    assert_int_equal(X509_set_subject_name(x, n), 1);
    assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(ca)), 1);
    assert_int_equal(X509_set_pubkey(x, key), 1);
    assert_true(X509_sign(x, ca_key, EVP_sha256()) > 0);
    f = fopen(cert_path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, x), 1);
    fclose(f);
    f = fopen(key_path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(f);
    X509_NAME_free(n);
    X509_free(x);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
}

static void test_clients_cert_registered_authenticates_over_mtls(void **state)
{
    char cert[600], key[600], path[96], *pem = NULL, *body = NULL;
    size_t len = 0;
    json_t *j = NULL;
    int64_t id;

    (void)state;
    snprintf(cert, sizeof(cert), "%s", sc_test_path(sc_test_tmpdir(), "auditor-client.pem"));
    snprintf(key, sizeof(key), "%s", sc_test_path(sc_test_tmpdir(), "auditor-client.key"));
    make_client_cert("sealpki auditor client (test)", cert, key);

    /* trusted by the TLS CA, but not registered: 401 */
    assert_int_equal(get_as("/api/v1/audit?limit=1", NULL, cert, key, &body), 401);
    assert_non_null(strstr(body, "not registered"));
    free(body);

    assert_int_equal(sc_test_read(cert, (uint8_t **)&pem, &len), 0);
    pem = realloc(pem, len + 1);
    assert_non_null(pem);
    pem[len] = '\0';
    assert_int_equal(add_client(json_pack("{s:s,s:[s],s:s}", "name", "auditor-by-cert",
                                          "roles", "auditor", "cert_pem", pem), &j), 201);
    id = sfa_jint(j, "id");
    assert_null(json_object_get(j, "token"));
    assert_non_null(strstr(sfa_jstr(j, "cert_subject"), "CN=sealpki auditor client (test)"));
    assert_int_equal(strlen(sfa_jstr(j, "cert_sha256")), 64);
    json_decref(j);
    free(pem);

    assert_int_equal(get_as("/api/v1/audit?limit=1", NULL, cert, key, NULL), 200);
    assert_int_equal(get_as("/api/v1/clients", NULL, cert, key, NULL), 403);
    snprintf(path, sizeof(path), "/api/v1/clients/%lld/disable", (long long)id);
    assert_int_equal(call("POST", path, sf_env_get()->tok_admin, NULL, NULL, NULL), 200);
    assert_int_equal(get_as("/api/v1/audit?limit=1", NULL, cert, key, &body), 401);
    assert_non_null(strstr(body, "disabled"));
    free(body);
}

/* whoami's id for a token */
static int64_t whoami(const char *token)
{
    json_t *j = NULL;
    int64_t id;

    assert_int_equal(call("GET", "/api/v1/whoami", token, NULL, &j, NULL), 200);
    id = sfa_jint(j, "client_id");
    json_decref(j);
    return id;
}

static void test_clients_admin_rules_and_refusals(void **state)
{
    const sf_env *e = sf_env_get();
    int64_t self = whoami(e->tok_admin);
    char path[96], *big;
    json_t *j = NULL;
    static const char *const bad[] = {
        "{\"roles\": [\"operator\"], \"token\": true}",               /* no name */
        "{\"name\": \"x\", \"token\": true}",                          /* no roles */
        "{\"name\": \"x\", \"roles\": [], \"token\": true}",
        "{\"name\": \"x\", \"roles\": [\"root\"], \"token\": true}",
        "{\"name\": \"x\", \"roles\": \"operator\", \"token\": true}",
        "{\"name\": \"x\", \"roles\": [\"operator\"], \"token\": \"yes\"}",
        "{\"name\": \"x\", \"roles\": [\"operator\"]}",                /* no credential */
        "{\"name\": \"x\", \"roles\": [\"operator\"], \"cert_pem\": \"junk\"}",
        "{\"name\": \"x\", \"roles\": [\"operator\"], \"cert_b64\": \"!!\"}",
        "{\"name\": \"x\", \"roles\": [\"operator\"], \"cert_b64\": \"AAAA\", "
        "\"cert_pem\": \"x\"}",
        "{\"name\": 5, \"roles\": [\"operator\"], \"token\": true}",
        "{\"name\": \"x\", \"roles\": [\"operator\"], \"token\": true",   /* truncated */
        "[1, 2]",
    };

    (void)state;
    /* an admin cannot disable itself; non-admins 403, no credential 401 */
    snprintf(path, sizeof(path), "/api/v1/clients/%lld/disable", (long long)self);
    assert_int_equal(call("POST", path, e->tok_admin, NULL, &j, NULL), 403);
    assert_non_null(strstr(sfa_jstr(j, "message"), "cannot disable itself"));
    json_decref(j);
    assert_int_equal(call("POST", path, e->tok_officer, NULL, NULL, NULL), 403);
    assert_int_equal(call("POST", path, NULL, NULL, NULL, NULL), 401);
    assert_int_equal(call("GET", "/api/v1/clients", e->tok_operator, NULL, NULL, NULL), 403);
    assert_int_equal(call("GET", "/api/v1/clients", e->tok_auditor, NULL, NULL, NULL), 403);
    assert_int_equal(call("GET", "/api/v1/clients", NULL, NULL, NULL, NULL), 401);
    assert_int_equal(call("POST", "/api/v1/clients", e->tok_verifier, NULL, NULL,
                          "{\"name\": \"v\", \"roles\": [\"admin\"], \"token\": true}"), 403);
    assert_int_equal(call("POST", "/api/v1/clients/1/rotate-token", e->tok_operator, NULL,
                          NULL, NULL), 403);
    assert_int_equal(call("GET", "/api/v1/clients/999999", e->tok_admin, NULL, NULL, NULL),
                     404);
    assert_int_equal(call("GET", "/api/v1/clients/abc", e->tok_admin, NULL, NULL, NULL), 404);
    /* past INT64_MAX is no id, not the largest one */
    assert_int_equal(call("GET", "/api/v1/clients/99999999999999999999", e->tok_admin, NULL,
                          &j, NULL), 404);
    assert_non_null(strstr(sfa_jstr(j, "message"), "no such API client"));
    json_decref(j);
    assert_int_equal(call("DELETE", "/api/v1/grants/-3", e->tok_admin, NULL, &j, NULL), 404);
    assert_non_null(strstr(sfa_jstr(j, "message"), "no such grant"));
    json_decref(j);
    assert_int_equal(call("POST", "/api/v1/clients/999999/enable", e->tok_admin, NULL, NULL,
                          NULL), 404);

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long st = call("POST", "/api/v1/clients", e->tok_admin, NULL, &j, "%s", bad[i]);
        if (st != 400 || strcmp(sfa_jstr(j, "error"), "bad_request") != 0)
            fail_msg("%s: got %ld", bad[i], st);
        json_decref(j);
    }
    /* a duplicate name is 409 */
    assert_int_equal(call("POST", "/api/v1/clients", e->tok_admin, NULL, NULL,
                          "{\"name\": \"operator-token\", \"roles\": [\"operator\"], "
                          "\"token\": true}"), 409);
    /* a body over the endpoint's limit is 413 */
    big = malloc(300 * 1024);
    assert_non_null(big);
    memset(big, 'a', 300 * 1024 - 1);
    big[300 * 1024 - 1] = '\0';
    {
        sf_req q = { .method = "POST", .path = "/api/v1/clients", .token = e->tok_admin,
                     .content_type = "application/json", .body = big,
                     .body_len = strlen(big) };
        sf_resp r;
        assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
        assert_int_equal(r.status, 413);
        sf_resp_free(&r);
    }
    free(big);

    /* the listing pages and shows no secret */
    assert_int_equal(call("GET", "/api/v1/clients?limit=2", e->tok_admin, NULL, &j, NULL), 200);
    assert_int_equal(json_array_size(json_object_get(j, "clients")), 2);
    assert_true(json_is_integer(json_object_get(j, "next_after")));
    assert_null(json_object_get(json_array_get(json_object_get(j, "clients"), 0),
                                "token_hash"));
    json_decref(j);
    assert_int_equal(call("GET", "/api/v1/clients?limit=0", e->tok_admin, NULL, NULL, NULL),
                     400);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_clients_token_roles_rotate_disable, sfa_setup,
                                        sfa_teardown),
        cmocka_unit_test_setup_teardown(test_clients_cert_registered_authenticates_over_mtls,
                                        sfa_setup, sfa_teardown),
        cmocka_unit_test_setup_teardown(test_clients_admin_rules_and_refusals, sfa_setup,
                                        sfa_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

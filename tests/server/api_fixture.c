/* api_fixture.c: see api_fixture.h. */
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
#include <openssl/evp.h>

#include "api_fixture.h"
#include "sealcore/ofd_doc.h"
#include "sealcore/ses.h"
#include "testutil.h"

sf_server sfa_srv;

int sfa_setup(void **state)
{
    sf_opts o = { .service = 1 };

    (void)state;
    memset(&sfa_srv, 0, sizeof(sfa_srv));
    return sf_server_start(&sfa_srv, &o);
}

int sfa_teardown(void **state)
{
    int rc;

    (void)state;
    rc = sf_server_stop(&sfa_srv);
    sf_server_kill(&sfa_srv);
    return rc;
}

long sfa_call(const sf_server *s, const char *method, const char *path, const char *token,
              const char *header, json_t **out, const char *fmt, ...)
{
    char body[8192];
    sf_req q = { .method = method, .path = path, .token = token, .header = header };
    sf_resp r;
    va_list ap;
    long st;

    if (fmt != NULL) {
        va_start(ap, fmt);
        vsnprintf(body, sizeof(body), fmt, ap);
        va_end(ap);
        q.body = body;
        q.body_len = strlen(body);
        q.content_type = "application/json";
    }
    assert_int_equal(sf_http(s, &q, &r), 0);
    st = r.status;
    if (out != NULL)
        *out = json_loads(r.body, 0, NULL);
    if (st >= 400 && r.body != NULL)
        print_message("%s %s -> %ld %s\n", method, path, st, r.body);
    sf_resp_free(&r);
    return st;
}

char *sfa_b64(const uint8_t *d, size_t n)
{
    char *s = malloc(4 * ((n + 2) / 3) + 1);

    assert_non_null(s);
    EVP_EncodeBlock((unsigned char *)s, d, (int)n);
    return s;
}

uint8_t *sfa_unb64(const char *s, size_t *n)
{
    size_t l = strlen(s);
    uint8_t *d = malloc(l / 4 * 3 + 1);

    assert_non_null(d);
    assert_true(EVP_DecodeBlock(d, (const unsigned char *)s, (int)l) >= 0);
    *n = l / 4 * 3 - (l > 0 && s[l - 1] == '=') - (l > 1 && s[l - 2] == '=');
    return d;
}

int64_t sfa_jint(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    assert_true(json_is_integer(v));
    return (int64_t)json_integer_value(v);
}

const char *sfa_jstr(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);

    assert_true(json_is_string(v));
    return json_string_value(v);
}

int64_t sfa_make_seal(const sf_server *s, char letter, const char *tag, char *es_id, size_t n)
{
    const sf_env *e = sf_env_get();
    uint8_t *png = NULL;
    size_t png_len = 0;
    char *img, path[96];
    json_t *j = NULL;
    int64_t unit, app;
    long now = (long)time(NULL);

    assert_int_equal(sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &png, &png_len), 0);
    img = sfa_b64(png, png_len);
    assert_int_equal(sfa_call(s, "POST", "/api/v1/units", e->tok_admin, NULL, &j,
                              "{\"code\": \"913300%011d%c\", \"name\": \"Unit %s\"}",
                              (int)getpid(), letter, tag), 201);
    unit = sfa_jint(j, "id");
    json_decref(j);
    assert_int_equal(sfa_call(s, "POST", "/api/v1/seals/applications", e->tok_admin, NULL, &j,
                              "{\"unit_id\": %lld, \"seal_type\": 1, \"name\": \"Seal %s\", "
                              "\"image_b64\": \"%s\", \"image_format\": \"png\", "
                              "\"width_mm\": 42, \"height_mm\": 42, \"valid_from\": %ld, "
                              "\"valid_to\": %ld}", (long long)unit, tag, img, now - 60,
                              now + 86400 * 30), 201);
    app = sfa_jint(j, "id");
    json_decref(j);
    free(img);
    free(png);
    snprintf(path, sizeof(path), "/api/v1/seals/applications/%lld/approve", (long long)app);
    /* Four eyes: the applicant (admin) may not approve; the route is the officer's. */
    assert_int_equal(sfa_call(s, "POST", path, e->tok_admin, NULL, NULL, NULL), 403);
    assert_int_equal(sfa_call(s, "POST", path, e->tok_officer, NULL, &j, "{\"reason\": \"ok\"}"),
                     200);
    snprintf(es_id, n, "%s", sfa_jstr(j, "es_id"));
    json_decref(j);
    assert_int_equal(sfa_call(s, "POST", path, e->tok_officer, NULL, NULL, NULL), 409);
    return unit;
}

int64_t sfa_operator_id(const sf_server *s)
{
    json_t *j = NULL;
    int64_t id;

    assert_int_equal(sfa_call(s, "GET", "/api/v1/whoami", sf_env_get()->tok_operator, NULL, &j,
                              NULL), 200);
    id = sfa_jint(j, "client_id");
    json_decref(j);
    return id;
}

void sfa_grant(const sf_server *s, const char *es_id, int64_t use_limit)
{
    assert_int_equal(sfa_call(s, "POST", "/api/v1/grants", sf_env_get()->tok_admin, NULL, NULL,
                              "{\"client_id\": %lld, \"es_id\": \"%s\", \"use_limit\": %lld}",
                              (long long)sfa_operator_id(s), es_id, (long long)use_limit),
                     201);
}

sc_trust *sfa_dev_trust(void)
{
    const char *pki = sf_env_get()->pki;
    sc_err err = SC_ERR_INIT;
    sc_trust *t = NULL;

    assert_int_equal(sc_trust_new(&t, &err), 0);
    assert_int_equal(sc_test_add_trust(t, pki, "root-ca.pem", 1), 0);
    assert_int_equal(sc_test_add_trust(t, pki, "seal-ca.pem", 0), 0);
    return t;
}

void sfa_report_valid(sc_report *rep)
{
    sc_err err = SC_ERR_INIT;
    char *text = NULL;

    if (sc_report_valid(rep) != 1 && sc_report_to_text(rep, &text, &err) == 0)
        print_message("%s\n", text);
    free(text);
    assert_int_equal(sc_report_valid(rep), 1);
    sc_report_free(rep);
}

/* The fixture configures a TSA: every signature the server makes carries a token over its
 * signature value, and the verifier's timestamp check must have run and passed on each. */
void sfa_report_timestamped(const sc_report *rep)
{
    const char *why = NULL;

    assert_true(sc_report_item_count(rep) > 0);
    for (size_t i = 0; i < sc_report_item_count(rep); i++) {
        sc_result r = sc_report_get_check(rep, i, SC_CHECK_TIMESTAMP, &why);
        if (r != SC_RESULT_PASSED)
            fail_msg("item %zu: timestamp %d (%s)", i, (int)r, why ? why : "-");
    }
}

void sfa_verify_sig(const char *sig_b64, const uint8_t *data, size_t dlen)
{
    sc_err err = SC_ERR_INIT;
    sc_trust *t = sfa_dev_trust();
    sc_ses_sig *sig = NULL;
    sc_report *rep = NULL;
    size_t n;
    uint8_t *der = sfa_unb64(sig_b64, &n);

    sc_verify_opts o = { .trust = t, .data = data, .data_len = dlen };
    assert_int_equal(sc_ses_sig_parse(&sig, der, n, &err), 0);
    assert_int_equal(sc_report_new(&rep, "api", "signature", &err), 0);
    assert_int_equal(sc_verify_sig(rep, sig, &o, &err), 0);
    sfa_report_timestamped(rep);
    sfa_report_valid(rep);
    sc_ses_sig_free(sig);
    sc_trust_free(t);
    free(der);
}

sc_status_resp *sfa_get_status(const sf_server *s, const char *path)
{
    sf_req q = { .path = path, .token = sf_env_get()->tok_verifier };
    sf_resp r;
    sc_err err = SC_ERR_INIT;
    sc_status_resp *resp = NULL;
    sc_trust *t = sfa_dev_trust();
    char why[256] = "";
    int valid = 0;

    assert_int_equal(sf_http(s, &q, &r), 0);
    if (r.status != 200)
        print_message("%s -> %ld %s\n", path, r.status, r.body);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.content_type, "application/vnd.sealpki.status+der");
    if (sc_status_resp_parse(&resp, (const uint8_t *)r.body, r.len, &err) != 0)
        fail_msg("%s", err.msg);
    sf_resp_free(&r);
    sc_status_verify_opts o = { .trust = t };
    assert_int_equal(sc_status_resp_verify(resp, &o, &valid, why, sizeof(why), &err), 0);
    if (!valid)
        fail_msg("status response not trusted: %s", why);
    sc_trust_free(t);
    return resp;
}

uint8_t *sfa_make_ofd(const char *text, size_t *len)
{
    sc_ofd_doc *doc = NULL;
    uint8_t *buf = NULL;
    sc_err err = SC_ERR_INIT;
    sc_ofd_text t = { 20, 30, 5, NULL, text, NULL };

    assert_int_equal(sc_ofd_doc_new(&doc, 210, 297, &err), 0);
    assert_int_equal(sc_ofd_doc_add_page(doc, NULL, &err), 0);
    assert_int_equal(sc_ofd_doc_add_text(doc, 0, &t, &err), 0);
    assert_int_equal(sc_ofd_doc_write_mem(doc, &buf, len, &err), 0);
    sc_ofd_doc_free(doc);
    return buf;
}

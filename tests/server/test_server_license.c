/* test_server_license.c: e-licences over real TLS against the real binary: a type added from
 * the example template (admin only), a licence grant, one licence issued and its file
 * fetched and verified by seal-verify --status against this server (the license check
 * passes, the fields shown); revoked, the same file fails seal-verify's license check with
 * its status; the signed status (DER, Subject licenseId, nonce echoed) and the status list;
 * role boundaries (401, 403); malformed CSV and JSON (400), oversized bodies (413); a small
 * CSV batch with a bad row reported and a re-run that issues nothing twice; an unsealed OFD
 * stamped at the template's seal position; suspend, resume, re-issue, an Idempotency-Key,
 * a JSON batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api_fixture.h"
#include "sealcore/license.h"
#include "sealcore/ofd.h"
#include "server_fixture.h"
#include "testutil.h"

#define TYPE "11100000000013127D001"

#define env() sf_env_get()

/* One request with a body of any type; the answer in r (sf_resp_free). @return its status */
static long send(const char *method, const char *path, const char *token, const char *ctype,
                 const char *body, size_t len, sf_resp *r)
{
    sf_req q = { .method = method, .path = path, .token = token, .content_type = ctype,
                 .body = body, .body_len = len };

    assert_int_equal(sf_http(&sfa_srv, &q, r), 0);
    if (r->status >= 400)
        print_message("%s %s -> %ld %s\n", method, path, r->status, r->body ? r->body : "");
    return r->status;
}

/* send() with a JSON document (taken); the JSON answer in *out (may be NULL). */
static long send_json(const char *method, const char *path, const char *token, json_t *doc,
                      json_t **out)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    sf_resp r;
    long st;

    assert_non_null(text);
    st = send(method, path, token, "application/json", text, strlen(text), &r);
    if (out != NULL)
        *out = json_loads(r.body, 0, NULL);
    sf_resp_free(&r);
    free(text);
    json_decref(doc);
    return st;
}

/* The example template with its two files: a PNG for the background, bytes for the font. */
static json_t *type_body(void)
{
    uint8_t *xml = NULL, *png = NULL;
    size_t xl = 0, pl = 0;
    char *b1, *b2;
    json_t *doc;
    /* the smallest sfnt the OFD writer accepts (tests/unit/test_license_issue.c) */
    static const char font[] = "\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00"
                               "head\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04"
                               "abcd";

    assert_int_equal(sc_test_read(sc_test_path(sc_test_data(), "license-template-yyzz.xml"),
                                  &xml, &xl), 0);
    assert_int_equal(sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &png, &pl), 0);
    b1 = sfa_b64(png, pl);
    b2 = sfa_b64((const uint8_t *)font, sizeof(font) - 1);
    doc = json_pack("{s:s%,s:{s:s,s:s}}", "template", (const char *)xml, xl, "files",
                    "yyzz-a4.png", b1, "NotoSerifCJKsc-Regular.otf", b2);
    assert_non_null(doc);
    free(b1);
    free(b2);
    free(xml);
    free(png);
    return doc;
}

/* The example row (tests/interop/yyzz_row.h) with one value changed (name NULL: none). */
static json_t *row(const char *name, const char *value)
{
    json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
                          "uscc", "91350100M000100Y43", "licence_no", "330100000012345",
                          "name", "某某科技有限公司", "kind", "有限责任公司", "legal_rep", "张三",
                          "scope", "软件开发；信息技术咨询服务。", "founded", "2020-01-02",
                          "term_start", "2020-01-02", "term_end", "长期",
                          "address", "浙江省杭州市西湖区文三路1号", "issued_on", "2026-03-04");

    assert_non_null(r);
    if (name != NULL)
        json_object_set_new(r, name, json_string(value));
    return r;
}

/* A seal of a new unit (letter: its code's last character), the type (the store outlives
 * each test's server: added by the first test), and a licence grant to the operator. */
static void prepare(char letter, char *es_id, size_t n)
{
    json_t *g;
    long st;

    sfa_make_seal(&sfa_srv, letter, "licences", es_id, n);
    st = send_json("POST", "/api/v1/license-types", env()->tok_admin, type_body(), NULL);
    assert_true(st == 201 || st == 409);
    g = json_pack("{s:I,s:s,s:s}", "client_id", (json_int_t)sfa_operator_id(&sfa_srv), "es_id",
                  es_id, "type", TYPE);
    assert_int_equal(send_json("POST", "/api/v1/license-grants", env()->tok_admin, g, NULL),
                     201);
}

static long issue(const char *es_id, json_t *r, json_t **out)
{
    return send_json("POST", "/api/v1/licenses", env()->tok_operator,
                     json_pack("{s:s,s:s,s:o}", "type", TYPE, "es_id", es_id, "row", r), out);
}

/* seal-verify --json on file with this server's trust and status: the report, exit in *ex. */
static json_t *seal_verify(const char *file, int *ex)
{
    const char *pki = env()->pki;
    char out[700];
    json_t *rep;

    snprintf(out, sizeof(out), "%s/lic-verify.json", env()->dir);
    *ex = sc_test_sh("'%s' --trust '%s/seal-ca.pem' --status https://127.0.0.1:%u --tls-ca "
                     "'%s/tls-ca.pem' --tls-cert '%s/tls-client.pem' --tls-key "
                     "'%s/tls-client.key' --tls-key-pass-file '%s/key-password' --json '%s' > "
                     "'%s'", getenv("SEAL_VERIFY"), pki, sfa_srv.port, pki, pki, pki, pki, file,
                     out);
    if ((rep = json_load_file(out, 0, NULL)) == NULL)
        fail_msg("seal-verify %s: no JSON report", file);
    return rep;
}

/* The report's license item. */
static const json_t *license_item(const json_t *rep)
{
    size_t i;
    json_t *it;

    json_array_foreach(json_object_get(rep, "items"), i, it)
        if (strcmp(sfa_jstr(it, "kind"), "license") == 0)
            return it;
    fail_msg("no license item in the report");
    return NULL;
}

static void test_license_issue_verify_revoke(void **state)
{
    char es_id[64], path[512], file[600], nonce_path[600];
    json_t *doc = NULL, *rep;
    const json_t *it;
    const sc_status_entry *e = NULL;
    sc_status_resp *resp;
    sf_resp r;
    int ex;

    (void)state;
    prepare('L', es_id, sizeof(es_id));
    /* a type once; reading types is anyone's, adding the admin's */
    assert_int_equal(send_json("POST", "/api/v1/license-types", env()->tok_admin, type_body(),
                               NULL), 409);
    assert_int_equal(send_json("POST", "/api/v1/license-types", env()->tok_operator,
                               type_body(), NULL), 403);
    assert_int_equal(send_json("POST", "/api/v1/license-types", NULL, type_body(), NULL), 401);
    assert_int_equal(sfa_call(&sfa_srv, "GET", "/api/v1/license-types/" TYPE, env()->tok_verifier,
                              NULL, &doc, NULL), 200);
    assert_string_equal(sfa_jstr(doc, "name"), "营业执照");
    assert_int_equal(json_array_size(json_object_get(doc, "fields")), 12);
    json_decref(doc);

    /* issuing: the operator with the grant; others not */
    assert_int_equal(send_json("POST", "/api/v1/licenses", env()->tok_officer,
                               json_pack("{s:s,s:s,s:o}", "type", TYPE, "es_id", es_id, "row",
                                         row(NULL, NULL)), NULL), 403);
    assert_int_equal(issue(es_id, row(NULL, NULL), &doc), 201);
    snprintf(path, sizeof(path), "%s", sfa_jstr(doc, "id"));
    json_decref(doc);
    assert_int_equal(strncmp(path, "1.2.156.3005.2." TYPE ".", 37), 0);
    assert_int_equal(sc_lic_id_parse(&(sc_lic_id){ 0 }, path, strlen(path), NULL), 0);

    /* the file: an OFD that seal-verify accepts, licence check and fields included */
    snprintf(file, sizeof(file), "/api/v1/licenses/%s/file", path);
    assert_int_equal(send("GET", file, env()->tok_operator, NULL, NULL, 0, &r), 200);
    assert_string_equal(r.content_type, "application/ofd");
    snprintf(file, sizeof(file), "%s/licence.ofd", env()->dir);
    assert_int_equal(sc_test_write(file, r.body, r.len), 0);
    sf_resp_free(&r);
    rep = seal_verify(file, &ex);
    it = license_item(rep);
    if (ex != 0 || !json_is_true(json_object_get(rep, "valid")))
        fail_msg("seal-verify exit %d: %s", ex, json_dumps(rep, JSON_INDENT(1)));
    assert_string_equal(sfa_jstr(json_object_get(it, "checks"), "license"), "passed");
    assert_string_equal(sfa_jstr(it, "license_id"), path);
    assert_string_equal(sfa_jstr(it, "holder"), "某某科技有限公司");
    assert_string_equal(sfa_jstr(it, "holder_code"), "91350100M000100Y43");
    json_decref(rep);

    /* the signed status: Subject licenseId, good, the nonce echoed */
    snprintf(nonce_path, sizeof(nonce_path), "/api/v1/licenses/%s/status?nonce=0a0b0c", path);
    resp = sfa_get_status(&sfa_srv, nonce_path);
    assert_int_equal(sc_status_resp_get_info(resp)->entry_count, 1);
    assert_int_equal(sc_status_resp_get_info(resp)->nonce_len, 3);
    assert_memory_equal(sc_status_resp_get_info(resp)->nonce, "\x0a\x0b\x0c", 3);
    assert_non_null(e = sc_status_resp_get_entry(resp, 0));
    assert_int_equal(e->kind, SC_STATUS_LICENSE_ID);
    assert_string_equal(e->subject, path);
    assert_int_equal(e->status, SC_STATUS_GOOD);
    sc_status_resp_free(resp);

    /* revoke: officers and admins; the file now fails seal-verify's license check */
    snprintf(file, sizeof(file), "/api/v1/licenses/%s/revoke", path);
    assert_int_equal(sfa_call(&sfa_srv, "POST", file, env()->tok_operator, NULL, NULL,
                              "{\"reason\": \"keyCompromise\"}"), 403);
    assert_int_equal(sfa_call(&sfa_srv, "POST", file, env()->tok_officer, NULL, NULL,
                              "{\"reason\": \"nonsense\"}"), 400);
    assert_int_equal(sfa_call(&sfa_srv, "POST", file, env()->tok_officer, NULL, &doc,
                              "{\"reason\": \"cessationOfOperation\", \"text\": \"closed\"}"),
                     200);
    assert_string_equal(sfa_jstr(doc, "status"), "revoked");
    json_decref(doc);
    assert_int_equal(sfa_call(&sfa_srv, "POST", file, env()->tok_officer, NULL, NULL,
                              "{\"reason\": \"unspecified\"}"), 409);
    snprintf(file, sizeof(file), "%s/licence.ofd", env()->dir);
    rep = seal_verify(file, &ex);
    it = license_item(rep);
    assert_int_not_equal(ex, 0);
    assert_string_equal(sfa_jstr(json_object_get(it, "checks"), "license"), "failed");
    if (strstr(sfa_jstr(json_object_get(it, "reasons"), "license"), "revoked") == NULL)
        fail_msg("license reason: %s", sfa_jstr(json_object_get(it, "reasons"), "license"));
    json_decref(rep);

    /* JSON status, and the licence in the status list */
    snprintf(file, sizeof(file), "/api/v1/licenses/%s/status", path);
    {
        sf_req q = { .path = file, .token = env()->tok_verifier,
                     .header = "Accept: application/json" };
        assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
        assert_int_equal(r.status, 200);
        doc = json_loads(r.body, 0, NULL);
        sf_resp_free(&r);
        assert_string_equal(sfa_jstr(doc, "status"), "revoked");
        assert_string_equal(sfa_jstr(doc, "reason"), "cessationOfOperation");
        json_decref(doc);
    }
    resp = sfa_get_status(&sfa_srv, "/api/v1/status-list");
    assert_non_null(e = sc_status_resp_find(resp, SC_STATUS_LICENSE_ID, path));
    assert_int_equal(e->status, SC_STATUS_REVOKED);
    assert_non_null(sc_status_resp_find(resp, SC_STATUS_ESID, es_id));
    sc_status_resp_free(resp);
    /* narrowed: seals only, licences only, one type's licences */
    resp = sfa_get_status(&sfa_srv, "/api/v1/status-list?subjects=seals");
    assert_non_null(sc_status_resp_find(resp, SC_STATUS_ESID, es_id));
    assert_null(sc_status_resp_find(resp, SC_STATUS_LICENSE_ID, path));
    sc_status_resp_free(resp);
    resp = sfa_get_status(&sfa_srv, "/api/v1/status-list?subjects=licenses");
    assert_non_null(sc_status_resp_find(resp, SC_STATUS_LICENSE_ID, path));
    assert_null(sc_status_resp_find(resp, SC_STATUS_ESID, es_id));
    sc_status_resp_free(resp);
    resp = sfa_get_status(&sfa_srv, "/api/v1/status-list?type=" TYPE);
    assert_non_null(sc_status_resp_find(resp, SC_STATUS_LICENSE_ID, path));
    assert_null(sc_status_resp_find(resp, SC_STATUS_ESID, es_id));
    sc_status_resp_free(resp);
    resp = sfa_get_status(&sfa_srv, "/api/v1/status-list?subjects=licenses&type="
                                    "11100000000013127D009");       /* no such licences */
    assert_null(sc_status_resp_find(resp, SC_STATUS_LICENSE_ID, path));
    sc_status_resp_free(resp);
    assert_int_equal(sfa_call(&sfa_srv, "GET", "/api/v1/status-list?subjects=all",
                              env()->tok_verifier, NULL, NULL, NULL), 400);
    assert_int_equal(sfa_call(&sfa_srv, "GET", "/api/v1/status-list?subjects=seals&type=" TYPE,
                              env()->tok_verifier, NULL, NULL, NULL), 400);
    /* an identifier never issued: unknown, as a seal never made */
    resp = sfa_get_status(&sfa_srv, "/api/v1/licenses/1.2.156.3005.2.X.Y.Z.001.0/status");
    assert_non_null(e = sc_status_resp_get_entry(resp, 0));
    assert_int_equal(e->status, SC_STATUS_UNKNOWN);
    sc_status_resp_free(resp);
}

/* A server whose lists may hold one licence: two issued, a list with licences is refused
 * (400, naming the setting and the ways round it) before it is built; seals alone still
 * come. The store outlives each server, so earlier tests' licences count too. */
static int setup_small_lists(void **state)
{
    sf_opts o = { .service = 1, .status_list_max = 1 };

    (void)state;
    memset(&sfa_srv, 0, sizeof(sfa_srv));
    return sf_server_start(&sfa_srv, &o);
}

static void test_status_list_licence_cap(void **state)
{
    char es_id[64];
    json_t *doc = NULL;
    sc_status_resp *resp;

    (void)state;
    prepare('C', es_id, sizeof(es_id));
    assert_int_equal(issue(es_id, row(NULL, NULL), NULL), 201);
    assert_int_equal(issue(es_id, row(NULL, NULL), NULL), 201);
    assert_int_equal(sfa_call(&sfa_srv, "GET", "/api/v1/status-list", env()->tok_verifier,
                              NULL, &doc, NULL), 400);
    assert_non_null(strstr(sfa_jstr(doc, "message"), "more than 1 licences"));
    assert_non_null(strstr(sfa_jstr(doc, "message"), "status_list_max_licenses"));
    json_decref(doc);
    assert_int_equal(sfa_call(&sfa_srv, "GET", "/api/v1/status-list?subjects=licenses&type="
                              TYPE, env()->tok_verifier, NULL, NULL, NULL), 400);
    resp = sfa_get_status(&sfa_srv, "/api/v1/status-list?subjects=seals");
    assert_non_null(sc_status_resp_find(resp, SC_STATUS_ESID, es_id));
    sc_status_resp_free(resp);
}

static void test_license_refusals(void **state)
{
    char es_id[64], big_path[128];
    json_t *doc = NULL;
    sf_resp r;
    char *big;
    static const char bad_csv[] = "uscc,name\n\"91350100M000100Y43,x\n";
    static const char short_csv[] = "uscc,name\n91350100M000100Y43\n";

    (void)state;
    prepare('M', es_id, sizeof(es_id));
    /* a bad row names its field; a row that is no object; bodies that are no JSON */
    assert_int_equal(issue(es_id, row("uscc", "91350100M000100Y44"), &doc), 400);
    assert_non_null(strstr(sfa_jstr(doc, "message"), "uscc"));
    json_decref(doc);
    assert_int_equal(sfa_call(&sfa_srv, "POST", "/api/v1/licenses", env()->tok_operator, NULL, NULL,
                              "{\"type\": \"" TYPE "\", \"es_id\": \"%s\", \"row\": [1]}", es_id),
                     400);
    assert_int_equal(sfa_call(&sfa_srv, "POST", "/api/v1/licenses", env()->tok_operator, NULL, NULL,
                              "{\"type\": "), 400);
    assert_int_equal(sfa_call(&sfa_srv, "POST", "/api/v1/licenses", NULL, NULL, NULL, "{}"), 401);
    assert_int_equal(sfa_call(&sfa_srv, "POST", "/api/v1/license-grants", env()->tok_operator,
                              NULL, NULL, "{}"), 403);
    /* batches: malformed CSV, a short row, no batch id, JSON rows that are no array */
    snprintf(big_path, sizeof(big_path), "/api/v1/licenses/batch?type=" TYPE "&es_id=%s"
             "&batch_id=b1", es_id);
    assert_int_equal(send("POST", big_path, env()->tok_operator, "text/csv", bad_csv,
                          sizeof(bad_csv) - 1, &r), 400);
    assert_non_null(strstr(r.body, "not closed"));
    sf_resp_free(&r);
    assert_int_equal(send("POST", big_path, env()->tok_operator, "text/csv", short_csv,
                          sizeof(short_csv) - 1, &r), 400);
    assert_non_null(strstr(r.body, "line 2: 1 cells, the header has 2"));
    sf_resp_free(&r);
    assert_int_equal(send("POST", "/api/v1/licenses/batch?type=" TYPE, env()->tok_operator,
                          "text/csv", short_csv, sizeof(short_csv) - 1, &r), 400);
    sf_resp_free(&r);
    assert_int_equal(send("POST", big_path, env()->tok_operator, "text/plain", short_csv,
                          sizeof(short_csv) - 1, &r), 415);
    sf_resp_free(&r);
    assert_int_equal(sfa_call(&sfa_srv, "POST", "/api/v1/licenses/batch", env()->tok_operator,
                              NULL, NULL, "{\"type\": \"" TYPE "\", \"es_id\": \"%s\", "
                              "\"batch_id\": \"j\", \"rows\": {}}", es_id), 400);
    /* oversized: one licence's body is limited to 1 MiB */
    big = malloc(2u * 1024 * 1024);
    assert_non_null(big);
    memset(big, ' ', 2u * 1024 * 1024);
    big[0] = '{';
    big[2u * 1024 * 1024 - 1] = '}';
    assert_int_equal(send("POST", "/api/v1/licenses", env()->tok_operator, "application/json",
                          big, 2u * 1024 * 1024, &r), 413);
    sf_resp_free(&r);
    free(big);
}

/* A CSV of three rows, the second bad: two issued, one reported; the re-run issues none. */
static void test_license_batch_csv_rerun(void **state)
{
    char es_id[64], path[256], csv[2048];
    const char *head = "uscc,licence_no,name,kind,legal_rep,scope,founded,term_start,term_end,"
                       "address,issued_on\n";
    const char *good = "91350100M000100Y43,33010000001234%d,\"某某公司, 第%d\",有限责任公司,张三,"
                       "\"软件开发；\"\"咨询\"\"\",2020-01-02,2020-01-02,长期,杭州,2026-03-04\r\n";
    json_t *doc = NULL, *first_ids[3];
    sf_resp r;
    int n;

    (void)state;
    prepare('N', es_id, sizeof(es_id));
    n = snprintf(csv, sizeof(csv), "%s", head);
    n += snprintf(csv + n, sizeof(csv) - (size_t)n, good, 1, 1);
    n += snprintf(csv + n, sizeof(csv) - (size_t)n, "%s",
                  "91350100M000100Y44,330100000012340,坏,有限责任公司,张三,x,2020-01-02,"
                  "2020-01-02,长期,杭州,2026-03-04\n\n");
    n += snprintf(csv + n, sizeof(csv) - (size_t)n, good, 3, 3);
    snprintf(path, sizeof(path), "/api/v1/licenses/batch?type=" TYPE "&es_id=%s&batch_id=csv1"
             "&first_row=10", es_id);
    for (int run = 0; run < 2; run++) {
        assert_int_equal(send("POST", path, env()->tok_operator, "text/csv", csv, (size_t)n, &r),
                         200);
        doc = json_loads(r.body, 0, NULL);
        sf_resp_free(&r);
        assert_non_null(doc);
        assert_int_equal(sfa_jint(doc, "rows"), 3);
        assert_int_equal(sfa_jint(doc, "issued"), run == 0 ? 2 : 0);
        assert_int_equal(sfa_jint(doc, "already"), run == 0 ? 0 : 2);
        assert_int_equal(sfa_jint(doc, "failed"), 1);
        for (size_t i = 0; i < 3; i++) {
            json_t *o = json_array_get(json_object_get(doc, "results"), i);
            assert_int_equal(sfa_jint(o, "row"), 10 + (int64_t)i);
            if (i == 1) {
                assert_non_null(strstr(sfa_jstr(o, "message"), "uscc"));
                continue;
            }
            if (run == 0)
                first_ids[i] = json_string(sfa_jstr(o, "id"));
            else
                assert_string_equal(sfa_jstr(o, "id"), json_string_value(first_ids[i]));
        }
        json_decref(doc);
    }
    /* a batch id in the Idempotency-Keys' space is refused */
    snprintf(path, sizeof(path), "/api/v1/licenses/batch?type=" TYPE "&es_id=%s"
             "&batch_id=idem:k1", es_id);
    assert_int_equal(send("POST", path, env()->tok_operator, "text/csv", csv, (size_t)n, &r),
                     400);
    assert_non_null(strstr(r.body, "Idempotency-Key"));
    sf_resp_free(&r);
    /* one column: a quoted empty cell is a row (refused: name is required), only a line with
     * nothing on it is blank, so the rows after keep their numbers as sealctl counts them */
    {
        static const char one_col[] = "name\n\"\"\n\r\n\nx\n";
        snprintf(path, sizeof(path), "/api/v1/licenses/batch?type=" TYPE "&es_id=%s"
                 "&batch_id=csv-one-col", es_id);
        assert_int_equal(send("POST", path, env()->tok_operator, "text/csv", one_col,
                              sizeof(one_col) - 1, &r), 200);
        doc = json_loads(r.body, 0, NULL);
        sf_resp_free(&r);
        assert_non_null(doc);
        assert_int_equal(sfa_jint(doc, "rows"), 2);
        assert_int_equal(sfa_jint(doc, "failed"), 2);
        json_decref(doc);
    }
    /* the quoted cell came through whole: the holder's name with its comma */
    snprintf(path, sizeof(path), "/api/v1/licenses/%s", json_string_value(first_ids[0]));
    assert_int_equal(sfa_call(&sfa_srv, "GET", path, env()->tok_operator, NULL, &doc, NULL), 200);
    assert_string_equal(sfa_jstr(doc, "holder_name"), "某某公司, 第1");
    assert_string_equal(sfa_jstr(json_object_get(doc, "fields"), "scope"), "软件开发；\"咨询\"");
    json_decref(doc);
    json_decref(first_ids[0]);
    json_decref(first_ids[2]);
}

/* Suspend and resume, re-issue (the old one voided naming the new), an Idempotency-Key
 * issuing once, a JSON batch. */
static void test_license_changes_reissue_idempotent(void **state)
{
    char es_id[64], id[256], path[512], next[256];
    json_t *doc = NULL, *rows;
    sf_req q = { .method = "POST", .path = "/api/v1/licenses", .token = NULL,
                 .content_type = "application/json", .header = "Idempotency-Key: lic-k1" };
    sf_resp r;
    char *body, *other;

    (void)state;
    prepare('Q', es_id, sizeof(es_id));
    q.token = env()->tok_operator;
    doc = json_pack("{s:s,s:s,s:o}", "type", TYPE, "es_id", es_id, "row", row(NULL, NULL));
    body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    q.body = body;
    q.body_len = strlen(body);
    for (int i = 0; i < 2; i++) {   /* the retry answers the first licence, 200 */
        assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
        assert_int_equal(r.status, i == 0 ? 201 : 200);
        doc = json_loads(r.body, 0, NULL);
        sf_resp_free(&r);
        if (i == 0)
            snprintf(id, sizeof(id), "%s", sfa_jstr(doc, "id"));
        assert_string_equal(sfa_jstr(doc, "id"), id);
        assert_int_equal(json_is_true(json_object_get(doc, "replayed")), i);
        json_decref(doc);
    }
    /* the key again with another seal: refused, naming what the key issued (review: the
     * answer echoed the new request's seal as if that licence had been issued with it) */
    doc = json_pack("{s:s,s:s,s:o}", "type", TYPE, "es_id", "33000020269999", "row",
                    row(NULL, NULL));
    other = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    q.body = other;
    q.body_len = strlen(other);
    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    free(other);
    assert_int_equal(r.status, 409);
    assert_non_null(strstr(r.body, id));
    assert_non_null(strstr(r.body, es_id));
    assert_non_null(strstr(r.body, "33000020269999"));
    sf_resp_free(&r);
    q.body = body;
    q.body_len = strlen(body);

    snprintf(path, sizeof(path), "/api/v1/licenses/%s/suspend", id);
    assert_int_equal(sfa_call(&sfa_srv, "POST", path, env()->tok_officer, NULL, &doc,
                              "{\"reason\": \"under review\"}"), 200);
    assert_string_equal(sfa_jstr(doc, "status"), "suspended");
    json_decref(doc);
    /* a retry after the change answers the licence as it is now, not "valid" */
    assert_int_equal(sf_http(&sfa_srv, &q, &r), 0);
    assert_int_equal(r.status, 200);
    doc = json_loads(r.body, 0, NULL);
    sf_resp_free(&r);
    assert_string_equal(sfa_jstr(doc, "id"), id);
    assert_string_equal(sfa_jstr(doc, "status"), "suspended");
    assert_string_equal(sfa_jstr(doc, "es_id"), es_id);
    json_decref(doc);
    free(body);
    assert_int_equal(sfa_call(&sfa_srv, "POST", path, env()->tok_officer, NULL, NULL, NULL), 409);
    snprintf(path, sizeof(path), "/api/v1/licenses/%s/resume", id);
    assert_int_equal(sfa_call(&sfa_srv, "POST", path, env()->tok_admin, NULL, &doc, NULL), 200);
    assert_string_equal(sfa_jstr(doc, "status"), "valid");   /* the licence's word, as GET */
    json_decref(doc);

    /* re-issue with a changed name: a new identifier, version 002; the old one voided */
    snprintf(path, sizeof(path), "/api/v1/licenses/%s/reissue", id);
    doc = json_pack("{s:o}", "row", row("name", "某某科技股份有限公司"));
    assert_int_equal(send_json("POST", path, env()->tok_operator, doc, &doc), 201);
    snprintf(next, sizeof(next), "%s", sfa_jstr(doc, "id"));
    assert_string_equal(sfa_jstr(doc, "replaces"), id);
    json_decref(doc);
    assert_non_null(strstr(next, ".002."));
    snprintf(path, sizeof(path), "/api/v1/licenses/%s", id);
    assert_int_equal(sfa_call(&sfa_srv, "GET", path, env()->tok_officer, NULL, &doc, NULL), 200);
    assert_string_equal(sfa_jstr(doc, "status"), "voided");
    assert_string_equal(sfa_jstr(doc, "replaced_by"), next);
    json_decref(doc);
    snprintf(path, sizeof(path), "/api/v1/licenses/%s", next);
    assert_int_equal(sfa_call(&sfa_srv, "GET", path, env()->tok_operator, NULL, &doc, NULL), 200);
    assert_string_equal(sfa_jstr(doc, "holder_name"), "某某科技股份有限公司");
    json_decref(doc);

    /* a JSON batch: rows 0 and 1, the second without a required field */
    rows = json_pack("[o,{s:s}]", row(NULL, NULL), "uscc", "91350100M000100Y43");
    doc = json_pack("{s:s,s:s,s:s,s:o}", "type", TYPE, "es_id", es_id, "batch_id", "json-1",
                    "rows", rows);
    assert_int_equal(send_json("POST", "/api/v1/licenses/batch", env()->tok_operator, doc,
                               &doc), 200);
    assert_int_equal(sfa_jint(doc, "issued"), 1);
    assert_int_equal(sfa_jint(doc, "failed"), 1);
    assert_string_equal(sfa_jstr(json_array_get(json_object_get(doc, "results"), 1), "error"),
                        "EFORMAT");
    json_decref(doc);
    assert_int_equal(sfa_call(&sfa_srv, "GET", "/api/v1/licenses?status=voided", env()->tok_admin,
                              NULL, &doc, NULL), 200);
    assert_int_equal(json_array_size(json_object_get(doc, "licenses")), 1);
    json_decref(doc);
}

/* 存量证照加盖: an unsealed OFD stamped at the type's seal position, with a signing grant. */
static void test_license_seal_existing(void **state)
{
    char es_id[64], path[256];
    size_t len = 0;
    uint8_t *ofd = sfa_make_ofd("营业执照", &len);
    sc_ofd_pkg *pkg = NULL;
    sf_resp r;

    (void)state;
    prepare('P', es_id, sizeof(es_id));
    snprintf(path, sizeof(path), "/api/v1/licenses/seal?type=" TYPE "&es_id=%s", es_id);
    assert_int_equal(send("POST", path, env()->tok_operator, "application/ofd",
                          (const char *)ofd, len, &r), 403);   /* no signing grant yet */
    sf_resp_free(&r);
    sfa_grant(&sfa_srv, es_id, 0);
    assert_int_equal(send("POST", path, env()->tok_operator, "application/ofd",
                          (const char *)ofd, len, &r), 200);
    assert_int_equal(sc_ofd_pkg_open_mem(&pkg, (const uint8_t *)r.body, r.len, NULL), 0);
    assert_non_null(memmem(r.body, r.len, "Doc_0/Signs/Signatures.xml", 26));
    sc_ofd_pkg_free(pkg);
    sf_resp_free(&r);
    assert_int_equal(send("POST", path, env()->tok_operator, "application/ofd", "not a zip", 9,
                          &r), 400);
    sf_resp_free(&r);
    free(ofd);

    /* a file carrying our metadata must be of the type named: an issued licence of TYPE
     * sent as another type (the same template under another code) is refused, naming it */
    {
        json_t *t = type_body(), *doc = NULL;
        char *xml = sf_replace(json_string_value(json_object_get(t, "template")),
                               "code=\"" TYPE "\"", "code=\"11100000000013127D002\"");
        char lic[512];
        json_object_set_new(t, "template", json_string(xml));
        free(xml);
        assert_int_equal(send_json("POST", "/api/v1/license-types", env()->tok_admin, t, NULL),
                         201);
        assert_int_equal(issue(es_id, row(NULL, NULL), &doc), 201);
        snprintf(lic, sizeof(lic), "/api/v1/licenses/%s/file", sfa_jstr(doc, "id"));
        json_decref(doc);
        assert_int_equal(send("GET", lic, env()->tok_operator, NULL, NULL, 0, &r), 200);
        ofd = (uint8_t *)r.body;
        len = r.len;
        r.body = NULL;
        sf_resp_free(&r);
        snprintf(path, sizeof(path), "/api/v1/licenses/seal?type=11100000000013127D002&es_id=%s",
                 es_id);
        assert_int_equal(send("POST", path, env()->tok_operator, "application/ofd",
                              (const char *)ofd, len, &r), 400);
        assert_non_null(strstr(r.body, "its type ZZLXDM is " TYPE ", not 11100000000013127D002"));
        sf_resp_free(&r);
        /* of the right type but issued by another unit: its seal may not vouch for it */
        char es2[64];
        sfa_make_seal(&sfa_srv, 'R', "other unit", es2, sizeof(es2));
        sfa_grant(&sfa_srv, es2, 0);
        snprintf(path, sizeof(path), "/api/v1/licenses/seal?type=" TYPE "&es_id=%s", es2);
        assert_int_equal(send("POST", path, env()->tok_operator, "application/ofd",
                              (const char *)ofd, len, &r), 400);
        assert_non_null(strstr(r.body, "its issuer ZZBFJGDM is "));
        assert_non_null(strstr(r.body, "belongs to unit"));
        sf_resp_free(&r);
        free(ofd);
    }
}

/* A change to an expired licence answers the record's word (suspended, valid), not the
 * status protocol's "expired" (review). */
static void test_license_change_of_an_expired_one(void **state)
{
    char es_id[64], path[512], id[256];
    json_t *doc = NULL, *body;
    char *text;

    (void)state;
    prepare('X', es_id, sizeof(es_id));
    body = json_pack("{s:s,s:s,s:o}", "type", TYPE, "es_id", es_id, "row",
                     row("term_end", "2025-12-31"));
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    assert_int_equal(sfa_call(&sfa_srv, "POST", "/api/v1/licenses", env()->tok_operator, NULL,
                              &doc, "%s", text), 201);
    free(text);
    snprintf(id, sizeof(id), "%s", sfa_jstr(doc, "id"));
    json_decref(doc);
    snprintf(path, sizeof(path), "/api/v1/licenses/%s/suspend", id);
    assert_int_equal(sfa_call(&sfa_srv, "POST", path, env()->tok_officer, NULL, &doc, NULL),
                     200);
    assert_string_equal(sfa_jstr(doc, "status"), "suspended");
    json_decref(doc);
    snprintf(path, sizeof(path), "/api/v1/licenses/%s/resume", id);
    assert_int_equal(sfa_call(&sfa_srv, "POST", path, env()->tok_officer, NULL, &doc, NULL),
                     200);
    assert_string_equal(sfa_jstr(doc, "status"), "valid");
    json_decref(doc);
    snprintf(path, sizeof(path), "/api/v1/licenses/%s", id);
    assert_int_equal(sfa_call(&sfa_srv, "GET", path, env()->tok_operator, NULL, &doc, NULL),
                     200);
    assert_string_equal(sfa_jstr(doc, "status"), "valid");
    assert_true(json_is_true(json_object_get(doc, "expired")));
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sfa_setup, sfa_teardown)
        T(test_license_issue_verify_revoke),
        T(test_license_refusals),
        cmocka_unit_test_setup_teardown(test_status_list_licence_cap, setup_small_lists,
                                        sfa_teardown),
        T(test_license_batch_csv_rerun),
        T(test_license_seal_existing),
        T(test_license_changes_reissue_idempotent),
        T(test_license_change_of_an_expired_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

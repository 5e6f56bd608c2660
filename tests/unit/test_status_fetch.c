/* test_status_fetch.c: seal-verify's status fetcher (verifier/status_fetch.h) with libcurl:
 * a file:// mirror laid out as the server's paths, each seal fetched once; failures naming
 * the URL (missing, not DER, over the size limit at N and N+1, unreachable, HTTP 404 with the
 * server's words, from a one-shot HTTP server on 127.0.0.1 that also shows the request sent);
 * base URLs refused; esIDs escaped; and seal_status filled through sc_verify_sig. HTTPS and
 * client certificates: tests/integration/test_cli.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto/crypto_int.h"
#include "sealcore/status.h"
#include "sealcore/verify.h"
#include "status_fetch.h"
#include "testutil.h"

#define ID "33000020260001"

static struct {
    const char *pki, *mirror;
    uint8_t *maker, *prov, *ss, *ca, *png, *resp;
    size_t maker_len, prov_len, ss_len, ca_len, png_len, resp_len;
    sc_key *kmaker, *kprov, *kss;
    sc_trust *trust;
    sc_ses_seal *seal;
    int64_t now;
} g;

/* mirror/api/v1/seals/<id>/status holding len bytes of data */
static void put(const char *id, const void *data, size_t len)
{
    char dir[1024];

    snprintf(dir, sizeof(dir), "%s/api/v1/seals/%s", g.mirror, id);
    assert_int_equal(sc_test_sh("mkdir -p '%s'", dir), 0);
    assert_int_equal(sc_test_write(sc_test_path(dir, "status"), data, len), 0);
}

static int group_setup(void **state)
{
    const uint8_t *certs[1], *cas[1];
    uint8_t d[32];
    size_t sl;
    sc_status_builder *b = NULL;

    (void)state;
    g.pki = sc_test_pki();
    g.mirror = sc_test_path(sc_test_tmpdir(), "mirror");
    g.now = (int64_t)time(NULL);
    g.maker = sc_test_cert(g.pki, "seal-maker", &g.maker_len);
    g.prov = sc_test_cert(g.pki, "signer-prov", &g.prov_len);
    g.ss = sc_test_cert(g.pki, "status-signer", &g.ss_len);
    g.ca = sc_test_cert(g.pki, "seal-ca", &g.ca_len);
    g.kmaker = sc_test_key(g.pki, "seal-maker");
    g.kprov = sc_test_key(g.pki, "signer-prov");
    g.kss = sc_test_key(g.pki, "status-signer");
    if (sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &g.png, &g.png_len) != 0 ||
        sc_trust_new(&g.trust, NULL) != 0 || sc_test_add_trust(g.trust, g.pki, "root-ca.pem", 1) ||
        sc_test_add_trust(g.trust, g.pki, "seal-ca.pem", 0))
        return -1;
    certs[0] = g.prov;
    cas[0] = g.ca;
    sc_ses_seal_params p = { .es_id = ID, .name = "某省人力资源和社会保障厅", .type = 1,
                             .cert_list_type = 1, .certs = certs, .cert_lens = &g.prov_len,
                             .cert_count = 1, .valid_start = 1, .valid_end = 4102444800,
                             .picture_type = "PNG", .picture = g.png, .picture_len = g.png_len,
                             .width_mm = 40, .height_mm = 40 };
    if (sc_ses_seal_make(&g.seal, &p, g.kmaker, g.maker, g.maker_len, NULL) != 0)
        return -1;
    /* the seal's own response, good since made, as GET /api/v1/seals/{esID}/status gives */
    const uint8_t *sd = sc_ses_seal_get_der(g.seal, &sl);
    if (sc__sm3(sd, sl, d, NULL) != 0)
        return -1;
    sc_status_entry e = { .kind = SC_STATUS_ESID, .subject = ID, .digest = d,
                          .status = SC_STATUS_GOOD, .this_update = g.now, .has_next_update = 1,
                          .next_update = g.now + 86400, .has_valid_end = 1,
                          .valid_end = 4102444800 };
    if (sc_status_builder_new(&b, g.now, NULL) != 0 || sc_status_builder_add(b, &e, NULL) != 0 ||
        sc_status_builder_sign(b, g.kss, g.ss, g.ss_len, cas, &g.ca_len, 1, &g.resp,
                               &g.resp_len, NULL) != 0)
        return -1;
    sc_status_builder_free(b);
    put(ID, g.resp, g.resp_len);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g.maker), free(g.prov), free(g.ss), free(g.ca), free(g.png), free(g.resp);
    sc_key_free(g.kmaker), sc_key_free(g.kprov), sc_key_free(g.kss);
    sc_trust_free(g.trust);
    sc_ses_seal_free(g.seal);
    return 0;
}

static sv_fetch *mirror(size_t max_body)
{
    char base[1100];
    sv_fetch_opts o = { .base = base, .max_body = max_body };
    sv_fetch *f = NULL;
    sc_err err = SC_ERR_INIT;

    snprintf(base, sizeof(base), "file://%s/", g.mirror);   /* the trailing '/' is dropped */
    if (sv_fetch_new(&f, &o, &err) != 0)
        fail_msg("sv_fetch_new: %s", err.msg);
    return f;
}

#define EXPECT_ERR(rc_, err_, code_, frag_)                                                   \
    do {                                                                                      \
        if ((rc_) != (code_) || strstr((err_).msg, (frag_)) == NULL)                          \
            fail_msg("line %d: got %d \"%s\", expected %d \"%s\"", __LINE__, (rc_),           \
                     (err_).msg, (code_), (frag_));                                           \
    } while (0)

/* ---- a file:// mirror ------------------------------------------------------------------- */

static void sv_fetch_status__reads_each_seal_once_from_a_mirror(void **state)
{
    sv_fetch *f = mirror(0);
    const sc_status_resp *r = NULL, *again = NULL;
    char dir[1100];

    (void)state;
    assert_int_equal(sv_fetch_status(f, ID, &r, NULL), 0);
    assert_non_null(r);
    assert_non_null(sc_status_resp_find(r, SC_STATUS_ESID, ID));
    snprintf(dir, sizeof(dir), "%s/api/v1/seals/%s", g.mirror, ID);
    assert_int_equal(sc_test_sh("mv '%s/status' '%s/status.away'", dir, dir), 0);
    assert_int_equal(sv_fetch_status(f, ID, &again, NULL), 0);   /* kept, not asked again */
    assert_ptr_equal(again, r);
    assert_int_equal(sc_test_sh("mv '%s/status.away' '%s/status'", dir, dir), 0);
    assert_int_equal(sv_fetch_error_count(f), 0);
    assert_null(sv_fetch_error(f, 0));
    sv_fetch_free(f);
}

static void sv_fetch_status__names_the_url_of_a_missing_response(void **state)
{
    sv_fetch *f = mirror(0);
    const sc_status_resp *r = NULL;
    sc_err err = SC_ERR_INIT;
    char want[1200];

    (void)state;
    snprintf(want, sizeof(want), "GET file://%s/api/v1/seals/33000020269999/status: ", g.mirror);
    EXPECT_ERR(sv_fetch_status(f, "33000020269999", &r, &err), err, SC_EIO, want);
    assert_null(r);
    sc_err_clear(&err);   /* asked again: the same failure, no second record */
    EXPECT_ERR(sv_fetch_status(f, "33000020269999", &r, &err), err, SC_EIO, want);
    assert_int_equal(sv_fetch_error_count(f), 1);
    assert_non_null(strstr(sv_fetch_error(f, 0), want));
    sv_fetch_free(f);
}

static void sv_fetch_status__refuses_a_body_that_is_not_der(void **state)
{
    static const char json[] = "{\"esID\": \"33000020260007\", \"status\": \"good\"}";
    sv_fetch *f = mirror(0);
    const sc_status_resp *r = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    put("33000020260007", json, sizeof(json) - 1);
    put("33000020260008", "", 0);
    EXPECT_ERR(sv_fetch_status(f, "33000020260007", &r, &err), err, SC_EIO,
               "/api/v1/seals/33000020260007/status: read, but the body is not a DER "
               "StatusResponse: StatusResponse");
    sc_err_clear(&err);
    EXPECT_ERR(sv_fetch_status(f, "33000020260008", &r, &err), err, SC_EIO,
               "/api/v1/seals/33000020260008/status: read with an empty body, not a status "
               "response");
    assert_int_equal(sv_fetch_error_count(f), 2);
    sv_fetch_free(f);
}

/* the limit at N (the response's size) passes, N+1 bytes against a limit of N fail */
static void sv_fetch_status__limits_the_body(void **state)
{
    sv_fetch *f = mirror(g.resp_len);
    const sc_status_resp *r = NULL;
    sc_err err = SC_ERR_INIT;
    char want[80];

    (void)state;
    assert_int_equal(sv_fetch_status(f, ID, &r, NULL), 0);
    sv_fetch_free(f);
    f = mirror(g.resp_len - 1);
    snprintf(want, sizeof(want), "the answer is larger than %zu bytes", g.resp_len - 1);
    EXPECT_ERR(sv_fetch_status(f, ID, &r, &err), err, SC_EIO, want);
    sv_fetch_free(f);
}

/* ---- base URLs -------------------------------------------------------------------------- */

static void sv_fetch_new__refuses_urls_that_mislead_or_leak(void **state)
{
    static const struct {
        const char *base;
        const char *frag;   /* NULL: accepted */
    } rows[] = {
        { "https://status.example.gov.cn:8443", NULL },
        { "https://status.example.gov.cn/province/", NULL },
        { "http://127.0.0.1:8080", NULL },
        { "http://localhost:8080/x/", NULL },
        { "http://[::1]:9", NULL },
        { "http://status.example.gov.cn", "plain http:// is allowed only to 127.0.0.1, ::1 or "
                                          "localhost; use https://" },
        { "http://127.0.0.2", "plain http:// is allowed only" },
        { "ftp://status.example.gov.cn", "the scheme must be https://" },
        { "https://u:p@status.example.gov.cn", "without user, query or fragment" },
        { "https://status.example.gov.cn/?x=1", "without user, query or fragment" },
        { "https://status.example.gov.cn/#top", "without user, query or fragment" },
        { "status.example.gov.cn", "not a URL" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sv_fetch_opts o = { .base = rows[i].base };
        sv_fetch *f = (sv_fetch *)&o;
        sc_err err = SC_ERR_INIT;
        int rc = sv_fetch_new(&f, &o, &err);
        if (rows[i].frag == NULL ? rc != 0 || f == NULL
                                 : rc != SC_EINVAL || f != NULL ||
                                   strstr(err.msg, rows[i].frag) == NULL)
            fail_msg("%s: got %d \"%s\"", rows[i].base, rc, err.msg);
        sv_fetch_free(f);
    }
    sv_fetch_opts o = { .base = "https://h", .tls_cert = "client.pem" };
    sv_fetch *f = NULL;
    sc_err err = SC_ERR_INIT;
    EXPECT_ERR(sv_fetch_new(&f, &o, &err), err, SC_EINVAL, "--tls-cert needs --tls-key");
}

static void sv_fetch_url__escapes_the_esid(void **state)
{
    sv_fetch_opts o = { .base = "https://h.example:8443/p/" };
    sv_fetch *f = NULL;
    char *url;

    (void)state;
    assert_int_equal(sv_fetch_new(&f, &o, NULL), 0);
    url = sv_fetch_url(f, "a/b c?#..");
    assert_string_equal(url, "https://h.example:8443/p/api/v1/seals/a%2Fb%20c%3F%23../status");
    free(url);
    sv_fetch_free(f);
}

/* ---- over HTTP -------------------------------------------------------------------------- */

/* One connection on 127.0.0.1: reads the request, answers with `answer`. */
struct one_shot {
    int fd, port;
    const char *answer;
    char request[2048];
};

static void *serve(void *arg)
{
    struct one_shot *s = arg;
    int c = accept(s->fd, NULL, NULL);
    size_t n = 0;
    ssize_t r;

    if (c < 0)
        return NULL;
    while (n + 1 < sizeof(s->request) && strstr(s->request, "\r\n\r\n") == NULL &&
           (r = read(c, s->request + n, sizeof(s->request) - 1 - n)) > 0) {
        n += (size_t)r;
        s->request[n] = '\0';
    }
    if (write(c, s->answer, strlen(s->answer)) < 0)
        perror("one_shot: write");
    close(c);
    return NULL;
}

/* A TCP socket bound to a free port on 127.0.0.1 (not listening yet); *port set. */
static int bind_loopback(int *port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    int fd;

    assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void start(struct one_shot *s, pthread_t *t)
{
    s->fd = bind_loopback(&s->port);
    assert_int_equal(listen(s->fd, 1), 0);
    assert_int_equal(pthread_create(t, NULL, serve, s), 0);
}

static void sv_fetch_status__reports_the_http_status_and_what_the_server_said(void **state)
{
    static const char said[] = "{\"error\":\"not_found\",\"message\":\"no seal " ID "\"}\n";
    char answer[512], base[64], want[300];
    struct one_shot s = { .answer = answer };
    sv_fetch_opts o = { .base = base };
    sv_fetch *f = NULL;
    const sc_status_resp *r = NULL;
    sc_err err = SC_ERR_INIT;
    pthread_t t;

    (void)state;
    snprintf(answer, sizeof(answer), "HTTP/1.1 404 Not Found\r\nContent-Type: application/json"
             "\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s", sizeof(said) - 1, said);
    start(&s, &t);
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", s.port);
    assert_int_equal(sv_fetch_new(&f, &o, NULL), 0);
    /* the newline the server ended with is shown as '?' */
    snprintf(want, sizeof(want), "GET http://127.0.0.1:%d/api/v1/seals/" ID "/status: HTTP 404 "
             "(the server has no status for this seal), the server says: {\"error\":\"not_found"
             "\",\"message\":\"no seal " ID "\"}?", s.port);
    EXPECT_ERR(sv_fetch_status(f, ID, &r, &err), err, SC_EIO, want);
    pthread_join(t, NULL);
    close(s.fd);
    assert_non_null(strstr(s.request, "GET /api/v1/seals/" ID "/status HTTP/1.1\r\n"));
    assert_non_null(strstr(s.request, "\r\nAccept: application/vnd.sealpki.status+der\r\n"));
    sv_fetch_free(f);
}

static void sv_fetch_status__unreachable_server_names_the_url(void **state)
{
    char base[64], want[128];
    sv_fetch_opts o = { .base = base };
    sv_fetch *f = NULL;
    const sc_status_resp *r = NULL;
    sc_err err = SC_ERR_INIT;
    int port;

    (void)state;
    /* a port bound but never listened on, then closed: nothing answers there */
    close(bind_loopback(&port));
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
    assert_int_equal(sv_fetch_new(&f, &o, NULL), 0);
    snprintf(want, sizeof(want), "GET http://127.0.0.1:%d/api/v1/seals/" ID "/status: ", port);
    EXPECT_ERR(sv_fetch_status(f, ID, &r, &err), err, SC_EIO, want);
    assert_non_null(strstr(err.msg, "onnect"));   /* curl: "Failed to connect …" */
    sv_fetch_free(f);
}

/* ---- through the verifier --------------------------------------------------------------- */

static void verify_sig__fills_seal_status_from_the_fetcher(void **state)
{
    static const char doc[] = "document";
    sc_ses_sign_params p = { .data = (const uint8_t *)doc, .data_len = sizeof(doc) - 1 };
    sv_fetch *f = mirror(0);
    sc_verify_opts o = { .trust = g.trust, .status_fn = sv_fetch_status, .status_ctx = f };
    sc_ses_sig *sig = NULL;
    sc_report *rep = NULL;
    char m[1600];

    (void)state;
    assert_int_equal(sc_ses_sign(&sig, g.seal, g.kprov, g.prov, g.prov_len, &p, NULL), 0);
    assert_int_equal(sc_report_new(&rep, "doc.sig", NULL, NULL), 0);
    assert_int_equal(sc_verify_sig(rep, sig, &o, NULL), 0);
    if (!sc_test_check_is(rep, 0, SC_CHECK_SEAL_STATUS, SC_RESULT_PASSED,
                          "seal " ID " was good at the signing time", m, sizeof(m)))
        fail_msg("%s", m);
    assert_int_equal(sc_report_exit_code(rep), 0);
    sc_report_free(rep);
    sc_ses_sig_free(sig);
    sv_fetch_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sv_fetch_status__reads_each_seal_once_from_a_mirror),
        cmocka_unit_test(sv_fetch_status__names_the_url_of_a_missing_response),
        cmocka_unit_test(sv_fetch_status__refuses_a_body_that_is_not_der),
        cmocka_unit_test(sv_fetch_status__limits_the_body),
        cmocka_unit_test(sv_fetch_new__refuses_urls_that_mislead_or_leak),
        cmocka_unit_test(sv_fetch_url__escapes_the_esid),
        cmocka_unit_test(sv_fetch_status__reports_the_http_status_and_what_the_server_said),
        cmocka_unit_test(sv_fetch_status__unreachable_server_names_the_url),
        cmocka_unit_test(verify_sig__fills_seal_status_from_the_fetcher),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

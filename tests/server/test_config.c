/* test_config.c: the seal-server configuration reader (seal-server/src/http/config.h): a
 * valid file with every key, defaults, relative paths, and one refusal per kind of mistake,
 * each naming the key. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "testutil.h"

#define TLS "\"tls\": {\"cert\": \"c.pem\", \"key\": \"k.pem\", \"key_password_file\": \"pw\"}"

static ss_config *parse_ok(const char *json)
{
    ss_config *cfg = NULL;
    sc_err err = SC_ERR_INIT;

    if (ss_config_parse(&cfg, json, strlen(json), "/etc/sealpki", "t.json", &err) != 0)
        fail_msg("%s", err.msg);
    return cfg;
}

static void config_parse__every_key(void **state)
{
    static const char json[] =
        "{\"role\": \"municipal\", \"listen\": \"0.0.0.0:8443\", \"plain_http\": false,"
        " \"tls\": {\"cert\": \"/pki/s.pem\", \"key\": \"s.key\", \"key_password_file\": \"pw\","
        " \"client_ca\": \"ca.pem\", \"ciphers\": \"ECDHE-ECDSA-AES128-GCM-SHA256\"},"
        " \"threads\": 16, \"timeouts_ms\": {\"request\": 1000, \"idle\": 0, \"shutdown\": 5},"
        " \"max_body_bytes\": {\"POST /api/v1/sign/ofd\": 104857600},"
        " \"store\": \"store.db\", \"anonymous_verify\": true, \"test_routes\": false}";
    ss_config *cfg = parse_ok(json);
    size_t lim = 0;

    (void)state;
    assert_int_equal(ss_config_role(cfg), SS_CONFIG_MUNICIPAL);
    assert_string_equal(ss_config_role_name(cfg), "municipal");
    assert_string_equal(ss_config_listen_host(cfg), "0.0.0.0");
    assert_int_equal(ss_config_listen_port(cfg), 8443);
    assert_string_equal(ss_config_tls_cert(cfg), "/pki/s.pem");          /* absolute: kept */
    assert_string_equal(ss_config_tls_key(cfg), "/etc/sealpki/s.key");   /* relative: joined */
    assert_string_equal(ss_config_tls_client_ca(cfg), "/etc/sealpki/ca.pem");
    assert_string_equal(ss_config_tls_ciphers(cfg), "ECDHE-ECDSA-AES128-GCM-SHA256");
    assert_int_equal(ss_config_threads(cfg), 16);
    assert_int_equal(ss_config_request_timeout_ms(cfg), 1000);
    assert_int_equal(ss_config_idle_timeout_ms(cfg), 0);
    assert_int_equal(ss_config_shutdown_timeout_ms(cfg), 5);
    assert_string_equal(ss_config_store_path(cfg), "/etc/sealpki/store.db");
    assert_true(ss_config_anonymous_verify(cfg));
    assert_false(ss_config_test_routes(cfg));
    assert_int_equal(ss_config_max_body_count(cfg), 1);
    assert_string_equal(ss_config_max_body_entry(cfg, 0, &lim), "POST /api/v1/sign/ofd");
    assert_int_equal(lim, 104857600);
    ss_config_free(cfg);
}

static void config_parse__defaults(void **state)
{
    ss_config *cfg = parse_ok("{\"role\": \"province\", \"listen\": \"127.0.0.1:1\", "
                              "\"store\": \"s\", " TLS "}");

    (void)state;
    assert_int_equal(ss_config_threads(cfg), 32);
    assert_int_equal(ss_config_request_timeout_ms(cfg), 30000);
    assert_int_equal(ss_config_idle_timeout_ms(cfg), 5000);
    assert_int_equal(ss_config_shutdown_timeout_ms(cfg), 30000);
    assert_null(ss_config_tls_client_ca(cfg));
    assert_non_null(strstr(ss_config_tls_ciphers(cfg), "ECDHE-ECDSA-AES128-GCM-SHA256"));
    assert_false(ss_config_plain_http(cfg));
    assert_false(ss_config_anonymous_verify(cfg));
    assert_false(ss_config_test_routes(cfg));
    ss_config_free(cfg);
}

static void config_parse__plain_http_on_loopback(void **state)
{
    ss_config *cfg = parse_ok("{\"role\": \"province\", \"listen\": \"127.0.0.1:8080\", "
                              "\"plain_http\": true, \"store\": \"s\"}");

    (void)state;
    assert_true(ss_config_plain_http(cfg));
    assert_null(ss_config_tls_cert(cfg));
    ss_config_free(cfg);
}

#define BASE "\"role\": \"province\", \"listen\": \"127.0.0.1:8443\", \"store\": \"s\""

static const struct bad {
    const char *json;
    int code;
    const char *msg;
} bads[] = {
    { "[]", SC_EFORMAT, "expected a JSON object, got an array" },
    { "{\"role\": ", SC_EFORMAT, "line 1 column" },
    { "{" BASE ", " TLS ", \"listen\": \"127.0.0.1:1\"}", SC_EFORMAT, "duplicate" },
    { "{" BASE ", " TLS ", \"port\": 1}", SC_EFORMAT, "\"port\": unknown key" },
    { "{" BASE ", " TLS ", \"threads\": \"8\"}", SC_EFORMAT,
      "\"threads\": expected an integer in 1..1024, got a string" },
    { "{" BASE ", " TLS ", \"threads\": 0}", SC_EINVAL, "\"threads\": 0 is not in 1..1024" },
    { "{" BASE ", " TLS ", \"threads\": 1025}", SC_EINVAL, "\"threads\": 1025 is not in" },
    { "{" BASE ", " TLS ", \"threads\": 1.5}", SC_EFORMAT, "got a number with a fraction" },
    { "{" BASE ", " TLS ", \"anonymous_verify\": \"yes\"}", SC_EFORMAT,
      "\"anonymous_verify\": expected true or false, got a string" },
    { "{" BASE ", " TLS ", \"timeouts_ms\": {\"idel\": 1}}", SC_EFORMAT,
      "\"timeouts_ms.idel\": unknown key" },
    { "{" BASE ", " TLS ", \"timeouts_ms\": {\"request\": 99}}", SC_EINVAL,
      "\"timeouts_ms.request\": 99 is not in 100..3600000" },
    { "{" BASE ", " TLS ", \"max_body_bytes\": {\"/x\": 1}}", SC_EINVAL,
      "\"max_body_bytes./x\": key must be \"METHOD /path\"" },
    { "{" BASE ", " TLS ", \"max_body_bytes\": {\"POST /x\": -1}}", SC_EINVAL,
      "\"max_body_bytes.POST /x\": -1 is not in 0..1073741824" },
    { "{\"listen\": \"127.0.0.1:1\", \"store\": \"s\", " TLS "}", SC_EINVAL, "\"role\": required" },
    { "{\"role\": \"province\", \"store\": \"s\", " TLS "}", SC_EINVAL, "\"listen\": required" },
    { "{\"role\": \"province\", \"listen\": \"127.0.0.1:1\", " TLS "}", SC_EINVAL,
      "\"store\": required" },
    { "{\"role\": \"capital\", \"listen\": \"127.0.0.1:1\", \"store\": \"s\", " TLS "}",
      SC_EINVAL, "\"role\": \"capital\" is not \"province\" or \"municipal\"" },
    { "{\"role\": \"province\", \"listen\": \"localhost:1\", \"store\": \"s\", " TLS "}",
      SC_EINVAL, "not a dotted IPv4 address" },
    { "{\"role\": \"province\", \"listen\": \"127.0.0.1:65536\", \"store\": \"s\", " TLS "}",
      SC_EINVAL, "port is not in 1..65535" },
    { "{\"role\": \"province\", \"listen\": \"127.0.0.1\", \"store\": \"s\", " TLS "}",
      SC_EINVAL, "is not ADDRESS:PORT" },
    { "{" BASE "}", SC_EINVAL, "\"tls\": required unless \"plain_http\": true" },
    { "{" BASE ", \"tls\": {\"cert\": \"c\", \"key\": \"k\"}}", SC_EINVAL,
      "\"tls.key_password_file\": required" },
    { "{" BASE ", \"tls\": {\"cert\": \"c\", \"key\": \"k\", \"key_password_file\": \"\"}}",
      SC_EINVAL, "\"tls.key_password_file\": must be a non-empty string" },
    { "{" BASE ", \"plain_http\": true, " TLS "}", SC_EINVAL,
      "\"tls\": must be absent when plain_http is true" },
    { "{\"role\": \"province\", \"listen\": \"0.0.0.0:8080\", \"plain_http\": true, "
      "\"store\": \"s\"}", SC_EINVAL,
      "\"plain_http\": true is allowed only with \"listen\" on 127.0.0.1, not 0.0.0.0" },
    { "{\"role\": \"province\", \"listen\": \"127.0.0.2:8080\", \"plain_http\": true, "
      "\"store\": \"s\"}", SC_EINVAL, "only with \"listen\" on 127.0.0.1, not 127.0.0.2" },
    { "{" BASE ", " TLS ", \"seal_ca\": {\"cert\": \"c\"}}", SC_EINVAL,
      "\"seal_ca.key\": required" },
    { "{" BASE ", " TLS ", \"tsa\": {\"cert\": \"c\", \"key\": \"k\", \"pin\": 1}}", SC_EFORMAT,
      "\"tsa.pin\": unknown key" },
    { "{" BASE ", " TLS ", \"seal_ca\": {\"cert\": \"c\", \"key\": \"k\"}, "
      "\"key_password_file\": \"p\"}", SC_EINVAL, "\"seal_maker\": required" },
    { "{" BASE ", " TLS ", \"seal_ca\": {\"cert\": \"c\", \"key\": \"k\"}, "
      "\"seal_maker\": {\"cert\": \"c\", \"key\": \"k\"}}", SC_EINVAL,
      "\"key_password_file\": required" },
    { "{" BASE ", " TLS ", \"region_code\": \"33000\"}", SC_EINVAL,
      "\"region_code\": \"33000\" is not 6 digits" },
    { "{" BASE ", " TLS ", \"status_next_update_s\": 1}", SC_EINVAL,
      "\"status_next_update_s\": 1 is not in 60..604800" },
    { "{" BASE ", " TLS ", \"status_list_max_licenses\": 10000001}", SC_EINVAL,
      "\"status_list_max_licenses\": 10000001 is not in 0..10000000" },
    { "{" BASE ", " TLS ", \"idempotency_retention_s\": 31622401}", SC_EINVAL,
      "\"idempotency_retention_s\": 31622401 is not in 0..31622400" },
    { "{" BASE ", " TLS ", \"idempotency_retention_s\": -1}", SC_EINVAL,
      "idempotency_retention_s" },
    { "{" BASE ", " TLS ", \"license_area_code\": \"3301\"}", SC_EINVAL,
      "\"license_area_code\": \"3301\" is not 6 digits" },
    { "{" BASE ", " TLS ", \"license_verify_url\": \"ftp://x\"}", SC_EINVAL,
      "\"license_verify_url\": expected an http(s) URL" },
};

/* The service block: paths relative to the file's directory, defaults when absent. */
static void config_parse__service_keys(void **state)
{
    static const char json[] =
        "{\"role\": \"province\", \"listen\": \"127.0.0.1:1\", \"store\": \"s\", "
        "\"plain_http\": true, \"seal_ca\": {\"cert\": \"pki/ca.pem\", \"key\": \"pki/ca.key\"}, "
        "\"seal_maker\": {\"cert\": \"/m.pem\", \"key\": \"/m.key\"}, "
        "\"key_password_file\": \"pw\", \"region_code\": \"330000\", "
        "\"status_next_update_s\": 600, \"status_list_max_licenses\": 0, "
        "\"idempotency_retention_s\": 0, \"license_verify_url\": \"https://zz.example/v\", "
        "\"license_area_code\": \"330100\"}";
    static const char none[] =
        "{\"role\": \"province\", \"listen\": \"127.0.0.1:1\", \"store\": \"s\", "
        "\"plain_http\": true}";
    ss_config *cfg;

    (void)state;
    cfg = parse_ok(json);
    assert_true(ss_config_has_service(cfg));
    assert_string_equal(ss_config_pair_cert(cfg, SS_CONFIG_SEAL_CA), "/etc/sealpki/pki/ca.pem");
    assert_string_equal(ss_config_pair_key(cfg, SS_CONFIG_SEAL_MAKER), "/m.key");
    assert_null(ss_config_pair_cert(cfg, SS_CONFIG_TSA));
    assert_string_equal(ss_config_key_password_file(cfg), "/etc/sealpki/pw");
    assert_string_equal(ss_config_unit_key_password_file(cfg), "/etc/sealpki/pw");
    assert_string_equal(ss_config_region_code(cfg), "330000");
    assert_int_equal(ss_config_status_next_update_s(cfg), 600);
    assert_int_equal(ss_config_status_list_max_licenses(cfg), 0);
    assert_int_equal(ss_config_idem_retention_s(cfg), 0);
    assert_string_equal(ss_config_license_verify_url(cfg), "https://zz.example/v");
    assert_string_equal(ss_config_license_area_code(cfg), "330100");
    ss_config_free(cfg);
    cfg = parse_ok(none);
    assert_false(ss_config_has_service(cfg));
    assert_string_equal(ss_config_region_code(cfg), "000000");
    assert_int_equal(ss_config_status_next_update_s(cfg), 3600);
    assert_int_equal(ss_config_status_list_max_licenses(cfg), 100000);
    assert_int_equal(ss_config_idem_retention_s(cfg), 86400);
    assert_null(ss_config_license_verify_url(cfg));
    assert_null(ss_config_license_area_code(cfg));
    ss_config_free(cfg);
}

static void config_parse__refuses_each_mistake_naming_the_key(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        ss_config *cfg = NULL;
        sc_err err = SC_ERR_INIT;
        int rc = ss_config_parse(&cfg, bads[i].json, strlen(bads[i].json), "/etc", "t.json",
                                 &err);

        if (rc != bads[i].code || strstr(err.msg, bads[i].msg) == NULL ||
            strncmp(err.msg, "config t.json: ", 15) != 0)
            fail_msg("row %zu: got %d \"%s\", want %d \"%s\"", i, rc, err.msg, bads[i].code,
                     bads[i].msg);
        assert_null(cfg);
    }
}

static void config_load__relative_to_the_file(void **state)
{
    char path[600];
    static const char json[] = "{" BASE ", \"plain_http\": true}";
    ss_config *cfg = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    snprintf(path, sizeof(path), "%s/cfg.json", sc_test_tmpdir());
    assert_int_equal(sc_test_write(path, json, sizeof(json) - 1), 0);
    assert_int_equal(ss_config_load(&cfg, path, &err), 0);
    assert_string_equal(ss_config_store_path(cfg), sc_test_path(sc_test_tmpdir(), "s"));
    ss_config_free(cfg);

    assert_int_equal(ss_config_load(&cfg, "/nonexistent/cfg.json", &err), SC_EIO);
    assert_non_null(strstr(err.msg, "config /nonexistent/cfg.json: cannot open"));
    assert_null(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(config_parse__every_key),
        cmocka_unit_test(config_parse__defaults),
        cmocka_unit_test(config_parse__plain_http_on_loopback),
        cmocka_unit_test(config_parse__refuses_each_mistake_naming_the_key),
        cmocka_unit_test(config_load__relative_to_the_file),
        cmocka_unit_test(config_parse__service_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

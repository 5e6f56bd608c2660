/* test_auth.c: the authentication and role decision (seal-server/src/http/auth.h) against
 * fake lookups, one rule per test; and ss_auth_cert_identity on the dev PKI's client cert. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "auth.h"
#include "testutil.h"

/* The fake store: one token client, one certificate client, and what to fail with. */
struct fake {
    uint8_t token_hash[32];
    uint32_t token_roles;
    int token_disabled;
    const char *subject;
    uint32_t cert_roles;
    int fail_with;          /* 0, or a code every lookup returns */
    int calls;
};

static int fake_token(void *ctx, const uint8_t hash[32], ss_client *out, sc_err *err)
{
    struct fake *f = ctx;

    f->calls++;
    if (f->fail_with != 0)
        return sc_err_set(err, f->fail_with, "fake store failure");
    if (memcmp(hash, f->token_hash, 32) != 0)
        return sc_err_set(err, SC_ENOTFOUND, "no client with this token");
    out->id = 7;
    snprintf(out->name, sizeof(out->name), "approval-system");
    out->roles = f->token_roles;
    out->disabled = f->token_disabled;
    return f->token_disabled ? SS_EDISABLED : 0;
}

static int fake_cert(void *ctx, const char *subject, const uint8_t sha256[32], ss_client *out,
                     sc_err *err)
{
    struct fake *f = ctx;

    (void)sha256;
    f->calls++;
    if (f->fail_with != 0)
        return sc_err_set(err, f->fail_with, "fake store failure");
    if (f->subject == NULL || strcmp(subject, f->subject) != 0)
        return sc_err_set(err, SC_ENOTFOUND, "no client with this certificate");
    out->id = 3;
    snprintf(out->name, sizeof(out->name), "admin-console");
    out->roles = f->cert_roles;
    return 0;
}

struct fix {
    struct fake fake;
    ss_auth_lookup lk;
    char token[SS_TOKEN_BUF];
    char bearer[SS_TOKEN_BUF + 16];
    uint8_t sha[32];
    ss_auth_result res;
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof(*f));

    if (f == NULL || ss_token_new(f->token, f->fake.token_hash, NULL) != 0) {
        free(f);
        return -1;
    }
    f->fake.token_roles = SS_ROLE_OPERATOR;
    f->fake.subject = "CN=admin,O=sealpki";
    f->fake.cert_roles = SS_ROLE_ADMIN;
    f->lk = (ss_auth_lookup){ &f->fake, fake_token, fake_cert };
    snprintf(f->bearer, sizeof(f->bearer), "Bearer %s", f->token);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static void decide(struct fix *f, const char *authz, const char *subject, uint32_t roles,
                   int anon)
{
    ss_auth_input in = { authz, subject, subject != NULL ? f->sha : NULL };

    assert_int_equal(ss_auth_decide(&f->lk, &in, roles, anon, &f->res), 0);
}

static void expect_refusal(const ss_auth_result *r, int status, const char *error,
                           const char *frag)
{
    if (r->status != status || r->error == NULL || strcmp(r->error, error) != 0 ||
        strstr(r->message, frag) == NULL)
        fail_msg("got %d %s \"%s\", want %d %s with \"%s\"", r->status,
                 r->error ? r->error : "(null)", r->message, status, error, frag);
}

static void decide__bearer_token_of_the_right_role_is_allowed(void **state)
{
    struct fix *f = *state;

    decide(f, f->bearer, NULL, SS_ROLE_OPERATOR, 0);
    assert_int_equal(f->res.status, 0);
    assert_int_equal(f->res.method, SS_AUTH_BEARER);
    assert_string_equal(f->res.client_name, "approval-system");
    assert_int_equal(f->res.client_id, 7);
    assert_int_equal(f->res.roles, SS_ROLE_OPERATOR);
}

static void decide__scheme_is_case_insensitive(void **state)
{
    struct fix *f = *state;
    char h[SS_TOKEN_BUF + 16];

    snprintf(h, sizeof(h), "bEARER   %s", f->token);
    decide(f, h, NULL, SS_ROLE_OPERATOR, 0);
    assert_int_equal(f->res.status, 0);
}

static void decide__no_credential_is_401_without_error_attribute(void **state)
{
    struct fix *f = *state;

    decide(f, NULL, NULL, SS_ROLE_OPERATOR, 0);
    expect_refusal(&f->res, 401, "unauthorized", "authentication required");
    assert_string_equal(f->res.www_authenticate, "Bearer realm=\"sealpki\"");
    assert_int_equal(f->fake.calls, 0);
}

static void decide__unknown_token_is_401_invalid_token(void **state)
{
    struct fix *f = *state;
    char h[SS_TOKEN_BUF + 16];

    snprintf(h, sizeof(h), "Bearer %s", f->token);
    h[7] = h[7] == 'A' ? 'B' : 'A';
    decide(f, h, NULL, SS_ROLE_OPERATOR, 0);
    expect_refusal(&f->res, 401, "unauthorized", "token is not valid");
    assert_string_equal(f->res.www_authenticate,
                        "Bearer realm=\"sealpki\", error=\"invalid_token\"");
    assert_null(strstr(f->res.message, h + 7));
    assert_null(strstr(f->res.detail, h + 7));
}

static void decide__malformed_token_is_401_and_never_quoted(void **state)
{
    struct fix *f = *state;

    decide(f, "Bearer secret-but-short", NULL, SS_ROLE_OPERATOR, 0);
    expect_refusal(&f->res, 401, "unauthorized", "malformed");
    assert_null(strstr(f->res.message, "secret-but-short"));
    assert_null(strstr(f->res.detail, "secret-but-short"));
    assert_int_equal(f->fake.calls, 0);
}

static void decide__other_scheme_is_401(void **state)
{
    struct fix *f = *state;

    decide(f, "Basic YWRtaW46eA==", NULL, SS_ROLE_OPERATOR, 0);
    expect_refusal(&f->res, 401, "unauthorized", "only the Bearer scheme");
    decide(f, "Bearer", NULL, SS_ROLE_OPERATOR, 0);
    expect_refusal(&f->res, 401, "unauthorized", "only the Bearer scheme");
}

static void decide__disabled_client_is_401_with_name_in_log_only(void **state)
{
    struct fix *f = *state;

    f->fake.token_disabled = 1;
    decide(f, f->bearer, NULL, SS_ROLE_OPERATOR, 0);
    expect_refusal(&f->res, 401, "unauthorized", "disabled API client");
    assert_non_null(strstr(f->res.detail, "approval-system"));
}

static void decide__wrong_role_is_403_naming_both(void **state)
{
    struct fix *f = *state;

    decide(f, f->bearer, NULL, SS_ROLE_ADMIN | SS_ROLE_AUDITOR, 0);
    expect_refusal(&f->res, 403, "forbidden", "\"approval-system\" (roles: operator) may not "
                   "call this endpoint; it needs one of: admin, auditor");
}

static void decide__certificate_maps_to_client(void **state)
{
    struct fix *f = *state;

    decide(f, NULL, "CN=admin,O=sealpki", SS_ROLE_ADMIN, 0);
    assert_int_equal(f->res.status, 0);
    assert_int_equal(f->res.method, SS_AUTH_CERT);
    assert_string_equal(f->res.client_name, "admin-console");
}

static void decide__unregistered_certificate_is_401(void **state)
{
    struct fix *f = *state;

    decide(f, NULL, "CN=stranger", SS_ROLE_ADMIN, 0);
    expect_refusal(&f->res, 401, "unauthorized", "(subject \"CN=stranger\") is not "
                   "registered");
}

/* A header is the credential even next to a certificate: a wrong one is not rescued. */
static void decide__authorization_header_wins_over_certificate(void **state)
{
    struct fix *f = *state;

    decide(f, "Bearer nope", "CN=admin,O=sealpki", SS_ROLE_ADMIN, 0);
    expect_refusal(&f->res, 401, "unauthorized", "malformed");
    decide(f, f->bearer, "CN=admin,O=sealpki", SS_ROLE_ADMIN, 0);
    expect_refusal(&f->res, 403, "forbidden", "operator");
}

static void decide__anonymous_verifier_only_when_enabled(void **state)
{
    struct fix *f = *state;

    decide(f, NULL, NULL, SS_ROLE_VERIFIER | SS_ROLE_ADMIN, 1);
    assert_int_equal(f->res.status, 0);
    assert_int_equal(f->res.method, SS_AUTH_ANONYMOUS);
    assert_int_equal(f->res.roles, SS_ROLE_VERIFIER);
    decide(f, NULL, NULL, SS_ROLE_VERIFIER, 0);
    expect_refusal(&f->res, 401, "unauthorized", "authentication required");
    decide(f, NULL, NULL, SS_ROLE_ADMIN, 1);           /* not a verifier route */
    expect_refusal(&f->res, 401, "unauthorized", "authentication required");
}

static void decide__route_without_roles_needs_no_credential(void **state)
{
    struct fix *f = *state;

    decide(f, NULL, NULL, 0, 0);
    assert_int_equal(f->res.status, 0);
    decide(f, "Bearer nope", NULL, 0, 0);              /* but a wrong one is still wrong */
    expect_refusal(&f->res, 401, "unauthorized", "malformed");
}

static void decide__store_busy_is_503_other_failures_500(void **state)
{
    struct fix *f = *state;

    f->fake.fail_with = SS_EBUSY;
    decide(f, f->bearer, NULL, SS_ROLE_OPERATOR, 0);
    expect_refusal(&f->res, 503, "unavailable", "busy");
    f->fake.fail_with = SC_EIO;
    decide(f, NULL, "CN=admin,O=sealpki", SS_ROLE_ADMIN, 0);
    expect_refusal(&f->res, 500, "internal", "could not be read");
    assert_non_null(strstr(f->res.detail, "fake store failure"));
}

static void cert_identity__rfc2253_subject_and_sha256(void **state)
{
    FILE *fp = fopen(sc_test_path(sc_test_pki(), "tls-client.pem"), "r");
    X509 *x = fp != NULL ? PEM_read_X509(fp, NULL, NULL, NULL) : NULL;
    char subject[SS_SUBJECT_MAX + 1], tiny[8];
    uint8_t sha[32], want[32];
    unsigned char *der = NULL;
    unsigned int n = 0;
    int len;
    sc_err err = SC_ERR_INIT;

    (void)state;
    if (fp != NULL)
        fclose(fp);
    assert_non_null(x);
    assert_int_equal(ss_auth_cert_identity(x, subject, sizeof(subject), sha, &err), 0);
    /* RFC 2253 order (most specific first), UTF-8 escaped as \XX by XN_FLAG_RFC2253. */
    assert_int_equal(strncmp(subject, "CN=sealpki admin client (dev),O=sealpki ", 40), 0);
    assert_non_null(strstr(subject, ",C=CN"));
    len = i2d_X509(x, &der);
    assert_true(len > 0);
    assert_true(EVP_Digest(der, (size_t)len, want, &n, EVP_sha256(), NULL));
    assert_memory_equal(sha, want, 32);
    assert_int_equal(ss_auth_cert_identity(x, tiny, sizeof(tiny), sha, &err), SC_ELIMIT);
    assert_non_null(strstr(err.msg, "subject longer than 7 bytes"));
    OPENSSL_free(der);
    X509_free(x);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(decide__bearer_token_of_the_right_role_is_allowed),
        T(decide__scheme_is_case_insensitive),
        T(decide__no_credential_is_401_without_error_attribute),
        T(decide__unknown_token_is_401_invalid_token),
        T(decide__malformed_token_is_401_and_never_quoted),
        T(decide__other_scheme_is_401),
        T(decide__disabled_client_is_401_with_name_in_log_only),
        T(decide__wrong_role_is_403_naming_both),
        T(decide__certificate_maps_to_client),
        T(decide__unregistered_certificate_is_401),
        T(decide__authorization_header_wins_over_certificate),
        T(decide__anonymous_verifier_only_when_enabled),
        T(decide__route_without_roles_needs_no_credential),
        T(decide__store_busy_is_503_other_failures_500),
        cmocka_unit_test(cert_identity__rfc2253_subject_and_sha256),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}

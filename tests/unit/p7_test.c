/* p7_test.c: the helpers p7_test.h declares, compiled into test_pkcs7 and test_pkcs7_sign. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "p7_test.h"
#include "pkcs7/pkcs7_int.h"
#include "testutil.h"

sc_trust *dev_trust(const char *pki)
{
    sc_trust *t = NULL;

    if (sc_trust_new(&t, NULL) != 0)
        return NULL;
    assert_int_equal(sc_test_add_trust(t, pki, "root-ca.pem", 1), 0);
    assert_int_equal(sc_test_add_trust(t, pki, "seal-ca.pem", 0), 0);
    return t;
}

sc_report *verify(const uint8_t *der, size_t len, const uint8_t *data, size_t data_len,
                  const sc_trust *trust, int64_t at)
{
    sc_verify_opts o = { .trust = trust, .at = at };
    sc_report *rep = NULL;
    sc_err err = SC_ERR_INIT;
    uint8_t *copy = malloc(len ? len : 1);
    sc_item *it;

    assert_non_null(copy);
    if (len > 0)
        memcpy(copy, der, len);
    assert_int_equal(sc_report_new(&rep, "SignedValue.dat", "ofd", &err), 0);
    assert_non_null(it = sc__report_add_item(rep, "signature", &err));
    int rc = sc__p7_verify_item(it, copy, len, data, data_len, &o, &err);
    if (rc != 0)
        fail_msg("sc__p7_verify_item: %d \"%s\"", rc, err.msg);
    free(copy);
    return rep;
}

void expect(const sc_report *rep, sc_check c, sc_result want, const char *frag)
{
    char msg[1400];

    if (!sc_test_check_is(rep, 0, c, want, frag, msg, sizeof(msg)))
        fail_msg("%s", msg);
}

void expect_all_pass(const sc_report *rep, sc_result chain, const char *chain_frag)
{
    expect(rep, SC_CHECK_STRUCTURE, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_SIGNER_CERT, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_CERT_CHAIN, chain, chain_frag);
    expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_PASSED, NULL);
    expect(rep, SC_CHECK_TIMESTAMP, SC_RESULT_NONE, NULL);
    expect(rep, SC_CHECK_SIGNER_IN_SEAL, SC_RESULT_NONE, NULL);
    expect(rep, SC_CHECK_SEAL_SIGNATURE, SC_RESULT_NONE, NULL);
    expect(rep, SC_CHECK_SEAL_VALIDITY, SC_RESULT_NONE, NULL);
}

void expect_unreadable(const sc_report *rep, const char *frag)
{
    expect(rep, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, frag);
    expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_SKIPPED, UNREAD);
    expect(rep, SC_CHECK_SIGNER_CERT, SC_RESULT_SKIPPED, UNREAD);
    expect(rep, SC_CHECK_CERT_CHAIN, SC_RESULT_SKIPPED, UNREAD);
    expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_SKIPPED, UNREAD);
    assert_int_equal(sc_report_exit_code(rep), 1);
}

const sc_item *item0(const sc_report *rep)
{
    return &rep->items[0];
}

uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *q = malloc(n + 1);
    assert_non_null(q);
    memcpy(q, p, n);
    return q;
}

const uint8_t *find(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

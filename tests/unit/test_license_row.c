/* test_license_row.c: data rows against the example template (sc_lic_row_check) and the
 * check characters of 统一社会信用代码 and 公民身份号码. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sealcore/license.h"
#include "testutil.h"

typedef int (*check_fn)(const char *, size_t, sc_err *);

/* msg NULL: valid. The valid USCCs are the issuers and authorities of e-license.md §2's
 * identifiers and GB 32100's sample; the valid ID numbers GB 11643's sample (check X) and two
 * whose check digits were computed with python3:
 *   "10X98765432"[sum(int(c) * w for c, w in zip(s, [7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]))
 *                 % 11]                                                                    */
static const struct code_row {
    check_fn fn;
    const char *in, *msg;
} code_rows[] = {
    { sc_lic_uscc_check, "11430000006122244L", NULL },
    { sc_lic_uscc_check, "11330105002500287C", NULL },
    { sc_lic_uscc_check, "11100000000013338W", NULL },
    { sc_lic_uscc_check, "11100000MB0341032Y", NULL },
    { sc_lic_uscc_check, "11100000000013127D", NULL },
    { sc_lic_uscc_check, "91350100M000100Y43", NULL },
    { sc_lic_uscc_check, "91350100M000100Y44", "check character is '4', expected '3'" },
    { sc_lic_uscc_check, "11430000006122244D", "check character is 'D', expected 'L'" },
    { sc_lic_uscc_check, "91350100M000100I43",
      "character 16 is 'I': only 0-9 and A-Z without I, O, S, V, Z" },
    { sc_lic_uscc_check, "91350100m000100Y43", "character 9 is 'm'" },
    { sc_lic_uscc_check, "91350100M000100Y4", "17 characters, a 统一社会信用代码 has 18" },
    { sc_lic_uscc_check, "91350100M000100Y433", "19 characters" },
    { sc_lic_uscc_check, "", "0 characters" },
    { sc_lic_idcard_check, "11010519491231002X", NULL },
    { sc_lic_idcard_check, "110101199003074477", NULL },
    { sc_lic_idcard_check, "440308199901011234", NULL },
    { sc_lic_idcard_check, "110101199003074478", "check character is '8', expected '7'" },
    { sc_lic_idcard_check, "110105194912310021", "check character is '1', expected 'X'" },
    { sc_lic_idcard_check, "11010519491231002x", "check character 'x' must be upper-case X" },
    { sc_lic_idcard_check, "110101199002301236",
      "the birth date (characters 7-14) does not exist" },
    { sc_lic_idcard_check, "110101179901011234", "the birth date" },
    { sc_lic_idcard_check, "1101011990030744X7", "character 17 is 'X': the first 17 are digits" },
    { sc_lic_idcard_check, "11010119900307447", "17 characters, a 公民身份号码 has 18" },
};

static void lic_code_check__accepts_valid_codes_and_names_faults(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(code_rows) / sizeof(code_rows[0]); i++) {
        const struct code_row *r = &code_rows[i];
        sc_err e = SC_ERR_INIT;
        int rc = r->fn(r->in, strlen(r->in), &e);
        if (r->msg == NULL ? rc != 0 : rc != SC_EFORMAT || strstr(e.msg, r->msg) == NULL)
            fail_msg("%s: got %d \"%s\", want \"%s\"", r->in, rc, e.msg,
                     r->msg != NULL ? r->msg : "valid");
    }
}

static int setup(void **state)
{
    uint8_t *xml = NULL;
    size_t len;
    sc_lic_template *t = NULL;
    if (sc_test_read(sc_test_path(sc_test_data(), "license-template-yyzz.xml"), &xml, &len) != 0)
        return -1;
    sc_lic_template_parse(&t, xml, len, NULL);
    free(xml);
    *state = t;
    return t != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    sc_lic_template_free(*state);
    return 0;
}

#define N_ROW 12
/* A valid row for the example (营业执照), by field order. */
static void good_row(sc_lic_kv row[N_ROW])
{
    static const sc_lic_kv good[N_ROW] = {
        { "uscc", "91350100M000100Y43" },
        { "licence_no", "350100000123456" },
        { "name", "福州某某科技有限公司" },
        { "kind", "有限责任公司（自然人投资或控股）" },
        { "legal_rep", "张三" },
        { "scope", "软件开发；信息技术咨询服务。（依法须经批准的项目，经相关部门批准后方可开展经营活动）" },
        { "capital", "壹佰万元整" },
        { "founded", "2016-02-29" },
        { "term_start", "2016-02-29" },
        { "term_end", "长期" },
        { "address", "福建省福州市鼓楼区某某路1号" },
        { "issued_on", "2024-05-20" },
    };
    memcpy(row, good, sizeof(good));
}

static void lic_row_check__accepts_a_valid_row(void **state)
{
    sc_lic_kv row[N_ROW];
    sc_err e = SC_ERR_INIT;
    good_row(row);
    if (sc_lic_row_check(*state, row, N_ROW, &e) != 0)
        fail_msg("%s", e.msg);
    /* an optional field left out, or empty, is fine; a dated end too */
    row[6].value = "";
    row[9].value = "2046-02-28";
    if (sc_lic_row_check(*state, row, N_ROW, &e) != 0)
        fail_msg("%s", e.msg);
    row[6] = row[11];
    if (sc_lic_row_check(*state, row, N_ROW - 1, &e) != 0)
        fail_msg("%s", e.msg);
}

/* The 100 characters name allows, 3 bytes each: N passes, N + 1 fails. */
static void lic_row_check__limits_length_in_characters(void **state)
{
    char name[3 * 101 + 1] = { 0 };
    sc_lic_kv row[N_ROW];
    sc_err e = SC_ERR_INIT;
    good_row(row);
    for (int i = 0; i < 100; i++)
        memcpy(name + 3 * i, "名", 3);
    row[2].value = name;
    if (sc_lic_row_check(*state, row, N_ROW, &e) != 0)
        fail_msg("100 characters: %s", e.msg);
    memcpy(name + 300, "名", 3);
    assert_int_equal(sc_lic_row_check(*state, row, N_ROW, &e), SC_EFORMAT);
    assert_string_equal(e.msg, "名称 (name): 101 characters, more than the 100 allowed");
}

/* One row per kind of bad value: field index, new value (NULL: drop the item). */
static const struct bad {
    size_t i;
    const char *value;
    const char *msg;
} bads[] = {
    { 0, NULL, "统一社会信用代码 (uscc): required, but missing" },
    { 4, "", "法定代表人 (legal_rep): required, but empty" },
    { 0, "91350100M000100Y44", "统一社会信用代码 (uscc): check character is '4', expected '3'" },
    { 0, "110101199003074477", "统一社会信用代码 (uscc): check character is '7', expected" },
    { 1, "35010000012345a", "证照编号 (licence_no): does not match the pattern '[0-9A-Z]{8,32}'" },
    { 1, "3501000", "does not match the pattern" },
    { 7, "2023-02-29", "成立日期 (founded): date 2023-02-29 does not exist" },
    { 7, "2016/02/29", "成立日期 (founded): not a date YYYY-MM-DD" },
    { 7, "2016-02-29 ", "成立日期 (founded): 11 characters, more than the 10 allowed" },
    { 9, "永久", "营业期限至 (term_end): neither a date YYYY-MM-DD that exists nor 长期" },
    { 9, "2016-02-28", "营业期限至 (term_end): 2016-02-28 is before the start 2016-02-29" },
    { 4, "张\n三", "法定代表人 (legal_rep): control character U+000A at character 2" },
    { 4, "张\xc2\x85三", "control character U+0085 at character 2" },
    { 4, "\xe5\xbc\xa0\xe4\xb8", "法定代表人 (legal_rep): not UTF-8" },
    { 4, "\xc0\xaf", "not UTF-8" },
};

static void lic_row_check__refuses_each_bad_value(void **state)
{
    for (size_t k = 0; k < sizeof(bads) / sizeof(bads[0]); k++) {
        sc_lic_kv row[N_ROW];
        size_t n = N_ROW;
        sc_err e = SC_ERR_INIT;
        int rc;
        good_row(row);
        if (bads[k].value == NULL) {
            memmove(row + bads[k].i, row + bads[k].i + 1,
                    (N_ROW - bads[k].i - 1) * sizeof(row[0]));
            n--;
        } else {
            row[bads[k].i].value = bads[k].value;
        }
        rc = sc_lic_row_check(*state, row, n, &e);
        if (rc != SC_EFORMAT || strstr(e.msg, bads[k].msg) == NULL)
            fail_msg("row %zu: got %d \"%s\", want \"%s\"", k, rc, e.msg, bads[k].msg);
    }
}

static void lic_row_check__refuses_unknown_and_repeated_names(void **state)
{
    sc_lic_kv row[N_ROW + 1];
    sc_err e = SC_ERR_INIT;
    good_row(row);
    row[N_ROW] = (sc_lic_kv){ "Name", "x" };
    assert_int_equal(sc_lic_row_check(*state, row, N_ROW + 1, &e), SC_EFORMAT);
    assert_string_equal(e.msg, "licence row: 'Name' is not a field of 营业执照");
    sc_err_clear(&e);
    row[N_ROW] = (sc_lic_kv){ "name", "x" };
    assert_int_equal(sc_lic_row_check(*state, row, N_ROW + 1, &e), SC_EFORMAT);
    assert_string_equal(e.msg, "licence row: 'name' appears twice");
    sc_err_clear(&e);
    row[3] = (sc_lic_kv){ NULL, "x" };
    assert_int_equal(sc_lic_row_check(*state, row, N_ROW, &e), SC_EINVAL);
    assert_int_equal(sc_lic_row_check(NULL, row, N_ROW, NULL), SC_EINVAL);
}

/* Values far over a field's maximum are refused without reading them whole. */
static void lic_row_check__refuses_a_huge_value(void **state)
{
    const size_t n = 16u << 20;
    char *huge = malloc(n + 1);
    sc_lic_kv row[N_ROW];
    sc_err e = SC_ERR_INIT;
    assert_non_null(huge);
    memset(huge, 'A', n);
    huge[n] = '\0';
    good_row(row);
    row[5].value = huge;
    assert_int_equal(sc_lic_row_check(*state, row, N_ROW, &e), SC_EFORMAT);
    assert_string_equal(e.msg, "经营范围 (scope): more than the 2000 characters allowed");
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lic_code_check__accepts_valid_codes_and_names_faults),
        cmocka_unit_test_setup_teardown(lic_row_check__accepts_a_valid_row, setup, teardown),
        cmocka_unit_test_setup_teardown(lic_row_check__limits_length_in_characters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(lic_row_check__refuses_each_bad_value, setup, teardown),
        cmocka_unit_test_setup_teardown(lic_row_check__refuses_unknown_and_repeated_names, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(lic_row_check__refuses_a_huge_value, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

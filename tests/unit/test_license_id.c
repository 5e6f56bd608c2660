/* test_license_id.c: the GB/T 36904 licence identifier of sealcore/license.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sealcore/license.h"

/* The real identifiers of ../shared/spec/e-license.md §2, from issued licences. */
static const char *const real_ids[] = {
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
    "1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0",
    "1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9",
};
#define N_REAL (sizeof(real_ids) / sizeof(real_ids[0]))

static void lic_id_parse__accepts_the_real_identifiers(void **state)
{
    static const sc_lic_id want[] = {
        { "11100000000013338W011", "11430000006122244L", "20230000403", 1, 'U' },
        { "11100000000013338W009", "11330105002500287C", "2025052201", 2, '0' },
        { "11100000MB03271699022", "340100", "000000016", 1, '9' },
    };
    (void)state;
    for (size_t i = 0; i < N_REAL; i++) {
        sc_lic_id id;
        sc_err e = SC_ERR_INIT;
        if (sc_lic_id_parse(&id, real_ids[i], strlen(real_ids[i]), &e) != 0)
            fail_msg("%s: %s", real_ids[i], e.msg);
        assert_string_equal(id.type, want[i].type);
        assert_string_equal(id.issuer, want[i].issuer);
        assert_string_equal(id.serial, want[i].serial);
        assert_int_equal(id.version, want[i].version);
        assert_int_equal(id.check, want[i].check);
    }
}

/* Values from an independent implementation (python3, written from e-license.md §2):
 *   A = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
 *   def check(s, M=36):
 *       P = M
 *       for c in s:
 *           S = (P + A.index(c)) % M or M
 *           P = 2 * S % (M + 1)
 *       return A[(M + 1 - P) % M]                                                   */
static void lic_check_char__matches_an_independent_implementation(void **state)
{
    static const struct { const char *in; char want; } rows[] = {
        { "0", '2' },
        { "A", 'H' },
        { "Z", '4' },
        { "00000000", 'Y' },
        { "ZZZZZZZZ", 'Q' },
        { "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 'X' },
        { "11100000000013338W01111430000006122244L20230000403001", 'U' },
        { "11100000000013338W00911330105002500287C2025052201002", '0' },
        { "11100000MB03271699022340100000000016001", '9' },
        { "11100000000013127D00111430000006122244L209FA4E8C0D1476B9F3E2A5C7D8B6EA49001", 'X' },
        { "ISO7064", '2' },
        { "SEALPKI2026", 'U' },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char c = '?';
        sc_err e = SC_ERR_INIT;
        if (sc_lic_check_char(&c, rows[i].in, strlen(rows[i].in), &e) != 0 || c != rows[i].want)
            fail_msg("%s: got '%c', want '%c' (%s)", rows[i].in, c, rows[i].want, e.msg);
    }
}

static void lic_check_char__refuses_lower_case_and_empty(void **state)
{
    char c = '?';
    sc_err e = SC_ERR_INIT;
    (void)state;
    assert_int_equal(sc_lic_check_char(&c, "11a", 3, &e), SC_EFORMAT);
    assert_non_null(strstr(e.msg, "'a' at offset 2 is not 0-9 or A-Z"));
    assert_int_equal(c, '?');
    sc_err_clear(&e);
    assert_int_equal(sc_lic_check_char(&c, "", 0, &e), SC_EINVAL);
}

/* Every single-character change of a real identifier, at every position (root arc, dots, each
 * part, version, check) and to every character an identifier can hold, is refused: the
 * hybrid system catches every substitution inside the checked parts, the rest by form. */
static void lic_id_parse__refuses_every_single_character_change(void **state)
{
    static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.a -";
    size_t tried = 0;
    (void)state;
    for (size_t k = 0; k < N_REAL; k++) {
        const size_t n = strlen(real_ids[k]);
        for (size_t pos = 0; pos < n; pos++) {
            for (const char *a = alphabet; *a != '\0'; a++) {
                char buf[SC_LIC_ID_BUF];
                sc_lic_id id;
                sc_err e = SC_ERR_INIT;
                if (*a == real_ids[k][pos])
                    continue;
                memcpy(buf, real_ids[k], n + 1);
                buf[pos] = *a;
                if (sc_lic_id_parse(&id, buf, n, &e) != SC_EFORMAT)
                    fail_msg("%s accepted (%s)", buf, e.msg);
                assert_non_null(strstr(e.msg, "licence identifier: "));
                assert_string_equal(id.type, "");     /* zeroed on failure */
                tried++;
            }
        }
    }
    assert_true(tried > 3 * 60 * 39);
}

/* The fourth sample of e-license.md §2 (an API doc's "…13661B006.113700000045046442.209FA4E8…
 * EA49.001.M") is cut with "…" there, so it cannot be rebuilt and is not tested. */

static void lic_id_parse__names_what_is_wrong(void **state)
{
    static const struct { const char *in; int code; const char *msg; } rows[] = {
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.D",
          SC_EFORMAT, "licence identifier: check character is 'D', expected 'U'" },
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.01.U",
          SC_EFORMAT, "version '01' must be 3 digits" },
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.0001.U",
          SC_EFORMAT, "version '0001' must be 3 digits" },
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.00A.U",
          SC_EFORMAT, "version '00A' must be 3 digits" },
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.000.U",
          SC_EFORMAT, "version '000' must be from 001 to 999" },
        { "1.2.156.3005.1.11100000000013338W011.11430000006122244L.20230000403.001.U",
          SC_EFORMAT, "does not start with the root arc 1.2.156.3005.2." },
        { "11100000000013338W011.11430000006122244L.20230000403.001.U",
          SC_EFORMAT, "does not start with the root arc" },
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001",
          SC_EFORMAT, "4 parts after the root arc, expected 5" },
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023.0000403.001.U",
          SC_EFORMAT, "6 parts after the root arc, expected 5" },
        { "1.2.156.3005.2.11100000000013338w011.11430000006122244L.20230000403.001.U",
          SC_EFORMAT, "type code has 'w' at position 18: only 0-9 and A-Z are allowed" },
        { "1.2.156.3005.2.11100000000013338W011.1143000000612224\xe4\xb8\x80.20230000403.001.U",
          SC_EFORMAT, "issuer code has '\\xe4' at position 17" },
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L..001.U",
          SC_EFORMAT, "serial is empty" },
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.",
          SC_EFORMAT, "check character '' must be one of 0-9 A-Z" },
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.UU",
          SC_EFORMAT, "check character 'UU' must be one of 0-9 A-Z" },
        { "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.u",
          SC_EFORMAT, "check character 'u' must be one of 0-9 A-Z" },
        { " 1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
          SC_EFORMAT, "does not start with the root arc" },
        { "", SC_EFORMAT, "licence identifier: empty" },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sc_lic_id id;
        sc_err e = SC_ERR_INIT;
        int rc = sc_lic_id_parse(&id, rows[i].in, strlen(rows[i].in), &e);
        if (rc != rows[i].code || strstr(e.msg, rows[i].msg) == NULL)
            fail_msg("%s: got %d \"%s\", want \"%s\"", rows[i].in, rc, e.msg, rows[i].msg);
    }
}

static void lic_id_parse__refuses_an_embedded_nul(void **state)
{
    static const char id[] =
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U";
    char buf[sizeof(id)];
    sc_lic_id out;
    sc_err e = SC_ERR_INIT;
    (void)state;
    memcpy(buf, id, sizeof(id));
    buf[40] = '\0';
    assert_int_equal(sc_lic_id_parse(&out, buf, sizeof(id) - 1, &e), SC_EFORMAT);
    assert_non_null(strstr(e.msg, "issuer code has '\\x00' at position 4"));
}

static void lic_id_parse__limits_parts_and_total_length(void **state)
{
    char buf[SC_LIC_ID_BUF + 8], part[SC_LIC_ID_PART_MAX + 2], made[SC_LIC_ID_BUF];
    sc_lic_id id;
    sc_err e = SC_ERR_INIT;
    (void)state;
    /* three parts of SC_LIC_ID_PART_MAX: the longest identifier, accepted */
    memset(part, 'A', SC_LIC_ID_PART_MAX);
    part[SC_LIC_ID_PART_MAX] = '\0';
    assert_int_equal(sc_lic_id_make(made, sizeof(made), part, part, part, 999, &e), 0);
    assert_int_equal(strlen(made), SC_LIC_ID_MAX);
    assert_int_equal(sc_lic_id_parse(&id, made, strlen(made), &e), 0);
    /* one character more in a part */
    snprintf(buf, sizeof(buf), "%s.%sA.B.C.001.0", SC_LIC_ROOT, part);
    assert_int_equal(sc_lic_id_parse(&id, buf, strlen(buf), &e), SC_ELIMIT);
    assert_non_null(strstr(e.msg, "type code has 65 characters, more than the 64 allowed"));
    /* one byte more in all */
    sc_err_clear(&e);
    snprintf(buf, sizeof(buf), "%sX", made);
    assert_int_equal(sc_lic_id_parse(&id, buf, strlen(buf), &e), SC_ELIMIT);
    assert_non_null(strstr(e.msg, "216 bytes, more than the 215 allowed"));
}

static void lic_id_make__round_trips_the_real_identifiers(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_REAL; i++) {
        char out[SC_LIC_ID_BUF];
        sc_lic_id id;
        sc_err e = SC_ERR_INIT;
        assert_int_equal(sc_lic_id_parse(&id, real_ids[i], strlen(real_ids[i]), &e), 0);
        assert_int_equal(sc_lic_id_make(out, sizeof(out), id.type, id.issuer, id.serial,
                                        id.version, &e), 0);
        assert_string_equal(out, real_ids[i]);
    }
}

static void lic_id_make__builds_what_parse_reads_back(void **state)
{
    static const unsigned versions[] = { 1, 9, 10, 99, 100, 998, 999 };
    (void)state;
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        char out[SC_LIC_ID_BUF];
        sc_lic_id id;
        sc_err e = SC_ERR_INIT;
        assert_int_equal(sc_lic_id_make(out, sizeof(out), "11100000MB0341032Y002",
                                        "11430000006122244L",
                                        "9F86D081884C7D659A2FEAA0C55AD015", versions[i], &e), 0);
        if (sc_lic_id_parse(&id, out, strlen(out), &e) != 0)
            fail_msg("%s: %s", out, e.msg);
        assert_string_equal(id.type, "11100000MB0341032Y002");
        assert_string_equal(id.issuer, "11430000006122244L");
        assert_string_equal(id.serial, "9F86D081884C7D659A2FEAA0C55AD015");
        assert_int_equal(id.version, versions[i]);
    }
}

static void lic_id_make__refuses_bad_parts(void **state)
{
    char out[SC_LIC_ID_BUF], small[40];
    sc_err e = SC_ERR_INIT;
    (void)state;
    assert_int_equal(sc_lic_id_make(out, sizeof(out), "T1", "I1", "S-1", 1, &e), SC_EFORMAT);
    assert_string_equal(e.msg, "licence identifier: serial has '-' at position 2: "
                               "only 0-9 and A-Z are allowed");
    assert_string_equal(out, "");
    sc_err_clear(&e);
    assert_int_equal(sc_lic_id_make(out, sizeof(out), "", "I1", "S1", 1, &e), SC_EFORMAT);
    assert_non_null(strstr(e.msg, "type code is empty"));
    sc_err_clear(&e);
    assert_int_equal(sc_lic_id_make(out, sizeof(out), "T1", "I1", "S1", 0, &e), SC_EINVAL);
    assert_non_null(strstr(e.msg, "version 0 is not 1..999"));
    sc_err_clear(&e);
    assert_int_equal(sc_lic_id_make(out, sizeof(out), "T1", "I1", "S1", 1000, &e), SC_EINVAL);
    sc_err_clear(&e);
    assert_int_equal(sc_lic_id_make(small, sizeof(small), "11100000000013338W011",
                                    "11430000006122244L", "S1", 1, &e), SC_EINVAL);
    assert_non_null(strstr(e.msg, "65 bytes needed, buffer has 40"));
    /* without an sc_err the code still says it failed */
    assert_int_equal(sc_lic_id_make(out, sizeof(out), "t", "I1", "S1", 1, NULL), SC_EFORMAT);
}

static void lic_id_next__gives_the_next_version_with_a_new_check(void **state)
{
    char out[SC_LIC_ID_BUF];
    sc_lic_id id;
    sc_err e = SC_ERR_INIT;
    (void)state;
    assert_int_equal(sc_lic_id_next(out, sizeof(out), real_ids[0], strlen(real_ids[0]), &e), 0);
    assert_string_equal(out, "1.2.156.3005.2.11100000000013338W011.11430000006122244L."
                             "20230000403.002.S");
    assert_int_equal(sc_lic_id_parse(&id, out, strlen(out), &e), 0);
    assert_int_equal(id.version, 2);
    /* the spec's second real identifier is version 002; its 001 would be this */
    assert_int_equal(sc_lic_id_next(out, sizeof(out), real_ids[1], strlen(real_ids[1]), &e), 0);
    assert_int_equal(sc_lic_id_parse(&id, out, strlen(out), &e), 0);
    assert_int_equal(id.version, 3);
    assert_string_equal(id.serial, "2025052201");
}

static void lic_id_next__refuses_bad_input_and_version_999(void **state)
{
    char last[SC_LIC_ID_BUF], out[SC_LIC_ID_BUF];
    sc_err e = SC_ERR_INIT;
    (void)state;
    assert_int_equal(sc_lic_id_make(last, sizeof(last), "T1", "I1", "S1", 999, &e), 0);
    assert_int_equal(sc_lic_id_next(out, sizeof(out), last, strlen(last), &e), SC_ELIMIT);
    assert_non_null(strstr(e.msg, "version 999 is the last one"));
    assert_string_equal(out, "");
    sc_err_clear(&e);
    last[strlen(last) - 1] = last[strlen(last) - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(sc_lic_id_next(out, sizeof(out), last, strlen(last), &e), SC_EFORMAT);
    assert_non_null(strstr(e.msg, "check character is"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lic_id_parse__accepts_the_real_identifiers),
        cmocka_unit_test(lic_check_char__matches_an_independent_implementation),
        cmocka_unit_test(lic_check_char__refuses_lower_case_and_empty),
        cmocka_unit_test(lic_id_parse__refuses_every_single_character_change),
        cmocka_unit_test(lic_id_parse__names_what_is_wrong),
        cmocka_unit_test(lic_id_parse__refuses_an_embedded_nul),
        cmocka_unit_test(lic_id_parse__limits_parts_and_total_length),
        cmocka_unit_test(lic_id_make__round_trips_the_real_identifiers),
        cmocka_unit_test(lic_id_make__builds_what_parse_reads_back),
        cmocka_unit_test(lic_id_make__refuses_bad_parts),
        cmocka_unit_test(lic_id_next__gives_the_next_version_with_a_new_check),
        cmocka_unit_test(lic_id_next__refuses_bad_input_and_version_999),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_time.c: ISO 8601 input and output of sealcore/time.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "sealcore/time.h"

static void time_parse__accepts_each_admin_form(void **state)
{
    static const struct { const char *in; int64_t want; } rows[] = {
        { "2020-10-12", 1602460800 },
        { "2020-10-12T11:14:03Z", 1602501243 },
        { "2020-10-12T19:14:03+08:00", 1602501243 },
        { "2020-10-12T19:14:03+0800", 1602501243 },
        { "2020-10-12 11:14:03Z", 1602501243 },
        { "2020-10-12T11:14:03.250Z", 1602501243 },
        { "2020-10-12T11:14", 1602501240 },
        { "20201012111403Z", 1602501243 },
        { "2024-02-29T00:00:00Z", 1709164800 },
        { "1970-01-01T00:00:00Z", 0 },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int64_t t = -1;
        sc_err e = SC_ERR_INIT;
        if (sc_time_parse(rows[i].in, &t, &e) != 0 || t != rows[i].want)
            fail_msg("%s: got %lld (%s)", rows[i].in, (long long)t, e.msg);
    }
}

static void time_parse__rejects_impossible_dates(void **state)
{
    static const char *bad[] = { "2023-02-29", "2020-13-01", "2020-10-12T24:00:00Z", "tomorrow",
                                 "2020-10-12T11:14:03Zjunk", "2020-10-12T11:14:03+25:00", "" };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t t;
        sc_err e = SC_ERR_INIT;
        if (sc_time_parse(bad[i], &t, &e) != SC_EFORMAT || strstr(e.msg, "not ISO 8601") == NULL)
            fail_msg("\"%s\" accepted or wrong message: %s", bad[i], e.msg);
    }
}

static void time_format__inverts_parse(void **state)
{
    static const int64_t ts[] = { 0, 1602501243, 951782400, 4102444799, -86400 };
    char buf[32];

    (void)state;
    for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
        int64_t back;
        sc_time_format(ts[i], buf, sizeof(buf));
        assert_int_equal(sc_time_parse(buf, &back, NULL), 0);
        assert_int_equal(back, ts[i]);
    }
    assert_string_equal(sc_time_format(1602501243, buf, sizeof(buf)), "2020-10-12T11:14:03Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(time_parse__accepts_each_admin_form),
        cmocka_unit_test(time_parse__rejects_impossible_dates),
        cmocka_unit_test(time_format__inverts_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

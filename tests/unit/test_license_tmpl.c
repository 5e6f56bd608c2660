/* test_license_tmpl.c: licence type templates (sc_lic_template_parse and its getters), from
 * tests/data/license-template-yyzz.xml and hostile variants of it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sealcore/license.h"
#include "testutil.h"

static char *load_example(size_t *len)
{
    uint8_t *buf = NULL;
    if (sc_test_read(sc_test_path(sc_test_data(), "license-template-yyzz.xml"), &buf, len) != 0)
        fail_msg("cannot read tests/data/license-template-yyzz.xml");
    return (char *)buf;
}

/* The example with the first occurrence of from replaced by to (new, free()). */
static char *edit(const char *xml, const char *from, const char *to)
{
    const char *at = strstr(xml, from);
    size_t head, n;
    char *out;

    if (at == NULL)
        fail_msg("fixture: '%s' is not in the example", from);
    head = (size_t)(at - xml);
    n = strlen(xml) - strlen(from) + strlen(to);
    out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, xml, head);
    memcpy(out + head, to, strlen(to));
    memcpy(out + head + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
    return out;
}

static void lic_template_parse__reads_the_example(void **state)
{
    size_t len;
    char *xml = load_example(&len);
    sc_lic_template *t = NULL;
    const sc_lic_field *f;
    const sc_lic_box *b;
    double w, h, x, y, size;
    sc_err e = SC_ERR_INIT;
    (void)state;
    if (sc_lic_template_parse(&t, (const uint8_t *)xml, len, &e) != 0)
        fail_msg("%s", e.msg);
    free(xml);
    assert_string_equal(sc_lic_template_get_type_code(t), "11100000000013127D001");
    assert_string_equal(sc_lic_template_get_name(t), "营业执照");
    assert_string_equal(sc_lic_template_get_authority(t), "国家市场监督管理总局");
    assert_string_equal(sc_lic_template_get_authority_code(t), "11100000000013127D");
    assert_string_equal(sc_lic_template_get_holder_code_type(t), "001");
    assert_string_equal(sc_lic_template_get_background(t), "yyzz-a4.png");
    sc_lic_template_get_page(t, &w, &h);
    assert_true(w == 297 && h == 210);
    sc_lic_template_get_seal(t, &x, &y);
    assert_true(x == 230 && y == 178);
    sc_lic_template_get_code(t, &x, &y, &size);
    assert_true(x == 245 && y == 8 && size == 30);
    assert_int_equal(sc_lic_template_field_count(t), 12);
    assert_null(sc_lic_template_get_field(t, 12));

    f = sc_lic_template_get_field(t, 0);
    assert_string_equal(sc_lic_field_get_name(f), "uscc");
    assert_string_equal(sc_lic_field_get_label(f), "统一社会信用代码");
    assert_string_equal(sc_lic_field_get_meta(f), "CZZTDM");
    assert_int_equal(sc_lic_field_get_format(f), SC_LIC_FMT_USCC);
    assert_int_equal(sc_lic_field_get_max_len(f), 18);
    assert_true(sc_lic_field_is_required(f));

    f = sc_lic_template_find_field(t, "scope");
    assert_non_null(f);
    b = sc_lic_field_get_box(f);
    assert_true(b->x == 50 && b->y == 104 && b->width == 95 && b->height == 80);
    assert_true(b->size > 3.19 && b->size < 3.21);
    assert_string_equal(b->font, "SimSun");
    assert_string_equal(b->font_file, "NotoSerifCJKsc-Regular.otf");
    assert_int_equal(b->align, SC_LIC_ALIGN_LEFT);
    assert_null(b->text);
    assert_int_equal(sc_lic_field_get_max_len(f), 2000);
    b = sc_lic_field_get_caption(f);
    assert_non_null(b);
    assert_string_equal(b->text, "经营范围");
    assert_null(b->font_file);

    f = sc_lic_template_find_field(t, "licence_no");
    assert_int_equal(sc_lic_field_get_format(f), SC_LIC_FMT_REGEX);
    assert_string_equal(sc_lic_field_get_pattern(f), "[0-9A-Z]{8,32}");
    f = sc_lic_template_find_field(t, "capital");
    assert_false(sc_lic_field_is_required(f));
    assert_int_equal(sc_lic_field_get_max_len(f), 50);
    f = sc_lic_template_find_field(t, "issued_on");
    assert_null(sc_lic_field_get_caption(f));
    assert_int_equal(sc_lic_field_get_box(f)->align, SC_LIC_ALIGN_CENTER);
    assert_null(sc_lic_template_find_field(t, "nope"));

    assert_int_equal(sc_lic_template_text_count(t), 4);
    b = sc_lic_template_get_text(t, 0);
    assert_string_equal(b->text, "营 业 执 照");
    assert_true(b->x == 98.5 && b->size == 12);
    assert_null(sc_lic_template_get_text(t, 4));
    sc_lic_template_free(t);
    sc_lic_template_free(NULL);
}

static void lic_template_parse__idcard_holder_gives_type_111(void **state)
{
    size_t len;
    char *xml = load_example(&len);
    char *x2 = edit(xml, "format=\"uscc\" required=\"true\" meta=\"CZZTDM\"",
                    "format=\"idcard\" required=\"true\" meta=\"CZZTDM\"");
    sc_lic_template *t = NULL;
    sc_err e = SC_ERR_INIT;
    (void)state;
    if (sc_lic_template_parse(&t, (const uint8_t *)x2, strlen(x2), &e) != 0)
        fail_msg("%s", e.msg);
    assert_string_equal(sc_lic_template_get_holder_code_type(t), "111");
    sc_lic_template_free(t);
    free(x2);
    free(xml);
}

static void lic_template_parse__refuses_empty_fields(void **state)
{
    size_t len;
    char *xml = load_example(&len), *x1 = edit(xml, "<Fields>", "<Fields><!--"),
         *x2 = edit(x1, "</Fields>", "--></Fields>");
    sc_lic_template *t = NULL;
    sc_err e = SC_ERR_INIT;
    (void)state;
    assert_int_equal(sc_lic_template_parse(&t, (const uint8_t *)x2, strlen(x2), &e), SC_EFORMAT);
    assert_non_null(strstr(e.msg, "line 11: <Fields>: holds no <Field>"));
    assert_null(t);
    free(x2);
    free(x1);
    free(xml);
}

static const char laughs[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE LicenseTemplate [\n <!ENTITY a \"aaaaaaaaaa\">\n"
    " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
    "]>\n<LicenseTemplate version=\"1\">&c;</LicenseTemplate>\n";
static const char xxe[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE LicenseTemplate SYSTEM \"http://127.0.0.1:9/t.dtd\">\n"
    "<LicenseTemplate version=\"1\"/>\n";

/* One row per kind of damage: the example with from replaced by to (from NULL: whole input). */
static const struct tamper {
    const char *from, *to;
    int code;
    const char *msg;
} tampers[] = {
    { NULL, laughs, SC_EFORMAT, "line 3: DTD declares an entity (refused" },
    { NULL, xxe, SC_EFORMAT, "DOCTYPE names an external DTD (refused: XXE)" },
    { NULL, "<LicenseTemplate version=\"1\"><Type", SC_EFORMAT, "licence template: XML line 1" },
    { NULL, "", SC_EFORMAT, "licence template: empty" },
    { NULL, "<Licence version=\"1\"/>", SC_EFORMAT,
      "licence template: line 1: <Licence>: the root element must be <LicenseTemplate>" },
    { "<LicenseTemplate version=\"1\">", "<LicenseTemplate version=\"2\">", SC_EUNSUPPORTED,
      "version '2' is not supported (1 is)" },
    { "<LicenseTemplate version=\"1\">", "<LicenseTemplate>", SC_EFORMAT,
      "<LicenseTemplate>: needs attribute 'version'" },
    { "  <Seal x=\"230\" y=\"178\"/>\n", "", SC_EFORMAT, "<LicenseTemplate>: needs a <Seal>" },
    { "<Fields>", "<Colour/><Fields>", SC_EFORMAT,
      "line 11: <Colour>: unknown element inside <LicenseTemplate>" },
    { "<Fields>", "<Fields>junk", SC_EFORMAT, "<Fields>: holds text; only elements" },
    { "<Code x=\"245\" y=\"8\" size=\"30\"/>", "<Code x=\"245\" y=\"8\" size=\"30\"/><Code/>",
      SC_EFORMAT, "<Code>: more than 1 inside <LicenseTemplate>" },
    { "<Page width=\"297\"", "<Page width=\"1e309\"", SC_EFORMAT,
      "<Page>: width='1e309' is not a number of millimetres" },
    { "<Page width=\"297\"", "<Page width=\"99999999999999999999999\"", SC_EFORMAT,
      "width='99999999999999999999999' is not a number of millimetres" },
    { "<Page width=\"297\"", "<Page width=\"-297\"", SC_EFORMAT, "is not a number" },
    { "<Page width=\"297\"", "<Page width=\"297.\"", SC_EFORMAT, "is not a number" },
    { "<Page width=\"297\"", "<Page width=\"2001\"", SC_EFORMAT,
      "width='2001' is outside 10..2000 mm" },
    { "<Seal x=\"230\"", "<Seal x=\"298\"", SC_EFORMAT, "<Seal>: x='298' is outside 0..297" },
    { "<Code x=\"245\"", "<Code x=\"270\"", SC_EFORMAT, "<Code>: the code ends past the page" },
    { "<Layout x=\"185\" y=\"62\" width=\"95\"", "<Layout x=\"203\" y=\"62\" width=\"95\"",
      SC_EFORMAT, "field 'capital': line 39: <Layout>: x + width = 298 mm, past" },
    { "name=\"kind\" label=\"类型\" required=\"true\"",
      "name=\"kind\" label=\"类型\" requried=\"true\"", SC_EFORMAT,
      "<Field>: unknown attribute 'requried'" },
    { "name=\"kind\" label=\"类型\"", "name=\"kind\" label=\"类型\" format=\"usc\"", SC_EFORMAT,
      "format='usc' is not one of the allowed values" },
    { "name=\"kind\"", "name=\"Kind\"", SC_EFORMAT, "name='Kind' must be 1..32 characters" },
    { "name=\"kind\"", "name=\"uscc\"", SC_EFORMAT, "two fields are named 'uscc'" },
    { "meta=\"KZ_LX\"", "meta=\"ZZBS\"", SC_EFORMAT,
      "field 'kind': line 25: <Field>: meta='ZZBS' is set by the issuing service" },
    { "meta=\"KZ_LX\"", "meta=\"FOO\"", SC_EFORMAT, "meta='FOO' is neither an element" },
    { "meta=\"KZ_LX\"", "meta=\"kz_lx\"", SC_EFORMAT, "meta='kz_lx' is neither" },
    { "meta=\"KZ_LX\"", "meta=\"ZZYXQQSRQ\"", SC_EFORMAT,
      "meta='ZZYXQQSRQ' does not take this field's format" },
    { "meta=\"KZ_LX\"", "meta=\"KZ_ZS\"", SC_EFORMAT,
      "fields 'kind' and 'address' both fill KZ_ZS" },
    { "meta=\"CZZT\"", "meta=\"KZ_MC\"", SC_EFORMAT,
      "needs required fields filling CZZT (持证主体) and CZZTDM" },
    { "format=\"uscc\" required=\"true\" meta=\"CZZTDM\"", "meta=\"CZZTDM\" required=\"true\"",
      SC_EFORMAT, "field 'uscc' (CZZTDM) is neither format uscc nor idcard" },
    { "format=\"uscc\" required=\"true\"", "format=\"uscc\" maxLength=\"17\" required=\"true\"",
      SC_EFORMAT, "maxLength='17' is not 18..4096" },
    { "maxLength=\"100\"", "maxLength=\"4097\"", SC_EFORMAT, "maxLength='4097' is not 1..4096" },
    { "maxLength=\"100\"", "maxLength=\"99999999999999999999\"", SC_EFORMAT,
      "maxLength='99999999999999999999' is not 1..4096" },
    { "pattern=\"[0-9A-Z]{8,32}\"", "pattern=\"[0-9A-Z\"", SC_EFORMAT,
      "pattern does not compile" },
    { "format=\"regex\" pattern=\"[0-9A-Z]{8,32}\"", "pattern=\"[0-9A-Z]{8,32}\"", SC_EFORMAT,
      "pattern is only for format='regex'" },
    { "format=\"regex\" pattern=\"[0-9A-Z]{8,32}\"", "format=\"regex\"", SC_EFORMAT,
      "needs attribute 'pattern'" },
    { "fontFile=\"NotoSerifCJKsc-Regular.otf\"", "fontFile=\"../../etc/passwd\"", SC_EFORMAT,
      "fontFile='../../etc/passwd' must be a file name" },
    { "<Background src=\"yyzz-a4.png\"/>", "<Background src=\"/tmp/a.png\"/>", SC_EFORMAT,
      "src='/tmp/a.png' must be a file name" },
    { "code=\"11100000000013127D001\"", "code=\"11100000000013127d001\"", SC_EFORMAT,
      "line 5: <Type>: type code has 'd' at position 18" },
    { "<Authority code=\"11100000000013127D\">", "<Authority code=\"11100000000013127E\">",
      SC_EFORMAT, "<Authority>: code (统一社会信用代码): check character is 'E', expected 'D'" },
    { "国家市场监督管理总局</Authority>", "</Authority>", SC_EFORMAT,
      "the authority's name is empty" },
    { "<Layout x=\"50\" y=\"76\" width=\"95\" font=\"SimSun\" size=\"4.2\"/>",
      "<Layout x=\"50\" y=\"76\" width=\"95\" font=\"SimSun\"/>", SC_EFORMAT,
      "<Layout>: needs attribute 'size'" },
    { "size=\"12\" align=\"center\"", "size=\"12\" align=\"middle\"", SC_EFORMAT,
      "align='middle' is not one of the allowed values" },
    { "<Text x=\"200\" y=\"170\" width=\"60\" font=\"SimSun\" size=\"4.2\" align=\"center\">登记机关",
      "<Text x=\"200\" y=\"170\" width=\"60\" font=\"SimSun\" size=\"4.2\" align=\"center\">",
      SC_EFORMAT, "<Text>: the text is empty" },
    { "<Fields>", "<Fields>&amp;", SC_EFORMAT, "<Fields>: holds text" },
    { "<Fields>", "<Fields>&nope;", SC_EFORMAT, "XML line 11: Entity 'nope' not defined" },
    { "<Type code", "<Type xml:lang=\"zh\" code", SC_EFORMAT, "<Type>: unknown attribute 'lang'" },
};

static void lic_template_parse__refuses_each_tamper(void **state)
{
    size_t len;
    char *xml = load_example(&len);
    (void)state;
    for (size_t i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++) {
        const struct tamper *tp = &tampers[i];
        char *bad = tp->from != NULL ? edit(xml, tp->from, tp->to) : NULL;
        const char *in = bad != NULL ? bad : tp->to;
        sc_lic_template *t = (sc_lic_template *)1;
        sc_err e = SC_ERR_INIT;
        int rc = sc_lic_template_parse(&t, (const uint8_t *)in, strlen(in), &e);
        free(bad);
        if (rc != tp->code || strstr(e.msg, tp->msg) == NULL)
            fail_msg("row %zu (%s): got %d \"%s\", want \"%s\"", i, tp->to, rc, e.msg, tp->msg);
        assert_null(t);
    }
    free(xml);
}

/* A template nested SC_LIC_TMPL_MAX_DEPTH deep is read as far as its elements go; one more
 * level is refused for depth before anything looks at the elements. */
static void lic_template_parse__limits_depth(void **state)
{
    char xml[512];
    size_t o = 0;
    sc_lic_template *t = NULL;
    sc_err e = SC_ERR_INIT;
    (void)state;
    for (int d = 0; d < SC_LIC_TMPL_MAX_DEPTH; d++)
        o += (size_t)snprintf(xml + o, sizeof(xml) - o, "<a>");
    for (int d = 0; d < SC_LIC_TMPL_MAX_DEPTH; d++)
        o += (size_t)snprintf(xml + o, sizeof(xml) - o, "</a>");
    assert_int_equal(sc_lic_template_parse(&t, (const uint8_t *)xml, o, &e), SC_EFORMAT);
    assert_non_null(strstr(e.msg, "root element must be <LicenseTemplate>"));
    o = 0;
    for (int d = 0; d <= SC_LIC_TMPL_MAX_DEPTH; d++)
        o += (size_t)snprintf(xml + o, sizeof(xml) - o, "<a>");
    for (int d = 0; d <= SC_LIC_TMPL_MAX_DEPTH; d++)
        o += (size_t)snprintf(xml + o, sizeof(xml) - o, "</a>");
    sc_err_clear(&e);
    assert_int_equal(sc_lic_template_parse(&t, (const uint8_t *)xml, o, &e), SC_ELIMIT);
    assert_non_null(strstr(e.msg, "elements nested deeper than 8"));
    assert_null(t);
}

static void lic_template_parse__limits_size(void **state)
{
    uint8_t *big = malloc(SC_LIC_TMPL_MAX + 1);
    sc_lic_template *t = NULL;
    sc_err e = SC_ERR_INIT;
    (void)state;
    assert_non_null(big);
    memset(big, ' ', SC_LIC_TMPL_MAX + 1);
    assert_int_equal(sc_lic_template_parse(&t, big, SC_LIC_TMPL_MAX + 1, &e), SC_ELIMIT);
    assert_non_null(strstr(e.msg, "262145 bytes, more than the 262144 allowed"));
    sc_err_clear(&e);
    /* at the limit it is read (and found to hold no element) */
    assert_int_equal(sc_lic_template_parse(&t, big, SC_LIC_TMPL_MAX, &e), SC_EFORMAT);
    free(big);
}

/* The example with its <Fields> holding n copies of a text field besides the holder's two. */
static char *with_fields(const char *xml, size_t n)
{
    static const char one[] = "<Field name=\"f%03zu\" label=\"x\"><Layout x=\"1\" y=\"1\" "
                              "width=\"10\" font=\"SimSun\" size=\"3\"/></Field>\n";
    const char *from = strstr(xml, "<Fields>"), *to = strstr(xml, "</Fields>");
    static const char holders[] =
        "<Fields><Field name=\"uscc\" label=\"u\" format=\"uscc\" required=\"true\" "
        "meta=\"CZZTDM\"><Layout x=\"1\" y=\"1\" width=\"10\" font=\"a\" size=\"3\"/></Field>"
        "<Field name=\"name\" label=\"n\" required=\"true\" meta=\"CZZT\"><Layout x=\"1\" "
        "y=\"1\" width=\"10\" font=\"a\" size=\"3\"/></Field>\n";
    size_t cap = strlen(xml) + sizeof(holders) + n * sizeof(one) + 64, o;
    char *out = malloc(cap);

    assert_non_null(out);
    assert_non_null(from);
    assert_non_null(to);
    o = (size_t)(from - xml);
    memcpy(out, xml, o);
    o += (size_t)snprintf(out + o, cap - o, "%s", holders);
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, cap - o, one, i);
    snprintf(out + o, cap - o, "%s", to);
    return out;
}

static void lic_template_parse__limits_fields(void **state)
{
    size_t len;
    char *xml = load_example(&len), *ok = with_fields(xml, SC_LIC_TMPL_MAX_FIELDS - 2),
         *over = with_fields(xml, SC_LIC_TMPL_MAX_FIELDS - 1);
    sc_lic_template *t = NULL;
    sc_err e = SC_ERR_INIT;
    (void)state;
    if (sc_lic_template_parse(&t, (const uint8_t *)ok, strlen(ok), &e) != 0)
        fail_msg("64 fields: %s", e.msg);
    assert_int_equal(sc_lic_template_field_count(t), SC_LIC_TMPL_MAX_FIELDS);
    sc_lic_template_free(t);
    assert_int_equal(sc_lic_template_parse(&t, (const uint8_t *)over, strlen(over), &e),
                     SC_ELIMIT);
    assert_non_null(strstr(e.msg, "<Field>: more than 64 inside <Fields>"));
    free(ok);
    free(over);
    free(xml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lic_template_parse__reads_the_example),
        cmocka_unit_test(lic_template_parse__idcard_holder_gives_type_111),
        cmocka_unit_test(lic_template_parse__refuses_each_tamper),
        cmocka_unit_test(lic_template_parse__refuses_empty_fields),
        cmocka_unit_test(lic_template_parse__limits_depth),
        cmocka_unit_test(lic_template_parse__limits_size),
        cmocka_unit_test(lic_template_parse__limits_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_license_issue.c: issuing a licence file (sc_lic_issue, spec/license-file.md) from the
 * example 营业执照 template and a data row, sealed with the dev PKI's seal (ofd_stamp_test's
 * group): the result verifies with every check passed; python3's zipfile + ElementTree read
 * back the CustomDatas and the tag file (§2 elements in the table's order, each face element
 * linked to TextObjects whose TextCodes make its value); the seal's References cover the tag
 * file, the page and OFD.xml; the QR code's modules are libqrencode's for the payload; the
 * identifier validates. Refusals (bad row, a value that does not fit, a template file not
 * given, bad parameters) leave the sink untouched; the same inputs give the same bytes but
 * for the SM2 signature value. Line breaking (lic_face.c) is tested on its own first. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "license/lic_issue_int.h"
#include "ofd/ofd_model.h"
#include "sc_int.h"
#include "sealcore/license_file.h"
#include "sealcore/verify.h"
#include "ofd_write_test.h"   /* OK(), REFUSES() */
#include "qr_paint_test.h"
#include "testutil.h"
#include "ofd_stamp_test.h"   /* last: its type out would shadow parameters named out */

/* A font file the OFD writer accepts (an sfnt table directory); no glyphs are needed here. */
#define TTF "\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00" \
            "head\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04" "abcd"
#define ISSUER "某某市市场监督管理局"
#define ISSUER_CODE "11330105002500287C"
#define SERIAL "2026000001"
#define URL "https://zz.example.gov.cn/v"
#define SCOPE_LONG "软件开发；信息技术咨询服务；数据处理和存储支持服务；计算机系统服务；" \
                   "网络技术服务（Internet services and cloud computing）；人工智能应用软件" \
                   "开发。（依法须经批准的项目，经相关部门批准后方可开展经营活动）"

static sc_lic_template *tmpl;

/* The valid row, by field name; tests change one value through row_with. */
static const char *const row_names[] = { "uscc", "licence_no", "name", "kind", "legal_rep",
    "scope", "capital", "founded", "term_start", "term_end", "address", "issued_on" };
static const char *const row_good[] = { "91350100M000100Y43", "330100000012345",
    "某某科技有限公司", "有限责任公司（自然人投资或控股）", "张三", SCOPE_LONG, "壹佰万元整",
    "2020-01-02", "2020-01-02", "长期", "浙江省杭州市西湖区文三路1号", "2026-03-04" };
static sc_lic_kv row[NROWS(row_names)];

static const sc_lic_kv *row_with(const char *name, const char *value)
{
    for (size_t i = 0; i < NROWS(row_names); i++) {
        row[i].name = row_names[i];
        row[i].value = name != NULL && strcmp(name, row_names[i]) == 0 ? value : row_good[i];
    }
    return row;
}

static const sc_lic_file files[] = {
    { "NotoSerifCJKsc-Regular.otf", (const uint8_t *)TTF, sizeof(TTF) - 1 },
    { "yyzz-a4.png", NULL, 0 },   /* the seal picture: any PNG does (setup) */
};
static sc_lic_file files_set[NROWS(files)];

static sc_lic_issue_params params(void)
{
    sc_lic_issue_params p = { .tmpl = tmpl, .row = row_with(NULL, NULL),
        .row_len = NROWS(row_names), .issuer = ISSUER, .issuer_code = ISSUER_CODE,
        .serial = SERIAL, .version = 1, .area_code = "330105", .verify_url = URL,
        .issue_time = g.t, .files = files_set, .file_count = NROWS(files), .seal = g.seal,
        .key = g.kprov, .cert = g.prov, .cert_len = g.prov_len };
    return p;
}

static int setup(void **state)
{
    uint8_t *xml;
    size_t len;
    sc_err err = SC_ERR_INIT;

    if (group_setup(state) != 0 ||
        sc_test_read(sc_test_path(sc_test_data(), "license-template-yyzz.xml"), &xml,
                     &len) != 0)
        return -1;
    if (sc_lic_template_parse(&tmpl, xml, len, &err) != 0) {
        fprintf(stderr, "template: %s\n", err.msg);
        free(xml);
        return -1;
    }
    free(xml);
    memcpy(files_set, files, sizeof(files));
    files_set[1].data = g.png;
    files_set[1].len = g.png_len;
    return 0;
}

static int teardown(void **state)
{
    sc_lic_template_free(tmpl);
    return group_teardown(state);
}

/* Issue p into a buffer, failing the test with err's message unless it works. */
static uint8_t *issue(const sc_lic_issue_params *p, char id[SC_LIC_ID_BUF], size_t *len)
{
    uint8_t *buf = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_lic_issue_mem(p, id, &buf, len, &err) != 0)
        fail_msg("sc_lic_issue_mem: %s", err.msg);
    return buf;
}

/* sc_lic_issue refuses p with code and a message containing frag, writing nothing. */
static void refused_issue(const sc_lic_issue_params *p, int code, const char *frag)
{
    sc_test_mem m = { 0 };
    sc_err err = SC_ERR_INIT;
    char id[SC_LIC_ID_BUF] = "x";
    int rc = sc_lic_issue(p, id, sc_test_mem_sink, &m, &err);

    free(m.buf);
    if (rc != code || strstr(err.msg, frag) == NULL || m.calls != 0 || id[0] != '\0')
        fail_msg("expected %d \"%s\", got %d \"%s\" (%u sink calls, id \"%s\")", code, frag,
                 rc, err.msg, m.calls, id);
}

/* ---- line breaking ------------------------------------------------------------------------- */

static void lic_wrap__breaks_where_it_should(void **state)
{
    static const struct { const char *text; unsigned long width; const char *want; } rows[] = {
        { "营业执照", 8, "营业执照" },                      /* exactly fits: 4 x 2 */
        { "营业执照", 7, "营业执|照" },
        { "营业执照", 0, "营|业|执|照" },                   /* narrower than a character */
        { "hello world", 11, "hello world" },
        { "hello world", 8, "hello |world" },              /* after the space that fits */
        { "hello world", 5, "hello |world" },              /* the space hangs */
        { "abcdefghij", 4, "abcd|efgh|ij" },               /* a word longer than a line */
        { "营业ab cd执照", 6, "营业ab |cd执照" },
        { "营业abcd", 5, "营业|abcd" },                     /* an ASCII word after CJK */
        { "a  b", 1, "a | |b" },
        { "", 5, "" },
    };

    (void)state;
    for (size_t i = 0; i < NROWS(rows); i++) {
        size_t *st = NULL, n = 0, len = strlen(rows[i].text);
        char got[256] = "";
        OK(sc__lic_wrap(rows[i].text, len, rows[i].width, &st, &n, &e_));
        for (size_t k = 0; k < n; k++) {
            assert_true(st[k + 1] > st[k]);         /* no empty line */
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%.*s", k ? "|" : "",
                     (int)(st[k + 1] - st[k]), rows[i].text + st[k]);
        }
        assert_int_equal(st[0], 0);
        assert_int_equal(st[n], len);
        if (strcmp(got, rows[i].want) != 0)
            fail_msg("row %zu: \"%s\" at %lu half-ems: got \"%s\", want \"%s\"", i,
                     rows[i].text, rows[i].width, got, rows[i].want);
        free(st);
    }
}

static void lic_box_lines__counts_what_fits(void **state)
{
    /* the template's boxes: one line; 名称 10 mm at 4.2; 经营范围 80 mm at 3.2 */
    sc_lic_box one = { .width = 95, .size = 4.2 }, name = { .width = 95, .height = 10,
        .size = 4.2 }, scope = { .width = 95, .height = 80, .size = 3.2 },
        exact = { .width = 10, .height = 4 + 2 * 1.25 * 4, .size = 4 },
        low = { .width = 10, .height = 2, .size = 4 };

    (void)state;
    assert_int_equal(sc__lic_box_lines(&one), 1);
    assert_int_equal(sc__lic_box_lines(&name), 2);     /* 4.2 + 5.25 <= 10 */
    assert_int_equal(sc__lic_box_lines(&scope), 20);   /* 3.2 + 19 x 4 = 79.2 */
    assert_int_equal(sc__lic_box_lines(&exact), 3);
    assert_int_equal(sc__lic_box_lines(&low), 1);
}

/* ---- reading an issued licence back ------------------------------------------------------- */

/* The metadata expected of the good row: code, value, and how many page objects its tag
 * entry must name at least (0: none, it is not on the face). */
typedef struct want_elem {
    const char *code, *value;
    int objects;
} want_elem;

static size_t want_elems(want_elem *w, const char *zzbs)
{
    const want_elem all[] = {
        { "ZZMC", "营业执照", 0 }, { "ZZLXDM", "11100000000013127D001", 0 },
        { "ZZDYJG", "国家市场监督管理总局", 0 }, { "ZZDYJGDM", "11100000000013127D", 0 },
        { "ZZBH", "330100000012345", 1 }, { "ZZBS", zzbs, 0 }, { "ZZBFJG", ISSUER, 0 },
        { "ZZBFJGDM", ISSUER_CODE, 0 }, { "ZZBFRQ", "2026-03-04", 1 },
        { "CZZT", "某某科技有限公司", 1 }, { "CZZTDM", "91350100M000100Y43", 1 },
        { "CZZTDMLX", "统一社会信用代码", 0 }, { "CZZTDMLXDM", "001", 0 },
        { "ZZYXQQSRQ", "2020-01-02", 1 }, { "ZZYXQJZRQ", "长期", 1 },
        { "ZZSSGXSD", "330105", 0 }, { "KZ_LX", "有限责任公司（自然人投资或控股）", 1 },
        { "KZ_FDDBR", "张三", 1 }, { "KZ_JYFW", SCOPE_LONG, 3 },   /* wraps */
        { "KZ_ZCZB", "壹佰万元整", 1 }, { "KZ_CLRQ", "2020-01-02", 1 },
        { "KZ_ZS", "浙江省杭州市西湖区文三路1号", 1 },
    };
    memcpy(w, all, sizeof(all));
    return NROWS(all);
}

/* python3 (zipfile, ElementTree) reads OFD.xml's DocInfo and the tag file the way any reader
 * would (Document.xml -> CustomTags -> CustomTag "license" -> FileLoc) and compares them with
 * the expected elements (argv[2]: lines "code TAB value TAB objects"); argv[3] the DocID. */
static const char py_check[] =
    "import sys, zipfile, posixpath, xml.etree.ElementTree as ET\n"
    "NS = {'o': 'http://www.ofdspec.org/2016', 's': '" SC_OFD_DOC_TAGS_NS "'}\n"
    "z = zipfile.ZipFile(sys.argv[1])\n"
    "want = [l.split('\\t') for l in open(sys.argv[2], encoding='utf-8').read().splitlines()]\n"
    "def xml(name): return ET.fromstring(z.read(name))\n"
    "info = xml('OFD.xml').find('o:DocBody/o:DocInfo', NS)\n"
    "assert info.find('o:DocID', NS).text == sys.argv[3], 'DocID'\n"
    "assert info.find('o:Title', NS).text == want[0][1], 'Title'\n"
    "assert info.find('o:CreationDate', NS).text == '2026-03-04', 'CreationDate'\n"
    "cd = [(c.get('Name'), c.text) for c in info.findall('o:CustomDatas/o:CustomData', NS)]\n"
    "assert cd == [(w[0], w[1]) for w in want] + [('sealpki.license', '1')], cd\n"
    "doc = xml('Doc_0/Document.xml')\n"
    "page = xml('Doc_0/' + doc.find('o:Pages/o:Page', NS).get('BaseLoc'))\n"
    "pid = doc.find('o:Pages/o:Page', NS).get('ID')\n"
    "text = {t.get('ID'): t.find('o:TextCode', NS).text\n"
    "        for t in page.iter('{%s}TextObject' % NS['o'])}\n"
    "ctl = 'Doc_0/' + doc.find('o:CustomTags', NS).text\n"
    "ct = [t for t in xml(ctl).findall('o:CustomTag', NS) if t.get('TypeID') == 'license']\n"
    "assert len(ct) == 1 and ct[0].get('NameSpace') == NS['s'], 'CustomTag license'\n"
    "tags = xml(posixpath.dirname(ctl) + '/' + ct[0].find('o:FileLoc', NS).text)\n"
    "got = tags.findall('s:Tag', NS)\n"
    "assert [t.get('Name') for t in got] == [w[0] for w in want], [t.get('Name') for t in got]\n"
    "for t, w in zip(got, want):\n"
    "    refs = t.findall('o:ObjectRef', NS)\n"
    "    assert t.find('s:Value', NS).text == w[1], (w[0], 'value')\n"
    "    assert all(r.get('PageRef') == pid for r in refs), (w[0], 'PageRef')\n"
    "    n = int(w[2])\n"
    "    assert (len(refs) == 0) if n == 0 else (len(refs) >= n), (w[0], len(refs), 'objects')\n"
    "    if refs:\n"
    "        assert ''.join(text[r.text] for r in refs) == w[1], (w[0], 'page text')\n"
    "    print('%s: %d objects' % (w[0], len(refs)))\n";

static void python_reads_metadata(const uint8_t *buf, size_t len, const char *zzbs,
                                  const char *doc_id)
{
    const char *dir = sc_test_tmpdir(), *ofd, *py, *tsv;
    want_elem w[32];
    size_t n = want_elems(w, zzbs);
    char lines[4096] = "";

    if (sc_test_sh("command -v python3 >/dev/null 2>&1") != 0) {
        print_message("python3 missing: the independent metadata reader is skipped\n");
        return;
    }
    for (size_t i = 0; i < n; i++)
        snprintf(lines + strlen(lines), sizeof(lines) - strlen(lines), "%s\t%s\t%d\n",
                 w[i].code, w[i].value, w[i].objects);
    ofd = sc_test_path(dir, "licence.ofd");
    py = sc_test_path(dir, "licence.py");
    tsv = sc_test_path(dir, "licence.tsv");
    assert_int_equal(sc_test_write(ofd, buf, len), 0);
    assert_int_equal(sc_test_write(py, py_check, sizeof(py_check) - 1), 0);
    assert_int_equal(sc_test_write(tsv, lines, strlen(lines)), 0);
    assert_int_equal(sc_test_sh("python3 '%s' '%s' '%s' '%s'", py, ofd, tsv, doc_id), 0);
}

/* The QR code on the page (the last PathObject: its dark modules, a module scaled by its CTM
 * to the template's 30 mm over the code and its quiet zone) holds payload. */
static void qr_holds(const uint8_t *buf, size_t len, const char *payload)
{
    size_t n;
    char *page = (char *)entry(buf, len, "Doc_0/Pages/Page_0/Content.xml", &n), *at, *end;
    QRcode *want = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    size_t w, loops, corners;
    uint8_t *mx;
    double ctm[6];

    assert_non_null(page);
    assert_non_null(want);
    w = (size_t)want->width;
    at = page;
    for (char *p = strstr(page, "<ofd:PathObject"); p != NULL; p = strstr(p + 1,
                                                                           "<ofd:PathObject"))
        at = p;
    assert_non_null(strstr(at, "Boundary=\"245 8 30 30\""));   /* the template's Code box */
    assert_non_null(strstr(at, "CTM=\""));
    assert_int_equal(sscanf(strstr(at, "CTM=\"") + 5, "%lf %lf %lf %lf %lf %lf", &ctm[0],
                            &ctm[1], &ctm[2], &ctm[3], &ctm[4], &ctm[5]), 6);
    if (ctm[0] != ctm[3] || ctm[1] != 0 || ctm[2] != 0 || ctm[4] != 0 || ctm[5] != 0 ||
        ctm[0] < 30.0 / (double)(w + 2 * SC_OFD_DOC_QR_QUIET) - 0.0005 ||
        ctm[0] > 30.0 / (double)(w + 2 * SC_OFD_DOC_QR_QUIET) + 0.0005)
        fail_msg("CTM %g %g %g %g %g %g does not scale %zu modules to 30 mm", ctm[0], ctm[1],
                 ctm[2], ctm[3], ctm[4], ctm[5], w + 2 * SC_OFD_DOC_QR_QUIET);
    at = strstr(at, "<ofd:AbbreviatedData>");
    assert_non_null(at);
    at += strlen("<ofd:AbbreviatedData>");
    end = strstr(at, "</ofd:AbbreviatedData>");
    assert_non_null(end);
    *end = '\0';
    mx = qr_paint(at, w, &loops, &corners);
    for (size_t k = 0; k < w * w; k++)
        if (mx[k] != (want->data[k] & 1))
            fail_msg("module %zu differs from libqrencode's encoding of %s", k, payload);
    free(mx);
    QRcode_free(want);
    free(page);
}

static int covered(const sc__ofd_sig *s, const char *name)
{
    for (size_t i = 0; i < s->nrefs; i++)
        if (s->refs[i].entry != NULL && strcmp(s->refs[i].entry, name) == 0)
            return 1;
    return 0;
}

/* One signature, every check passed (dev trust; no time-stamp or status asked), covering the
 * files that make the licence. */
static void verifies(const uint8_t *buf, size_t len)
{
    static const char *const must[] = { "OFD.xml", "Doc_0/Document.xml", "Doc_0/PublicRes.xml",
        "Doc_0/DocumentRes.xml", "Doc_0/Pages/Page_0/Content.xml", "Doc_0/Tags/CustomTags.xml",
        "Doc_0/Tags/Tag_license.xml" };
    sc_verify_opts vo = { .trust = g.trust };
    sc_report *rep = NULL;
    sc_ofd_pkg *pkg = NULL;
    sc__ofd_model *m = NULL;
    size_t fonts = 0, images = 0;
    char msg[512];

    OK(sc_report_new(&rep, "licence.ofd", NULL, &e_));
    OK(sc_verify_ofd_mem(rep, buf, len, &vo, &e_));
    assert_int_equal(sc_report_item_count(rep), 2);   /* the seal signature, the licence */
    for (sc_check c = 0; c < SC_CHECK_COUNT; c++)
        if (c != SC_CHECK_TIMESTAMP && c != SC_CHECK_SEAL_STATUS && c != SC_CHECK_LICENSE &&
            !sc_test_check_is(rep, 0, c, SC_RESULT_PASSED, NULL, msg, sizeof(msg)))
            fail_msg("%s", msg);
    /* what the reader and the verifier's license check make of it (spec/license-file.md §6) */
    if (!sc_test_check_is(rep, 1, SC_CHECK_LICENSE, SC_RESULT_PASSED, "status not asked", msg,
                          sizeof(msg)))
        fail_msg("%s", msg);
    assert_true(sc_report_valid(rep));
    sc_report_free(rep);

    OK(sc_ofd_pkg_open_mem(&pkg, buf, len, &e_));
    OK(sc__ofd_model_load(pkg, &m, &e_));
    assert_int_equal(m->nsigs, 1);
    for (size_t i = 0; i < NROWS(must); i++)
        if (!covered(&m->sigs[0], must[i]))
            fail_msg("%s is not covered by the seal's References", must[i]);
    for (size_t i = 0; i < m->sigs[0].nrefs; i++) {
        const char *e = m->sigs[0].refs[i].entry;
        fonts += strncmp(e, "Doc_0/Res/font_", 15) == 0;
        images += strncmp(e, "Doc_0/Res/image_", 16) == 0;
    }
    assert_int_equal(fonts, 1);    /* the template's fontFile */
    assert_int_equal(images, 1);   /* its background */
    sc__ofd_model_free(m);
    sc_ofd_pkg_free(pkg);
}

static void doc_id_of(const char *zzbs, char hex[33])
{
    uint8_t h[32];

    OK(sc__sm3((const uint8_t *)zzbs, strlen(zzbs), h, &e_));
    for (size_t i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
}

/* ---- issuing ------------------------------------------------------------------------------ */

static void lic_issue__yyzz_verifies_and_reads_back(void **state)
{
    sc_lic_issue_params p = params();
    char id[SC_LIC_ID_BUF], want[SC_LIC_ID_BUF], payload[512], hex[33];
    sc_lic_id parts;
    size_t len;
    uint8_t *buf;

    (void)state;
    buf = issue(&p, id, &len);
    OK(sc_lic_id_make(want, sizeof(want), "11100000000013127D001", ISSUER_CODE, SERIAL, 1,
                      &e_));
    assert_string_equal(id, want);
    OK(sc_lic_id_parse(&parts, id, strlen(id), &e_));
    assert_string_equal(parts.serial, SERIAL);
    verifies(buf, len);
    doc_id_of(id, hex);
    python_reads_metadata(buf, len, id, hex);
    snprintf(payload, sizeof(payload), "%s?id=%s", URL, id);
    qr_holds(buf, len, payload);
    free(buf);

    /* no verification URL: the code holds the identifier alone; a URL with a query gets &id */
    p.verify_url = NULL;
    buf = issue(&p, NULL, &len);
    qr_holds(buf, len, id);
    free(buf);
    p.verify_url = URL "?lang=zh";
    buf = issue(&p, NULL, &len);
    snprintf(payload, sizeof(payload), "%s?lang=zh&id=%s", URL, id);
    qr_holds(buf, len, payload);
    free(buf);
}

/* Elements no field fills take the issuer's defaults (§2): ZZBH the serial, ZZBFRQ the issue
 * date in UTC+8, validity from ZZBFRQ to 长期; an empty optional value leaves its element out. */
static void lic_issue__defaults_where_no_field_fills(void **state)
{
    static const char mini[] =
        "<LicenseTemplate version=\"1\"><Type code=\"11100000000013338W011\" name=\"测试证\">"
        "<Authority code=\"11100000000013338W\">某部</Authority></Type>"
        "<Page width=\"210\" height=\"148\"/><Fields>"
        "<Field name=\"id\" label=\"身份号码\" format=\"idcard\" required=\"true\" meta=\"CZZTDM\">"
        "<Layout x=\"20\" y=\"20\" width=\"100\" font=\"SimSun\" size=\"4\"/></Field>"
        "<Field name=\"holder\" label=\"姓名\" required=\"true\" meta=\"CZZT\">"
        "<Layout x=\"20\" y=\"30\" width=\"100\" font=\"SimSun\" size=\"4\"/></Field>"
        "<Field name=\"note\" label=\"备注\" meta=\"KZ_BZ\">"
        "<Layout x=\"20\" y=\"40\" width=\"100\" font=\"SimSun\" size=\"4\"/></Field>"
        "</Fields><Seal x=\"150\" y=\"100\"/><Code x=\"150\" y=\"10\" size=\"30\"/>"
        "</LicenseTemplate>";
    const sc_lic_kv kv[] = { { "id", "11010519491231002X" }, { "holder", "李四" },
                             { "note", "" } };
    sc_lic_template *t = NULL;
    sc_lic_issue_params p = params();
    char id[SC_LIC_ID_BUF], want[1024], date[16];
    /* the first 17:00 UTC after now: already the next day in Beijing */
    int64_t at = g.t - g.t % 86400 + 17 * 3600 + (g.t % 86400 >= 17 * 3600 ? 86400 : 0);
    time_t next = (time_t)(at + 86400);
    struct tm tm;
    size_t len, n;
    uint8_t *buf;
    char *ofd;

    (void)state;
    OK(sc_lic_template_parse(&t, U(mini), sizeof(mini) - 1, &e_));
    p.tmpl = t;
    p.row = kv;
    p.row_len = NROWS(kv);
    p.issue_time = at;
    p.area_code = NULL;
    p.files = NULL;
    p.file_count = 0;
    buf = issue(&p, id, &len);
    assert_non_null(gmtime_r(&next, &tm));
    strftime(date, sizeof(date), "%Y-%m-%d", &tm);
    ofd = (char *)entry(buf, len, "OFD.xml", &n);
    assert_non_null(ofd);
    snprintf(want, sizeof(want), "<ofd:CustomData Name=\"ZZBH\">%s</ofd:CustomData>"
             "<ofd:CustomData Name=\"ZZBS\">%s</ofd:CustomData>", SERIAL, id);
    assert_non_null(strstr(ofd, want));
    snprintf(want, sizeof(want), "<ofd:CustomData Name=\"ZZBFRQ\">%s</ofd:CustomData>"
             "<ofd:CustomData Name=\"CZZT\">李四</ofd:CustomData>"
             "<ofd:CustomData Name=\"CZZTDM\">11010519491231002X</ofd:CustomData>"
             "<ofd:CustomData Name=\"CZZTDMLX\">公民身份号码</ofd:CustomData>"
             "<ofd:CustomData Name=\"CZZTDMLXDM\">111</ofd:CustomData>"
             "<ofd:CustomData Name=\"ZZYXQQSRQ\">%s</ofd:CustomData>"
             "<ofd:CustomData Name=\"ZZYXQJZRQ\">长期</ofd:CustomData>"
             "<ofd:CustomData Name=\"sealpki.license\">1</ofd:CustomData>", date, date);
    if (strstr(ofd, want) == NULL)
        fail_msg("OFD.xml:\n%s\nlacks\n%s", ofd, want);
    assert_null(strstr(ofd, "KZ_BZ"));
    free(ofd);
    free(buf);
    sc_lic_template_free(t);
}

/* The same inputs twice: every entry the same bytes, SignedValue.dat the same but for the SM2
 * signature value (SM2 signing draws a random k). */
static void lic_issue__same_inputs_same_bytes(void **state)
{
    sc_lic_issue_params p = params();
    size_t len[2], n[2];
    uint8_t *buf[2];
    sc_ofd_pkg *pkg[2];

    (void)state;
    for (int k = 0; k < 2; k++) {
        buf[k] = issue(&p, NULL, &len[k]);
        OK(sc_ofd_pkg_open_mem(&pkg[k], buf[k], len[k], &e_));
    }
    /* the packages' lengths may differ: an SM2 signature's DER is 70 to 72 bytes */
    assert_int_equal(sc_ofd_pkg_count(pkg[0]), sc_ofd_pkg_count(pkg[1]));
    for (size_t i = 0; i < sc_ofd_pkg_count(pkg[0]); i++) {
        const char *name = sc_ofd_pkg_name(pkg[0], i);
        uint8_t *d[2];
        assert_string_equal(name, sc_ofd_pkg_name(pkg[1], i));
        for (int k = 0; k < 2; k++)
            OK(sc_ofd_pkg_read(pkg[k], i, SIZE_MAX, &d[k], &n[k], &e_));
        if (strcmp(name, "Doc_0/Signs/Sign_0/SignedValue.dat") == 0) {
            sc_ses_sig *s[2];
            const uint8_t *tbs[2], *sig[2];
            size_t tl[2], sl[2];
            for (int k = 0; k < 2; k++) {
                OK(sc_ses_sig_parse(&s[k], d[k], n[k], &e_));
                tbs[k] = sc_ses_sig_get_tbs(s[k], &tl[k]);
                sig[k] = sc_ses_sig_get_signature(s[k], &sl[k]);
            }
            assert_memory_equal(tbs[0], tbs[1], tl[0]);
            assert_int_equal(tl[0], tl[1]);
            assert_true(sl[0] != sl[1] || memcmp(sig[0], sig[1], sl[0]) != 0);
            sc_ses_sig_free(s[0]), sc_ses_sig_free(s[1]);
        } else if (n[0] != n[1] || memcmp(d[0], d[1], n[0]) != 0) {
            fail_msg("%s differs between two issues of the same inputs", name);
        }
        free(d[0]), free(d[1]);
    }
    for (int k = 0; k < 2; k++) {
        sc_ofd_pkg_free(pkg[k]);
        free(buf[k]);
    }
}

static void lic_issue__bad_row_writes_nothing(void **state)
{
    sc_lic_issue_params p = params();
    char name[256] = "", *scope = malloc(600 * 3 + 1);
    uint8_t *buf;
    size_t len;

    (void)state;
    p.row = row_with("uscc", "91350100M000100Y44");
    refused_issue(&p, SC_EFORMAT, "统一社会信用代码 (uscc): check character is '4', "
                  "expected '3'");
    p.row = row_with("term_end", "2019-12-31");
    refused_issue(&p, SC_EFORMAT, "营业期限至 (term_end)");
    p.row = row_with("name", "");
    refused_issue(&p, SC_EFORMAT, "名称 (name): required, but empty");
    /* too long for its box: 名称 holds 2 lines of 22, 经营范围 20 lines of 29 */
    for (int i = 0; i < 45; i++)
        strcat(name, "某");
    p.row = row_with("name", name);
    refused_issue(&p, SC_EFORMAT, "名称 (name): 3 lines do not fit the box (max 2)");
    assert_non_null(scope);
    scope[0] = '\0';
    for (int i = 0; i < 600; i++)
        strcat(scope, "营");
    p.row = row_with("scope", scope);
    refused_issue(&p, SC_EFORMAT, "经营范围 (scope): 21 lines do not fit the box (max 20)");
    scope[580 * 3] = '\0';                     /* 20 full lines: fits */
    buf = issue(&p, NULL, &len);
    free(buf);
    free(scope);
}

static void lic_issue__template_files_must_be_given(void **state)
{
    sc_lic_issue_params p = params();
    sc_lic_file empty = { "yyzz-a4.png", U(""), 0 };

    (void)state;
    p.files = &files_set[1];   /* the background only */
    p.file_count = 1;
    refused_issue(&p, SC_EINVAL, "font file 'NotoSerifCJKsc-Regular.otf' was not given");
    p.files = files_set;       /* the font only */
    p.file_count = 1;
    refused_issue(&p, SC_EINVAL, "background 'yyzz-a4.png' was not given");
    p.files = NULL;
    p.file_count = 0;
    refused_issue(&p, SC_EINVAL, "was not given");
    p.files = &empty;
    p.file_count = 1;
    refused_issue(&p, SC_EINVAL, "background 'yyzz-a4.png' is empty");
}

static void lic_issue__refuses_bad_parameters(void **state)
{
    sc_lic_issue_params p;
    sc_test_mem m = { 0 };
    uint8_t *buf = NULL;
    size_t len = 0;

    (void)state;
    refused_issue(NULL, SC_EINVAL, "params not given");
#define BAD(field, value, code, frag)                                                      \
    do {                                                                                   \
        p = params();                                                                      \
        p.field = value;                                                                   \
        refused_issue(&p, code, frag);                                                     \
    } while (0)
    BAD(tmpl, NULL, SC_EINVAL, "tmpl not given");
    BAD(issuer, NULL, SC_EINVAL, "issuer not given");
    BAD(issuer, "", SC_EINVAL, "issuer not given");
    BAD(seal, NULL, SC_EINVAL, "seal not given");
    BAD(key, NULL, SC_EINVAL, "key not given");
    BAD(cert_len, 0, SC_EINVAL, "cert not given");
    BAD(area_code, "33010", SC_EINVAL, "area_code (ZZSSGXSD) must be 6 digits");
    BAD(area_code, "33010x", SC_EINVAL, "area_code (ZZSSGXSD) must be 6 digits");
    BAD(verify_url, "", SC_EINVAL, "verify_url is empty");
    BAD(issuer_code, "11330105002500287c", SC_EINVAL, "identifier (issuer_code, serial, "
        "version)");
    BAD(serial, "", SC_EINVAL, "identifier");
    BAD(version, 0, SC_EINVAL, "identifier");
    BAD(version, 1000, SC_EINVAL, "identifier");
    /* the stamper's refusals come before its first byte too */
    BAD(issue_time, g.t + 400 * 86400, SC_EINVAL, "licence: the issuer's seal");
    BAD(key, g.kcity, SC_EINVAL, "licence: the issuer's seal");
#undef BAD
    p = params();
    REFUSES(SC_EINVAL, "no sink", sc_lic_issue(&p, NULL, NULL, &m, &e_));
    REFUSES(SC_EINVAL, "no output buffer", sc_lic_issue_mem(&p, NULL, NULL, &len, &e_));
    p.version = 0;
    REFUSES(SC_EINVAL, "identifier", sc_lic_issue_mem(&p, NULL, &buf, &len, &e_));
    assert_null(buf);
    assert_int_equal(len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lic_wrap__breaks_where_it_should),
        cmocka_unit_test(lic_box_lines__counts_what_fits),
        cmocka_unit_test(lic_issue__yyzz_verifies_and_reads_back),
        cmocka_unit_test(lic_issue__defaults_where_no_field_fills),
        cmocka_unit_test(lic_issue__same_inputs_same_bytes),
        cmocka_unit_test(lic_issue__bad_row_writes_nothing),
        cmocka_unit_test(lic_issue__template_files_must_be_given),
        cmocka_unit_test(lic_issue__refuses_bad_parameters),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

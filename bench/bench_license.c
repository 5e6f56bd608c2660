/* bench_license.c: batch issuance of one-page licences (sc_lic_issue: row check, identifier,
 * face, metadata, tag file, QR code, the issuer's seal) against raw SM2 signing, and the
 * peak memory of the batch.
 *
 * Usage: bench_license PKI_DIR [N]   (PKI_DIR made by certs-dev/make-dev-pki; N default 10000)
 * Environment: BENCH_BACKGROUND=FILE (default the 1 KB seal picture), BENCH_FONT=FILE (default a
 * 32-byte sfnt stub standing in for a subset font): the template's background and font file;
 * BENCH_VERIFY_URL (default https://zz.example.gov.cn/v; empty: none, the 2-D code holds the
 * identifier alone, a smaller code), BENCH_SAVE=FILE (writes the first licence there).
 *
 * The 营业执照 example template (tests/data) and its valid row (tests/interop/yyzz_row.h), the
 * licence number and serial changing per licence, each licence streamed to a sink that only
 * counts its bytes: the cost of issuing, not of storage. The N licences run in chunks of 50; after each chunk raw
 * SM2-with-SM3 signing (bench_util's bu_raw_sign) runs for a quarter of the time the chunk took,
 * so both samples are spread over the whole run and load that changes during it (a shared
 * machine) moves both figures alike. Target: licences/s >= 0.40 x raw sign/s.
 * Memory: peak RSS after the first round (N/10) and at the end (N) must be the same (flat: within
 * 1 MiB). The first and the last licence are verified (every check, dev trust): figures come
 * from work that succeeded. */
#include "bench_util.h"
#include "sealcore/license_file.h"
#include "sealcore/verify.h"
#include "yyzz_row.h"           /* tests/interop */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BENCH_SEAL_PNG
#define BENCH_SEAL_PNG "tests/data/seal.png"   /* meson passes absolute paths */
#endif
#ifndef BENCH_LIC_TEMPLATE
#define BENCH_LIC_TEMPLATE "tests/data/license-template-yyzz.xml"
#endif
#define ROUNDS 10        /* progress lines, and the N/10 memory figure */
#define CHUNK 50         /* licences between two raw-signing slices */
#define RAW_SHARE 0.25   /* a raw slice lasts this share of the chunk before it */
#define FLAT_KIB 1024
#define TTF_STUB "\x00\x01\x00\x00\x00\x01\x00\x10\x00\x00\x00\x00" \
                 "head\x00\x00\x00\x00\x00\x00\x00\x1c\x00\x00\x00\x04" "abcd"

/* The licences' sink: counts bytes (the first and the last are issued again into memory to
 * be verified). */
static int count_sink(void *ctx, const uint8_t *p, size_t n, sc_err *err)
{
    (void)p;
    (void)err;
    *(size_t *)ctx += n;
    return 0;
}

typedef struct bench {
    bu_pki pki;
    sc_ses_seal *seal;
    sc_lic_template *tmpl;
    sc_lic_file files[2];
    sc_lic_issue_params p;
    sc_lic_kv row[YYZZ_ROW_LEN];    /* yyzz_row with its own licence number */
    char serial[16], number[24];
    size_t bytes;                   /* written by the last licence */
} bench;

static void issue_one(bench *b, long i)
{
    sc_err err = SC_ERR_INIT;

    snprintf(b->serial, sizeof(b->serial), "B%09ld", i);
    snprintf(b->number, sizeof(b->number), "3301000%08ld", i);
    b->bytes = 0;
    if (sc_lic_issue(&b->p, NULL, count_sink, &b->bytes, &err) != 0)
        bu_die("sc_lic_issue", &err);
}

/* Licence i, issued into memory, verifies with every check passed. */
static void require_valid(bench *b, long i)
{
    sc_verify_opts vo = { .trust = b->pki.trust };
    sc_report *rep = NULL;
    sc_err err = SC_ERR_INIT;
    char *text = NULL;
    uint8_t *out = NULL;
    size_t len = 0;

    snprintf(b->serial, sizeof(b->serial), "B%09ld", i);
    snprintf(b->number, sizeof(b->number), "3301000%08ld", i);
    if (sc_lic_issue_mem(&b->p, NULL, &out, &len, &err) != 0)
        bu_die("sc_lic_issue_mem", &err);
    if (sc_report_new(&rep, "licence.ofd", "ofd", &err) != 0 ||
        sc_verify_ofd_mem(rep, out, len, &vo, &err) != 0)
        bu_die("sc_verify_ofd_mem", &err);
    if (!sc_report_valid(rep)) {
        if (sc_report_to_text(rep, &text, &err) == 0)
            fprintf(stderr, "%s\n", text);
        free(text);
        fprintf(stderr, "licence %ld:\n", i);
        bu_die("an issued licence does not verify", NULL);
    }
    sc_report_free(rep);
    if (i == 0 && getenv("BENCH_SAVE") != NULL) {      /* the licence to look at */
        FILE *f = fopen(getenv("BENCH_SAVE"), "wb");
        if (f == NULL || fwrite(out, 1, len, f) != len || fclose(f) != 0)
            bu_die("BENCH_SAVE: cannot write the file", NULL);
    }
    free(out);
}

static void setup(bench *b, const char *pki_dir)
{
    const char *bg = getenv("BENCH_BACKGROUND"), *font = getenv("BENCH_FONT");
    const char *url = getenv("BENCH_VERIFY_URL");
    size_t png_len, xml_len, len;
    uint8_t *png = bu_read_file(NULL, BENCH_SEAL_PNG, 1u << 20, &png_len);
    uint8_t *xml = bu_read_file(NULL, BENCH_LIC_TEMPLATE, SC_LIC_TMPL_MAX, &xml_len);
    sc_err err = SC_ERR_INIT;

    bu_pki_load(&b->pki, pki_dir);
    b->seal = bu_make_seal(&b->pki, png, png_len, "33000020269999");
    if (sc_lic_template_parse(&b->tmpl, xml, xml_len, &err) != 0)
        bu_die("sc_lic_template_parse", &err);
    free(xml);
    b->files[0].name = "yyzz-a4.png";
    if (bg != NULL) {
        b->files[0].data = bu_read_file(NULL, bg, 64u << 20, &len);
        b->files[0].len = len;
        free(png);
    } else {
        b->files[0].data = png;
        b->files[0].len = png_len;
    }
    b->files[1].name = "NotoSerifCJKsc-Regular.otf";
    if (font != NULL) {
        b->files[1].data = bu_read_file(NULL, font, 64u << 20, &len);
        b->files[1].len = len;
    } else {
        b->files[1].data = (const uint8_t *)TTF_STUB;
        b->files[1].len = sizeof(TTF_STUB) - 1;
    }
    memcpy(b->row, yyzz_row, sizeof(b->row));
    b->row[YYZZ_LICENCE_NO].value = b->number;
    b->p = (sc_lic_issue_params){ .tmpl = b->tmpl, .row = b->row,
        .row_len = YYZZ_ROW_LEN, .issuer = "某某市市场监督管理局",
        .issuer_code = "11330105002500287C", .serial = b->serial, .version = 1,
        .area_code = "330105",
        .verify_url = url == NULL ? "https://zz.example.gov.cn/v" : url[0] != '\0' ? url : NULL,
        .issue_time = (int64_t)time(NULL), .files = b->files, .file_count = 2,
        .seal = b->seal, .key = b->pki.signer, .cert = b->pki.signer_cert,
        .cert_len = b->pki.signer_cert_len };
    printf("template %s; background %zu bytes, font file %zu bytes, verification URL %s\n",
           BENCH_LIC_TEMPLATE, b->files[0].len, b->files[1].len,
           b->p.verify_url != NULL ? b->p.verify_url : "none");
}

int main(int argc, char **argv)
{
    static bench b;
    long n = 10000, done = 0, raw_n = 0, rss_tenth = 0, rss_end, rss_start;
    double t_issue = 0, t_raw = 0;
    const char *pki_dir;
    int met, flat;

    if (argc < 2 || argc > 3 || (argc == 3 && ((n = strtol(argv[2], NULL, 10)) < ROUNDS ||
                                                n > 100000000L))) {
        fprintf(stderr, "usage: bench_license PKI_DIR [N]  (N licences, %d..1e8, default "
                "10000)\n  env BENCH_BACKGROUND, BENCH_FONT: the template's files\n", ROUNDS);
        return 2;
    }
    pki_dir = bu_args("bench_license", 2, argv);
    setup(&b, pki_dir);
    issue_one(&b, 0);                        /* warm-up, and the first must verify */
    require_valid(&b, 0);
    printf("one licence: %zu bytes\n", b.bytes);
    rss_start = bu_peak_rss_kib();
    for (int r = 0; r < ROUNDS; r++) {
        long upto = n * (r + 1) / ROUNDS, first = done;
        double round_t = 0;
        while (done < upto) {
            long end = done + CHUNK < upto ? done + CHUNK : upto;
            double t0 = bu_now(), dt, t1;
            for (; done < end; done++)
                issue_one(&b, done + 1);
            dt = bu_now() - t0;
            round_t += dt;
            t0 = bu_now();
            do {
                bu_raw_sign(&b.pki, NULL);
                raw_n++;
            } while ((t1 = bu_now()) - t0 < dt * RAW_SHARE);
            t_raw += t1 - t0;
        }
        t_issue += round_t;
        if (r == 0)
            rss_tenth = bu_peak_rss_kib();
        printf("  %ld/%ld licences, %.0f/s in this tenth\n", done, n,
               (double)(done - first) / round_t);
        fflush(stdout);
    }
    require_valid(&b, n);                    /* the last one */
    rss_end = bu_peak_rss_kib();
    double lic = (double)n / t_issue, raw = (double)raw_n / t_raw;
    printf("licences: %ld in %.1f s = %.1f/s (%.2f ms each)\n", n, t_issue, lic,
           1000.0 / lic);
    printf("raw SM2 sign: %ld in %.1f s = %.1f/s (same rounds, interleaved)\n", raw_n, t_raw,
           raw);
    met = bu_ratio("licences/s : raw SM2 sign/s", lic, raw, 0.40);
    flat = rss_end - rss_tenth <= FLAT_KIB;
    printf("peak RSS: %ld KiB after the first licence, %ld KiB at N/10 (%ld), %ld KiB at N "
           "(%ld): %s\n", rss_start, rss_tenth, n / ROUNDS, rss_end, n,
           flat ? "flat" : "GROWS");
    printf("targets met: %s\n", met == 1 && flat ? "yes" : "no");
    sc_lic_template_free(b.tmpl);
    sc_ses_seal_free(b.seal);
    free((void *)b.files[0].data);            /* read from a file either way */
    if (getenv("BENCH_FONT") != NULL)
        free((void *)b.files[1].data);
    bu_pki_free(&b.pki);
    return met == 1 && flat ? 0 : 1;
}

/* cmd_seal.c: sealctl seal make | show. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "sealcore/key.h"
#include "sealcore/ses.h"
#include "sealcore/time.h"
#include "sealcore/trust.h"
#include "sealctl.h"
#include "tool.h"

#define PROG "sealctl seal"

static void make_usage(FILE *f)
{
    fprintf(f,
            "usage: sealctl seal make --maker-cert F --maker-key F [--key-pass-file F]\n"
            "         --cert SIGNER.pem [--cert ...] [--cert-digests]\n"
            "         --id ESID --name NAME --type N --image F [--image-type T]\n"
            "         --width-mm W --height-mm H --valid-from T --valid-to T\n"
            "         [--vid VENDOR] -o OUT.esl\n"
            "\n"
            "Makes a GB/T 38540 (V4) seal signed by the seal maker (制章者).\n"
            "  --cert-digests   list SM3 digests of the signer certificates (certListType 2)\n"
            "                   instead of the certificates (1)\n"
            "  --image-type     PNG, JPG, GIF, BMP, SVG or OFD; guessed from the bytes if absent\n"
            "  --type           印章类型 code (e.g. 1 公章, 2 财务专用章, 3 发票专用章 ...)\n"
            "  Times are ISO 8601: 2026-01-01 or 2026-01-01T00:00:00+08:00.\n");
}

static const char *guess_image_type(const uint8_t *p, size_t n)
{
    if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "PNG";
    if (n >= 3 && memcmp(p, "\xff\xd8\xff", 3) == 0)
        return "JPG";
    if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
        return "GIF";
    if (n >= 2 && memcmp(p, "BM", 2) == 0)
        return "BMP";
    if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0)
        return "OFD";
    if (memmem(p, n < 1024 ? n : 1024, "<svg", 4) != NULL)
        return "SVG";
    return NULL;
}

static int parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);

    if (*s == '\0' || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cmd_seal_make(int argc, char **argv)
{
    static const struct option opts[] = {
        { "maker-cert", 1, NULL, 'C' }, { "maker-key", 1, NULL, 'K' },
        { "key-pass-file", 1, NULL, 'P' }, { "cert", 1, NULL, 'c' },
        { "cert-digests", 0, NULL, 'D' }, { "id", 1, NULL, 'i' }, { "name", 1, NULL, 'n' },
        { "type", 1, NULL, 't' }, { "image", 1, NULL, 'I' }, { "image-type", 1, NULL, 'T' },
        { "width-mm", 1, NULL, 'W' }, { "height-mm", 1, NULL, 'H' },
        { "valid-from", 1, NULL, 'f' }, { "valid-to", 1, NULL, 'u' }, { "vid", 1, NULL, 'v' },
        { "output", 1, NULL, 'o' }, { "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *maker_cert = NULL, *maker_key = NULL, *pass = NULL, *image = NULL, *out = NULL;
    const char *certs[SC_SES_MAX_CERTS];
    sc_ses_seal_params p = { 0 };
    uint8_t *cder[SC_SES_MAX_CERTS] = { 0 }, *mder = NULL, *img = NULL;
    size_t clen[SC_SES_MAX_CERTS] = { 0 }, ncert = 0, mlen = 0, ilen = 0;
    int have_type = 0, have_w = 0, have_h = 0, have_from = 0, have_to = 0, c, code = EXIT_USAGE;
    sc_key *key = NULL;
    sc_ses_seal *seal = NULL;
    sc_err err = SC_ERR_INIT;

    p.cert_list_type = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'C': maker_cert = optarg; break;
        case 'K': maker_key = optarg; break;
        case 'P': pass = optarg; break;
        case 'c':
            if (ncert == SC_SES_MAX_CERTS) {
                tool_errorf(PROG, "at most %d --cert", SC_SES_MAX_CERTS);
                goto done;
            }
            certs[ncert++] = optarg;
            break;
        case 'D': p.cert_list_type = 2; break;
        case 'i': p.es_id = optarg; break;
        case 'n': p.name = optarg; break;
        case 't':
            if (parse_int(optarg, 0, 0x7fffffff, &p.type) != 0) {
                tool_errorf(PROG, "--type: \"%s\" is not a code >= 0", optarg);
                goto done;
            }
            have_type = 1;
            break;
        case 'I': image = optarg; break;
        case 'T': p.picture_type = optarg; break;
        case 'W': case 'H':
            if (parse_int(optarg, 1, 1000, c == 'W' ? &p.width_mm : &p.height_mm) != 0) {
                tool_errorf(PROG, "--%s: \"%s\" is not 1..1000 mm", c == 'W' ? "width-mm"
                            : "height-mm", optarg);
                goto done;
            }
            *(c == 'W' ? &have_w : &have_h) = 1;
            break;
        case 'f': case 'u':
            if (sc_time_parse(optarg, c == 'f' ? &p.valid_start : &p.valid_end, &err) != 0) {
                tool_error(PROG, &err);
                goto done;
            }
            *(c == 'f' ? &have_from : &have_to) = 1;
            break;
        case 'v': p.vid = optarg; break;
        case 'o': out = optarg; break;
        case 'h': make_usage(stdout); code = EXIT_DONE; goto done;
        default: make_usage(stderr); goto done;
        }
    }
    if (!maker_cert || !maker_key || ncert == 0 || !p.es_id || !p.name || !have_type || !image ||
        !have_w || !have_h || !have_from || !have_to || !out || optind != argc) {
        tool_errorf(PROG, "make: missing options (--maker-cert, --maker-key, --cert, --id, "
                    "--name, --type, --image, --width-mm, --height-mm, --valid-from, --valid-to "
                    "and -o are required)");
        make_usage(stderr);
        goto done;
    }
    for (size_t i = 0; i < ncert; i++)
        if (tool_read_cert(certs[i], &cder[i], &clen[i], &err) != 0)
            goto fail;
    if (tool_read_cert(maker_cert, &mder, &mlen, &err) != 0 ||
        tool_read_file(image, SC_SES_MAX_SEAL / 2, &img, &ilen, &err) != 0)
        goto fail;
    if (p.picture_type == NULL && (p.picture_type = guess_image_type(img, ilen)) == NULL) {
        tool_errorf(PROG, "%s: not a PNG, JPG, GIF, BMP, SVG or OFD image; give --image-type",
                    image);
        goto done;
    }
    if (tool_load_key(maker_key, pass, &key, &err) != 0)
        goto fail;
    p.certs = (const uint8_t *const *)cder;
    p.cert_lens = clen;
    p.cert_count = ncert;
    p.picture = img;
    p.picture_len = ilen;
    size_t slen;
    if (sc_ses_seal_make(&seal, &p, key, mder, mlen, &err) != 0)
        goto fail;
    const uint8_t *der = sc_ses_seal_get_der(seal, &slen);
    if (tool_write_file(out, der, slen, 0644, &err) != 0)
        goto fail;
    fprintf(stderr, "sealctl: seal %s \"%s\" written to %s (%zu bytes)\n", p.es_id, p.name, out,
            slen);
    code = EXIT_DONE;
    goto done;
fail:
    tool_error(PROG, &err);
    code = exit_for(err.code);
done:
    for (size_t i = 0; i < ncert; i++)
        free(cder[i]);
    free(mder);
    free(img);
    sc_key_free(key);
    sc_ses_seal_free(seal);
    return code;
}

static void show_usage(FILE *f)
{
    fprintf(f, "usage: sealctl seal show FILE [--json] [--image OUT]\n\n"
               "Prints a seal's fields (V1, V4 or V5). --image writes its picture to OUT.\n");
}

static json_t *seal_json(const sc_ses_seal *s)
{
    const sc_ses_seal_info *i = sc_ses_seal_get_info(s);
    json_t *o = json_object(), *certs = json_array();
    char a[32], b[32], t[32], name[256];
    size_t len;

    json_object_set_new(o, "version", json_integer(i->version));
    json_object_set_new(o, "layout", json_integer(i->layout));
    json_object_set_new(o, "vid", json_string(i->vid));
    json_object_set_new(o, "seal_id", json_string(i->es_id));
    json_object_set_new(o, "seal_name", json_string(i->name));
    json_object_set_new(o, "type", json_integer(i->type));
    json_object_set_new(o, "cert_list_type", json_integer(i->cert_list_type));
    json_object_set_new(o, "created", json_string(sc_time_format(i->created, t, sizeof(t))));
    json_object_set_new(o, "valid_from", json_string(sc_time_format(i->valid_start, a, sizeof(a))));
    json_object_set_new(o, "valid_to", json_string(sc_time_format(i->valid_end, b, sizeof(b))));
    json_object_set_new(o, "picture_type", json_string(i->picture_type));
    json_object_set_new(o, "picture_bytes", json_integer((json_int_t)i->picture_len));
    json_object_set_new(o, "width_mm", json_integer(i->width_mm));
    json_object_set_new(o, "height_mm", json_integer(i->height_mm));
    for (size_t k = 0; k < i->cert_count; k++) {
        const char *dt;
        const uint8_t *c = sc_ses_seal_get_cert(s, k, &len, &dt);
        if (dt != NULL) {
            char hex[2 * 64 + 1] = "";
            for (size_t j = 0; j < len && j < 64; j++)
                sprintf(hex + 2 * j, "%02x", c[j]);
            json_array_append_new(certs, json_pack("{s:s,s:s}", "digest_type", dt, "digest", hex));
        } else {
            sc_err e = SC_ERR_INIT;
            json_array_append_new(certs, json_pack("{s:s}", "subject",
                sc_cert_subject(c, len, name, sizeof(name), &e) == 0 ? name : "(unreadable)"));
        }
    }
    json_object_set_new(o, "signer_certs", certs);
    const uint8_t *mc = sc_ses_seal_get_maker_cert(s, &len);
    sc_err e = SC_ERR_INIT;
    json_object_set_new(o, "maker", json_string(sc_cert_subject(mc, len, name, sizeof(name), &e)
                                                 == 0 ? name : "(unreadable)"));
    json_object_set_new(o, "signature_algorithm", json_string(i->sig_alg));
    json_object_set_new(o, "extensions", json_integer((json_int_t)i->ext_count));
    json_object_set_new(o, "timestamp", json_boolean(i->has_timestamp));
    return o;
}

int cmd_seal_show(int argc, char **argv)
{
    static const struct option opts[] = {
        { "json", 0, NULL, 'j' }, { "image", 1, NULL, 'I' }, { "help", 0, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    const char *image = NULL;
    int json = 0, c, code = EXIT_USAGE;
    uint8_t *der = NULL;
    size_t len = 0;
    sc_ses_seal *seal = NULL;
    sc_err err = SC_ERR_INIT;
    json_t *o = NULL;
    char *txt = NULL;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'I': image = optarg; break;
        case 'h': show_usage(stdout); return EXIT_DONE;
        default: show_usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        show_usage(stderr);
        return EXIT_USAGE;
    }
    if (tool_read_file(argv[optind], SC_SES_MAX_SEAL, &der, &len, &err) != 0 ||
        sc_ses_seal_parse(&seal, der, len, &err) != 0)
        goto fail;
    o = seal_json(seal);
    if (json) {
        txt = json_dumps(o, JSON_INDENT(2));
        puts(txt);
    } else {
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v) {
            if (json_is_array(v)) {
                size_t idx;
                json_t *e;
                json_array_foreach(v, idx, e) {
                    char *s = json_dumps(e, JSON_COMPACT);
                    printf("%-20s %s\n", idx == 0 ? k : "", s);
                    free(s);
                }
                continue;
            }
            char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
            printf("%-20s %s\n", k, s ? s : json_string_value(v));
            free(s);
        }
    }
    if (image != NULL) {
        const sc_ses_seal_info *i = sc_ses_seal_get_info(seal);
        if (tool_write_file(image, i->picture, i->picture_len, 0644, &err) != 0)
            goto fail;
    }
    code = EXIT_DONE;
    goto done;
fail:
    tool_error("sealctl seal show", &err);
    code = exit_for(err.code);
done:
    free(txt);
    json_decref(o);
    sc_ses_seal_free(seal);
    free(der);
    return code;
}

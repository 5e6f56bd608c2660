/* ofd_doc_font.c: the OFD document writer's fonts (sealcore/ofd_doc.h): the Font resources
 * texts refer to by name, and font files embedded for some of them (CT_Font FontFile,
 * GB/T 33190-2016 §11.1), checked on the way in so that a reader is never handed a file whose
 * table directory points outside it. Not here: the PublicRes XML and the zip entries
 * (ofd_doc_xml.c), glyph metrics (texts advance by the font size, whatever the font). */
#include "ofd/ofd_doc_int.h"
#include "sc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sc__ofd_doc_font(sc_ofd_doc *doc, const char *name, size_t *ix, sc_err *err)
{
    sc__ofd_font f = { 0, NULL, NULL, NULL, 0, NULL };
    int rc;

    for (size_t i = 0; i < doc->nfonts; i++)
        if (strcmp(doc->fonts[i].name, name) == 0) {
            *ix = i;
            return 0;
        }
    if (doc->nfonts >= SC_OFD_DOC_MAX_FONTS)
        return sc_err_set(err, SC_ELIMIT, "font \"%.100s\": more than %u fonts", name,
                          SC_OFD_DOC_MAX_FONTS);
    if ((rc = sc__ofd_doc_grow((void **)&doc->fonts, doc->nfonts, &doc->cfonts,
                               sizeof(sc__ofd_font), err)) != 0)
        return rc;
    if ((f.name = sc__ofd_doc_dup(name, err)) == NULL)
        return SC_ENOMEM;
    f.id = doc->next_id++;
    doc->fonts[doc->nfonts] = f;
    *ix = doc->nfonts++;
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An sfnt (OpenType / TrueType) file: its version tag, then a table directory whose every
 * record lies inside the file. Collections (ttcf) are refused: FontFile names one font. */
/* A table tag for a message: its four letters when printable ASCII (as sfnt tags are), else
 * hex, so a hostile file's bytes never reach the message. */
static const char *show_tag(const uint8_t *t, char buf[12])
{
    for (int k = 0; k < 4; k++)
        if (t[k] < 0x20 || t[k] > 0x7e) {
            snprintf(buf, 12, "0x%02x%02x%02x%02x", t[0], t[1], t[2], t[3]);
            return buf;
        }
    memcpy(buf, t, 4);
    buf[4] = '\0';
    return buf;
}

static int check_sfnt(const uint8_t *p, size_t len, const char **ext, sc_err *err)
{
    uint32_t tag;
    size_t ntables;

    if (len < 12)
        return sc_err_set(err, SC_EFORMAT, "font file: %zu bytes, too short for a font", len);
    tag = be32(p);
    if (tag == 0x74746366)                                      /* "ttcf" */
        return sc_err_set(err, SC_EFORMAT, "font file: a font collection (.ttc); embed one "
                          "font of it (.ttf or .otf)");
    if (tag != 0x00010000 && tag != 0x74727565 && tag != 0x4F54544F)   /* "true" "OTTO" */
        return sc_err_set(err, SC_EFORMAT, "font file: not TrueType or OpenType (starts "
                          "%02x %02x %02x %02x)", p[0], p[1], p[2], p[3]);
    ntables = (size_t)p[4] << 8 | p[5];
    if (ntables == 0 || ntables > (len - 12) / 16)
        return sc_err_set(err, SC_EFORMAT, "font file: %zu tables do not fit its %zu bytes",
                          ntables, len);
    for (size_t i = 0; i < ntables; i++) {
        const uint8_t *r = p + 12 + 16 * i;
        char tag_buf[12];
        uint32_t off = be32(r + 8), n = be32(r + 12);
        if (off > len || n > len - off)
            return sc_err_set(err, SC_EFORMAT, "font file: table %zu (%s) at %u + %u lies "
                              "outside its %zu bytes", i, show_tag(r, tag_buf), (unsigned)off,
                              (unsigned)n, len);
    }
    *ext = tag == 0x4F54544F ? "otf" : "ttf";
    return 0;
}

int sc_ofd_doc_add_font_file(sc_ofd_doc *doc, const char *font_name, const char *family,
                             const uint8_t *file, size_t len, sc_err *err)
{
    const char *ext = NULL;
    char *fam = NULL;
    uint8_t *copy = NULL;
    size_t ix;
    int rc;

    if (doc == NULL)
        return sc_err_set(err, SC_EINVAL, "font file: no document");
    if (font_name == NULL || font_name[0] == '\0')
        return sc_err_set(err, SC_EINVAL, "font file: empty font name");
    if ((rc = sc__ofd_doc_check_str(font_name, "font name", NULL, NULL, err)) != 0 ||
        (family != NULL && (rc = sc__ofd_doc_check_str(family, "family name", NULL, NULL,
                                                        err)) != 0))
        goto out;
    if (family != NULL && family[0] == '\0') {
        rc = sc_err_set(err, SC_EINVAL, "empty family name");
        goto out;
    }
    if ((rc = sc__ofd_doc_check_bytes(file, len, "font file", err)) != 0 ||
        (rc = check_sfnt(file, len, &ext, err)) != 0)
        goto out;
    for (size_t i = 0; i < doc->nfonts; i++)
        if (strcmp(doc->fonts[i].name, font_name) == 0 && doc->fonts[i].file != NULL) {
            rc = sc_err_set(err, SC_EINVAL, "it has a font file already");
            goto out;
        }
    if ((copy = sc__memdup(file, len, err)) == NULL ||
        (family != NULL && (fam = sc__ofd_doc_dup(family, err)) == NULL)) {
        rc = SC_ENOMEM;
        goto out;
    }
    /* A name texts already use gets its file; else it is registered now, with the next ID */
    if ((rc = sc__ofd_doc_font(doc, font_name, &ix, err)) != 0)
        goto out;
    free(doc->fonts[ix].family);
    doc->fonts[ix].family = fam;
    doc->fonts[ix].file = copy;
    doc->fonts[ix].file_len = len;
    doc->fonts[ix].ext = ext;
    fam = NULL;
    copy = NULL;
out:
    free(fam);
    free(copy);
    if (rc != 0)
        sc_err_prefix(err, "font \"%.100s\"", font_name != NULL ? font_name : "");
    return rc;
}

void sc__ofd_doc_free_fonts(sc_ofd_doc *doc)
{
    for (size_t i = 0; i < doc->nfonts; i++) {
        free(doc->fonts[i].name);
        free(doc->fonts[i].family);
        free(doc->fonts[i].file);
    }
    free(doc->fonts);
}

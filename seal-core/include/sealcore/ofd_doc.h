/* sealcore/ofd_doc.h: writing simple OFD (GB/T 33190-2016) documents: pages of text, images,
 * lines, rectangles and QR codes, with document metadata and custom tags; for licences, test
 * documents and `sealctl ofd new`. Not a layout engine: every object is placed by the caller
 * in page millimetres (origin top-left, y down); no line breaking, no glyph metrics (every
 * character advances by the font size, ASCII by half). Fonts are named (readers substitute
 * installed ones: 宋体/SimSun, 黑体/SimHei, ...) unless a font file is embedded for the name.
 *
 * Output (spec/ofd-signature.md §2, elements in XSD order, namespace ofd:
 * http://www.ofdspec.org/2016):
 *   OFD.xml, Doc_0/Document.xml, Doc_0/PublicRes.xml (fonts), Doc_0/DocumentRes.xml
 *   (images), Doc_0/Pages/Page_<i>/Content.xml (one Layer per page), Doc_0/Res/image_<ID>.<ext>,
 *   Doc_0/Res/font_<ID>.ttf|otf for embedded font files, and with custom tags
 *   Doc_0/Tags/CustomTags.xml and Doc_0/Tags/Tag_<TypeID>.xml (spec/ofd-writer.md)
 * IDs are given out in call order from 1 (page, its layer, fonts on first use, images,
 * objects); MaxUnitID is the largest. The same calls with the same DocID give the same bytes.
 *
 * Strings: UTF-8, at most SC_OFD_DOC_MAX_STRING bytes; invalid UTF-8 and characters XML 1.0
 * forbids (controls other than tab, LF, CR; U+FFFE, U+FFFF) are refused with SC_EINVAL. They
 * are escaped on output and read back byte for byte. Numbers: finite, lengths in mm, written
 * with at most 3 decimals (0.001 mm), independent of the locale.
 *
 * Threads: a document is one thread's object; different documents are independent. */
#ifndef SEALCORE_OFD_DOC_H
#define SEALCORE_OFD_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/ofd.h"

#define SC_OFD_DOC_MAX_PAGES 1000u         /* pages in one document */
#define SC_OFD_DOC_MAX_OBJECTS 100000u     /* text, image and path objects, all pages */
#define SC_OFD_DOC_MAX_IMAGES 1000u        /* distinct images (identical bytes are shared) */
#define SC_OFD_DOC_MAX_FONTS 100u          /* distinct font names */
#define SC_OFD_DOC_MAX_CUSTOM 1000u        /* CustomData name/value pairs */
#define SC_OFD_DOC_MAX_STRING 65536u       /* bytes in one string (text, metadata, font name) */
#define SC_OFD_DOC_MAX_MM 100000.0         /* |coordinate| and page or object size, mm */
#define SC_OFD_DOC_MAX_TAGS 10000u         /* custom tag entries, all TypeIDs */
#define SC_OFD_DOC_MAX_TAG_REFS 1000u      /* object IDs in one tag entry */
#define SC_OFD_DOC_MAX_TAG_TYPES 16u       /* distinct TypeIDs (one tag document each) */
#define SC_OFD_DOC_MAX_TYPE_ID 64u         /* bytes in a TypeID */
/* Namespace of the tag documents sc_ofd_doc_add_tag writes (CustomTag@NameSpace). */
#define SC_OFD_DOC_TAGS_NS "urn:sealpki:ofd:custom-tags:1"

typedef struct sc_ofd_doc sc_ofd_doc;

/** A new empty document whose pages are width x height mm (A4: 210 x 297), with a random
 *  DocID (RAND_bytes) and no other metadata.
 *  @param[out] out  free with sc_ofd_doc_free(); NULL on failure
 *  @return 0, SC_EINVAL (a size not in (0, SC_OFD_DOC_MAX_MM]), SC_ECRYPTO, SC_ENOMEM */
SC_API int sc_ofd_doc_new(sc_ofd_doc **out, double width_mm, double height_mm, sc_err *err);

SC_API void sc_ofd_doc_free(sc_ofd_doc *doc);   /* NULL is a no-op */

/** DocInfo fields (CT_DocInfo); each written only when set. */
typedef enum sc_ofd_doc_field {
    SC_OFD_DOC_TITLE,
    SC_OFD_DOC_AUTHOR,
    SC_OFD_DOC_SUBJECT,
    SC_OFD_DOC_CREATOR,
    SC_OFD_DOC_CREATOR_VERSION,
    SC_OFD_DOC_CREATION_DATE    /* xs:date, "YYYY-MM-DD" */
} sc_ofd_doc_field;

/** Set (or with value NULL, clear) a DocInfo field; value is copied.
 *  @return 0, SC_EINVAL (unknown field, bad UTF-8 or character, not a YYYY-MM-DD date),
 *          SC_ELIMIT (longer than SC_OFD_DOC_MAX_STRING), SC_ENOMEM */
SC_API int sc_ofd_doc_set_info(sc_ofd_doc *doc, sc_ofd_doc_field field, const char *value,
                               sc_err *err);

/** Replace the random DocID, for reproducible output: exactly 32 hex digits (a UUID without
 *  dashes), written as given. @return 0 or SC_EINVAL */
SC_API int sc_ofd_doc_set_doc_id(sc_ofd_doc *doc, const char *hex32, sc_err *err);

/** DocID as it will be written (32 hex digits); borrowed, valid until the next set_doc_id
 *  or sc_ofd_doc_free(). */
SC_API const char *sc_ofd_doc_get_doc_id(const sc_ofd_doc *doc);

/** Append a CustomDatas/CustomData (Name attribute, text value); both copied; name non-empty.
 *  Names may repeat (written in call order). @return 0, SC_EINVAL, SC_ELIMIT, SC_ENOMEM */
SC_API int sc_ofd_doc_add_custom(sc_ofd_doc *doc, const char *name, const char *value,
                                 sc_err *err);

/** Append an empty page. @param[out] index  0-based page index (optional)
 *  @return 0, SC_ELIMIT (SC_OFD_DOC_MAX_PAGES), SC_ENOMEM */
SC_API int sc_ofd_doc_add_page(sc_ofd_doc *doc, size_t *index, sc_err *err);

/** RGB colour, 0..255 each. */
typedef struct sc_ofd_rgb {
    uint8_t r, g, b;
} sc_ofd_rgb;

/** One line of text. Glyph advances (TextCode DeltaX): size_mm for every character except
 *  ASCII, which gets size_mm / 2; the object's Boundary is the run's box from one size above
 *  the baseline to a quarter size below it. */
typedef struct sc_ofd_text {
    double x_mm, y_mm;          /* start of the baseline on the page */
    double size_mm;             /* font size, in (0, 1000]; 3.175 mm = 9 pt, 5.644 mm = 16 pt */
    const char *font;           /* font name (FontName), e.g. "宋体"; NULL = "宋体"; embedded
                                   when sc_ofd_doc_add_font_file gave a file for it */
    const char *text;           /* UTF-8, 1..SC_OFD_DOC_MAX_STRING bytes */
    const sc_ofd_rgb *color;    /* fill colour; NULL = the reader's default (black) */
} sc_ofd_text;

/** Add a TextObject to page (index from sc_ofd_doc_add_page); all strings copied.
 *  @return 0, SC_EINVAL (page, numbers, empty or bad text), SC_ELIMIT, SC_ENOMEM */
SC_API int sc_ofd_doc_add_text(sc_ofd_doc *doc, size_t page, const sc_ofd_text *t,
                               sc_err *err);

/** Embed a font file for font_name: the bytes become Doc_0/Res/font_<ID>.ttf (.otf for
 *  CFF OpenType), stored uncompressed (a CJK font of megabytes is not deflated again for
 *  every licence of a batch; subset fonts keep files small), and PublicRes's Font for the
 *  name gets FontFile; every text whose font is font_name (sc_ofd_text.font) uses it, texts
 *  naming other fonts keep referring to those by name. Before or after texts use the name;
 *  once per name. Not checked: that the file has glyphs for the texts.
 *  @param family  FamilyName written; NULL = font_name
 *  @param file    a TrueType or OpenType font (sfnt), 1..SC_OFD_MAX_ENTRY bytes, copied;
 *                 its table directory must lie inside it; collections (.ttc) are refused
 *  @return 0, SC_EINVAL (doc or file NULL, len 0, empty or bad names, a file for that name
 *          already), SC_EFORMAT (not such a font, a table outside the file), SC_ELIMIT
 *          (over SC_OFD_MAX_ENTRY bytes, SC_OFD_DOC_MAX_FONTS), SC_ENOMEM */
SC_API int sc_ofd_doc_add_font_file(sc_ofd_doc *doc, const char *font_name, const char *family,
                                    const uint8_t *file, size_t len, sc_err *err);

/** Add an ImageObject drawing the image into the box (x, y, w, h) on page (CTM "w 0 0 h 0 0").
 *  The bytes are copied; identical bytes added again share one resource.
 *  @param format  "PNG", "JPEG" (or "JPG") or "BMP", any case; NULL: from the bytes.
 *  @return 0, SC_EINVAL (page, box, unknown format), SC_EFORMAT (the bytes are not that
 *          format), SC_ELIMIT (SC_OFD_DOC_MAX_IMAGES, more than SC_OFD_MAX_ENTRY bytes),
 *          SC_ENOMEM */
SC_API int sc_ofd_doc_add_image(sc_ofd_doc *doc, size_t page, double x_mm, double y_mm,
                                double w_mm, double h_mm, const uint8_t *img, size_t len,
                                const char *format, sc_err *err);

/** Add a straight line (PathObject) of the given width (> 0); color NULL = black.
 *  @return 0, SC_EINVAL, SC_ELIMIT, SC_ENOMEM */
SC_API int sc_ofd_doc_add_line(sc_ofd_doc *doc, size_t page, double x1_mm, double y1_mm,
                               double x2_mm, double y2_mm, double width_mm,
                               const sc_ofd_rgb *color, sc_err *err);

/** Add a rectangle (PathObject), outlined with stroke (line width_mm > 0) and/or filled
 *  with fill; at least one of them not NULL. @return 0, SC_EINVAL, SC_ELIMIT, SC_ENOMEM */
SC_API int sc_ofd_doc_add_rect(sc_ofd_doc *doc, size_t page, double x_mm, double y_mm,
                               double w_mm, double h_mm, double width_mm,
                               const sc_ofd_rgb *stroke, const sc_ofd_rgb *fill, sc_err *err);

/** QR Code error correction level (ISO/IEC 18004): recovers about 7, 15, 25, 30 % damage. */
typedef enum sc_ofd_qr_ecl {
    SC_OFD_QR_L,
    SC_OFD_QR_M,
    SC_OFD_QR_Q,
    SC_OFD_QR_H
} sc_ofd_qr_ecl;

#define SC_OFD_DOC_QR_QUIET 4             /* quiet zone around a QR code, modules per side */
#define SC_OFD_DOC_QR_MIN_MODULE 0.1      /* smallest module, mm (finer does not print) */

/** Add a QR code holding data (libqrencode, the smallest version 1..40 that fits at level
 *  ecl) drawn as vectors in the square (x, y, size, size) on page, its quiet zone of
 *  SC_OFD_DOC_QR_QUIET modules included: two PathObjects, a white filled square, then the
 *  dark modules in black (path in whole modules, CTM scaling a module to mm), each row's
 *  runs of dark modules one rectangle (spec/ofd-writer.md). sc_ofd_doc_last_id
 *  then gives the black one. Data without NUL bytes is encoded as libqrencode's
 *  QRcode_encodeString(data, 0, level, QR_MODE_8, 1) does (numeric, alphanumeric and 8-bit
 *  segments: an upper-case identifier in a URL takes fewer modules), data with NUL bytes in
 *  8-bit mode (QRcode_encodeData); scanners return the bytes as given (no ECI: UTF-8 is what
 *  they assume). data is only read during the call.
 *  @return 0, SC_EINVAL (doc or data NULL, len 0, page, position, size, ecl, modules smaller
 *          than SC_OFD_DOC_QR_MIN_MODULE: the message names the size needed),
 *          SC_ELIMIT (the data do not fit a version 40 code at that level, or the object
 *          limit), SC_ENOMEM */
SC_API int sc_ofd_doc_add_qr(sc_ofd_doc *doc, size_t page, double x_mm, double y_mm,
                             double size_mm, const uint8_t *data, size_t len,
                             sc_ofd_qr_ecl ecl, sc_err *err);

/** The ID (ST_ID) of the page object that the last successful sc_ofd_doc_add_text, _image,
 *  _line, _rect or _qr (its dark modules) call created: what CustomTags refer to (ObjectRef),
 *  and what a caller keeps to find the object again in the package. 0 before the first
 *  object (or doc NULL). A failed call leaves it unchanged, so read it right after a call
 *  that returned 0. */
SC_API uint32_t sc_ofd_doc_last_id(const sc_ofd_doc *doc);

/** Page@ID of page index (from sc_ofd_doc_add_page): what PageRef attributes hold; 0 when
 *  there is no such page. */
SC_API uint32_t sc_ofd_doc_page_id(const sc_ofd_doc *doc, size_t page);

/** Append a custom tag entry (GB/T 33190 §16 自定义标引): field name, its value and the page
 *  objects that show it, so that a reader can go from a field to the page text and back.
 *  Entries of one type_id go, in call order, into one tag document; the package layout is in
 *  spec/ofd-writer.md ("Custom tags"):
 *    Doc_0/Document.xml    <ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags>
 *    Doc_0/Tags/CustomTags.xml  <ofd:CustomTag TypeID=T NameSpace=SC_OFD_DOC_TAGS_NS>
 *                               <ofd:FileLoc>Tag_T.xml</ofd:FileLoc> for each TypeID T
 *    Doc_0/Tags/Tag_T.xml  <sc:Tags TypeID=T> <sc:Tag Name=name> <sc:Value>value</sc:Value>
 *                          <ofd:ObjectRef PageRef=page ID>object ID</ofd:ObjectRef>... </sc:Tag>
 *  The page text of an entry is the TextCode text of its objects in the order given.
 *  @param type_id     1..SC_OFD_DOC_MAX_TYPE_ID letters, digits, '_' or '-'
 *  @param name        non-empty; names may repeat; copied
 *  @param value       the field's value (copied), or NULL for none
 *  @param page        page index of every object in object_ids (ignored when n is 0)
 *  @param object_ids  n distinct IDs (sc_ofd_doc_last_id) of objects on that page; copied
 *  @param n           0..SC_OFD_DOC_MAX_TAG_REFS; with 0, value must not be NULL
 *  @return 0, SC_EINVAL (doc NULL, bad TypeID, name or value, no value and no objects, an ID
 *          that is not an object of that page or is repeated), SC_ELIMIT (SC_OFD_DOC_MAX_TAGS,
 *          _TAG_REFS, _TAG_TYPES, a string over SC_OFD_DOC_MAX_STRING), SC_ENOMEM */
SC_API int sc_ofd_doc_add_tag(sc_ofd_doc *doc, const char *type_id, const char *name,
                              const char *value, size_t page, const uint32_t *object_ids,
                              size_t n, sc_err *err);

/** Write the package to sink (sealcore/ofd.h), streamed; the document is not changed and may
 *  be written again. XML entries are deflated; PNG, JPEG and font files stored, BMP
 *  deflated.
 *  @return 0, SC_EINVAL (no pages), SC_ELIMIT (an XML part over SC_OFD_MAX_XML, a zip
 *          limit), SC_ENOMEM, or the sink's negative code (SC_EIO for any other non-zero);
 *          after a failure the output so far is incomplete */
SC_API int sc_ofd_doc_write(const sc_ofd_doc *doc, sc_ofd_sink sink, void *ctx, sc_err *err);

/** sc_ofd_doc_write into a new buffer. @param[out] out free(); NULL on failure */
SC_API int sc_ofd_doc_write_mem(const sc_ofd_doc *doc, uint8_t **out, size_t *len,
                                sc_err *err);

#endif

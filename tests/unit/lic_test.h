/* lic_test.h: licence files for test_license_read.c and test_license_verify.c, laid out as
 * spec/license-file.md §3 says, made with the OFD writer (texts, CustomDatas, tags, a QR code)
 * and stamped with the group's dev seal (ofd_stamp_test.h's g), so that any element can be
 * dropped, changed on the page or in OFD.xml, or made inconsistent at issue time. Defined in
 * lic_test.c. (Once sc_lic_issue is in, the good licence comes from it too: lic_issue_yyzz.) */
#ifndef SC_LIC_TEST_H
#define SC_LIC_TEST_H

#include <stddef.h>
#include <stdint.h>

#define LIC_TYPE "11100000000013127D001"
#define LIC_ISSUER "91330000MA27XY1234"
#define LIC_SERIAL "2026000042"
#define LIC_MAX_ELS 32

/* As lic_el.custom: no CustomData for the element. */
extern const char lic_none[];

/* One element as it goes into the file. */
typedef struct lic_el {
    const char *code, *value;
    int face;                 /* drawn on the page and tagged with its TextObject */
    const char *custom;       /* OFD.xml's CustomData: NULL = value, lic_none = none */
    const char *face_text;    /* what the page shows: NULL = value */
} lic_el;

/* The elements of a good 营业执照 (identifier made with sc_lic_id_make from LIC_*), copied
 * into els (LIC_MAX_ELS); returns how many. */
size_t lic_defaults(lic_el *els);
/* The element code in els (n), or NULL. */
lic_el *lic_el_find(lic_el *els, size_t n, const char *code);
/* The defaults' identifier. */
const char *lic_id(void);

/* An unsigned licence OFD of els (n); marker: write CustomData sealpki.license = "1". */
uint8_t *lic_make(const lic_el *els, size_t n, int marker, size_t *len);
/* doc stamped by signer-prov with g.seal on page 1 (a new buffer). */
uint8_t *lic_sign(const uint8_t *doc, size_t len, size_t *out_len);
/* lic_make + lic_sign. */
uint8_t *lic_signed(const lic_el *els, size_t n, size_t *len);
/* doc with entry name's first occurrence of from replaced by to (the zip rebuilt, CRCs
 * right); fails the test when from is not there. */
uint8_t *lic_edit(const uint8_t *doc, size_t len, const char *name, const char *from,
                  const char *to, size_t *out_len);

#endif

/* ofd_stamp_test.h: what test_ofd_stamp.c (the signature's structure, stacking, locking,
 * refusals and XML edits) and test_ofd_stamp_pos.c (where the seal goes: page, keyword,
 * riding, a page's own box) share: the development PKI and seal of the group (the memory
 * sink is testutil's sc_test_mem_sink), A4 documents made with sc_ofd_doc_*, repacking one with the internal zip writer, and
 * stamping with the result read back and verified. Defined in ofd_stamp_test.c, which
 * tests/meson.build compiles into both programs. */
#ifndef SC_OFD_STAMP_TEST_H
#define SC_OFD_STAMP_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "ofd/ofd_model.h"
#include "sealcore/error.h"
#include "sealcore/ofd.h"
#include "sealcore/ofd_sign.h"
#include "sealcore/verify.h"

#define DOC_ID "0123456789abcdef0123456789abcdef"
#define KW "电子证照"

/* Made once by group_setup, freed by group_teardown. */
struct stamp_group {
    uint8_t *prov, *city, *maker, *png;
    size_t prov_len, city_len, maker_len, png_len;
    sc_key *kprov, *kcity, *kmaker;
    sc_ses_seal *seal;
    sc_trust *trust;           /* root-ca anchor, seal-ca to build chains */
    int64_t t;                 /* the signing time of every test: fixed, so bytes repeat */
};
extern struct stamp_group g;

int group_setup(void **state);
int group_teardown(void **state);

/* An A4 document of npages; texts[i] (may be NULL) drawn on page i at (20, 30 + 20 k) for
 * each "|"-separated part k. */
uint8_t *make_doc(size_t npages, const char *const *texts, size_t *len);

/* doc's entries but skip, copied raw (their stored bytes), then, when name is not NULL, an
 * entry name holding data (dlen bytes, stored). The new package, its length in *out_len. */
uint8_t *repack(const uint8_t *doc, size_t len, const char *skip, const char *name,
                const uint8_t *data, size_t dlen, size_t *out_len);

/* place by signer-prov with g's seal at g.t; page 1, (100, 100) mm for PAGE_XY. */
sc_ofd_sign_params base(sc_ofd_place place);

/* Refused with code and a message containing frag, the sink untouched. */
void refused(const uint8_t *in, size_t len, const sc_ofd_sign_params *p, int code,
             const char *frag);

/* Entry name of a package (uncompressed; NUL-terminated), or NULL when absent. */
uint8_t *entry(const uint8_t *buf, size_t len, const char *name, size_t *n);
void assert_entry(const uint8_t *buf, size_t len, const char *name, const char *want);

/* A stamped package read back. */
typedef struct out {
    uint8_t *buf;
    size_t len;
    sc_ofd_pkg *pkg;
    sc__ofd_model *m;
    sc_ofd_sign_info info;
} out;

void out_free(out *o);

/* Stamp in with p and read the result back: sc_verify_ofd with the dev root as anchor finds
 * every earlier signature's References intact and every check of ours passed (References
 * recomputed, dataHash, SES_Signature, chain, Seal.esl); ours cover neither of their own two
 * files. (test_sign_ofd_cli.sh recomputes the References outside the project.) */
void sign_read(out *o, const uint8_t *in, size_t len, const sc_ofd_sign_params *p);

#endif

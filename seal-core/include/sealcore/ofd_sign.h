/* sealcore/ofd_sign.h: stamping electronic seals onto OFD documents (GB/T 33190-2016 §18
 * signatures of Type="Seal", GB/T 38540 SES_Signature), exactly as ofdrw writes them
 * (spec/ofd-signature.md §3-§5), so that other implementations accept the result.
 *
 * One call adds one signature, with one or more StampAnnots (appearances), to a package and
 * streams the new package to a sink:
 *   - the first signature creates <DocRoot's directory>/Signs/Signatures.xml and points
 *     OFD.xml's first DocBody to it ("/Doc_0/Signs/Signatures.xml"), inserted before
 *     </DocBody> with every other byte of OFD.xml kept;
 *   - later ones add a Signature element to that Signatures.xml and raise MaxSignId, leaving
 *     its other bytes as they were;
 *   - each signature lives in <Signatures.xml's directory>/Sign_<n>/ (n: the first index no
 *     entry uses) as Seal.esl (the seal's DER), Signature.xml and SignedValue.dat;
 *   - IDs: one counter for the Signature and its StampAnnots, starting after the largest
 *     numeric MaxSignId, Signature@ID and StampAnnot@ID found; MaxSignId = the last one used;
 *   - Signature.xml's References cover, with SM3 of the stored (uncompressed) bytes, every
 *     file of the output except Signatures.xml (unless lock is set) and this signature's own
 *     Signature.xml and SignedValue.dat; Seal.esl is covered, directory entries never are;
 *   - SignedValue.dat is an SES_Signature (sc_ses_sign) whose dataHash is SM3 of the
 *     Signature.xml bytes and whose propertyInfo is Signature.xml's absolute path.
 * Every entry not named above is copied as its raw stored bytes, never decompressed or
 * re-serialised, so every earlier signature stays valid.
 *
 * Refused before a byte reaches the sink: an existing signature covering Signatures.xml
 * (the document is locked), an existing Signature.xml that cannot be read (whether it locks
 * the document cannot be told), encrypted entries and compression methods other than stored
 * and deflate (they could not be copied raw), entry names XML cannot carry.
 *
 * Appearance (all lengths mm, page coordinates: origin top-left, y down; the page is the
 * page's own Area/PhysicalBox when its Content.xml has one, else the document's):
 *   - PAGE_XY: the seal's box centred at (x, y) on one page; refused when it lies entirely
 *     outside the page (never moved: a silently clamped seal is in the wrong place).
 *   - KEYWORD: centred on occurrences of a text (found by ofd_text.h's rules) over the
 *     document in page order: all, the first, the last or the N-th; one StampAnnot each.
 *   - RIDING (骑缝章), as ofdrw's RidingStampPos: over k pages the seal image is cut into k
 *     vertical slices of width s = W / k. On the i-th page of the range (0-based) the
 *     Boundary is the whole seal "x y W H", with y = page centre - H / 2, and
 *     Clip = "i*s 0 s H" (relative to the Boundary) shows only slice i:
 *       right edge: x = page right - (i + 1) * s, so slice i ends at the right edge;
 *       left edge:  x = page left - (k - 1 - i) * s with Clip "(k-1-i)*s 0 s H", so that
 *                   slice begins at the left edge.
 *     The rest of the Boundary lies beyond the page edge, hidden by the Clip; laid side by
 *     side the pages show the whole seal. BOTH writes the two StampAnnots on every page.
 *
 * Threads: the package is read (it is one thread's object); the seal and key are used
 * through const calls. */
#ifndef SEALCORE_OFD_SIGN_H
#define SEALCORE_OFD_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/key.h"
#include "sealcore/ofd.h"
#include "sealcore/ses.h"

#define SC_OFD_SIGN_DEFAULT_MM 40.0   /* seal size when the seal's picture gives none */
#define SC_OFD_SIGN_MAX_MM 1000.0     /* largest seal width or height accepted */

typedef enum sc_ofd_place {
    SC_OFD_PLACE_PAGE_XY = 1,
    SC_OFD_PLACE_KEYWORD,
    SC_OFD_PLACE_RIDING
} sc_ofd_place;

/* KEYWORD occurrence: N >= 1 is the N-th (1 = first) over the document in page order. */
enum { SC_OFD_OCCUR_ALL = 0, SC_OFD_OCCUR_LAST = -1 };

/* RIDING sides (a bit set). */
enum { SC_OFD_RIDING_RIGHT = 1, SC_OFD_RIDING_LEFT = 2, SC_OFD_RIDING_BOTH = 3 };

/* What to stamp and where. Pointers are only read during sc_ofd_sign(). */
typedef struct sc_ofd_sign_params {
    const sc_ses_seal *seal;       /* V4 or V5 seal listing cert */
    const sc_key *key;             /* the signer's key, matching cert */
    const uint8_t *cert;           /* signer certificate, DER */
    size_t cert_len;
    sc_ofd_place place;
    size_t page;                   /* PAGE_XY: 1-based page number */
    double x_mm, y_mm;             /* PAGE_XY: where the seal's centre goes */
    const char *keyword;           /* KEYWORD: UTF-8 text */
    int occurrence;                /* KEYWORD: SC_OFD_OCCUR_ALL, SC_OFD_OCCUR_LAST or N >= 1 */
    unsigned riding;               /* RIDING: SC_OFD_RIDING_* */
    size_t first_page, last_page;  /* RIDING: 1-based inclusive range; both 0 = every page */
    double width_mm, height_mm;    /* seal size; both 0 = the seal picture's size, or
                                      SC_OFD_SIGN_DEFAULT_MM square when it has none */
    int lock;                      /* 1: cover Signatures.xml, so no later signature is
                                      possible (ofdrw SignMode.WholeProtected) */
    int64_t sign_time;             /* seconds since the epoch; 0 = now */
    const char *provider;          /* Provider@ProviderName; NULL = "sealpki" */
    const char *version;           /* Provider@Version; NULL = "0.1.0" */
    const char *company;           /* Provider@Company; NULL = "sealpki" */
    sc_ses_tsa_fn tsa;             /* optional time-stamp for the SES_Signature (ses.h) */
    void *tsa_ctx;
} sc_ofd_sign_params;

/* What sc_ofd_sign() wrote (for messages and tests). */
typedef struct sc_ofd_sign_info {
    char id[24];                             /* the new Signature@ID */
    char signature_xml[SC_OFD_MAX_NAME + 1]; /* its entry: "Doc_0/Signs/Sign_0/Signature.xml" */
    size_t stamps;                           /* StampAnnots written */
    size_t references;                       /* References written */
} sc_ofd_sign_info;

/** Stamp p->seal onto the package in and write the new package to sink (sealcore/ofd.h),
 *  streamed: entries are hashed and copied in chunks, never held whole, so memory stays
 *  small whatever the package size (Content.xml pages are parsed one at a time for KEYWORD
 *  and page sizes). in is only read; the caller keeps it and frees it.
 *  Everything is computed and signed before the first byte goes to the sink: a refusal or
 *  failure before writing leaves the sink untouched; a failure while writing (the sink's,
 *  or a damaged entry) leaves incomplete output the caller must discard.
 *  @param info  optional; filled on success
 *  @return 0;
 *          SC_EINVAL   params wrong (no seal, key or certificate; page or range outside the
 *                      document; size or position out of range; seal box entirely off the
 *                      page), key not matching cert, cert not listed in the seal, signing
 *                      time outside the seal's validity, V1 seal, or the document is locked
 *                      by an earlier signature;
 *          SC_ENOTFOUND  the keyword does not occur (or not N times);
 *          SC_EFORMAT  the package or one of its XML files is damaged, an earlier
 *                      Signature.xml cannot be read, a Signs/Signatures.xml entry exists
 *                      that OFD.xml does not name;
 *          SC_EUNSUPPORTED  an encrypted entry, one neither stored nor deflated, or a
 *                      name XML cannot carry;
 *          SC_ELIMIT   more References or StampAnnots than a reader takes, zip limits;
 *          SC_ECRYPTO, SC_ENOMEM, the sink's or the tsa callback's code.
 *          err says what and where. */
SC_API int sc_ofd_sign(sc_ofd_pkg *in, const sc_ofd_sign_params *p, sc_ofd_sink sink,
                       void *ctx, sc_ofd_sign_info *info, sc_err *err);

#endif

/* ofd_model.h: what a package says about its pages and signatures (internal).
 *
 * Follows OFD.xml -> DocBody -> DocRoot (Document.xml: pages, PhysicalBox) and
 * DocBody/Signatures (Signatures.xml -> each Signature@BaseLoc -> Signature.xml), resolving
 * every ST_Loc (absolute or relative to the directory of the XML that holds it) to a package
 * entry name. Read leniently, as vendors write it (docs spec/ofd-signature.md §1, §3, §8):
 * elements matched by local name in any order, Type absent = Seal, CheckMethod absent = MD5,
 * "SM3"/"sm3"/the SM3 OID alike.
 *
 * What cannot be read is kept as a problem string on the part it spoils rather than failing
 * the whole load, so a verifier can still report every other signature: a damaged
 * Document.xml leaves no pages (doc_problem), a damaged Signature.xml leaves that signature
 * with its problem. Only a package without a readable OFD.xml/DocBody/DocRoot, or with an
 * unreadable Signatures.xml, fails the load. Only the first DocBody is read (ndocbody says
 * how many there were; no vendor file has more than one). */
#ifndef SC_OFD_MODEL_H
#define SC_OFD_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "ofd/ofd_int.h"

#define SC__OFD_MAX_REFS 10000u     /* References in one Signature.xml */
#define SC__OFD_MAX_SIGS 1000u      /* signatures in one Signatures.xml */
#define SC__OFD_MAX_ANNOTS 10000u   /* StampAnnots in one signature (riding seals: one per page) */
#define SC__OFD_MAX_PAGES 100000u

typedef enum sc__ofd_hash {
    SC__OFD_HASH_SM3,
    SC__OFD_HASH_MD5,
    SC__OFD_HASH_SHA1,
    SC__OFD_HASH_SHA256,
    SC__OFD_HASH_UNKNOWN
} sc__ofd_hash;

typedef struct sc__ofd_ref {
    char *file_ref;          /* FileRef as written */
    char *entry;             /* the entry it names; NULL: FileRef does not resolve */
    uint8_t value[64];       /* CheckValue, Base64-decoded */
    size_t value_len;        /* 0: CheckValue missing or not Base64 */
} sc__ofd_ref;

typedef struct sc__ofd_annot {
    char *id;                /* StampAnnot@ID as written ("" when absent) */
    int has_page;
    uint64_t page_ref;       /* PageRef: a page ID */
    int has_box, has_clip;
    double box[4], clip[4];  /* Boundary, Clip: x y w h (mm) */
} sc__ofd_annot;

typedef struct sc__ofd_sig {
    char *id;                /* Signatures.xml Signature@ID ("" when absent) */
    char *type;              /* Signature@Type, "Seal" when absent */
    char *relative;          /* Signature@Relative (OFD 2.0), NULL when absent */
    char *base_loc;          /* Signature@BaseLoc as written ("" when absent) */
    char *entry;             /* its Signature.xml entry; NULL: BaseLoc does not resolve */
    char *problem;           /* why Signature.xml could not be read; NULL when it was */
    /* From Signature.xml (NULL / 0 when absent or when problem is set): */
    char *provider, *company, *sig_method, *date_time;
    char *check_method;      /* as written; NULL when absent (MD5) */
    sc__ofd_hash hash;
    sc__ofd_ref *refs;
    size_t nrefs;
    sc__ofd_annot *annots;
    size_t nannots;
    char *seal_entry;        /* Seal/BaseLoc resolved; NULL when absent */
    char *value_entry;       /* SignedValue resolved; NULL when absent */
} sc__ofd_sig;

typedef struct sc__ofd_page {
    uint64_t id;             /* Page@ID (0 when absent) */
    char *entry;             /* its Content.xml entry */
} sc__ofd_page;

typedef struct sc__ofd_model {
    size_t ndocbody;
    char *doc_root;          /* Document.xml entry */
    char *doc_problem;       /* why Document.xml could not be read; NULL when it was */
    double box[4];           /* CommonData/PageArea/PhysicalBox (A4 when absent) */
    uint64_t max_unit_id;
    sc__ofd_page *pages;
    size_t npages;
    char *sigs_entry;        /* Signatures.xml entry; NULL: the document is not signed */
    char *max_sign_id;       /* MaxSignId as written; NULL when absent */
    sc__ofd_sig *sigs;
    size_t nsigs;
} sc__ofd_model;

/* Load the model of pkg. @param[out] out new, free with sc__ofd_model_free()
 * @return 0, SC_EFORMAT (no OFD.xml, no DocBody/DocRoot, XML that does not parse, a
 *         Signatures.xml named but missing or damaged), SC_ELIMIT, SC_ENOMEM */
int sc__ofd_model_load(sc_ofd_pkg *pkg, sc__ofd_model **out, sc_err *err);
void sc__ofd_model_free(sc__ofd_model *m);

/* Read entry name whole as an XML document (limits of sc__ofd_xml_parse).
 * @param[out] raw, rawlen  the bytes as stored (free()); may be NULL when not wanted */
int sc__ofd_model_read_xml(sc_ofd_pkg *pkg, const char *name, xmlDoc **doc, uint8_t **raw,
                           size_t *rawlen, sc_err *err);

/* The 1-based number of the page with ID id; 0 when no page has it. */
size_t sc__ofd_model_page_no(const sc__ofd_model *m, uint64_t id);

/* "x y w h" (commas too) into four numbers; 0 or -1. */
int sc__ofd_parse_box(const char *s, double box[4]);

/* The directory part of an entry name ("Doc_0/Signs" for "Doc_0/Signs/Signatures.xml"),
 * written into dir (size n, truncated at n - 1). */
void sc__ofd_dirname(const char *entry, char *dir, size_t n);

#endif

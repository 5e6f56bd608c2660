/* lic_read.h: what lic_read.c (reading a licence back) and lic_check.c (the rules that compare
 * what was read) share, and the reader's entry for the verifier, which has already loaded the
 * package's model (pages, signatures) and should not read it twice. Not exported. */
#ifndef SC_LIC_READ_H
#define SC_LIC_READ_H

#include <stddef.h>
#include <stdint.h>

#include "ofd/ofd_model.h"
#include "sealcore/license_file.h"

/* One ObjectRef of a tag entry: Page@ID and the object's ID. */
typedef struct sc__lic_ref {
    uint64_t page_id, obj_id;
} sc__lic_ref;

typedef struct sc__lic_elem {
    char *code, *value, *custom, *page;   /* as sc_lic_element; owned */
    char *page_problem;     /* why page is NULL although the entry names objects */
    int in_tag;
    unsigned ncustom;       /* CustomDatas of this name in OFD.xml (more than 1: a problem) */
    size_t ref0, nrefs;     /* its ObjectRefs: info->refs[ref0 .. ref0 + nrefs) */
} sc__lic_elem;

struct sc_lic_info {
    sc__lic_elem *el;
    size_t n, cap;
    sc__lic_ref *refs;
    size_t nrefs, refs_cap;
    sc_lic_element *pub;    /* the public views of el, made once everything is read */
    char *problem;          /* why the signed part could not be read; NULL when it was */
    char *files[1 + SC_LIC_READ_MAX_PAGES];   /* the tag file, then the pages it names */
    size_t nfiles;
    int tag_read;
};

/* The element named code: the tag file's entry when the tag file was read (tag_only), else
 * any; NULL when there is none. */
const sc__lic_elem *sc__lic_find(const sc_lic_info *info, const char *code, int tag_only);

/* sc_lic_read with m (sc__ofd_model_load of the same pkg; borrowed for the call; NULL: it is
 * loaded here once the package is known to be a licence) for Document.xml and the pages.
 * Same returns. */
int sc__lic_read_model(sc_lic_info **out, sc_ofd_pkg *pkg, const sc__ofd_model *m,
                       sc_err *err);

#endif

/* ofd_doc_tags.c: the OFD document writer's custom tags (sealcore/ofd_doc.h,
 * sc_ofd_doc_add_tag; GB/T 33190-2016 §16 自定义标引): recording and checking the entries
 * that link a named field, its value and the page objects that show it. The package layout
 * they produce is written by ofd_doc_xml.c and described in spec/ofd-writer.md.
 * Not here: the objects themselves (ofd_doc.c), reading tags back (callers use the package
 * reader and libxml2). */
#include "ofd/ofd_doc_int.h"
#include "sc_int.h"

#include <stdlib.h>
#include <string.h>

/* TypeID names the tag document (Tag_<TypeID>.xml), so it is kept to characters that are
 * safe in a zip entry name on every system and need no escaping in ST_Loc. */
static int check_type_id(const char *t, sc_err *err)
{
    static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    size_t n;

    if (t == NULL || t[0] == '\0')
        return sc_err_set(err, SC_EINVAL, "tag TypeID: empty");
    n = strlen(t);
    if (n > SC_OFD_DOC_MAX_TYPE_ID)
        return sc_err_set(err, SC_EINVAL, "tag TypeID: %zu bytes, more than %u", n,
                          SC_OFD_DOC_MAX_TYPE_ID);
    if (strspn(t, ok) != n)
        return sc_err_set(err, SC_EINVAL, "tag TypeID \"%.64s\": only letters, digits, '_' "
                          "and '-' (it names the file Tag_<TypeID>.xml)", t);
    return 0;
}

/* The index of type t in doc->tag_types, adding it on first use. */
static int type_index(sc_ofd_doc *doc, const char *t, size_t *ix, sc_err *err)
{
    char *copy;
    int rc;

    for (size_t i = 0; i < doc->ntag_types; i++)
        if (strcmp(doc->tag_types[i], t) == 0) {
            *ix = i;
            return 0;
        }
    if (doc->ntag_types >= SC_OFD_DOC_MAX_TAG_TYPES)
        return sc_err_set(err, SC_ELIMIT, "tag TypeID \"%s\": more than %u TypeIDs", t,
                          SC_OFD_DOC_MAX_TAG_TYPES);
    if ((rc = sc__ofd_doc_grow((void **)&doc->tag_types, doc->ntag_types, &doc->ctag_types,
                               sizeof(char *), err)) != 0)
        return rc;
    if ((copy = sc__ofd_doc_dup(t, err)) == NULL)
        return SC_ENOMEM;
    doc->tag_types[doc->ntag_types] = copy;
    *ix = doc->ntag_types++;
    return 0;
}

/* id is an object of page p: objects are appended with increasing IDs, so p->objs is
 * sorted by ID and a binary search finds it. */
static int on_page(const sc__ofd_doc_page *p, uint32_t id)
{
    size_t lo = 0, hi = p->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->objs[mid].id == id)
            return 1;
        if (p->objs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int check_refs(const sc_ofd_doc *doc, size_t page, const uint32_t *ids, size_t n,
                      sc_err *err)
{
    if (n > SC_OFD_DOC_MAX_TAG_REFS)
        return sc_err_set(err, SC_ELIMIT, "%zu objects, more than %u", n,
                          SC_OFD_DOC_MAX_TAG_REFS);
    if (n > 0 && ids == NULL)
        return sc_err_set(err, SC_EINVAL, "%zu objects but no ID array", n);
    if (n > 0 && page >= doc->npages)
        return sc_err_set(err, SC_EINVAL, "no page %zu (%zu in the document)", page,
                          doc->npages);
    for (size_t i = 0; i < n; i++) {
        if (!on_page(&doc->pages[page], ids[i]))
            return sc_err_set(err, SC_EINVAL, "object ID %u is not an object of page %zu",
                              (unsigned)ids[i], page);
        for (size_t k = 0; k < i; k++)      /* n <= SC_OFD_DOC_MAX_TAG_REFS: at most 5e5 */
            if (ids[k] == ids[i])
                return sc_err_set(err, SC_EINVAL, "object ID %u given twice", (unsigned)ids[i]);
    }
    return 0;
}

int sc_ofd_doc_add_tag(sc_ofd_doc *doc, const char *type_id, const char *name,
                       const char *value, size_t page, const uint32_t *object_ids, size_t n,
                       sc_err *err)
{
    sc__ofd_tag t = { 0, NULL, NULL, 0, NULL, 0 };
    int rc;

    if (doc == NULL)
        return sc_err_set(err, SC_EINVAL, "custom tag: no document");
    if ((rc = check_type_id(type_id, err)) != 0)
        return rc;
    if (name == NULL || name[0] == '\0') {
        rc = sc_err_set(err, SC_EINVAL, "empty name");
        goto out;
    }
    if (value == NULL && n == 0) {
        rc = sc_err_set(err, SC_EINVAL, "tag \"%.100s\": neither a value nor objects", name);
        goto out;
    }
    if ((rc = sc__ofd_doc_check_str(name, "name", NULL, NULL, err)) != 0 ||
        (value != NULL && (rc = sc__ofd_doc_check_str(value, "value", NULL, NULL, err)) != 0))
        goto out;
    if ((rc = check_refs(doc, page, object_ids, n, err)) != 0) {
        sc_err_prefix(err, "tag \"%.100s\"", name);
        goto out;
    }
    if (doc->ntags >= SC_OFD_DOC_MAX_TAGS) {
        rc = sc_err_set(err, SC_ELIMIT, "more than %u tags", SC_OFD_DOC_MAX_TAGS);
        goto out;
    }
    if ((rc = sc__ofd_doc_grow((void **)&doc->tags, doc->ntags, &doc->ctags, sizeof(t),
                               err)) != 0 ||
        (rc = type_index(doc, type_id, &t.type, err)) != 0)
        goto out;
    if ((t.name = sc__ofd_doc_dup(name, err)) == NULL ||
        (value != NULL && (t.value = sc__ofd_doc_dup(value, err)) == NULL) ||
        (n > 0 && (t.ids = sc__memdup(object_ids, n * sizeof(*object_ids), err)) == NULL)) {
        rc = SC_ENOMEM;
        goto out;
    }
    t.page_id = n > 0 ? doc->pages[page].id : 0;
    t.nids = n;
    doc->tags[doc->ntags++] = t;
    t.name = t.value = NULL;
    t.ids = NULL;
out:
    free(t.name);
    free(t.value);
    free(t.ids);
    if (rc != 0)
        sc_err_prefix(err, "custom tag %s", type_id);
    return rc;
}

void sc__ofd_doc_free_tags(sc_ofd_doc *doc)
{
    for (size_t i = 0; i < doc->ntags; i++) {
        free(doc->tags[i].name);
        free(doc->tags[i].value);
        free(doc->tags[i].ids);
    }
    for (size_t i = 0; i < doc->ntag_types; i++)
        free(doc->tag_types[i]);
    free(doc->tags);
    free(doc->tag_types);
}

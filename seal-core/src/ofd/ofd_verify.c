/* ofd_verify.c: verifies a signed OFD package (GB/T 33190-2016 §18; spec/ofd-signature.md §4,
 * §6, §7): one report item per signature, in Signatures.xml order, with ofd_references (every
 * Reference's CheckValue), the seal-signature checks of verify.c over SignedValue (Type Seal,
 * dataHash = SM3 of Signature.xml as stored) or the SignedData checks of pkcs7/ (Type Sign),
 * and ofd_seal_file; then, for a licence, the license item (verify/verify_license.c); then the
 * report's findings about the package as a whole (bytes outside the zip, files no signature
 * protects, files only a later signature covers).
 * Not here: reading the zip and the XML (ofd_pkg.c, ofd_model.c), the signature checks
 * themselves (verify/, pkcs7/), stamping (ofd_stamp.c). */
#include "ofd/ofd_model.h"
#include "pkcs7/pkcs7_int.h"
#include "verify/verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#define MAX_NAMED 3   /* failing files named in one ofd_references reason; the rest counted */

/* Digests already computed, per entry and algorithm: stacked signatures reference the same
 * content files again, and an entry may be hundreds of MB. */
typedef struct digest_memo {
    uint8_t have;                                   /* bit per sc__ofd_hash */
    uint8_t h[SC__OFD_HASH_UNKNOWN][EVP_MAX_MD_SIZE];
} digest_memo;

/* One signature being verified. */
typedef struct sig_ctx {
    sc_ofd_pkg *pkg;
    digest_memo *memo;     /* one per package entry */
    const sc__ofd_model *m;
    const sc__ofd_sig *g;
    const sc_verify_opts *o;
    sc_item *it;
    uint8_t *xml;          /* Signature.xml as stored: what dataHash / SignedData cover */
    size_t xml_len;
    uint8_t *value;        /* SignedValue as stored */
    size_t value_len;
    int seal_file_ok;      /* ofd_seal_file passed: Seal.esl is pinned by the signature */
} sig_ctx;

/* ---- ofd_references -------------------------------------------------------------------- */

static const EVP_MD *md_of(sc__ofd_hash h, const char **name)
{
    switch (h) {
    case SC__OFD_HASH_SM3: *name = "SM3"; return sc_sm3_md();
    case SC__OFD_HASH_MD5: *name = "MD5"; return EVP_md5();
    case SC__OFD_HASH_SHA1: *name = "SHA1"; return EVP_sha1();
    case SC__OFD_HASH_SHA256: *name = "SHA256"; return EVP_sha256();
    default: *name = "?"; return NULL;
    }
}

static int is_page(const sc__ofd_model *m, const char *entry)
{
    for (size_t i = 0; i < m->npages; i++)
        if (strcmp(m->pages[i].entry, entry) == 0)
            return 1;
    return 0;
}

/* One Reference: 1 matches, 0 does not (why says how, naming the file), <0 internal failure. */
static int check_ref(sig_ctx *c, const sc__ofd_ref *r, const EVP_MD *md, const char *alg,
                     char *why, size_t n, sc_err *err)
{
    uint8_t h[EVP_MAX_MD_SIZE];
    size_t ix, hlen;
    sc_err e = SC_ERR_INIT;
    int rc;

    if (r->entry == NULL) {
        snprintf(why, n, "FileRef \"%.200s\" does not name a file inside the package",
                 r->file_ref);
        return 0;
    }
    if (sc_ofd_pkg_find(c->pkg, NULL, r->entry, &ix, &e) != 0) {
        snprintf(why, n, "%.200s: not in the package: the file was removed or renamed after "
                 "signing", r->entry);
        return 0;
    }
    if (r->value_len == 0) {
        snprintf(why, n, "%.200s: its CheckValue is missing or not Base64", r->entry);
        return 0;
    }
    hlen = (size_t)EVP_MD_get_size(md);
    if (c->memo[ix].have & (1u << c->g->hash)) {
        memcpy(h, c->memo[ix].h[c->g->hash], hlen);
    } else {
        rc = sc__ofd_pkg_digest(c->pkg, ix, md, h, sizeof(h), &hlen, &e);
        if (rc == SC_ENOMEM || rc == SC_ECRYPTO)
            return sc_err_set(err, rc, "%s", e.msg);
        if (rc != 0) {   /* damaged entry: CRC, sizes, compression */
            snprintf(why, n, "%.200s: cannot read (%.300s)", r->entry, e.msg);
            return 0;
        }
        memcpy(c->memo[ix].h[c->g->hash], h, hlen);
        c->memo[ix].have |= (uint8_t)(1u << c->g->hash);
    }
    if (r->value_len != hlen) {
        snprintf(why, n, "%.200s: its CheckValue has %zu bytes, but %s gives %zu", r->entry,
                 r->value_len, alg, hlen);
        return 0;
    }
    if (CRYPTO_memcmp(h, r->value, hlen) != 0) {
        snprintf(why, n, "%.200s: %s differs from the CheckValue in Signature.xml: the %s was "
                 "changed after signing", r->entry, alg, is_page(c->m, r->entry) ? "page" : "file");
        return 0;
    }
    return 1;
}

static int check_references(sig_ctx *c, sc_err *err)
{
    const sc__ofd_sig *g = c->g;
    char list[1024] = "", why[600];
    size_t bad = 0, used = 0;
    const char *alg;
    const EVP_MD *md = md_of(g->hash, &alg);

    if (md == NULL) {
        sc__item_set(c->it, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, "CheckMethod \"%.100s\" "
                     "is not SM3, MD5, SHA1 or SHA256: no file could be checked",
                     g->check_method ? g->check_method : "");
        return 0;
    }
    if (g->nrefs == 0) {
        sc__item_set(c->it, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, "Signature.xml lists no "
                     "Reference: the signature protects no file of the document");
        return 0;
    }
    for (size_t i = 0; i < g->nrefs; i++) {
        int rc = check_ref(c, &g->refs[i], md, alg, why, sizeof(why), err);
        if (rc < 0)
            return rc;
        if (rc == 1 || bad++ >= MAX_NAMED)
            continue;
        int w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? "; " : "", why);
        if (w > 0)   /* snprintf truncated at the end of list: stay on its NUL */
            used = used + (size_t)w < sizeof(list) ? used + (size_t)w : sizeof(list) - 1;
    }
    if (bad == 0)
        sc__item_set(c->it, SC_CHECK_OFD_REFERENCES, SC_RESULT_PASSED, NULL);
    else if (bad == 1)
        sc__item_set(c->it, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, "%s", list);
    else
        sc__item_set(c->it, SC_CHECK_OFD_REFERENCES, SC_RESULT_FAILED, "%zu of %zu referenced "
                     "files fail: %s%s", bad, g->nrefs, list, bad > MAX_NAMED ? "; and more" : "");
    return 0;
}

/* ---- Type Seal ------------------------------------------------------------------------- */

static int read_entry(sig_ctx *c, const char *entry, size_t max, uint8_t **buf, size_t *len,
                      char *why, size_t n, sc_err *err)
{
    sc_err e = SC_ERR_INIT;
    size_t ix;
    int rc;

    if (sc_ofd_pkg_find(c->pkg, NULL, entry, &ix, &e) != 0) {
        snprintf(why, n, "%.200s: not in the package", entry);
        return 1;
    }
    if ((rc = sc_ofd_pkg_read(c->pkg, ix, max, buf, len, &e)) == SC_ENOMEM)
        return sc_err_set(err, rc, "%s", e.msg);
    if (rc != 0) {
        snprintf(why, n, "%.200s: cannot read (%.300s)", entry, e.msg);
        return 1;
    }
    return 0;
}

static int check_seal_file(sig_ctx *c, const sc_ses_sig *sig, sc_err *err)
{
    const sc__ofd_sig *g = c->g;
    uint8_t *buf = NULL;
    size_t len = 0, slen;
    char why[600];
    int rc;

    if (g->seal_entry == NULL)
        return 0;   /* no Seal/BaseLoc: the seal is only inside SignedValue (gomain, Suwell) */
    if (sig == NULL) {
        sc__item_set(c->it, SC_CHECK_OFD_SEAL_FILE, SC_RESULT_SKIPPED, "the seal inside the "
                     "signature value could not be read (see structure)");
        return 0;
    }
    rc = read_entry(c, g->seal_entry, SC_SES_MAX_SEAL, &buf, &len, why, sizeof(why), err);
    if (rc < 0)
        return rc;
    const uint8_t *seal = sc_ses_seal_get_der(sc_ses_sig_get_seal(sig), &slen);
    c->seal_file_ok = rc == 0 && len == slen && memcmp(buf, seal, len) == 0;
    if (rc > 0)
        sc__item_set(c->it, SC_CHECK_OFD_SEAL_FILE, SC_RESULT_FAILED, "Seal/BaseLoc %s", why);
    else if (!c->seal_file_ok)
        sc__item_set(c->it, SC_CHECK_OFD_SEAL_FILE, SC_RESULT_FAILED, "%.200s differs from the "
                     "seal inside %.200s (the one that was signed): the seal file was replaced",
                     g->seal_entry, g->value_entry);
    else
        sc__item_set(c->it, SC_CHECK_OFD_SEAL_FILE, SC_RESULT_PASSED, NULL);
    free(buf);
    return 0;
}

static int verify_seal_sig(sig_ctx *c, sc_err *err)
{
    sc_ses_sig *sig = NULL;
    sc_verify_opts so = *c->o;
    sc_err e = SC_ERR_INIT;
    uint8_t xml_sm3[32];
    int rc;

    if ((rc = sc_ses_sig_parse(&sig, c->value, c->value_len, &e)) == SC_ENOMEM)
        return sc_err_set(err, rc, "%s", e.msg);
    if (rc != 0) {
        sc__item_set(c->it, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, "%.200s: %s",
                     c->g->value_entry, e.msg);
        return check_seal_file(c, NULL, err);
    }
    /* dataHash covers Signature.xml exactly as stored, never as re-read or re-serialised */
    if ((rc = sc__sm3(c->xml, c->xml_len, xml_sm3, err)) != 0)
        goto out;
    so.data = NULL;
    so.data_len = 0;
    so.data_sm3 = xml_sm3;
    if ((rc = sc__verify_sig_item(c->it, sig, &so, err)) != 0)
        goto out;
    if (c->it->res[SC_CHECK_DATA_HASH] == SC_RESULT_FAILED)
        sc__item_set(c->it, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, "SM3 of %.200s differs from "
                     "the dataHash signed in %.200s: Signature.xml was changed after signing",
                     c->g->entry, c->g->value_entry);
    rc = check_seal_file(c, sig, err);
out:
    sc_ses_sig_free(sig);
    return rc;
}

/* ---- one signature --------------------------------------------------------------------- */

static json_t *box_json(const double b[4])
{
    return json_pack("[ffff]", b[0], b[1], b[2], b[3]);
}

/* id, type, page, boundary (of the first StampAnnot), provider, stamps: set first, so even
 * a signature whose Signature.xml is unreadable says which one it is. */
static int item_extra(sc_item *it, const sc__ofd_model *m, const sc__ofd_sig *g, sc_err *err)
{
    const sc__ofd_annot *a = g->nannots > 0 ? &g->annots[0] : NULL;
    size_t page = a != NULL && a->has_page ? sc__ofd_model_page_no(m, a->page_ref) : 0;

    if ((it->extra = json_object()) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    /* best effort, like reasons: a value jansson cannot allocate is left out */
    json_object_set_new(it->extra, "id", json_string(g->id));
    json_object_set_new(it->extra, "type", json_string(g->type));
    json_object_set_new(it->extra, "page", page > 0 ? json_integer((json_int_t)page)
                                                    : json_null());
    json_object_set_new(it->extra, "boundary", a != NULL && a->has_box ? box_json(a->box)
                                                                       : json_null());
    json_object_set_new(it->extra, "provider", g->provider ? json_string(g->provider)
                                                           : json_null());
    json_object_set_new(it->extra, "stamps", json_integer((json_int_t)g->nannots));
    return 0;
}

static int verify_one(sig_ctx *c, sc_err *err)
{
    const sc__ofd_sig *g = c->g;
    char why[600];
    int rc, seal = strcmp(g->type, "Seal") == 0, sign = strcmp(g->type, "Sign") == 0;

    if (g->problem != NULL) {
        sc__item_set(c->it, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, "%s", g->problem);
        return 0;
    }
    if ((rc = check_references(c, err)) != 0)
        return rc;
    if (!seal && !sign) {
        sc__item_set(c->it, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, "Signature Type \"%.100s\" "
                     "is neither Seal nor Sign: its signature value cannot be verified", g->type);
        return 0;
    }
    if (g->value_entry == NULL) {
        sc__item_set(c->it, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, "%.200s has no SignedValue: "
                     "there is no signature value to verify", g->entry);
        return 0;
    }
    if ((rc = read_entry(c, g->entry, SC_OFD_MAX_XML, &c->xml, &c->xml_len, why, sizeof(why),
                         err)) == 0)
        rc = read_entry(c, g->value_entry, SC_SES_MAX_SIGNATURE, &c->value, &c->value_len, why,
                        sizeof(why), err);
    if (rc < 0)
        return rc;
    if (rc > 0) {
        sc__item_set(c->it, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, "%s", why);
        return 0;
    }
    if (seal)
        return verify_seal_sig(c, err);
    return sc__p7_verify_item(c->it, c->value, c->value_len, c->xml, c->xml_len, c->o, err);
}

/* ---- findings -------------------------------------------------------------------------- */

/* What the signatures say about each package entry, for the findings of spec/verify-report.md.
 * Built in one pass over every signature's References (entry lookups are a binary search), so
 * a package of 10000 entries and many signatures costs entries x signatures, not more. */
typedef struct entry_facts {
    size_t first_gap;        /* first readable signature that does not cover it; n: none */
    size_t last_cover;       /* last signature that covers it; n: none */
    size_t stamp;            /* the signature being indexed covers it when stamp == k + 1 */
    uint8_t own;             /* a signature's own file, or Signatures.xml */
    uint8_t pinned;          /* own file no finding is about: all of them but a Seal.esl that
                                differs from the signed seal */
} entry_facts;

static void mark(const sc_ofd_pkg *pkg, entry_facts *f, const char *name, int pinned)
{
    sc_err e = SC_ERR_INIT;
    size_t ix;

    if (name != NULL && sc_ofd_pkg_find(pkg, NULL, name, &ix, &e) == 0) {
        f[ix].own = 1;
        f[ix].pinned |= (uint8_t)pinned;
    }
}

static void index_entries(const sc_ofd_pkg *pkg, const sc__ofd_model *m, const uint8_t *seal_ok,
                          entry_facts *f, size_t count)
{
    size_t n = m->nsigs;

    for (size_t i = 0; i < count; i++)
        f[i] = (entry_facts){ n, n, 0, 0, 0 };
    mark(pkg, f, m->sigs_entry, 1);   /* excluded by every signer, so later ones stay possible */
    for (size_t k = 0; k < n; k++) {
        const sc__ofd_sig *g = &m->sigs[k];
        sc_err e = SC_ERR_INIT;
        size_t ix;
        mark(pkg, f, g->entry, 1);
        mark(pkg, f, g->value_entry, 1);
        mark(pkg, f, g->seal_entry, seal_ok[k]);   /* pinned only when it is the signed seal */
        for (size_t r = 0; r < g->nrefs; r++)
            if (g->refs[r].entry != NULL &&
                sc_ofd_pkg_find(pkg, NULL, g->refs[r].entry, &ix, &e) == 0) {
                f[ix].stamp = k + 1;
                f[ix].last_cover = k;
            }
        for (size_t i = 0; g->problem == NULL && i < count; i++)
            if (f[i].stamp != k + 1 && f[i].first_gap == n)
                f[i].first_gap = k;
    }
}

static int add_findings(sc_report *rep, sc_ofd_pkg *pkg, const sc__ofd_model *m,
                        const uint8_t *seal_ok, sc_err *err)
{
    size_t count = sc_ofd_pkg_count(pkg), n = m->nsigs;
    entry_facts *f = NULL;
    uint64_t before, after;
    int rc = 0;

    sc_ofd_pkg_get_extra_bytes(pkg, &before, &after);
    if (before + after > 0 &&
        (rc = sc__report_add_finding(rep, "extra_bytes", NULL, err, "%llu bytes before the zip "
              "and %llu after its end record: they belong to no file, so no signature covers "
              "them (some producers write them; readers ignore them)",
              (unsigned long long)before, (unsigned long long)after)) != 0)
        return rc;
    if (m->ndocbody > 1 &&
        (rc = sc__report_add_finding(rep, "unverified_documents", "OFD.xml", err, "OFD.xml "
              "holds %zu documents (DocBody); only the first one's signatures were verified",
              m->ndocbody)) != 0)
        return rc;
    if (m->doc_problem != NULL &&
        (rc = sc__report_add_finding(rep, "unreadable_document", m->doc_root, err, "%s: the "
              "pages are unknown, so no page numbers are given", m->doc_problem)) != 0)
        return rc;
    if (n == 0 || count == 0)
        return 0;
    if ((f = calloc(count, sizeof(*f))) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    index_entries(pkg, m, seal_ok, f, count);
    for (size_t i = 0; i < count && rc == 0; i++) {
        const char *name = sc_ofd_pkg_name(pkg, i);
        size_t len = strlen(name);
        if (len == 0 || name[len - 1] == '/' || f[i].pinned)
            continue;   /* directories hold no bytes; own files are checked by their item */
        if (f[i].last_cover == n)
            rc = sc__report_add_finding(rep, "unprotected_file", name, err, "no signature's "
                "References cover this file, so it can be changed or added without any check "
                "noticing (some producers leave OFD.xml or unused resources out)");
        else if (f[i].first_gap < f[i].last_cover && !f[i].own)   /* not a later one's own */
            rc = sc__report_add_finding(rep, "added_after_signing", name, err, "signature "
                "%.100s does not cover this file, but the later signature %.100s does: it was "
                "added or replaced after signature %.100s was made",
                m->sigs[f[i].first_gap].id, m->sigs[f[i].last_cover].id,
                m->sigs[f[i].first_gap].id);
    }
    free(f);
    return rc;
}

/* ---- entry points ---------------------------------------------------------------------- */

int sc_verify_ofd(sc_report *rep, sc_ofd_pkg *pkg, const sc_verify_opts *o, sc_err *err)
{
    sc__ofd_model *m = NULL;
    sc_err e = SC_ERR_INIT;
    uint8_t *seal_ok = NULL;
    digest_memo *memo = NULL;
    size_t first = sc_report_item_count(rep);
    int rc;

    if ((rc = sc_report_set_format(rep, "ofd", err)) != 0)
        return rc;
    if ((rc = sc__ofd_model_load(pkg, &m, &e)) != 0)   /* unreadable: a finding, exit 2 */
        return rc == SC_ENOMEM ? sc_err_set(err, rc, "%s", e.msg)
                               : sc_report_add_error(rep, e.msg, err);
    if (m->nsigs == 0 && (rc = sc_report_add_error(rep, m->sigs_entry == NULL ?
            "the OFD document is not signed: OFD.xml names no Signatures.xml" :
            "the OFD document is not signed: its Signatures.xml lists no Signature", err)) != 0)
        goto out;
    if (m->nsigs > 0 && ((seal_ok = calloc(m->nsigs, 1)) == NULL ||
                         (memo = calloc(sc_ofd_pkg_count(pkg), sizeof(*memo))) == NULL)) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < m->nsigs; k++) {
        sig_ctx c = { pkg, memo, m, &m->sigs[k], o, NULL, NULL, 0, NULL, 0, 0 };
        if ((c.it = sc__report_add_item(rep, "signature", err)) == NULL) {
            rc = err != NULL ? err->code : SC_ENOMEM;
            goto out;
        }
        if ((rc = item_extra(c.it, m, c.g, err)) == 0)
            rc = verify_one(&c, err);
        seal_ok[k] = (uint8_t)c.seal_file_ok;
        free(c.xml);
        free(c.value);
        if (rc != 0)
            goto out;
    }
    /* a licence's check relies on its signatures' verdicts, so it comes after them */
    if (m->nsigs > 0 && (rc = sc__verify_license(rep, pkg, m, first, o, err)) != 0)
        goto out;
    rc = add_findings(rep, pkg, m, seal_ok, err);
out:
    free(memo);
    free(seal_ok);
    sc__ofd_model_free(m);
    return rc;
}

int sc_verify_ofd_mem(sc_report *rep, const uint8_t *buf, size_t len, const sc_verify_opts *o,
                      sc_err *err)
{
    sc_ofd_pkg *pkg = NULL;
    sc_err e = SC_ERR_INIT;
    int rc;

    if ((rc = sc_report_set_format(rep, "ofd", err)) != 0)
        return rc;
    if ((rc = sc_ofd_pkg_open_mem(&pkg, buf, len, &e)) != 0)
        return rc == SC_ENOMEM ? sc_err_set(err, rc, "%s", e.msg)
                               : sc_report_add_error(rep, e.msg, err);
    rc = sc_verify_ofd(rep, pkg, o, err);
    sc_ofd_pkg_free(pkg);
    return rc;
}

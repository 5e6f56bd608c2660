/* ofd_stamp_xml.c: the XML the stamper writes (spec/ofd-signature.md §3, §5): the Signatures
 * pointer inserted into OFD.xml, a Signature added to an existing Signatures.xml, a new
 * Signatures.xml, and Signature.xml.
 * Not here: deciding what goes into them (ofd_stamp.c), placing seals (ofd_stamp_pos.c).
 *
 * OFD.xml and an existing Signatures.xml are edited as bytes, not re-serialised: a vendor's
 * formatting, comments, encoding declaration and attribute order stay exactly as they were,
 * and a reader that worked on the original keeps working. A small scanner finds the tags
 * (skipping comments, CDATA, processing instructions and a DOCTYPE, honouring quotes in
 * attribute values); what it cannot place is refused, and every edited or new file is parsed
 * again with the package's own parser and checked before anything is written, so a scanner
 * mistake becomes a refusal, never a damaged package. Numbers are formatted with integers,
 * never printf("%f"), whose decimal separator follows the process locale. */
#include "ofd/ofd_stamp_int.h"
#include "sc_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlstring.h>
#include <openssl/evp.h>

#define OFD_NS "http://www.ofdspec.org/2016"
#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* ---- a growing buffer ------------------------------------------------------------------- */

/* Appends after an allocation failure or past SC_OFD_MAX_XML do nothing and set a flag,
 * so building code checks once at the end. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
    int oom, over;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->oom || b->over || n == 0)
        return;
    if (n > SC_OFD_MAX_XML - b->len) {   /* len <= SC_OFD_MAX_XML always */
        b->over = 1;
        return;
    }
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 4096;
        char *np;
        while (ncap < b->len + n)
            ncap *= 2;                   /* <= 2 * SC_OFD_MAX_XML: no overflow */
        if ((np = realloc(b->p, ncap)) == NULL) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void puts_(sbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* s escaped for an attribute value or element text (the strings are checked with
 * sc__ofd_xml_name_ok or are ours, so no control characters reach here). */
static void put_esc(sbuf *b, const char *s)
{
    for (const char *run = s;; s++) {
        const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
                        : *s == '"' ? "&quot;" : NULL;
        if (rep == NULL && *s != '\0')
            continue;
        put(b, run, (size_t)(s - run));
        if (*s == '\0')
            return;
        puts_(b, rep);
        run = s + 1;
    }
}

static void put_u64(sbuf *b, uint64_t v)
{
    char s[24];
    put(b, s, (size_t)snprintf(s, sizeof(s), "%" PRIu64, v));
}

/* v (|v| < 1e12) rounded to 0.001 mm in its shortest form: "50", "-3.5", "12.345". */
static void put_mm(sbuf *b, double v)
{
    long long t = (long long)(v * 1000.0 + (v < 0 ? -0.5 : 0.5));
    unsigned long long a = t < 0 ? 0ull - (unsigned long long)t : (unsigned long long)t;
    char s[48];
    int n = snprintf(s, sizeof(s), "%s%llu.%03llu", t < 0 ? "-" : "", a / 1000, a % 1000);

    while (s[n - 1] == '0')
        n--;
    if (s[n - 1] == '.')
        n--;
    put(b, s, (size_t)n);
}

static void put_box(sbuf *b, const char *attr, const double v[4])
{
    put(b, " ", 1);
    puts_(b, attr);
    put(b, "=\"", 2);
    for (int i = 0; i < 4; i++) {
        if (i > 0)
            put(b, " ", 1);
        put_mm(b, v[i]);
    }
    put(b, "\"", 1);
}

/* Element <P:local> with prefix P ("" = none). */
static void put_open(sbuf *b, const char *prefix, const char *local, int close)
{
    put(b, close ? "</" : "<", close ? 2 : 1);
    if (*prefix != '\0') {
        puts_(b, prefix);
        put(b, ":", 1);
    }
    puts_(b, local);
}

/* <P:local>text</P:local>, text escaped. */
static void put_el(sbuf *b, const char *prefix, const char *local, const char *text)
{
    put_open(b, prefix, local, 0);
    put(b, ">", 1);
    put_esc(b, text);
    put_open(b, prefix, local, 1);
    put(b, ">", 1);
}

static void put_attr(sbuf *b, const char *name, const char *value)
{
    put(b, " ", 1);
    puts_(b, name);
    put(b, "=\"", 2);
    put_esc(b, value);
    put(b, "\"", 1);
}

static void put_attr_u64(sbuf *b, const char *name, uint64_t v)
{
    char s[24];
    snprintf(s, sizeof(s), "%" PRIu64, v);
    put_attr(b, name, s);
}

/* The buffer handed out as *out (NUL-terminated), or the reason it cannot be. */
static int sbuf_take(sbuf *b, const char *what, uint8_t **out, size_t *outlen, sc_err *err)
{
    *out = NULL;
    if (!b->oom && !b->over && b->len == b->cap) {   /* room for the NUL, not counted */
        char *np = realloc(b->p, b->cap + 1);
        b->oom = np == NULL;
        b->p = np != NULL ? np : b->p;
        b->cap += np != NULL;
    }
    if (!b->oom && !b->over && b->p != NULL)
        b->p[b->len] = '\0';
    if (b->oom || b->over || b->p == NULL) {
        free(b->p);
        b->p = NULL;
        return b->oom ? sc_err_set(err, SC_ENOMEM, "%s: out of memory", what)
                      : sc_err_set(err, SC_ELIMIT, "%s: more than the %u bytes of XML a "
                                   "reader takes", what, SC_OFD_MAX_XML);
    }
    *out = (uint8_t *)b->p;
    *outlen = b->len;
    b->p = NULL;
    return 0;
}

int sc__ofd_xml_name_ok(const char *name, sc_err *err)
{
    const uint8_t *p = (const uint8_t *)name;
    size_t n = strlen(name), used;

    for (size_t i = 0; i < n; i += used) {
        int32_t cp = sc__utf8_next(p + i, n - i, &used);
        if (cp < 0)
            return sc_err_set(err, SC_EUNSUPPORTED, "\"%.200s\": not UTF-8 (XML cannot carry "
                              "it)", name);
        /* XML 1.0 Char without tab, LF and CR, which names never need; and not DEL */
        if (cp < 0x20 || cp == 0x7F)
            return sc_err_set(err, SC_EUNSUPPORTED, "\"%.200s\": control character 0x%02x "
                              "(XML cannot carry it)", name, (unsigned)cp);
        if (cp == 0xFFFE || cp == 0xFFFF)
            return sc_err_set(err, SC_EUNSUPPORTED, "\"%.200s\": character U+%04X (XML cannot "
                              "carry it)", name, (unsigned)cp);
    }
    return 0;
}

/* ---- finding tags in raw XML ------------------------------------------------------------ */

enum { TAG_START, TAG_END, TAG_EMPTY };

typedef struct xtag {
    int kind;
    const char *qname;      /* in the buffer, qlen bytes */
    size_t qlen;
    size_t at, end;         /* offset of '<' and just past '>' */
} xtag;

/* Offset of needle in s[from, n), or n. */
static size_t find(const char *s, size_t n, size_t from, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = from; k <= n && i <= n - k; i++)
        if (memcmp(s + i, needle, k) == 0)
            return i;
    return n;
}

static int starts(const char *s, size_t n, size_t at, const char *lit)
{
    size_t k = strlen(lit);
    return n - at >= k && memcmp(s + at, lit, k) == 0;
}

/* Skip markup that is not a tag at s[i] ('<'); *i moved past it. 1 skipped, 0 not such
 * markup, -1 unterminated. */
static int skip_other(const char *s, size_t n, size_t *i)
{
    static const char *const open[] = { "<!--", "<![CDATA[", "<?" };
    static const char *const close[] = { "-->", "]]>", "?>" };
    size_t e;

    for (size_t k = 0; k < 3; k++)
        if (starts(s, n, *i, open[k])) {
            if ((e = find(s, n, *i + strlen(open[k]), close[k])) == n)
                return -1;
            *i = e + strlen(close[k]);
            return 1;
        }
    if (!starts(s, n, *i, "<!"))
        return 0;
    int depth = 0;   /* a DOCTYPE: its internal subset [...] may hold '>' */
    char quote = 0;
    for (e = *i + 2; e < n; e++) {
        if (quote != 0)
            quote = s[e] == quote ? 0 : quote;
        else if (s[e] == '"' || s[e] == '\'')
            quote = s[e];
        else if (s[e] == '[')
            depth++;
        else if (s[e] == ']')
            depth--;
        else if (s[e] == '>' && depth <= 0)
            break;
    }
    if (e >= n)
        return -1;
    *i = e + 1;
    return 1;
}

/* The next tag at or after *pos: 1 with *t filled and *pos past it, 0 at the end, -1 for
 * markup that does not end. */
static int next_tag(const char *s, size_t n, size_t *pos, xtag *t)
{
    size_t i = *pos, j;
    char quote = 0;
    int r;

    for (;;) {
        const char *lt = i < n ? memchr(s + i, '<', n - i) : NULL;
        if (lt == NULL)
            return 0;
        i = (size_t)(lt - s);
        if ((r = skip_other(s, n, &i)) < 0)
            return -1;
        if (r == 0)
            break;
    }
    j = i + 1;
    t->kind = j < n && s[j] == '/' ? TAG_END : TAG_START;
    j += t->kind == TAG_END;
    t->qname = s + j;
    while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\r' && s[j] != '\n' && s[j] != '>' &&
           s[j] != '/')
        j++;
    t->qlen = (size_t)(s + j - t->qname);
    for (; j < n; j++) {
        if (quote != 0)
            quote = s[j] == quote ? 0 : quote;
        else if (s[j] == '"' || s[j] == '\'')
            quote = s[j];
        else if (s[j] == '>')
            break;
    }
    if (j >= n || t->qlen == 0)
        return -1;
    if (t->kind == TAG_START && s[j - 1] == '/')
        t->kind = TAG_EMPTY;
    t->at = i;
    t->end = j + 1;
    *pos = j + 1;
    return 1;
}

/* The tag's local name is local. */
static int tag_is(const xtag *t, const char *local)
{
    const char *colon = memchr(t->qname, ':', t->qlen);
    const char *l = colon != NULL ? colon + 1 : t->qname;
    size_t ll = (size_t)(t->qname + t->qlen - l);
    return ll == strlen(local) && memcmp(l, local, ll) == 0;
}

/* The tag's prefix ("" when none) into buf. 0, or -1 when it does not fit. */
static int tag_prefix(const xtag *t, char *buf, size_t cap)
{
    const char *colon = memchr(t->qname, ':', t->qlen);
    size_t n = colon != NULL ? (size_t)(colon - t->qname) : 0;
    if (n >= cap)
        return -1;
    memcpy(buf, t->qname, n);
    buf[n] = '\0';
    return 0;
}

/* Walk the tags; cb sees each with its depth (the root is 0, its children 1) and returns
 * 0 to go on, 1 to stop. @return 0 done or stopped, -1 malformed (unbalanced, unended). */
typedef int (*tag_cb)(void *ctx, const xtag *t, int depth);

static int walk(const uint8_t *xml, size_t len, tag_cb cb, void *ctx)
{
    size_t pos = 0;
    int depth = 0, r;
    xtag t;

    while ((r = next_tag((const char *)xml, len, &pos, &t)) == 1) {
        if (t.kind == TAG_END && --depth < 0)
            return -1;
        if (cb(ctx, &t, depth) != 0)
            return 0;
        if (t.kind == TAG_START)
            depth++;
    }
    return r;
}

/* Up to two edits: replace [at, at + del) by ins, in increasing at. */
typedef struct edit {
    size_t at, del;
    const char *ins;
    size_t ins_len;
} edit;

static int splice(const uint8_t *xml, size_t len, const edit *e, size_t ne, const char *what,
                  uint8_t **out, size_t *outlen, sc_err *err)
{
    sbuf b = { 0 };
    size_t from = 0;

    for (size_t i = 0; i < ne; i++) {
        put(&b, (const char *)xml + from, e[i].at - from);
        put(&b, e[i].ins, e[i].ins_len);
        from = e[i].at + e[i].del;
    }
    put(&b, (const char *)xml + from, len - from);
    return sbuf_take(&b, what, out, outlen, err);
}

/* Parse what we made, as a reader will; its root must be root. *doc NULL on failure. */
static int reparse(const uint8_t *xml, size_t len, const char *what, const char *root,
                   xmlDoc **doc, sc_err *err)
{
    int rc = sc__ofd_xml_parse(xml, len, what, doc, err);
    if (rc == 0 && !sc__ofd_is(xmlDocGetRootElement(*doc), root))
        rc = sc_err_set(err, SC_EFORMAT, "%s: the root element is not %s", what, root);
    if (rc != 0) {
        xmlFreeDoc(*doc);
        *doc = NULL;
        sc_err_prefix(err, "the edited file does not read back");
    }
    return rc;
}

/* Child element text of n equals want. */
static int text_is(const xmlNode *n, const char *want, sc_err *err)
{
    char *t = sc__ofd_text(n, err);
    int same = t != NULL && strcmp(t, want) == 0;
    free(t);
    return same;
}

/* ---- OFD.xml ---------------------------------------------------------------------------- */

typedef struct body_find {
    int in_body;            /* inside the first DocBody */
    size_t insert_at;       /* its end tag's offset; 0: not found */
    char prefix[64];
    int bad;
} body_find;

static int body_cb(void *ctx, const xtag *t, int depth)
{
    body_find *f = ctx;

    if (depth != 1 || !tag_is(t, "DocBody"))
        return 0;
    if (t->kind == TAG_START && !f->in_body) {
        f->in_body = 1;
        f->bad = tag_prefix(t, f->prefix, sizeof(f->prefix)) != 0;
        return 0;
    }
    if (t->kind == TAG_END && f->in_body) {
        f->insert_at = t->at;
        return 1;
    }
    return t->kind == TAG_EMPTY;   /* an empty first DocBody: has no DocRoot; stop */
}

int sc__ofd_xml_add_sigs_ptr(const uint8_t *xml, size_t len, const char *loc, int reread,
                             uint8_t **out, size_t *outlen, sc_err *err)
{
    body_find f = { 0 };
    sbuf ins = { 0 };
    xmlDoc *doc = NULL;
    xmlNode *body = NULL;
    int rc;

    *out = NULL;
    if (walk(xml, len, body_cb, &f) != 0 || f.insert_at == 0 || f.bad)
        return sc_err_set(err, SC_EFORMAT, "OFD.xml: cannot find the end tag of the first "
                          "DocBody to add the Signatures entry");
    put_el(&ins, f.prefix, "Signatures", loc);
    if (ins.oom)
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    else
        rc = splice(xml, len, &(edit){ f.insert_at, 0, ins.p, ins.len }, 1, "OFD.xml", out,
                    outlen, err);
    free(ins.p);
    if (rc == 0 && reread && (rc = reparse(*out, *outlen, "OFD.xml", "OFD", &doc, err)) == 0) {
        for (xmlNode *c = xmlDocGetRootElement(doc)->children; c != NULL && body == NULL;
             c = c->next)
            body = sc__ofd_is(c, "DocBody") ? c : NULL;
        xmlNode *s = sc__ofd_child(body, "Signatures");
        if (s == NULL || !text_is(s, loc, err))
            rc = sc_err_set(err, SC_EFORMAT, "OFD.xml: the inserted Signatures entry does not "
                            "read back (a construct the tag scanner does not know?)");
    }
    xmlFreeDoc(doc);
    if (rc != 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

/* ---- Signatures.xml --------------------------------------------------------------------- */

typedef struct sigs_find {
    char prefix[64];        /* the root's */
    size_t root_open_end;   /* just past the root start tag */
    int root_empty;         /* <P:Signatures/> */
    size_t root_close;      /* offset of the root end tag */
    size_t max_at, max_del; /* MaxSignId's content (or whole empty tag) */
    int max_state;          /* 0 none, 1 inside (start seen), 2 content found, 3 empty tag */
    int bad;
} sigs_find;

static int sigs_cb(void *ctx, const xtag *t, int depth)
{
    sigs_find *f = ctx;

    if (depth == 0) {
        if (t->kind == TAG_END) {
            f->root_close = t->at;
            return 1;
        }
        f->bad |= tag_prefix(t, f->prefix, sizeof(f->prefix)) != 0;
        f->root_open_end = t->end;
        f->root_empty = t->kind == TAG_EMPTY;
        return f->root_empty;
    }
    if (f->max_state == 1) {                  /* the first tag after <MaxSignId> */
        if (t->kind != TAG_END || depth != 1 || !tag_is(t, "MaxSignId"))
            f->bad = 1;                       /* markup inside MaxSignId */
        f->max_del = t->at - f->max_at;
        f->max_state = 2;
        return 0;
    }
    if (depth == 1 && f->max_state == 0 && tag_is(t, "MaxSignId")) {
        f->max_state = t->kind == TAG_EMPTY ? 3 : 1;
        f->max_at = t->kind == TAG_EMPTY ? t->at : t->end;
        f->max_del = t->kind == TAG_EMPTY ? t->end - t->at : 0;
    }
    return 0;
}

/* <P:Signature ID= Type="Seal" BaseLoc=/> */
static void put_signature(sbuf *b, const char *prefix, uint64_t id, const char *base_loc)
{
    put_open(b, prefix, "Signature", 0);
    put_attr_u64(b, "ID", id);
    put_attr(b, "Type", "Seal");
    put_attr(b, "BaseLoc", base_loc);
    put(b, "/>", 2);
}

static void put_max(sbuf *b, const char *prefix, uint64_t max_id)
{
    char s[24];
    snprintf(s, sizeof(s), "%" PRIu64, max_id);
    put_el(b, prefix, "MaxSignId", s);
}

/* The edited Signatures.xml reads back with MaxSignId = max_id and our Signature last. */
static int check_sigs(const uint8_t *xml, size_t len, uint64_t id, const char *base_loc,
                      uint64_t max_id, sc_err *err)
{
    xmlDoc *doc = NULL;
    xmlNode *root, *last = NULL;
    char want[24], idtxt[24];
    const char *v;
    int rc;

    if ((rc = reparse(xml, len, "Signatures.xml", "Signatures", &doc, err)) != 0)
        return rc;
    root = xmlDocGetRootElement(doc);
    for (xmlNode *c = root->children; c != NULL; c = c->next)
        if (sc__ofd_is(c, "Signature"))
            last = c;
    snprintf(want, sizeof(want), "%" PRIu64, max_id);
    snprintf(idtxt, sizeof(idtxt), "%" PRIu64, id);
    if (!text_is(sc__ofd_child(root, "MaxSignId"), want, err) || last == NULL ||
        (v = sc__ofd_attr(last, "ID")) == NULL || strcmp(v, idtxt) != 0 ||
        (v = sc__ofd_attr(last, "BaseLoc")) == NULL || strcmp(v, base_loc) != 0)
        rc = sc_err_set(err, SC_EFORMAT, "Signatures.xml: the added Signature or MaxSignId "
                        "does not read back (a construct the tag scanner does not know?)");
    xmlFreeDoc(doc);
    return rc;
}

int sc__ofd_xml_add_sig(const uint8_t *xml, size_t len, uint64_t id, const char *base_loc,
                        uint64_t max_id, uint8_t **out, size_t *outlen, sc_err *err)
{
    sigs_find f = { 0 };
    sbuf a = { 0 }, s = { 0 };
    edit e[2];
    size_t ne = 0;
    int rc;

    *out = NULL;
    if (walk(xml, len, sigs_cb, &f) != 0 || f.root_open_end == 0 || f.bad ||
        (!f.root_empty && f.root_close == 0) || f.max_state == 1)
        return sc_err_set(err, SC_EFORMAT, "Signatures.xml: cannot find where to add the new "
                          "Signature (root element or MaxSignId not closed)");
    if (f.root_empty) {   /* <P:Signatures .../>: becomes <P:Signatures ...>…</P:Signatures> */
        put(&s, ">", 1);
        put_max(&s, f.prefix, max_id);
        put_signature(&s, f.prefix, id, base_loc);
        put_open(&s, f.prefix, "Signatures", 1);
        put(&s, ">", 1);
        e[ne++] = (edit){ f.root_open_end - 2, 2, NULL, 0 };
    } else {
        if (f.max_state == 2)             /* <P:MaxSignId>old</P:MaxSignId>: the number */
            put_u64(&a, max_id);
        else                              /* absent (inserted first) or <P:MaxSignId/> */
            put_max(&a, f.prefix, max_id);
        e[ne++] = (edit){ f.max_state == 0 ? f.root_open_end : f.max_at, f.max_del, NULL, 0 };
        put_signature(&s, f.prefix, id, base_loc);
        e[ne++] = (edit){ f.root_close, 0, NULL, 0 };
    }
    if (a.oom || s.oom) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    e[0].ins = f.root_empty ? s.p : a.p;
    e[0].ins_len = f.root_empty ? s.len : a.len;
    if (ne == 2) {
        e[1].ins = s.p;
        e[1].ins_len = s.len;
    }
    if ((rc = splice(xml, len, e, ne, "Signatures.xml", out, outlen, err)) == 0 &&
        (rc = check_sigs(*out, *outlen, id, base_loc, max_id, err)) != 0) {
        free(*out);
        *out = NULL;
    }
out:
    free(a.p);
    free(s.p);
    return rc;
}

int sc__ofd_xml_new_sigs(uint64_t id, const char *base_loc, uint64_t max_id, uint8_t **out,
                         size_t *outlen, sc_err *err)
{
    sbuf b = { 0 };

    puts_(&b, XML_DECL "<ofd:Signatures xmlns:ofd=\"" OFD_NS "\">");
    put_max(&b, "ofd", max_id);
    put_signature(&b, "ofd", id, base_loc);
    puts_(&b, "</ofd:Signatures>");
    return sbuf_take(&b, "Signatures.xml", out, outlen, err);
}

/* ---- Signature.xml ---------------------------------------------------------------------- */

int sc__ofd_sigxml_build(const sc__ofd_sigxml *s, uint8_t **out, size_t *outlen, sc_err *err)
{
    sbuf b = { 0 };
    char b64[48];
    sc_err why = SC_ERR_INIT;

    /* Every string it carries is a name or a date: checked here, whatever the caller did,
     * so a character XML cannot carry (U+FFFE, say) is refused before anything is signed.
     * (Parsing the result back did the same at a thirtieth of a licence's time.) */
    if (sc__ofd_xml_name_ok(s->provider, &why) != 0 || sc__ofd_xml_name_ok(s->version, &why) != 0 ||
        sc__ofd_xml_name_ok(s->company, &why) != 0 ||
        sc__ofd_xml_name_ok(s->date_time, &why) != 0 ||
        sc__ofd_xml_name_ok(s->seal_loc, &why) != 0 ||
        sc__ofd_xml_name_ok(s->value_loc, &why) != 0)
        return sc_err_set(err, SC_EUNSUPPORTED, "Signature.xml: %s", why.msg);
    for (size_t i = 0; i < s->nrefs; i++)
        if (sc__ofd_xml_name_ok(s->refs[i].entry, &why) != 0)
            return sc_err_set(err, SC_EUNSUPPORTED, "Signature.xml: Reference %s", why.msg);
    puts_(&b, XML_DECL "<ofd:Signature xmlns:ofd=\"" OFD_NS "\"><ofd:SignedInfo>");
    puts_(&b, "<ofd:Provider");
    put_attr(&b, "ProviderName", s->provider);
    put_attr(&b, "Version", s->version);
    put_attr(&b, "Company", s->company);
    puts_(&b, "/>");
    put_el(&b, "ofd", "SignatureMethod", SC_OID_SM2_SM3);
    put_el(&b, "ofd", "SignatureDateTime", s->date_time);
    puts_(&b, "<ofd:References CheckMethod=\"" SC_OID_SM3 "\">");
    for (size_t i = 0; i < s->nrefs; i++) {
        EVP_EncodeBlock((unsigned char *)b64, s->refs[i].sm3, 32);   /* 44 chars + NUL */
        puts_(&b, "<ofd:Reference FileRef=\"/");
        put_esc(&b, s->refs[i].entry);
        puts_(&b, "\">");
        put_el(&b, "ofd", "CheckValue", b64);
        puts_(&b, "</ofd:Reference>");
    }
    puts_(&b, "</ofd:References>");
    for (size_t i = 0; i < s->nstamps; i++) {
        const sc__ofd_stamp *st = &s->stamps[i];
        puts_(&b, "<ofd:StampAnnot");
        put_attr_u64(&b, "ID", st->id);
        put_attr_u64(&b, "PageRef", st->page_id);
        put_box(&b, "Boundary", st->box);
        if (st->has_clip)
            put_box(&b, "Clip", st->clip);
        puts_(&b, "/>");
    }
    puts_(&b, "<ofd:Seal>");
    put_el(&b, "ofd", "BaseLoc", s->seal_loc);
    puts_(&b, "</ofd:Seal></ofd:SignedInfo>");
    put_el(&b, "ofd", "SignedValue", s->value_loc);
    puts_(&b, "</ofd:Signature>");
    return sbuf_take(&b, "Signature.xml", out, outlen, err);
}

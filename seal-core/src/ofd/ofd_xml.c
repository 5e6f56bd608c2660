/* ofd_xml.c: parsing one OFD XML part (OFD.xml, Document.xml, Signature.xml, …) from memory
 * with libxml2 2.9, safely: size and depth limits, no network, no entity expansion, no DTD
 * loading, nothing printed, no global libxml2 handler touched (a parser context per call, so
 * several threads may parse at once). Not here: what the elements mean, namespaces, XSD
 * checks; reading the bytes out of the package (ofd_pkg.c).
 *
 * OFD files never need a DTD, so a DOCTYPE that declares an entity (billion laughs) or names
 * an external subset (XXE) is refused from the SAX callbacks the moment it is seen, before
 * libxml2 could expand or fetch anything; a bare <!DOCTYPE x> is tolerated. The depth limit
 * is ours too (counted in the element callbacks), so it does not depend on libxml2's 256. */
#include "ofd/ofd_int.h"
#include "sc_int.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

typedef struct guard {
    unsigned depth, max_depth;
    const char *refused;      /* why a callback stopped the parser; NULL while fine */
    int code;
    int err_line;             /* libxml2's first error: later ones are often consequences */
    char err_msg[200];
} guard;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();          /* libxml2 wants it once, before threads parse */
}

static guard *guard_of(void *ctx)
{
    return ((xmlParserCtxtPtr)ctx)->_private;
}

static void refuse(void *ctx, int code, const char *why)
{
    guard *g = guard_of(ctx);

    if (g->refused == NULL) {
        g->refused = why;
        g->code = code;
    }
    xmlStopParser(ctx);
}

static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id)
{
    if (external_id != NULL || system_id != NULL) {
        refuse(ctx, SC_EFORMAT, "DOCTYPE names an external DTD (refused: XXE)");
        return;
    }
    xmlSAX2InternalSubset(ctx, name, external_id, system_id);
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
    (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
    refuse(ctx, SC_EFORMAT, "DTD declares an entity (refused: entity expansion, XXE)");
}

static void on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *public_id,
                                    const xmlChar *system_id, const xmlChar *notation)
{
    (void)name, (void)public_id, (void)system_id, (void)notation;
    refuse(ctx, SC_EFORMAT, "DTD declares an entity (refused: entity expansion, XXE)");
}

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    guard *g = guard_of(ctx);

    if (++g->depth > g->max_depth) {
        refuse(ctx, SC_ELIMIT, "elements nested too deep");
        return;
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces,
                          nb_attributes, nb_defaulted, attributes);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                   const xmlChar *uri)
{
    guard *g = guard_of(ctx);

    if (g->depth > 0)
        g->depth--;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* Keeps libxml2's first error (the context's lastError holds the last one, often "Premature
 * end of data" after the real cause) and keeps libxml2 from printing anything. */
static void on_error(void *ctx, xmlErrorPtr e)
{
    guard *g = guard_of(ctx);
    size_t n;

    if (g->err_msg[0] != '\0' || e == NULL || e->message == NULL || e->level < XML_ERR_ERROR)
        return;
    n = strlen(e->message);
    while (n > 0 && (e->message[n - 1] == '\n' || e->message[n - 1] == ' '))
        n--;
    if (n >= sizeof(g->err_msg))
        n = sizeof(g->err_msg) - 1;
    memcpy(g->err_msg, e->message, n);
    g->err_msg[n] = '\0';
    g->err_line = e->line;
}

/* libxml2 reports encoding failures (a document in a declared encoding its bytes are not in)
 * through the generic error function, not the context's handler, and that prints to stderr
 * by default. The function is per thread (libxml2 is built with threads), so it is replaced
 * around one parse and put back; the first message is kept like on_error's. */
static void on_generic(void *ctx, const char *fmt, ...)
{
    guard *g = ctx;
    va_list ap;
    size_t n;

    if (g->err_msg[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(g->err_msg, sizeof(g->err_msg), fmt, ap);
    va_end(ap);
    n = strlen(g->err_msg);
    while (n > 0 && (g->err_msg[n - 1] == '\n' || g->err_msg[n - 1] == ' '))
        g->err_msg[--n] = '\0';
    g->err_line = 1;   /* not known here; the text names the bytes */
}

int sc__ofd_xml_parse_depth(const uint8_t *buf, size_t len, const char *name, unsigned depth,
                            xmlDoc **out, sc_err *err)
{
    xmlGenericErrorFunc saved_fn;
    void *saved_ctx;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDoc *doc = NULL;
    guard g = { 0, depth, NULL, 0, 0, { 0 } };
    int rc = 0;

    *out = NULL;
    name = name != NULL ? name : "XML";
    if (len == 0)
        return sc_err_set(err, SC_EFORMAT, "%.200s: empty", name);
    if (len > SC_OFD_MAX_XML || len > INT_MAX)
        return sc_err_set(err, SC_ELIMIT, "%.200s: %zu bytes, more than the %u allowed for XML",
                          name, len, SC_OFD_MAX_XML);
    pthread_once(&init_once, init_libxml);
    if ((ctxt = xmlNewParserCtxt()) == NULL)
        return sc_err_set(err, SC_ENOMEM, "%.200s: out of memory for an XML parser", name);
    ctxt->_private = &g;
    ctxt->sax->serror = on_error;
    ctxt->sax->internalSubset = on_internal_subset;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->sax->unparsedEntityDecl = on_unparsed_entity_decl;
    ctxt->sax->startElementNs = on_start;
    ctxt->sax->endElementNs = on_end;
    /* Never NOENT (expand entities), DTDLOAD (fetch the external subset) or HUGE (lifts
     * libxml2's own limits). */
    saved_fn = xmlGenericError;
    saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(&g, on_generic);
    doc = xmlCtxtReadMemory(ctxt, (const char *)buf, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    if (g.refused != NULL) {
        if (g.code == SC_ELIMIT)
            rc = sc_err_set(err, SC_ELIMIT, "%.200s: line %d: elements nested deeper than %u",
                            name, xmlSAX2GetLineNumber(ctxt), depth);
        else
            rc = sc_err_set(err, g.code, "%.200s: line %d: %s", name,
                            xmlSAX2GetLineNumber(ctxt), g.refused);
        goto out;
    }
    if (doc == NULL || !ctxt->wellFormed) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        if (g.err_msg[0] != '\0')
            rc = sc_err_set(err, SC_EFORMAT, "%.200s: XML line %d: %s (libxml2)", name,
                            g.err_line, g.err_msg);
        else if (e != NULL && e->message != NULL)
            rc = sc_err_set(err, SC_EFORMAT, "%.200s: XML line %d: %.200s (libxml2)", name,
                            e->line, e->message);
        else
            rc = sc_err_set(err, SC_EFORMAT, "%.200s: not well-formed XML", name);
        goto out;
    }
    if (xmlDocGetRootElement(doc) == NULL) {
        rc = sc_err_set(err, SC_EFORMAT, "%.200s: no root element", name);
        goto out;
    }
    *out = doc;
    doc = NULL;
out:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

int sc__ofd_xml_parse(const uint8_t *buf, size_t len, const char *name, xmlDoc **out,
                      sc_err *err)
{
    return sc__ofd_xml_parse_depth(buf, len, name, SC_OFD_MAX_XML_DEPTH, out, err);
}

/* ---- small readers shared by the OFD modules ------------------------------------------ */

int sc__ofd_is(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

xmlNode *sc__ofd_child(const xmlNode *n, const char *name)
{
    if (n == NULL)
        return NULL;
    for (xmlNode *c = n->children; c != NULL; c = c->next)
        if (sc__ofd_is(c, name))
            return c;
    return NULL;
}

const char *sc__ofd_attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
        if (strcmp((const char *)a->name, name) != 0)
            continue;
        if (a->children == NULL)
            return "";
        if (a->children->type != XML_TEXT_NODE || a->children->next != NULL ||
            a->children->content == NULL)
            return "&";
        return (const char *)a->children->content;
    }
    return NULL;
}

static int xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *sc__ofd_text(const xmlNode *n, sc_err *err)
{
    xmlChar *t = xmlNodeGetContent(n);
    const char *s = t != NULL ? (const char *)t : "";
    size_t len = strlen(s);
    while (len > 0 && xml_space(s[len - 1]))
        len--;
    while (len > 0 && xml_space(*s)) {
        s++;
        len--;
    }
    char *out = sc__malloc(len + 1, err);
    if (out != NULL) {
        memcpy(out, s, len);
        out[len] = '\0';
    }
    xmlFree(t);
    return out;
}

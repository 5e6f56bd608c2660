/* lic_get.c: the getters of sc_lic_template and sc_lic_field (sealcore/license.h). Every
 * pointer handed out is borrowed from the template. Not here: reading one (lic_tmpl.c). */
#include "license/lic_int.h"

#include <string.h>

const char *sc_lic_template_get_type_code(const sc_lic_template *t)
{
    return t->type_code;
}

const char *sc_lic_template_get_name(const sc_lic_template *t)
{
    return t->name;
}

const char *sc_lic_template_get_authority(const sc_lic_template *t)
{
    return t->authority;
}

const char *sc_lic_template_get_authority_code(const sc_lic_template *t)
{
    return t->authority_code;
}

const char *sc_lic_template_get_holder_code_type(const sc_lic_template *t)
{
    return t->holder_type;
}

void sc_lic_template_get_page(const sc_lic_template *t, double *width_mm, double *height_mm)
{
    *width_mm = t->page_w;
    *height_mm = t->page_h;
}

void sc_lic_template_get_seal(const sc_lic_template *t, double *x, double *y)
{
    *x = t->seal_x;
    *y = t->seal_y;
}

void sc_lic_template_get_code(const sc_lic_template *t, double *x, double *y, double *size)
{
    *x = t->code_x;
    *y = t->code_y;
    *size = t->code_size;
}

const char *sc_lic_template_get_background(const sc_lic_template *t)
{
    return t->background;
}

size_t sc_lic_template_field_count(const sc_lic_template *t)
{
    return t->n_fields;
}

const sc_lic_field *sc_lic_template_get_field(const sc_lic_template *t, size_t i)
{
    return i < t->n_fields ? &t->fields[i] : NULL;
}

const sc_lic_field *sc_lic_template_find_field(const sc_lic_template *t, const char *name)
{
    for (size_t i = 0; name != NULL && i < t->n_fields; i++)
        if (strcmp(t->fields[i].name, name) == 0)
            return &t->fields[i];
    return NULL;
}

size_t sc_lic_template_text_count(const sc_lic_template *t)
{
    return t->n_texts;
}

const sc_lic_box *sc_lic_template_get_text(const sc_lic_template *t, size_t i)
{
    return i < t->n_texts ? &t->texts[i] : NULL;
}

const char *sc_lic_field_get_name(const sc_lic_field *f)
{
    return f->name;
}

const char *sc_lic_field_get_label(const sc_lic_field *f)
{
    return f->label;
}

const char *sc_lic_field_get_meta(const sc_lic_field *f)
{
    return f->meta;
}

int sc_lic_field_get_format(const sc_lic_field *f)
{
    return f->format;
}

const char *sc_lic_field_get_pattern(const sc_lic_field *f)
{
    return f->pattern;
}

int sc_lic_field_is_required(const sc_lic_field *f)
{
    return f->required;
}

unsigned sc_lic_field_get_max_len(const sc_lic_field *f)
{
    return f->max_len;
}

const sc_lic_box *sc_lic_field_get_box(const sc_lic_field *f)
{
    return &f->box;
}

const sc_lic_box *sc_lic_field_get_caption(const sc_lic_field *f)
{
    return f->has_caption ? &f->caption : NULL;
}

/* The text dump: built on the public dataset API only, so it shows exactly what a caller
 * would read back. */
#include "dicomkit/dataset.h"
#include "text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_VALUE_MAX 80 /* characters of a value shown before "..." */

static void indent(dk_text *t, int depth)
{
    for (int i = 0; i < depth; i++)
        dk_text_append(t, "  ", 2);
}

/* Control characters would break the one-line-per-element layout. */
static void append_shown(dk_text *t, const char *s, size_t len)
{
    size_t shown = len > DUMP_VALUE_MAX ? DUMP_VALUE_MAX : len;
    while (shown > 0 && shown < len && ((unsigned char)s[shown] & 0xC0) == 0x80)
        shown--; /* cut before a character, never inside its UTF-8 sequence */
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F)
            dk_text_printf(t, "\\x%02X", c);
        else
            dk_text_append(t, (const char *)&s[i], 1);
    }
    if (shown < len)
        dk_text_printf(t, "... (%zu bytes)", len);
}

static void dump_numbers(dk_text *t, dk_dataset *ds, const dk_element_info *info, int is_float)
{
    size_t shown = info->vm > 16 ? 16 : info->vm;
    for (size_t i = 0; i < shown; i++) {
        if (i)
            dk_text_append(t, "\\", 1);
        if (is_float) {
            double v = 0;
            dk_dataset_get_float(ds, info->tag, i, &v, NULL);
            dk_text_printf(t, "%.17g", v);
        } else if (strcmp(info->vr, "AT") == 0) {
            long long v = 0;
            dk_dataset_get_integer(ds, info->tag, i, &v, NULL);
            dk_text_printf(t, "(%04llX,%04llX)", (v >> 16) & 0xFFFF, v & 0xFFFF);
        } else {
            long long v = 0;
            dk_dataset_get_integer(ds, info->tag, i, &v, NULL);
            dk_text_printf(t, "%lld", v);
        }
    }
    if (shown < info->vm)
        dk_text_printf(t, "\\... (%zu values)", info->vm);
}

static void dump_items(dk_text *t, dk_dataset *ds, int depth);

static void dump_element(dk_text *t, dk_dataset *ds, const dk_element_info *info, int depth)
{
    indent(t, depth);
    dk_text_printf(t, "(%04X,%04X) %s %-36s ", (unsigned)(info->tag >> 16),
                (unsigned)(info->tag & 0xFFFF), info->vr,
                info->keyword ? info->keyword : "(unknown)");
    switch (info->kind) {
    case DK_KIND_STRING: {
        const char *v = NULL;
        size_t len = 0;
        if (dk_dataset_get_string(ds, info->tag, &v, &len, NULL) == DK_OK && len > 0)
            append_shown(t, v, len);
        else
            dk_text_append(t, "(empty)", 7);
        break;
    }
    case DK_KIND_INTEGER:
    case DK_KIND_FLOAT:
        if (info->vm == 0)
            dk_text_append(t, "(empty)", 7);
        else
            dump_numbers(t, ds, info, info->kind == DK_KIND_FLOAT);
        break;
    case DK_KIND_BYTES:
        dk_text_printf(t, "(%zu bytes)", info->length);
        break;
    case DK_KIND_ENCAPSULATED:
        dk_text_printf(t, "(encapsulated: %zu items, offset table first)", info->vm);
        break;
    case DK_KIND_SEQUENCE:
        dk_text_printf(t, "(%zu item%s)", info->vm, info->vm == 1 ? "" : "s");
        dk_text_append(t, "\n", 1);
        for (size_t i = 0; i < info->vm; i++) {
            dk_dataset *item = NULL;
            if (dk_dataset_get_item(ds, info->tag, i, &item, NULL) != DK_OK)
                break;
            indent(t, depth + 1);
            dk_text_printf(t, "item %zu\n", i + 1);
            dump_items(t, item, depth + 2);
        }
        return;
    }
    dk_text_append(t, "\n", 1);
}

static void dump_items(dk_text *t, dk_dataset *ds, int depth)
{
    size_t n = dk_dataset_count(ds);
    for (size_t i = 0; i < n; i++) {
        dk_element_info info;
        if (dk_dataset_info_at(ds, i, &info, NULL) == DK_OK)
            dump_element(t, ds, &info, depth);
    }
}

char *dk_dataset_dump(dk_dataset *ds, dk_error *err)
{
    int rc = dk_dataset_check(ds, err);
    if (rc != DK_OK)
        return NULL;
    dk_text t = {0};
    dk_text_append(&t, "", 0);
    dump_items(&t, ds, 0);
    if (t.failed) {
        free(t.data);
        dk_error_set(err, DK_ENOMEM, "out of memory while dumping");
        return NULL;
    }
    return t.data;
}

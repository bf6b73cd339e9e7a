/* dicomkit: the DICOM JSON Model (PS3.18 F.2) of a dataset, built on the public dataset API.
 *
 * Why not dcmtk's DcmJsonFormat: in 3.6.7 it writes invalid JSON for three inputs dicomkit meets
 * (checked against the 3.6.7 source and with test programs): encapsulated PixelData without a
 * BulkDataURI leaves a dangling comma and no value, a DS such as "3." becomes the JSON number
 * `3.`, and a NaN as the first FL/FD value is written as `nan`. dcmtk fixed them after 3.6.7.
 *
 * What this writer does (PS3.18 F.2.2-F.2.7): attributes in tag order, group lengths left out;
 * text VRs as strings, multi-valued ones split at the backslash, empty values as null; PN as
 * objects of Alphabetic, Ideographic, Phonetic; IS and DS as JSON numbers when their text is one
 * (or reads as a finite number), as strings otherwise (F.2.3 allows both); SV and UV as numbers
 * up to 2^53 and strings beyond (JSON readers hold doubles); FL and FD as numbers, NaN and the
 * infinities, which JSON numbers cannot hold, as the strings "NaN", "Infinity", "-Infinity";
 * AT as "GGGGEEEE"; binary VRs as InlineBinary (base64); encapsulated PixelData as InlineBinary
 * of its items as encoded (offset table, fragments, sequence delimiter), as pydicom does.
 * Invalid UTF-8 in a value (only a file that was not converted could hold it) becomes U+FFFD.
 */
#include "dicomkit/dataset.h"
#include "dicomkit/vr.h"
#include "text.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void put_string(dk_text *t, const char *s, size_t n)
{
    dk_text_append(t, "\"", 1);
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            dk_text_append(t, "\\", 1);
            dk_text_append(t, (const char *)&s[i], 1);
            i++;
        } else if (c < 0x20) {
            dk_text_printf(t, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            size_t j = i;
            while (j < n && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x80 &&
                   s[j] != '"' && s[j] != '\\')
                j++;
            dk_text_append(t, s + i, j - i);
            i = j;
        } else {
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if (len > n - i || !dk_utf8_valid(s + i, len, NULL)) {
                dk_text_append(t, "\\ufffd", 6);
                i++;
            } else {
                dk_text_append(t, s + i, len);
                i += len;
            }
        }
    }
    dk_text_append(t, "\"", 1);
}

static void put_base64(dk_text *t, const unsigned char *p, size_t n)
{
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char out[4];
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        out[0] = digits[(v >> 18) & 63];
        out[1] = digits[(v >> 12) & 63];
        out[2] = i + 1 < n ? digits[(v >> 6) & 63] : '=';
        out[3] = i + 2 < n ? digits[v & 63] : '=';
        dk_text_append(t, out, 4);
    }
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? over all of s[0..n) (RFC 8259 section 6). */
static int is_json_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    if (i >= n) return 0;
    if (s[i] == '0') i++;
    else if (s[i] >= '1' && s[i] <= '9') while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    else return 0;
    if (i < n && s[i] == '.') {
        size_t start = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == start) return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == start) return 0;
    }
    return i == n;
}

static void put_double(dk_text *t, double v, int digits)
{
    if (isnan(v)) dk_text_puts(t, "\"NaN\"");
    else if (isinf(v)) dk_text_puts(t, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else dk_text_printf(t, "%.*g", digits, v);
}

/* An IS or DS value: its own text when that is a JSON number, else the number it reads as,
 * else (not a number at all) a string. */
static void put_number_text(dk_text *t, const char *s, size_t n)
{
    while (n > 0 && s[0] == ' ') { s++; n--; }
    while (n > 0 && s[n - 1] == ' ') n--;
    if (n == 0) { dk_text_puts(t, "null"); return; }
    if (is_json_number(s, n)) { dk_text_append(t, s, n); return; }
    char buf[64];
    if (n < sizeof buf) {
        memcpy(buf, s, n);
        buf[n] = '\0';
        char *end = NULL;
        double v = strtod(buf, &end);
        if (end == buf + n && isfinite(v)) { put_double(t, v, 17); return; }
    }
    put_string(t, s, n);
}

static void put_person_name(dk_text *t, const char *s, size_t n)
{
    static const char *const groups[] = {"Alphabetic", "Ideographic", "Phonetic"};
    dk_text_append(t, "{", 1);
    int written = 0;
    size_t start = 0;
    for (int g = 0; g < 3 && start <= n; g++) {
        const char *eq = memchr(s + start, '=', n - start);
        size_t stop = eq ? (size_t)(eq - s) : n;
        if (stop > start) {
            dk_text_printf(t, "%s\"%s\":", written++ ? "," : "", groups[g]);
            put_string(t, s + start, stop - start);
        }
        if (eq == NULL) break;
        start = stop + 1;
    }
    dk_text_append(t, "}", 1);
}

static void put_text_values(dk_text *t, const dk_element_info *info, const char *v, size_t len)
{
    const dk_vr_facts *facts = dk_vr_facts_of(info->vr);
    int multi = facts != NULL && facts->multi_valued;
    dk_text_puts(t, ",\"Value\":[");
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && !(multi && v[i] == '\\')) continue;
        if (start > 0) dk_text_append(t, ",", 1);
        size_t n = i - start;
        if (facts != NULL && facts->numeric_text) put_number_text(t, v + start, n);
        else if (n == 0) dk_text_puts(t, "null");
        else if (strcmp(info->vr, "PN") == 0) put_person_name(t, v + start, n);
        else put_string(t, v + start, n);
        start = i + 1;
    }
    dk_text_append(t, "]", 1);
}

static void put_numbers(dk_text *t, dk_dataset *ds, const dk_element_info *info)
{
    dk_text_puts(t, ",\"Value\":[");
    for (size_t i = 0; i < info->vm; i++) {
        if (i) dk_text_append(t, ",", 1);
        if (info->kind == DK_KIND_FLOAT) {
            double d = 0;
            dk_dataset_get_float(ds, info->tag, i, &d, NULL);
            put_double(t, d, strcmp(info->vr, "FL") == 0 ? 9 : 17);
            continue;
        }
        long long v = 0;
        if (dk_dataset_get_integer(ds, info->tag, i, &v, NULL) != DK_OK) {
            dk_text_puts(t, "null");
        } else if (strcmp(info->vr, "AT") == 0) {
            dk_text_printf(t, "\"%08llX\"", v & 0xFFFFFFFFLL);
        } else if (v > (1LL << 53) || v < -(1LL << 53)) {
            dk_text_printf(t, "\"%lld\"", v); /* beyond what a JSON reader's double holds */
        } else {
            dk_text_printf(t, "%lld", v);
        }
    }
    dk_text_append(t, "]", 1);
}

/* The items of encapsulated pixel data as they are encoded (PS3.5 A.4), in base64. */
static void put_encapsulated(dk_text *t, dk_dataset *ds, const dk_element_info *info)
{
    /* base64 in 3-byte groups across item boundaries: stage the bytes, then encode */
    size_t total = 8; /* the sequence delimiter */
    for (size_t i = 0; i < info->vm; i++) {
        const void *data = NULL;
        size_t len = 0;
        if (dk_dataset_get_fragment(ds, info->tag, i, &data, &len, NULL) == DK_OK) total += 8 + len;
    }
    unsigned char *all = malloc(total);
    if (all == NULL) { t->failed = 1; return; }
    size_t at = 0;
    for (size_t i = 0; i < info->vm; i++) {
        const void *data = NULL;
        size_t len = 0;
        if (dk_dataset_get_fragment(ds, info->tag, i, &data, &len, NULL) != DK_OK) continue;
        unsigned char head[8] = {0xFE, 0xFF, 0x00, 0xE0, (unsigned char)len, (unsigned char)(len >> 8),
                                 (unsigned char)(len >> 16), (unsigned char)(len >> 24)};
        memcpy(all + at, head, 8);
        if (len) memcpy(all + at + 8, data, len);
        at += 8 + len;
    }
    static const unsigned char end[8] = {0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0};
    memcpy(all + at, end, 8);
    at += 8;
    dk_text_puts(t, ",\"InlineBinary\":\"");
    put_base64(t, all, at);
    dk_text_append(t, "\"", 1);
    free(all);
}

static void put_dataset(dk_text *t, dk_dataset *ds);

static void put_element(dk_text *t, dk_dataset *ds, const dk_element_info *info)
{
    dk_text_printf(t, "\"%08X\":{\"vr\":\"%s\"", (unsigned)info->tag, info->vr);
    switch (info->kind) {
    case DK_KIND_STRING: {
        const char *v = NULL;
        size_t len = 0;
        if (dk_dataset_get_string(ds, info->tag, &v, &len, NULL) == DK_OK && len > 0)
            put_text_values(t, info, v, len);
        break;
    }
    case DK_KIND_INTEGER:
    case DK_KIND_FLOAT:
        if (info->vm > 0) put_numbers(t, ds, info);
        break;
    case DK_KIND_BYTES: {
        const void *data = NULL;
        size_t len = 0;
        if (dk_dataset_get_bytes(ds, info->tag, &data, &len, NULL) == DK_OK && len > 0) {
            dk_text_puts(t, ",\"InlineBinary\":\"");
            put_base64(t, data, len);
            dk_text_append(t, "\"", 1);
        }
        break;
    }
    case DK_KIND_ENCAPSULATED:
        put_encapsulated(t, ds, info);
        break;
    case DK_KIND_SEQUENCE:
        dk_text_puts(t, ",\"Value\":[");
        for (size_t i = 0; i < info->vm; i++) {
            dk_dataset *item = NULL;
            if (i) dk_text_append(t, ",", 1);
            if (dk_dataset_get_item(ds, info->tag, i, &item, NULL) == DK_OK) put_dataset(t, item);
            else dk_text_puts(t, "{}");
        }
        dk_text_append(t, "]", 1);
        break;
    }
    dk_text_append(t, "}", 1);
}

/* Recursion follows the nesting, which reading and the setters bound (DK_DEFAULT_MAX_DEPTH). */
static void put_dataset(dk_text *t, dk_dataset *ds)
{
    dk_text_append(t, "{", 1);
    size_t n = dk_dataset_count(ds);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        dk_element_info info;
        if (dk_dataset_info_at(ds, i, &info, NULL) != DK_OK || (info.tag & 0xFFFF) == 0) continue;
        if (!first) dk_text_append(t, ",", 1);
        first = 0;
        put_element(t, ds, &info);
    }
    dk_text_append(t, "}", 1);
}

char *dk_dataset_json(dk_dataset *ds, dk_error *err)
{
    int rc = dk_dataset_check(ds, err);
    if (rc != DK_OK) return NULL;
    dk_text t = {0};
    put_dataset(&t, ds);
    if (t.failed) {
        free(t.data);
        dk_error_set(err, DK_ENOMEM, "out of memory while writing JSON");
        return NULL;
    }
    return t.data;
}

/* dicomkit: the structure walk over a DICOM byte stream, see scan.h. */
#include "scan.h"

#include "dicomkit/vr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define UNDEFINED_LENGTH 0xFFFFFFFFu
#define TAG_ITEM 0xFFFEE000u
#define TAG_ITEM_END 0xFFFEE00Du
#define TAG_SEQUENCE_END 0xFFFEE0DDu
#define TAG_PIXEL_DATA 0x7FE00010u
#define NO_END ((size_t)-1)

dk_read_limits dk_read_limits_resolve(const dk_read_limits *limits)
{
    dk_read_limits out = {0, 0, 0, 0};
    if (limits != NULL) out = *limits;
    if (out.max_file_bytes == 0) out.max_file_bytes = DK_DEFAULT_MAX_FILE_BYTES;
    if (out.max_inflated_bytes == 0) out.max_inflated_bytes = DK_DEFAULT_MAX_INFLATED_BYTES;
    if (out.max_depth == 0) out.max_depth = DK_DEFAULT_MAX_DEPTH;
    if (out.max_elements == 0) out.max_elements = DK_DEFAULT_MAX_ELEMENTS;
    return out;
}

/* ------------------------------------------------------------------ encoding */

typedef struct encoding {
    int explicit_vr;
    int big_endian;
} encoding;

static unsigned rd16(const unsigned char *p, int big)
{
    return big ? ((unsigned)p[0] << 8) | p[1] : ((unsigned)p[1] << 8) | p[0];
}

static uint32_t rd32(const unsigned char *p, int big)
{
    return big ? ((uint32_t)rd16(p, 1) << 16) | rd16(p + 2, 1)
               : ((uint32_t)rd16(p + 2, 0) << 16) | rd16(p, 0);
}

static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }

/* Explicit VRs whose header has two reserved bytes and a 32-bit length (PS3.5 7.1.2), from the
 * one VR table (dk_vr_facts). Two bytes that are no DICOM VR have the length dcmtk 3.6.7 gives
 * them (DcmVR::setVR), so that this walk cuts the stream where dcmtk will: two upper-case
 * letters are taken for a future VR, and future VRs have the 32-bit form ("assuming 4 byte
 * length field"), as have dcmtk's own names ox, px and lt; any other two bytes have a 16-bit
 * length ("assuming 2 byte length field"). */
static int long_form(const char vr[2])
{
    char name[3] = {vr[0], vr[1], '\0'};
    const dk_vr_facts *facts = dk_vr_facts_of(name);
    if (facts != NULL)
        return !facts->short_length;
    return (is_upper((unsigned char)vr[0]) && is_upper((unsigned char)vr[1])) ||
           !strcmp(name, "ox") || !strcmp(name, "px") || !strcmp(name, "lt");
}

/* ------------------------------------------------------------------- walker */

typedef enum container_kind { C_DATASET, C_ITEM, C_SEQUENCE, C_PIXELS } container_kind;

typedef struct container {
    container_kind kind;
    size_t start;       /* offset of the header that opened it, for messages */
    size_t end;         /* offset just past it, or NO_END for an undefined length */
    size_t bound;       /* nearest defined end of it or an enclosing container */
    uint32_t tag;       /* a sequence's tag, for messages */
    encoding enc;       /* how elements inside are encoded */
    int speculative;    /* a private value looked into because it starts with an item tag */
    size_t resume;      /* speculative: offset just past the value, where the walk goes on when the
                           value turns out not to be a sequence */
    uint64_t elements;  /* speculative: the count when it started */
    unsigned deepest;   /* speculative: the deepest nesting seen before it started */
} container;

typedef struct walker {
    const unsigned char *data;
    size_t len;
    const char *name;
    const char *where; /* "" or " of the inflated data set" */
    dk_read_limits limits;
    dk_scan_is_sequence is_sequence;
    void *ud;
    container *stack;
    size_t top, cap; /* stack[0 .. top) */
    unsigned depth;  /* sequences on the stack */
    dk_scan_result *out;
    dk_error *err;
    int speculating;     /* speculative containers on the stack */
    uint32_t stop_after; /* 0, or the last top-level tag the caller wants walked */
} walker;

#define STOPPED 1 /* not an error: the walk reached stop_after */

/* A structural error: inside a speculative look it only ends the look. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int bad(walker *w, size_t offset, const char *fmt, ...)
{
    char rule[300];
    va_list ap;
    if (w->speculating) return DK_EFORMAT; /* the caller backs out; no message needed */
    va_start(ap, fmt);
    vsnprintf(rule, sizeof rule, fmt, ap);
    va_end(ap);
    return dk_error_set(w->err, DK_EFORMAT, "%s: not a readable DICOM file: at offset %zu%s: %s",
                        w->name, offset, w->where, rule);
}

static const char *container_name(const container *c)
{
    switch (c->kind) {
    case C_ITEM: return "item";
    case C_SEQUENCE: return "sequence";
    case C_PIXELS: return "encapsulated pixel data";
    default: return "data set";
    }
}

static int push(walker *w, container c)
{
    if (w->top == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        container *grown = realloc(w->stack, cap * sizeof *grown);
        if (grown == NULL) return dk_error_set(w->err, DK_ENOMEM, "%s: out of memory", w->name);
        w->stack = grown;
        w->cap = cap;
    }
    const container *parent = w->top ? &w->stack[w->top - 1] : NULL;
    c.bound = c.end;
    if (parent != NULL && parent->bound < c.bound) c.bound = parent->bound;
    if (c.kind == C_SEQUENCE) w->depth++;
    if (c.speculative) w->speculating++;
    w->stack[w->top++] = c;
    if (w->depth > w->out->depth) w->out->depth = w->depth;
    if (w->depth > w->limits.max_depth)
        return dk_error_set(w->err, DK_ELIMIT,
                            "%s: sequence nesting deeper than %u levels at offset %zu%s "
                            "(limit max_depth)",
                            w->name, w->limits.max_depth, c.start, w->where);
    return DK_OK;
}

static void pop(walker *w)
{
    container *c = &w->stack[--w->top];
    if (c->kind == C_SEQUENCE) w->depth--;
    if (c->speculative) w->speculating--;
}

/* The innermost speculative look failed: drop it and everything inside it, and go on past the
 * value as if it were plain bytes. */
static size_t back_out(walker *w)
{
    while (w->top > 0) {
        container c = w->stack[w->top - 1];
        pop(w);
        if (c.speculative) {
            w->out->elements = c.elements;
            w->out->depth = c.deepest;
            return c.resume;
        }
    }
    return NO_END; /* not reached: only called while speculating */
}

static int count(walker *w, size_t offset)
{
    if (++w->out->elements > w->limits.max_elements)
        return dk_error_set(w->err, DK_ELIMIT,
                            "%s: more than %llu elements, items and fragments by offset %zu%s "
                            "(limit max_elements)",
                            w->name, (unsigned long long)w->limits.max_elements, offset, w->where);
    return DK_OK;
}

/* Does the value [at, at + len) stay inside the innermost container with a defined end? */
static int fits(walker *w, const container *c, size_t at, uint32_t len, uint32_t tag)
{
    size_t bound = c->bound == NO_END ? w->len : c->bound;
    if (at <= bound && (uint64_t)len <= bound - at) return DK_OK;
    size_t left = at <= bound ? bound - at : 0;
    return bad(w, at, "(%04X,%04X) declares %lu bytes but only %zu remain in its %s", tag >> 16,
               tag & 0xFFFF, (unsigned long)len, left,
               c->bound == NO_END || c->bound == w->len ? "file" : container_name(c));
}

typedef struct header {
    uint32_t tag;
    char vr[3];     /* "" in Implicit VR and for items and delimiters */
    uint32_t length;
    size_t value;   /* offset of the value */
} header;

static int read_header(walker *w, size_t pos, encoding enc, header *h)
{
    const unsigned char *p = w->data + pos;
    size_t avail = w->len - pos;
    if (avail < 8) return bad(w, pos, "%zu bytes are too few for an element header", avail);
    h->tag = ((uint32_t)rd16(p, enc.big_endian) << 16) | rd16(p + 2, enc.big_endian);
    h->vr[0] = '\0';
    if ((h->tag >> 16) == 0xFFFE || !enc.explicit_vr) {
        h->length = rd32(p + 4, enc.big_endian);
        h->value = pos + 8;
        return DK_OK;
    }
    h->vr[0] = (char)p[4];
    h->vr[1] = (char)p[5];
    h->vr[2] = '\0';
    if (!long_form(h->vr)) {
        h->length = rd16(p + 6, enc.big_endian);
        h->value = pos + 8;
        return DK_OK;
    }
    if (avail < 12) return bad(w, pos, "%zu bytes are too few for an element header", avail);
    h->length = rd32(p + 8, enc.big_endian);
    h->value = pos + 12;
    return DK_OK;
}

static int is_private(uint32_t tag) { return ((tag >> 16) & 1) != 0; }

static int is_sequence_vr(const header *h) { return h->vr[0] == 'S' && h->vr[1] == 'Q'; }

static int is_un(const header *h) { return h->vr[0] == 'U' && h->vr[1] == 'N'; }

/* A value of defined length that dcmtk may still read as a sequence: a private element in
 * Implicit VR (its private dictionary), or a UN (converted to the dictionary's VR). */
static int worth_a_look(walker *w, const header *h, encoding inner)
{
    if (h->length < 8 || h->length == UNDEFINED_LENGTH) return 0;
    if (h->vr[0] != '\0' && !is_un(h)) return 0;
    if (!is_private(h->tag) && !(is_un(h) && w->is_sequence && w->is_sequence(h->tag, w->ud)))
        return 0;
    const unsigned char *p = w->data + h->value;
    uint32_t first = ((uint32_t)rd16(p, inner.big_endian) << 16) | rd16(p + 2, inner.big_endian);
    return first == TAG_ITEM;
}

static int open_sequence(walker *w, const header *h, size_t pos, encoding inner, int speculative)
{
    container c;
    memset(&c, 0, sizeof c);
    c.kind = C_SEQUENCE;
    c.start = pos;
    c.tag = h->tag;
    c.enc = inner;
    c.end = h->length == UNDEFINED_LENGTH ? NO_END : h->value + h->length;
    c.speculative = speculative;
    c.resume = c.end;
    c.elements = w->out->elements;
    c.deepest = w->out->depth;
    return push(w, c);
}

/* Encapsulated pixel data (undefined length) at `pos`: its items are fragments, walked as a
 * container of their own; *pos moves past the element's header. */
static int open_fragments(walker *w, size_t *pos, const header *h, encoding enc)
{
    container px;
    memset(&px, 0, sizeof px);
    px.kind = C_PIXELS;
    px.start = *pos;
    px.tag = h->tag;
    px.enc = enc;
    px.end = NO_END;
    *pos = h->value;
    return push(w, px);
}

/* An element in a data set or item at `pos`; moves *pos past its header or value. */
static int element(walker *w, size_t *pos, const header *h)
{
    const container *c = &w->stack[w->top - 1];
    int rc = count(w, *pos);
    if (rc != DK_OK) return rc;
    int implicit_sq = h->vr[0] == '\0' && ((w->is_sequence && w->is_sequence(h->tag, w->ud)) ||
                                           h->length == UNDEFINED_LENGTH);
    if (is_sequence_vr(h) || implicit_sq || (is_un(h) && h->length == UNDEFINED_LENGTH)) {
        /* PS3.5 6.2.2: a UN of undefined length is a sequence in Implicit VR Little Endian */
        encoding inner = is_un(h) ? (encoding){0, 0} : c->enc;
        if (h->tag == TAG_PIXEL_DATA && h->length == UNDEFINED_LENGTH && !is_sequence_vr(h))
            return open_fragments(w, pos, h, c->enc);
        if (h->length != UNDEFINED_LENGTH && (rc = fits(w, c, h->value, h->length, h->tag)) != DK_OK)
            return rc;
        rc = open_sequence(w, h, *pos, inner, 0);
        *pos = h->value;
        return rc;
    }
    if (h->length == UNDEFINED_LENGTH) {
        if (h->vr[0] == 'O' && (h->vr[1] == 'B' || h->vr[1] == 'W'))
            return open_fragments(w, pos, h, c->enc);
        return bad(w, *pos,
                   "(%04X,%04X) VR %s has an undefined length, which only SQ, UN and "
                   "encapsulated pixel data may have",
                   h->tag >> 16, h->tag & 0xFFFF, h->vr);
    }
    if ((rc = fits(w, c, h->value, h->length, h->tag)) != DK_OK) return rc;
    encoding inner = is_un(h) ? (encoding){0, 0} : c->enc;
    if (worth_a_look(w, h, inner)) {
        rc = open_sequence(w, h, *pos, inner, 1);
        *pos = h->value;
        return rc;
    }
    *pos = h->value + h->length;
    return DK_OK;
}

/* The next thing inside a sequence or encapsulated pixel data: an item or the delimiter. */
static int in_sequence(walker *w, size_t *pos, const header *h)
{
    container *c = &w->stack[w->top - 1];
    int rc;
    if (h->tag == TAG_SEQUENCE_END) {
        if (c->end != NO_END)
            return bad(w, *pos, "a sequence delimiter inside a %s of defined length",
                       container_name(c));
        *pos = h->value;
        pop(w);
        return DK_OK;
    }
    if (h->tag != TAG_ITEM)
        return bad(w, *pos, "(%04X,%04X) where an item or a sequence delimiter belongs in the %s "
                   "(%04X,%04X) opened at offset %zu",
                   h->tag >> 16, h->tag & 0xFFFF, container_name(c), c->tag >> 16,
                   c->tag & 0xFFFF, c->start);
    if ((rc = count(w, *pos)) != DK_OK) return rc;
    if (c->kind == C_PIXELS) {
        if (h->length == UNDEFINED_LENGTH)
            return bad(w, *pos, "a fragment of encapsulated pixel data has an undefined length");
        if ((rc = fits(w, c, h->value, h->length, TAG_ITEM)) != DK_OK) return rc;
        *pos = h->value + h->length;
        return DK_OK;
    }
    container item;
    memset(&item, 0, sizeof item);
    item.kind = C_ITEM;
    item.start = *pos;
    item.enc = c->enc;
    item.end = h->length == UNDEFINED_LENGTH ? NO_END : h->value + h->length;
    if (item.end != NO_END && (rc = fits(w, c, h->value, h->length, TAG_ITEM)) != DK_OK) return rc;
    *pos = h->value;
    return push(w, item);
}

/* The next thing inside a data set or item. */
static int in_item(walker *w, size_t *pos, const header *h)
{
    container *c = &w->stack[w->top - 1];
    if (h->tag == TAG_ITEM_END) {
        if (c->kind != C_ITEM || c->end != NO_END)
            return bad(w, *pos, "an item delimiter outside an item of undefined length");
        *pos = h->value;
        pop(w);
        return DK_OK;
    }
    if ((h->tag >> 16) == 0xFFFE)
        return bad(w, *pos, "%s (FFFE,%04X) where an element belongs",
                   h->tag == TAG_ITEM ? "an item" : "a delimiter", h->tag & 0xFFFF);
    if (c->kind == C_DATASET) {
        if (w->stop_after != 0 && h->tag > w->stop_after) {
            w->out->stopped = 1;
            return STOPPED;
        }
        if (h->tag == 0x00080016 && h->length < sizeof w->out->sop_class && h->value <= w->len &&
            h->length <= w->len - h->value) {
            char *uid = w->out->sop_class;
            memcpy(uid, w->data + h->value, h->length);
            size_t n = h->length;
            uid[n] = '\0';
            while (n > 0 && (uid[n - 1] == '\0' || uid[n - 1] == ' '))
                uid[--n] = '\0';
        }
    }
    return element(w, pos, h);
}

/* Walk the elements of a data set in [start, len) encoded as `enc`. */
static int walk(walker *w, size_t start, encoding enc)
{
    container top;
    memset(&top, 0, sizeof top);
    top.kind = C_DATASET;
    top.end = w->len;
    top.enc = enc;
    int rc = push(w, top);
    size_t pos = start;
    while (rc == DK_OK && w->top > 0) {
        container *c = &w->stack[w->top - 1];
        if (c->end != NO_END && pos >= c->end) {
            if (pos > c->end)
                rc = bad(w, c->end, "the %s opened at offset %zu ends inside its last element",
                         container_name(c), c->start);
            else
                pop(w);
        } else if (c->end == NO_END && pos >= w->len) {
            rc = bad(w, pos, "the file ends inside the %s opened at offset %zu (no delimiter)",
                     container_name(c), c->start);
        } else {
            header h;
            rc = read_header(w, pos, c->enc, &h);
            if (rc == DK_OK)
                rc = (c->kind == C_SEQUENCE || c->kind == C_PIXELS) ? in_sequence(w, &pos, &h)
                                                                    : in_item(w, &pos, &h);
        }
        if (rc == DK_EFORMAT && w->speculating) {
            pos = back_out(w);
            rc = DK_OK;
        }
    }
    return rc == STOPPED ? DK_OK : rc;
}

/* ---------------------------------------------------------------- meta group */

/* The meta group as dcmtk 3.6.7 reads one (DcmMetaInfo::read), so that its idea of the group
 * matches this walk's: one encoding for the whole group, explicit when its first element shows a
 * DICOM VR; when that first element is (0002,0000) with a value, the group ends at the first
 * element boundary at or past the length it gives (or earlier, where the tags leave group 0002);
 * the first (0002,0010) counts (dcmtk ignores a second). A sequence in it is refused: the walk
 * does not look inside meta values, and dcmtk would recurse into one. */
static int read_meta(walker *w, size_t *pos, dk_scan_result *out)
{
    if (w->len - *pos < 8 || rd16(w->data + *pos, 0) != 0x0002)
        return DK_OK;
    char first_vr[3] = {(char)w->data[*pos + 4], (char)w->data[*pos + 5], '\0'};
    encoding enc = {dk_vr_facts_of(first_vr) != NULL, 0};
    size_t end = NO_END;
    int have_ts = 0;
    while (w->len - *pos >= 8 && rd16(w->data + *pos, 0) == 0x0002 &&
           (end == NO_END || *pos < end)) {
        header h;
        int rc = read_header(w, *pos, enc, &h);
        if (rc != DK_OK) return rc;
        if (h.length == UNDEFINED_LENGTH || h.value > w->len || h.length > w->len - h.value)
            return bad(w, *pos, "meta element (0002,%04X) declares %lu bytes but only %zu remain",
                       h.tag & 0xFFFF, (unsigned long)h.length,
                       h.value <= w->len ? w->len - h.value : 0);
        if (is_sequence_vr(&h))
            return bad(w, *pos, "a sequence (0002,%04X) in the file meta group", h.tag & 0xFFFF);
        if (!out->has_meta && h.tag == 0x00020000 && h.length >= 4 &&
            (!enc.explicit_vr || strcmp(h.vr, "UL") == 0)) {
            size_t after = h.value + h.length;
            uint32_t group_length = rd32(w->data + h.value, 0);
            end = group_length > w->len - after ? w->len : after + group_length;
        }
        if (h.tag == 0x00020010 && !have_ts) {
            size_t n = h.length < 64 ? h.length : 64;
            memcpy(out->transfer_syntax, w->data + h.value, n);
            out->transfer_syntax[n] = '\0';
            while (n > 0 && (out->transfer_syntax[n - 1] == '\0' || out->transfer_syntax[n - 1] == ' '))
                out->transfer_syntax[--n] = '\0';
            have_ts = 1;
        }
        out->has_meta = 1;
        *pos = h.value + h.length;
    }
    return DK_OK;
}

/* Without a transfer syntax to go by, the first element shows the encoding, as dcmtk guesses
 * it: a VR after the tag means explicit; a group that reads smaller byte-swapped is big endian. */
static encoding guess_encoding(const unsigned char *p, size_t avail)
{
    encoding e = {0, 0};
    if (avail < 6) return e;
    unsigned little = rd16(p, 0), big = rd16(p, 1);
    e.explicit_vr = is_upper(p[4]) && is_upper(p[5]);
    e.big_endian = e.explicit_vr && big < little;
    return e;
}

/* ------------------------------------------------------------------ deflate */

static int inflate_dataset(walker *w, size_t pos, unsigned char **out, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        return dk_error_set(w->err, DK_ENOMEM, "%s: zlib could not start", w->name);
    size_t cap = 0, used = 0;
    unsigned char *buf = NULL;
    const uint64_t limit = w->limits.max_inflated_bytes;
    int rc = DK_OK, zr = Z_OK;
    z.next_in = (unsigned char *)(w->data + pos);
    size_t left = w->len - pos;
    while (zr != Z_STREAM_END) {
        if (used == cap) {
            size_t want = cap ? cap * 2 : (left * 4 > 65536 ? left * 4 : 65536);
            if (want > limit + 1) want = (size_t)limit + 1;
            if (want <= cap) {
                rc = dk_error_set(w->err, DK_ELIMIT,
                                  "%s: the deflated data set inflates to more than %llu bytes "
                                  "(limit max_inflated_bytes)",
                                  w->name, (unsigned long long)limit);
                break;
            }
            unsigned char *grown = realloc(buf, want);
            if (grown == NULL) {
                rc = dk_error_set(w->err, DK_ENOMEM, "%s: out of memory inflating", w->name);
                break;
            }
            buf = grown;
            cap = want;
        }
        if (z.avail_in == 0) {
            z.avail_in = left > 0x40000000u ? 0x40000000u : (uInt)left;
            left -= z.avail_in;
        }
        z.next_out = buf + used;
        z.avail_out = (cap - used) > 0x40000000u ? 0x40000000u : (uInt)(cap - used);
        uInt before = z.avail_out;
        zr = inflate(&z, Z_NO_FLUSH);
        used += before - z.avail_out;
        if (zr == Z_STREAM_END) break;
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = bad(w, pos + (size_t)z.total_in, "the deflated data set is corrupt (zlib: %s)",
                     z.msg ? z.msg : "error");
            break;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0 && left == 0) {
            /* dcmtk reads a stream that ends without its final block as far as it goes */
            break;
        }
    }
    inflateEnd(&z);
    if (rc != DK_OK) {
        free(buf);
        return rc;
    }
    if (used > limit) {
        free(buf);
        return dk_error_set(w->err, DK_ELIMIT,
                            "%s: the deflated data set inflates to more than %llu bytes (limit "
                            "max_inflated_bytes)",
                            w->name, (unsigned long long)limit);
    }
    *out = buf;
    *out_len = used;
    return DK_OK;
}

/* ---------------------------------------------------------------------- API */

static int same_uid(const char *uid, const char *want) { return strcmp(uid, want) == 0; }

int dk_scan_dicom(const unsigned char *data, size_t len, const char *name,
                  const dk_read_limits *limits, uint32_t stop_after, dk_scan_is_sequence is_sequence,
                  void *ud, dk_scan_result *out, dk_error *err)
{
    walker w;
    memset(&w, 0, sizeof w);
    memset(out, 0, sizeof *out);
    w.data = data;
    w.len = len;
    w.name = name != NULL ? name : "DICOM data";
    w.where = "";
    w.limits = dk_read_limits_resolve(limits);
    w.is_sequence = is_sequence;
    w.ud = ud;
    w.out = out;
    w.err = err;
    w.stop_after = stop_after;
    if (data == NULL && len > 0)
        return dk_error_set(err, DK_EINVAL, "%s: data is NULL", w.name);
    if ((uint64_t)len > w.limits.max_file_bytes)
        return dk_error_set(err, DK_ELIMIT, "%s: %zu bytes, more than %llu (limit max_file_bytes)",
                            w.name, len, (unsigned long long)w.limits.max_file_bytes);
    size_t pos = 0;
    if (len >= 132 && memcmp(data + 128, "DICM", 4) == 0)
        pos = 132;
    else if (len >= 4 && memcmp(data, "DICM", 4) == 0)
        pos = 4;
    int rc = read_meta(&w, &pos, out);
    if (rc != DK_OK) return rc;
    if (pos >= len)
        return dk_error_set(err, DK_EFORMAT, "%s: not a DICOM file: no data set%s", w.name,
                            len == 0 ? " (empty)" : "");
    out->dataset_offset = pos;
    const char *ts = out->transfer_syntax;
    encoding enc;
    if (same_uid(ts, "1.2.840.10008.1.2")) {
        enc = (encoding){0, 0};
        out->syntax = DK_SCAN_IMPLICIT_LE;
    } else if (same_uid(ts, "1.2.840.10008.1.2.2")) {
        enc = (encoding){1, 1};
        out->syntax = DK_SCAN_EXPLICIT_BE;
    } else if (same_uid(ts, "1.2.840.10008.1.2.1.99")) {
        out->syntax = DK_SCAN_DEFLATED_LE;
        unsigned char *inflated = NULL;
        size_t inflated_len = 0;
        if ((rc = inflate_dataset(&w, pos, &inflated, &inflated_len)) != DK_OK) return rc;
        out->inflated_bytes = inflated_len;
        w.data = inflated;
        w.len = inflated_len;
        w.where = " of the inflated data set";
        rc = walk(&w, 0, (encoding){1, 0});
        free(inflated);
        free(w.stack);
        return rc;
    } else if (strncmp(ts, "1.2.840.10008.1.2.", 18) == 0) {
        enc = (encoding){1, 0}; /* every compressed syntax encodes its data set so */
        out->syntax = DK_SCAN_EXPLICIT_LE;
    } else {
        enc = guess_encoding(data + pos, len - pos);
        out->syntax = enc.explicit_vr ? (enc.big_endian ? DK_SCAN_EXPLICIT_BE : DK_SCAN_EXPLICIT_LE)
                                      : DK_SCAN_IMPLICIT_LE;
    }
    rc = walk(&w, pos, enc);
    free(w.stack);
    return rc;
}

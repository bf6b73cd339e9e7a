/* dicomkit: JPEG marker layer (ITU-T T.81 Annex B syntax), no libjpeg.
 *
 * A walker cuts the buffer into segments; every length is checked against the buffer
 * before a byte of the segment is read. dk_jpeg_read_header looks at the segments,
 * dk_jpeg_strip_metadata copies the ones a decoder needs. */
#include "dicomkit/jpeg.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum {
    M_SOF0 = 0xC0, M_DHT = 0xC4, M_JPG = 0xC8, M_DAC = 0xCC,
    M_RST0 = 0xD0, M_RST7 = 0xD7, M_SOI = 0xD8, M_EOI = 0xD9, M_SOS = 0xDA,
    M_DQT = 0xDB, M_DNL = 0xDC, M_DRI = 0xDD, M_DHP = 0xDE, M_EXP = 0xDF,
    M_APP0 = 0xE0, M_APP1 = 0xE1, M_APP2 = 0xE2, M_APP13 = 0xED, M_APP14 = 0xEE,
    M_APP15 = 0xEF, M_COM = 0xFE, M_TEM = 0x01
};

#define JFIF_FIXED_LEN 14  /* "JFIF\0", version, units, densities, thumbnail size */
#define ADOBE_FIXED_LEN 12 /* "Adobe", version, flags0, flags1, transform */
#define ICC_HEADER_LEN 14  /* "ICC_PROFILE\0", sequence number, chunk count */

static const char *input_name(const char *name)
{
    return name != NULL ? name : "JPEG data";
}

static unsigned be16(const unsigned char *p)
{
    return ((unsigned)p[0] << 8) | p[1];
}

/* ------------------------------------------------------------------ markers */

static int is_rst(int m)
{
    return m >= M_RST0 && m <= M_RST7;
}

/* Markers with no length field (T.81 B.1.1.3 and Table B.1). */
static int is_standalone(int m)
{
    return m == M_SOI || m == M_EOI || m == M_TEM || is_rst(m);
}

static int is_sof(int m)
{
    return m >= M_SOF0 && m <= 0xCF && m != M_DHT && m != M_JPG && m != M_DAC;
}

static void marker_label(int m, char *buf, size_t size)
{
    static const char *const fixed[] = {"DHT", "JPG", "DAC", "SOI", "EOI", "SOS", "DQT",
                                        "DNL", "DRI", "DHP", "EXP", "COM", "TEM"};
    static const int codes[] = {M_DHT, M_JPG, M_DAC, M_SOI, M_EOI, M_SOS, M_DQT,
                                M_DNL, M_DRI, M_DHP, M_EXP, M_COM, M_TEM};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i] == m) {
            snprintf(buf, size, "%s", fixed[i]);
            return;
        }
    if (is_sof(m))
        snprintf(buf, size, "SOF%d", m - M_SOF0);
    else if (is_rst(m))
        snprintf(buf, size, "RST%d", m - M_RST0);
    else if (m >= M_APP0 && m <= M_APP15)
        snprintf(buf, size, "APP%d", m - M_APP0);
    else if (m >= 0xF0 && m <= 0xFD)
        snprintf(buf, size, "JPG%d", m - 0xF0);
    else
        snprintf(buf, size, "RES");
}

/* NULL when the parser knows the marker; else why it refuses it. Hierarchical and
 * JPEG-LS streams use other decoders and DICOM transfer syntaxes, so they are refused
 * here rather than half-understood. */
static const char *unsupported_reason(int m)
{
    if (m == 0xC5 || m == 0xC6 || m == 0xC7 || m == 0xCD || m == 0xCE || m == 0xCF ||
        m == M_DHP || m == M_EXP)
        return "hierarchical (differential) JPEG is not supported";
    if (m == 0xF7 || m == 0xF8)
        return "JPEG-LS is not supported";
    if (m == M_JPG || (m >= 0xF0 && m <= 0xFD))
        return "reserved JPEG extension marker";
    if (m == 0x00)
        return "stuffed zero outside entropy-coded data";
    if (m >= 0x02 && m <= 0xBF)
        return "reserved marker";
    return NULL;
}

/* ------------------------------------------------------------------- walker */

/* One unit of the stream. For SOS, `end` also covers the entropy-coded data after the
 * header, so copying start..end copies a whole scan. */
typedef struct jpeg_segment {
    int marker;                /* the byte after 0xFF */
    size_t start;              /* offset of that 0xFF */
    const unsigned char *body; /* the bytes after the length field (NULL if standalone) */
    size_t body_len;
    size_t end;                /* offset just past the unit */
} jpeg_segment;

typedef struct jpeg_walker {
    const unsigned char *data;
    size_t len;
    size_t pos;
    const char *name;
    int scans; /* SOS units walked so far, for messages */
} jpeg_walker;

static int walker_start(jpeg_walker *w, const unsigned char *data, size_t len,
                        const char *name, dk_error *err)
{
    w->data = data;
    w->len = len;
    w->pos = 2;
    w->name = input_name(name);
    w->scans = 0;
    if (len == 0)
        return dk_error_set(err, DK_EFORMAT, "%s: empty input (0 bytes), not a JPEG file",
                            w->name);
    if (len < 2 || data[0] != 0xFF || data[1] != M_SOI) {
        char shown[16] = "";
        size_t used = 0;
        for (size_t i = 0; i < len && i < 4; i++)
            used += (size_t)snprintf(shown + used, sizeof shown - used, "%s%02X", i ? " " : "",
                                     data[i]);
        return dk_error_set(err, DK_EFORMAT,
                            "%s: not a JPEG file (starts with %s, a JPEG starts with FF D8)",
                            w->name, shown);
    }
    return DK_OK;
}

/* Find the marker that ends the entropy-coded data starting at `from`: 0xFF00 is a
 * stuffed data byte, RSTn belongs to the scan, 0xFF 0xFF is fill before a marker. */
static int scan_entropy(const jpeg_walker *w, size_t from, size_t *marker_pos, dk_error *err)
{
    size_t p = from;
    while (p < w->len) {
        const unsigned char *ff = memchr(w->data + p, 0xFF, w->len - p);
        if (ff == NULL)
            break;
        size_t i = (size_t)(ff - w->data);
        if (i + 1 >= w->len)
            break;
        int next = w->data[i + 1];
        if (next == 0x00 || is_rst(next)) {
            p = i + 2;
        } else if (next == 0xFF) {
            p = i + 1;
        } else {
            *marker_pos = i;
            return DK_OK;
        }
    }
    return dk_error_set(err, DK_EFORMAT,
                        "%s: truncated: entropy-coded data ends without EOI (scan %d starts "
                        "at offset %zu, data ends at %zu)",
                        w->name, w->scans, from, w->len);
}

static int walker_read_length(jpeg_walker *w, jpeg_segment *seg, dk_error *err)
{
    char label[8];
    size_t p = seg->start;
    marker_label(seg->marker, label, sizeof label);
    if (w->len - p < 4)
        return dk_error_set(err, DK_EFORMAT,
                            "%s: truncated: %s segment at offset %zu is cut off before its "
                            "length field",
                            w->name, label, p);
    unsigned seglen = be16(w->data + p + 2);
    if (seglen < 2)
        return dk_error_set(err, DK_EFORMAT,
                            "%s: %s segment at offset %zu declares length %u, less than the "
                            "2 bytes of the length field itself",
                            w->name, label, p, seglen);
    if (w->len - p - 2 < seglen)
        return dk_error_set(err, DK_EFORMAT,
                            "%s: truncated: %s segment at offset %zu declares %u bytes but "
                            "only %zu remain",
                            w->name, label, p, seglen, w->len - p - 2);
    seg->body = w->data + p + 4;
    seg->body_len = seglen - 2;
    seg->end = p + 2 + seglen;
    return DK_OK;
}

/* Position the walker on the next marker: exactly one 0xFF, optionally preceded by fill
 * 0xFF bytes. Anything else between segments is refused: a stream we pass through must
 * be clean, and skipping garbage is how a parser loses sync. */
static int walker_find_marker(jpeg_walker *w, size_t *at, dk_error *err)
{
    size_t p = w->pos;
    if (p >= w->len)
        return dk_error_set(err, DK_EFORMAT, "%s: truncated: data ends at offset %zu before %s",
                            w->name, p, w->scans ? "EOI" : "the first SOS");
    if (w->data[p] != 0xFF)
        return dk_error_set(err, DK_EFORMAT,
                            "%s: expected a marker at offset %zu but found byte %02X (data "
                            "between segments)",
                            w->name, p, w->data[p]);
    while (p + 1 < w->len && w->data[p + 1] == 0xFF)
        p++;
    if (p + 1 >= w->len)
        return dk_error_set(err, DK_EFORMAT,
                            "%s: truncated: data ends inside the marker at offset %zu", w->name,
                            p);
    *at = p;
    return DK_OK;
}

static int walker_next(jpeg_walker *w, jpeg_segment *seg, dk_error *err)
{
    int rc = walker_find_marker(w, &seg->start, err);
    if (rc != DK_OK)
        return rc;
    seg->marker = w->data[seg->start + 1];
    seg->body = NULL;
    seg->body_len = 0;
    seg->end = seg->start + 2;
    const char *why = unsupported_reason(seg->marker);
    if (why != NULL)
        return dk_error_set(err, DK_EFORMAT, "%s: unsupported marker FF %02X at offset %zu: %s",
                            w->name, seg->marker, seg->start, why);
    if (!is_standalone(seg->marker)) {
        rc = walker_read_length(w, seg, err);
        if (rc == DK_OK && seg->marker == M_SOS) {
            w->scans++;
            rc = scan_entropy(w, seg->end, &seg->end, err);
        }
        if (rc != DK_OK)
            return rc;
    }
    w->pos = seg->end;
    return DK_OK;
}

/* ---------------------------------------------------------------- ICC chunks */

/* ICC profiles over 64 KiB are split over APP2 chunks numbered 1..count (ICC.1 B.4);
 * a profile is usable only when every number appears exactly once. */
typedef struct icc_set {
    int count;                 /* chunk count declared by the chunks, 0 before the first */
    int chunks;                /* chunks seen */
    int bad;                   /* a chunk broke the numbering rules */
    unsigned char have[256];   /* have[seq] when chunk seq was seen */
    size_t off[256], len[256]; /* data of chunk seq, within the input */
} icc_set;

static void icc_add(icc_set *s, const jpeg_segment *seg, const unsigned char *data)
{
    s->chunks++;
    if (seg->body_len < ICC_HEADER_LEN) {
        s->bad = 1;
        return;
    }
    int seq = seg->body[12], count = seg->body[13];
    if (count == 0 || seq == 0 || seq > count || (s->count != 0 && s->count != count) ||
        s->have[seq]) {
        s->bad = 1;
        return;
    }
    s->count = count;
    s->have[seq] = 1;
    s->off[seq] = (size_t)(seg->body - data) + ICC_HEADER_LEN;
    s->len[seq] = seg->body_len - ICC_HEADER_LEN;
}

static int icc_complete(const icc_set *s)
{
    if (s->bad || s->count == 0)
        return 0;
    for (int seq = 1; seq <= s->count; seq++)
        if (!s->have[seq])
            return 0;
    return 1;
}

static size_t icc_total(const icc_set *s)
{
    size_t total = 0;
    for (int seq = 1; seq <= s->count; seq++)
        total += s->len[seq];
    return total;
}

/* --------------------------------------------------------------------- EXIF */

static int starts_with(const jpeg_segment *seg, const char *sig, size_t sig_len)
{
    return seg->body_len >= sig_len && memcmp(seg->body, sig, sig_len) == 0;
}

static unsigned tiff16(const unsigned char *p, int big)
{
    return big ? ((unsigned)p[0] << 8) | p[1] : ((unsigned)p[1] << 8) | p[0];
}

static uint32_t tiff32(const unsigned char *p, int big)
{
    return big ? ((uint32_t)tiff16(p, 1) << 16) | tiff16(p + 2, 1)
               : ((uint32_t)tiff16(p + 2, 0) << 16) | tiff16(p, 0);
}

/* The entries of IFD0 of the TIFF structure inside an EXIF APP1 (n bytes): *count of them
 * (only as many as fit), *big for the byte order; NULL when the structure is broken. */
static const unsigned char *exif_ifd0(const unsigned char *tiff, size_t n, size_t *count,
                                      int *big)
{
    if (n < 8)
        return NULL;
    if (tiff[0] == 'M' && tiff[1] == 'M')
        *big = 1;
    else if (tiff[0] == 'I' && tiff[1] == 'I')
        *big = 0;
    else
        return NULL;
    if (tiff16(tiff + 2, *big) != 42)
        return NULL;
    uint32_t ifd = tiff32(tiff + 4, *big);
    if (ifd < 8 || ifd > n - 2)
        return NULL;
    size_t entries = tiff16(tiff + ifd, *big);
    size_t room = (n - ifd - 2) / 12;
    *count = entries < room ? entries : room;
    return tiff + ifd + 2;
}

/* The Orientation entry: the first one of tag 0x0112, type SHORT, with a value. The header
 * parse reads it and the rewrite changes it, so both must find this very entry. */
static int is_orientation_entry(const unsigned char *e, int big)
{
    return tiff16(e, big) == 0x0112 && tiff16(e + 2, big) == 3 && tiff32(e + 4, big) >= 1;
}

/* Read IFD0 of the TIFF structure inside an EXIF APP1. Broken EXIF is not an error:
 * the segment is dropped anyway, we only lose the orientation. */
static void exif_parse(dk_jpeg_info *info, const unsigned char *tiff, size_t n)
{
    size_t entries;
    int big, seen = 0;
    const unsigned char *e = exif_ifd0(tiff, n, &entries, &big);
    for (size_t i = 0; e != NULL && i < entries; i++, e += 12) {
        if (!seen && is_orientation_entry(e, big)) {
            unsigned v = tiff16(e + 8, big); /* a SHORT sits left-justified in the value field */
            info->exif_orientation = (v >= 1 && v <= 8) ? (int)v : 0;
            seen = 1;
        } else if (tiff16(e, big) == 0x8825) {
            info->has_gps = 1;
        }
    }
}

/* -------------------------------------------------------------- header parse */

typedef struct header_state {
    dk_jpeg_info *info;
    const jpeg_walker *w;
    uint64_t max_pixels; /* 0 = no limit */
    int saw_sof;
    icc_set icc;
} header_state;

static int bad_segment(const header_state *st, const jpeg_segment *seg, const char *rule,
                       dk_error *err)
{
    char label[8];
    marker_label(seg->marker, label, sizeof label);
    return dk_error_set(err, DK_EFORMAT, "%s: %s segment at offset %zu: %s", st->w->name, label,
                        seg->start, rule);
}

/* T.81 B.2.2: 8 or 12 bits for DCT processes, 2..16 for lossless. */
static int check_precision(const header_state *st)
{
    int p = st->info->precision, sof = st->info->sof;
    if (sof == 3 || sof == 11)
        return p >= 2 && p <= 16;
    return p == 8 || p == 12;
}

static int check_pixel_limit(const header_state *st, dk_error *err)
{
    uint64_t pixels = (uint64_t)st->info->width * (uint64_t)st->info->height;
    if (st->max_pixels != 0 && pixels > st->max_pixels)
        return dk_error_set(err, DK_EINVAL,
                            "%s: image is %d x %d = %llu pixels, more than the limit of %llu",
                            st->w->name, st->info->width, st->info->height,
                            (unsigned long long)pixels, (unsigned long long)st->max_pixels);
    return DK_OK;
}

static int parse_sof_components(header_state *st, const jpeg_segment *seg, dk_error *err)
{
    for (int i = 0; i < st->info->ncomponents; i++) {
        const unsigned char *c = seg->body + 6 + 3 * i;
        dk_jpeg_component *comp = &st->info->comp[i];
        comp->id = c[0];
        comp->h = c[1] >> 4;
        comp->v = c[1] & 15;
        comp->tq = c[2];
        if (comp->h < 1 || comp->h > 4 || comp->v < 1 || comp->v > 4)
            return bad_segment(st, seg, "a sampling factor is outside 1..4", err);
        if (comp->tq > 3)
            return bad_segment(st, seg, "a quantization table selector is above 3", err);
    }
    return DK_OK;
}

static int parse_sof(header_state *st, const jpeg_segment *seg, dk_error *err)
{
    dk_jpeg_info *info = st->info;
    if (st->saw_sof)
        return bad_segment(st, seg, "a second frame header (only one SOF is allowed)", err);
    if (seg->body_len < 6)
        return bad_segment(st, seg, "shorter than the 6 fixed bytes of a frame header", err);
    st->saw_sof = 1;
    info->sof = seg->marker - M_SOF0;
    info->precision = seg->body[0];
    info->height = (int)be16(seg->body + 1);
    info->width = (int)be16(seg->body + 3);
    info->ncomponents = seg->body[5];
    if (info->width == 0 || info->height == 0)
        return bad_segment(st, seg,
                           info->height == 0 ? "height is 0 (a height defined later by DNL is "
                                               "not supported)"
                                             : "width is 0",
                           err);
    if (info->ncomponents == 0)
        return bad_segment(st, seg, "0 components", err);
    if (info->ncomponents > 4)
        return bad_segment(st, seg, "more than 4 components", err);
    if (seg->body_len != 6 + 3 * (size_t)info->ncomponents)
        return bad_segment(st, seg, "length does not match the component count", err);
    if (!check_precision(st))
        return bad_segment(st, seg, "sample precision not allowed for this process", err);
    int rc = check_pixel_limit(st, err);
    return rc != DK_OK ? rc : parse_sof_components(st, seg, err);
}

static int sos_component_known(const dk_jpeg_info *info, int id)
{
    for (int i = 0; i < info->ncomponents; i++)
        if (info->comp[i].id == id)
            return 1;
    return 0;
}

static int parse_sos(header_state *st, const jpeg_segment *seg, dk_error *err)
{
    dk_jpeg_info *info = st->info;
    if (!st->saw_sof)
        return bad_segment(st, seg, "SOS before any SOF (no frame header)", err);
    int ns = seg->body_len >= 1 ? seg->body[0] : 0;
    if (ns < 1 || ns > info->ncomponents)
        return bad_segment(st, seg, "component count outside 1..frame components", err);
    if (seg->body_len != 4 + 2 * (size_t)ns)
        return bad_segment(st, seg, "length does not match the component count", err);
    for (int i = 0; i < ns; i++)
        if (!sos_component_known(info, seg->body[1 + 2 * i]))
            return bad_segment(st, seg, "names a component the frame does not have", err);
    if (info->scans++ == 0)
        info->sos_offset = seg->start;
    return DK_OK;
}

static int parse_dqt(header_state *st, const jpeg_segment *seg, dk_error *err)
{
    size_t off = 0;
    if (seg->body_len == 0)
        return bad_segment(st, seg, "defines no table", err);
    while (off < seg->body_len) {
        int pq = seg->body[off] >> 4, tq = seg->body[off] & 15;
        if (pq > 1 || tq > 3)
            return bad_segment(st, seg, "table precision above 1 or destination above 3", err);
        size_t size = 64u * (size_t)(pq + 1);
        if (seg->body_len - off - 1 < size)
            return bad_segment(st, seg, "a table runs past the end of the segment", err);
        if (pq == 1)
            st->info->quant_16bit = 1;
        off += 1 + size;
    }
    return DK_OK;
}

static int parse_dht(header_state *st, const jpeg_segment *seg, dk_error *err)
{
    size_t off = 0;
    if (seg->body_len == 0)
        return bad_segment(st, seg, "defines no table", err);
    while (off < seg->body_len) {
        if (seg->body_len - off < 17)
            return bad_segment(st, seg, "a table runs past the end of the segment", err);
        int tc = seg->body[off] >> 4, th = seg->body[off] & 15;
        if (tc > 1 || th > 3)
            return bad_segment(st, seg, "table class above 1 or destination above 3", err);
        size_t count = 0;
        for (size_t i = 1; i <= 16; i++)
            count += seg->body[off + i];
        if (count > 256 || seg->body_len - off - 17 < count)
            return bad_segment(st, seg, "a table runs past the end of the segment", err);
        if (th > st->info->max_huffman_table)
            st->info->max_huffman_table = th;
        off += 17 + count;
    }
    return DK_OK;
}

static int parse_dac(header_state *st, const jpeg_segment *seg, dk_error *err)
{
    if (seg->body_len == 0 || seg->body_len % 2 != 0)
        return bad_segment(st, seg, "length is not a whole number of 2-byte entries", err);
    for (size_t off = 0; off < seg->body_len; off += 2)
        if ((seg->body[off] >> 4) > 1 || (seg->body[off] & 15) > 3)
            return bad_segment(st, seg, "table class above 1 or destination above 3", err);
    return DK_OK;
}

static int parse_dri(header_state *st, const jpeg_segment *seg, dk_error *err)
{
    if (seg->body_len != 2)
        return bad_segment(st, seg, "length is not 4", err);
    if (st->info->scans == 0)
        st->info->restart_interval = (int)be16(seg->body);
    return DK_OK;
}

static void note_app(header_state *st, const jpeg_segment *seg)
{
    dk_jpeg_info *info = st->info;
    info->app_markers |= 1u << (seg->marker - M_APP0);
    if (seg->marker == M_APP0 && starts_with(seg, "JFIF", 5) &&
        seg->body_len >= JFIF_FIXED_LEN)
        info->has_jfif = 1;
    else if (seg->marker == M_APP1 && starts_with(seg, "Exif", 5)) {
        /* the first EXIF before the first scan, the one dk_jpeg_set_exif_orientation rewrites */
        if (!info->has_exif && info->scans == 0 && seg->body_len >= 6) {
            exif_parse(info, seg->body + 6, seg->body_len - 6);
            info->exif_offset = (size_t)(seg->body - st->w->data);
            info->exif_len = seg->body_len;
        }
        info->has_exif = 1;
    } else if (seg->marker == M_APP1 && (starts_with(seg, "http://ns.adobe.com/xap/1.0/", 29) ||
                                         starts_with(seg, "http://ns.adobe.com/xmp/extension/", 35)))
        info->has_xmp = 1;
    else if (seg->marker == M_APP2 && starts_with(seg, "ICC_PROFILE", 12) && info->scans == 0)
        icc_add(&st->icc, seg, st->w->data);
    else if (seg->marker == M_APP13)
        info->has_iptc = 1;
    else if (seg->marker == M_APP14 && starts_with(seg, "Adobe", 5) &&
             seg->body_len >= ADOBE_FIXED_LEN)
        info->adobe_transform = seg->body[11]; /* the last one wins, as in libjpeg */
}

static int handle_segment(header_state *st, const jpeg_segment *seg, dk_error *err)
{
    int m = seg->marker;
    if (is_sof(m))
        return parse_sof(st, seg, err);
    if (m >= M_APP0 && m <= M_APP15) {
        note_app(st, seg);
        return DK_OK;
    }
    switch (m) {
    case M_SOS: return parse_sos(st, seg, err);
    case M_DQT: return parse_dqt(st, seg, err);
    case M_DHT: return parse_dht(st, seg, err);
    case M_DAC: return parse_dac(st, seg, err);
    case M_DRI: return parse_dri(st, seg, err);
    case M_DNL:
        return seg->body_len == 2 ? DK_OK : bad_segment(st, seg, "length is not 4", err);
    case M_COM: st->info->has_comment = 1; return DK_OK;
    case M_SOI: return bad_segment(st, seg, "a second SOI inside the stream", err);
    default: return DK_OK; /* RSTn or TEM between segments: no parameters, harmless */
    }
}

static int colorspace_of_three(const dk_jpeg_info *info)
{
    if (info->has_jfif)
        return DK_JPEG_YCBCR;
    if (info->adobe_transform >= 0)
        return info->adobe_transform == 0 ? DK_JPEG_RGB : DK_JPEG_YCBCR;
    if (info->comp[0].id == 'R' && info->comp[1].id == 'G' && info->comp[2].id == 'B')
        return DK_JPEG_RGB;
    return DK_JPEG_YCBCR;
}

/* The same precedence as libjpeg-turbo's default_decompress_parms (jdapimin.c). */
static int decide_colorspace(const dk_jpeg_info *info)
{
    switch (info->ncomponents) {
    case 1: return DK_JPEG_GRAY;
    case 3: return colorspace_of_three(info);
    case 4: return info->adobe_transform > 0 ? DK_JPEG_YCCK : DK_JPEG_CMYK;
    default: return DK_JPEG_UNKNOWN;
    }
}

static void finish_info(header_state *st)
{
    dk_jpeg_info *info = st->info;
    info->colorspace = decide_colorspace(info);
    info->icc_chunks = st->icc.chunks;
    if (icc_complete(&st->icc))
        info->icc_length = icc_total(&st->icc);
    else
        info->icc_incomplete = st->icc.chunks > 0;
}

/* Walk the whole stream, filling info and st->icc. */
static int parse_stream(const unsigned char *data, size_t len, const char *name,
                        uint64_t max_pixels, dk_jpeg_info *info, header_state *st,
                        dk_error *err)
{
    jpeg_walker w;
    jpeg_segment seg;
    memset(info, 0, sizeof *info);
    info->adobe_transform = -1;
    info->max_huffman_table = -1;
    memset(st, 0, sizeof *st);
    st->info = info;
    st->w = &w;
    st->max_pixels = max_pixels;
    int rc = walker_start(&w, data, len, name, err);
    while (rc == DK_OK) {
        rc = walker_next(&w, &seg, err);
        if (rc != DK_OK)
            return rc;
        if (seg.marker == M_EOI)
            break;
        rc = handle_segment(st, &seg, err);
    }
    if (rc != DK_OK)
        return rc;
    if (info->scans == 0)
        return dk_error_set(err, DK_EFORMAT,
                            "%s: EOI at offset %zu before any SOS: a tables-only (abbreviated) "
                            "stream holds no image",
                            w.name, seg.start);
    info->eoi_end = seg.end;
    finish_info(st);
    return DK_OK;
}

static int check_args(const unsigned char *data, size_t len, const void *out, const char *name,
                      dk_error *err)
{
    if ((data == NULL && len > 0) || out == NULL)
        return dk_error_set(err, DK_EINVAL, "%s: %s is NULL", input_name(name),
                            out == NULL ? "the output argument" : "the data pointer");
    return DK_OK;
}

/* A declared size the coded data cannot hold: every MCU of a Huffman-coded scan takes at least
 * one bit (the shortest code of its first block's DC difference), so a 5 KB stream cannot be a
 * 16384 x 16384 image, whatever its SOF says. Checked before anyone allocates for the size.
 * Arithmetic coding can spend less than a bit on a block: only max_pixels bounds it. */
static int check_coded_size(const dk_jpeg_info *info, const char *name, dk_error *err)
{
    if (info->sof >= 9)
        return DK_OK;
    uint64_t units;
    if (info->sof == 3) { /* lossless: each sample of each component is a difference */
        units = (uint64_t)info->width * (uint64_t)info->height;
    } else {
        int hmax = 1, vmax = 1;
        for (int i = 0; i < info->ncomponents; i++) {
            if (info->comp[i].h > hmax) hmax = info->comp[i].h;
            if (info->comp[i].v > vmax) vmax = info->comp[i].v;
        }
        uint64_t across = ((uint64_t)info->width + 8u * (unsigned)hmax - 1) / (8u * (unsigned)hmax);
        uint64_t down = ((uint64_t)info->height + 8u * (unsigned)vmax - 1) / (8u * (unsigned)vmax);
        units = across * down;
    }
    uint64_t have = (uint64_t)(info->eoi_end - info->sos_offset) * 8u;
    if (have >= units)
        return DK_OK;
    return dk_error_set(err, DK_EFORMAT,
                        "%s: declares %d x %d pixels but holds only %zu bytes of coded data, "
                        "fewer than the %llu bits (one per MCU) any Huffman-coded image of that "
                        "size needs: the file is truncated or its header is false",
                        input_name(name), info->width, info->height,
                        info->eoi_end - info->sos_offset, (unsigned long long)units);
}

int dk_jpeg_read_header(const unsigned char *data, size_t len, const char *name,
                        size_t max_pixels, dk_jpeg_info *info, dk_error *err)
{
    header_state st;
    int rc = check_args(data, len, info, name, err);
    if (rc != DK_OK)
        return rc;
    if (max_pixels == 0)
        max_pixels = DK_JPEG_DEFAULT_MAX_PIXELS;
    rc = parse_stream(data, len, name, max_pixels, info, &st, err);
    return rc != DK_OK ? rc : check_coded_size(info, name, err);
}

/* ----------------------------------------------------------------- ICC copy */

int dk_jpeg_copy_icc(const unsigned char *data, size_t len, const char *name,
                     unsigned char *out, size_t out_len, dk_error *err)
{
    dk_jpeg_info info;
    header_state st;
    int rc = check_args(data, len, out, name, err);
    if (rc == DK_OK)
        rc = parse_stream(data, len, name, 0, &info, &st, err);
    if (rc != DK_OK)
        return rc;
    if (info.icc_chunks == 0)
        return dk_error_set(err, DK_ENOENT, "%s: no ICC profile (no APP2 ICC_PROFILE chunk)",
                            input_name(name));
    if (info.icc_incomplete)
        return dk_error_set(err, DK_EFORMAT,
                            "%s: the %d APP2 ICC_PROFILE chunks do not form one complete set "
                            "numbered 1..N (a chunk is missing, repeated or disagrees on N)",
                            input_name(name), info.icc_chunks);
    if (out_len < info.icc_length)
        return dk_error_set(err, DK_EINVAL,
                            "%s: ICC profile is %zu bytes but the output buffer holds %zu",
                            input_name(name), info.icc_length, out_len);
    size_t pos = 0;
    for (int seq = 1; seq <= st.icc.count; seq++) {
        memcpy(out + pos, data + st.icc.off[seq], st.icc.len[seq]);
        pos += st.icc.len[seq];
    }
    return DK_OK;
}

/* ------------------------------------------------------------------- strip */

typedef struct strip_state {
    const unsigned char *data;
    unsigned char *out;
    size_t pos;
    int jfif_written;
} strip_state;

/* memmove, so that out == data (in-place) works: output never overtakes input. */
static void emit(strip_state *s, const unsigned char *bytes, size_t n)
{
    memmove(s->out + s->pos, bytes, n);
    s->pos += n;
}

/* A segment with the same marker cut to its `keep` fixed bytes; the caller has checked
 * that body_len >= keep, so the result is never longer than the original. */
static void emit_fixed_part(strip_state *s, const jpeg_segment *seg, size_t keep)
{
    unsigned char head[4] = {0xFF, (unsigned char)seg->marker, (unsigned char)((keep + 2) >> 8),
                             (unsigned char)((keep + 2) & 0xFF)};
    unsigned char fixed[JFIF_FIXED_LEN];
    memcpy(fixed, seg->body, keep); /* read before writing: in place, head may overlap */
    emit(s, head, sizeof head);
    emit(s, fixed, keep);
}

static int is_kept_as_is(int m)
{
    return is_sof(m) || m == M_DHT || m == M_DAC || m == M_DQT || m == M_DRI || m == M_SOS ||
           m == M_DNL;
}

static void strip_segment(strip_state *s, const jpeg_segment *seg)
{
    if (is_kept_as_is(seg->marker)) {
        emit(s, s->data + seg->start, seg->end - seg->start);
    } else if (seg->marker == M_APP0 && !s->jfif_written && starts_with(seg, "JFIF", 5) &&
               seg->body_len >= JFIF_FIXED_LEN) {
        /* Keep JFIF (it decides YCbCr for the decoder) but not its thumbnail pixels. */
        emit_fixed_part(s, seg, JFIF_FIXED_LEN);
        s->out[s->pos - 2] = 0;
        s->out[s->pos - 1] = 0;
        s->jfif_written = 1;
    } else if (seg->marker == M_APP14 && starts_with(seg, "Adobe", 5) &&
               seg->body_len >= ADOBE_FIXED_LEN) {
        emit_fixed_part(s, seg, ADOBE_FIXED_LEN);
    }
    /* everything else (other APPn, COM, stray RSTn/TEM) is dropped */
}

int dk_jpeg_strip_metadata(const unsigned char *data, size_t len, const char *name,
                           unsigned char *out, size_t *out_len, dk_error *err)
{
    static const unsigned char soi[2] = {0xFF, M_SOI}, eoi[2] = {0xFF, M_EOI};
    dk_jpeg_info info;
    header_state st;
    jpeg_walker w;
    jpeg_segment seg;
    int rc = check_args(data, len, out, name, err);
    if (rc == DK_OK)
        rc = check_args(data, len, out_len, name, err);
    if (rc != DK_OK)
        return rc;
    *out_len = 0;
    rc = parse_stream(data, len, name, 0, &info, &st, err);
    if (rc != DK_OK)
        return rc;
    strip_state s = {data, out, 0, 0};
    walker_start(&w, data, len, name, NULL); /* cannot fail: parse_stream accepted it */
    emit(&s, soi, sizeof soi);
    while (walker_next(&w, &seg, NULL) == DK_OK && seg.marker != M_EOI)
        strip_segment(&s, &seg);
    emit(&s, eoi, sizeof eoi);
    *out_len = s.pos;
    return DK_OK;
}

/* ---------------------------------------------------------------- obstacle */

static const char *process_obstacle(int sof)
{
    switch (sof) {
    case 0: return NULL;
    case 1: return NULL; /* decided after precision, see below */
    case 2: return "progressive (SOF2)";
    case 3: return "lossless (SOF3)";
    case 9: return "arithmetic-coded (SOF9)";
    case 10: return "progressive arithmetic-coded (SOF10)";
    case 11: return "lossless arithmetic-coded (SOF11)";
    default: return "not a baseline frame";
    }
}

static const char *precision_obstacle(int precision)
{
    switch (precision) {
    case 8: return NULL;
    case 12: return "12-bit precision";
    case 16: return "16-bit precision";
    default: return "precision other than 8 bits";
    }
}

static const char *component_obstacle(const dk_jpeg_info *info)
{
    if (info->ncomponents == 4)
        return info->colorspace == DK_JPEG_YCCK ? "YCCK (4 components)" : "CMYK (4 components)";
    if (info->ncomponents != 1 && info->ncomponents != 3)
        return "neither 1 nor 3 components";
    return NULL;
}

const char *dk_jpeg_baseline_obstacle(const dk_jpeg_info *info)
{
    const char *why;
    if (info == NULL)
        return "no JPEG header information";
    if ((why = process_obstacle(info->sof)) != NULL)
        return why;
    if ((why = precision_obstacle(info->precision)) != NULL)
        return why;
    if (info->sof == 1)
        return "extended sequential (SOF1)";
    if ((why = component_obstacle(info)) != NULL)
        return why;
    if (info->quant_16bit)
        return "16-bit quantization tables";
    if (info->max_huffman_table > 1)
        return "more than 2 Huffman tables per class";
    return NULL;
}

/* ------------------------------------------------------- orientation rewrite */

static void tiff_put16(unsigned char *p, unsigned v, int big)
{
    p[big ? 0 : 1] = (unsigned char)(v >> 8);
    p[big ? 1 : 0] = (unsigned char)(v & 0xFF);
}

/* Set the Orientation entry of EXIF IFD0 in `tiff` (n bytes); 1 when one was found. */
static int exif_set_orientation(unsigned char *tiff, size_t n, int value)
{
    size_t entries;
    int big;
    const unsigned char *e = exif_ifd0(tiff, n, &entries, &big);
    for (size_t i = 0; e != NULL && i < entries; i++, e += 12) {
        if (is_orientation_entry(e, big)) {
            tiff_put16(tiff + (e - tiff) + 8, (unsigned)value, big);
            return 1;
        }
    }
    return 0;
}

int dk_jpeg_set_exif_orientation(unsigned char *data, size_t len, int value)
{
    jpeg_walker w;
    jpeg_segment seg;
    if (data == NULL || value < 1 || value > 8 || walker_start(&w, data, len, NULL, NULL) != DK_OK)
        return 0;
    /* the segments as the header parse walks them, to the EXIF it reads the orientation from */
    while (walker_next(&w, &seg, NULL) == DK_OK && seg.marker != M_SOS && seg.marker != M_EOI) {
        if (seg.marker == M_APP1 && starts_with(&seg, "Exif", 5))
            return seg.body_len >= 6 ? exif_set_orientation(data + (seg.body - data) + 6,
                                                            seg.body_len - 6, value)
                                     : 0;
    }
    return 0;
}

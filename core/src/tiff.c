/* The TIFF layer: libtiff reads, this file decides what DICOM can take (see tiff.h). */
#include "dicomkit/tiff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

int dk_is_tiff(const unsigned char *d, size_t len)
{
    if (d == NULL || len < 4)
        return 0;
    return (d[0] == 'I' && d[1] == 'I' && (d[2] == 0x2A || d[2] == 0x2B) && d[3] == 0) ||
           (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && (d[3] == 0x2A || d[3] == 0x2B));
}

/* ------------------------------------------------------------ libtiff on a memory buffer */

typedef struct source {
    const unsigned char *data;
    uint64_t len, at;
    const char *name;
    char msg[240]; /* libtiff's first error message */
} source;

static tmsize_t mem_read(thandle_t h, void *buf, tmsize_t n)
{
    source *s = (source *)h;
    if (n <= 0 || s->at >= s->len)
        return 0;
    uint64_t k = s->len - s->at;
    if ((uint64_t)n < k)
        k = (uint64_t)n;
    memcpy(buf, s->data + s->at, (size_t)k);
    s->at += k;
    return (tmsize_t)k;
}

static tmsize_t mem_write(thandle_t h, void *buf, tmsize_t n)
{
    (void)h, (void)buf, (void)n;
    return -1;
}

static toff_t mem_seek(thandle_t h, toff_t off, int whence)
{
    source *s = (source *)h;
    uint64_t base = whence == SEEK_CUR ? s->at : whence == SEEK_END ? s->len : 0;
    if (off > UINT64_MAX - base)
        return (toff_t)-1;
    s->at = base + off; /* past the end reads nothing */
    return s->at;
}

static int mem_close(thandle_t h)
{
    (void)h;
    return 0;
}

static toff_t mem_size(thandle_t h)
{
    return ((source *)h)->len;
}

static int mem_map(thandle_t h, void **base, toff_t *size)
{
    (void)h, (void)base, (void)size;
    return 0; /* never mapped: libtiff may write into a mapping it reverses bits in */
}

static void mem_unmap(thandle_t h, void *base, toff_t size)
{
    (void)h, (void)base, (void)size;
}

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)module;
    source *s = (source *)user;
    if (s->msg[0] == 0) {
        vsnprintf(s->msg, sizeof s->msg, fmt, ap);
        /* libtiff names the file first: the message that carries this one does already */
        size_t k = strlen(s->name);
        if (k > 0 && strncmp(s->msg, s->name, k) == 0 && s->msg[k] == ':' && s->msg[k + 1] == ' ')
            memmove(s->msg, s->msg + k + 2, strlen(s->msg + k + 2) + 1);
    }
    return 1; /* handled: nothing on stderr */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;
}

static int broken(source *s, const char *who, int page, const char *what, dk_error *err)
{
    return dk_error_set(err, DK_EFORMAT, "%s: not a TIFF dicomkit can read (page %d: %s%s%s)",
                        who, page, what, s->msg[0] ? ": " : "", s->msg);
}

/* ------------------------------------------------------------ one page */

enum method { DIRECT, PALETTE, RGBA };

/* What a page is and how it is read. */
typedef struct page {
    uint32_t w, h;
    uint16_t spp, bps, photometric, planar, format, orientation, compression;
    int colour;   /* samples stored: 1 or 3 */
    int alpha;    /* 1: one extra sample taken as alpha */
    int assoc;    /* the alpha is associated (premultiplied) */
    int out_bits; /* 8 or 16 */
    enum method method;
} page;

static const char *photometric_name(int p)
{
    switch (p) {
    case PHOTOMETRIC_SEPARATED: return "CMYK (separated)";
    case PHOTOMETRIC_CIELAB: return "CIE L*a*b*";
    case PHOTOMETRIC_ICCLAB: return "ICC L*a*b*";
    case PHOTOMETRIC_ITULAB: return "ITU L*a*b*";
    case PHOTOMETRIC_LOGL: return "LogL";
    case PHOTOMETRIC_LOGLUV: return "LogLuv";
    case PHOTOMETRIC_MASK: return "a transparency mask";
    case PHOTOMETRIC_CFA: return "a colour filter array (raw sensor data)";
    default: return "an unknown PhotometricInterpretation";
    }
}

/* Read the page's tags and decide; DK_EUNSUPPORTED says what does not fit. */
static int describe(TIFF *tif, source *s, const char *who, int n, page *pg, dk_error *err)
{
    memset(pg, 0, sizeof *pg);
    uint16_t extra = 0, *extra_types = NULL;
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &pg->w) ||
        !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &pg->h))
        return broken(s, who, n, "no ImageWidth or ImageLength", err);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &pg->spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &pg->bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &pg->planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &pg->format);
    TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &pg->orientation);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &pg->compression);
    TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extra, &extra_types);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &pg->photometric))
        return broken(s, who, n, "no PhotometricInterpretation", err);
    if (pg->orientation < 1 || pg->orientation > 8)
        pg->orientation = 1;
    if (pg->w < 1 || pg->h < 1 || pg->w > 65535 || pg->h > 65535)
        return dk_error_set(err, DK_EINVAL,
                            "%s: page %d is %ux%u; DICOM's Rows and Columns hold 1..65535", who, n,
                            pg->w, pg->h);
    if (!TIFFIsCODECConfigured(pg->compression))
        return dk_error_set(err, DK_EUNSUPPORTED,
                            "%s: page %d uses TIFF compression %u, which libtiff here does not "
                            "decode", who, n, pg->compression);
    if (pg->format != SAMPLEFORMAT_UINT && pg->format != SAMPLEFORMAT_VOID)
        return dk_error_set(err, DK_EUNSUPPORTED,
                            "%s: page %d has %s samples; dicomkit takes unsigned integer "
                            "samples", who, n,
                            pg->format == SAMPLEFORMAT_INT ? "signed integer"
                            : pg->format == SAMPLEFORMAT_IEEEFP ? "floating point" : "complex");

    switch (pg->photometric) {
    case PHOTOMETRIC_MINISBLACK:
    case PHOTOMETRIC_MINISWHITE:
        pg->colour = 1;
        pg->method = DIRECT;
        if (pg->bps != 1 && pg->bps != 2 && pg->bps != 4 && pg->bps != 8 && pg->bps != 16)
            goto depth;
        break;
    case PHOTOMETRIC_RGB:
        pg->colour = 3;
        pg->method = DIRECT;
        if (pg->bps != 8 && pg->bps != 16)
            goto depth;
        break;
    case PHOTOMETRIC_PALETTE:
        pg->colour = 1; /* one index per pixel, expanded to RGB */
        pg->method = PALETTE;
        if (pg->bps < 1 || pg->bps > 8)
            goto depth;
        break;
    case PHOTOMETRIC_YCBCR:
        pg->colour = 3;
        if (pg->bps != 8)
            goto depth;
        if (pg->compression == COMPRESSION_JPEG) {
            /* libtiff's JPEG codec converts to RGB itself */
            if (!TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB))
                return broken(s, who, n, "YCbCr JPEG", err);
            pg->method = DIRECT;
        } else {
            pg->method = RGBA;
        }
        break;
    default:
        return dk_error_set(err, DK_EUNSUPPORTED,
                            "%s: page %d is %s; DICOM images here are grey or RGB: convert it "
                            "to RGB first", who, n, photometric_name(pg->photometric));
    }
    if (pg->spp < pg->colour || pg->spp - pg->colour > 1 || extra > 1 ||
        (extra == 1 && pg->spp != pg->colour + 1) ||
        (pg->method == PALETTE && pg->spp != 1))
        return dk_error_set(err, DK_EUNSUPPORTED,
                            "%s: page %d has %u samples per pixel for %s; dicomkit takes %d, or "
                            "%d with an alpha", who, n, pg->spp,
                            pg->colour == 3 ? "colour" : "grey", pg->colour, pg->colour + 1);
    pg->alpha = pg->spp == pg->colour + 1;
    pg->assoc = pg->alpha && extra == 1 && extra_types[0] == EXTRASAMPLE_ASSOCALPHA;
    pg->out_bits = pg->bps == 16 ? 16 : 8;
    return DK_OK;
depth:
    return dk_error_set(err, DK_EUNSUPPORTED,
                        "%s: page %d has %u bits per sample; dicomkit takes %s", who, n, pg->bps,
                        pg->photometric == PHOTOMETRIC_RGB   ? "8 or 16 for RGB"
                        : pg->photometric == PHOTOMETRIC_YCBCR ? "8 for YCbCr"
                        : pg->photometric == PHOTOMETRIC_PALETTE ? "1 to 8 for palette colour"
                                                                 : "1, 2, 4, 8 or 16 for grey");
}

/* `n` samples of `bps` bits packed MSB-first (16-bit ones in host order, as libtiff leaves
 * them) to every `stride`-th element of dst: 8-bit elements for bps <= 8, 16-bit for 16. */
static void unpack(const unsigned char *src, size_t n, int bps, unsigned char *dst, size_t stride)
{
    if (bps == 8) {
        for (size_t i = 0; i < n; i++)
            dst[i * stride] = src[i];
    } else if (bps == 16) {
        uint16_t *d = (uint16_t *)(void *)dst;
        for (size_t i = 0; i < n; i++) {
            uint16_t v;
            memcpy(&v, src + 2 * i, 2);
            d[i * stride] = v;
        }
    } else {
        unsigned mask = (1u << bps) - 1u;
        for (size_t i = 0; i < n; i++) {
            size_t bit = i * (size_t)bps;
            dst[i * stride] = (unsigned char)((src[bit >> 3] >> (8 - bps - (int)(bit & 7))) & mask);
        }
    }
}

/* The page's samples, unpacked and interleaved (spp per pixel) into `inter`. */
static int read_samples(TIFF *tif, source *s, const page *pg, const char *who, int n,
                        unsigned char *inter, dk_error *err)
{
    size_t esize = pg->bps == 16 ? 2 : 1, spp = pg->spp, w = pg->w, h = pg->h;
    int planes = pg->planar == PLANARCONFIG_SEPARATE ? pg->spp : 1;
    size_t per_row = planes > 1 ? w : w * spp; /* samples in one stored row of one plane */
    size_t stride = planes > 1 ? spp : 1;
    size_t row_bytes = (per_row * pg->bps + 7) / 8;
    unsigned char *buf = NULL;
    int rc = DK_OK;
    if (TIFFIsTiled(tif)) {
        uint32_t tw = 0, th = 0;
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
        uint64_t tsize = TIFFTileSize64(tif), trow = TIFFTileRowSize64(tif);
        size_t tile_samples = planes > 1 ? tw : (size_t)tw * spp;
        if (tw == 0 || th == 0 || tsize == 0 || trow < (tile_samples * pg->bps + 7) / 8 ||
            tsize < trow * th || tsize > ((uint64_t)1 << 31))
            return broken(s, who, n, "its tile layout", err);
        if ((buf = malloc((size_t)tsize)) == NULL)
            return dk_error_set(err, DK_ENOMEM, "%s: out of memory for a tile", who);
        for (int p = 0; p < planes && rc == DK_OK; p++)
            for (uint32_t y = 0; y < h && rc == DK_OK; y += th)
                for (uint32_t x = 0; x < w && rc == DK_OK; x += tw) {
                    if (TIFFReadTile(tif, buf, x, y, 0, (uint16_t)p) < (tmsize_t)tsize) {
                        rc = broken(s, who, n, "a tile is truncated or corrupt", err);
                        break;
                    }
                    size_t cols = w - x < tw ? w - x : tw;
                    size_t rows = h - y < th ? h - y : th;
                    for (size_t ty = 0; ty < rows; ty++)
                        unpack(buf + ty * trow, planes > 1 ? cols : cols * spp, pg->bps,
                               inter + (((y + ty) * w + x) * spp + (size_t)p) * esize, stride);
                }
    } else {
        uint32_t rps = 0;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
        if (rps == 0 || rps > h)
            rps = (uint32_t)h;
        uint64_t scan = TIFFScanlineSize64(tif);
        size_t strips_per_plane = (h + rps - 1) / rps;
        if (scan < row_bytes || TIFFNumberOfStrips(tif) < strips_per_plane * (size_t)planes)
            return broken(s, who, n, "its strip layout", err);
        size_t strip_bytes = (size_t)scan * rps;
        if ((buf = malloc(strip_bytes)) == NULL)
            return dk_error_set(err, DK_ENOMEM, "%s: out of memory for a strip", who);
        for (int p = 0; p < planes && rc == DK_OK; p++)
            for (size_t k = 0; k < strips_per_plane; k++) {
                size_t rows = h - k * rps < rps ? h - k * rps : rps;
                tmsize_t want = (tmsize_t)(rows * scan);
                uint32_t strip = (uint32_t)((size_t)p * strips_per_plane + k);
                if (TIFFReadEncodedStrip(tif, strip, buf, want) < want) {
                    rc = broken(s, who, n, "a strip is truncated or corrupt", err);
                    break;
                }
                for (size_t r = 0; r < rows; r++)
                    unpack(buf + r * scan, per_row, pg->bps,
                           inter + (((k * rps + r) * w) * spp + (size_t)p) * esize, stride);
            }
    }
    free(buf);
    return rc;
}

/* Decode one page into `out` (its frame: w * h * out samples), stored order. */
static int decode_page(TIFF *tif, source *s, const page *pg, const char *who, int n,
                       const dk_decode_options *opts, unsigned char *out, dk_decoded_image *img,
                       dk_error *err)
{
    size_t npix = (size_t)pg->w * pg->h;
    int rc;
    if (pg->method == RGBA) {
        char why[1024];
        if (!TIFFRGBAImageOK(tif, why))
            return dk_error_set(err, DK_EUNSUPPORTED, "%s: page %d: libtiff cannot read it (%s)",
                                who, n, why);
        uint32_t *raster = malloc(npix * 4);
        if (raster == NULL)
            return dk_error_set(err, DK_ENOMEM, "%s: out of memory for page %d", who, n);
        /* asked in the page's own orientation, libtiff flips nothing; it is turned later */
        if (!TIFFReadRGBAImageOriented(tif, pg->w, pg->h, raster, pg->orientation, 1)) {
            free(raster);
            return broken(s, who, n, "its YCbCr data", err);
        }
        unsigned char *q = (unsigned char *)raster; /* RGBA in place, then alpha rule */
        for (size_t i = 0; i < npix; i++) {
            uint32_t v = raster[i];
            q[4 * i] = (unsigned char)TIFFGetR(v);
            q[4 * i + 1] = (unsigned char)TIFFGetG(v);
            q[4 * i + 2] = (unsigned char)TIFFGetB(v);
            q[4 * i + 3] = (unsigned char)TIFFGetA(v);
        }
        int alpha = DK_ALPHA_NONE;
        rc = dk_strip_alpha(q, npix, 4, 8, (int)pg->w, opts, who, &alpha, err);
        if (rc == DK_OK) {
            memcpy(out, q, npix * 3);
            if (pg->alpha && alpha > img->alpha)
                img->alpha = alpha;
        }
        free(raster);
        return rc;
    }

    size_t esize = pg->bps == 16 ? 2 : 1;
    int in_place = pg->method == DIRECT && !pg->alpha;
    unsigned char *inter = in_place ? out : malloc(npix * pg->spp * esize + 1);
    if (inter == NULL)
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory for page %d", who, n);
    rc = read_samples(tif, s, pg, who, n, inter, err);
    if (rc == DK_OK && pg->method == PALETTE) {
        uint16_t *r = NULL, *g = NULL, *b = NULL;
        if (!TIFFGetField(tif, TIFFTAG_COLORMAP, &r, &g, &b)) {
            rc = broken(s, who, n, "palette colour without a ColorMap", err);
        } else {
            size_t entries = (size_t)1 << pg->bps;
            int shift = 0;
            for (size_t i = 0; i < entries; i++)
                if (r[i] > 255 || g[i] > 255 || b[i] > 255)
                    shift = 8;
            for (size_t i = 0; i < npix; i++) {
                unsigned k = inter[i];
                out[3 * i] = (unsigned char)(r[k] >> shift);
                out[3 * i + 1] = (unsigned char)(g[k] >> shift);
                out[3 * i + 2] = (unsigned char)(b[k] >> shift);
            }
            img->palette_expanded = 1;
        }
    } else if (rc == DK_OK) {
        if (pg->colour == 1 && pg->bps < 8) {
            unsigned scale = 255u / ((1u << pg->bps) - 1u); /* bit replication */
            for (size_t i = 0; i < npix * pg->spp; i += pg->spp)
                inter[i] = (unsigned char)(inter[i] * scale);
        }
        if (pg->photometric == PHOTOMETRIC_MINISWHITE) {
            if (esize == 2) {
                uint16_t *v = (uint16_t *)(void *)inter;
                for (size_t i = 0; i < npix * pg->spp; i += pg->spp)
                    v[i] = (uint16_t)(65535u - v[i]);
            } else {
                for (size_t i = 0; i < npix * pg->spp; i += pg->spp)
                    inter[i] = (unsigned char)(255u - inter[i]);
            }
            img->inverted = 1;
        }
        if (pg->alpha) {
            if (pg->assoc && opts != NULL && opts->flatten) {
                /* premultiplied: back to straight colour before compositing */
                uint32_t max = esize == 2 ? 65535u : 255u;
                for (size_t i = 0; i < npix; i++)
                    for (int c = 0; c < pg->colour; c++) {
                        size_t at = i * pg->spp;
                        uint32_t a = esize == 2 ? ((uint16_t *)(void *)inter)[at + pg->colour]
                                                : inter[at + pg->colour];
                        uint32_t v = esize == 2 ? ((uint16_t *)(void *)inter)[at + c]
                                                : inter[at + c];
                        uint32_t straight = a == 0 ? 0 : (v * max + a / 2) / a;
                        if (straight > max)
                            straight = max;
                        if (esize == 2)
                            ((uint16_t *)(void *)inter)[at + c] = (uint16_t)straight;
                        else
                            inter[at + c] = (unsigned char)straight;
                    }
            }
            int alpha = DK_ALPHA_NONE;
            rc = dk_strip_alpha(inter, npix, pg->spp, pg->bps == 16 ? 16 : 8, (int)pg->w, opts,
                                who, &alpha, err);
            if (rc == DK_OK && alpha > img->alpha)
                img->alpha = alpha;
        }
        if (rc == DK_OK && !in_place)
            memcpy(out, inter, npix * (size_t)pg->colour * esize);
    }
    if (!in_place)
        free(inter);
    return rc;
}

/* ------------------------------------------------------------ the file */

int dk_tiff_decode(const unsigned char *data, size_t len, const char *name,
                   const dk_decode_options *opts, dk_decoded_image *image, dk_error *err)
{
    const char *who = name ? name : "TIFF data";
    memset(image, 0, sizeof *image);
    if (!dk_is_tiff(data, len))
        return dk_error_set(err, DK_EFORMAT,
                            "%s: not a TIFF (it does not start with II*\\0 or MM\\0*)", who);
    size_t max_pixels = opts && opts->max_pixels ? opts->max_pixels : DK_DECODE_DEFAULT_MAX_PIXELS;
    source s = {data, len, 0, who, ""};
    TIFFOpenOptions *o = TIFFOpenOptionsAlloc();
    if (o == NULL)
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
    TIFFOpenOptionsSetErrorHandlerExtR(o, on_error, &s);
    TIFFOpenOptionsSetWarningHandlerExtR(o, on_warning, &s);
    /* libtiff's own buffers (a compressed strip, codec state) stay near the file's size */
    TIFFOpenOptionsSetMaxSingleMemAlloc(o, (tmsize_t)(len + ((size_t)64 << 20)));
    TIFF *tif = TIFFClientOpenExt(who, "rm", (thandle_t)&s, mem_read, mem_write, mem_seek,
                                  mem_close, mem_size, mem_map, mem_unmap, o);
    TIFFOpenOptionsFree(o);
    if (tif == NULL)
        return dk_error_set(err, DK_EFORMAT, "%s: not a TIFF dicomkit can read (%s)", who,
                            s.msg[0] ? s.msg : "its header");

    unsigned char *pixels = NULL;
    size_t cap = 0, frame_bytes = 0, total_pixels = 0;
    int rc = DK_OK, frames = 0, directories = 0;
    for (;;) {
        if (++directories > 2 * DK_TIFF_MAX_PAGES) {
            rc = dk_error_set(err, DK_ELIMIT, "%s: more than %d pages", who, 2 * DK_TIFF_MAX_PAGES);
            break;
        }
        uint32_t subfile = 0;
        TIFFGetFieldDefaulted(tif, TIFFTAG_SUBFILETYPE, &subfile);
        if (subfile & (FILETYPE_REDUCEDIMAGE | FILETYPE_MASK)) {
            image->pages_skipped++;
            goto next;
        }
        int n = frames + 1;
        page pg;
        if ((rc = describe(tif, &s, who, n, &pg, err)) != DK_OK)
            break;
        int swap = pg.orientation >= 5;
        int rows = (int)(swap ? pg.w : pg.h), columns = (int)(swap ? pg.h : pg.w);
        int samples = pg.method == PALETTE ? 3 : pg.colour;
        if (frames == 0) {
            image->rows = rows;
            image->columns = columns;
            image->samples = samples;
            image->bits = pg.out_bits;
            image->source_bits = pg.bps;
            image->orientation = pg.orientation;
            frame_bytes = (size_t)pg.w * pg.h * (size_t)samples * (size_t)(pg.out_bits / 8);
            uint32_t icc_len = 0;
            void *icc = NULL;
            if (TIFFGetField(tif, TIFFTAG_ICCPROFILE, &icc_len, &icc) && icc_len > 0 && icc) {
                if ((image->icc = malloc(icc_len)) == NULL) {
                    rc = dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
                    break;
                }
                memcpy(image->icc, icc, icc_len);
                image->icc_len = icc_len;
            }
        } else if (rows != image->rows || columns != image->columns || samples != image->samples ||
                   pg.out_bits != image->bits) {
            rc = dk_error_set(err, DK_EINVAL,
                              "%s: page %d is %dx%d %s %d-bit, page 1 is %dx%d %s %d-bit; the "
                              "frames of one object must agree (split the file or convert the "
                              "pages to one size first)",
                              who, n, columns, rows, samples == 3 ? "colour" : "grey",
                              pg.out_bits, image->columns, image->rows,
                              image->samples == 3 ? "colour" : "grey", image->bits);
            break;
        }
        if (n > DK_TIFF_MAX_PAGES) {
            rc = dk_error_set(err, DK_ELIMIT, "%s: more than %d pages, the most one object takes "
                              "here", who, DK_TIFF_MAX_PAGES);
            break;
        }
        total_pixels += (size_t)pg.w * pg.h;
        if (total_pixels > max_pixels) {
            rc = dk_error_set(err, DK_EINVAL,
                              "%s: %d page(s) of %ux%u are %zu pixels, over the limit of %zu "
                              "(max_pixels)", who, n, pg.w, pg.h, total_pixels, max_pixels);
            break;
        }
        if ((uint64_t)frame_bytes * (uint64_t)n > 0xFFFFFFFEull) {
            rc = dk_error_set(err, DK_ELIMIT, "%s: %d pages decode to more than the 4 GiB a "
                              "PixelData element holds", who, n);
            break;
        }
        if ((rc = dk_image_reserve(&pixels, &cap, frame_bytes * (size_t)n + 1, who, err)) != DK_OK)
            break;
        unsigned char *out = pixels + frame_bytes * (size_t)frames;
        if ((rc = decode_page(tif, &s, &pg, who, n, opts, out, image, err)) != DK_OK)
            break;
        if (pg.orientation > 1) {
            int r = (int)pg.h, c = (int)pg.w;
            size_t px = (size_t)samples * (size_t)(pg.out_bits / 8);
            if ((rc = dk_orient_frames(out, 1, &r, &c, px, pg.orientation, err)) != DK_OK)
                break;
            image->orientation_applied = 1;
        }
        frames++;
    next:
        /* the end of the chain reads quietly; a broken next directory is an error, not a
         * silently shorter object */
        s.msg[0] = 0;
        if (!TIFFReadDirectory(tif)) {
            if (s.msg[0])
                rc = broken(&s, who, frames + 1, "its directory", err);
            break;
        }
    }
    if (rc == DK_OK && frames == 0)
        rc = dk_error_set(err, DK_EFORMAT, "%s: holds no full-resolution page", who);
    TIFFClose(tif);
    if (rc != DK_OK) {
        free(pixels);
        dk_decoded_image_free(image);
        return rc;
    }
    /* 16-bit samples are little-endian in DICOM */
    if (image->bits == 16 && dk_host_is_big_endian())
        dk_swap16(pixels, frame_bytes * (size_t)frames);
    image->pixels = pixels;
    image->len = frame_bytes * (size_t)frames;
    image->frames = frames;
    return DK_OK;
}

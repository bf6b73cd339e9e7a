/* The PNG layer: libspng decodes, this file decides what DICOM can take (see png.h). */
#include "dicomkit/png.h"

#include <spng.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

int dk_is_png(const unsigned char *data, size_t len)
{
    return data != NULL && len >= sizeof signature && memcmp(data, signature, sizeof signature) == 0;
}

/* What libspng's status means for the caller. */
static int spng_fail(int rc, const char *who, const char *step, dk_error *err)
{
    int code = DK_EFORMAT;
    if (rc == SPNG_EMEM)
        code = DK_ENOMEM;
    else if (rc == SPNG_ECHUNK_LIMITS)
        code = DK_ELIMIT;
    else if (rc == SPNG_EUSER_WIDTH || rc == SPNG_EUSER_HEIGHT)
        code = DK_EINVAL;
    const char *what = rc == SPNG_EUSER_WIDTH || rc == SPNG_EUSER_HEIGHT
                           ? "wider or taller than DICOM's Rows/Columns allow (65535)"
                       : rc == SPNG_ECHUNK_LIMITS ? "its ancillary chunks exceed 64 MiB"
                                                  : spng_strerror(rc);
    return dk_error_set(err, code, "%s: not a PNG dicomkit can read (%s: %s)", who, step, what);
}

/* A context reading `data`, with the limits of png.h. NULL with err set. */
static spng_ctx *open_ctx(const unsigned char *data, size_t len, const char *who, dk_error *err)
{
    if (!dk_is_png(data, len)) {
        dk_error_set(err, DK_EFORMAT, "%s: not a PNG (it does not start with the PNG signature)",
                     who);
        return NULL;
    }
    spng_ctx *ctx = spng_ctx_new(0);
    if (ctx == NULL) {
        dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
        return NULL;
    }
    /* a chunk cannot be longer than the file; what is kept of ancillary chunks is capped */
    size_t chunk_max = len < 0x7FFFFFFFu ? len : 0x7FFFFFFFu;
    int rc = spng_set_image_limits(ctx, 65535, 65535);
    if (rc == 0)
        rc = spng_set_chunk_limits(ctx, chunk_max, (size_t)64 << 20);
    if (rc == 0)
        rc = spng_set_crc_action(ctx, SPNG_CRC_ERROR, SPNG_CRC_ERROR);
    if (rc == 0)
        rc = spng_set_png_buffer(ctx, data, len);
    if (rc != 0) {
        spng_fail(rc, who, "setting up", err);
        spng_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

static int header(spng_ctx *ctx, const char *who, size_t max_pixels, dk_png_info *info,
                  struct spng_trns *trns, dk_error *err)
{
    struct spng_ihdr ihdr;
    int rc = spng_get_ihdr(ctx, &ihdr);
    if (rc != 0)
        return spng_fail(rc, who, "IHDR", err);
    memset(info, 0, sizeof *info);
    info->width = ihdr.width;
    info->height = ihdr.height;
    info->bit_depth = ihdr.bit_depth;
    info->color_type = ihdr.color_type;
    info->interlaced = ihdr.interlace_method != 0;
    rc = spng_get_trns(ctx, trns);
    if (rc == 0)
        info->has_trns = 1;
    else if (rc != SPNG_ECHUNKAVAIL)
        return spng_fail(rc, who, "tRNS", err);
    if (max_pixels == 0)
        max_pixels = DK_PNG_DEFAULT_MAX_PIXELS;
    uint64_t pixels = (uint64_t)ihdr.width * ihdr.height;
    if (pixels > max_pixels)
        return dk_error_set(err, DK_EINVAL,
                            "%s: %ux%u is %llu pixels, over the limit of %llu (max_pixels)", who,
                            ihdr.width, ihdr.height, (unsigned long long)pixels,
                            (unsigned long long)max_pixels);
    return DK_OK;
}

int dk_png_read_header(const unsigned char *data, size_t len, const char *name,
                       size_t max_pixels, dk_png_info *info, dk_error *err)
{
    const char *who = name ? name : "PNG data";
    spng_ctx *ctx = open_ctx(data, len, who, err);
    if (ctx == NULL)
        return err ? err->code : DK_EFORMAT;
    struct spng_trns trns;
    int rc = header(ctx, who, max_pixels, info, &trns, err);
    spng_ctx_free(ctx);
    return rc;
}

int dk_png_decode(const unsigned char *data, size_t len, const char *name,
                  const dk_png_options *opts, dk_png_image *image, dk_error *err)
{
    const char *who = name ? name : "PNG data";
    dk_png_options defaults;
    memset(&defaults, 0, sizeof defaults);
    if (opts == NULL)
        opts = &defaults;
    memset(image, 0, sizeof *image);
    spng_ctx *ctx = open_ctx(data, len, who, err);
    if (ctx == NULL)
        return err ? err->code : DK_EFORMAT;
    dk_png_info info;
    struct spng_trns trns;
    unsigned char *pixels = NULL;
    int rc = header(ctx, who, opts->max_pixels, &info, &trns, err);
    if (rc != DK_OK)
        goto done;

    /* what libspng is asked for: the PNG's own samples where they are 8 or 16 bits, 8-bit
     * grey for low depths, 8-bit RGB for palettes; alpha kept to be checked */
    int alpha = info.color_type == 4 || info.color_type == 6 || info.has_trns;
    int colour = info.color_type == 2 || info.color_type == 3 || info.color_type == 6;
    int bits = info.bit_depth == 16 ? 16 : 8;
    int fmt, flags = 0;
    if (colour)
        fmt = alpha ? (bits == 16 ? SPNG_FMT_RGBA16 : SPNG_FMT_RGBA8)
                    : (bits == 16 ? SPNG_FMT_PNG : SPNG_FMT_RGB8);
    else if (info.color_type == 4)
        fmt = SPNG_FMT_PNG; /* grey + alpha as stored (libspng 0.7 has no GA8 for it) */
    else
        fmt = alpha ? (bits == 16 ? SPNG_FMT_GA16 : SPNG_FMT_GA8)
                    : (bits == 16 ? SPNG_FMT_PNG : SPNG_FMT_G8);
    if (alpha && info.has_trns)
        flags |= SPNG_DECODE_TRNS;
    int channels = (colour ? 3 : 1) + alpha;

    size_t n = (size_t)info.width * info.height;
    uint64_t decoded = (uint64_t)n * (uint64_t)channels * (uint64_t)(bits / 8);
    uint64_t stored = (uint64_t)n * (uint64_t)(colour ? 3 : 1) * (uint64_t)(bits / 8);
    if (stored > 0xFFFFFFFEull || decoded > (uint64_t)SIZE_MAX - 1) {
        rc = dk_error_set(err, DK_ELIMIT,
                          "%s: %ux%u decodes to %llu bytes, more than the 4 GiB a PixelData "
                          "element holds", who, info.width, info.height,
                          (unsigned long long)stored);
        goto done;
    }
    size_t want = 0;
    int src = spng_decoded_image_size(ctx, fmt, &want);
    if (src != 0) {
        rc = spng_fail(src, who, "sizing the image", err);
        goto done;
    }
    if (want != (size_t)decoded) {
        rc = dk_error_set(err, DK_EINTERNAL, "%s: libspng sizes the image as %zu bytes, not %llu",
                          who, want, (unsigned long long)decoded);
        goto done;
    }
    pixels = malloc((size_t)decoded + 1);
    if (pixels == NULL) {
        rc = dk_error_set(err, DK_ENOMEM, "%s: out of memory for %llu bytes of pixels", who,
                          (unsigned long long)decoded);
        goto done;
    }
    src = spng_decode_image(ctx, pixels, (size_t)decoded, fmt, flags);
    if (src != 0) {
        rc = spng_fail(src, who, "image data", err);
        goto done;
    }
    /* libspng gives 16-bit samples in host order (RAW would be big-endian); DICOM's are
     * little-endian here */
    if (bits == 16 && dk_host_is_big_endian())
        dk_swap16(pixels, (size_t)decoded);

    image->alpha = DK_PNG_NO_ALPHA;
    if (alpha) {
        rc = dk_strip_alpha(pixels, n, channels, bits, (int)info.width, opts, who, &image->alpha,
                            err);
        if (rc != DK_OK)
            goto done;
    }
    struct spng_iccp iccp;
    if (spng_get_iccp(ctx, &iccp) == 0 && iccp.profile_len > 0) {
        image->icc = malloc(iccp.profile_len);
        if (image->icc == NULL) {
            rc = dk_error_set(err, DK_ENOMEM, "%s: out of memory for its ICC profile", who);
            goto done;
        }
        memcpy(image->icc, iccp.profile, iccp.profile_len);
        image->icc_len = iccp.profile_len;
    }
    image->pixels = pixels;
    pixels = NULL;
    image->len = (size_t)stored;
    image->rows = (int)info.height;
    image->columns = (int)info.width;
    image->samples = colour ? 3 : 1;
    image->bits = bits;
    image->frames = 1;
    image->source_bits = info.bit_depth;
    image->palette_expanded = info.color_type == 3;
    rc = DK_OK;
done:
    free(pixels);
    spng_ctx_free(ctx);
    if (rc != DK_OK)
        dk_decoded_image_free(image);
    return rc;
}

/* What the still-image decoders share (see image.h): the alpha rule, orientation, byte order. */
#include "dicomkit/image.h"

#include <stdlib.h>
#include <string.h>

void dk_decoded_image_free(dk_decoded_image *image)
{
    if (image == NULL)
        return;
    free(image->pixels);
    free(image->icc);
    memset(image, 0, sizeof *image);
}

int dk_host_is_big_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 0;
}

int dk_image_reserve(unsigned char **buf, size_t *cap, size_t need, const char *who,
                     dk_error *err)
{
    if (need <= *cap)
        return DK_OK;
    size_t want = *cap > need / 2 ? *cap * 2 : need;
    unsigned char *grown = realloc(*buf, want);
    if (grown == NULL)
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory for %zu bytes of pixels", who,
                            want);
    *buf = grown;
    *cap = want;
    return DK_OK;
}

void dk_swap16(unsigned char *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        unsigned char t = p[i];
        p[i] = p[i + 1];
        p[i + 1] = t;
    }
}

/* Returns the index of the first translucent pixel when not flattening (its alpha in
 * *translucent), else -1 (*translucent set to -1 when a pixel was composited). */
static long long strip8(unsigned char *p, size_t n, int channels, const dk_decode_options *o,
                        int *translucent)
{
    int colour = channels - 1;
    unsigned char *out = p;
    for (size_t i = 0; i < n; i++, p += channels) {
        unsigned a = p[colour];
        if (a != 255) {
            if (!o->flatten) {
                *translucent = (int)a;
                return (long long)i;
            }
            *translucent = -1;
            for (int c = 0; c < colour; c++)
                p[c] = (unsigned char)((p[c] * a + o->background[c] * (255u - a) + 127u) / 255u);
        }
        for (int c = 0; c < colour; c++)
            *out++ = p[c];
    }
    return -1;
}

static long long strip16(uint16_t *p, size_t n, int channels, const dk_decode_options *o,
                         int *translucent)
{
    int colour = channels - 1;
    uint16_t *out = p;
    for (size_t i = 0; i < n; i++, p += channels) {
        uint32_t a = p[colour];
        if (a != 65535) {
            if (!o->flatten) {
                *translucent = (int)a;
                return (long long)i;
            }
            *translucent = -1;
            for (int c = 0; c < colour; c++) {
                uint64_t bg = (uint64_t)o->background[c] * 257u;
                p[c] = (uint16_t)(((uint64_t)p[c] * a + bg * (65535u - a) + 32767u) / 65535u);
            }
        }
        for (int c = 0; c < colour; c++)
            *out++ = p[c];
    }
    return -1;
}

int dk_strip_alpha(void *pixels, size_t n, int channels, int bits, int columns,
                   const dk_decode_options *opts, const char *who, int *alpha, dk_error *err)
{
    dk_decode_options none;
    memset(&none, 0, sizeof none);
    if (opts == NULL)
        opts = &none;
    int a = 0;
    long long at = bits == 16 ? strip16((uint16_t *)pixels, n, channels, opts, &a)
                              : strip8((unsigned char *)pixels, n, channels, opts, &a);
    if (at >= 0) {
        size_t w = columns > 0 ? (size_t)columns : 1;
        return dk_error_set(err, DK_EUNSUPPORTED,
                            "%s: has translucent pixels (the first at column %llu, row %llu, "
                            "alpha %d of %d) and DICOM stores no alpha; flatten it onto a "
                            "background (flatten = \"white\", --flatten white)",
                            who, (unsigned long long)((size_t)at % w),
                            (unsigned long long)((size_t)at / w), a, bits == 16 ? 65535 : 255);
    }
    *alpha = a == -1 ? DK_ALPHA_FLATTENED : DK_ALPHA_OPAQUE;
    return DK_OK;
}

/* Where stored pixel (r, c) of an R x C frame goes in the upright frame (EXIF/TIFF
 * Orientation: the side of the picture that row 0 and column 0 show). */
static void destination(int orientation, size_t r, size_t c, size_t R, size_t C, size_t *orow,
                        size_t *ocol)
{
    switch (orientation) {
    case 2: *orow = r; *ocol = C - 1 - c; break;
    case 3: *orow = R - 1 - r; *ocol = C - 1 - c; break;
    case 4: *orow = R - 1 - r; *ocol = c; break;
    case 5: *orow = c; *ocol = r; break;
    case 6: *orow = c; *ocol = R - 1 - r; break;
    case 7: *orow = C - 1 - c; *ocol = R - 1 - r; break;
    case 8: *orow = C - 1 - c; *ocol = r; break;
    default: *orow = r; *ocol = c; break;
    }
}

int dk_orient_frames(unsigned char *pixels, int frames, int *rows, int *columns,
                     size_t pixel_bytes, int orientation, dk_error *err)
{
    if (orientation < 2 || orientation > 8)
        return DK_OK;
    size_t R = (size_t)*rows, C = (size_t)*columns, frame = R * C * pixel_bytes;
    unsigned char *scratch = malloc(frame ? frame : 1);
    if (scratch == NULL)
        return dk_error_set(err, DK_ENOMEM, "out of memory turning %zux%zu pixels upright", C, R);
    int swap = orientation >= 5;
    size_t OC = swap ? R : C; /* the upright frame's columns */
    for (int f = 0; f < frames; f++) {
        unsigned char *in = pixels + (size_t)f * frame;
        for (size_t r = 0; r < R; r++)
            for (size_t c = 0; c < C; c++) {
                size_t orow, ocol;
                destination(orientation, r, c, R, C, &orow, &ocol);
                memcpy(scratch + (orow * OC + ocol) * pixel_bytes, in + (r * C + c) * pixel_bytes,
                       pixel_bytes);
            }
        memcpy(in, scratch, frame);
    }
    free(scratch);
    if (swap) {
        *rows = (int)C;
        *columns = (int)R;
    }
    return DK_OK;
}

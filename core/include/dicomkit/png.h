/* dicomkit: the PNG layer, on libspng.
 *
 * Decodes a PNG held in memory into the native pixels DICOM stores: grey of 1..8 bits as
 * 8-bit MONOCHROME2, 16-bit grey as 16-bit, truecolour 8 or 16 bits as RGB, palettes
 * expanded to 8-bit RGB. Samples are little-endian and interleaved (PlanarConfiguration 0).
 *
 * Transparency (an alpha channel or a tRNS chunk) has no place in DICOM's Image Pixel
 * module. An image whose every pixel is opaque loses nothing when the alpha is dropped, and
 * that is done and reported; one with a translucent pixel is refused (DK_EUNSUPPORTED, the
 * message gives the first such pixel) unless the caller asks to flatten it onto a stated
 * background: out = (c * a + bg * (max - a) + max / 2) / max, per sample, with max 255 or
 * 65535 and bg widened as bg * 257 for 16-bit images.
 *
 * The image's size is checked before anything is allocated: 1..65535 rows and columns (what
 * Rows and Columns can say), at most max_pixels pixels, and a decoded size under the 4 GiB a
 * PixelData element holds. Chunks are bounded (64 MiB of ancillary chunks kept, which caps a
 * hostile iCCP or zTXt); CRC and zlib checks are on. Gamma, colour profiles and sBIT are not
 * applied: the stored samples are the PNG's own.
 */
#ifndef DICOMKIT_PNG_H
#define DICOMKIT_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "dicomkit/error.h"
#include "dicomkit/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the bytes start with the PNG signature 89 50 4E 47 0D 0A 1A 0A. */
int dk_is_png(const unsigned char *data, size_t len);

/* What the image is, from IHDR (and whether tRNS is present). */
typedef struct dk_png_info {
    uint32_t width, height;
    int bit_depth;  /* 1, 2, 4, 8 or 16 */
    int color_type; /* 0 grey, 2 truecolour, 3 indexed, 4 grey+alpha, 6 truecolour+alpha */
    int interlaced; /* 1 for Adam7 */
    int has_trns;   /* a tRNS chunk names a transparent colour or palette alphas */
} dk_png_info;

/* The options and the decoded image are those every still-image decoder shares (image.h). */
typedef dk_decode_options dk_png_options;
typedef dk_decoded_image dk_png_image;

#define DK_PNG_DEFAULT_MAX_PIXELS DK_DECODE_DEFAULT_MAX_PIXELS
#define DK_PNG_NO_ALPHA DK_ALPHA_NONE
#define DK_PNG_ALPHA_OPAQUE DK_ALPHA_OPAQUE
#define DK_PNG_ALPHA_FLATTENED DK_ALPHA_FLATTENED

/* Read IHDR (and look for tRNS). DK_EFORMAT for a broken or non-PNG, DK_EINVAL for a size
 * DICOM cannot hold or over max_pixels (0: the default). */
int dk_png_read_header(const unsigned char *data, size_t len, const char *name,
                       size_t max_pixels, dk_png_info *info, dk_error *err);

/* Decode. On failure *image is zeroed and nothing is left allocated. DK_EFORMAT (truncated,
 * bad CRC, bad zlib data), DK_EINVAL (size limits), DK_EUNSUPPORTED (translucent and not
 * flattened), DK_ENOMEM. */
int dk_png_decode(const unsigned char *data, size_t len, const char *name,
                  const dk_png_options *opts, dk_png_image *image, dk_error *err);

#ifdef __cplusplus
}
#endif

#endif

/* dicomkit: the TIFF layer, on libtiff.
 *
 * Decodes a TIFF held in memory (classic or BigTIFF, any compression libtiff reads) into the
 * native pixels of image.h. Every full-resolution page becomes a frame, in file order; pages
 * marked reduced-resolution (thumbnails, previews) or transparency masks (NewSubfileType bits 0
 * and 2) are left out and counted. The pages must agree in upright size, samples and bits:
 * DK_EINVAL names the first that differs.
 *
 * What is taken (TIFF 6.0, Part 1 and sections 16 and 21):
 *   - grey (PhotometricInterpretation 0 WhiteIsZero or 1 BlackIsZero) of 1, 2, 4 or 8 bits as
 *     8-bit MONOCHROME2 (low depths widened by bit replication), 16 bits as 16-bit; WhiteIsZero
 *     is inverted (max - v) and reported, since the multi-frame SC IODs take only MONOCHROME2;
 *   - RGB of 8 or 16 bits, chunky or planar;
 *   - palette colour of 1..8 bits as 8-bit RGB (the ColorMap's 16-bit entries taken as v >> 8,
 *     or as they are when every entry is under 256, an old writers' habit);
 *   - YCbCr: JPEG-compressed strips and tiles through libtiff's own YCbCr to RGB conversion,
 *     other YCbCr through its RGBA reader;
 *   - one extra sample (alpha, associated or not, or unspecified) by the alpha rule of image.h.
 * Refused with DK_EUNSUPPORTED and the reason: CMYK and other colour spaces, signed or floating
 * point samples, other depths. Orientation (tag 274) is applied, as for a JPEG's EXIF.
 * Sizes are checked before pixels are allocated (1..65535 rows and columns, max_pixels over all
 * pages, under 4 GiB decoded) and libtiff's own allocations are capped; its messages become
 * the error's reason and nothing is printed.
 */
#ifndef DICOMKIT_TIFF_H
#define DICOMKIT_TIFF_H

#include <stddef.h>

#include "dicomkit/error.h"
#include "dicomkit/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the bytes start as a TIFF does: "II" 2A 00 or "MM" 00 2A (classic), 2B for BigTIFF. */
int dk_is_tiff(const unsigned char *data, size_t len);

/* Decode every page. On failure *image is zeroed and nothing is left allocated. DK_EFORMAT
 * (not a TIFF, truncated, corrupt), DK_EINVAL (size limits, pages that disagree), DK_ELIMIT
 * (more than DK_TIFF_MAX_PAGES pages, over 4 GiB), DK_EUNSUPPORTED (as above), DK_ENOMEM. */
int dk_tiff_decode(const unsigned char *data, size_t len, const char *name,
                   const dk_decode_options *opts, dk_decoded_image *image, dk_error *err);

#define DK_TIFF_MAX_PAGES 10000

#ifdef __cplusplus
}
#endif

#endif

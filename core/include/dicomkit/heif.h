/* dicomkit: the HEIF layer (HEIC, the iPhone's photo format), on libheif.
 *
 * Decodes a HEIF held in memory into the native pixels of image.h: RGB (libheif's YCbCr to
 * RGB), 8-bit, or 16-bit for a source of more than 8 bits (its samples widened by bit
 * replication, so full scale stays full scale). The container's transformations (irot, imir,
 * clap) are applied by libheif, so the stored image is upright as the phone showed it. Each
 * top-level image is a frame, in the file's order (a phone's photo has one; its thumbnails and
 * depth maps are not top-level). Decoding is strict: a truncated or corrupt stream is an error,
 * never a best-effort picture. The alpha rule of image.h applies. The profile of a colr box of
 * type prof or rICC goes to the ICC profile. HEVC is lossy, so the image is marked as once
 * lossy-compressed (LossyImageCompressionMethod ISO_23008_2).
 */
#ifndef DICOMKIT_HEIF_H
#define DICOMKIT_HEIF_H

#include <stddef.h>

#include "dicomkit/error.h"
#include "dicomkit/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the bytes start with an ISO BMFF ftyp box whose major or a compatible brand is a HEIF
 * one (heic, heix, heim, heis, hevc, hevx, mif1, msf1) and none says AVIF (avif, avis). */
int dk_is_heif(const unsigned char *data, size_t len);

/* Decode. On failure *image is zeroed. DK_EFORMAT (not HEIF, truncated, corrupt), DK_EINVAL
 * (size limits, frames that disagree), DK_EUNSUPPORTED (no decoder for its codec, translucent
 * and not flattened), DK_ENOMEM. */
int dk_heif_decode(const unsigned char *data, size_t len, const char *name,
                   const dk_decode_options *opts, dk_decoded_image *image, dk_error *err);

#ifdef __cplusplus
}
#endif

#endif

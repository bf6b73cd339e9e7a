/* dicomkit: decoding and lossless transforms of JPEG through libjpeg-turbo's TurboJPEG API.
 *
 * Orientation values are EXIF's (1..8): the transform that makes the stored image upright
 * (2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise, 7 transverse,
 * 8 rotate 270 clockwise). 0 and 1 mean "as stored".
 */
#ifndef DICOMKIT_JPEG_CODEC_H
#define DICOMKIT_JPEG_CODEC_H

#include <stddef.h>

#include "dicomkit/error.h"
#include "dicomkit/jpeg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Width and height of the image once `orientation` is applied. */
void dk_jpeg_upright_size(const dk_jpeg_info *info, int orientation, int *width, int *height);

/* Why libjpeg-turbo (the TurboJPEG API of this build) cannot decode the stream to 8-bit
 * RGB or grey, or NULL when it can: "12-bit precision", "lossless (SOF3)", "CMYK", ... */
const char *dk_jpeg_decode_obstacle(const dk_jpeg_info *info);

/* Decode to 8-bit samples, RGB interleaved for colour (3 bytes per pixel) or grey (1 byte),
 * upright for `orientation`, straight into `out` (caller-owned, exactly
 * upright width * height * samples bytes). When orientation needs a rotation, the image is
 * decoded into a temporary buffer first and rotated into `out`.
 * Corrupt or truncated entropy-coded data is an error (DK_EFORMAT), not a warning. */
int dk_jpeg_decode(const unsigned char *jpeg, size_t len, const dk_jpeg_info *info,
                   int orientation, unsigned char *out, size_t out_len, const char *name,
                   dk_error *err);

/* Apply `orientation` without decoding (tjTransform, perfect transforms only: jpegtran's
 * -perfect). *out is allocated by libjpeg-turbo; free it with dk_jpeg_free.
 * `keep_markers`: copy the source's extra markers (APPn, COM) into the result.
 * DK_EUNSUPPORTED when the transform cannot be perfect (partial MCU blocks at an edge
 * that would move); the caller then decodes instead. */
int dk_jpeg_transform(const unsigned char *jpeg, size_t len, int orientation, int keep_markers,
                      unsigned char **out, size_t *out_len, const char *name, dk_error *err);

void dk_jpeg_free(unsigned char *buffer);

/* The version of libjpeg-turbo dicomkit was built with, e.g. "2.1.5". */
const char *dk_jpeg_library_version(void);

#ifdef __cplusplus
}
#endif

#endif

/* dicomkit: what the decoders of still images (PNG, TIFF, HEIF) give the pixel layer.
 *
 * Each decoder turns a file held in memory into the native pixels DICOM stores: one or more
 * frames of `rows` x `columns` pixels, `samples` 1 (grey, MONOCHROME2: 0 is black) or 3 (RGB,
 * interleaved, PlanarConfiguration 0), 8 or 16 bits allocated, 16-bit samples little-endian,
 * frames one after the other. The options and the rule for transparency are shared: an alpha
 * channel whose every pixel is opaque is dropped and reported; a translucent pixel is refused
 * (DK_EUNSUPPORTED, naming the first) unless the caller asks to flatten it onto a stated
 * background, out = (c * a + bg * (max - a) + max / 2) / max per sample, max 255 or 65535, bg
 * widened as bg * 257 for 16-bit images.
 */
#ifndef DICOMKIT_IMAGE_H
#define DICOMKIT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "dicomkit/error.h"
#include "dicomkit/exif.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_decode_options {
    int flatten;                 /* 1: composite translucent pixels onto `background` */
    unsigned char background[3]; /* R, G, B (grey images use the first) */
    size_t max_pixels;           /* all frames together; 0: DK_DECODE_DEFAULT_MAX_PIXELS */
} dk_decode_options;

#define DK_DECODE_DEFAULT_MAX_PIXELS ((size_t)268435456u)

enum dk_alpha {
    DK_ALPHA_NONE = 0,     /* the image had no transparency */
    DK_ALPHA_OPAQUE = 1,   /* it had alpha, every pixel opaque: dropped */
    DK_ALPHA_FLATTENED = 2 /* translucent pixels composited onto the background */
};

typedef struct dk_decoded_image {
    unsigned char *pixels; /* malloc'ed, `len` bytes and room for one more; free with free() */
    size_t len;            /* all frames */
    int rows, columns, samples; /* samples 1 (grey) or 3 (RGB) */
    int bits;                   /* BitsAllocated: 8 or 16 */
    int frames;                 /* 1 or more */
    int source_bits;            /* the source's bit depth */
    int palette_expanded;       /* 1: indexed colour stored as RGB */
    int alpha;                  /* enum dk_alpha */
    int inverted;               /* 1: white-is-zero grey turned into MONOCHROME2 */
    int orientation;            /* the source's orientation tag (0 none, 1..8 as EXIF) */
    int orientation_applied;    /* 1: the pixels were turned upright */
    int pages_skipped;          /* TIFF: reduced-resolution pages (thumbnails) left out */
    const char *lossy_method;   /* the source's lossy compression as LossyImageCompressionMethod
                                   names it ("ISO_23008_2" for HEVC), NULL when lossless */
    unsigned char *icc;         /* the ICC profile (malloc'ed, free with free()), or NULL */
    size_t icc_len;
    dk_exif_facts exif;         /* HEIF: the first image's EXIF block; exif.present 0 if none */
} dk_decoded_image;

/* Free what an image holds and zero it. */
void dk_decoded_image_free(dk_decoded_image *image);

/* Drop or composite the alpha channel in place, by the rule above: `n` pixels of `channels`
 * samples of `bits` (8 or 16, host order), alpha last, become `channels - 1` samples each.
 * *alpha is set to DK_ALPHA_OPAQUE or DK_ALPHA_FLATTENED. DK_EUNSUPPORTED for a translucent
 * pixel when not flattening: the message names `who`, the pixel (`columns` wide) and its alpha. */
int dk_strip_alpha(void *pixels, size_t n, int channels, int bits, int columns,
                   const dk_decode_options *opts, const char *who, int *alpha, dk_error *err);

/* Turn `frames` frames of rows x columns pixels of `pixel_bytes` bytes upright by `orientation`
 * (1..8, the meaning EXIF and TIFF give it: 6 is "turn 90 degrees clockwise to view"). 5..8
 * swap rows and columns; *rows and *columns are updated. Needs a scratch frame (DK_ENOMEM). */
int dk_orient_frames(unsigned char *pixels, int frames, int *rows, int *columns,
                     size_t pixel_bytes, int orientation, dk_error *err);

/* Make *buf (malloc'ed, *cap bytes, or NULL and 0) hold at least `need` bytes, at least doubling
 * it so frames appended one by one cost amortised linear time. DK_ENOMEM names `who`; *buf is
 * then unchanged. */
int dk_image_reserve(unsigned char **buf, size_t *cap, size_t need, const char *who,
                     dk_error *err);

/* Byte-swap 16-bit samples in place. */
void dk_swap16(unsigned char *p, size_t len);

/* 1 on a big-endian host. */
int dk_host_is_big_endian(void);

#ifdef __cplusplus
}
#endif

#endif

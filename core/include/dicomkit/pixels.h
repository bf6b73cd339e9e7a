/* dicomkit: putting pixels into a dataset — a JPEG kept as encapsulated JPEG Baseline or
 * decoded to native pixels, or raw pixels made by the caller.
 *
 * Both functions set PixelData and the Image Pixel attributes that describe it (Rows,
 * Columns, SamplesPerPixel, PhotometricInterpretation, BitsAllocated, BitsStored, HighBit,
 * PixelRepresentation, PlanarConfiguration) consistently, and the root's transfer syntax
 * (JPEG Baseline 1.2.840.10008.1.2.4.50 for pass-through, Explicit VR Little Endian for
 * native). On any failure the dataset is unchanged.
 */
#ifndef DICOMKIT_PIXELS_H
#define DICOMKIT_PIXELS_H

#include <stddef.h>

#include "dicomkit/dataset.h"
#include "dicomkit/exif.h"
#include "dicomkit/pdf.h"
#include "dicomkit/heif.h"
#include "dicomkit/png.h"
#include "dicomkit/tiff.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DK_TS_JPEG_BASELINE "1.2.840.10008.1.2.4.50"
#define DK_TS_JPEGLS_LOSSLESS "1.2.840.10008.1.2.4.80"

/* What an input file is, from its first bytes (never its name): "jpeg" (FF D8 FF), "png" (the
 * PNG signature), "tiff" (II*\0, MM\0*, or BigTIFF's), "heif" (an ISO BMFF ftyp box naming a
 * HEIF brand: heic, heix, heim, heis, hevc, hevx, mif1, msf1), "pdf" ("%PDF-" within the first
 * 1024 bytes), or NULL for anything else. 16 bytes are enough for all but a PDF. */
const char *dk_image_kind(const unsigned char *data, size_t len);

typedef struct dk_jpeg_options {
    int decode;           /* 1: always decode to native pixels; 0: keep the JPEG as it is where
                             JPEG Baseline can carry it (a JPEG it cannot is refused) */
    int keep_markers;     /* 1: keep the photo's metadata segments (EXIF, XMP, IPTC, COM) */
    int keep_orientation; /* 1: leave the pixels as stored, ignoring EXIF Orientation */
    int allow_rgb;        /* 1: the IOD allows PhotometricInterpretation RGB for a JPEG whose
                             components are RGB-coded (Secondary Capture); 0: such a JPEG is
                             decoded (VL Photographic allows only YBR_FULL_422 for JPEG) */
    size_t max_pixels;    /* refuse larger images before allocating; 0: the default limit */
} dk_jpeg_options;

typedef struct dk_pixel_report {
    int decoded;            /* 1 when native pixels were written */
    char reason[200];       /* why it was decoded, or "" */
    int rows, columns, samples;
    char photometric[16];
    int orientation;        /* the EXIF orientation found (0 none) */
    int orientation_applied;  /* 1 when the pixels were turned upright */
    int lossless_transform;   /* 1 when turned without decoding (perfect transform) */
    int metadata_removed;     /* 1 when EXIF/XMP/IPTC/COM or other APPn were dropped */
    int has_exif, has_gps;    /* what the source carried */
    size_t icc_length;        /* bytes moved to ICCProfile, 0 when none */
    size_t stored_bytes;      /* bytes of the JPEG frame stored (pass-through) or of native pixels */
    size_t source_bytes;      /* bytes of the JPEG given */
    double compression_ratio; /* uncompressed size / JPEG size, for LossyImageCompressionRatio */
    /* PNG (and other decoded-only inputs) */
    int bits;                 /* BitsAllocated written: 8 or 16 */
    int source_bits;          /* the source's bit depth */
    int palette_expanded;     /* an indexed image stored as RGB */
    int alpha;                /* enum dk_png_alpha */
    int compressed;           /* 1: native pixels stored as JPEG-LS lossless */
    int deflated;             /* 1: stored under Deflated Explicit VR Little Endian */
    char transfer_syntax[65]; /* the root's transfer syntax after the import */
    int frames;               /* frames stored (0 or 1 for one image) */
    int inverted;             /* TIFF WhiteIsZero turned into MONOCHROME2 */
    int pages_skipped;        /* TIFF reduced-resolution pages (thumbnails) left out */
    dk_exif_facts exif;       /* a JPEG's (the first frame's) EXIF facts, read before its
                                 metadata is stripped; exif.present 0 when it had none */
} dk_pixel_report;

/* Import a JPEG held in memory (`name` names it in messages). See dk_jpeg_options.
 * Pass-through stores the JPEG's tables and entropy-coded data unchanged (metadata segments
 * removed unless keep_markers) as one fragment after an empty Basic Offset Table, with
 * PhotometricInterpretation YBR_FULL_422 for YCbCr (any subsampling), MONOCHROME2 for grey,
 * RGB for RGB-coded (only with allow_rgb). An ICC profile goes to ICCProfile (0028,2000) with
 * ColorSpace (0028,2002) when the profile names a known space. LossyImageCompression "01",
 * LossyImageCompressionMethod "ISO_10918_1" and LossyImageCompressionRatio are set either way,
 * because the image was lossy-compressed once.
 * Errors: DK_EFORMAT (not a JPEG, truncated, corrupt), DK_EINVAL (too large),
 * DK_EUNSUPPORTED (JPEG Baseline cannot carry it and decode is 0, or libjpeg-turbo cannot
 * decode it); the message names `name` and the reason. `report` may be NULL. */
int dk_dataset_set_jpeg(dk_dataset *ds, const unsigned char *jpeg, size_t len, const char *name,
                        const dk_jpeg_options *opts, dk_pixel_report *report, dk_error *err);

/* One input among several: its bytes and its name for messages. */
typedef struct dk_image_bytes {
    const unsigned char *data;
    size_t len;
    const char *name;
} dk_image_bytes;

#define DK_MAX_FRAMES 10000

/* Several JPEGs as the frames of one object (NumberOfFrames = count), in the order given. Each
 * frame is imported as dk_dataset_set_jpeg would; pass-through stores one fragment per frame
 * after a Basic Offset Table that holds each frame's offset (PS3.5 A.4). When any frame must be
 * decoded (options, or what the frame is), every frame is, into one native PixelData. The frames
 * must agree in upright size and components, and, kept as they are, in colour space, precision
 * and subsampling: DK_EINVAL names the first that differs and how. The ICC profile is frame 1's.
 * At most DK_MAX_FRAMES frames (DK_ELIMIT). */
int dk_dataset_set_jpeg_frames(dk_dataset *ds, const dk_image_bytes *frames, size_t count,
                               const dk_jpeg_options *opts, dk_pixel_report *report, dk_error *err);

/* The same, reading the frames from `paths` (each file read once, into its fragment). */
int dk_dataset_set_jpeg_frame_files(dk_dataset *ds, const char *const *paths, size_t count,
                                    const dk_jpeg_options *opts, dk_pixel_report *report,
                                    dk_error *err);

/* The same, reading the JPEG from `path` (DK_ENOENT/DK_EIO when it cannot be read). */
int dk_dataset_set_jpeg_file(dk_dataset *ds, const char *path, const dk_jpeg_options *opts,
                             dk_pixel_report *report, dk_error *err);

/* How decoded pixels (PNG) are stored. All three are lossless; measured on 1920x1080 RGB
 * (scripts/bench workload 7): JPEG-LS is the smallest for photo-like content and is an image
 * codec every PACS that takes compressed images knows; Deflated Explicit VR Little Endian
 * (1.2.840.10008.1.2.1.99, the whole data set through zlib) is far smaller for screenshots of
 * text, whose repeated glyphs deflate finds and JPEG-LS's pixel predictor does not. */
enum dk_compression {
    DK_COMPRESS_JPEGLS = 0,  /* JPEG-LS lossless 1.2.840.10008.1.2.4.80 (dcmjpls), the default */
    DK_COMPRESS_NONE = 1,    /* native, Explicit VR Little Endian */
    DK_COMPRESS_DEFLATE = 2  /* native, Deflated Explicit VR Little Endian */
};

/* Import a PNG, a TIFF or a HEIF held in memory, told apart by their first bytes (png.h,
 * tiff.h and heif.h say what each decodes to; image.h the alpha rule), stored as `compression`
 * says; should the JPEG-LS encoder fail, the pixels stay native and report->reason says why.
 * Several pages (TIFF) make several frames (NumberOfFrames). LossyImageCompression is "00"
 * (for HEIF, whose pixels were lossy-compressed once, the caller's template says otherwise).
 * An ICC profile goes to ICCProfile as a JPEG's does. Errors as the decoders', naming `name`. */
int dk_dataset_set_image(dk_dataset *ds, const unsigned char *data, size_t len, const char *name,
                         const dk_decode_options *opts, int compression, dk_pixel_report *report,
                         dk_error *err);

/* Several PNGs, TIFFs or HEIFs (mixed as they come) as the frames of one object, in the order
 * given, every page of a TIFF a frame: decoded and stored as dk_dataset_set_image does. They
 * must agree in rows, columns, grey or RGB and bits allocated: DK_EINVAL names the first that
 * differs and how. The pixel limit holds for all of them together; the ICC profile is the
 * first's, and so are its EXIF facts; when any was lossy-compressed (HEIF) the object is marked
 * lossy. At most DK_MAX_FRAMES frames (DK_ELIMIT). */
int dk_dataset_set_images(dk_dataset *ds, const dk_image_bytes *inputs, size_t count,
                          const dk_decode_options *opts, int compression, dk_pixel_report *report,
                          dk_error *err);

/* The same, for a PNG (kept for callers that know they hold one). */
int dk_dataset_set_png(dk_dataset *ds, const unsigned char *png, size_t len, const char *name,
                       const dk_png_options *opts, int compression, dk_pixel_report *report,
                       dk_error *err);

/* A PDF, whole and unchanged, as an Encapsulated PDF's document (PS3.3 C.24.2): checked by
 * dk_pdf_read (whose findings, the title among them, go to *info), then EncapsulatedDocument
 * (padded to an even length with one 00H), EncapsulatedDocumentLength (its length before the
 * padding) and MIMETypeOfEncapsulatedDocument "application/pdf" are set, any PixelData removed,
 * and the root's transfer syntax is Explicit VR Little Endian. */
int dk_dataset_set_pdf(dk_dataset *ds, const unsigned char *pdf, size_t len, const char *name,
                       dk_pdf_info *info, dk_error *err);

/* Native pixels from the caller: `samples` 1 or 3 (interleaved), `bits` 8 or 16 (16-bit
 * little-endian), `photometric` MONOCHROME1/MONOCHROME2 for 1 sample, RGB or YBR_FULL for 3;
 * `len` must be rows * columns * samples * bits / 8. */
int dk_dataset_set_native_pixels(dk_dataset *ds, int rows, int columns, int samples, int bits,
                                 const char *photometric, const void *data, size_t len,
                                 dk_error *err);

/* Read a whole file into memory (for JPEG input): *data is malloc'ed, free with dk_free.
 * DK_ENOENT, DK_EIO, DK_EFORMAT for an empty file. */
int dk_read_file(const char *path, unsigned char **data, size_t *len, dk_error *err);

#ifdef __cplusplus
}
#endif

#endif

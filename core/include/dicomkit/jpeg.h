/* dicomkit: the JPEG marker layer.
 *
 * Reads a JPEG's own markers (never the file name) to tell whether the bitstream can go
 * as it is into DICOM encapsulated JPEG Baseline (1.2.840.10008.1.2.4.50), and writes the
 * stream again without a photo's metadata segments (EXIF, XMP, IPTC, comments), which can
 * hold GPS positions, owner names and device serials.
 *
 * Pure C, no libjpeg, no allocation: every function works on a caller-owned buffer and
 * borrows it only for the duration of the call. `name` (may be NULL) names the input in
 * error messages, for example the file path. Functions return DK_OK or a negative
 * dk_status; `err` (may be NULL) is filled only on failure, with a message that starts
 * with the name and says which rule the input broke.
 *
 * What the parser accepts: SOI as the very first two bytes; marker segments whose declared
 * lengths fit the buffer; 0xFF fill bytes before a marker; one frame (SOF0/1/2/3/9/10/11,
 * 1..4 components, sampling factors 1..4); any number of scans; an EOI that ends the
 * entropy-coded data of the last scan. Bytes after EOI are ignored (and dropped by
 * dk_jpeg_strip_metadata). Refused as DK_EFORMAT: garbage between segments, hierarchical
 * (SOF5-7, SOF13-15, DHP, EXP), JPEG-LS and reserved markers, abbreviated (tables-only)
 * streams, a DNL-defined height (height 0 in SOF).
 */
#ifndef DICOMKIT_JPEG_H
#define DICOMKIT_JPEG_H

#include <stddef.h>

#include "dicomkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limit on width * height applied when dk_jpeg_read_header gets max_pixels == 0:
 * 2^28 pixels (16384 x 16384), 768 MiB as 8-bit RGB. */
#define DK_JPEG_DEFAULT_MAX_PIXELS ((size_t)268435456u)

/* The colour space of the coded components, decided like libjpeg-turbo does
 * (jdapimin.c, default_decompress_parms), so our answer matches what the decoder does:
 * 1 component: GRAY.
 * 3 components: JFIF APP0 seen -> YCBCR; else Adobe APP14 transform 0 -> RGB, any other
 *   transform -> YCBCR; else component ids 'R','G','B' -> RGB; else YCBCR.
 * 4 components: Adobe APP14 transform 0 -> CMYK, any other transform -> YCCK; no Adobe
 *   marker -> CMYK.
 * 2 components: UNKNOWN. */
enum dk_jpeg_colorspace {
    DK_JPEG_GRAY,
    DK_JPEG_YCBCR,
    DK_JPEG_RGB,
    DK_JPEG_CMYK,
    DK_JPEG_YCCK,
    DK_JPEG_UNKNOWN
};

typedef struct dk_jpeg_component {
    int id;  /* component identifier from SOF (1,2,3 for JFIF; 'R','G','B' for RGB-coded) */
    int h, v; /* sampling factors, 1..4 */
    int tq;  /* quantization table selector */
} dk_jpeg_component;

typedef struct dk_jpeg_info {
    int sof;               /* SOF marker low nibble: 0 baseline, 1 extended sequential Huffman,
                              2 progressive, 3 lossless, 9 extended sequential arithmetic,
                              10 progressive arithmetic, 11 lossless arithmetic */
    int precision;         /* bits per sample from SOF (8 or 12 for DCT, 2..16 lossless) */
    int width, height;     /* from SOF, both >= 1 */
    int ncomponents;       /* 1..4 */
    dk_jpeg_component comp[4];
    int has_jfif;          /* APP0 "JFIF\0" with at least 14 bytes of data seen */
    int adobe_transform;   /* -1 when no Adobe APP14, else its transform byte (0, 1 or 2) */
    int colorspace;        /* enum dk_jpeg_colorspace, see the rule above */
    int exif_orientation;  /* 1..8 from EXIF IFD0 tag 0x0112: its first entry with a value,
                              in the first EXIF APP1 before the first scan (the one
                              dk_jpeg_set_exif_orientation rewrites); 0 when absent or out of
                              range */
    int has_exif;          /* APP1 "Exif\0" */
    size_t exif_offset, exif_len; /* that first EXIF APP1's body ("Exif\0\0" and its TIFF
                              structure) within the stream, for dk_exif_read; 0, 0 when none */
    int has_xmp;           /* APP1 XMP packet or extended XMP */
    int has_iptc;          /* APP13 (Photoshop resource block, where IPTC lives) */
    int has_comment;       /* COM */
    int has_gps;           /* EXIF IFD0 has the GPS IFD pointer, tag 0x8825 */
    unsigned app_markers;  /* bit n set when an APPn segment was seen anywhere in the stream */
    size_t icc_length;     /* total bytes of the ICC profile assembled from APP2
                              "ICC_PROFILE\0" chunks before the first SOS; 0 when there is
                              none or when the chunks do not form a complete set */
    int icc_chunks;        /* number of ICC_PROFILE chunks seen */
    int icc_incomplete;    /* chunks seen but missing, duplicated or inconsistent:
                              icc_length is 0 and dk_jpeg_copy_icc fails */
    int restart_interval;  /* from DRI before the first SOS, 0 when none */
    int scans;             /* number of SOS segments (1 for sequential, several for progressive) */
    int quant_16bit;       /* a DQT defines a 16-bit table (not allowed in baseline) */
    int max_huffman_table; /* highest DC/AC Huffman table id defined (baseline allows 0..1),
                              -1 when no DHT */
    size_t sos_offset;     /* offset of the first SOS marker (its 0xFF 0xDA) */
    size_t eoi_end;        /* offset just past EOI; bytes from here to the end are ignored */
} dk_jpeg_info;

/* Parse markers up to and including the first SOS header, then scan the entropy-coded
 * data of every scan to EOI (skipping stuffed 0xFF00 and RSTn) to confirm the stream is
 * complete. Metadata segments are only looked at, never kept.
 *
 * Errors: DK_EINVAL when data is NULL with len > 0 or info is NULL, or when
 * width * height exceeds max_pixels (0 means DK_JPEG_DEFAULT_MAX_PIXELS); the size is
 * checked as soon as SOF is read, so a caller may allocate from width/height after a
 * DK_OK. DK_EFORMAT when the entropy-coded data is too short for the declared size (a Huffman
 * scan codes at least one bit per MCU per component, so a small file cannot claim a huge image
 * and have a decoder allocate for it); DK_EFORMAT for empty input, no SOI at offset 0 ("not a JPEG file (starts with
 * 89 50 4E 47)"), a segment whose length runs past the end ("truncated ..."), a
 * malformed SOF/SOS/DQT/DHT/DRI/DAC, no SOF before SOS, a second SOF, no EOI
 * ("truncated: entropy-coded data ends without EOI"), zero width/height, more than 4
 * components, an unsupported marker. On failure *info is partly filled and must not be
 * used. */
int dk_jpeg_read_header(const unsigned char *data, size_t len, const char *name,
                        size_t max_pixels, dk_jpeg_info *info, dk_error *err);

/* Copy the ICC profile assembled from the APP2 "ICC_PROFILE\0" chunks before the first SOS,
 * in sequence-number order, into `out` (caller-owned, out_len >= info->icc_length).
 * The whole stream is checked as by dk_jpeg_read_header (without the pixel limit), so the
 * same DK_EFORMAT errors apply. Errors: DK_ENOENT when there is no ICC profile; DK_EFORMAT
 * when the chunks do not form one complete set (a number missing or repeated, counts that
 * disagree); DK_EINVAL when out_len is too small. */
int dk_jpeg_copy_icc(const unsigned char *data, size_t len, const char *name,
                     unsigned char *out, size_t out_len, dk_error *err);

/* Write the stream without metadata into `out` (caller-owned, room for `len` bytes;
 * the result is never longer than the input). `out` may be `data` itself (in place);
 * other overlaps are not allowed. Kept: SOI, DQT, DHT, DAC, SOF, DRI, SOS
 * with its entropy-coded data, DNL, EOI, the first JFIF APP0 cut to its 14 fixed bytes
 * with the thumbnail size set to 0x0, and the Adobe APP14 cut to its 12 fixed bytes
 * (the decoder needs its colour transform). Dropped: every other APPn (EXIF, XMP, ICC,
 * IPTC, JFXX thumbnails, anything else), COM, stray RSTn/TEM outside scans, fill bytes
 * between segments, everything after EOI. Tables and entropy-coded data are copied byte
 * for byte. The whole input is validated first (as dk_jpeg_read_header without a pixel
 * limit); on failure *out_len is 0. The ICC profile is dropped too: read it first with
 * dk_jpeg_copy_icc when the object has a place for it (ICCProfile). */
int dk_jpeg_strip_metadata(const unsigned char *data, size_t len, const char *name,
                           unsigned char *out, size_t *out_len, dk_error *err);

/* Why JPEG Baseline (transfer syntax 1.2.840.10008.1.2.4.50, which carries only 8-bit
 * Huffman sequential DCT, SOF0, with 1 or 3 components) cannot carry this stream as it
 * is, in human words such as "progressive (SOF2)", "arithmetic-coded (SOF9)",
 * "12-bit precision", "extended sequential (SOF1)", "lossless (SOF3)",
 * "CMYK (4 components)"; NULL when it can. The checks run in the order lossless,
 * progressive, arithmetic, precision, SOF1, components, tables, so a 12-bit SOF1 stream
 * reports "12-bit precision". The string is static. */
const char *dk_jpeg_baseline_obstacle(const dk_jpeg_info *info);

/* Rewrite the Orientation entry (tag 0x0112) of the first EXIF block before the first scan to
 * `value` (1..8), in place; for a stream whose pixels were turned upright while its metadata
 * was kept, so that viewers honouring EXIF do not turn it again. Returns 1 when an entry was
 * rewritten, 0 when there is none (nothing changes). */
int dk_jpeg_set_exif_orientation(unsigned char *data, size_t len, int value);

#ifdef __cplusplus
}
#endif

#endif

#include "dicomkit/jpeg_codec.h"

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <turbojpeg.h>

static int swaps_axes(int orientation) { return orientation >= 5 && orientation <= 8; }

void dk_jpeg_upright_size(const dk_jpeg_info *info, int orientation, int *width, int *height)
{
    *width = swaps_axes(orientation) ? info->height : info->width;
    *height = swaps_axes(orientation) ? info->width : info->height;
}

const char *dk_jpeg_decode_obstacle(const dk_jpeg_info *info)
{
    if (info->sof == 3 || info->sof == 11)
        return "lossless JPEG (this libjpeg-turbo decodes only DCT-based JPEG)";
    if (info->precision != 8)
        return info->precision == 12 ? "12-bit precision (this libjpeg-turbo decodes 8-bit JPEG)"
                                     : "a sample precision other than 8 bits";
    if (info->colorspace == DK_JPEG_CMYK)
        return "CMYK (4 components): convert the image to RGB first";
    if (info->colorspace == DK_JPEG_YCCK)
        return "YCCK (4 components): convert the image to RGB first";
    if (info->colorspace == DK_JPEG_UNKNOWN)
        return "an unknown colour space (neither 1 nor 3 components)";
    return NULL;
}

static int samples_of(const dk_jpeg_info *info) { return info->colorspace == DK_JPEG_GRAY ? 1 : 3; }

/* Where pixel (x, y) of the stored w x h image goes in the upright one (EXIF orientation). */
static void upright_position(int orientation, int w, int h, int x, int y, int *ux, int *uy)
{
    switch (orientation) {
    case 2: *ux = w - 1 - x; *uy = y; break;
    case 3: *ux = w - 1 - x; *uy = h - 1 - y; break;
    case 4: *ux = x; *uy = h - 1 - y; break;
    case 5: *ux = y; *uy = x; break;
    case 6: *ux = h - 1 - y; *uy = x; break;
    case 7: *ux = h - 1 - y; *uy = w - 1 - x; break;
    case 8: *ux = y; *uy = w - 1 - x; break;
    default: *ux = x; *uy = y; break;
    }
}

/* libjpeg's errors end the decode through longjmp; its warnings (corrupt data that it would
 * patch over) are errors here too, as TJFLAG_STOPONWARNING makes them for TurboJPEG. */
typedef struct decode_error {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} decode_error;

static void on_error(j_common_ptr cinfo)
{
    decode_error *e = (decode_error *)cinfo->err;
    (*cinfo->err->format_message)(cinfo, e->message);
    longjmp(e->jump, 1);
}

static void on_message(j_common_ptr cinfo, int level)
{
    if (level < 0)
        on_error(cinfo);
}

#define BATCH_ROWS 16

/* Decode row by row and put each batch of rows where it belongs in the upright image, so a
 * rotated image needs no second whole-image buffer (a 16383-square photo turned by EXIF took
 * twice its size before). Same settings as TurboJPEG with flags 0: accurate integer DCT, smooth
 * upsampling, so the pixels are identical to the unrotated decode. */
static int decode_rotated(const unsigned char *jpeg, size_t len, const dk_jpeg_info *info,
                          int orientation, unsigned char *out, const char *who, dk_error *err)
{
    struct jpeg_decompress_struct cinfo;
    decode_error e;
    const size_t samples = (size_t)samples_of(info);
    const size_t row_bytes = (size_t)info->width * samples;
    unsigned char *volatile rows = malloc(row_bytes * BATCH_ROWS);
    if (rows == NULL)
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory for a row buffer", who);
    cinfo.err = jpeg_std_error(&e.mgr);
    e.mgr.error_exit = on_error;
    e.mgr.emit_message = on_message;
    e.message[0] = '\0';
    if (setjmp(e.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(rows);
        return dk_error_set(err, DK_EFORMAT, "%s: corrupt JPEG data: %s", who, e.message);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, (unsigned char *)jpeg, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    cinfo.out_color_space = samples == 1 ? JCS_GRAYSCALE : JCS_RGB;
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width, h = (int)cinfo.output_height;
    int uw = swaps_axes(orientation) ? h : w;
    while (cinfo.output_scanline < cinfo.output_height) {
        int y0 = (int)cinfo.output_scanline, got = 0;
        while (got < BATCH_ROWS && cinfo.output_scanline < cinfo.output_height) {
            JSAMPROW row = rows + (size_t)got * row_bytes;
            got += (int)jpeg_read_scanlines(&cinfo, &row, 1);
        }
        /* column by column through the batch: a transposed write lands on consecutive pixels */
        for (int x = 0; x < w; x++) {
            for (int k = 0; k < got; k++) {
                int ux, uy;
                upright_position(orientation, w, h, x, y0 + k, &ux, &uy);
                memcpy(out + ((size_t)uy * (size_t)uw + (size_t)ux) * samples,
                       rows + (size_t)k * row_bytes + (size_t)x * samples, samples);
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(rows);
    return DK_OK;
}

int dk_jpeg_decode(const unsigned char *jpeg, size_t len, const dk_jpeg_info *info,
                   int orientation, unsigned char *out, size_t out_len, const char *name,
                   dk_error *err)
{
    const char *who = name ? name : "JPEG data";
    const char *obstacle = dk_jpeg_decode_obstacle(info);
    if (obstacle != NULL)
        return dk_error_set(err, DK_EUNSUPPORTED, "%s: cannot decode %s", who, obstacle);
    int samples = samples_of(info);
    size_t need = (size_t)info->width * (size_t)info->height * (size_t)samples;
    if (out_len != need)
        return dk_error_set(err, DK_EINVAL, "%s: decode buffer has %zu bytes, the image needs %zu",
                            who, out_len, need);
    if (len > (size_t)0xFFFFFFFFu)
        return dk_error_set(err, DK_EINVAL, "%s: larger than 4 GiB", who);
    if (orientation >= 2 && orientation <= 8)
        return decode_rotated(jpeg, len, info, orientation, out, who, err);
    tjhandle tj = tjInitDecompress();
    if (tj == NULL)
        return dk_error_set(err, DK_ENOMEM, "%s: libjpeg-turbo: %s", who, tjGetErrorStr2(NULL));
    /* flags 0: accurate integer DCT and smooth upsampling, libjpeg's (and djpeg's) defaults */
    int rc = tjDecompress2(tj, jpeg, (unsigned long)len, out, info->width,
                           info->width * samples, info->height, samples == 1 ? TJPF_GRAY : TJPF_RGB,
                           TJFLAG_STOPONWARNING);
    int status = DK_OK;
    if (rc != 0)
        status = dk_error_set(err, DK_EFORMAT, "%s: corrupt JPEG data: %s", who, tjGetErrorStr2(tj));
    tjDestroy(tj);
    return status;
}

static const int transform_ops[9] = {TJXOP_NONE,      TJXOP_NONE,  TJXOP_HFLIP,
                                     TJXOP_ROT180,    TJXOP_VFLIP, TJXOP_TRANSPOSE,
                                     TJXOP_ROT90,     TJXOP_TRANSVERSE, TJXOP_ROT270};

int dk_jpeg_transform(const unsigned char *jpeg, size_t len, int orientation, int keep_markers,
                      unsigned char **out, size_t *out_len, const char *name, dk_error *err)
{
    const char *who = name ? name : "JPEG data";
    *out = NULL;
    *out_len = 0;
    if (orientation < 1 || orientation > 8)
        return dk_error_set(err, DK_EINVAL, "%s: orientation %d is not 1..8", who, orientation);
    tjhandle tj = tjInitTransform();
    if (tj == NULL)
        return dk_error_set(err, DK_ENOMEM, "%s: libjpeg-turbo: %s", who, tjGetErrorStr2(NULL));
    tjtransform xform;
    memset(&xform, 0, sizeof xform);
    xform.op = transform_ops[orientation];
    xform.options = TJXOPT_PERFECT | (keep_markers ? 0 : TJXOPT_COPYNONE);
    unsigned char *dst = NULL;
    unsigned long dst_len = 0;
    int rc = tjTransform(tj, jpeg, (unsigned long)len, 1, &dst, &dst_len, &xform, 0);
    int status = DK_OK;
    if (rc != 0) {
        /* libjpeg-turbo says "Transform is not perfect" when partial MCUs would move */
        const char *why = tjGetErrorStr2(tj);
        status = dk_error_set(err, strstr(why, "perfect") ? DK_EUNSUPPORTED : DK_EFORMAT,
                              "%s: lossless transform failed: %s", who, why);
        tjFree(dst);
    } else {
        *out = dst;
        *out_len = dst_len;
    }
    tjDestroy(tj);
    return status;
}

void dk_jpeg_free(unsigned char *buffer) { tjFree(buffer); }

const char *dk_jpeg_library_version(void)
{
#ifdef LIBJPEG_TURBO_VERSION_STRING
    return LIBJPEG_TURBO_VERSION_STRING;
#else
    return DICOMKIT_TURBOJPEG_VERSION;
#endif
}

#include "dicomkit/jpeg_codec.h"

#include <stdlib.h>
#include <string.h>
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

/* Copy pixel (x, y) of the stored image to where it belongs in the upright image. */
static void rotate_into(const unsigned char *src, int w, int h, int samples, int orientation,
                        unsigned char *dst)
{
    int uw = swaps_axes(orientation) ? h : w;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            int ux, uy;
            switch (orientation) {
            case 2: ux = w - 1 - x; uy = y; break;
            case 3: ux = w - 1 - x; uy = h - 1 - y; break;
            case 4: ux = x; uy = h - 1 - y; break;
            case 5: ux = y; uy = x; break;
            case 6: ux = h - 1 - y; uy = x; break;
            case 7: ux = h - 1 - y; uy = w - 1 - x; break;
            case 8: ux = y; uy = w - 1 - x; break;
            default: ux = x; uy = y; break;
            }
            memcpy(dst + ((size_t)uy * (size_t)uw + (size_t)ux) * (size_t)samples,
                   src + ((size_t)y * (size_t)w + (size_t)x) * (size_t)samples, (size_t)samples);
        }
    }
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

    int rotate = orientation >= 2 && orientation <= 8;
    unsigned char *target = out;
    if (rotate && (target = malloc(need)) == NULL)
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory for a %dx%d image", who,
                            info->width, info->height);
    tjhandle tj = tjInitDecompress();
    if (tj == NULL) {
        if (rotate)
            free(target);
        return dk_error_set(err, DK_ENOMEM, "%s: libjpeg-turbo: %s", who, tjGetErrorStr2(NULL));
    }
    /* flags 0: accurate integer DCT and smooth upsampling, libjpeg's (and djpeg's) defaults */
    int rc = tjDecompress2(tj, jpeg, (unsigned long)len, target, info->width,
                           info->width * samples, info->height, samples == 1 ? TJPF_GRAY : TJPF_RGB,
                           TJFLAG_STOPONWARNING);
    int status = DK_OK;
    if (rc != 0)
        status = dk_error_set(err, DK_EFORMAT, "%s: corrupt JPEG data: %s", who, tjGetErrorStr2(tj));
    tjDestroy(tj);
    if (rotate) {
        if (status == DK_OK)
            rotate_into(target, info->width, info->height, samples, orientation, out);
        free(target);
    }
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

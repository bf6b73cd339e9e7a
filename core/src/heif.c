/* The HEIF layer: libheif decodes, this file decides what DICOM can take (see heif.h). */
#include "dicomkit/heif.h"

#include <libheif/heif.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int brand_is(const unsigned char *b, const char *name)
{
    return memcmp(b, name, 4) == 0;
}

int dk_is_heif(const unsigned char *d, size_t len)
{
    if (d == NULL || len < 16 || memcmp(d + 4, "ftyp", 4) != 0)
        return 0;
    size_t box = ((size_t)d[0] << 24) | ((size_t)d[1] << 16) | ((size_t)d[2] << 8) | d[3];
    if (box < 16 || box > 4096)
        return 0;
    if (box > len)
        box = len - len % 4; /* a short read still shows the brands it holds */
    static const char *const heif[] = {"heic", "heix", "heim", "heis", "hevc",
                                       "hevx", "mif1", "msf1"};
    int found = 0;
    for (size_t at = 8; at + 4 <= box; at += 4) {
        if (at == 12)
            continue; /* minor_version */
        if (brand_is(d + at, "avif") || brand_is(d + at, "avis"))
            return 0;
        for (size_t i = 0; i < sizeof heif / sizeof heif[0]; i++)
            found |= brand_is(d + at, heif[i]);
    }
    return found;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    heif_init(NULL); /* for the process: libheif counts its users, we stay one */
}

static int heif_fail(struct heif_error e, const char *who, const char *step, dk_error *err)
{
    int code = e.subcode == heif_suberror_Security_limit_exceeded ? DK_EINVAL
               : e.code == heif_error_Memory_allocation_error ? DK_ENOMEM
               : e.code == heif_error_Unsupported_feature || e.code == heif_error_Unsupported_filetype
                   ? DK_EUNSUPPORTED
               : e.code == heif_error_Decoder_plugin_error && e.subcode == heif_suberror_Unsupported_codec
                   ? DK_EUNSUPPORTED
                   : DK_EFORMAT;
    /* libheif's messages may end in a newline */
    const char *m = e.message ? e.message : "libheif failed";
    size_t n = strlen(m);
    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
        n--;
    return dk_error_set(err, code, "%s: not a HEIF dicomkit can read (%s: %.*s)", who, step,
                        (int)n, m);
}

/* Whether the container turns the picture (an irot box with a non-zero angle, or imir): seen
 * in the file's first 64 KiB, where the meta box is. For the report only: libheif applies it. */
static int turned(const unsigned char *d, size_t len)
{
    size_t n = len < 65536 ? len : 65536;
    for (size_t i = 4; i + 5 <= n; i++) {
        if (memcmp(d + i, "irot", 4) == 0 && d[i - 1] == 9 && d[i - 2] == 0 && (d[i + 4] & 3))
            return 1;
        if (memcmp(d + i, "imir", 4) == 0 && d[i - 1] == 9 && d[i - 2] == 0)
            return 1;
    }
    return 0;
}

/* The image's EXIF block (ISO/IEC 23008-12 A.2.1: a 4-byte big-endian offset to the TIFF
 * header, then the EXIF data) into *facts; a missing or broken block leaves no facts. */
static void read_exif(const struct heif_image_handle *h, const char *who, dk_exif_facts *facts)
{
    facts->flash = -1;
    heif_item_id id;
    if (heif_image_handle_get_list_of_metadata_block_IDs(h, "Exif", &id, 1) != 1)
        return;
    size_t n = heif_image_handle_get_metadata_size(h, id);
    if (n < 8 || n > ((size_t)1 << 24))
        return;
    unsigned char *buf = malloc(n);
    if (buf == NULL)
        return;
    struct heif_error e = heif_image_handle_get_metadata(h, id, buf);
    size_t skip = ((size_t)buf[0] << 24) | ((size_t)buf[1] << 16) | ((size_t)buf[2] << 8) | buf[3];
    if (e.code == heif_error_Ok && skip < n - 4) {
        dk_error ignored; /* broken EXIF is no error for the image */
        dk_exif_read(buf + 4 + skip, n - 4 - skip, who, facts, &ignored);
    }
    free(buf);
}

/* One image into `out` (rows * columns * 3 samples of image->bits); the first sets the shape. */
static int decode_one(struct heif_context *ctx, heif_item_id id, int n, const char *who,
                      const dk_decode_options *opts, size_t max_pixels, size_t *total,
                      dk_decoded_image *image, unsigned char **pixels, size_t *cap,
                      dk_error *err)
{
    struct heif_image_handle *h = NULL;
    struct heif_image *img = NULL;
    struct heif_decoding_options *dopt = NULL;
    struct heif_error e = heif_context_get_image_handle(ctx, id, &h);
    if (e.code != heif_error_Ok)
        return heif_fail(e, who, "image handle", err);
    int rc = DK_OK;
    int w = heif_image_handle_get_width(h), hh = heif_image_handle_get_height(h);
    int depth = heif_image_handle_get_luma_bits_per_pixel(h);
    int alpha = heif_image_handle_has_alpha_channel(h);
    int bits = depth > 8 ? 16 : 8;
    if (w < 1 || hh < 1 || w > 65535 || hh > 65535) {
        rc = dk_error_set(err, DK_EINVAL, "%s: image %d is %dx%d; DICOM's Rows and Columns hold "
                          "1..65535", who, n, w, hh);
        goto done;
    }
    if (depth < 1 || depth > 16) {
        rc = dk_error_set(err, DK_EUNSUPPORTED, "%s: image %d has %d-bit samples", who, n, depth);
        goto done;
    }
    *total += (size_t)w * (size_t)hh;
    if (*total > max_pixels) {
        rc = dk_error_set(err, DK_EINVAL, "%s: %dx%d is %zu pixels (all images), over the limit "
                          "of %zu (max_pixels)", who, w, hh, *total, max_pixels);
        goto done;
    }
    dopt = heif_decoding_options_alloc();
    if (dopt == NULL) {
        rc = dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
        goto done;
    }
    dopt->ignore_transformations = 0; /* upright, as shown */
    dopt->strict_decoding = 1;        /* a broken stream is an error, not a grey picture */
    enum heif_chroma chroma = bits == 16 ? (alpha ? heif_chroma_interleaved_RRGGBBAA_LE
                                                  : heif_chroma_interleaved_RRGGBB_LE)
                                         : (alpha ? heif_chroma_interleaved_RGBA
                                                  : heif_chroma_interleaved_RGB);
    e = heif_decode_image(h, &img, heif_colorspace_RGB, chroma, dopt);
    if (e.code != heif_error_Ok) {
        rc = heif_fail(e, who, "decoding", err);
        goto done;
    }
    int stride = 0;
    const uint8_t *plane = heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride);
    int iw = heif_image_get_width(img, heif_channel_interleaved);
    int ih = heif_image_get_height(img, heif_channel_interleaved);
    int channels = alpha ? 4 : 3;
    size_t px = (size_t)channels * (size_t)(bits / 8);
    if (plane == NULL || iw < 1 || ih < 1 || iw > 65535 || ih > 65535 || stride < 0 ||
        (size_t)stride < (size_t)iw * px) {
        rc = dk_error_set(err, DK_EFORMAT, "%s: image %d decodes to no usable picture", who, n);
        goto done;
    }
    /* the stream may decode to another size than its container declared (ispe): the limit
     * holds for what was decoded, not only for what was promised */
    *total = *total - (size_t)w * (size_t)hh + (size_t)iw * (size_t)ih;
    if (*total > max_pixels) {
        rc = dk_error_set(err, DK_EINVAL, "%s: image %d decodes to %dx%d (its container says "
                          "%dx%d); %zu pixels in all is over the limit of %zu (max_pixels)", who,
                          n, iw, ih, w, hh, *total, max_pixels);
        goto done;
    }
    size_t frame = (size_t)iw * (size_t)ih * 3 * (size_t)(bits / 8);
    if (n == 1) {
        image->rows = ih;
        image->columns = iw;
        image->samples = 3;
        image->bits = bits;
        image->source_bits = depth;
        if (heif_image_handle_get_color_profile_type(h) == heif_color_profile_type_prof ||
            heif_image_handle_get_color_profile_type(h) == heif_color_profile_type_rICC) {
            size_t icc = heif_image_handle_get_raw_color_profile_size(h);
            if (icc > 0 && icc < ((size_t)1 << 26) && (image->icc = malloc(icc)) != NULL) {
                e = heif_image_handle_get_raw_color_profile(h, image->icc);
                if (e.code == heif_error_Ok) {
                    image->icc_len = icc;
                } else {
                    free(image->icc);
                    image->icc = NULL;
                }
            }
        }
        read_exif(h, who, &image->exif);
    } else if (iw != image->columns || ih != image->rows || bits != image->bits) {
        rc = dk_error_set(err, DK_EINVAL, "%s: image %d is %dx%d %d-bit, image 1 is %dx%d "
                          "%d-bit; the frames of one object must agree", who, n, iw, ih, bits,
                          image->columns, image->rows, image->bits);
        goto done;
    }
    if ((uint64_t)frame * (uint64_t)n > 0xFFFFFFFEull) {
        rc = dk_error_set(err, DK_ELIMIT, "%s: decodes to more than the 4 GiB a PixelData "
                          "element holds", who);
        goto done;
    }
    /* room for `n` frames and the decoder's alpha before it is stripped */
    size_t need = frame * (size_t)(n - 1) + (size_t)iw * (size_t)ih * px + 1;
    if ((rc = dk_image_reserve(pixels, cap, need, who, err)) != DK_OK)
        goto done;
    unsigned char *out = *pixels + frame * (size_t)(n - 1);
    for (int y = 0; y < ih; y++)
        memcpy(out + (size_t)y * (size_t)iw * px, plane + (size_t)y * (size_t)stride,
               (size_t)iw * px);
    size_t count = (size_t)iw * (size_t)ih;
    if (bits == 16) {
        /* little-endian samples of `depth` bits, widened to 16 by replication */
        int up = 16 - depth;
        for (size_t i = 0; i < count * (size_t)channels; i++) {
            unsigned v = (unsigned)out[2 * i] | ((unsigned)out[2 * i + 1] << 8);
            unsigned wide = up > 0 ? (v << up) | (v >> (depth - up)) : v; /* depth 9..16 */
            out[2 * i] = (unsigned char)(wide & 0xFF);
            out[2 * i + 1] = (unsigned char)((wide >> 8) & 0xFF);
        }
        if (dk_host_is_big_endian())
            dk_swap16(out, count * (size_t)channels * 2);
    }
    if (alpha) {
        int a = DK_ALPHA_NONE;
        rc = dk_strip_alpha(out, count, 4, bits, iw, opts, who, &a, err);
        if (rc != DK_OK)
            goto done;
        if (a > image->alpha)
            image->alpha = a;
    }
    if (bits == 16 && dk_host_is_big_endian())
        dk_swap16(out, frame); /* back to little-endian after the alpha rule */
done:
    if (img)
        heif_image_release(img);
    if (dopt)
        heif_decoding_options_free(dopt);
    heif_image_handle_release(h);
    return rc;
}

int dk_heif_decode(const unsigned char *data, size_t len, const char *name,
                   const dk_decode_options *opts, dk_decoded_image *image, dk_error *err)
{
    const char *who = name ? name : "HEIF data";
    memset(image, 0, sizeof *image);
    if (!dk_is_heif(data, len))
        return dk_error_set(err, DK_EFORMAT, "%s: not a HEIF (no ftyp box with a HEIF brand)",
                            who);
    pthread_once(&once, init);
    size_t max_pixels = opts && opts->max_pixels ? opts->max_pixels : DK_DECODE_DEFAULT_MAX_PIXELS;
    struct heif_context *ctx = heif_context_alloc();
    if (ctx == NULL)
        return dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
    /* libheif's own limit stays: a declared size over 32768 x 32768 is refused on reading */
    int rc = DK_OK;
    heif_item_id *ids = NULL;
    unsigned char *pixels = NULL;
    size_t cap = 0, total = 0;
    struct heif_error e = heif_context_read_from_memory_without_copy(ctx, data, len, NULL);
    if (e.code != heif_error_Ok) {
        rc = heif_fail(e, who, "reading the container", err);
        goto done;
    }
    int count = heif_context_get_number_of_top_level_images(ctx);
    if (count < 1 || count > 10000) {
        rc = dk_error_set(err, count < 1 ? DK_EFORMAT : DK_ELIMIT,
                          "%s: holds %d top-level images", who, count);
        goto done;
    }
    if ((ids = malloc(sizeof *ids * (size_t)count)) == NULL) {
        rc = dk_error_set(err, DK_ENOMEM, "%s: out of memory", who);
        goto done;
    }
    count = heif_context_get_list_of_top_level_image_IDs(ctx, ids, count);
    for (int i = 0; i < count && rc == DK_OK; i++)
        rc = decode_one(ctx, ids[i], i + 1, who, opts, max_pixels, &total, image, &pixels, &cap,
                        err);
    if (rc == DK_OK) {
        image->pixels = pixels;
        pixels = NULL;
        image->frames = count;
        image->len = (size_t)image->rows * (size_t)image->columns * 3 * (size_t)(image->bits / 8) *
                     (size_t)count;
        image->orientation_applied = turned(data, len);
        image->lossy_method = "ISO_23008_2";
    }
done:
    free(pixels);
    free(ids);
    heif_context_free(ctx);
    if (rc != DK_OK)
        dk_decoded_image_free(image);
    return rc;
}

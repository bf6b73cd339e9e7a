// libFuzzer target: the JPEG marker layer (core/src/jpeg.c) and the EXIF parser inside it.
//
// Every entry of jpeg.h runs on the input: the header parse with a small and the default pixel
// limit, the metadata strip (into a buffer of exactly the input's size, and in place), the ICC
// copy, the EXIF orientation rewrite, the obstacle strings. Beyond "no crash", the properties
// the importer relies on are checked and abort when broken: the strip never grows the stream,
// in place and out of place agree, its output parses again to the same frame without metadata
// and strips to itself, the ICC copy fits what the header announced.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" {
#include "dicomkit/jpeg.h"
#include "dicomkit/jpeg_codec.h"
}

#include "check.hh"

const char *const fuzz::target_name = "fuzz_jpeg_header";

namespace {

using fuzz::broken;
using fuzz::check;

// A heap copy of exactly n bytes, so that AddressSanitizer sees any read or write past it.
struct exact_buffer {
    explicit exact_buffer(size_t n) : n(n), p(static_cast<unsigned char *>(malloc(n ? n : 1))) {}
    ~exact_buffer() { free(p); }
    exact_buffer(const exact_buffer &) = delete;
    exact_buffer &operator=(const exact_buffer &) = delete;
    size_t n;
    unsigned char *p;
};

void touch_string(const char *s)
{
    if (s != nullptr)
        check(strlen(s) < 200, "an obstacle string is unreasonably long");
}

void check_info(const dk_jpeg_info &info, size_t len)
{
    check(info.width >= 1 && info.height >= 1, "width and height are at least 1");
    check(info.ncomponents >= 1 && info.ncomponents <= 4, "1..4 components");
    for (int i = 0; i < info.ncomponents; i++)
        check(info.comp[i].h >= 1 && info.comp[i].h <= 4 && info.comp[i].v >= 1 &&
                  info.comp[i].v <= 4,
              "sampling factors 1..4");
    check(info.sos_offset < info.eoi_end && info.eoi_end <= len, "SOS before EOI, EOI inside");
    check(info.exif_orientation >= 0 && info.exif_orientation <= 8, "orientation 0..8");
    check(info.scans >= 1, "at least one scan");
    check(info.icc_length == 0 || !info.icc_incomplete, "an incomplete ICC set has no length");
    check(info.colorspace >= DK_JPEG_GRAY && info.colorspace <= DK_JPEG_UNKNOWN, "colour space");
    for (int o = 0; o <= 8; o++) {
        int w = 0, h = 0;
        dk_jpeg_upright_size(&info, o, &w, &h);
        check((w == info.width && h == info.height) || (w == info.height && h == info.width),
              "the upright size is the size, maybe turned");
    }
}

// The frame as the decoder sees it: what stripping must leave alone.
bool same_frame(const dk_jpeg_info &a, const dk_jpeg_info &b)
{
    if (a.sof != b.sof || a.precision != b.precision || a.width != b.width ||
        a.height != b.height || a.ncomponents != b.ncomponents || a.colorspace != b.colorspace ||
        a.scans != b.scans || a.restart_interval != b.restart_interval ||
        a.quant_16bit != b.quant_16bit || a.max_huffman_table != b.max_huffman_table)
        return false;
    for (int i = 0; i < a.ncomponents; i++)
        if (a.comp[i].id != b.comp[i].id || a.comp[i].h != b.comp[i].h ||
            a.comp[i].v != b.comp[i].v || a.comp[i].tq != b.comp[i].tq)
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    exact_buffer input(size);
    if (size)
        memcpy(input.p, data, size);
    dk_error err;
    dk_jpeg_info info;

    // a small limit, no name, no error out-argument
    (void)dk_jpeg_read_header(input.p, size, nullptr, 64 * 64, &info, nullptr);
    int small_rc = dk_jpeg_read_header(input.p, size, "fuzz", 64 * 64, &info, &err);
    if (small_rc == DK_OK)
        check((size_t)info.width * (size_t)info.height <= 64 * 64, "the pixel limit holds");

    int rc = dk_jpeg_read_header(input.p, size, "fuzz", 0, &info, &err);
    check(rc == DK_OK || rc == DK_EFORMAT || rc == DK_EINVAL, "read_header's error codes");
    if (rc != DK_OK)
        check(err.message[0] != '\0', "a failure says why");
    if (rc == DK_OK) {
        check(small_rc == DK_OK || small_rc == DK_EINVAL, "a smaller limit only adds DK_EINVAL");
        check_info(info, size);
        touch_string(dk_jpeg_baseline_obstacle(&info));
        touch_string(dk_jpeg_decode_obstacle(&info));
    }
    touch_string(dk_jpeg_baseline_obstacle(nullptr));

    // ICC: the copy fits exactly what the header announced
    if (rc == DK_OK && info.icc_length > 0) {
        exact_buffer icc(info.icc_length);
        check(dk_jpeg_copy_icc(input.p, size, "fuzz", icc.p, icc.n, &err) == DK_OK,
              "a complete ICC profile can be copied");
        exact_buffer small(info.icc_length - 1);
        check(dk_jpeg_copy_icc(input.p, size, "fuzz", small.p, small.n, &err) == DK_EINVAL,
              "a short ICC buffer is refused");
    } else {
        unsigned char tiny[16];
        int icc_rc = dk_jpeg_copy_icc(input.p, size, "fuzz", tiny, sizeof tiny, &err);
        check(icc_rc != DK_OK || (rc == DK_OK && info.icc_length > 0),
              "no profile announced, none copied");
    }

    // strip into a buffer of the input's size, then in place on a copy
    exact_buffer out(size);
    size_t out_len = 12345;
    int strip_rc = dk_jpeg_strip_metadata(input.p, size, "fuzz", out.p, &out_len, &err);
    if (strip_rc != DK_OK)
        check(out_len == 0, "a failed strip reports 0 bytes");
    else
        check(out_len <= size && out_len >= 4, "the strip never grows the stream");
    {
        exact_buffer copy(size);
        if (size)
            memcpy(copy.p, input.p, size);
        size_t in_place_len = 12345;
        int in_place_rc = dk_jpeg_strip_metadata(copy.p, size, "fuzz", copy.p, &in_place_len, &err);
        check(in_place_rc == strip_rc, "in place and out of place agree on success");
        if (strip_rc == DK_OK)
            check(in_place_len == out_len && memcmp(copy.p, out.p, out_len) == 0,
                  "in place and out of place write the same bytes");
    }
    if (strip_rc == DK_OK) {
        // the stripped stream strips to itself, and is the same frame without metadata
        exact_buffer stripped(out_len);
        memcpy(stripped.p, out.p, out_len);
        exact_buffer again(out_len);
        size_t again_len = 0;
        check(dk_jpeg_strip_metadata(stripped.p, out_len, "stripped", again.p, &again_len,
                                     &err) == DK_OK,
              "the stripped stream is accepted again");
        check(again_len == out_len && memcmp(again.p, stripped.p, out_len) == 0,
              "stripping is idempotent");
        dk_jpeg_info after;
        if (rc == DK_OK &&
            dk_jpeg_read_header(stripped.p, out_len, "stripped", 0, &after, &err) == DK_OK) {
            check(same_frame(info, after), "stripping keeps the frame and its colour space");
            check(!after.has_exif && !after.has_xmp && !after.has_iptc && !after.has_comment &&
                      after.icc_chunks == 0 && after.exif_orientation == 0,
                  "no metadata after the strip");
            check((after.app_markers & ~((1u << 0) | (1u << 14))) == 0,
                  "only JFIF APP0 and Adobe APP14 survive");
            check(after.has_jfif == info.has_jfif && after.adobe_transform == info.adobe_transform,
                  "JFIF and the Adobe transform survive");
        }
    }

    // the EXIF orientation rewrite, on a copy
    {
        exact_buffer copy(size);
        if (size)
            memcpy(copy.p, input.p, size);
        int value = size ? 1 + data[size - 1] % 8 : 1;
        int changed = dk_jpeg_set_exif_orientation(copy.p, size, value);
        check(changed == 0 || changed == 1, "set_exif_orientation returns 0 or 1");
        if (!changed)
            check(size == 0 || memcmp(copy.p, input.p, size) == 0,
                  "nothing found, nothing written");
        (void)dk_jpeg_set_exif_orientation(copy.p, size, 0);
        (void)dk_jpeg_set_exif_orientation(copy.p, size, 9);
        dk_jpeg_info turned;
        if (rc == DK_OK) {
            check(dk_jpeg_read_header(copy.p, size, "turned", 0, &turned, &err) == DK_OK,
                  "the rewrite keeps the stream valid");
            check(same_frame(info, turned), "the rewrite keeps the frame");
            // what the importer relies on: the orientation the header reports is the one the
            // rewrite changes (it marks turned pixels upright)
            if (info.exif_orientation != 0)
                check(changed == 1 && turned.exif_orientation == value,
                      "the orientation read is the orientation rewritten");
        }
    }
    return 0;
}

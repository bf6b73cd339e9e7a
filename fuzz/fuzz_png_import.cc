// libFuzzer target: PNG import (dk_dataset_set_png), compressed as JPEG-LS and uncompressed.
//
// The input is the PNG itself; its last byte also chooses whether to flatten (bit 0) and the
// background. libspng stops at IEND, so the fuzzer can vary the options by appending a byte
// without changing the image. Each input is imported as JPEG-LS, and native (deflated when bit 1
// is set).
//
// A mutated byte almost always breaks its chunk's CRC, and a CRC failure is all the decoder would
// then see; so unless bit 7 of the last byte is set, the chunks' CRCs are made right first and the
// mutation reaches the chunk parsers, zlib and the filters.
//
// Beyond "no crash": a failed import leaves the dataset as it was and says why; a successful one
// describes pixels that fit DICOM (and the pixel limit), uncompressed pixels have exactly the
// size the attributes say, the dataset can be written, dumped and put in JSON, and the written
// stream reads back.
#include <cstdint>
#include <cstring>
#include <vector>
#include <zlib.h>

extern "C" {
#include "dicomkit/dataset.h"
#include "dicomkit/pixels.h"
#include "dicomkit/png.h"
}

#include "check.hh"
#include "import.hh"

const char *const fuzz::target_name = "fuzz_png_import";

namespace {

using fuzz::check;
using fuzz::dev_null;
using fuzz::fresh_dataset;
using fuzz::round_trip;

const size_t kMaxPixels = 4000000;

// The input with every whole chunk's CRC-32 recomputed (PNG: length, type, data, CRC over type
// and data).
std::vector<uint8_t> with_good_crcs(const uint8_t *data, size_t size)
{
    std::vector<uint8_t> png(data, data + size);
    size_t at = 8; // the signature
    while (at + 12 <= png.size()) {
        uint32_t len = (uint32_t)png[at] << 24 | (uint32_t)png[at + 1] << 16 |
                       (uint32_t)png[at + 2] << 8 | png[at + 3];
        if (len > png.size() - at - 12)
            break;
        uLong crc = crc32(0L, &png[at + 4], (uInt)(len + 4));
        size_t c = at + 8 + len;
        png[c] = (uint8_t)(crc >> 24);
        png[c + 1] = (uint8_t)(crc >> 16);
        png[c + 2] = (uint8_t)(crc >> 8);
        png[c + 3] = (uint8_t)crc;
        at = c + 4;
    }
    return png;
}

void import(const uint8_t *data, size_t size, int flags, int compression)
{
    dk_dataset *ds = fresh_dataset();
    dk_png_options opts;
    memset(&opts, 0, sizeof opts);
    opts.flatten = flags & 1;
    opts.background[0] = (unsigned char)(flags * 37);
    opts.background[1] = (unsigned char)(flags * 91);
    opts.background[2] = (unsigned char)flags;
    opts.max_pixels = kMaxPixels;
    dk_pixel_report report;
    dk_error err;
    int rc = dk_dataset_set_png(ds, data, size, "fuzz.png", &opts, compression, &report, &err);
    if (rc != DK_OK) {
        check(err.message[0] != '\0', "a failure says why");
        check(strncmp(err.message, "fuzz.png: ", 10) == 0, "a failure names the input");
        check(rc != DK_EINTERNAL, "no unexpected failure", &err);
        check(dk_dataset_count(ds) == 2, "a failed import leaves the dataset as it was");
        dk_dataset_free(ds);
        return;
    }
    check(report.rows >= 1 && report.columns >= 1 && report.rows <= 65535 &&
              report.columns <= 65535,
          "rows and columns fit DICOM");
    check((size_t)report.rows * (size_t)report.columns <= kMaxPixels, "the pixel limit holds");
    check(report.bits == 8 || report.bits == 16, "8 or 16 bits");
    check(report.samples == 1 || report.samples == 3, "grey or RGB");
    check(report.alpha != DK_PNG_ALPHA_FLATTENED || opts.flatten, "flattened only when asked");
    if (!report.compressed) {
        dk_element_info info;
        check(dk_dataset_info(ds, 0x7FE00010, &info, &err) == DK_OK, "PixelData is there", &err);
        size_t want = (size_t)report.rows * report.columns * report.samples * (report.bits / 8);
        check(info.length == want || info.length == want + (want & 1),
              "native pixels have the size the attributes say");
    }
    check(dk_dataset_write_fd(ds, dev_null(), "/dev/null", nullptr, &err) == DK_OK,
          "an imported dataset can be written", &err);
    char *dump = dk_dataset_dump(ds, &err);
    check(dump != nullptr, "dump", &err);
    dk_free(dump);
    char *json = dk_dataset_json(ds, &err);
    check(json != nullptr, "json", &err);
    dk_free(json);
    round_trip(ds);
    dk_dataset_free(ds);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int flags = size ? data[size - 1] : 0;
    if (flags & 0x80) {
        import(data, size, flags, DK_COMPRESS_JPEGLS);
        import(data, size, flags, DK_COMPRESS_NONE);
    } else {
        std::vector<uint8_t> png = with_good_crcs(data, size);
        import(png.data(), png.size(), flags, DK_COMPRESS_JPEGLS);
        import(png.data(), png.size(), flags, (flags & 2) ? DK_COMPRESS_DEFLATE : DK_COMPRESS_NONE);
    }
    return 0;
}

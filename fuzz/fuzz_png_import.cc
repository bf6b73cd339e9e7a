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
// The checks beyond "no crash" are import_decoded's (import.hh), shared with the TIFF and HEIF
// targets.
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

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int flags = size ? data[size - 1] : 0;
    if (flags & 0x80) {
        fuzz::import_decoded(data, size, "fuzz.png", flags, kMaxPixels);
    } else {
        std::vector<uint8_t> png = with_good_crcs(data, size);
        fuzz::import_decoded(png.data(), png.size(), "fuzz.png", flags, kMaxPixels);
    }
    return 0;
}

// libFuzzer target: JPEG import (dk_dataset_set_jpeg) in pass-through and in decode mode.
//
// The input is the JPEG itself; its last byte also chooses the options (bit 0 keep_markers,
// bit 1 keep_orientation, bit 2 allow_rgb). Bytes after EOI are ignored by the parser, so the
// fuzzer can vary the options by appending a byte without changing the image.
//
// Beyond "no crash": a failed import leaves the dataset as it was, a successful one can be
// written as a Part 10 stream, dumped and put in JSON, and the written stream reads back; the
// input twice makes a two-frame object exactly when one copy makes an object (bit 3 of the last
// byte decodes them).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" {
#include "dicomkit/dataset.h"
#include "dicomkit/pixels.h"
}

#include "check.hh"
#include "import.hh"

const char *const fuzz::target_name = "fuzz_jpeg_import";

namespace {

using fuzz::check;
using fuzz::dev_null;
using fuzz::fresh_dataset;
using fuzz::round_trip;

// The pixel limit of the fuzz runs: large enough for every seed, small enough that the fuzzer
// does not spend its time allocating and decoding huge frames.
const size_t kMaxPixels = 4000000;

void import(const uint8_t *data, size_t size, int decode, int flags)
{
    dk_dataset *ds = fresh_dataset();
    dk_jpeg_options opts;
    memset(&opts, 0, sizeof opts);
    opts.decode = decode;
    opts.keep_markers = flags & 1;
    opts.keep_orientation = (flags >> 1) & 1;
    opts.allow_rgb = (flags >> 2) & 1;
    opts.max_pixels = kMaxPixels;
    dk_pixel_report report;
    dk_error err;
    int rc = dk_dataset_set_jpeg(ds, data, size, "fuzz.jpg", &opts, &report, &err);
    if (rc != DK_OK) {
        check(err.message[0] != '\0', "a failure says why");
        check(rc != DK_EINTERNAL, "no unexpected dcmtk failure", &err);
        check(dk_dataset_count(ds) == 2, "a failed import leaves the dataset as it was");
        dk_dataset_free(ds);
        return;
    }
    check(report.rows >= 1 && report.columns >= 1 && report.rows <= 65535 &&
              report.columns <= 65535,
          "rows and columns fit DICOM");
    check((size_t)report.rows * (size_t)report.columns <= kMaxPixels, "the pixel limit holds");
    check(report.decoded || !decode, "decode mode decodes");
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

// The input twice, as the two frames of one object: imported exactly when one copy is, with
// both frames stored and the same failure rules.
void import_frames(const uint8_t *data, size_t size, int decode, int flags)
{
    dk_dataset *ds = fresh_dataset();
    dk_jpeg_options opts;
    memset(&opts, 0, sizeof opts);
    opts.decode = decode;
    opts.keep_markers = flags & 1;
    opts.keep_orientation = (flags >> 1) & 1;
    opts.allow_rgb = (flags >> 2) & 1;
    opts.max_pixels = kMaxPixels;
    dk_image_bytes frames[2] = {{data, size, "fuzz-1.jpg"}, {data, size, "fuzz-2.jpg"}};
    dk_pixel_report report;
    dk_error err;
    int rc = dk_dataset_set_jpeg_frames(ds, frames, 2, &opts, &report, &err);
    dk_dataset *one = fresh_dataset();
    dk_error err1;
    int rc1 = dk_dataset_set_jpeg(one, data, size, "fuzz.jpg", &opts, nullptr, &err1);
    dk_dataset_free(one);
    check((rc == DK_OK) == (rc1 == DK_OK), "two copies import exactly when one does", &err);
    if (rc != DK_OK) {
        check(err.message[0] != '\0' && rc != DK_EINTERNAL, "a failure says why", &err);
        check(dk_dataset_count(ds) == 2, "a failed import leaves the dataset as it was");
        dk_dataset_free(ds);
        return;
    }
    check(report.frames == 2, "two frames");
    long long n = 0;
    check(dk_dataset_get_integer(ds, 0x00280008, 0, &n, &err) == DK_OK && n == 2,
          "NumberOfFrames is 2", &err);
    if (!report.decoded) {
        dk_element_info info;
        check(dk_dataset_info(ds, 0x7FE00010, &info, &err) == DK_OK && info.vm == 3,
              "an offset table and one fragment per frame", &err);
    }
    round_trip(ds);
    dk_dataset_free(ds);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int flags = size ? data[size - 1] : 0;
    import(data, size, 0, flags);
    import(data, size, 1, flags);
    import_frames(data, size, (flags >> 3) & 1, flags);
    return 0;
}

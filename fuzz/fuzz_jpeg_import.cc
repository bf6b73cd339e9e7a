// libFuzzer target: JPEG import (dk_dataset_set_jpeg) in pass-through and in decode mode.
//
// The input is the JPEG itself; its last byte also chooses the options (bit 0 keep_markers,
// bit 1 keep_orientation, bit 2 allow_rgb). Bytes after EOI are ignored by the parser, so the
// fuzzer can vary the options by appending a byte without changing the image.
//
// Beyond "no crash": a failed import leaves the dataset as it was, a successful one can be
// written as a Part 10 stream, dumped and put in JSON, and the written stream reads back.
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

const char *const fuzz::target_name = "fuzz_jpeg_import";

namespace {

using fuzz::broken;
using fuzz::check;
using fuzz::dev_null;

// The pixel limit of the fuzz runs: large enough for every seed, small enough that the fuzzer
// does not spend its time allocating and decoding huge frames.
const size_t kMaxPixels = 4000000;

// A dataset with the two UIDs a Part 10 file needs.
dk_dataset *fresh_dataset()
{
    dk_error err;
    dk_dataset *ds = dk_dataset_new(&err);
    check(ds != nullptr, "dk_dataset_new", &err);
    check(dk_dataset_set_string(ds, 0x00080016, nullptr, "1.2.840.10008.5.1.4.1.1.7", (size_t)-1,
                                &err) == DK_OK,
          "SOPClassUID", &err);
    check(dk_dataset_set_string(ds, 0x00080018, nullptr, "2.25.1", (size_t)-1, &err) == DK_OK,
          "SOPInstanceUID", &err);
    return ds;
}

// Write `ds` to memory, read it back and compare what a reader sees of the pixels.
void round_trip(dk_dataset *ds)
{
    dk_error err;
    int fd = memfd_create("fuzz_jpeg_import", MFD_CLOEXEC);
    check(fd >= 0, "memfd_create");
    check(dk_dataset_write_fd(ds, fd, "memory", nullptr, &err) == DK_OK,
          "an imported dataset can be written", &err);
    off_t size = lseek(fd, 0, SEEK_END);
    check(size > 0, "something was written");
    std::string bytes((size_t)size, '\0');
    check(pread(fd, &bytes[0], bytes.size(), 0) == (ssize_t)bytes.size(), "pread");
    close(fd);
    dk_dataset *back = dk_dataset_read_bytes(bytes.data(), bytes.size(), "written", nullptr, &err);
    check(back != nullptr, "what the import wrote reads back", &err);
    check(strcmp(dk_dataset_transfer_syntax(back), dk_dataset_transfer_syntax(ds)) == 0,
          "the transfer syntax survives the round trip");
    dk_element_info a, b;
    check(dk_dataset_info(ds, 0x7FE00010, &a, &err) == DK_OK, "PixelData is there", &err);
    check(dk_dataset_info(back, 0x7FE00010, &b, &err) == DK_OK, "PixelData reads back", &err);
    check(a.kind == b.kind && a.vm == b.vm, "PixelData reads back as written");
    if (a.kind == DK_KIND_ENCAPSULATED && a.vm >= 2) {
        const void *fa, *fb;
        size_t la, lb;
        check(dk_dataset_get_fragment(ds, 0x7FE00010, 1, &fa, &la, &err) == DK_OK, "fragment",
              &err);
        check(dk_dataset_get_fragment(back, 0x7FE00010, 1, &fb, &lb, &err) == DK_OK,
              "fragment read back", &err);
        check(la == lb && memcmp(fa, fb, la) == 0, "the fragment reads back byte for byte");
    }
    dk_dataset_free(back);
}

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

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int flags = size ? data[size - 1] : 0;
    import(data, size, 0, flags);
    import(data, size, 1, flags);
    return 0;
}

// Shared by the import targets: a dataset to import into, and the round trip every imported
// dataset must survive (written as Part 10, read back, the pixels as written).
#ifndef DICOMKIT_FUZZ_IMPORT_HH
#define DICOMKIT_FUZZ_IMPORT_HH

#include <cstdint>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" {
#include "dicomkit/dataset.h"
#include "dicomkit/pixels.h"
}

#include "check.hh"

namespace fuzz {

// A dataset with the two UIDs a Part 10 file needs.
inline dk_dataset *fresh_dataset()
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
inline void round_trip(dk_dataset *ds)
{
    dk_error err;
    int fd = memfd_create(fuzz::target_name, MFD_CLOEXEC);
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


// The checks every decoded-image import (TIFF, HEIF) must pass, beyond "no crash": a failed
// import leaves the dataset as it was, says why and names the input; a successful one describes
// pixels that fit DICOM and the pixel limit, native pixels have exactly the size the attributes
// say (every frame), the dataset can be written, dumped and put in JSON and reads back. `flags`
// chooses flatten (bit 0) and the background; each input is imported as JPEG-LS and native
// (deflated when bit 1 is set), and twice over as two frames' worth (dk_dataset_set_images).
inline void import_decoded(const uint8_t *data, size_t size, const char *name, int flags,
                           size_t max_pixels)
{
    for (int compression : {DK_COMPRESS_JPEGLS, (flags & 2) ? DK_COMPRESS_DEFLATE : DK_COMPRESS_NONE}) {
        dk_dataset *ds = fresh_dataset();
        dk_decode_options opts;
        memset(&opts, 0, sizeof opts);
        opts.flatten = flags & 1;
        opts.background[0] = (unsigned char)(flags * 37);
        opts.background[1] = (unsigned char)(flags * 91);
        opts.background[2] = (unsigned char)flags;
        opts.max_pixels = max_pixels;
        dk_pixel_report report;
        dk_error err;
        int rc = dk_dataset_set_image(ds, data, size, name, &opts, compression, &report, &err);
        if (rc != DK_OK) {
            check(err.message[0] != '\0', "a failure says why");
            check(strncmp(err.message, name, strlen(name)) == 0 &&
                      err.message[strlen(name)] == ':',
                  "a failure names the input", &err);
            check(rc != DK_EINTERNAL, "no unexpected failure", &err);
            check(dk_dataset_count(ds) == 2, "a failed import leaves the dataset as it was");
            dk_dataset_free(ds);
            continue;
        }
        size_t frames = report.frames > 0 ? (size_t)report.frames : 1;
        check(report.rows >= 1 && report.columns >= 1 && report.rows <= 65535 &&
                  report.columns <= 65535,
              "rows and columns fit DICOM");
        check((size_t)report.rows * (size_t)report.columns * frames <= max_pixels,
              "the pixel limit holds");
        check(report.bits == 8 || report.bits == 16, "8 or 16 bits");
        check(report.samples == 1 || report.samples == 3, "grey or RGB");
        check(report.alpha != DK_ALPHA_FLATTENED || opts.flatten, "flattened only when asked");
        if (!report.compressed) {
            dk_element_info info;
            check(dk_dataset_info(ds, 0x7FE00010, &info, &err) == DK_OK, "PixelData is there",
                  &err);
            size_t want = (size_t)report.rows * report.columns * report.samples *
                          (report.bits / 8) * frames;
            check(info.length == want || info.length == want + (want & 1),
                  "native pixels have the size the attributes say");
        }
        char *dump = dk_dataset_dump(ds, &err);
        check(dump != nullptr, "dump", &err);
        dk_free(dump);
        char *json = dk_dataset_json(ds, &err);
        check(json != nullptr, "json", &err);
        dk_free(json);
        round_trip(ds);
        dk_dataset_free(ds);
        if (compression != DK_COMPRESS_JPEGLS)
            continue;
        // the same input twice as the frames of one object (dk_dataset_set_images): twice the
        // frames, or a refusal that says why (the pixel limit counts both)
        dk_image_bytes two[2] = {{data, size, name}, {data, size, name}};
        dk_dataset *both = fresh_dataset();
        dk_pixel_report r2;
        opts.max_pixels = max_pixels;
        int rc2 = dk_dataset_set_images(both, two, 2, &opts, DK_COMPRESS_NONE, &r2, &err);
        if (rc2 == DK_OK) {
            check(r2.frames == 2 * (int)frames && r2.rows == report.rows &&
                      r2.columns == report.columns,
                  "two copies make twice the frames");
            dk_element_info info;
            check(dk_dataset_info(both, 0x7FE00010, &info, &err) == DK_OK, "PixelData is there",
                  &err);
            size_t want = (size_t)r2.rows * r2.columns * r2.samples * (r2.bits / 8) *
                          (size_t)r2.frames;
            check(info.length == want || info.length == want + (want & 1),
                  "two copies: native pixels have the size the attributes say");
        } else {
            check(rc2 != DK_EINTERNAL, "no unexpected failure with two copies", &err);
            check(strncmp(err.message, name, strlen(name)) == 0, "a failure names the input",
                  &err);
            check((size_t)report.rows * (size_t)report.columns * frames * 2 > max_pixels ||
                      rc2 == DK_ELIMIT,
                  "two copies are refused only for the pixel limit or a size limit", &err);
            check(dk_dataset_count(both) == 2, "a failed import leaves the dataset as it was");
        }
        dk_dataset_free(both);
    }
}

} // namespace fuzz

#endif

// Shared by the import targets: a dataset to import into, and the round trip every imported
// dataset must survive (written as Part 10, read back, the pixels as written).
#ifndef DICOMKIT_FUZZ_IMPORT_HH
#define DICOMKIT_FUZZ_IMPORT_HH

#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" {
#include "dicomkit/dataset.h"
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

} // namespace fuzz

#endif

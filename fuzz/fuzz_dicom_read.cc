// libFuzzer target: reading a DICOM byte stream (dk_scan_dicom, then dk_dataset_read_bytes) and
// walking every element of what was read: each value through the getter its kind calls for,
// the string rules of vr.h and the dictionary's VM (validation), the dump, the JSON, the writer.
//
// Beyond "no crash": what the reader accepted passes its own structure walk, every text comes
// out as valid UTF-8, each element is found by its tag as by its index, indexes past the end
// are refused, and what the writer writes reads back.
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
#include "dicomkit/vr.h"
#include "scan.h"
}

#include "check.hh"

const char *const fuzz::target_name = "fuzz_dicom_read";

namespace {

using fuzz::broken;
using fuzz::check;
using fuzz::dev_null;

dk_read_limits fuzz_limits()
{
    dk_read_limits limits;
    memset(&limits, 0, sizeof limits);
    limits.max_inflated_bytes = 16u << 20;
    limits.max_elements = 200000;
    return limits; // max_depth: the default (64), which bounds the walk's recursion below
}

int is_sequence(uint32_t tag, void *)
{
    if ((tag >> 16) & 1)
        return 0;
    dk_dict_entry e;
    return dk_dict_find_tag(tag, &e, nullptr) == DK_OK && strcmp(e.vr, "SQ") == 0;
}

void check_text(const char *s, size_t len, const char *what)
{
    check(s != nullptr || len == 0, what);
    check(dk_utf8_valid(s, len, nullptr) == 1, what);
}

// The dictionary's VM for `tag` written as dcmtk writes VM specs.
bool vm_spec(uint32_t tag, char *spec, size_t n)
{
    dk_dict_entry e;
    if (dk_dict_find_tag(tag, &e, nullptr) != DK_OK)
        return false;
    if (e.vm_max < 0)
        snprintf(spec, n, "%d-n", e.vm_min);
    else if (e.vm_max == e.vm_min)
        snprintf(spec, n, "%d", e.vm_min);
    else
        snprintf(spec, n, "%d-%d", e.vm_min, e.vm_max);
    return true;
}

// Read the first and last byte of a borrowed value: AddressSanitizer checks that all of it is
// there.
volatile unsigned char g_sink;
void touch_bytes(const void *p, size_t len)
{
    if (len == 0)
        return;
    const unsigned char *b = static_cast<const unsigned char *>(p);
    g_sink = g_sink ^ b[0] ^ b[len - 1];
}

// Set by the walk when an element of a tag the dictionary calls SQ holds raw bytes as UN (read
// from a non-standard VR such as 'SA'). dicomkit writes it as UN, and reading UN converts it to
// the dictionary's SQ and parses the bytes as Implicit VR Little Endian, which bytes written in
// another encoding are not: such a file is refused when read back. A known limitation (see
// fuzz/README.md), not checked.
bool g_unconverted_sequence = false;

void walk(dk_dataset *ds, unsigned depth);

void walk_element(dk_dataset *ds, const dk_element_info &info, unsigned depth)
{
    dk_error err;
    char spec[32];
    switch (info.kind) {
    case DK_KIND_STRING: {
        const char *v = nullptr;
        size_t len = 0;
        check(dk_dataset_get_string(ds, info.tag, &v, &len, &err) == DK_OK,
              "a string element reads as a string", &err);
        check_text(v, len, "text reads as valid UTF-8");
        unsigned vm = 0;
        if (dk_vr_check_string(info.vr, v, len, "fuzz", &vm, &err) == DK_OK &&
            vm_spec(info.tag, spec, sizeof spec))
            (void)dk_vr_check_vm(vm, spec, "fuzz", &err);
        long long i;
        double d;
        (void)dk_dataset_get_integer(ds, info.tag, 0, &i, &err);
        (void)dk_dataset_get_float(ds, info.tag, 0, &d, &err);
        break;
    }
    case DK_KIND_INTEGER:
    case DK_KIND_FLOAT: {
        for (size_t i = 0; i < info.vm; i++) {
            if (info.kind == DK_KIND_INTEGER) {
                long long v;
                int rc = dk_dataset_get_integer(ds, info.tag, i, &v, &err);
                // a long long holds only the lower half of UV: the upper half is refused
                check(rc == DK_OK || strcmp(info.vr, "UV") == 0, "every integer value reads",
                      &err);
                if (rc == DK_OK)
                    (void)dk_vr_check_integer(info.vr, v, "fuzz", &err);
            } else {
                double v;
                check(dk_dataset_get_float(ds, info.tag, i, &v, &err) == DK_OK,
                      "every float value reads", &err);
            }
        }
        long long v;
        double d;
        check(dk_dataset_get_integer(ds, info.tag, info.vm, &v, &err) != DK_OK &&
                  dk_dataset_get_float(ds, info.tag, info.vm, &d, &err) != DK_OK,
              "no value past the last");
        if (info.vm <= 0xFFFFFFFFu && vm_spec(info.tag, spec, sizeof spec))
            (void)dk_vr_check_vm((unsigned)info.vm, spec, "fuzz", &err);
        break;
    }
    case DK_KIND_BYTES: {
        const void *p = nullptr;
        size_t len = 0;
        check(dk_dataset_get_bytes(ds, info.tag, &p, &len, &err) == DK_OK,
              "a binary element reads as bytes", &err);
        check(p != nullptr || len == 0, "bytes have a pointer");
        touch_bytes(p, len);
        break;
    }
    case DK_KIND_ENCAPSULATED: {
        for (size_t i = 0; i < info.vm; i++) {
            const void *p = nullptr;
            size_t len = 0;
            check(dk_dataset_get_fragment(ds, info.tag, i, &p, &len, &err) == DK_OK,
                  "every fragment reads", &err);
            touch_bytes(p, len);
        }
        const void *p;
        size_t len;
        check(dk_dataset_get_fragment(ds, info.tag, info.vm, &p, &len, &err) != DK_OK,
              "no fragment past the last");
        break;
    }
    case DK_KIND_SEQUENCE: {
        check(depth <= DK_DEFAULT_MAX_DEPTH, "no deeper than the reader allows");
        for (size_t i = 0; i < info.vm; i++) {
            dk_dataset *item = nullptr;
            check(dk_dataset_get_item(ds, info.tag, i, &item, &err) == DK_OK && item != nullptr,
                  "every item of a sequence is there", &err);
            check(!dk_dataset_is_root(item), "an item is not a root");
            walk(item, depth + 1);
        }
        dk_dataset *item;
        check(dk_dataset_get_item(ds, info.tag, info.vm, &item, &err) != DK_OK,
              "no item past the last");
        break;
    }
    }
    // the getters of other kinds refuse, never misread
    const void *p;
    size_t len;
    if (info.kind != DK_KIND_BYTES)
        (void)dk_dataset_get_bytes(ds, info.tag, &p, &len, &err);
    if (info.kind != DK_KIND_ENCAPSULATED)
        (void)dk_dataset_get_fragment(ds, info.tag, 0, &p, &len, &err);
    if (info.kind != DK_KIND_SEQUENCE) {
        dk_dataset *item;
        (void)dk_dataset_get_item(ds, info.tag, 0, &item, &err);
    }
    if (info.kind != DK_KIND_STRING) {
        const char *v;
        (void)dk_dataset_get_string(ds, info.tag, &v, &len, &err);
    }
}

void walk(dk_dataset *ds, unsigned depth)
{
    dk_error err;
    check(dk_dataset_check(ds, &err) == DK_OK, "a handle from the walk is usable", &err);
    size_t count = dk_dataset_count(ds);
    for (size_t i = 0; i < count; i++) {
        dk_element_info info;
        check(dk_dataset_info_at(ds, i, &info, &err) == DK_OK, "every index up to count", &err);
        check(info.keyword == nullptr || info.keyword[0] != '\0', "a keyword is not empty");
        dk_element_info by_tag;
        check(dk_dataset_info(ds, info.tag, &by_tag, &err) == DK_OK && by_tag.tag == info.tag &&
                  by_tag.kind == info.kind && by_tag.vm == info.vm &&
                  strcmp(by_tag.vr, info.vr) == 0,
              "an element is found by its tag as by its index", &err);
        if (strcmp(info.vr, "UN") == 0 && is_sequence(info.tag, nullptr))
            g_unconverted_sequence = true;
        walk_element(ds, info, depth);
    }
    dk_element_info past;
    check(dk_dataset_info_at(ds, count, &past, &err) == DK_ENOENT, "nothing past count");
}

// Write `ds` to memory; what was written must read back under the same limits.
void round_trip(dk_dataset *ds, const dk_read_limits &limits)
{
    dk_error err;
    int fd = memfd_create("fuzz_dicom_read", MFD_CLOEXEC);
    check(fd >= 0, "memfd_create");
    if (dk_dataset_write_fd(ds, fd, "memory", nullptr, &err) != DK_OK) {
        close(fd);
        return;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    std::string bytes(size > 0 ? (size_t)size : 0, '\0');
    check(size > 0 && pread(fd, &bytes[0], bytes.size(), 0) == (ssize_t)bytes.size(),
          "what was written can be read from the file");
    close(fd);
    dk_dataset *back = dk_dataset_read_bytes(bytes.data(), bytes.size(), "written", &limits, &err);
    check(back != nullptr || g_unconverted_sequence, "what dicomkit writes, dicomkit reads", &err);
    dk_dataset_free(back);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dk_read_limits limits = fuzz_limits();
    dk_error err;

    // the structure walk on its own: in full, and stopping after SOPClassUID as a peek does
    dk_scan_result scan;
    int scan_rc = dk_scan_dicom(data, size, "fuzz", &limits, 0, is_sequence, nullptr, &scan, &err);
    if (scan_rc == DK_OK)
        check(scan.depth <= DK_DEFAULT_MAX_DEPTH && scan.elements <= limits.max_elements &&
                  scan.dataset_offset <= size && scan.inflated_bytes <= limits.max_inflated_bytes,
              "the walk keeps to its limits");
    else
        check(scan_rc == DK_EFORMAT || scan_rc == DK_ELIMIT || scan_rc == DK_ENOMEM,
              "the walk's error codes", &err);
    (void)dk_scan_dicom(data, size, nullptr, nullptr, 0x00080016, is_sequence, nullptr, &scan,
                        nullptr);

    dk_dataset *ds = dk_dataset_read_bytes(data, size, "fuzz", &limits, &err);
    if (ds == nullptr) {
        check(err.code != DK_OK && err.message[0] != '\0', "a failure says why");
        check(err.code != DK_EINTERNAL, "no unexpected dcmtk failure", &err);
        return 0;
    }
    check(scan_rc == DK_OK, "what the reader accepts passes the walk");
    check(dk_dataset_is_root(ds), "a read dataset is a root");
    const char *notes = dk_dataset_notes(ds);
    if (notes != nullptr)
        check_text(notes, strlen(notes), "notes are valid UTF-8");
    const char *ts = dk_dataset_transfer_syntax(ds);
    check(ts != nullptr, "a transfer syntax");

    g_unconverted_sequence = false;
    walk(ds, 0);

    char *dump = dk_dataset_dump(ds, &err);
    check(dump != nullptr, "dump", &err);
    check_text(dump, strlen(dump), "the dump is valid UTF-8");
    dk_free(dump);
    char *json = dk_dataset_json(ds, &err);
    check(json != nullptr, "json", &err);
    check_text(json, strlen(json), "the JSON is valid UTF-8");
    dk_free(json);

    (void)dk_dataset_write_fd(ds, dev_null(), "/dev/null", nullptr, &err);
    (void)dk_dataset_write_fd(ds, dev_null(), "/dev/null", DK_TS_IMPLICIT_LE, &err);
    round_trip(ds, limits);
    dk_dataset_free(ds);
    return 0;
}

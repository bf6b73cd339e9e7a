// libFuzzer target: the PDF layer (dk_pdf_read) and the Encapsulated PDF import
// (dk_dataset_set_pdf).
//
// Beyond "no crash": a refusal names the input; a title is valid UTF-8 of at most
// DK_PDF_TITLE_MAX bytes with no control character; an import stores the document whole
// (EncapsulatedDocumentLength is its length, the value its bytes), and the object can be written.
#include <cstdint>
#include <cstring>

extern "C" {
#include "dicomkit/dataset.h"
#include "dicomkit/pdf.h"
#include "dicomkit/pixels.h"
}

#include "check.hh"
#include "import.hh"

const char *const fuzz::target_name = "fuzz_pdf_read";

namespace {

using fuzz::check;
using fuzz::fresh_dataset;

// what an ST value may hold: whole UTF-8 sequences, no control characters
bool clean_utf8(const char *s)
{
    const unsigned char *p = reinterpret_cast<const unsigned char *>(s);
    while (*p) {
        unsigned char c = *p;
        int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
        if (extra < 0 || (extra == 0 && (c < 0x20 || c == 0x7F)))
            return false;
        for (int k = 1; k <= extra; k++)
            if ((p[k] & 0xC0) != 0x80)
                return false;
        p += extra + 1;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dk_pdf_info info;
    dk_error err;
    int rc = dk_pdf_read(data, size, "fuzz.pdf", &info, &err);
    if (rc != DK_OK) {
        check(strncmp(err.message, "fuzz.pdf: ", 10) == 0, "a refusal names the input", &err);
        check(rc == DK_EFORMAT, "a refusal is a format error", &err);
    } else {
        size_t n = strlen(info.title);
        check(n <= DK_PDF_TITLE_MAX, "the title fits DocumentTitle");
        check(clean_utf8(info.title), "the title is clean UTF-8");
        check(info.has_title == (n > 0), "has_title says whether there is one");
        check(info.title[0] != ' ' && (n == 0 || info.title[n - 1] != ' '), "the title is trimmed");
    }
    dk_dataset *ds = fresh_dataset();
    dk_pdf_info info2;
    int rc2 = dk_dataset_set_pdf(ds, data, size, "fuzz.pdf", &info2, &err);
    check((rc2 == DK_OK) == (rc == DK_OK), "the import takes exactly what the reader does", &err);
    if (rc2 == DK_OK) {
        long long len = -1;
        check(dk_dataset_get_integer(ds, 0x00420015, 0, &len, &err) == DK_OK && len == (long long)size,
              "EncapsulatedDocumentLength is the document's length", &err);
        const void *value = nullptr;
        size_t vlen = 0;
        check(dk_dataset_get_bytes(ds, 0x00420011, &value, &vlen, &err) == DK_OK &&
                  vlen >= size && (size == 0 || memcmp(value, data, size) == 0),
              "EncapsulatedDocument holds the document's bytes", &err);
        check(dk_dataset_write_fd(ds, fuzz::dev_null(), "/dev/null", nullptr, &err) == DK_OK,
              "the object can be written", &err);
    }
    dk_dataset_free(ds);
    return 0;
}

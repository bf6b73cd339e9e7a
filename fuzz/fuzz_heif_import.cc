// libFuzzer target: HEIF import (dk_dataset_set_image on libheif and libde265), compressed as
// JPEG-LS and native. The input is the HEIF itself; its length chooses the options (flatten,
// background, deflate). The checks are import_decoded's (import.hh).
#include <cstdint>
#include <cstring>

#include "check.hh"
#include "import.hh"

const char *const fuzz::target_name = "fuzz_heif_import";

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::import_decoded(data, size, "fuzz.heic", (int)(size & 0xFF), 1000000);
    return 0;
}

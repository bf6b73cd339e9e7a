// libFuzzer target: TIFF import (dk_dataset_set_image on libtiff), compressed as JPEG-LS and
// native. The input is the TIFF itself; its length chooses the options (flatten, background,
// deflate), since a TIFF's directories are found by offset and a byte more changes nothing
// they hold. The checks are import_decoded's (import.hh).
#include <cstdint>
#include <cstring>

#include "check.hh"
#include "import.hh"

const char *const fuzz::target_name = "fuzz_tiff_import";

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz::import_decoded(data, size, "fuzz.tif", (int)(size & 0xFF), 4000000);
    return 0;
}

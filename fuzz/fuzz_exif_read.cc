// libFuzzer target: the EXIF reader (dk_exif_read on libexif), given the input both as an APP1
// body ("Exif\0\0" prepended) and as it is.
//
// Beyond "no crash": every text is printable ASCII with no backslash, at most 64 characters,
// no leading or trailing space; DateTimeOriginal is empty or a DICOM DT of the shape exif.h
// states; numbers are finite and in range (latitude within 90, longitude within 180).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include "dicomkit/exif.h"
}

#include "check.hh"

const char *const fuzz::target_name = "fuzz_exif_read";

namespace {

using fuzz::check;

void clean_text(const char *s)
{
    size_t n = strnlen(s, DK_EXIF_TEXT);
    check(n < DK_EXIF_TEXT, "a text is at most 64 characters");
    for (size_t i = 0; i < n; i++)
        check(s[i] >= 0x20 && s[i] <= 0x7E && s[i] != '\\', "a text is printable, no backslash");
    check(n == 0 || (s[0] != ' ' && s[n - 1] != ' '), "a text has no leading or trailing space");
}

bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

void check_facts(const dk_exif_facts &f)
{
    for (const char *s : {f.make, f.model, f.software, f.lens_make, f.lens_model, f.body_serial,
                          f.lens_serial, f.owner, f.artist})
        clean_text(s);
    const char *dt = f.date_time_original;
    size_t n = strnlen(dt, sizeof f.date_time_original);
    check(n < sizeof f.date_time_original, "DateTimeOriginal is terminated");
    if (n > 0) {
        check(n >= 14 && digits(dt, 14), "DateTimeOriginal starts YYYYMMDDHHMMSS");
        size_t i = 14;
        if (dt[i] == '.') {
            size_t k = i + 1;
            while (k < n && dt[k] >= '0' && dt[k] <= '9')
                k++;
            check(k - i - 1 >= 1 && k - i - 1 <= 6, "fractional seconds are 1..6 digits");
            i = k;
        }
        if (i < n)
            check(n - i == 5 && (dt[i] == '+' || dt[i] == '-') && digits(dt + i + 1, 4),
                  "the offset is +HHMM or -HHMM");
    }
    for (double v : {f.exposure_time, f.f_number, f.focal_length, f.latitude, f.longitude,
                     f.altitude})
        check(std::isfinite(v), "numbers are finite");
    check(std::fabs(f.altitude) < 1e6 && (f.has_altitude || f.altitude == 0),
          "an altitude under 1,000 km, none without GPSAltitude");
    check(f.exposure_time >= 0 && f.f_number >= 0 && f.focal_length >= 0, "no negative optics");
    check(std::fabs(f.latitude) <= 90 && std::fabs(f.longitude) <= 180, "a position on Earth");
    check(f.has_gps || (f.latitude == 0 && f.longitude == 0 && f.latitude_ref == 0),
          "no position without GPS");
    check(!f.has_gps || ((f.latitude_ref == 'N' || f.latitude_ref == 'S') &&
                         (f.longitude_ref == 'E' || f.longitude_ref == 'W')),
          "references are N/S and E/W");
    for (double v : {f.latitude_dms[0], f.latitude_dms[1], f.latitude_dms[2], f.longitude_dms[0],
                     f.longitude_dms[1], f.longitude_dms[2]})
        check(std::isfinite(v) && v >= 0, "degrees, minutes, seconds are finite, not negative");
    check(f.flash >= -1 && f.flash <= 65535 && f.iso >= 0 && f.iso <= 65535, "shorts in range");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::string app1("Exif\0\0", 6);
    app1.append(reinterpret_cast<const char *>(data), size);
    for (int pass = 0; pass < 2; pass++) {
        const unsigned char *p = pass == 0 ? reinterpret_cast<const unsigned char *>(app1.data())
                                           : data;
        size_t n = pass == 0 ? app1.size() : size;
        dk_exif_facts f;
        dk_error err;
        int rc = dk_exif_read(p, n, "fuzz.exif", &f, &err);
        if (rc == DK_OK) {
            check(f.present == 1, "a read says so");
            check_facts(f);
        } else {
            check(strncmp(err.message, "fuzz.exif: ", 11) == 0, "a failure names the input", &err);
            check(f.present == 0 && f.flash == -1 && f.make[0] == '\0',
                  "a failure leaves no facts");
        }
    }
    return 0;
}

/* dicomkit: text in the character sets a DICOM file may declare, decoded to UTF-8.
 *
 * dcmtk 3.6.7 converts through iconv by character set names glibc does not have (ISO-IR-87,
 * ISO-IR-159), so Japanese files with ISO 2022 code extensions could not be read as text, and
 * a failed conversion left the dataset half converted. This decoder follows PS3.5 6.1 and the
 * defined terms of PS3.3 C.12.1.1.2 itself: it splits a value at its escape sequences, keeps the
 * G0 and G1 designations, resets them where PS3.5 says (each value, CR LF FF TAB, and the ^ and
 * = of person names), and hands each run to iconv under a name glibc has (JIS X 0208 and 0212
 * as EUC-JP, KS X 1001 as EUC-KR, GB 2312 as EUC-CN); JIS X 0201 it maps itself.
 *
 * Bytes a character set does not allow become U+FFFD, counted in *replaced, so the result is
 * always valid UTF-8. Without a SpecificCharacterSet, bytes above 0x7F are read as ISO 8859-1,
 * as pydicom does (the default repertoire is ASCII, but such files are common).
 */
#ifndef DICOMKIT_CHARSET_H
#define DICOMKIT_CHARSET_H

#include <stddef.h>

#include "dicomkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Whether dicomkit knows every defined term of `scs` (the whole (0008,0005) value). */
int dk_charset_known(const char *scs, size_t len, dk_error *err);

/* Decode `in` (an element's whole value, all its values) of VR `vr` (PN, LO, SH, UC split
 * values at backslashes; LT ST UT do not) under character set `scs` into UTF-8. *out is
 * malloc'ed (free with free()), NUL-terminated; *out_len excludes the NUL. DK_EINVAL for an
 * unknown defined term, DK_ENOMEM. */
int dk_charset_to_utf8(const char *scs, size_t scs_len, const char *vr, const char *in, size_t len,
                       char **out, size_t *out_len, size_t *replaced, dk_error *err);

#ifdef __cplusplus
}
#endif

#endif

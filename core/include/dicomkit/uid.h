/* dicomkit: UID generation and checking (PS3.5 9 and B.2).
 *
 * Three ways to make a UID, all at most 64 characters:
 *  - random, no root:   "2.25." + the decimal value of a random (version 4) UUID (PS3.5 B.2);
 *  - name-based:        the same value derived from a caller's string (a version 5 UUID in a
 *                       dicomkit namespace), so that the same input always yields the same UID;
 *  - under an org root: root + "." + decimal digits from the random or name-based value,
 *                       as many as the 64-character limit leaves room for.
 */
#ifndef DICOMKIT_UID_H
#define DICOMKIT_UID_H

#include "dicomkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DK_UID_MAX 64

/* The Implementation Class UID dicomkit writes into every file meta header it makes. */
#define DK_IMPLEMENTATION_CLASS_UID "2.25.171316683563916264402963961373905211201"
/* Implementation Version Name (SH, at most 16 characters). */
#define DK_IMPLEMENTATION_VERSION_NAME "DICOMKIT_0_1"

/* Shortest root that still leaves this many digits for the generated part. */
#define DK_UID_MIN_SUFFIX_DIGITS 16

/* Make a UID into `out` (DK_UID_MAX + 1 bytes).
 * `root`: NULL or "" for the 2.25 form; otherwise a valid UID of at most
 *         64 - 1 - DK_UID_MIN_SUFFIX_DIGITS characters.
 * `from`/`from_len`: NULL for a random UID; otherwise the bytes a name-based UID is derived from.
 * Returns DK_OK, DK_EINVAL for a bad root, DK_EIO when the system gives no randomness. */
int dk_uid_generate(char out[DK_UID_MAX + 1], const char *root, const char *from, size_t from_len,
                    dk_error *err);

/* 1 when s[0..len) is a valid UID (digits and dots, no empty component, no leading zero in a
 * component, at most 64 characters), else 0. */
int dk_uid_valid(const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif

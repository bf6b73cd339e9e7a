/* dicomkit: Value Representation checks (DICOM PS3.5 section 6.2) in pure C.
 *
 * These functions decide whether a value may be written with a given VR. They
 * never touch a dataset; the caller looks up the VR and VM in the data
 * dictionary and passes them in.
 *
 * Conventions shared by every function here:
 *   - Return DK_OK (0) on success, DK_EINVAL on any refusal.
 *   - `err` may be NULL. It is written only on failure, with a message of the form
 *       "<what>: <VR> value '<value>' <rule broken>"
 *     or, when a multi-valued string fails,
 *       "<what>: <VR> value <i> of <n> '<value>' <rule broken>"   (i is 1-based).
 *     The quoted value is cut to 40 characters ("..." appended) and control
 *     characters (and, in invalid UTF-8, bytes >= 0x80) are shown as \xNN.
 *   - `what` names the element, e.g. "PatientBirthDate (0010,0030)"; NULL is
 *     shown as "(unnamed element)".
 *   - String values are UTF-8 (SpecificCharacterSet ISO_IR 192). Lengths are
 *     counted in characters (Unicode code points), not bytes.
 */
#ifndef DICOMKIT_VR_H
#define DICOMKIT_VR_H

#include <stddef.h>

#include "dicomkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a value of an element is, as the dataset API gives and takes it. */
typedef enum dk_value_kind {
    DK_KIND_STRING,   /* AE AS CS DA DS DT IS LO LT PN SH ST TM UC UI UR UT */
    DK_KIND_INTEGER,  /* US SS UL SL SV UV, and AT (tags as numbers) */
    DK_KIND_FLOAT,    /* FL FD */
    DK_KIND_BYTES,    /* OB OW OD OF OL OV UN: raw little-endian bytes */
    DK_KIND_SEQUENCE, /* SQ */
    DK_KIND_ENCAPSULATED /* PixelData in fragments (compressed transfer syntax); never a VR's kind */
} dk_value_kind;

/* The facts about one VR that the core, the Lua binding and the writers share (PS3.5 6.2 and
 * 7.1.2). One table in vr.c holds them; nothing else keeps its own list of VRs. */
typedef struct dk_vr_facts {
    char name[3];          /* "PN" */
    dk_value_kind kind;
    unsigned value_size;   /* bytes per value of a binary VR (OB/UN 1, OW/US/SS 2, UL/SL/FL/OF/OL/AT
                              4, FD/OD/SV/UV/OV 8); 0 for text and SQ */
    int numeric_text;      /* IS and DS: numbers written as text */
    int multi_valued;      /* text VRs whose values a backslash separates (all but LT ST UT UR) */
    int short_length;      /* explicit VR encodes its length in 16 bits (at most 65534 bytes) */
    int non_ascii;         /* may hold characters beyond ASCII (SH LO ST LT PN UC UT) */
} dk_vr_facts;

/* The facts of `vr` (two upper-case letters), or NULL when it is not a DICOM VR. The pointer is
 * to static storage. */
const dk_vr_facts *dk_vr_facts_of(const char *vr);

/* Check a string value for VR `vr` (two upper-case letters, e.g. "DA").
 *
 * `value`/`len` is the whole element value (it need not be NUL-terminated; it
 * may be NULL only when len is 0). For every string VR except LT, ST, UT and UR,
 * a backslash separates values; those four are always VM 1 (LT/ST/UT may contain
 * backslashes, UR may not since RFC 3986 has no backslash).
 *
 * On success stores the value multiplicity in *vm_out (vm_out may be NULL):
 * 0 for an empty value, otherwise 1 + the number of separating backslashes.
 *
 * Rules applied, per individual value (lengths in characters, padding counted):
 *   all  valid UTF-8 (message gives the byte offset of the first bad byte)
 *   AE   <= 16; ASCII only; no control characters; not only spaces
 *   AS   exactly nnnD, nnnW, nnnM or nnnY
 *   CS   <= 16; only A-Z 0-9 space underscore
 *   DA   YYYYMMDD and a real calendar date (Gregorian leap years); no ranges
 *   TM   HH[MM[SS[.F{1,6}]]], HH 00-23, MM 00-59, SS 00-60, <= 16;
 *        the ACR-NEMA form with colons is refused
 *   DT   YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]] optionally followed by a UTC offset
 *        +HHMM/-HHMM between -1200 and +1400 (minutes 00-59); each present
 *        part in range; <= 26
 *   DS   <= 16; optional leading/trailing spaces around
 *        [+-]?(digits[.digits*]|.digits)([eE][+-]?digits)?
 *   IS   <= 12; optional leading/trailing spaces around [+-]?digits, value
 *        within -2^31..2^31-1
 *   UI   <= 64; digits and dots only; no empty component, no leading/trailing
 *        dot; no leading zero in a multi-digit component
 *   SH   <= 16, LO <= 64, UC unlimited: control characters refused except ESC
 *   LT   <= 10240, ST <= 1024, UT <= 4294967294: control characters refused
 *        except TAB LF FF CR ESC
 *   PN   at most 3 component groups ('='), each <= 64 and at most 5
 *        components ('^'); control characters refused except ESC
 *   UR   ASCII only; no control characters, no backslash; no space except
 *        trailing ones
 * "Control character" means a byte 0x00-0x1F or 0x7F.
 *
 * Padding: lengths include any spaces the caller passes (the writer adds the
 * even-length pad itself, so pass unpadded values). Two pad forms are
 * tolerated and stripped before any check because readers often keep them:
 * one trailing NUL on the whole UI value, and one trailing space on the whole
 * DA, TM, DT or AS value (the pad after a multi-valued odd-length value).
 *
 * Empty individual values inside a multi-valued string (the bytes A\\B, or a
 * leading/trailing backslash) are accepted for every VR and count towards the
 * VM, as does a DS/IS value made only of spaces; an AE value made only of
 * spaces is refused (PS3.5 says so explicitly).
 *
 * When a value breaks several rules, the syntax rule is reported before the
 * length rule (so '2024-01-01' as DA is "not a date YYYYMMDD").
 *
 * Unknown VR strings -> DK_EINVAL "unknown VR". Binary VRs (OB OW OD OF OL OV
 * UN SQ US SS UL SL FL FD AT SV UV) -> DK_EINVAL "not a string VR".
 *
 * Not checked here: the 16-bit length field of explicit-VR encodings (a very
 * long multi-valued LO/CS/... can exceed 65534 bytes); the VM against the
 * dictionary (use dk_vr_check_vm with *vm_out). */
int dk_vr_check_string(const char *vr, const char *value, size_t len, const char *what,
                       unsigned *vm_out, dk_error *err);

/* Check a VM count against a data-dictionary VM spec as dcmtk writes them:
 *   "N"      exactly N values
 *   "A-B"    A to B values
 *   "A-n"    at least A values
 *   "A-Bn"   at least A values and a multiple of B ("2-2n", "3-3n")
 * vm 0 (empty value) always passes, without looking at the spec. A malformed
 * or NULL spec (with vm > 0) is refused with DK_EINVAL. */
int dk_vr_check_vm(unsigned vm, const char *vm_spec, const char *what, dk_error *err);

/* Range check of an integer for an integer VR:
 *   US 0..65535, SS -32768..32767, UL 0..4294967295, SL and IS -2^31..2^31-1,
 *   SV the whole long long range, UV 0..LLONG_MAX (a long long cannot carry
 *   the upper half of UV, so negative values are refused rather than wrapped).
 * Any other VR -> DK_EINVAL "not an integer VR". */
int dk_vr_check_integer(const char *vr, long long v, const char *what, dk_error *err);

/* Format `v` as a DS value of at most 16 characters, NUL-terminated in `out`
 * (17 bytes).
 *   - If some form of <= 16 characters reads back exactly as v, the one with
 *     the fewest significant digits is used, written the way "%g" would:
 *     plain decimal for exponents -4..15 ("1000", "0.0001", "0.1"), otherwise
 *     exponent form ("1e-05" is written "1e-5", "1.5e+300" is "1.5e300").
 *   - Otherwise the <= 16-character form (plain or exponent) that reads back
 *     closest to v is used; it never reads back as an infinity (DBL_MAX gives
 *     "1.79769313e308": the 10- and 11-digit forms round up past DBL_MAX).
 *   - Zero (either sign) is "0". No leading zero is dropped (".5" is never
 *     produced), output is locale-independent ('.' is the decimal point), and
 *     the result always passes dk_vr_check_string("DS", ...).
 *   - Examples: 0.1 -> "0.1", 1000 -> "1000", 1e16 -> "1e16", 1.0/3 ->
 *     "0.33333333333333", 0.1+0.2 -> "0.3" (its exact form needs 19 characters).
 * Linking needs no libm.
 * NaN and infinities are refused with DK_EINVAL; `out` is then set to "". */
int dk_vr_format_ds(double v, char out[17], const char *what, dk_error *err);

/* Returns 1 when s[0..len) is valid UTF-8 (shortest form, no surrogates,
 * <= U+10FFFF), else 0 and *bad_offset = byte offset of the first byte that
 * does not begin a well-formed character (for a truncated or overlong sequence
 * that is its lead byte). bad_offset may be NULL. s may be NULL when len is 0. */
int dk_utf8_valid(const char *s, size_t len, size_t *bad_offset);

/* Returns 1 when any byte of s[0..len) is >= 0x80, else 0. */
int dk_has_non_ascii(const char *s, size_t len);

#ifdef __cplusplus
}
#endif

#endif

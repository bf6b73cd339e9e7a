/* dicomkit: a walk over a DICOM byte stream that checks its structure and the read limits
 * before any recursive parser (dcmtk's) sees it.
 *
 * dcmtk parses sequences by recursion and allocates a value's declared length before it
 * reads it, so a 216 KB file of 6,000 nested sequences overflows the stack and a 374-byte file
 * declaring a 4 GiB value asks for 4 GiB. This walk is iterative (an explicit stack of
 * containers), allocates nothing but a deflated data set's inflated bytes (bounded by the
 * limit), and refuses with the offset and the rule: nesting deeper than max_depth, more
 * than max_elements elements/items/fragments, a value longer than what is left of the file
 * or of its item, an item where an element belongs or the reverse, an inflated data set over
 * max_inflated_bytes.
 *
 * It follows the same encoding rules as dcmtk's reader (PS3.5 7 and 8, PS3.10 7): the
 * preamble and "DICM" prefix, the meta group in Explicit VR Little Endian, the data set in
 * the transfer syntax the meta group names (or, without one, the encoding its first element
 * shows), items and delimiters, encapsulated pixel data, UN of undefined length read as an
 * Implicit VR Little Endian sequence. Where dcmtk may read a private element of defined
 * length as a sequence (its private dictionary, or a UN converted by the dictionary), the walk
 * looks inside any such value that starts with an item tag and counts its depth, so it never
 * under-counts what dcmtk will recurse into.
 *
 * Pure C; the only outside knowledge is which public tags the data dictionary calls SQ, asked
 * through `is_sequence` (needed for Implicit VR).
 */
#ifndef DICOMKIT_SCAN_H
#define DICOMKIT_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "dicomkit/dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_scan_syntax {
    DK_SCAN_IMPLICIT_LE,
    DK_SCAN_EXPLICIT_LE,
    DK_SCAN_EXPLICIT_BE,
    DK_SCAN_DEFLATED_LE
} dk_scan_syntax;

typedef struct dk_scan_result {
    int has_meta;           /* a Part 10 meta group was found */
    dk_scan_syntax syntax;  /* how the data set is encoded */
    char transfer_syntax[65]; /* (0002,0010) as written, "" when absent */
    size_t dataset_offset;  /* where the data set starts in the input */
    unsigned depth;         /* deepest sequence nesting seen (0: no sequence) */
    uint64_t elements;      /* elements, items and fragments counted */
    uint64_t inflated_bytes; /* size of a deflated data set once inflated, else 0 */
    char sop_class[65];     /* SOPClassUID (0008,0016) of the data set, "" when absent */
    int stopped;            /* the walk stopped early at `stop_after` (see dk_scan_dicom) */
} dk_scan_result;

/* Which public tags the data dictionary gives VR SQ. */
typedef int (*dk_scan_is_sequence)(uint32_t tag, void *ud);

/* Walk `data` (a whole file, or a data set without meta group). `limits` NULL or fields 0
 * mean the defaults (dataset.h). `name` names the input in messages. With `stop_after` not 0
 * the walk ends, successfully, at the first top-level element whose tag is greater (what a
 * header peek needs; the rest is not looked at). DK_OK, or DK_EFORMAT / DK_ELIMIT with a
 * message "NAME: <what> at offset N: <rule>", or DK_ENOMEM. */
int dk_scan_dicom(const unsigned char *data, size_t len, const char *name,
                  const dk_read_limits *limits, uint32_t stop_after, dk_scan_is_sequence is_sequence,
                  void *ud, dk_scan_result *out, dk_error *err);

/* The limits with every 0 field replaced by its default. */
dk_read_limits dk_read_limits_resolve(const dk_read_limits *limits);

#ifdef __cplusplus
}
#endif

#endif

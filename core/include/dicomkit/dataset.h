/* dicomkit: datasets, the data dictionary, Part 10 files.
 *
 * A dk_dataset is either a root (made by dk_dataset_new or dk_dataset_read, freed with
 * dk_dataset_free) or an item of a sequence inside a root (borrowed: owned by the root).
 * An item handle stays allocated until its root is freed. When the item itself is removed
 * (its sequence replaced or removed), the handle becomes stale: every call on it returns
 * DK_ESTALE and never touches freed memory.
 *
 * Tags are 32-bit numbers 0xGGGGEEEE. Where a function takes `vr`, NULL (or "") means "the VR
 * the data dictionary gives"; an explicit two-letter VR is needed for tags the dictionary does
 * not know (private tags) and may choose between the VRs of an ambiguous entry (US or SS).
 *
 * Values are checked when they are set (VR syntax, length, repertoire, VM against the
 * dictionary, numeric range): a refused value leaves the dataset unchanged and fills `err` with
 * a message naming the element and the rule.
 *
 * Text is UTF-8. Setting a value with non-ASCII characters in a VR that may hold them
 * (SH LO ST LT PN UC UT) sets SpecificCharacterSet (0008,0005) of the root to "ISO_IR 192".
 * Reading a file in another character set converts its text to UTF-8.
 *
 * All functions are safe to call with a stale item handle (DK_ESTALE). None is thread safe on
 * the same root.
 *
 * Process-wide effects of the first call (dcmtk's settings are global, set once with
 * std::call_once): dcmtk's data dictionary is loaded; its logger is switched off (set
 * DICOMKIT_DCMTK_LOG=debug, info, warn or error to see it on standard error);
 * elements whose explicit VR is UN are read with their dictionary VR
 * (dcmEnableUnknownVRConversion), as pydicom and `dcmdump +u` read them. The network functions
 * (net.h) add their own, listed there (SIGPIPE ignored, the connect timeout). Nothing else
 * global is changed: files are created with an explicit mode, not by changing the umask.
 */
#ifndef DICOMKIT_DATASET_H
#define DICOMKIT_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "dicomkit/error.h"
#include "dicomkit/vr.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_dataset dk_dataset;

/* ---- the data dictionary (dcmtk's) ---- */

typedef struct dk_dict_entry {
    uint32_t tag;
    const char *keyword; /* static, never NULL for a found entry */
    char vr[3];          /* as the dictionary gives it; "xs" "ox" "lt" etc. for ambiguous ones */
    int vm_min;          /* at least this many values */
    int vm_max;          /* at most this many; -1 for "n" */
} dk_dict_entry;

/* Look up a keyword ("PatientName") or a tag. DK_EKEYWORD when unknown. */
int dk_dict_find_keyword(const char *keyword, dk_dict_entry *out, dk_error *err);
int dk_dict_find_tag(uint32_t tag, dk_dict_entry *out, dk_error *err);

/* Every public keyword of the dictionary (repeating groups once, with their base tag), sorted
 * by keyword. The array is static: it lives as long as the process. *count gets its length.
 * NULL only when the dictionary cannot be loaded (err says why). */
const dk_dict_entry *dk_dict_entries(size_t *count, dk_error *err);

/* ---- life cycle ---- */

/* A new empty root dataset, or NULL with `err` filled. Free with dk_dataset_free. */
dk_dataset *dk_dataset_new(dk_error *err);

/* Free a root and every item handle it gave out. NULL is allowed. Passing an item handle
 * does nothing (items belong to their root). */
void dk_dataset_free(dk_dataset *ds);

/* 1 for a root, 0 for an item. */
int dk_dataset_is_root(const dk_dataset *ds);

/* DK_OK while the handle can be used, DK_ESTALE for a removed item. */
int dk_dataset_check(const dk_dataset *ds, dk_error *err);

/* ---- elements ---- */


typedef struct dk_element_info {
    uint32_t tag;
    char vr[3];
    dk_value_kind kind;
    size_t vm;          /* number of values; items for SQ; fragments for encapsulated */
    size_t length;      /* value length in bytes as stored (without padding for strings); 0 for
                           a sequence (dcmtk would walk every item to compute it) */
    const char *keyword; /* static dictionary keyword, or NULL for an unknown/private tag */
    int keyword_exact;   /* 1 when looking `keyword` up gives this very tag; 0 for the other
                            groups of a repeating-group entry (6002,0010 is "OverlayRows" too)
                            and for group lengths, which a keyword cannot name */
} dk_element_info;

/* Number of elements directly in `ds`. */
size_t dk_dataset_count(const dk_dataset *ds);

/* The element at `index` (0-based, tag order). DK_ENOENT past the end. */
int dk_dataset_info_at(dk_dataset *ds, size_t index, dk_element_info *out, dk_error *err);

/* The element `tag`. DK_ENOENT when absent (err is left untouched then). */
int dk_dataset_info(dk_dataset *ds, uint32_t tag, dk_element_info *out, dk_error *err);

/* Remove `tag` (and, for a sequence, every item in it: their handles become stale).
 * DK_ENOENT when absent. */
int dk_dataset_remove(dk_dataset *ds, uint32_t tag, dk_error *err);

/* Set a string VR (or IS/DS given as text). `value` holds all values separated by '\'.
 * `len` may be (size_t)-1 for a NUL-terminated value. */
int dk_dataset_set_string(dk_dataset *ds, uint32_t tag, const char *vr, const char *value,
                          size_t len, dk_error *err);

/* Set integers: US SS UL SL SV UV AT, or IS (formatted). `count` may be 0 for an empty value. */
int dk_dataset_set_integers(dk_dataset *ds, uint32_t tag, const char *vr, const long long *values,
                            size_t count, dk_error *err);

/* Set floats: FL FD, or DS (formatted to at most 16 characters each), or IS when every value is
 * integral. */
int dk_dataset_set_floats(dk_dataset *ds, uint32_t tag, const char *vr, const double *values,
                          size_t count, dk_error *err);

/* Set raw bytes: OB OW OD OF OL OV UN (little-endian, length a multiple of the VR's unit). */
int dk_dataset_set_bytes(dk_dataset *ds, uint32_t tag, const char *vr, const void *data,
                         size_t len, dk_error *err);

/* Make `tag` a sequence of `count` empty items (replacing any element there; the items of a
 * replaced sequence become stale). */
int dk_dataset_set_sequence(dk_dataset *ds, uint32_t tag, size_t count, dk_error *err);

/* Make `tag` a sequence holding deep copies of `items` (`count` of them; a NULL entry makes an
 * empty item). The sources are copied before anything is replaced, so they may be items of the
 * very sequence being replaced. When a source is a root, its SpecificCharacterSet is not copied
 * into the item: an "ISO_IR 192" there makes the target root's "ISO_IR 192" instead. On failure
 * the dataset is unchanged. */
int dk_dataset_set_sequence_items(dk_dataset *ds, uint32_t tag, dk_dataset *const *items,
                                  size_t count, dk_error *err);

/* Read a string value (all values, '\'-separated, padding removed).
 * *value points into a buffer owned by `ds`, valid until the next dk_dataset_get_string on
 * the same handle or until the element changes. Works for every string VR. */
int dk_dataset_get_string(dk_dataset *ds, uint32_t tag, const char **value, size_t *len,
                          dk_error *err);

/* Value `index` (0-based) of an integer VR (US SS UL SL SV UV AT) or IS. */
int dk_dataset_get_integer(dk_dataset *ds, uint32_t tag, size_t index, long long *out,
                           dk_error *err);

/* Value `index` of FL FD or DS (and IS). */
int dk_dataset_get_float(dk_dataset *ds, uint32_t tag, size_t index, double *out, dk_error *err);

/* Raw bytes of OB OW OD OF OL OV UN (little-endian). *data is borrowed: valid until the
 * element changes or the root is freed. */
int dk_dataset_get_bytes(dk_dataset *ds, uint32_t tag, const void **data, size_t *len,
                         dk_error *err);

/* Item `index` of encapsulated pixel data `tag`: 0 is the Basic Offset Table, 1.. the
 * fragments. *data is borrowed: valid until the element changes or the root is freed. */
int dk_dataset_get_fragment(dk_dataset *ds, uint32_t tag, size_t index, const void **data,
                            size_t *len, dk_error *err);

/* Item `index` (0-based) of sequence `tag`: a borrowed handle owned by the root. */
int dk_dataset_get_item(dk_dataset *ds, uint32_t tag, size_t index, dk_dataset **item,
                        dk_error *err);

/* Append an empty item to sequence `tag` (created when absent); returns its borrowed handle. */
int dk_dataset_add_item(dk_dataset *ds, uint32_t tag, dk_dataset **item, dk_error *err);

/* ---- text ---- */

/* A readable dump: one line per element "(gggg,eeee) VR Keyword  value", items indented.
 * Returns a NUL-terminated string owned by the caller (free with dk_free), or NULL. */
char *dk_dataset_dump(dk_dataset *ds, dk_error *err);

/* The DICOM JSON Model (PS3.18 F.2) of `ds`, compact, as a NUL-terminated string owned by the
 * caller (free with dk_free), or NULL. See json.c for how each VR is written. */
char *dk_dataset_json(dk_dataset *ds, dk_error *err);

/* Free memory dicomkit handed to the caller. NULL is allowed. */
void dk_free(void *p);

/* ---- files ---- */

#define DK_TS_IMPLICIT_LE "1.2.840.10008.1.2"
#define DK_TS_EXPLICIT_LE "1.2.840.10008.1.2.1"

/* Write `ds` (a root) as a DICOM Part 10 file. The meta header is made from the dataset:
 * MediaStorageSOPClassUID/InstanceUID from SOPClassUID/SOPInstanceUID (both required),
 * dicomkit's Implementation Class UID and Version Name.
 * `transfer_syntax`: NULL for the dataset's own (Explicit VR Little Endian for a new dataset,
 * the file's for one that was read), or a UID. Native data can be written as Explicit or Implicit
 * VR Little Endian; encapsulated pixel data only in its own transfer syntax.
 * Text is written in the dataset's SpecificCharacterSet (UTF-8 in memory, converted on the way
 * out when the set is another single one).
 * Where it goes: a new path or an existing regular file is written to a temporary file beside it
 * and renamed into place, keeping the replaced file's permissions; on any failure `path` is
 * untouched and no temporary file is left. A symbolic link is followed and its target replaced
 * the same way (the link stays). A device, FIFO or socket is written directly, never replaced.
 * Errors name the cause: DK_ENOSPC for a full disk or a file over `ulimit -f` (the process is
 * not killed by SIGXFSZ or SIGPIPE: both are blocked for the calling thread while it writes),
 * DK_EIO for other write failures, DK_ENOENT for a missing directory. */
int dk_dataset_save(dk_dataset *ds, const char *path, const char *transfer_syntax, dk_error *err);

/* Limits on what reading a file may cost, checked before dcmtk parses it (see scan.h): a
 * field of 0 means its default. Each refusal is DK_ELIMIT with a message naming the limit. */
typedef struct dk_read_limits {
    uint64_t max_file_bytes;     /* the file's size; default 4 GiB */
    uint64_t max_inflated_bytes; /* a deflated data set once inflated; default 512 MiB */
    unsigned max_depth;          /* sequences inside sequences; default 64, at most
                                    DK_MAX_DEPTH_CAP (dcmtk's parser recurses) */
    uint64_t max_elements;       /* elements, items and fragments in all; default 10,000,000 */
} dk_read_limits;

#define DK_DEFAULT_MAX_FILE_BYTES ((uint64_t)4 << 30)
#define DK_DEFAULT_MAX_INFLATED_BYTES ((uint64_t)512 << 20)
#define DK_DEFAULT_MAX_DEPTH 64u
#define DK_MAX_DEPTH_CAP 1000u
#define DK_DEFAULT_MAX_ELEMENTS ((uint64_t)10000000)

/* Read a Part 10 file, or a raw dataset without a meta header (transfer syntax detected).
 * Pixel data stays as stored (never decompressed). The file is read once; its bytes are
 * walked (structure, lengths, the limits below) before dcmtk parses those same bytes, so a
 * hostile file is refused with the offset and the rule before any recursion or allocation
 * sized by it. Text is converted to UTF-8 (see dk_dataset_notes). Returns a root, or NULL with
 * `err`: DK_ENOENT for a missing file, DK_EFORMAT when it is not DICOM or is malformed,
 * DK_ELIMIT when it is over a limit. */
dk_dataset *dk_dataset_read(const char *path, dk_error *err);

/* The same, with limits on what reading may cost (NULL: the defaults). */
dk_dataset *dk_dataset_read_limited(const char *path, const dk_read_limits *limits, dk_error *err);

/* The same from bytes in memory (`name` names them in messages); the bytes are copied. */
dk_dataset *dk_dataset_read_bytes(const void *data, size_t len, const char *name,
                                  const dk_read_limits *limits, dk_error *err);

/* What reading had to repair, one line each, or NULL when nothing: text whose bytes were not
 * valid in the file's SpecificCharacterSet (read as U+FFFD), an unknown character set. Text is
 * always valid UTF-8 after reading. Owned by the root, valid while it lives. */
const char *dk_dataset_notes(const dk_dataset *ds);

/* Write `ds` as a Part 10 stream to the open file descriptor `fd` (standard output, a pipe),
 * as dk_dataset_save writes a file; `name` names it in messages. */
int dk_dataset_write_fd(dk_dataset *ds, int fd, const char *name, const char *transfer_syntax,
                        dk_error *err);

/* SOP Class and transfer syntax of a file from its first bytes (the walk of dk_dataset_read
 * stops after SOPClassUID), without reading the rest when it can. DK_EFORMAT when the file is
 * not DICOM or has no SOPClassUID. */
int dk_file_peek(const char *path, char sop_class[65], char transfer_syntax[65], dk_error *err);

/* The transfer syntax UID of a root (from the file it was read from, or set by pixel import);
 * static string. */
const char *dk_dataset_transfer_syntax(const dk_dataset *ds);

/* A new root holding a copy of the file meta information (group 0002) of the root `ds`: what
 * the file it was read from carried, or what the last save wrote; empty when it has none.
 * DK_EINVAL for a sequence item. Free with dk_dataset_free. */
dk_dataset *dk_dataset_file_meta(dk_dataset *ds, dk_error *err);

/* ---- versions ---- */
const char *dk_version(void);       /* dicomkit's, e.g. "0.1.0" */
const char *dk_dcmtk_version(void); /* the dcmtk dicomkit was built with */

#ifdef __cplusplus
}
#endif

#endif

/* dicomkit: what a PDF is, before it goes whole into an Encapsulated PDF object.
 *
 * The checks are ISO 32000's file structure (7.5): a header "%PDF-M.N" (within the first 1024
 * bytes, where readers look for it), "startxref" and an "%%EOF" marker within the last 1024
 * bytes (a file cut short has none). The document's title is read from the trailer's Info
 * dictionary when that dictionary is an uncompressed object (it is not read from an encrypted
 * file, whose strings are encrypted, nor from one held in a compressed object stream): a literal
 * or hexadecimal string, UTF-16BE (with its byte order mark), UTF-8 (PDF 2.0, with its mark) or
 * PDFDocEncoding (Annex D), returned as UTF-8 without control characters.
 *
 * Pure C, no allocation: the caller's buffer is only read.
 */
#ifndef DICOMKIT_PDF_H
#define DICOMKIT_PDF_H

#include <stddef.h>

#include "dicomkit/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DK_PDF_TITLE_MAX 1024 /* DocumentTitle is ST: at most 1024 characters */

typedef struct dk_pdf_info {
    int major, minor;          /* the header's version */
    size_t header_offset;      /* where "%PDF-" starts (0 for a well-formed file) */
    int encrypted;             /* the trailer names an /Encrypt dictionary */
    int has_title;             /* title[] holds the Info dictionary's /Title */
    int title_truncated;       /* it was longer than DK_PDF_TITLE_MAX bytes of UTF-8 */
    char title[DK_PDF_TITLE_MAX + 1]; /* UTF-8, NUL-terminated, "" when none */
} dk_pdf_info;

/* 1 when the bytes start (within 1024 bytes) with "%PDF-". */
int dk_is_pdf(const unsigned char *data, size_t len);

/* Check the structure and read the title. DK_EFORMAT names `name` and the rule broken. */
int dk_pdf_read(const unsigned char *data, size_t len, const char *name, dk_pdf_info *info,
                dk_error *err);

#ifdef __cplusplus
}
#endif

#endif

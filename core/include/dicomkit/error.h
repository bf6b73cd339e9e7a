/* dicomkit: status codes and the error record every constructor fills.
 *
 * Functions return DK_OK (0) or a negative dk_status. Where a function takes a
 * `dk_error *err`, it may be NULL; when it is not, a failure fills it with the
 * same code and a message that names the input and the rule it broke
 * (for example "PatientBirthDate (0010,0030): DA value '2024-01-01' is not YYYYMMDD").
 */
#ifndef DICOMKIT_ERROR_H
#define DICOMKIT_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum dk_status {
    DK_OK = 0,
    DK_EINVAL = -1,    /* a value or argument breaks a rule (VR syntax, VM, range, type) */
    DK_ENOMEM = -2,    /* out of memory */
    DK_ENOENT = -3,    /* file or element not found */
    DK_EIO = -4,       /* read/write/rename failed */
    DK_EFORMAT = -5,   /* input is not what it claims (not DICOM, not JPEG, truncated) */
    DK_EKEYWORD = -6,  /* unknown keyword or tag not in the data dictionary */
    DK_ESTALE = -7,    /* handle refers to a removed item or a freed root */
    DK_EUNSUPPORTED = -8, /* valid input that dicomkit cannot carry as asked */
    DK_EINTERNAL = -9, /* a dcmtk failure we could not classify */
    DK_ECONNREFUSED = -10, /* nothing listening at the peer's address */
    DK_EREJECTED = -11,    /* the peer rejected the association */
    DK_ETIMEOUT = -12,     /* connect, ACSE or DIMSE timeout */
    DK_EABORTED = -13,     /* the association was aborted or the connection dropped */
    DK_ENOCONTEXT = -14,   /* no accepted presentation context for an object */
    DK_ENETWORK = -15,     /* any other network failure (unknown host, unreachable) */
    DK_ELIMIT = -16,       /* input over a limit (size, nesting depth, count): the message names
                              the limit, and the caller may raise it */
    DK_ESTATUS = -17,      /* the peer answered with a failure status */
    DK_ENOSPC = -18        /* the disk (or the file size limit) is full */
} dk_status;

#define DK_ERROR_MESSAGE_MAX 512

typedef struct dk_error {
    int code;                            /* a dk_status; DK_OK when nothing failed */
    char message[DK_ERROR_MESSAGE_MAX];  /* NUL-terminated, empty when code == DK_OK */
} dk_error;

/* Fill `err` (if not NULL) with `code` and a printf-style message; returns `code`
 * so a caller can write `return dk_error_set(err, DK_EINVAL, "...", ...)`. */
int dk_error_set(dk_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Reset `err` to DK_OK with an empty message. NULL is allowed. */
void dk_error_clear(dk_error *err);

/* A stable short name for a status ("EINVAL", "ENOENT", ...); never NULL. */
const char *dk_status_name(int code);

#ifdef __cplusplus
}
#endif

#endif

/* dicomkit: associations with a peer AE, C-ECHO and C-STORE (dcmtk's ASC/DIMSE underneath).
 *
 * dk_assoc is an association handle: dk_assoc_open makes it (connected and negotiated),
 * dk_assoc_free frees it (aborting it first if it is still open). After a fatal failure
 * (the peer aborted, the connection dropped, a DIMSE timeout) the handle is dead: every later
 * call returns DK_EABORTED with the first failure in its message, like a libspng context in
 * its error state. After dk_assoc_release every call returns DK_EINVAL: using a released
 * association is a mistake of the caller, not a failure of the network.
 *
 * Nagle's algorithm is off on the association's socket from the first byte, and the send and
 * receive timeouts are the association's own: both come from a transport layer dicomkit
 * installs through dcmtk's public hook (ASC_setTransportLayer).
 *
 * Process-wide state, from dcmtk: the connect timeout is a dcmtk global read while connecting
 * (dk_assoc_open serialises connects so each uses its own), and dcmtk's network set-up sets
 * SIGPIPE to SIG_IGN for the whole process the first time an association is opened (a write to
 * a peer that went away then fails with EPIPE instead of killing the process).
 */
#ifndef DICOMKIT_NET_H
#define DICOMKIT_NET_H

#include <stddef.h>

#include "dicomkit/dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dk_assoc dk_assoc;

typedef struct dk_assoc_params {
    const char *host;         /* name or address */
    int port;                 /* 1..65535 */
    const char *called_ae;    /* the peer's AE title (required: PACS check it) */
    const char *calling_ae;   /* ours; NULL: "DICOMKIT" */
    int connect_timeout;      /* seconds; 0: 10 */
    int acse_timeout;         /* seconds to wait for association answers; 0: 30 */
    int dimse_timeout;        /* seconds to wait for a DIMSE response; 0: 60 */
    unsigned long max_pdu;    /* maximum PDU we receive; 0: 65536 */
} dk_assoc_params;

/* What will be sent: a SOP Class with the transfer syntax the object is in. Each is proposed
 * with its own transfer syntax plus Explicit and Implicit VR Little Endian. */
typedef struct dk_context {
    const char *sop_class;
    const char *transfer_syntax; /* NULL: native only */
} dk_context;

/* Check an AE title: 1..16 characters, no backslash, no control characters, not all spaces.
 * `what` names it in the message ("called AE title"). */
int dk_ae_title_check(const char *ae, const char *what, dk_error *err);

/* Connect, propose Verification and `contexts`, negotiate. Returns the handle or NULL with
 * err: DK_EINVAL (bad parameters), DK_ECONNREFUSED, DK_EREJECTED (with the peer's reason),
 * DK_ETIMEOUT, DK_ENETWORK. */
dk_assoc *dk_assoc_open(const dk_assoc_params *params, const dk_context *contexts,
                        size_t ncontexts, dk_error *err);

/* C-ECHO. DK_OK when the peer answered with status Success, DK_ESTATUS for another status. */
int dk_assoc_echo(dk_assoc *a, dk_error *err);

typedef struct dk_store_result {
    unsigned status;            /* DIMSE status of the response */
    char category[8];           /* "success", "warning" or "failure" */
    char meaning[96];           /* e.g. "Success", "Warning: Coercion of data elements" */
    char sop_class_uid[65];
    char sop_instance_uid[65];  /* the affected SOP Instance UID */
    char transfer_syntax[65];   /* as sent */
    int decoded;                /* 1: sent as native pixels because the peer accepted only
                                   uncompressed transfer syntaxes for this SOP Class */
} dk_store_result;

/* C-STORE of a dataset in memory. DK_OK when the peer answered, whatever its status (see
 * result->category); DK_ENOCONTEXT when no presentation context fits (nothing sent, the
 * association stays usable); DK_EINVAL when the dataset lacks SOP Class/Instance UIDs;
 * DK_ETIMEOUT/DK_EABORTED when the association failed (it is dead afterwards). */
int dk_assoc_store(dk_assoc *a, dk_dataset *ds, dk_store_result *result, dk_error *err);

/* C-STORE of a file: read once (pixel data not decoded), then as dk_assoc_store. */
int dk_assoc_store_file(dk_assoc *a, const char *path, dk_store_result *result, dk_error *err);

/* Release (A-RELEASE) an open association. */
int dk_assoc_release(dk_assoc *a, dk_error *err);

/* Abort (A-ABORT) an open association; harmless on a closed or dead one. */
void dk_assoc_abort(dk_assoc *a);

/* 1 while the association can be used. */
int dk_assoc_is_open(const dk_assoc *a);

enum dk_assoc_states { DK_ASSOC_OPEN, DK_ASSOC_RELEASED, DK_ASSOC_FAILED, DK_ASSOC_CLOSED };

/* Where the association stands: open, released by us, failed (aborted by either side, timed
 * out, dropped), or NULL (DK_ASSOC_CLOSED). */
int dk_assoc_state(const dk_assoc *a);

/* Abort if still open, then free. NULL is allowed. */
void dk_assoc_free(dk_assoc *a);

#ifdef __cplusplus
}
#endif

#endif

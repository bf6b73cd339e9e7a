#include "dicomkit/error.h"

#include <stdarg.h>
#include <stdio.h>

int dk_error_set(dk_error *err, int code, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

void dk_error_clear(dk_error *err)
{
    if (err != NULL) {
        err->code = DK_OK;
        err->message[0] = '\0';
    }
}

const char *dk_status_name(int code)
{
    switch (code) {
    case DK_OK: return "OK";
    case DK_EINVAL: return "EINVAL";
    case DK_ENOMEM: return "ENOMEM";
    case DK_ENOENT: return "ENOENT";
    case DK_EIO: return "EIO";
    case DK_EFORMAT: return "EFORMAT";
    case DK_EKEYWORD: return "EKEYWORD";
    case DK_ESTALE: return "ESTALE";
    case DK_EUNSUPPORTED: return "EUNSUPPORTED";
    case DK_ECONNREFUSED: return "ECONNREFUSED";
    case DK_EREJECTED: return "EREJECTED";
    case DK_ETIMEOUT: return "ETIMEOUT";
    case DK_EABORTED: return "EABORTED";
    case DK_ENOCONTEXT: return "ENOCONTEXT";
    case DK_ENETWORK: return "ENETWORK";
    case DK_ELIMIT: return "ELIMIT";
    case DK_ESTATUS: return "ESTATUS";
    case DK_ENOSPC: return "ENOSPC";
    default: return "EINTERNAL";
    }
}

// What the fuzz targets share: a property that does not hold aborts, so libFuzzer keeps the
// input as a finding. Each target defines fuzz::target_name for the message.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>

extern "C" {
#include "dicomkit/error.h"
}

namespace fuzz {

extern const char *const target_name;

[[noreturn]] inline void broken(const char *what, const dk_error *err = nullptr)
{
    fprintf(stderr, "%s: property broken: %s%s%s\n", target_name, what, err ? ": " : "",
            err ? err->message : "");
    abort();
}

inline void check(bool ok, const char *what, const dk_error *err = nullptr)
{
    if (!ok)
        broken(what, err);
}

// Where a target writes what it only needs written, not kept.
inline int dev_null()
{
    static int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    return fd;
}

} // namespace fuzz

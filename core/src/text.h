/* dicomkit: a growing text buffer for the writers (dump.c, json.c). */
#ifndef DICOMKIT_TEXT_H
#define DICOMKIT_TEXT_H

#include <stddef.h>

typedef struct dk_text {
    char *data; /* NUL-terminated once anything was appended */
    size_t len, cap;
    int failed; /* an allocation failed: everything after is dropped */
} dk_text;

void dk_text_append(dk_text *t, const char *s, size_t n);
void dk_text_puts(dk_text *t, const char *s);
void dk_text_printf(dk_text *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif

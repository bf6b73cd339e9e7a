/* A minimal test harness: CHECK records a failure and goes on; finish() prints the closing
 * "N passed, M failed" line ctest logs show, and gives the exit status. */
#ifndef DK_TEST_CHECK_H
#define DK_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int checks_passed, checks_failed;

#define CHECK(cond)                                                                              \
    do {                                                                                         \
        if (cond) {                                                                              \
            checks_passed++;                                                                     \
        } else {                                                                                 \
            checks_failed++;                                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);            \
        }                                                                                        \
    } while (0)

/* The error message must contain `part`. */
#define CHECK_MESSAGE(err, part)                                                                 \
    do {                                                                                         \
        int found_ = strstr((err).message, (part)) != NULL;                                      \
        CHECK(found_);                                                                           \
        if (!found_)                                                                             \
            fprintf(stderr, "    message was: %s\n    expected part: %s\n", (err).message, part);  \
    } while (0)

static int finish(void)
{
    printf("%d passed, %d failed\n", checks_passed, checks_failed);
    return checks_failed == 0 ? 0 : 1;
}

#endif

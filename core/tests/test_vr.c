/* Tests for dicomkit/vr.h: every PS3.5 rule with accepted and refused values,
 * and the refusal messages (element name, VR, rule words). */
#include "dicomkit/vr.h"

#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h> /* isfinite, NAN, INFINITY: macros, no libm needed */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (cond) {                                                                 \
            passed++;                                                               \
        } else {                                                                    \
            failed++;                                                               \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                           \
    } while (0)

/* A string literal as pointer and length, so embedded NULs survive. */
#define S(lit) (lit), (sizeof(lit) - 1)

static const char *const WHAT = "TestElement (0011,2233)";

static const char *const STRING_VRS[] = {"AE", "AS", "CS", "DA", "DS", "DT", "IS", "LO", "LT",
                                         "PN", "SH", "ST", "TM", "UC", "UI", "UR", "UT"};
static const char *const BINARY_VRS[] = {"OB", "OW", "OD", "OF", "OL", "OV", "UN", "SQ", "US",
                                         "SS", "UL", "SL", "FL", "FD", "AT", "SV", "UV"};
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Accepted with the given VM, and err left untouched. */
static void ok_at(int line, const char *vr, const char *v, size_t len, unsigned want_vm)
{
    dk_error err = {DK_OK, ""};
    unsigned vm = 12345;
    int rc = dk_vr_check_string(vr, v, len, WHAT, &vm, &err);

    if (rc == DK_OK && vm == want_vm && err.code == DK_OK) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "line %d: %s '%.60s' expected OK vm=%u, got rc=%d vm=%u msg=%s\n", line, vr, v ? v : "(null)",
            want_vm, rc, vm, err.message);
}

/* Refused with DK_EINVAL and a message holding the element name, the VR and
 * every one of the NULL-terminated rule words. */
static void bad_at(int line, const char *vr, const char *v, size_t len, const char *words[])
{
    dk_error err = {DK_OK, ""};
    unsigned vm = 12345;
    int rc = dk_vr_check_string(vr, v, len, WHAT, &vm, &err);
    int good = rc == DK_EINVAL && err.code == DK_EINVAL && vm == 12345 && strstr(err.message, WHAT) != NULL &&
               strstr(err.message, vr) != NULL;

    for (size_t i = 0; good && words[i] != NULL; i++)
        if (strstr(err.message, words[i]) == NULL) good = 0;
    if (good) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "line %d: %s '%.60s' expected refusal with", line, vr, v ? v : "(null)");
    for (size_t i = 0; words[i] != NULL; i++) fprintf(stderr, " [%s]", words[i]);
    fprintf(stderr, ", got rc=%d msg=%s\n", rc, err.message);
}

#define OK(vr, lit, vm) ok_at(__LINE__, vr, S(lit), vm)
#define OKN(vr, ptr, len, vm) ok_at(__LINE__, vr, ptr, len, vm)
#define BAD(vr, lit, ...) bad_at(__LINE__, vr, S(lit), (const char *[]){__VA_ARGS__, NULL})
#define BADN(vr, ptr, len, ...) bad_at(__LINE__, vr, ptr, len, (const char *[]){__VA_ARGS__, NULL})

/* A heap string of n copies of `unit` followed by `tail`; the caller frees it. */
static char *repeat(const char *unit, size_t n, const char *tail)
{
    size_t u = strlen(unit), t = strlen(tail);
    char *s = malloc(u * n + t + 1);

    if (s == NULL) abort();
    for (size_t i = 0; i < n; i++) memcpy(s + i * u, unit, u);
    memcpy(s + u * n, tail, t + 1);
    return s;
}

static int message_has(const dk_error *e, const char *a, const char *b)
{
    return strstr(e->message, a) != NULL && (b == NULL || strstr(e->message, b) != NULL);
}

/* ------------------------------------------------------------------------ */

static void test_utf8(void)
{
    size_t off = 999;

    CHECK(dk_utf8_valid(S(""), &off));
    CHECK(dk_utf8_valid(NULL, 0, NULL));
    CHECK(dk_utf8_valid(S("plain ascii"), NULL));
    CHECK(dk_utf8_valid(S("\xC3\xA9"), NULL));         /* U+00E9 */
    CHECK(dk_utf8_valid(S("\xE2\x82\xAC"), NULL));     /* U+20AC */
    CHECK(dk_utf8_valid(S("\xEF\xBF\xBF"), NULL));     /* U+FFFF */
    CHECK(dk_utf8_valid(S("\xED\x9F\xBF"), NULL));     /* U+D7FF, just below surrogates */
    CHECK(dk_utf8_valid(S("\xF0\x9F\x98\x80"), NULL)); /* U+1F600 */
    CHECK(dk_utf8_valid(S("\xF4\x8F\xBF\xBF"), NULL)); /* U+10FFFF */
    CHECK(dk_utf8_valid(S("a\0b"), NULL));             /* NUL is a valid character */

    CHECK(!dk_utf8_valid(S("ab\x80"), &off) && off == 2);             /* lone continuation */
    CHECK(!dk_utf8_valid(S("\xC0\x80"), &off) && off == 0);           /* overlong NUL */
    CHECK(!dk_utf8_valid(S("x\xC1\xBF"), &off) && off == 1);          /* overlong 2-byte */
    CHECK(!dk_utf8_valid(S("\xE0\x80\x80"), &off) && off == 0);       /* overlong 3-byte */
    CHECK(!dk_utf8_valid(S("\xE0\x9F\xBF"), &off) && off == 0);       /* overlong 3-byte */
    CHECK(!dk_utf8_valid(S("\xF0\x8F\xBF\xBF"), &off) && off == 0);   /* overlong 4-byte */
    CHECK(!dk_utf8_valid(S("ok\xED\xA0\x80"), &off) && off == 2);     /* surrogate U+D800 */
    CHECK(!dk_utf8_valid(S("\xED\xBF\xBF"), &off) && off == 0);       /* surrogate U+DFFF */
    CHECK(!dk_utf8_valid(S("\xF4\x90\x80\x80"), &off) && off == 0);   /* U+110000 */
    CHECK(!dk_utf8_valid(S("\xF5\x80\x80\x80"), &off) && off == 0);   /* lead byte F5 */
    CHECK(!dk_utf8_valid(S("\xFF"), &off) && off == 0);
    CHECK(!dk_utf8_valid(S("abc\xE2\x82"), &off) && off == 3);        /* truncated at end */
    CHECK(!dk_utf8_valid(S("\xC3\x28"), &off) && off == 0);           /* bad continuation */
    CHECK(!dk_utf8_valid(S("\xE2\x28\xA1"), &off) && off == 0);
    CHECK(!dk_utf8_valid(S("\xC3\xA9\xF0\x9F\x98"), &off) && off == 2);
    CHECK(!dk_utf8_valid(S("\x80"), NULL)); /* bad_offset may be NULL */

    CHECK(!dk_has_non_ascii(S("")));
    CHECK(!dk_has_non_ascii(S("abc\x7F\x01")));
    CHECK(dk_has_non_ascii(S("ab\xC3\xA9")));
    CHECK(dk_has_non_ascii(S("\xFF")));
}

static void test_invalid_utf8_every_vr(void)
{
    for (size_t i = 0; i < COUNT(STRING_VRS); i++) {
        BAD(STRING_VRS[i], "12\xFF", "not valid UTF-8", "offset 2", "0xFF");
        BAD(STRING_VRS[i], "\xC0\x80", "not valid UTF-8", "offset 0");
    }
    /* the shown value escapes the bad bytes, so the message stays valid UTF-8 */
    BAD("LO", "ab\xE9z", "'ab\\xE9z'", "offset 2");
}

static void test_vr_names(void)
{
    dk_error err = {DK_OK, ""};
    unsigned vm = 7;

    BAD("XX", "abc", "unknown VR");
    BAD("ZZ", "", "unknown VR");
    CHECK(dk_vr_check_string("da", S("20240101"), WHAT, &vm, &err) == DK_EINVAL && message_has(&err, WHAT, "unknown VR"));
    CHECK(dk_vr_check_string("DAX", S("20240101"), WHAT, &vm, &err) == DK_EINVAL && message_has(&err, "unknown VR", NULL));
    CHECK(dk_vr_check_string("D", S("20240101"), WHAT, &vm, &err) == DK_EINVAL && message_has(&err, "unknown VR", NULL));
    CHECK(dk_vr_check_string("", S(""), WHAT, &vm, &err) == DK_EINVAL);
    CHECK(dk_vr_check_string(NULL, S(""), WHAT, &vm, &err) == DK_EINVAL && message_has(&err, "unknown VR", NULL));
    CHECK(vm == 7);
    for (size_t i = 0; i < COUNT(BINARY_VRS); i++) BAD(BINARY_VRS[i], "1", "not a string VR");

    /* err and vm_out may be NULL; what NULL gets a placeholder name */
    CHECK(dk_vr_check_string("DA", S("20240101"), NULL, NULL, NULL) == DK_OK);
    CHECK(dk_vr_check_string("DA", S("2024"), NULL, NULL, NULL) == DK_EINVAL);
    CHECK(dk_vr_check_string("DA", S("2024"), NULL, NULL, &err) == DK_EINVAL &&
          message_has(&err, "(unnamed element)", "YYYYMMDD"));
    CHECK(dk_vr_check_string("LO", NULL, 3, WHAT, NULL, &err) == DK_EINVAL && message_has(&err, WHAT, "NULL"));
}

static void test_empty_values(void)
{
    for (size_t i = 0; i < COUNT(STRING_VRS); i++) {
        OK(STRING_VRS[i], "", 0);
        OKN(STRING_VRS[i], NULL, 0, 0);
    }
    OK("UI", "\0", 0); /* only the pad byte */
    OK("DA", " ", 0);  /* only the pad byte */
    OK("LO", "a\\\\b", 3);
    OK("DA", "\\20240101", 2);
    OK("DS", "1\\\\2", 3);
}

static void test_ae(void)
{
    OK("AE", "STORESCP", 1);
    OK("AE", "1234567890123456", 1);
    OK("AE", " MY AE ", 1);
    OK("AE", "A\\B", 2);
    BAD("AE", "12345678901234567", "is 17 characters long", "at most 16");
    BAD("AE", "AB\nC", "control character 0x0A", "'AB\\x0AC'");
    BAD("AE", "AB\x1B", "control character 0x1B");
    BAD("AE", "    ", "only of spaces");
    BAD("AE", "A\\   ", "value 2 of 2", "only of spaces");
    BAD("AE", "CAF\xC3\x89", "non-ASCII");
}

static void test_as(void)
{
    OK("AS", "018Y", 1);
    OK("AS", "000D", 1);
    OK("AS", "012W", 1);
    OK("AS", "006M", 1);
    OK("AS", "018Y ", 1); /* pad */
    OK("AS", "018Y\\002W", 2);
    BAD("AS", "018y", "not an age nnnD, nnnW, nnnM or nnnY");
    BAD("AS", "18Y", "not an age");
    BAD("AS", "0180", "not an age");
    BAD("AS", "018YY", "not an age");
    BAD("AS", " 18Y", "not an age");
    BAD("AS", "018Y  ", "not an age");
    BAD("AS", "018\0", "not an age");
    BAD("AS", "018Y\\18M", "value 2 of 2", "not an age");
}

static void test_cs(void)
{
    OK("CS", "ORIGINAL\\PRIMARY\\AXIAL", 3);
    OK("CS", "ISO_IR 192", 1);
    OK("CS", "ABCDEFGHIJ012345", 1);
    BAD("CS", "ABCDEFGHIJ0123456", "17 characters", "at most 16");
    BAD("CS", "original", "other than A-Z 0-9 space underscore", "position 1");
    BAD("CS", "A-B", "A-Z 0-9 space underscore", "position 2");
    BAD("CS", "OK\\BAD.", "value 2 of 2", "A-Z 0-9 space underscore");
    BAD("CS", "\xC3\x89T\xC3\x89", "A-Z 0-9 space underscore");
    BAD("CS", "A\tB", "A-Z 0-9 space underscore", "'A\\x09B'");
}

static void test_da(void)
{
    OK("DA", "20240101", 1);
    OK("DA", "20240229", 1); /* leap year */
    OK("DA", "20000229", 1); /* divisible by 400 */
    OK("DA", "19991231", 1);
    OK("DA", "20240131\\20240430", 2);
    OK("DA", "20240101\\20240102 ", 2); /* even-length pad */
    BAD("DA", "2024-01-01", "'2024-01-01' is not a date YYYYMMDD");
    BAD("DA", "2024.01.01", "not a date YYYYMMDD");
    BAD("DA", "2024010", "not a date YYYYMMDD");
    BAD("DA", "202401011", "not a date YYYYMMDD");
    BAD("DA", "20240101-20240131", "not a date YYYYMMDD"); /* query ranges are not values */
    BAD("DA", "20240101  ", "not a date YYYYMMDD");
    BAD("DA", "20230229", "not a real calendar date", "day 29");
    BAD("DA", "19000229", "not a real calendar date"); /* 1900 is not a leap year */
    BAD("DA", "20241301", "not a real calendar date", "month 13");
    BAD("DA", "20240001", "not a real calendar date", "month 00");
    BAD("DA", "20240431", "not a real calendar date", "day 31");
    BAD("DA", "20240100", "not a real calendar date", "day 00");
    BAD("DA", "20240132", "not a real calendar date");
    BAD("DA", "20240101\\20240230", "value 2 of 2", "not a real calendar date");
}

static void test_tm(void)
{
    OK("TM", "12", 1);
    OK("TM", "1230", 1);
    OK("TM", "123000", 1);
    OK("TM", "000000", 1);
    OK("TM", "235960", 1); /* leap second */
    OK("TM", "123000.1", 1);
    OK("TM", "123000.123456", 1);
    OK("TM", "123000.123456 ", 1);
    OK("TM", "0800\\1730", 2);
    BAD("TM", "12:30:00", "colons", "HHMMSS");
    BAD("TM", "12:30", "HHMMSS");
    BAD("TM", "24", "hour 24", "00-23");
    BAD("TM", "2400", "hour 24");
    BAD("TM", "1260", "minute 60", "00-59");
    BAD("TM", "123061", "second 61", "00-60");
    BAD("TM", "1", "not a time HH[MM[SS[.F{1,6}]]]");
    BAD("TM", "123", "not a time");
    BAD("TM", "1230.5", "not a time");
    BAD("TM", "123000.", "not a time");
    BAD("TM", "123000.1234567", "not a time");
    BAD("TM", "1234567", "not a time");
    BAD("TM", "12a0", "not a time");
    BAD("TM", " 1230", "not a time");
    BAD("TM", "1230  ", "not a time");
    BAD("TM", "1200\\2500", "value 2 of 2", "hour 25");
}

static void test_dt(void)
{
    OK("DT", "2024", 1);
    OK("DT", "202402", 1);
    OK("DT", "20240229", 1);
    OK("DT", "2024022913", 1);
    OK("DT", "202402291330", 1);
    OK("DT", "20240229133059", 1);
    OK("DT", "20240229133060.5", 1);
    OK("DT", "20240229133059.123456+0100", 1); /* 26 characters */
    OK("DT", "2024+0100", 1);
    OK("DT", "20240101-1200", 1);
    OK("DT", "20240101+1400", 1);
    OK("DT", "20240101+0545", 1);
    OK("DT", "20240101-0000", 1);
    OK("DT", "2024\\2025 ", 2);
    BAD("DT", "2024-01-01", "not a date-time YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]");
    BAD("DT", "20240", "not a date-time");
    BAD("DT", "202401011", "not a date-time");
    BAD("DT", "20240101120", "not a date-time");
    BAD("DT", "2024010112.5", "not a date-time");
    BAD("DT", "20240101120000.", "not a date-time");
    BAD("DT", "20240101120000.1234567", "not a date-time");
    BAD("DT", "20240101+01", "not a date-time");
    BAD("DT", "20240101+01000", "not a date-time");
    BAD("DT", "20240101 120000", "not a date-time");
    BAD("DT", "202413", "not a real calendar date", "month 13");
    BAD("DT", "20230229", "not a real calendar date", "day 29");
    BAD("DT", "2024010124", "hour 24");
    BAD("DT", "202401011260", "minute 60");
    BAD("DT", "20240101120061", "second 61");
    BAD("DT", "20240101+1401", "UTC offset +1401", "-1200 and +1400");
    BAD("DT", "20240101-1201", "UTC offset -1201");
    BAD("DT", "20240101+1500", "UTC offset");
    BAD("DT", "20240101+0160", "UTC offset minutes 60", "00-59");
}

static void test_ds(void)
{
    OK("DS", "1", 1);
    OK("DS", "-1.5", 1);
    OK("DS", "+.5", 1);
    OK("DS", "1.", 1);
    OK("DS", "1e5", 1);
    OK("DS", "1.5E-10", 1);
    OK("DS", "-2.5e+300", 1);
    OK("DS", " 1.5 ", 1);
    OK("DS", "   1.23456789012", 1); /* 16 characters, spaces count */
    OK("DS", "0.5\\-0.5\\1e3", 3);
    OK("DS", "  ", 1); /* padding only: an empty value */
    BAD("DS", "    1.23456789012", "17 characters", "at most 16");
    BAD("DS", "12345678901234567", "at most 16");
    BAD("DS", "1.5.2", "not a decimal string");
    BAD("DS", ".", "not a decimal string");
    BAD("DS", "-", "not a decimal string");
    BAD("DS", "e5", "not a decimal string");
    BAD("DS", "1e", "not a decimal string");
    BAD("DS", "1e+", "not a decimal string");
    BAD("DS", "1 5", "not a decimal string");
    BAD("DS", "1,5", "not a decimal string");
    BAD("DS", "NaN", "not a decimal string");
    BAD("DS", "inf", "not a decimal string");
    BAD("DS", "0x10", "not a decimal string");
    BAD("DS", "1.5\\abc", "value 2 of 2", "not a decimal string");
}

static void test_is(void)
{
    OK("IS", "0", 1);
    OK("IS", "-2147483648", 1);
    OK("IS", "2147483647", 1);
    OK("IS", " +12 ", 1);
    OK("IS", "     1      ", 1); /* 12 characters */
    OK("IS", "1\\-2\\+3", 3);
    BAD("IS", "2147483648", "out of range -2147483648..2147483647");
    BAD("IS", "-2147483649", "out of range");
    BAD("IS", "999999999999", "out of range");
    BAD("IS", "      1      ", "13 characters", "at most 12");
    BAD("IS", "1.0", "not an integer string");
    BAD("IS", "1e3", "not an integer string");
    BAD("IS", "+", "not an integer string");
    BAD("IS", "- 1", "not an integer string");
    BAD("IS", "1 2", "not an integer string");
    BAD("IS", "7\\x", "value 2 of 2", "not an integer string");
}

static void test_ui(void)
{
    char *uid64 = repeat("1.", 31, "23"); /* 64 characters */
    char *uid65 = repeat("1.", 31, "234");

    OK("UI", "1.2.840.10008.1.2.1", 1);
    OK("UI", "1.0.2", 1);
    OK("UI", "0", 1);
    OK("UI", "1.2.840.10008.1.2\0", 1); /* NUL pad */
    OK("UI", "1.2\\1.3\0", 2);
    OKN("UI", uid64, 64, 1);
    BADN("UI", uid65, 65, "65 characters", "at most 64");
    BAD("UI", "1.02.3", "'1.02.3' has a component with a leading zero");
    BAD("UI", "01.2", "leading zero");
    BAD("UI", "1.2.00", "leading zero");
    BAD("UI", "1..2", "empty component");
    BAD("UI", ".1.2", "must not start with a dot");
    BAD("UI", "1.2.", "must not end with a dot");
    BAD("UI", "1.2a", "other than digits and dots", "position 4");
    BAD("UI", "1.2 ", "digits and dots");
    BAD("UI", "1.2\0\0", "digits and dots"); /* only one pad byte */
    BAD("UI", "1.2\\1.02", "value 2 of 2", "leading zero");
    free(uid64);
    free(uid65);
}

static void test_lo_sh_uc(void)
{
    char *lo64 = repeat("\xC3\xA9", 64, ""); /* 64 characters, 128 bytes */
    char *lo65 = repeat("\xC3\xA9", 65, "");
    char *uc = repeat("abcdefghij", 1000, "");

    OKN("LO", lo64, strlen(lo64), 1);
    BADN("LO", lo65, strlen(lo65), "65 characters", "at most 64");
    OK("LO", "a\\b", 2);
    OK("LO", "esc \x1B$B ok", 1);
    OK("LO", "Name=with^marks", 1);
    BAD("LO", "line\nbreak", "control character 0x0A", "only ESC");
    BAD("LO", "tab\there", "control character 0x09");
    BAD("LO", "nul\0", "control character 0x00");
    BAD("LO", "del\x7F", "control character 0x7F");
    BAD("LO", "ok\\bad\r", "value 2 of 2", "control character 0x0D");

    OK("SH", "1234567890123456", 1);
    OK("SH", "\xE5\xB1\xB1\xE7\x94\xB0", 1);
    BAD("SH", "12345678901234567", "17 characters", "at most 16");
    BAD("SH", "a\fb", "control character 0x0C");

    OKN("UC", uc, strlen(uc), 1);
    OK("UC", "a\\b\\c", 3);
    OK("UC", "\x1B", 1);
    BAD("UC", "a\nb", "control character 0x0A", "only ESC");
    free(lo64);
    free(lo65);
    free(uc);
}

static void test_text(void)
{
    char *lt = repeat("x", 10240, "");
    char *lt_long = repeat("x", 10241, "");
    char *st = repeat("\xE2\x82\xAC", 1024, ""); /* 1024 characters, 3072 bytes */
    char *st_long = repeat("y", 1025, "");
    char *ut = repeat("0123456789", 100000, "");

    OKN("LT", lt, 10240, 1);
    BADN("LT", lt_long, 10241, "10241 characters", "at most 10240");
    OKN("ST", st, strlen(st), 1);
    BADN("ST", st_long, 1025, "1025 characters", "at most 1024");
    OKN("UT", ut, strlen(ut), 1);
    OK("LT", "C:\\path\\file", 1); /* VM 1: backslash is text */
    OK("ST", "a\\b", 1);
    OK("UT", "a\\b\\c", 1);
    OK("LT", "line1\r\nline2\tcol\fpage\x1B", 1);
    OK("ST", "  leading spaces matter  ", 1);
    BAD("LT", "bell\x07", "control character 0x07", "TAB LF FF CR ESC");
    BAD("ST", "\x01", "control character 0x01");
    BAD("UT", "vt\x0B", "control character 0x0B");
    BAD("UT", "nul\0", "control character 0x00");
    free(lt);
    free(lt_long);
    free(st);
    free(st_long);
    free(ut);
}

static void test_ur(void)
{
    OK("UR", "http://example.com/a?b=c", 1);
    OK("UR", "http://example.com/  ", 1); /* trailing spaces */
    BAD("UR", "http://example.com/a b", "space that is not trailing");
    BAD("UR", " http://example.com/", "space that is not trailing");
    BAD("UR", "http://x/\\y", "backslash");
    BAD("UR", "http://x/\n", "control character 0x0A");
    BAD("UR", "http://caf\xC3\xA9.fr/", "non-ASCII");
}

static void test_pn(void)
{
    char *group64 = repeat("\xE5\xB1\xB1", 64, ""); /* 64 characters */
    char *group65 = repeat("a", 65, "");
    char *three = repeat("a", 64, "=");
    char *both;

    OK("PN", "Doe^John", 1);
    OK("PN", "Doe^John^Q^Dr^Jr", 1);
    OK("PN", "Doe^John\\Smith^Jane", 2);
    OK("PN", "Yamada^Tarou=\xE5\xB1\xB1\xE7\x94\xB0^\xE5\xA4\xAA\xE9\x83\x8E=\xE3\x82\x84\xE3\x81\xBE\xE3\x81\xA0", 1);
    OK("PN", "==", 1);
    OK("PN", "a\x1B$Bb", 1);
    OKN("PN", group64, strlen(group64), 1);
    BADN("PN", group65, 65, "component group 1 of 65 characters", "at most 64");
    /* 64 + "=" + 64 + "=" + 65: only the third group is too long */
    both = malloc(64 * 2 + 2 + 65 + 1);
    if (both == NULL) abort();
    sprintf(both, "%s%s%s", three, three, group65);
    BADN("PN", both, strlen(both), "component group 3 of 65 characters");
    BAD("PN", "a=b=c=d", "has 4 component groups, at most 3 allowed");
    BAD("PN", "A^B^C^D^E^F", "component group 1 with 6 components, at most 5 allowed");
    BAD("PN", "ok=A^B^C^D^E^F", "component group 2 with 6 components");
    BAD("PN", "Doe\nJohn", "control character 0x0A", "only ESC");
    BAD("PN", "Doe^John\\a=b=c=d", "value 2 of 2", "4 component groups");
    free(group64);
    free(group65);
    free(three);
    free(both);
}

static void test_message_shape(void)
{
    dk_error err = {DK_OK, ""};
    char *long_bad = repeat("A", 60, "-");

    CHECK(dk_vr_check_string("DA", S("2024-01-01"), "PatientBirthDate (0010,0030)", NULL, &err) == DK_EINVAL);
    CHECK(strcmp(err.message, "PatientBirthDate (0010,0030): DA value '2024-01-01' is not a date YYYYMMDD") == 0);
    CHECK(dk_vr_check_string("UI", S("1.02.3"), "SOPInstanceUID (0008,0018)", NULL, &err) == DK_EINVAL);
    CHECK(strcmp(err.message,
                 "SOPInstanceUID (0008,0018): UI value '1.02.3' has a component with a leading zero") == 0);
    CHECK(dk_vr_check_string("PN", S("a=b=c=d"), "PatientName (0010,0010)", NULL, &err) == DK_EINVAL);
    CHECK(message_has(&err, "PatientName (0010,0010): PN value", "has 4 component groups, at most 3 allowed"));
    CHECK(dk_vr_check_string("CS", S("A\\B\\c"), "ImageType (0008,0008)", NULL, &err) == DK_EINVAL);
    CHECK(message_has(&err, "ImageType (0008,0008): CS value 3 of 3 'c'", NULL));

    /* long values are cut to 40 characters */
    CHECK(dk_vr_check_string("CS", long_bad, strlen(long_bad), WHAT, NULL, &err) == DK_EINVAL);
    CHECK(strstr(err.message, "'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...'") != NULL);
    CHECK(strlen(err.message) < 200);
    free(long_bad);

    /* success leaves err alone */
    err.code = DK_EIO;
    strcpy(err.message, "earlier");
    CHECK(dk_vr_check_string("DA", S("20240101"), WHAT, NULL, &err) == DK_OK && err.code == DK_EIO &&
          strcmp(err.message, "earlier") == 0);
}

/* ------------------------------------------------------------------------ */

static int vm_ok(unsigned vm, const char *spec)
{
    dk_error err = {DK_OK, ""};
    return dk_vr_check_vm(vm, spec, WHAT, &err) == DK_OK && err.code == DK_OK;
}

static int vm_bad(unsigned vm, const char *spec, const char *word1, const char *word2)
{
    dk_error err = {DK_OK, ""};
    return dk_vr_check_vm(vm, spec, WHAT, &err) == DK_EINVAL && err.code == DK_EINVAL &&
           message_has(&err, WHAT, word1) && (word2 == NULL || strstr(err.message, word2) != NULL);
}

static void test_vm(void)
{
    CHECK(vm_ok(1, "1"));
    CHECK(vm_bad(2, "1", "has 2 values, VM 1 needs exactly 1 value", NULL));
    CHECK(vm_ok(6, "6"));
    CHECK(vm_bad(5, "6", "exactly 6 values", NULL));
    CHECK(vm_ok(1, "1-2") && vm_ok(2, "1-2"));
    CHECK(vm_bad(3, "1-2", "VM 1-2", "1 to 2 values"));
    CHECK(vm_ok(3, "1-3"));
    CHECK(vm_bad(4, "1-3", "1 to 3 values", NULL));
    CHECK(vm_ok(1, "1-n") && vm_ok(1000000, "1-n"));
    CHECK(vm_ok(2, "2-n"));
    CHECK(vm_bad(1, "2-n", "has 1 value, VM 2-n", "at least 2 values"));
    CHECK(vm_ok(2, "2-2n") && vm_ok(4, "2-2n") && vm_ok(100, "2-2n"));
    CHECK(vm_bad(3, "2-2n", "multiple of 2", "at least 2"));
    CHECK(vm_bad(1, "2-2n", "VM 2-2n", NULL));
    CHECK(vm_ok(3, "3-3n") && vm_ok(6, "3-3n"));
    CHECK(vm_bad(4, "3-3n", "multiple of 3", NULL));
    CHECK(vm_ok(16, "1-32"));
    CHECK(vm_bad(33, "1-32", "1 to 32 values", NULL));

    /* vm 0 always passes, whatever the spec */
    CHECK(vm_ok(0, "1") && vm_ok(0, "2-2n") && vm_ok(0, "6") && vm_ok(0, "junk") && vm_ok(0, NULL));

    CHECK(vm_bad(1, "", "not understood", NULL));
    CHECK(vm_bad(1, "n", "not understood", NULL));
    CHECK(vm_bad(1, "0", "not understood", NULL));
    CHECK(vm_bad(1, "1-", "not understood", NULL));
    CHECK(vm_bad(1, "2-1", "not understood", NULL));
    CHECK(vm_bad(1, "1-2-3", "not understood", NULL));
    CHECK(vm_bad(1, "1-2x", "not understood", NULL));
    CHECK(vm_bad(1, "1-0n", "not understood", NULL));
    CHECK(vm_bad(1, "99999999999", "not understood", NULL));
    CHECK(vm_bad(1, NULL, "not understood", NULL));
    CHECK(dk_vr_check_vm(2, "1", NULL, NULL) == DK_EINVAL);
}

/* ------------------------------------------------------------------------ */

static int int_ok(const char *vr, long long v)
{
    dk_error err = {DK_OK, ""};
    return dk_vr_check_integer(vr, v, WHAT, &err) == DK_OK && err.code == DK_OK;
}

static int int_bad(const char *vr, long long v, const char *words)
{
    dk_error err = {DK_OK, ""};
    return dk_vr_check_integer(vr, v, WHAT, &err) == DK_EINVAL && message_has(&err, WHAT, words);
}

static void test_integer(void)
{
    CHECK(int_ok("US", 0) && int_ok("US", 65535));
    CHECK(int_bad("US", -1, "US value -1 is out of range 0..65535"));
    CHECK(int_bad("US", 65536, "out of range 0..65535"));
    CHECK(int_ok("SS", -32768) && int_ok("SS", 32767));
    CHECK(int_bad("SS", -32769, "SS value -32769 is out of range -32768..32767"));
    CHECK(int_bad("SS", 32768, "out of range"));
    CHECK(int_ok("UL", 0) && int_ok("UL", 4294967295LL));
    CHECK(int_bad("UL", 4294967296LL, "out of range 0..4294967295"));
    CHECK(int_bad("UL", -1, "out of range"));
    CHECK(int_ok("SL", INT32_MIN) && int_ok("SL", INT32_MAX));
    CHECK(int_bad("SL", (long long)INT32_MAX + 1, "out of range -2147483648..2147483647"));
    CHECK(int_bad("SL", (long long)INT32_MIN - 1, "out of range"));
    CHECK(int_ok("IS", INT32_MIN) && int_ok("IS", INT32_MAX));
    CHECK(int_bad("IS", (long long)INT32_MAX + 1, "IS value 2147483648 is out of range"));
    CHECK(int_bad("IS", (long long)INT32_MIN - 1, "out of range"));
    CHECK(int_ok("SV", LLONG_MIN) && int_ok("SV", LLONG_MAX) && int_ok("SV", 0));
    CHECK(int_ok("UV", 0) && int_ok("UV", LLONG_MAX));
    CHECK(int_bad("UV", -1, "UV value -1 is out of range 0..18446744073709551615"));
    CHECK(int_bad("FL", 1, "not an integer VR"));
    CHECK(int_bad("DS", 1, "not an integer VR"));
    CHECK(int_bad("us", 1, "not an integer VR"));
    CHECK(int_bad(NULL, 1, "not an integer VR"));
    CHECK(dk_vr_check_integer("US", 70000, NULL, NULL) == DK_EINVAL);
}

/* ------------------------------------------------------------------------ */

static double abs_diff(double a, double b)
{
    return a > b ? a - b : b - a;
}

static int ds_is(double v, const char *want)
{
    char out[17];
    dk_error err = {DK_OK, ""};
    int rc = dk_vr_format_ds(v, out, WHAT, &err);

    if (rc == DK_OK && strcmp(out, want) == 0) return 1;
    fprintf(stderr, "format_ds(%.17g): want '%s', got rc=%d '%s' %s\n", v, want, rc, out, err.message);
    return 0;
}

/* Output fits, is a valid DS and reads back finite and at least as close to v
 * as any "%.Ng" text of at most 16 characters (a brute-force reference). */
static int ds_sound(double v)
{
    char out[17], ref[64];
    double back, best_ref = INFINITY;
    int rc = dk_vr_format_ds(v, out, WHAT, NULL);

    if (rc != DK_OK || strlen(out) > 16) return 0;
    if (dk_vr_check_string("DS", out, strlen(out), WHAT, NULL, NULL) != DK_OK) return 0;
    back = strtod(out, NULL);
    if (!isfinite(back)) return 0;
    for (int p = 1; p <= 17; p++) {
        double r;
        snprintf(ref, sizeof ref, "%.*g", p, v);
        r = strtod(ref, NULL);
        if (strlen(ref) <= 16 && isfinite(r) && abs_diff(r, v) < best_ref) best_ref = abs_diff(r, v);
    }
    if (abs_diff(back, v) <= best_ref) return 1;
    fprintf(stderr, "format_ds(%.17g) = '%s' is farther than a %%g form (%g > %g)\n", v, out, abs_diff(back, v),
            best_ref);
    return 0;
}

static double power_of_ten(int e)
{
    double r = 1.0;
    for (; e > 0; e--) r *= 10.0;
    for (; e < 0; e++) r /= 10.0;
    return r;
}

static double random_double(void)
{
    uint64_t bits = 0;
    double d;
    for (int i = 0; i < 4; i++) bits = (bits << 16) ^ (uint64_t)(rand() & 0xFFFF);
    memcpy(&d, &bits, sizeof d);
    return d;
}

static void test_format_ds(void)
{
    char out[17];
    dk_error err = {DK_OK, ""};
    int sound = 1;

    CHECK(ds_is(0.0, "0"));
    CHECK(ds_is(-0.0, "0"));
    CHECK(ds_is(1.0, "1"));
    CHECK(ds_is(-1.5, "-1.5"));
    CHECK(ds_is(0.1, "0.1"));
    CHECK(ds_is(1000.0, "1000"));
    CHECK(ds_is(0.0001, "0.0001"));
    CHECK(ds_is(0.00001, "1e-5"));
    CHECK(ds_is(1.5e-7, "1.5e-7"));
    CHECK(ds_is(123456.789, "123456.789"));
    CHECK(ds_is(1e15, "1000000000000000"));
    CHECK(ds_is(1e16, "1e16"));
    CHECK(ds_is(1.5e300, "1.5e300"));
    CHECK(ds_is(-2.5e-300, "-2.5e-300"));
    CHECK(ds_is(5e-324, "5e-324"));
    CHECK(ds_is(0.1 + 0.2, "0.3"));              /* 0.30000000000000004 needs 19 characters */
    CHECK(ds_is(1.0 / 3.0, "0.33333333333333")); /* 16 characters */
    CHECK(ds_is(-1.0 / 3.0, "-0.3333333333333"));
    CHECK(ds_is(2.0 / 3.0, "0.66666666666667"));
    CHECK(ds_is(1234567890123456.0, "1234567890123456"));
    CHECK(ds_is(12345678901234567.0, "1.23456789012e16"));
    CHECK(ds_is(DBL_MAX, "1.79769313e308")); /* 10 and 11 digits round up to infinity */
    CHECK(ds_is(-DBL_MAX, "-1.79769313e308"));
    CHECK(ds_sound(DBL_MAX) && ds_sound(-DBL_MAX) && ds_sound(DBL_MIN) && ds_sound(-5e-324));
    CHECK(ds_sound(3.141592653589793) && ds_sound(-2.718281828459045) && ds_sound(6.02214076e23) && ds_sound(1.6e-19));

    srand(12345);
    for (int i = 0; i < 30000 && sound; i++) {
        double v = random_double();
        if (!isfinite(v)) continue;
        sound = ds_sound(v);
    }
    CHECK(sound);
    for (int i = 0; i < 30000 && sound; i++) { /* everyday magnitudes */
        double v = ((double)rand() / RAND_MAX - 0.5) * power_of_ten(rand() % 24 - 12);
        sound = ds_sound(v);
    }
    CHECK(sound);

    CHECK(dk_vr_format_ds(NAN, out, WHAT, &err) == DK_EINVAL && message_has(&err, WHAT, "NaN") && out[0] == '\0');
    CHECK(dk_vr_format_ds(INFINITY, out, WHAT, &err) == DK_EINVAL && message_has(&err, WHAT, "infinity"));
    CHECK(dk_vr_format_ds(-INFINITY, out, WHAT, &err) == DK_EINVAL && message_has(&err, "infinity", NULL));
    CHECK(dk_vr_format_ds(1.0, out, NULL, NULL) == DK_OK && strcmp(out, "1") == 0);
}

/* With a comma-decimal locale the output must still use '.'. Skipped when no
 * such locale is installed. */
static void test_format_ds_locale(void)
{
    static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE"};
    char out[17];

    for (size_t i = 0; i < COUNT(locales); i++) {
        if (setlocale(LC_NUMERIC, locales[i]) == NULL) continue;
        CHECK(dk_vr_format_ds(-1.25, out, WHAT, NULL) == DK_OK && strcmp(out, "-1.25") == 0);
        CHECK(dk_vr_format_ds(1.0 / 3.0, out, WHAT, NULL) == DK_OK && strcmp(out, "0.33333333333333") == 0);
        setlocale(LC_NUMERIC, "C");
        return;
    }
    printf("note: no comma-decimal locale installed, locale test skipped\n");
}

int main(void)
{
    test_utf8();
    test_invalid_utf8_every_vr();
    test_vr_names();
    test_empty_values();
    test_ae();
    test_as();
    test_cs();
    test_da();
    test_tm();
    test_dt();
    test_ds();
    test_is();
    test_ui();
    test_lo_sh_uc();
    test_text();
    test_ur();
    test_pn();
    test_message_shape();
    test_vm();
    test_integer();
    test_format_ds();
    test_format_ds_locale();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}

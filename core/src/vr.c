/* dicomkit: Value Representation checks, see dicomkit/vr.h for the contract. */
#include "dicomkit/vr.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOW_CHARS 40             /* characters of the offending value quoted in messages */
#define MAX_32BIT_LENGTH 4294967294UL /* largest even value that fits a 32-bit length field */

/* ------------------------------------------------------------------------ */
/* UTF-8                                                                     */

/* Length of the well-formed UTF-8 character starting at s (avail bytes left),
 * or 0 when the bytes there are not one. The second-byte bounds carry the
 * overlong, surrogate and > U+10FFFF exclusions (Unicode Table 3-7). */
static size_t utf8_char_len(const unsigned char *s, size_t avail)
{
    unsigned char b = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;

    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) n = 2;
    else if (b >= 0xE0 && b <= 0xEF) n = 3;
    else if (b >= 0xF0 && b <= 0xF4) n = 4;
    else return 0;

    if (b == 0xE0) lo = 0xA0;      /* overlong 3-byte */
    else if (b == 0xED) hi = 0x9F; /* UTF-16 surrogates */
    else if (b == 0xF0) lo = 0x90; /* overlong 4-byte */
    else if (b == 0xF4) hi = 0x8F; /* above U+10FFFF */

    if (avail < n || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return n;
}

int dk_utf8_valid(const char *s, size_t len, size_t *bad_offset)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        size_t n = utf8_char_len(u + i, len - i);
        if (n == 0) {
            if (bad_offset != NULL) *bad_offset = i;
            return 0;
        }
        i += n;
    }
    return 1;
}

int dk_has_non_ascii(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80) return 1;
    return 0;
}

/* Code points in already validated UTF-8: every byte except continuation bytes. */
static size_t utf8_count_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                  */

static const char *element_name(const char *what)
{
    return what != NULL ? what : "(unnamed element)";
}

static int is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7F;
}

/* Quote at most SHOW_CHARS characters of a value for a message: control bytes
 * (and any byte >= 0x80 when the value is not valid UTF-8) become \xNN so the
 * message itself stays printable UTF-8. */
static void show_value(const char *s, size_t len, int utf8_ok, char *out, size_t cap)
{
    size_t o = 0, i = 0, shown = 0;

    while (i < len && shown < SHOW_CHARS && o + 8 < cap) {
        unsigned char c = (unsigned char)s[i];
        size_t n = (c >= 0x80 && utf8_ok) ? utf8_char_len((const unsigned char *)s + i, len - i) : 1;
        if (n == 0 || is_control(c) || (c >= 0x80 && !utf8_ok)) {
            n = 1;
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
        } else {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
        shown++;
    }
    if (i < len && o + 4 <= cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Where the value being checked sits, so a refusal can say so. */
typedef struct vctx {
    const char *vr;
    const char *what;
    dk_error *err;
    const char *val; /* the individual value */
    size_t len;
    unsigned index;  /* 1-based position among count values */
    unsigned count;
} vctx;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int refuse(const vctx *c, const char *fmt, ...)
{
    char rule[256], shown[SHOW_CHARS * 4 + 8];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(rule, sizeof rule, fmt, ap);
    va_end(ap);
    show_value(c->val, c->len, 1, shown, sizeof shown);
    if (c->count > 1)
        return dk_error_set(c->err, DK_EINVAL, "%s: %s value %u of %u '%s' %s", element_name(c->what),
                            c->vr, c->index, c->count, shown, rule);
    return dk_error_set(c->err, DK_EINVAL, "%s: %s value '%s' %s", element_name(c->what), c->vr, shown,
                        rule);
}

/* ------------------------------------------------------------------------ */
/* Character-class helpers                                                   */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i])) return 0;
    return 1;
}

/* Two ASCII digits as a number; the caller has checked they are digits. */
static int two_digits(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int four_digits(const char *s)
{
    return two_digits(s) * 100 + two_digits(s + 2);
}

/* Refuse control characters, letting through those listed in `allowed`. */
static int check_controls(const vctx *c, const char *allowed, const char *allowed_words)
{
    for (size_t i = 0; i < c->len; i++) {
        unsigned char ch = (unsigned char)c->val[i];
        if (is_control(ch) && (ch == 0 || strchr(allowed, ch) == NULL))
            return refuse(c, "contains control character 0x%02X, %s allows %s", ch, c->vr, allowed_words);
    }
    return DK_OK;
}

static int check_ascii(const vctx *c)
{
    if (dk_has_non_ascii(c->val, c->len))
        return refuse(c, "contains a non-ASCII character, %s allows only the default character repertoire",
                      c->vr);
    return DK_OK;
}

/* ------------------------------------------------------------------------ */
/* Calendar and clock parts (shared by DA, TM, DT)                           */

static int is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && is_leap_year(y)) ? 29 : days[m - 1];
}

/* Range of month and day in "YYYYMM[DD]" (n = 6 or 8 digits, already checked to be digits). */
static int check_date_parts(const vctx *c, const char *s, size_t n)
{
    int y = four_digits(s), m = two_digits(s + 4);

    if (m < 1 || m > 12)
        return refuse(c, "is not a real calendar date: month %02d is not 01-12", m);
    if (n >= 8) {
        int d = two_digits(s + 6);
        if (d < 1 || d > days_in_month(y, m))
            return refuse(c, "is not a real calendar date: day %02d is not 01-%02d for %04d-%02d", d,
                          days_in_month(y, m), y, m);
    }
    return DK_OK;
}

/* Length of a clock part at s: "HH[MM[SS[.F{1,6}]]]" as far as it goes, or 0 when
 * its shape is wrong (odd digit count, empty or > 6 digit fraction, fraction before SS). */
static size_t clock_shape(const char *s, size_t n)
{
    size_t digits = 0;

    while (digits < n && digits < 6 && is_digit(s[digits])) digits++;
    if (digits == 0 || digits % 2 != 0) return 0;
    if (digits < n && s[digits] == '.') {
        size_t f = 0;
        if (digits != 6) return 0;
        while (digits + 1 + f < n && is_digit(s[digits + 1 + f])) f++;
        if (f < 1 || f > 6) return 0;
        return digits + 1 + f;
    }
    return digits;
}

/* Hour, minute, second ranges of a clock part whose shape clock_shape accepted. */
static int check_clock_parts(const vctx *c, const char *s, size_t n)
{
    if (two_digits(s) > 23) return refuse(c, "has hour %02d, must be 00-23", two_digits(s));
    if (n >= 4 && two_digits(s + 2) > 59) return refuse(c, "has minute %02d, must be 00-59", two_digits(s + 2));
    if (n >= 6 && two_digits(s + 4) > 60) return refuse(c, "has second %02d, must be 00-60", two_digits(s + 4));
    return DK_OK;
}

/* ------------------------------------------------------------------------ */
/* Per-VR checks of one individual value (already valid UTF-8, length checked) */

static int check_ae(const vctx *c)
{
    int rc;
    size_t i = 0;

    if ((rc = check_ascii(c)) != DK_OK) return rc;
    if ((rc = check_controls(c, "", "no control characters")) != DK_OK) return rc;
    while (i < c->len && c->val[i] == ' ') i++;
    if (c->len > 0 && i == c->len) return refuse(c, "consists only of spaces, not allowed in AE");
    return DK_OK;
}

static int check_as(const vctx *c)
{
    if (c->len == 0) return DK_OK;
    if (c->len != 4 || !all_digits(c->val, 3) || c->val[3] == '\0' || strchr("DWMY", c->val[3]) == NULL)
        return refuse(c, "is not an age nnnD, nnnW, nnnM or nnnY");
    return DK_OK;
}

static int check_cs(const vctx *c)
{
    for (size_t i = 0; i < c->len; i++) {
        char ch = c->val[i];
        if (!((ch >= 'A' && ch <= 'Z') || is_digit(ch) || ch == ' ' || ch == '_'))
            return refuse(c, "has a character other than A-Z 0-9 space underscore at position %zu",
                          utf8_count_chars(c->val, i) + 1);
    }
    return DK_OK;
}

static int check_da(const vctx *c)
{
    if (c->len == 0) return DK_OK;
    if (c->len != 8 || !all_digits(c->val, 8)) return refuse(c, "is not a date YYYYMMDD");
    return check_date_parts(c, c->val, 8);
}

static int check_tm(const vctx *c)
{
    size_t n;

    if (c->len == 0) return DK_OK;
    if (memchr(c->val, ':', c->len) != NULL)
        return refuse(c, "has colons, TM must be HHMMSS[.FFFFFF] without separators");
    n = clock_shape(c->val, c->len);
    if (n == 0 || n != c->len) return refuse(c, "is not a time HH[MM[SS[.F{1,6}]]]");
    return check_clock_parts(c, c->val, n);
}

/* "&ZZXX" of DT: sign, hours, minutes; -1200 to +1400 as PS3.5 allows. */
static int check_utc_offset(const vctx *c, const char *s)
{
    int h = two_digits(s + 1), m = two_digits(s + 3);
    int minutes = (h * 60 + m) * (s[0] == '-' ? -1 : 1);

    if (m > 59) return refuse(c, "has UTC offset minutes %02d, must be 00-59", m);
    if (minutes < -12 * 60 || minutes > 14 * 60)
        return refuse(c, "has UTC offset %.5s, must be between -1200 and +1400", s);
    return DK_OK;
}

static int check_dt(const vctx *c)
{
    static const char shape[] = "is not a date-time YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]";
    const char *s = c->val;
    size_t n = c->len, date = 0, clock = 0;
    int rc;

    if (n == 0) return DK_OK;
    if (n >= 5 && (s[n - 5] == '+' || s[n - 5] == '-') && all_digits(s + n - 4, 4)) n -= 5;
    while (date < n && date < 8 && is_digit(s[date])) date++;
    if (date != 4 && date != 6 && date != 8) return refuse(c, "%s", shape);
    if (date == 8 && n > 8) {
        clock = clock_shape(s + 8, n - 8);
        if (clock == 0) return refuse(c, "%s", shape);
    }
    if (date + clock != n) return refuse(c, "%s", shape);
    if (date >= 6 && (rc = check_date_parts(c, s, date)) != DK_OK) return rc;
    if (clock > 0 && (rc = check_clock_parts(c, s + 8, clock)) != DK_OK) return rc;
    if (n != c->len) return check_utc_offset(c, s + n);
    return DK_OK;
}

/* The value without leading and trailing spaces (DS and IS allow both). */
static void trim_spaces(const char **s, size_t *n)
{
    while (*n > 0 && (*s)[0] == ' ') { (*s)++; (*n)--; }
    while (*n > 0 && (*s)[*n - 1] == ' ') (*n)--;
}

static size_t count_digits(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_digit(s[i])) i++;
    return i;
}

/* [+-]?(digits[.digits*]|.digits)([eE][+-]?digits)? over all of s[0..n). */
static int is_decimal_string(const char *s, size_t n)
{
    size_t i = 0, intd, fracd = 0, expd;

    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    intd = count_digits(s + i, n - i);
    i += intd;
    if (i < n && s[i] == '.') {
        i++;
        fracd = count_digits(s + i, n - i);
        i += fracd;
    }
    if (intd == 0 && fracd == 0) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        expd = count_digits(s + i, n - i);
        if (expd == 0) return 0;
        i += expd;
    }
    return i == n;
}

static int check_ds(const vctx *c)
{
    const char *s = c->val;
    size_t n = c->len;

    trim_spaces(&s, &n);
    if (n > 0 && !is_decimal_string(s, n))
        return refuse(c, "is not a decimal string [+-]digits[.digits][E[+-]digits]");
    return DK_OK;
}

static int check_is(const vctx *c)
{
    const char *s = c->val;
    size_t n = c->len, sign = 0;
    long long v = 0;

    trim_spaces(&s, &n);
    if (n == 0) return DK_OK;
    if (s[0] == '+' || s[0] == '-') sign = 1;
    if (n == sign || !all_digits(s + sign, n - sign)) return refuse(c, "is not an integer string [+-]digits");
    /* the syntax is checked before the length, so the digits may be many: more than 10
     * significant ones are out of range whatever they are, and fewer fit a long long */
    while (sign < n - 1 && s[sign] == '0') sign++;
    if (n - sign > 10)
        return refuse(c, "is out of range %ld..%ld for IS", (long)INT32_MIN, (long)INT32_MAX);
    for (size_t i = sign; i < n; i++) v = v * 10 + (s[i] - '0');
    if (s[0] == '-') v = -v;
    if (v < INT32_MIN || v > INT32_MAX)
        return refuse(c, "is out of range %ld..%ld for IS", (long)INT32_MIN, (long)INT32_MAX);
    return DK_OK;
}

static int check_ui(const vctx *c)
{
    const char *s = c->val;
    size_t n = c->len;

    if (n == 0) return DK_OK;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]) && s[i] != '.')
            return refuse(c, "has a character other than digits and dots (at position %zu)",
                          utf8_count_chars(s, i) + 1);
    if (s[0] == '.') return refuse(c, "must not start with a dot");
    if (s[n - 1] == '.') return refuse(c, "must not end with a dot");
    for (size_t i = 0; i < n; i++) {
        int starts_component = (i == 0 || s[i - 1] == '.');
        if (s[i] == '.' && i > 0 && s[i - 1] == '.') return refuse(c, "has an empty component");
        if (starts_component && s[i] == '0' && i + 1 < n && is_digit(s[i + 1]))
            return refuse(c, "has a component with a leading zero");
    }
    return DK_OK;
}

static int check_lo_sh_uc(const vctx *c)
{
    return check_controls(c, "\x1B", "only ESC among control characters");
}

static int check_text(const vctx *c)
{
    return check_controls(c, "\t\n\f\r\x1B", "only TAB LF FF CR ESC among control characters");
}

static int check_ur(const vctx *c)
{
    const char *sp;
    int rc;

    if ((rc = check_ascii(c)) != DK_OK) return rc;
    if ((rc = check_controls(c, "", "no control characters")) != DK_OK) return rc;
    if (memchr(c->val, '\\', c->len) != NULL) return refuse(c, "contains a backslash, not allowed in UR");
    sp = memchr(c->val, ' ', c->len);
    if (sp != NULL)
        for (size_t i = (size_t)(sp - c->val); i < c->len; i++)
            if (c->val[i] != ' ') return refuse(c, "contains a space that is not trailing, not allowed in UR");
    return DK_OK;
}

/* One PN component group: at most 64 characters, at most 5 '^'-separated components. */
static int check_pn_group(const vctx *c, const char *g, size_t n, unsigned group)
{
    size_t chars = utf8_count_chars(g, n);
    unsigned comps = 1;

    if (chars > 64)
        return refuse(c, "has component group %u of %zu characters, at most 64 allowed", group, chars);
    for (size_t i = 0; i < n; i++)
        if (g[i] == '^') comps++;
    if (comps > 5)
        return refuse(c, "has component group %u with %u components, at most 5 allowed", group, comps);
    return DK_OK;
}

static int check_pn(const vctx *c)
{
    size_t start = 0;
    unsigned groups = 1;
    int rc;

    if ((rc = check_controls(c, "\x1B", "only ESC among control characters")) != DK_OK) return rc;
    for (size_t i = 0; i < c->len; i++)
        if (c->val[i] == '=') groups++;
    if (groups > 3) return refuse(c, "has %u component groups, at most 3 allowed", groups);
    for (unsigned g = 1; g <= groups; g++) {
        const char *eq = memchr(c->val + start, '=', c->len - start);
        size_t stop = eq != NULL ? (size_t)(eq - c->val) : c->len;
        if ((rc = check_pn_group(c, c->val + start, stop - start, g)) != DK_OK) return rc;
        start = stop + 1;
    }
    return DK_OK;
}

/* ------------------------------------------------------------------------ */
/* VR table                                                                  */

#define NO_PAD (-1)
#define NO_LIMIT MAX_32BIT_LENGTH

typedef int (*value_check)(const vctx *c);

/* One row per VR: the shared facts (dicomkit/vr.h) and, for text VRs, the value rules. */
typedef struct vr_row {
    dk_vr_facts facts;
    size_t max_chars; /* per individual value, padding included */
    int pad;          /* one trailing pad byte tolerated on the whole value, or NO_PAD */
    value_check check;
} vr_row;

#define TEXT(name, multi, short_length, non_ascii, max, pad, check)                               \
    {{name, DK_KIND_STRING, 0, 0, multi, short_length, non_ascii}, max, pad, check}
#define NUMBER_TEXT(name, max, check)                                                            \
    {{name, DK_KIND_STRING, 0, 1, 1, 1, 0}, max, NO_PAD, check}
#define BINARY(name, kind, size, short_length)                                                   \
    {{name, kind, size, 0, 0, short_length, 0}, 0, NO_PAD, NULL}

/* AS and DA have no length entry: their syntax fixes the length, and saying
 * "is not a date YYYYMMDD" helps more than "is 10 characters long". PS3.5 Table 6.2-1 gives
 * the lengths, 7.1.2 the VRs with a 16-bit length field in explicit VR encodings. */
static const vr_row vr_rows[] = {
    TEXT("AE", 1, 1, 0, 16, NO_PAD, check_ae),
    TEXT("AS", 1, 1, 0, NO_LIMIT, ' ', check_as),
    BINARY("AT", DK_KIND_INTEGER, 4, 1),
    TEXT("CS", 1, 1, 0, 16, NO_PAD, check_cs),
    TEXT("DA", 1, 1, 0, NO_LIMIT, ' ', check_da),
    NUMBER_TEXT("DS", 16, check_ds),
    TEXT("DT", 1, 1, 0, 26, ' ', check_dt),
    BINARY("FD", DK_KIND_FLOAT, 8, 1),
    BINARY("FL", DK_KIND_FLOAT, 4, 1),
    NUMBER_TEXT("IS", 12, check_is),
    TEXT("LO", 1, 1, 1, 64, NO_PAD, check_lo_sh_uc),
    TEXT("LT", 0, 1, 1, 10240, NO_PAD, check_text),
    BINARY("OB", DK_KIND_BYTES, 1, 0),
    BINARY("OD", DK_KIND_BYTES, 8, 0),
    BINARY("OF", DK_KIND_BYTES, 4, 0),
    BINARY("OL", DK_KIND_BYTES, 4, 0),
    BINARY("OV", DK_KIND_BYTES, 8, 0),
    BINARY("OW", DK_KIND_BYTES, 2, 0),
    TEXT("PN", 1, 1, 1, NO_LIMIT, NO_PAD, check_pn), /* limits are per component group */
    TEXT("SH", 1, 1, 1, 16, NO_PAD, check_lo_sh_uc),
    BINARY("SL", DK_KIND_INTEGER, 4, 1),
    BINARY("SQ", DK_KIND_SEQUENCE, 0, 0),
    BINARY("SS", DK_KIND_INTEGER, 2, 1),
    TEXT("ST", 0, 1, 1, 1024, NO_PAD, check_text),
    BINARY("SV", DK_KIND_INTEGER, 8, 0),
    TEXT("TM", 1, 1, 0, 16, ' ', check_tm),
    TEXT("UC", 1, 0, 1, NO_LIMIT, NO_PAD, check_lo_sh_uc),
    TEXT("UI", 1, 1, 0, 64, '\0', check_ui),
    BINARY("UL", DK_KIND_INTEGER, 4, 1),
    BINARY("UN", DK_KIND_BYTES, 1, 0),
    TEXT("UR", 0, 0, 0, NO_LIMIT, NO_PAD, check_ur),
    BINARY("US", DK_KIND_INTEGER, 2, 1),
    TEXT("UT", 0, 0, 1, NO_LIMIT, NO_PAD, check_text),
    BINARY("UV", DK_KIND_INTEGER, 8, 0),
};

static int is_vr_name(const char *vr)
{
    return vr != NULL && vr[0] >= 'A' && vr[0] <= 'Z' && vr[1] >= 'A' && vr[1] <= 'Z' && vr[2] == '\0';
}

static const vr_row *find_row(const char *vr)
{
    if (!is_vr_name(vr)) return NULL;
    for (size_t i = 0; i < sizeof vr_rows / sizeof vr_rows[0]; i++)
        if (vr_rows[i].facts.name[0] == vr[0] && vr_rows[i].facts.name[1] == vr[1]) return &vr_rows[i];
    return NULL;
}

const dk_vr_facts *dk_vr_facts_of(const char *vr)
{
    const vr_row *row = find_row(vr);
    return row != NULL ? &row->facts : NULL;
}

/* The table entry for a string VR, or a refusal naming why there is none. */
static int lookup_string_vr(const char *vr, const char *what, const vr_row **out, dk_error *err)
{
    if (!is_vr_name(vr))
        return dk_error_set(err, DK_EINVAL, "%s: unknown VR '%.8s', a VR is two upper-case letters",
                            element_name(what), vr != NULL ? vr : "(null)");
    *out = find_row(vr);
    if (*out != NULL && (*out)->facts.kind == DK_KIND_STRING) return DK_OK;
    if (*out != NULL)
        return dk_error_set(err, DK_EINVAL, "%s: VR %s is not a string VR", element_name(what), vr);
    return dk_error_set(err, DK_EINVAL, "%s: unknown VR '%s'", element_name(what), vr);
}

/* ------------------------------------------------------------------------ */
/* dk_vr_check_string                                                        */

static int refuse_bad_utf8(const char *vr, const char *value, size_t len, size_t bad, const char *what,
                           dk_error *err)
{
    char shown[SHOW_CHARS * 4 + 8];

    show_value(value, len, 0, shown, sizeof shown);
    return dk_error_set(err, DK_EINVAL, "%s: %s value '%s' is not valid UTF-8 (byte 0x%02X at offset %zu)",
                        element_name(what), vr, shown, (unsigned char)value[bad], bad);
}

static unsigned count_values(const vr_row *spec, const char *value, size_t len)
{
    unsigned n = 1;
    if (len == 0) return 0;
    if (spec->facts.multi_valued)
        for (size_t i = 0; i < len; i++)
            if (value[i] == '\\') n++;
    return n;
}

/* VR syntax, then length, of one individual value: a malformed value is
 * reported as malformed even when it is also too long. */
static int check_one_value(const vr_row *spec, const vctx *c)
{
    size_t chars;
    int rc;

    if ((rc = spec->check(c)) != DK_OK) return rc;
    chars = utf8_count_chars(c->val, c->len);
    if (chars > spec->max_chars)
        return refuse(c, "is %zu characters long, at most %zu allowed in %s", chars, spec->max_chars, spec->facts.name);
    return DK_OK;
}

int dk_vr_check_string(const char *vr, const char *value, size_t len, const char *what, unsigned *vm_out,
                       dk_error *err)
{
    const vr_row *spec = NULL;
    size_t bad = 0, start = 0;
    vctx c;
    int rc;

    if ((rc = lookup_string_vr(vr, what, &spec, err)) != DK_OK) return rc;
    if (value == NULL && len > 0)
        return dk_error_set(err, DK_EINVAL, "%s: %s value is NULL with length %zu", element_name(what), vr, len);
    /* the length first: a value too long for any element is refused without reading it */
    if (len > MAX_32BIT_LENGTH)
        return dk_error_set(err, DK_EINVAL, "%s: %s value is %zu bytes long, more than a DICOM length field holds",
                            element_name(what), vr, len);
    if (!dk_utf8_valid(value, len, &bad)) return refuse_bad_utf8(vr, value, len, bad, what, err);
    if (len > 0 && (unsigned char)value[len - 1] == spec->pad) len--;

    c.vr = spec->facts.name;
    c.what = what;
    c.err = err;
    c.count = count_values(spec, value, len);
    for (c.index = 1; c.index <= c.count; c.index++) {
        const char *sep = spec->facts.multi_valued ? memchr(value + start, '\\', len - start) : NULL;
        size_t stop = sep != NULL ? (size_t)(sep - value) : len;
        c.val = value + start;
        c.len = stop - start;
        if ((rc = check_one_value(spec, &c)) != DK_OK) return rc;
        start = stop + 1;
    }
    if (vm_out != NULL) *vm_out = c.count;
    return DK_OK;
}

/* ------------------------------------------------------------------------ */
/* dk_vr_check_vm                                                            */

typedef struct vm_rule {
    unsigned min, max, step; /* max UINT_MAX for "n"; vm must be a multiple of step */
} vm_rule;

/* Decimal number at *p (advancing it), 0 when there is none or it overflows. */
static unsigned parse_count(const char **p)
{
    unsigned long v = 0;
    const char *s = *p;

    while (is_digit(*s) && v <= 100000) v = v * 10 + (unsigned long)(*s++ - '0');
    if (s == *p || is_digit(*s)) return 0;
    *p = s;
    return (unsigned)v;
}

/* "N", "A-B", "A-n", "A-Bn" -> rule; returns 0 for anything else. */
static int parse_vm_spec(const char *spec, vm_rule *r)
{
    const char *p = spec;
    unsigned b;

    r->min = r->max = parse_count(&p);
    r->step = 1;
    if (r->min == 0) return 0;
    if (*p == '\0') return 1;
    if (*p++ != '-') return 0;
    r->max = UINT_MAX;
    if (p[0] == 'n' && p[1] == '\0') return 1;
    b = parse_count(&p);
    if (b == 0) return 0;
    if (p[0] == 'n' && p[1] == '\0') {
        r->step = b;
        return 1;
    }
    r->max = b;
    return *p == '\0' && b >= r->min;
}

/* Plain words for what a rule asks, for the refusal message. */
static void describe_vm_rule(const vm_rule *r, char *out, size_t cap)
{
    if (r->step > 1)
        snprintf(out, cap, "a multiple of %u values, at least %u", r->step, r->min);
    else if (r->max == UINT_MAX)
        snprintf(out, cap, "at least %u value%s", r->min, r->min == 1 ? "" : "s");
    else if (r->min == r->max)
        snprintf(out, cap, "exactly %u value%s", r->min, r->min == 1 ? "" : "s");
    else
        snprintf(out, cap, "%u to %u values", r->min, r->max);
}

int dk_vr_check_vm(unsigned vm, const char *vm_spec, const char *what, dk_error *err)
{
    vm_rule r;
    char words[80];

    if (vm == 0) return DK_OK;
    if (vm_spec == NULL || !parse_vm_spec(vm_spec, &r))
        return dk_error_set(err, DK_EINVAL, "%s: VM spec '%.20s' is not understood (expected N, A-B, A-n or A-Bn)",
                            element_name(what), vm_spec != NULL ? vm_spec : "(null)");
    if (vm >= r.min && vm <= r.max && vm % r.step == 0) return DK_OK;
    describe_vm_rule(&r, words, sizeof words);
    return dk_error_set(err, DK_EINVAL, "%s: has %u value%s, VM %s needs %s", element_name(what), vm,
                        vm == 1 ? "" : "s", vm_spec, words);
}

/* ------------------------------------------------------------------------ */
/* dk_vr_check_integer                                                       */

typedef struct int_range {
    char name[3];
    long long min, max;
} int_range;

static const int_range int_ranges[] = {
    {"US", 0, 65535},
    {"SS", -32768, 32767},
    {"UL", 0, 4294967295LL},
    {"SL", INT32_MIN, INT32_MAX},
    {"IS", INT32_MIN, INT32_MAX},
    {"SV", LLONG_MIN, LLONG_MAX},
    {"UV", 0, LLONG_MAX},
};

int dk_vr_check_integer(const char *vr, long long v, const char *what, dk_error *err)
{
    for (size_t i = 0; vr != NULL && i < sizeof int_ranges / sizeof int_ranges[0]; i++) {
        const int_range *r = &int_ranges[i];
        if (strcmp(r->name, vr) != 0) continue;
        if (v >= r->min && v <= r->max) return DK_OK;
        if (vr[0] == 'U' && vr[1] == 'V') /* the true UV maximum does not fit a long long */
            return dk_error_set(err, DK_EINVAL, "%s: UV value %lld is out of range 0..18446744073709551615",
                                element_name(what), v);
        return dk_error_set(err, DK_EINVAL, "%s: %s value %lld is out of range %lld..%lld", element_name(what),
                            vr, v, r->min, r->max);
    }
    return dk_error_set(err, DK_EINVAL, "%s: VR '%.8s' is not an integer VR (US SS UL SL SV UV IS)",
                        element_name(what), vr != NULL ? vr : "(null)");
}

/* ------------------------------------------------------------------------ */
/* dk_vr_format_ds                                                           */

#define DS_MAX 16
#define DS_SCRATCH 64 /* fixed-point candidates are at most ~40 characters, see ds_fixed */

/* Rewrite printf output into DS form in place: '.' whatever the locale's decimal
 * point is, no trailing fraction zeros, exponent without '+' or leading zeros. */
static void ds_normalize(char *s)
{
    char out[DS_SCRATCH], *e;
    size_t o = 0, i = 0, mant_end;

    for (; s[i] != '\0' && s[i] != 'e'; i++) {
        if (is_digit(s[i]) || s[i] == '-' || s[i] == '+') out[o++] = s[i];
        else if (o == 0 || out[o - 1] != '.') out[o++] = '.'; /* a locale decimal point may be multi-byte */
    }
    mant_end = o;
    if (memchr(out, '.', mant_end) != NULL) {
        while (mant_end > 0 && out[mant_end - 1] == '0') mant_end--;
        if (out[mant_end - 1] == '.') mant_end--;
    }
    o = mant_end;
    e = s + i;
    if (*e == 'e') {
        e++;
        out[o++] = 'e';
        if (*e == '-') out[o++] = '-';
        if (*e == '-' || *e == '+') e++;
        while (e[0] == '0' && e[1] != '\0') e++;
        while (*e != '\0') out[o++] = *e++;
    }
    out[o] = '\0';
    memcpy(s, out, o + 1);
}

/* Exponent form with `sig` significant digits; *exp10 receives the decimal
 * exponent after rounding. Returns the value the text reads back as. */
static double ds_exponent(double v, int sig, char *out, int *exp10)
{
    double back;

    snprintf(out, DS_SCRATCH, "%.*e", sig - 1, v);
    back = strtod(out, NULL); /* read in the same locale it was written in */
    *exp10 = atoi(strchr(out, 'e') + 1);
    ds_normalize(out);
    return back;
}

/* Plain decimal form with `sig` significant digits, for -4 <= exp10 <= 15 only,
 * which bounds it to 1 + 16 digits + 1 + 4 zeros + 16 digits characters. */
static double ds_fixed(double v, int sig, int exp10, char *out)
{
    int decimals = sig - 1 - exp10;
    double back;

    snprintf(out, DS_SCRATCH, "%.*f", decimals > 0 ? decimals : 0, v);
    back = strtod(out, NULL);
    ds_normalize(out);
    return back;
}

/* Best candidate so far when no form reads back exactly. */
typedef struct ds_best {
    char text[DS_MAX + 1];
    double error; /* negative while nothing has been kept */
} ds_best;

/* |a - b| without libm, so linking this file never needs -lm. */
static double abs_diff(double a, double b)
{
    return a > b ? a - b : b - a;
}

static void ds_consider(ds_best *best, const char *text, double back, double v)
{
    double error = abs_diff(back, v);
    size_t n = strlen(text);

    if (n > DS_MAX || !isfinite(back)) return;
    if (best->error < 0 || error < best->error || (error == best->error && n < strlen(best->text))) {
        memcpy(best->text, text, n + 1);
        best->error = error;
    }
}

static int ds_fits_exactly(const char *text, double back, double v)
{
    return strlen(text) <= DS_MAX && back == v;
}

int dk_vr_format_ds(double v, char out[17], const char *what, dk_error *err)
{
    ds_best best = {"", -1.0};

    out[0] = '\0';
    if (isnan(v)) return dk_error_set(err, DK_EINVAL, "%s: DS cannot hold NaN", element_name(what));
    if (isinf(v)) return dk_error_set(err, DK_EINVAL, "%s: DS cannot hold an infinity", element_name(what));
    if (v == 0) { /* also -0, which "-0" would carry but no DICOM reader needs */
        memcpy(out, "0", 2);
        return DK_OK;
    }
    for (int sig = 1; sig <= 17; sig++) {
        char e[DS_SCRATCH], f[DS_SCRATCH] = "";
        int exp10;
        double back_e = ds_exponent(v, sig, e, &exp10), back_f = back_e;
        int has_fixed = exp10 >= -4 && exp10 <= 15;

        if (has_fixed) back_f = ds_fixed(v, sig, exp10, f);
        /* fewest digits first; at equal digits plain form wins, as %g would choose */
        if (has_fixed && ds_fits_exactly(f, back_f, v)) { memcpy(out, f, strlen(f) + 1); return DK_OK; }
        if (ds_fits_exactly(e, back_e, v)) { memcpy(out, e, strlen(e) + 1); return DK_OK; }
        if (has_fixed) ds_consider(&best, f, back_f, v);
        ds_consider(&best, e, back_e, v);
    }
    memcpy(out, best.text, strlen(best.text) + 1);
    return DK_OK;
}

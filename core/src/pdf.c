/* The PDF layer: the file structure checks and the title (see pdf.h). */
#include "dicomkit/pdf.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WINDOW 1024 /* where readers look for the header, and for %%EOF from the end */

/* the first occurrence of `needle` in hay[from, to), or -1 */
static long long find(const unsigned char *hay, size_t from, size_t to, const char *needle)
{
    size_t n = strlen(needle);
    if (to < n)
        return -1;
    for (size_t i = from; i + n <= to; i++)
        if (hay[i] == (unsigned char)needle[0] && memcmp(hay + i, needle, n) == 0)
            return (long long)i;
    return -1;
}

/* the last occurrence of `needle` in hay[from, to), or -1 */
static long long find_last(const unsigned char *hay, size_t from, size_t to, const char *needle)
{
    size_t n = strlen(needle);
    if (to < from + n)
        return -1;
    for (size_t i = to - n + 1; i-- > from;)
        if (hay[i] == (unsigned char)needle[0] && memcmp(hay + i, needle, n) == 0)
            return (long long)i;
    return -1;
}

int dk_is_pdf(const unsigned char *data, size_t len)
{
    return data != NULL && find(data, 0, len < WINDOW ? len : WINDOW, "%PDF-") >= 0;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0;
}

static int is_delimiter(unsigned char c)
{
    return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
           c == '}' || c == '/' || c == '%';
}

/* a non-negative integer at *at (advanced past it); -1 when there is none */
static long long integer(const unsigned char *d, size_t len, size_t *at)
{
    size_t i = *at;
    long long v = 0;
    int digits = 0;
    while (i < len && d[i] >= '0' && d[i] <= '9' && digits < 12) {
        v = v * 10 + (d[i] - '0');
        i++;
        digits++;
    }
    if (digits == 0 || (i < len && d[i] >= '0' && d[i] <= '9'))
        return -1;
    *at = i;
    return v;
}

static void skip_space(const unsigned char *d, size_t len, size_t *at)
{
    while (*at < len && is_space(d[*at]))
        (*at)++;
}

/* ---- text: the string's bytes into UTF-8 */

typedef struct text_out {
    char *buf;
    size_t len, cap; /* cap excludes the NUL */
    int truncated;
} text_out;

static void put_code_point(text_out *o, uint32_t cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
        cp = ' '; /* no control characters in an ST value */
    if (cp >= 0xD800 && cp <= 0xDFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | (cp >> 18));
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (o->len + n > o->cap) {
        o->truncated = 1;
        return;
    }
    memcpy(o->buf + o->len, u, n);
    o->len += n;
}

/* PDFDocEncoding (ISO 32000-1 Annex D.2) where it differs from ISO 8859-1 */
static uint32_t pdfdoc(unsigned char c)
{
    static const uint16_t high[33] = {
        0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044, 0x2039, 0x203A, 0x2212,
        0x2030, 0x201E, 0x201C, 0x201D, 0x2018, 0x2019, 0x201A, 0x2122, 0xFB01, 0xFB02, 0x0141,
        0x0152, 0x0160, 0x0178, 0x017D, 0x0131, 0x0142, 0x0153, 0x0161, 0x017E, 0xFFFD, 0x20AC};
    static const uint16_t low[8] = {0x02D8, 0x02C7, 0x02C6, 0x02D9, 0x02DD, 0x02DB, 0x02DA, 0x02DC};
    if (c >= 0x80 && c <= 0xA0)
        return high[c - 0x80];
    if (c >= 0x18 && c <= 0x1F)
        return low[c - 0x18];
    if (c == 0xAD)
        return 0xFFFD;
    return c;
}

static void decode_text(const unsigned char *s, size_t n, text_out *o)
{
    if (n >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
        for (size_t i = 2; i + 1 < n; i += 2) {
            uint32_t u = (uint32_t)s[i] << 8 | s[i + 1];
            if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
                uint32_t lo = (uint32_t)s[i + 2] << 8 | s[i + 3];
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    i += 2;
                }
            }
            put_code_point(o, u);
        }
    } else if (n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        /* UTF-8: decoded and encoded again, so that malformed sequences cannot pass */
        for (size_t i = 3; i < n;) {
            unsigned char c = s[i];
            int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
            uint32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1Fu) : extra == 2 ? (c & 0x0Fu) : (c & 0x07u);
            size_t k = 1;
            if (extra < 0 || i + (size_t)extra >= n) {
                put_code_point(o, 0xFFFD);
                i++;
                continue;
            }
            for (; (int)k <= extra && (s[i + k] & 0xC0) == 0x80; k++)
                cp = (cp << 6) | (s[i + k] & 0x3Fu);
            if ((int)k <= extra || cp > 0x10FFFF)
                cp = 0xFFFD;
            put_code_point(o, cp);
            i += k;
        }
    } else {
        for (size_t i = 0; i < n; i++)
            put_code_point(o, pdfdoc(s[i]));
    }
}

/* The string object at *at: a literal (...) or hexadecimal <...> string, its bytes into raw[];
 * returns the number of bytes, or -1 when there is no string here. */
static long long string_object(const unsigned char *d, size_t len, size_t at, unsigned char *raw,
                               size_t cap)
{
    size_t n = 0;
    if (at < len && d[at] == '(') {
        int depth = 1;
        size_t i = at + 1;
        while (i < len && depth > 0) {
            unsigned char c = d[i++];
            int byte = -1;
            if (c == '\\' && i < len) {
                unsigned char e = d[i++];
                switch (e) {
                case 'n': byte = '\n'; break;
                case 'r': byte = '\r'; break;
                case 't': byte = '\t'; break;
                case 'b': byte = '\b'; break;
                case 'f': byte = '\f'; break;
                case '\r':
                    if (i < len && d[i] == '\n')
                        i++;
                    break; /* a line continuation */
                case '\n': break;
                default:
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && i < len && d[i] >= '0' && d[i] <= '7'; k++)
                            v = v * 8 + (d[i++] - '0');
                        byte = v & 0xFF;
                    } else {
                        byte = e; /* \( \) \\ and any other: the character itself */
                    }
                }
            } else if (c == '(') {
                depth++;
                byte = c;
            } else if (c == ')') {
                if (--depth > 0)
                    byte = c;
            } else {
                byte = c;
            }
            if (byte >= 0 && n < cap)
                raw[n++] = (unsigned char)byte;
        }
        return depth == 0 ? (long long)n : -1;
    }
    if (at < len && d[at] == '<' && (at + 1 >= len || d[at + 1] != '<')) {
        int high = -1;
        for (size_t i = at + 1; i < len; i++) {
            unsigned char c = d[i];
            int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (c == '>') {
                if (high >= 0 && n < cap)
                    raw[n++] = (unsigned char)(high << 4);
                return (long long)n;
            }
            if (v < 0) {
                if (is_space(c))
                    continue;
                return -1;
            }
            if (high < 0) {
                high = v;
            } else {
                if (n < cap)
                    raw[n++] = (unsigned char)(high << 4 | v);
                high = -1;
            }
        }
    }
    return -1;
}

/* "N G R" at *at: the object number, or -1 */
static long long reference(const unsigned char *d, size_t len, size_t at, long long *gen)
{
    skip_space(d, len, &at);
    long long num = integer(d, len, &at);
    if (num < 0)
        return -1;
    skip_space(d, len, &at);
    *gen = integer(d, len, &at);
    if (*gen < 0)
        return -1;
    skip_space(d, len, &at);
    return at < len && d[at] == 'R' ? num : -1;
}

/* The title from the Info dictionary: the last /Info reference, that object, its /Title. */
static void read_title(const unsigned char *d, size_t len, dk_pdf_info *info)
{
    long long at = find_last(d, 0, len, "/Info");
    if (at < 0)
        return;
    long long gen = 0;
    long long num = reference(d, len, (size_t)at + 5, &gen);
    if (num < 0)
        return;
    /* the object "num gen obj", as a whole token */
    char head[48];
    int hn = snprintf(head, sizeof head, "%lld %lld obj", num, gen);
    if (hn <= 0 || (size_t)hn >= sizeof head)
        return;
    long long obj = -1;
    for (long long from = 0; (from = find(d, (size_t)from, len, head)) >= 0; from++) {
        if ((from == 0 || is_space(d[from - 1])) && (size_t)from + (size_t)hn < len &&
            (is_space(d[from + hn]) || is_delimiter(d[from + hn]))) {
            obj = from; /* the last definition wins (incremental updates append) */
        }
    }
    if (obj < 0)
        return;
    long long end = find(d, (size_t)obj, len, "endobj");
    if (end < 0)
        end = (long long)len;
    for (long long t = find(d, (size_t)obj, (size_t)end, "/Title"); t >= 0;
         t = find(d, (size_t)t + 1, (size_t)end, "/Title")) {
        size_t v = (size_t)t + 6;
        if (v < (size_t)end && !is_space(d[v]) && !is_delimiter(d[v]))
            continue; /* /TitleSomething: another key */
        skip_space(d, (size_t)end, &v);
        unsigned char raw[4 * DK_PDF_TITLE_MAX];
        long long n = string_object(d, (size_t)end, v, raw, sizeof raw);
        if (n < 0)
            return;
        text_out o = {info->title, 0, DK_PDF_TITLE_MAX, 0};
        decode_text(raw, (size_t)n, &o);
        if ((size_t)n == sizeof raw)
            o.truncated = 1;
        /* trimmed: ST keeps no trailing spaces that mean nothing */
        while (o.len > 0 && info->title[o.len - 1] == ' ')
            o.len--;
        size_t lead = 0;
        while (lead < o.len && info->title[lead] == ' ')
            lead++;
        memmove(info->title, info->title + lead, o.len - lead);
        o.len -= lead;
        /* a truncation never splits a UTF-8 sequence (put_code_point writes whole ones) */
        info->title[o.len] = '\0';
        info->has_title = o.len > 0;
        info->title_truncated = o.truncated;
        return;
    }
}

int dk_pdf_read(const unsigned char *data, size_t len, const char *name, dk_pdf_info *info,
                dk_error *err)
{
    const char *who = name ? name : "PDF data";
    memset(info, 0, sizeof *info);
    if (data == NULL || len == 0)
        return dk_error_set(err, DK_EFORMAT, "%s: empty, not a PDF", who);
    long long h = find(data, 0, len < WINDOW ? len : WINDOW, "%PDF-");
    if (h < 0)
        return dk_error_set(err, DK_EFORMAT, "%s: not a PDF (no \"%%PDF-\" header in its first "
                            "%d bytes)", who, WINDOW);
    size_t at = (size_t)h + 5;
    long long major = integer(data, len, &at);
    long long minor = -1;
    if (major >= 0 && at < len && data[at] == '.') {
        at++;
        minor = integer(data, len, &at);
    }
    if (major < 1 || major > 2 || minor < 0 || minor > 9)
        return dk_error_set(err, DK_EFORMAT, "%s: the PDF header names no version 1.0-2.0", who);
    info->major = (int)major;
    info->minor = (int)minor;
    info->header_offset = (size_t)h;
    size_t tail = len > WINDOW ? len - WINDOW : 0;
    long long eof = find_last(data, tail, len, "%%EOF");
    if (eof < 0)
        return dk_error_set(err, DK_EFORMAT, "%s: truncated or not a whole PDF (no \"%%%%EOF\" in "
                            "its last %d bytes)", who, WINDOW);
    if (find_last(data, (size_t)h, (size_t)eof, "startxref") < 0)
        return dk_error_set(err, DK_EFORMAT, "%s: not a whole PDF (no \"startxref\" before its "
                            "\"%%%%EOF\")", who);
    info->encrypted = find_last(data, (size_t)h, len, "/Encrypt") >= 0;
    if (!info->encrypted)
        read_title(data, len, info);
    return DK_OK;
}

/* dicomkit: DICOM character sets to UTF-8, see charset.h. */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What a designation puts into G0 (bytes 0x21-0x7E) or G1 (bytes 0xA0-0xFF). */
typedef enum code_set {
    CS_NONE,
    CS_ASCII,    /* ISO-IR 6 */
    CS_ROMAJI,   /* ISO-IR 14, JIS X 0201 Roman: ASCII but YEN SIGN and OVERLINE */
    CS_JIS0208,  /* ISO-IR 87, two bytes in G0 */
    CS_JIS0212,  /* ISO-IR 159, two bytes in G0 */
    CS_KATAKANA, /* ISO-IR 13, JIS X 0201 Katakana in G1 */
    CS_ICONV8,   /* a single-byte set in G1 via iconv (ISO 8859-n, TIS-620) */
    CS_KSX1001,  /* ISO-IR 149, two bytes in G1 (EUC-KR) */
    CS_GB2312,   /* ISO-IR 58, two bytes in G1 (EUC-CN) */
    CS_WHOLE     /* a character set without code extensions decoded whole by iconv */
} code_set;

typedef struct term {
    const char *name;   /* the defined term */
    code_set g0, g1;    /* its designations */
    const char *iconv;  /* iconv's name for the G1 (or whole) set */
    const char *escape; /* the escape sequence that designates it (after ESC), or NULL */
} term;

/* PS3.3 Tables C.12-2 to C.12-5. */
static const term terms[] = {
    {"", CS_ASCII, CS_NONE, NULL, NULL},
    {"ISO_IR 6", CS_ASCII, CS_NONE, NULL, NULL},
    {"ISO_IR 100", CS_ASCII, CS_ICONV8, "ISO-8859-1", NULL},
    {"ISO_IR 101", CS_ASCII, CS_ICONV8, "ISO-8859-2", NULL},
    {"ISO_IR 109", CS_ASCII, CS_ICONV8, "ISO-8859-3", NULL},
    {"ISO_IR 110", CS_ASCII, CS_ICONV8, "ISO-8859-4", NULL},
    {"ISO_IR 144", CS_ASCII, CS_ICONV8, "ISO-8859-5", NULL},
    {"ISO_IR 127", CS_ASCII, CS_ICONV8, "ISO-8859-6", NULL},
    {"ISO_IR 126", CS_ASCII, CS_ICONV8, "ISO-8859-7", NULL},
    {"ISO_IR 138", CS_ASCII, CS_ICONV8, "ISO-8859-8", NULL},
    {"ISO_IR 148", CS_ASCII, CS_ICONV8, "ISO-8859-9", NULL},
    {"ISO_IR 203", CS_ASCII, CS_ICONV8, "ISO-8859-15", NULL},
    {"ISO_IR 166", CS_ASCII, CS_ICONV8, "TIS-620", NULL},
    {"ISO_IR 13", CS_ROMAJI, CS_KATAKANA, NULL, NULL},
    {"ISO_IR 192", CS_WHOLE, CS_NONE, "UTF-8", NULL},
    {"GB18030", CS_WHOLE, CS_NONE, "GB18030", NULL},
    {"GBK", CS_WHOLE, CS_NONE, "GBK", NULL},
    {"ISO 2022 IR 6", CS_ASCII, CS_NONE, NULL, "(B"},
    {"ISO 2022 IR 100", CS_ASCII, CS_ICONV8, "ISO-8859-1", "-A"},
    {"ISO 2022 IR 101", CS_ASCII, CS_ICONV8, "ISO-8859-2", "-B"},
    {"ISO 2022 IR 109", CS_ASCII, CS_ICONV8, "ISO-8859-3", "-C"},
    {"ISO 2022 IR 110", CS_ASCII, CS_ICONV8, "ISO-8859-4", "-D"},
    {"ISO 2022 IR 144", CS_ASCII, CS_ICONV8, "ISO-8859-5", "-L"},
    {"ISO 2022 IR 127", CS_ASCII, CS_ICONV8, "ISO-8859-6", "-G"},
    {"ISO 2022 IR 126", CS_ASCII, CS_ICONV8, "ISO-8859-7", "-F"},
    {"ISO 2022 IR 138", CS_ASCII, CS_ICONV8, "ISO-8859-8", "-H"},
    {"ISO 2022 IR 148", CS_ASCII, CS_ICONV8, "ISO-8859-9", "-M"},
    {"ISO 2022 IR 203", CS_ASCII, CS_ICONV8, "ISO-8859-15", "-b"},
    {"ISO 2022 IR 166", CS_ASCII, CS_ICONV8, "TIS-620", "-T"},
    {"ISO 2022 IR 13", CS_ROMAJI, CS_KATAKANA, NULL, ")I"},
    {"ISO 2022 IR 87", CS_JIS0208, CS_NONE, NULL, "$B"},
    {"ISO 2022 IR 159", CS_JIS0212, CS_NONE, NULL, "$(D"},
    {"ISO 2022 IR 149", CS_NONE, CS_KSX1001, "EUC-KR", "$)C"},
    {"ISO 2022 IR 58", CS_NONE, CS_GB2312, "GB2312", "$)A"},
};

#define MAX_TERMS 8

static const term *find_term(const char *s, size_t n)
{
    while (n > 0 && s[0] == ' ') { s++; n--; }
    while (n > 0 && s[n - 1] == ' ') n--;
    for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
        if (strlen(terms[i].name) == n && memcmp(terms[i].name, s, n) == 0) return &terms[i];
    return NULL;
}

/* Split `scs` into its terms; returns how many, or -1 naming the unknown one in err. */
static int parse_terms(const char *scs, size_t len, const term **out, dk_error *err)
{
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && scs[i] != '\\') continue;
        if (n == MAX_TERMS)
            return dk_error_set(err, DK_EINVAL, "SpecificCharacterSet has more than %d values", MAX_TERMS), -1;
        const term *t = find_term(scs + start, i - start);
        if (t == NULL)
            return dk_error_set(err, DK_EINVAL, "SpecificCharacterSet '%.*s' has the unknown term '%.*s'",
                                (int)(len > 64 ? 64 : len), scs, (int)(i - start > 32 ? 32 : i - start),
                                scs + start), -1;
        out[n++] = t;
        start = i + 1;
    }
    return n;
}

int dk_charset_known(const char *scs, size_t len, dk_error *err)
{
    const term *t[MAX_TERMS];
    return parse_terms(scs, len, t, err) < 0 ? DK_EINVAL : DK_OK;
}

/* ------------------------------------------------------------------ output */

typedef struct out_buf {
    char *data;
    size_t len, cap;
    int failed;
    size_t replaced;
} out_buf;

static void put(out_buf *o, const char *s, size_t n)
{
    if (o->failed) return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 64;
        while (cap < o->len + n + 1) cap *= 2;
        char *grown = realloc(o->data, cap);
        if (grown == NULL) { o->failed = 1; return; }
        o->data = grown;
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
}

static void put_code_point(out_buf *o, uint32_t cp)
{
    char b[4];
    if (cp < 0x80) { b[0] = (char)cp; put(o, b, 1); }
    else if (cp < 0x800) { b[0] = (char)(0xC0 | cp >> 6); b[1] = (char)(0x80 | (cp & 0x3F)); put(o, b, 2); }
    else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | cp >> 12); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F)); put(o, b, 3);
    } else {
        b[0] = (char)(0xF0 | cp >> 18); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); put(o, b, 4);
    }
}

static void put_replacement(out_buf *o)
{
    put_code_point(o, 0xFFFD);
    o->replaced++;
}

/* Convert `n` bytes with iconv; what it refuses becomes U+FFFD, one per byte skipped. */
static void put_iconv(out_buf *o, const char *charset, const char *s, size_t n)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    if (cd == (iconv_t)-1) {
        for (size_t i = 0; i < n; i++) put_replacement(o);
        return;
    }
    char chunk[256];
    char *in = (char *)s;
    size_t left = n;
    while (left > 0 && !o->failed) {
        char *dst = chunk;
        size_t room = sizeof chunk;
        size_t r = iconv(cd, &in, &left, &dst, &room);
        put(o, chunk, (size_t)(dst - chunk));
        if (r == (size_t)-1 && errno != E2BIG) { /* EILSEQ or EINVAL (cut off) */
            put_replacement(o);
            in++;
            left--;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    iconv_close(cd);
}

/* ------------------------------------------------------------------ decoding */

typedef struct state {
    const term *initial_g0, *initial_g1;
    code_set g0, g1;
    const char *g1_iconv;
} state;

static void reset(state *st)
{
    st->g0 = st->initial_g0 ? st->initial_g0->g0 : CS_ASCII;
    st->g1 = st->initial_g1 ? st->initial_g1->g1 : CS_NONE;
    st->g1_iconv = st->initial_g1 ? st->initial_g1->iconv : NULL;
}

/* The term whose escape sequence starts at s (just after ESC), and its length. */
static const term *escape_at(const term *const *allowed, int n, const char *s, size_t left, size_t *len)
{
    for (int i = 0; i < n; i++) {
        const char *e = allowed[i]->escape;
        size_t k = e ? strlen(e) : 0;
        if (k > 0 && k <= left && memcmp(s, e, k) == 0) {
            *len = k;
            return allowed[i];
        }
    }
    /* ESC ( J (JIS X 0201 Roman in G0) comes with ISO 2022 IR 13 */
    for (int i = 0; i < n; i++)
        if (allowed[i]->g0 == CS_ROMAJI && left >= 2 && s[0] == '(' && s[1] == 'J') {
            *len = 2;
            return allowed[i];
        }
    /* ESC ( B returns G0 to ASCII whatever the first value was: an empty first value means
     * ISO 2022 IR 6 (PS3.3 C.12.1.1.2) */
    if (left >= 2 && s[0] == '(' && s[1] == 'B') {
        *len = 2;
        return find_term("ISO 2022 IR 6", 13);
    }
    return NULL;
}

static void designate(state *st, const term *t, const char *esc)
{
    if (esc[0] == '(' && esc[1] == 'J') {
        st->g0 = CS_ROMAJI;
    } else if (t->g0 != CS_NONE && (esc[0] == '(' || esc[0] == '$') && esc[1] != ')') {
        st->g0 = t->g0;
    } else {
        st->g1 = t->g1;
        st->g1_iconv = t->iconv;
    }
}

static int is_delimiter(unsigned char c, const char *vr, int multi)
{
    if (c == '\r' || c == '\n' || c == '\f' || c == '\t') return 1;
    if (multi && c == '\\') return 1;
    return vr[0] == 'P' && vr[1] == 'N' && (c == '^' || c == '=');
}

/* Decode one run of G1 (or two-byte G0) bytes. */
static void put_two_byte_g0(out_buf *o, code_set set, const unsigned char *s, size_t n)
{
    /* JIS X 0208/0212 in G0 are EUC-JP with the high bits set (0212 behind SS3, 0x8F) */
    char buf[384];
    size_t k = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        if (k + 3 > sizeof buf) { put_iconv(o, "EUC-JP", buf, k); k = 0; }
        if (set == CS_JIS0212) buf[k++] = (char)0x8F;
        buf[k++] = (char)(s[i] | 0x80);
        buf[k++] = (char)(s[i + 1] | 0x80);
    }
    put_iconv(o, "EUC-JP", buf, k);
    if (n % 2) put_replacement(o);
}

static void put_g1(out_buf *o, const state *st, const unsigned char *s, size_t n)
{
    switch (st->g1) {
    case CS_KATAKANA:
        for (size_t i = 0; i < n; i++) {
            if (s[i] >= 0xA1 && s[i] <= 0xDF) put_code_point(o, 0xFF61 + (uint32_t)(s[i] - 0xA1));
            else put_replacement(o);
        }
        return;
    case CS_ICONV8:
    case CS_KSX1001:
    case CS_GB2312:
        put_iconv(o, st->g1_iconv, (const char *)s, n);
        return;
    default:
        for (size_t i = 0; i < n; i++) put_replacement(o);
    }
}

static void put_g0(out_buf *o, code_set set, const unsigned char *s, size_t n)
{
    if (set == CS_JIS0208 || set == CS_JIS0212) {
        put_two_byte_g0(o, set, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (set == CS_ROMAJI && s[i] == 0x5C) put_code_point(o, 0x00A5);
        else if (set == CS_ROMAJI && s[i] == 0x7E) put_code_point(o, 0x203E);
        else put(o, (const char *)&s[i], 1);
    }
}

static void decode_2022(out_buf *o, const term *const *t, int nterms, const char *vr, int multi,
                        const unsigned char *s, size_t len)
{
    state st;
    st.initial_g0 = t[0];
    st.initial_g1 = t[0];
    reset(&st);
    size_t i = 0;
    while (i < len && !o->failed) {
        unsigned char c = s[i];
        int two_byte = st.g0 == CS_JIS0208 || st.g0 == CS_JIS0212;
        size_t j = i + 1;
        if (c == 0x1B) {
            size_t k = 0;
            const term *d = escape_at(t, nterms, (const char *)s + i + 1, len - i - 1, &k);
            if (d == NULL) {
                put_replacement(o);
            } else {
                designate(&st, d, (const char *)s + i + 1);
                j = i + 1 + k;
            }
        } else if (c >= 0x80) {
            while (j < len && s[j] >= 0x80) j++;
            put_g1(o, &st, s + i, j - i);
        } else if (two_byte && c >= 0x21 && c < 0x7F) {
            /* ^ = and \ are halves of characters here, not delimiters */
            while (j < len && s[j] >= 0x21 && s[j] < 0x7F) j++;
            put_g0(o, st.g0, s + i, j - i);
        } else if (is_delimiter(c, vr, multi)) {
            put(o, (const char *)&c, 1);
            reset(&st);
        } else {
            while (j < len && s[j] < 0x80 && s[j] != 0x1B && !is_delimiter(s[j], vr, multi) &&
                   !(two_byte && s[j] >= 0x21 && s[j] < 0x7F))
                j++;
            put_g0(o, two_byte ? CS_ASCII : st.g0, s + i, j - i);
        }
        i = j;
    }
}

int dk_charset_to_utf8(const char *scs, size_t scs_len, const char *vr, const char *in, size_t len,
                       char **out, size_t *out_len, size_t *replaced, dk_error *err)
{
    const term *t[MAX_TERMS];
    int n = parse_terms(scs ? scs : "", scs ? scs_len : 0, t, err);
    *out = NULL;
    *out_len = 0;
    if (n < 0) return DK_EINVAL;
    out_buf o = {NULL, 0, 0, 0, 0};
    put(&o, "", 0);
    int multi = !(vr[0] == 'L' && vr[1] == 'T') && !(vr[0] == 'S' && vr[1] == 'T') &&
                !(vr[0] == 'U' && vr[1] == 'T');
    const unsigned char *s = (const unsigned char *)in;
    int code_extensions = n > 1 || (n == 1 && t[0]->escape != NULL);
    if (code_extensions) {
        decode_2022(&o, t, n, vr, multi, s, len);
    } else if (t[0]->g0 == CS_WHOLE) {
        put_iconv(&o, t[0]->iconv, in, len);
    } else {
        /* one set without extensions: G0 below 0x80, G1 above (Latin-1 when none is declared) */
        state st;
        st.initial_g0 = t[0];
        st.initial_g1 = t[0];
        reset(&st);
        if (st.g1 == CS_NONE) {
            st.g1 = CS_ICONV8;
            st.g1_iconv = "ISO-8859-1";
        }
        size_t i = 0;
        while (i < len && !o.failed) {
            size_t j = i;
            if (s[i] < 0x80) {
                while (j < len && s[j] < 0x80) j++;
                put_g0(&o, st.g0, s + i, j - i);
            } else {
                while (j < len && s[j] >= 0x80) j++;
                put_g1(&o, &st, s + i, j - i);
            }
            i = j;
        }
    }
    if (o.failed) {
        free(o.data);
        return dk_error_set(err, DK_ENOMEM, "out of memory decoding text");
    }
    *out = o.data;
    *out_len = o.len;
    if (replaced) *replaced = o.replaced;
    return DK_OK;
}

/* The structure walk (scan.c): what it accepts, and every refusal with its offset and rule,
 * on byte streams built here element by element. */
#include "check.h"
#include "scan.h"

#include <stdint.h>
#include <stdlib.h>

typedef struct buf {
    unsigned char data[1 << 16];
    size_t len;
} buf;

static void put(buf *b, const void *p, size_t n)
{
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void u16(buf *b, unsigned v)
{
    unsigned char x[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
    put(b, x, 2);
}

static void u32(buf *b, uint32_t v)
{
    u16(b, v & 0xFFFF);
    u16(b, v >> 16);
}

/* An explicit VR little endian element. */
static void elem(buf *b, unsigned g, unsigned e, const char *vr, const char *value, size_t n)
{
    u16(b, g);
    u16(b, e);
    put(b, vr, 2);
    if (!strcmp(vr, "OB") || !strcmp(vr, "SQ") || !strcmp(vr, "UN") || !strcmp(vr, "UT")) {
        u16(b, 0);
        u32(b, (uint32_t)n);
    } else {
        u16(b, (unsigned)n);
    }
    put(b, value, n);
}

static void tag_len(buf *b, unsigned g, unsigned e, uint32_t len)
{
    u16(b, g);
    u16(b, e);
    u32(b, len);
}

/* Part 10 preamble and meta group naming `ts`. */
static void part10(buf *b, const char *ts)
{
    memset(b->data, 0, 128);
    b->len = 128;
    put(b, "DICM", 4);
    size_t n = strlen(ts);
    char padded[70];
    memcpy(padded, ts, n);
    if (n % 2)
        padded[n++] = '\0';
    elem(b, 0x0002, 0x0010, "UI", padded, n);
    elem(b, 0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7\0", 26);
}

static int scan(const buf *b, const dk_read_limits *limits, dk_scan_result *r, dk_error *err)
{
    return dk_scan_dicom(b->data, b->len, "test.dcm", limits, 0, NULL, NULL, r, err);
}

static void test_accepts(void)
{
    buf b = {{0}, 0};
    dk_scan_result r;
    dk_error err;
    part10(&b, "1.2.840.10008.1.2.1");
    elem(&b, 0x0010, 0x0010, "PN", "Doe^Jane", 8);
    /* a sequence of defined length with one item of undefined length */
    u16(&b, 0x0040); u16(&b, 0xA730); put(&b, "SQ", 2); u16(&b, 0); u32(&b, 8 + 12 + 8);
    tag_len(&b, 0xFFFE, 0xE000, 0xFFFFFFFF);
    elem(&b, 0x0040, 0xA040, "CS", "TEXT", 4);
    tag_len(&b, 0xFFFE, 0xE00D, 0);
    CHECK(scan(&b, NULL, &r, &err) == DK_OK);
    CHECK(r.has_meta && r.depth == 1 && r.syntax == DK_SCAN_EXPLICIT_LE);
    CHECK(strcmp(r.sop_class, "1.2.840.10008.5.1.4.1.1.7") == 0);
    CHECK(strcmp(r.transfer_syntax, "1.2.840.10008.1.2.1") == 0);
}

static void test_depth_limit(void)
{
    buf b = {{0}, 0};
    dk_scan_result r;
    dk_error err;
    part10(&b, "1.2.840.10008.1.2.1");
    for (int i = 0; i < 70; i++) {
        u16(&b, 0x0040); u16(&b, 0xA730); put(&b, "SQ", 2); u16(&b, 0); u32(&b, 0xFFFFFFFF);
        tag_len(&b, 0xFFFE, 0xE000, 0xFFFFFFFF);
    }
    for (int i = 0; i < 70; i++) {
        tag_len(&b, 0xFFFE, 0xE00D, 0);
        tag_len(&b, 0xFFFE, 0xE0DD, 0);
    }
    CHECK(scan(&b, NULL, &r, &err) == DK_ELIMIT);
    CHECK_MESSAGE(err, "sequence nesting deeper than 64 levels");
    CHECK_MESSAGE(err, "limit max_depth");
    dk_read_limits deeper = {0, 0, 100, 0};
    CHECK(scan(&b, &deeper, &r, &err) == DK_OK);
    CHECK(r.depth == 70);
}

static void test_lengths(void)
{
    buf b = {{0}, 0};
    dk_scan_result r;
    dk_error err;
    part10(&b, "1.2.840.10008.1.2.1");
    u16(&b, 0x0009); u16(&b, 0x1000); put(&b, "OB", 2); u16(&b, 0); u32(&b, 0xFFFFFFF0u);
    put(&b, "abcd", 4);
    CHECK(scan(&b, NULL, &r, &err) == DK_EFORMAT);
    CHECK_MESSAGE(err, "test.dcm: not a readable DICOM file: at offset");
    CHECK_MESSAGE(err, "(0009,1000) declares 4294967280 bytes but only 4 remain in its file");

    /* an element longer than the item that holds it */
    b.len = 0;
    part10(&b, "1.2.840.10008.1.2.1");
    u16(&b, 0x0040); u16(&b, 0xA730); put(&b, "SQ", 2); u16(&b, 0); u32(&b, 0xFFFFFFFF);
    tag_len(&b, 0xFFFE, 0xE000, 10);
    elem(&b, 0x0040, 0xA160, "UT", "0123456789ab", 12);
    tag_len(&b, 0xFFFE, 0xE0DD, 0);
    CHECK(scan(&b, NULL, &r, &err) == DK_EFORMAT);
    CHECK_MESSAGE(err, "remain in its item");

    /* no delimiter before the end */
    b.len = 0;
    part10(&b, "1.2.840.10008.1.2.1");
    u16(&b, 0x0040); u16(&b, 0xA730); put(&b, "SQ", 2); u16(&b, 0); u32(&b, 0xFFFFFFFF);
    tag_len(&b, 0xFFFE, 0xE000, 0xFFFFFFFF);
    CHECK(scan(&b, NULL, &r, &err) == DK_EFORMAT);
    CHECK_MESSAGE(err, "the file ends inside the item");

    /* an element where an item belongs */
    b.len = 0;
    part10(&b, "1.2.840.10008.1.2.1");
    u16(&b, 0x0040); u16(&b, 0xA730); put(&b, "SQ", 2); u16(&b, 0); u32(&b, 0xFFFFFFFF);
    elem(&b, 0x0010, 0x0010, "PN", "Doe", 4);
    CHECK(scan(&b, NULL, &r, &err) == DK_EFORMAT);
    CHECK_MESSAGE(err, "(0010,0010) where an item or a sequence delimiter belongs");

    /* too few bytes for a header */
    b.len = 0;
    part10(&b, "1.2.840.10008.1.2.1");
    put(&b, "\x10\x00\x10", 3);
    CHECK(scan(&b, NULL, &r, &err) == DK_EFORMAT);
    CHECK_MESSAGE(err, "3 bytes are too few for an element header");
}

static void test_element_limit(void)
{
    buf b = {{0}, 0};
    dk_scan_result r;
    dk_error err;
    part10(&b, "1.2.840.10008.1.2.1");
    u16(&b, 0x0040); u16(&b, 0xA730); put(&b, "SQ", 2); u16(&b, 0); u32(&b, 0xFFFFFFFF);
    for (int i = 0; i < 100; i++)
        tag_len(&b, 0xFFFE, 0xE000, 0);
    tag_len(&b, 0xFFFE, 0xE0DD, 0);
    dk_read_limits few = {0, 0, 0, 50};
    CHECK(scan(&b, &few, &r, &err) == DK_ELIMIT);
    CHECK_MESSAGE(err, "more than 50 elements, items and fragments");
    CHECK(scan(&b, NULL, &r, &err) == DK_OK);
    CHECK(r.elements == 102);
}

static void test_implicit_and_guess(void)
{
    /* no meta: Implicit VR guessed from the first element */
    buf b = {{0}, 0};
    dk_scan_result r;
    dk_error err;
    tag_len(&b, 0x0008, 0x0016, 26);
    put(&b, "1.2.840.10008.5.1.4.1.1.7\0", 26);
    tag_len(&b, 0x0010, 0x0010, 4);
    put(&b, "Doe ", 4);
    /* undefined length in Implicit VR is a sequence whatever the tag */
    tag_len(&b, 0x0011, 0x1010, 0xFFFFFFFF);
    tag_len(&b, 0xFFFE, 0xE000, 0);
    tag_len(&b, 0xFFFE, 0xE0DD, 0);
    CHECK(scan(&b, NULL, &r, &err) == DK_OK);
    CHECK(!r.has_meta && r.syntax == DK_SCAN_IMPLICIT_LE && r.depth == 1);
    CHECK(strcmp(r.sop_class, "1.2.840.10008.5.1.4.1.1.7") == 0);
}

static void test_private_look(void)
{
    /* a private value of defined length that holds items deeper than the limit: dcmtk's private
     * dictionary could make it a sequence, so its depth counts */
    buf b = {{0}, 0};
    dk_scan_result r;
    dk_error err;
    tag_len(&b, 0x0008, 0x0016, 26);
    put(&b, "1.2.840.10008.5.1.4.1.1.7\0", 26);
    size_t at = b.len;
    tag_len(&b, 0x0011, 0x1010, 0); /* length patched below */
    size_t start = b.len;
    for (int i = 0; i < 3; i++) {
        tag_len(&b, 0xFFFE, 0xE000, 0xFFFFFFFF);
        tag_len(&b, 0x0011, 0x1010, 0xFFFFFFFF);
    }
    tag_len(&b, 0xFFFE, 0xE000, 0);
    for (int i = 0; i < 3; i++) {
        tag_len(&b, 0xFFFE, 0xE0DD, 0);
        tag_len(&b, 0xFFFE, 0xE00D, 0);
    }
    uint32_t len = (uint32_t)(b.len - start);
    memcpy(b.data + at + 4, &len, 4);
    CHECK(scan(&b, NULL, &r, &err) == DK_OK);
    CHECK(r.depth == 4);
    /* a private value that only starts like an item is plain bytes */
    b.len = 0;
    tag_len(&b, 0x0008, 0x0016, 26);
    put(&b, "1.2.840.10008.5.1.4.1.1.7\0", 26);
    tag_len(&b, 0x0011, 0x1010, 12);
    tag_len(&b, 0xFFFE, 0xE000, 0x7FFFFFFF);
    put(&b, "junk", 4);
    CHECK(scan(&b, NULL, &r, &err) == DK_OK);
    CHECK(r.depth == 0);
}

static void test_stop_after(void)
{
    buf b = {{0}, 0};
    dk_scan_result r;
    dk_error err;
    part10(&b, "1.2.840.10008.1.2.1");
    elem(&b, 0x0010, 0x0010, "PN", "Doe^Jane", 8);
    put(&b, "garbage that is never looked at", 31);
    CHECK(dk_scan_dicom(b.data, b.len, "t", NULL, 0x00080016, NULL, NULL, &r, &err) == DK_OK);
    CHECK(r.stopped && strcmp(r.sop_class, "1.2.840.10008.5.1.4.1.1.7") == 0);
    CHECK(scan(&b, NULL, &r, &err) == DK_EFORMAT);
}

int main(void)
{
    test_accepts();
    test_depth_limit();
    test_lengths();
    test_element_limit();
    test_implicit_and_guess();
    test_private_look();
    test_stop_after();
    return finish();
}

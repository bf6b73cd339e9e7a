/* Tests of the JPEG marker layer (core/src/jpeg.c).
 *
 * usage: test_jpeg TESTDATA_JPEG_DIR
 *
 * Inputs: the real files in TESTDATA_JPEG_DIR (libjpeg-turbo test images), JPEGs made at
 * run time by cjpeg / jpegtran / wrjpgcom into a temp dir, and hand-built byte arrays.
 * Oracles we did not write: libjpeg's own trace (djpeg -verbose) for what the headers say,
 * and djpeg's decoded pixels to show that a stripped stream decodes to the same image.
 * Every input is held in a heap block of exactly its size so that AddressSanitizer or
 * valgrind sees any read past the end. Last line: "N passed, M failed". */
#define _POSIX_C_SOURCE 200809L

#include "dicomkit/jpeg.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (cond) {                                                                          \
            passed++;                                                                        \
        } else {                                                                             \
            failed++;                                                                        \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);         \
        }                                                                                    \
    } while (0)

/* A failure must carry the expected code and a message naming the input and the rule. */
#define EXPECT_ERROR(rc, err, code, needle) expect_error((rc), &(err), (code), (needle), __LINE__)

static void expect_error(int rc, const dk_error *err, int code, const char *needle, int line)
{
    if (rc == code && err->code == code && strstr(err->message, needle) != NULL) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "%s:%d: expected %s containing \"%s\", got %s \"%s\"\n", __FILE__, line,
            dk_status_name(code), needle, dk_status_name(rc), err->message);
}

/* ------------------------------------------------------------ byte buffers */

typedef struct bytes {
    unsigned char *p;
    size_t n, cap;
} bytes;

static void put(bytes *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            abort();
    }
    if (n > 0)
        memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put8(bytes *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}

static void put16(bytes *b, unsigned v)
{
    put8(b, v >> 8);
    put8(b, v & 0xFF);
}

static void put_segment(bytes *b, int marker, const void *body, size_t n)
{
    put8(b, 0xFF);
    put8(b, (unsigned)marker);
    put16(b, (unsigned)n + 2);
    put(b, body, n);
}

/* A copy in a heap block of exactly n bytes, so any over-read is caught. */
static unsigned char *exact_copy(const unsigned char *p, size_t n)
{
    unsigned char *c = malloc(n > 0 ? n : 1);
    if (c == NULL)
        abort();
    if (n > 0)
        memcpy(c, p, n);
    return c;
}

static bytes read_whole(const char *path)
{
    bytes b = {0};
    FILE *f = fopen(path, "rb");
    unsigned char chunk[4096];
    size_t got;
    if (f == NULL)
        return b;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        put(&b, chunk, got);
    fclose(f);
    unsigned char *exact = exact_copy(b.p, b.n);
    free(b.p);
    b.p = exact;
    b.cap = b.n;
    return b;
}

static int write_whole(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t put_n = fwrite(p, 1, n, f);
    return (fclose(f) == 0 && put_n == n) ? 0 : -1;
}

static int same_file_bytes(const char *a, const char *b)
{
    bytes x = read_whole(a), y = read_whole(b);
    int same = x.n > 0 && x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
    free(x.p);
    free(y.p);
    return same;
}

static char tmpdir[64];

static const char *tmp_path(const char *file)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 256, "%s/%s", tmpdir, file);
    return p;
}

static int run(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* ----------------------------------------------------------- djpeg oracle */

/* What libjpeg's own trace (djpeg -verbose) says about a file's markers. */
typedef struct oracle {
    int sof, width, height, ncomp, h[4], v[4], id[4];
    int scans, jfif, adobe_transform, restart, misc_markers;
} oracle;

static void oracle_line(oracle *o, const char *line, int *comp_left)
{
    int a, b, c, d;
    unsigned code;
    if (sscanf(line, "Start Of Frame 0x%x: width=%d, height=%d, components=%d", &code, &b, &c,
               &d) == 4) {
        o->sof = (int)code - 0xC0, o->width = b, o->height = c, o->ncomp = d;
        *comp_left = d;
    } else if (*comp_left > 0 && sscanf(line, " Component %d: %dhx%dv q=%d", &a, &b, &c, &d) == 4) {
        int i = o->ncomp - (*comp_left)--;
        if (i >= 0 && i < 4)
            o->id[i] = a, o->h[i] = b, o->v[i] = c;
    } else if (strncmp(line, "Start Of Scan", 13) == 0) {
        o->scans++;
    } else if (strncmp(line, "JFIF APP0 marker", 16) == 0) {
        o->jfif = 1;
    } else if (strncmp(line, "Adobe APP14 marker", 18) == 0 && strstr(line, "transform ")) {
        o->adobe_transform = atoi(strstr(line, "transform ") + 10);
    } else if (sscanf(line, "Define Restart Interval %d", &a) == 1) {
        o->restart = a;
    } else if (strstr(line, "Miscellaneous marker") != NULL) {
        o->misc_markers++;
    }
}

static int djpeg_oracle(const char *path, oracle *o)
{
    char cmd[512], line[512];
    int comp_left = 0;
    memset(o, 0, sizeof *o);
    o->sof = -1;
    o->adobe_transform = -1;
    snprintf(cmd, sizeof cmd, "djpeg -verbose -outfile /dev/null '%s' 2>&1", path);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    while (fgets(line, sizeof line, p) != NULL)
        oracle_line(o, line, &comp_left);
    pclose(p);
    return o->sof >= 0 ? 0 : -1;
}

static void check_against_oracle(const char *path, const dk_jpeg_info *info)
{
    oracle o;
    CHECK(djpeg_oracle(path, &o) == 0);
    CHECK(o.sof == info->sof);
    CHECK(o.width == info->width && o.height == info->height);
    CHECK(o.ncomp == info->ncomponents);
    for (int i = 0; i < info->ncomponents && i < 4; i++)
        CHECK(o.id[i] == info->comp[i].id && o.h[i] == info->comp[i].h &&
              o.v[i] == info->comp[i].v);
    CHECK(o.jfif == info->has_jfif);
    CHECK(o.adobe_transform == info->adobe_transform);
    CHECK(o.restart == info->restart_interval);
    if (info->precision == 8) /* djpeg 2.x stops at the first SOS of a 12-bit file */
        CHECK(o.scans == info->scans);
}

/* ------------------------------------------------------------ hand-built */

/* SOI, `extra` bytes, SOF, SOS and a little entropy-coded data (with a stuffed 0xFF00 and
 * an RST0), EOI. The marker layer needs no tables to walk this. */
static bytes synth(int sof_marker, int precision, unsigned w, unsigned h, int ncomp,
                   const int *ids, const bytes *extra)
{
    static const int default_ids[] = {1, 2, 3, 4, 5};
    /* enough coded bytes for a 16 x 16 lossless image's one bit per sample (32 bytes) */
    static const unsigned char entropy[] = {0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0x12, 0x12,
                                            0x12, 0x12, 0x12, 0x12, 0x12, 0x12, 0x12, 0x12, 0x12,
                                            0x12, 0x12, 0x12, 0x12, 0x12, 0x12, 0x12, 0x12, 0x12,
                                            0x12, 0x12, 0x12, 0x12, 0x12, 0x12, 0x12, 0x12, 0x12};
    bytes b = {0}, body = {0};
    if (ids == NULL)
        ids = default_ids;
    put16(&b, 0xFFD8);
    if (extra != NULL)
        put(&b, extra->p, extra->n);
    put8(&body, (unsigned)precision);
    put16(&body, h);
    put16(&body, w);
    put8(&body, (unsigned)ncomp);
    for (int i = 0; i < ncomp; i++) {
        put8(&body, (unsigned)ids[i]);
        put8(&body, i == 0 ? 0x22 : 0x11);
        put8(&body, i == 0 ? 0 : 1);
    }
    put_segment(&b, sof_marker, body.p, body.n);
    body.n = 0;
    put8(&body, 1);
    put8(&body, (unsigned)ids[0]);
    put8(&body, 0);
    put8(&body, 0);
    put8(&body, 63);
    put8(&body, 0);
    put_segment(&b, 0xDA, body.p, body.n);
    put(&b, entropy, sizeof entropy);
    put16(&b, 0xFFD9);
    free(body.p);
    unsigned char *exact = exact_copy(b.p, b.n);
    free(b.p);
    b.p = exact;
    return b;
}

static bytes synth_with(const bytes *extra)
{
    return synth(0xC0, 8, 16, 16, 3, NULL, extra);
}

static int parse(const bytes *b, dk_jpeg_info *info, dk_error *err)
{
    dk_error_clear(err);
    return dk_jpeg_read_header(b->p, b->n, "test.jpg", 0, info, err);
}

static void put_tiff16(bytes *b, unsigned v, int big)
{
    put8(b, big ? v >> 8 : v & 0xFF);
    put8(b, big ? v & 0xFF : v >> 8);
}

static void put_tiff32(bytes *b, uint32_t v, int big)
{
    put_tiff16(b, big ? v >> 16 : v & 0xFFFF, big);
    put_tiff16(b, big ? v & 0xFFFF : v >> 16, big);
}

static void put_ifd_entry(bytes *b, unsigned tag, unsigned type, uint32_t value, int big)
{
    put_tiff16(b, tag, big);
    put_tiff16(b, type, big);
    put_tiff32(b, 1, big);
    if (type == 3) { /* SHORT: left-justified in the 4-byte value field */
        put_tiff16(b, value, big);
        put_tiff16(b, 0, big);
    } else {
        put_tiff32(b, value, big);
    }
}

/* An EXIF APP1 body: IFD0 with Orientation and (optionally) the GPS IFD pointer, then a
 * GPS IFD with GPSLatitudeRef 'N' (the kind of entry stripping exists for). */
static bytes exif_body(int big, unsigned orientation, int with_gps)
{
    bytes b = {0};
    unsigned entries = with_gps ? 2 : 1;
    put(&b, "Exif\0\0", 6);
    put(&b, big ? "MM" : "II", 2);
    put_tiff16(&b, 42, big);
    put_tiff32(&b, 8, big);
    put_tiff16(&b, entries, big);
    put_ifd_entry(&b, 0x0112, 3, orientation, big);
    if (with_gps)
        put_ifd_entry(&b, 0x8825, 4, 8 + 2 + 12 * entries + 4, big);
    put_tiff32(&b, 0, big);
    if (with_gps) {
        put_tiff16(&b, 1, big);
        put_tiff16(&b, 0x0001, big); /* GPSLatitudeRef, ASCII count 2 "N\0" */
        put_tiff16(&b, 2, big);
        put_tiff32(&b, 2, big);
        put(&b, "N\0\0\0", 4);
        put_tiff32(&b, 0, big);
    }
    return b;
}

static bytes icc_chunk(int seq, int count, const unsigned char *data, size_t n)
{
    bytes b = {0};
    put(&b, "ICC_PROFILE\0", 12);
    put8(&b, (unsigned)seq);
    put8(&b, (unsigned)count);
    put(&b, data, n);
    return b;
}

static void add_app(bytes *extra, int marker, const bytes *body)
{
    put_segment(extra, marker, body->p, body->n);
}

/* ------------------------------------------------------- prefix and fuzz */

/* Every prefix shorter than the stream must fail cleanly (DK_EFORMAT, named input), and
 * never read past its end; the full stream must parse. */
static void check_every_prefix(const bytes *b, const char *label)
{
    int bad = 0;
    unsigned char *out = malloc(b->n);
    for (size_t k = 0; k < b->n; k++) {
        unsigned char *p = exact_copy(b->p, k);
        dk_jpeg_info info;
        dk_error err;
        size_t out_len = 1;
        dk_error_clear(&err);
        int rc = dk_jpeg_read_header(p, k, label, 0, &info, &err);
        if (rc != DK_EFORMAT || strstr(err.message, label) == NULL)
            bad++;
        rc = dk_jpeg_strip_metadata(p, k, label, out, &out_len, &err);
        if (rc != DK_EFORMAT || out_len != 0)
            bad++;
        free(p);
    }
    dk_jpeg_info info;
    CHECK(bad == 0);
    CHECK(dk_jpeg_read_header(b->p, b->n, label, 0, &info, NULL) == DK_OK);
    free(out);
}

/* Flip every byte of the first `span` bytes: any outcome is fine except a crash, an
 * over-read (the sanitizer's job) or a failure without a message. */
static void check_mutations(const bytes *b, size_t span)
{
    int bad = 0;
    unsigned char *out = malloc(b->n);
    for (size_t i = 0; i < span && i < b->n; i++) {
        for (int flip = 0; flip < 3; flip++) {
            unsigned char *p = exact_copy(b->p, b->n);
            p[i] = flip == 0 ? (unsigned char)(p[i] ^ 0xFF) : flip == 1 ? 0xFF : 0x00;
            dk_jpeg_info info;
            dk_error err;
            size_t out_len;
            dk_error_clear(&err);
            int rc = dk_jpeg_read_header(p, b->n, "fuzz", 0, &info, &err);
            if (rc != DK_OK && (rc > 0 || err.message[0] == '\0'))
                bad++;
            if (rc == DK_OK && info.icc_length > 0 && info.icc_length <= b->n)
                rc = dk_jpeg_copy_icc(p, b->n, "fuzz", out, info.icc_length, &err);
            rc = dk_jpeg_strip_metadata(p, b->n, "fuzz", out, &out_len, &err);
            if (rc == DK_OK && out_len > b->n)
                bad++;
            free(p);
        }
    }
    CHECK(bad == 0);
    free(out);
}

/* ------------------------------------------------------------ real files */

static void test_testorig(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/testorig.jpg", dir);
    bytes b = read_whole(path);
    dk_jpeg_info info;
    dk_error err;
    CHECK(b.n > 0);
    CHECK(parse(&b, &info, &err) == DK_OK);
    CHECK(info.sof == 0 && info.precision == 8);
    CHECK(info.width == 227 && info.height == 149 && info.ncomponents == 3);
    CHECK(info.comp[0].h == 2 && info.comp[0].v == 2 && info.comp[1].h == 1);
    CHECK(info.has_jfif && info.adobe_transform == -1);
    CHECK(info.colorspace == DK_JPEG_YCBCR);
    CHECK(info.eoi_end == b.n && info.scans == 1);
    CHECK(b.p[info.sos_offset] == 0xFF && b.p[info.sos_offset + 1] == 0xDA);
    CHECK(!info.has_exif && !info.has_comment && info.icc_length == 0);
    CHECK(dk_jpeg_baseline_obstacle(&info) == NULL);
    check_against_oracle(path, &info);
    check_every_prefix(&b, "testorig.jpg");
    check_mutations(&b, 700);
    free(b.p);
}

static void test_shared_file(const char *dir, const char *file, int sof, int precision,
                             const char *obstacle)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    bytes b = read_whole(path);
    dk_jpeg_info info;
    dk_error err;
    CHECK(b.n > 0);
    dk_error_clear(&err);
    CHECK(dk_jpeg_read_header(b.p, b.n, path, 0, &info, &err) == DK_OK);
    CHECK(info.sof == sof && info.precision == precision);
    const char *why = dk_jpeg_baseline_obstacle(&info);
    CHECK(obstacle == NULL ? why == NULL : (why != NULL && strcmp(why, obstacle) == 0));
    check_against_oracle(path, &info);
    free(b.p);
}

/* monkey12.jpg carries sRGB2014.icc: the assembled profile must say its own length in its
 * first 4 bytes and carry the 'acsp' signature at offset 36 (ICC.1 7.2). */
static void test_monkey_icc(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/monkey12.jpg", dir);
    bytes b = read_whole(path);
    dk_jpeg_info info;
    CHECK(dk_jpeg_read_header(b.p, b.n, path, 0, &info, NULL) == DK_OK);
    CHECK(info.icc_length > 128 && info.icc_chunks == 1 && !info.icc_incomplete);
    unsigned char *icc = malloc(info.icc_length);
    CHECK(dk_jpeg_copy_icc(b.p, b.n, path, icc, info.icc_length, NULL) == DK_OK);
    uint32_t declared = (uint32_t)icc[0] << 24 | (uint32_t)icc[1] << 16 | icc[2] << 8 | icc[3];
    CHECK(declared == info.icc_length);
    CHECK(memcmp(icc + 36, "acsp", 4) == 0);
    free(icc);
    free(b.p);
}

/* ------------------------------------------------------- generated by cjpeg */

static void write_ppm(const char *path)
{
    bytes b = {0};
    char head[32];
    int w = 61, h = 47; /* not multiples of the MCU size, on purpose */
    int n = snprintf(head, sizeof head, "P6\n%d %d\n255\n", w, h);
    put(&b, head, (size_t)n);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            put8(&b, (unsigned)(x * 4) & 0xFF);
            put8(&b, (unsigned)(y * 5) & 0xFF);
            put8(&b, (unsigned)(x * y) & 0xFF);
        }
    CHECK(write_whole(path, b.p, b.n) == 0);
    free(b.p);
}

/* Stripping must not change a single decoded pixel: libjpeg decodes both to PPM. */
static void check_strip_decodes_same(const char *orig_path, const bytes *orig)
{
    unsigned char *out = malloc(orig->n);
    size_t out_len = 0;
    dk_error err;
    dk_jpeg_info info;
    oracle o;
    dk_error_clear(&err);
    CHECK(dk_jpeg_strip_metadata(orig->p, orig->n, orig_path, out, &out_len, &err) == DK_OK);
    CHECK(out_len > 0 && out_len <= orig->n);
    CHECK(write_whole(tmp_path("stripped.jpg"), out, out_len) == 0);
    CHECK(run("djpeg -outfile '%s' '%s'", tmp_path("a.pnm"), orig_path) == 0);
    CHECK(run("djpeg -outfile '%s' '%s'", tmp_path("b.pnm"), tmp_path("stripped.jpg")) == 0);
    CHECK(same_file_bytes(tmp_path("a.pnm"), tmp_path("b.pnm")));
    CHECK(djpeg_oracle(tmp_path("stripped.jpg"), &o) == 0 && o.misc_markers == 0);
    bytes s = {out, out_len, out_len};
    CHECK(parse(&s, &info, &err) == DK_OK);
    CHECK((info.app_markers & ~((1u << 0) | (1u << 14))) == 0 && !info.has_comment);
    free(out);
}

typedef struct made_kind {
    const char *file, *args;
    int sof, ncomp, h0, v0, colorspace;
    const char *obstacle;
} made_kind;

static const made_kind made_kinds[] = {
    {"b420.jpg", "", 0, 3, 2, 2, DK_JPEG_YCBCR, NULL},
    {"b422.jpg", "-sample 2x1", 0, 3, 2, 1, DK_JPEG_YCBCR, NULL},
    {"b444.jpg", "-sample 1x1", 0, 3, 1, 1, DK_JPEG_YCBCR, NULL},
    {"grey.jpg", "-grayscale", 0, 1, 1, 1, DK_JPEG_GRAY, NULL},
    {"rgb.jpg", "-rgb", 0, 3, 1, 1, DK_JPEG_RGB, NULL},
    {"restart.jpg", "-restart 1", 0, 3, 2, 2, DK_JPEG_YCBCR, NULL},
    {"icc.jpg", "-icc '%s'", 0, 3, 2, 2, DK_JPEG_YCBCR, NULL},
    {"prog.jpg", "-progressive", 2, 3, 2, 2, DK_JPEG_YCBCR, "progressive (SOF2)"},
    {"arith.jpg", "-arithmetic", 9, 3, 2, 2, DK_JPEG_YCBCR, "arithmetic-coded (SOF9)"},
    {"progarith.jpg", "-progressive -arithmetic", 10, 3, 2, 2, DK_JPEG_YCBCR,
     "progressive arithmetic-coded (SOF10)"},
    {"lossless.jpg", "-lossless 1", 3, 3, 1, 1, DK_JPEG_YCBCR, "lossless (SOF3)"},
};

static int cjpeg_has_lossless(void)
{
    return run("cjpeg -help 2>&1 | grep -q -- -lossless") == 0;
}

static void check_made(const made_kind *k, const bytes *b, const char *path)
{
    dk_jpeg_info info;
    dk_error err;
    CHECK(b->n > 0);
    CHECK(parse(b, &info, &err) == DK_OK);
    CHECK(info.sof == k->sof && info.ncomponents == k->ncomp);
    CHECK(info.comp[0].h == k->h0 && info.comp[0].v == k->v0);
    CHECK(info.colorspace == k->colorspace);
    const char *why = dk_jpeg_baseline_obstacle(&info);
    CHECK(k->obstacle == NULL ? why == NULL : (why != NULL && strcmp(why, k->obstacle) == 0));
    if (why != NULL)
        fprintf(stderr, "  %s: not JPEG Baseline as is: %s\n", k->file, why);
    check_against_oracle(path, &info);
    check_strip_decodes_same(path, b);
}

static void test_made_by_cjpeg(void)
{
    unsigned char icc[70000]; /* over 65519 bytes: cjpeg must split it over two APP2 */
    for (size_t i = 0; i < sizeof icc; i++)
        icc[i] = (unsigned char)(i * 7 + (i >> 8));
    CHECK(write_whole(tmp_path("profile.icc"), icc, sizeof icc) == 0);
    write_ppm(tmp_path("in.ppm"));
    for (size_t i = 0; i < sizeof made_kinds / sizeof made_kinds[0]; i++) {
        const made_kind *k = &made_kinds[i];
        char args[512], path[256];
        if (k->sof == 3 && !cjpeg_has_lossless()) {
            fprintf(stderr, "  note: this cjpeg has no -lossless; SOF3 is tested hand-built\n");
            continue;
        }
        snprintf(args, sizeof args, k->args, tmp_path("profile.icc"));
        snprintf(path, sizeof path, "%s", tmp_path(k->file));
        CHECK(run("cjpeg %s -outfile '%s' '%s'", args, path, tmp_path("in.ppm")) == 0);
        bytes b = read_whole(path);
        check_made(k, &b, path);
        if (strcmp(k->file, "icc.jpg") == 0) {
            dk_jpeg_info info;
            unsigned char *got = malloc(sizeof icc);
            CHECK(dk_jpeg_read_header(b.p, b.n, path, 0, &info, NULL) == DK_OK);
            CHECK(info.icc_chunks == 2 && info.icc_length == sizeof icc);
            CHECK(dk_jpeg_copy_icc(b.p, b.n, path, got, sizeof icc, NULL) == DK_OK);
            CHECK(memcmp(got, icc, sizeof icc) == 0);
            free(got);
        }
        if (strcmp(k->file, "prog.jpg") == 0 || strcmp(k->file, "restart.jpg") == 0)
            check_every_prefix(&b, k->file);
        free(b.p);
    }
}

/* jpegtran (lossless transcoding) and wrjpgcom (adds a COM) as other writers. */
static void test_made_by_jpegtran(void)
{
    dk_jpeg_info info;
    CHECK(run("jpegtran -progressive -outfile '%s' '%s'", tmp_path("tran.jpg"),
              tmp_path("b420.jpg")) == 0);
    bytes b = read_whole(tmp_path("tran.jpg"));
    CHECK(dk_jpeg_read_header(b.p, b.n, "tran.jpg", 0, &info, NULL) == DK_OK);
    CHECK(info.sof == 2 && info.scans > 1);
    check_against_oracle(tmp_path("tran.jpg"), &info);
    free(b.p);
    CHECK(run("wrjpgcom -comment 'owner: Jane Doe, serial 12345' '%s' > '%s'",
              tmp_path("b420.jpg"), tmp_path("com.jpg")) == 0);
    b = read_whole(tmp_path("com.jpg"));
    CHECK(dk_jpeg_read_header(b.p, b.n, "com.jpg", 0, &info, NULL) == DK_OK);
    CHECK(info.has_comment);
    check_strip_decodes_same(tmp_path("com.jpg"), &b);
    free(b.p);
}

/* ---------------------------------------------------------------- errors */

static void test_not_jpeg(void)
{
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    dk_jpeg_info info;
    dk_error err;
    bytes empty = {exact_copy(png, 0), 0, 0}, p = {exact_copy(png, sizeof png), sizeof png, 0};
    EXPECT_ERROR(parse(&empty, &info, &err), err, DK_EFORMAT, "test.jpg: empty input");
    EXPECT_ERROR(parse(&p, &info, &err), err, DK_EFORMAT,
                 "test.jpg: not a JPEG file (starts with 89 50 4E 47");
    EXPECT_ERROR(dk_jpeg_read_header(NULL, 4, "x.jpg", 0, &info, &err), err, DK_EINVAL, "x.jpg");
    EXPECT_ERROR(dk_jpeg_read_header(p.p, p.n, "x.jpg", 0, NULL, &err), err, DK_EINVAL, "x.jpg");
    CHECK(dk_jpeg_read_header(p.p, p.n, NULL, 0, &info, NULL) == DK_EFORMAT);
    free(empty.p);
    free(p.p);
}

static void test_truncations(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/testorig.jpg", dir);
    bytes b = read_whole(path);
    dk_jpeg_info info;
    dk_error err;
    /* offset 30 is inside the first DQT (it starts at 20 and declares 67 bytes) */
    bytes mid = {exact_copy(b.p, 30), 30, 0}, noeoi = {exact_copy(b.p, b.n - 2), b.n - 2, 0};
    EXPECT_ERROR(parse(&mid, &info, &err), err, DK_EFORMAT, "truncated: DQT segment at offset 20");
    EXPECT_ERROR(parse(&noeoi, &info, &err), err, DK_EFORMAT,
                 "truncated: entropy-coded data ends without EOI");
    free(mid.p);
    free(noeoi.p);
    free(b.p);
}

static void test_size_limit(void)
{
    bytes b = synth(0xC0, 8, 65535, 65535, 3, NULL, NULL);
    dk_jpeg_info info;
    dk_error err;
    EXPECT_ERROR(parse(&b, &info, &err), err, DK_EINVAL,
                 "test.jpg: image is 65535 x 65535 = 4294836225 pixels, more than the limit of "
                 "268435456");
    /* past the pixel limit, the size must still fit the coded data: 65535 x 65535 in 4:2:0 is
     * 4096 x 4096 MCUs of 16 x 16, at least one bit each, and this stream has a few dozen bytes */
    EXPECT_ERROR(dk_jpeg_read_header(b.p, b.n, "big", (size_t)-1, &info, &err), err, DK_EFORMAT,
                 "big: declares 65535 x 65535 pixels but holds only");
    CHECK(strstr(err.message, "fewer than the 16777216 bits (one per MCU)") != NULL);
    dk_error_clear(&err);
    EXPECT_ERROR(dk_jpeg_read_header(b.p, b.n, "big", 1000, &info, &err), err, DK_EINVAL,
                 "limit of 1000");
    free(b.p);
}

static void test_bad_frames(void)
{
    dk_jpeg_info info;
    dk_error err;
    bytes b = synth(0xC0, 8, 0, 16, 3, NULL, NULL);
    EXPECT_ERROR(parse(&b, &info, &err), err, DK_EFORMAT, "SOF0 segment at offset 2: width is 0");
    free(b.p);
    b = synth(0xC0, 8, 16, 0, 3, NULL, NULL);
    EXPECT_ERROR(parse(&b, &info, &err), err, DK_EFORMAT, "height is 0");
    free(b.p);
    b = synth(0xC0, 8, 16, 16, 5, NULL, NULL);
    EXPECT_ERROR(parse(&b, &info, &err), err, DK_EFORMAT, "more than 4 components");
    free(b.p);
    b = synth(0xC5, 8, 16, 16, 3, NULL, NULL);
    EXPECT_ERROR(parse(&b, &info, &err), err, DK_EFORMAT, "unsupported marker FF C5");
    free(b.p);
    b = synth(0xF7, 8, 16, 16, 3, NULL, NULL);
    EXPECT_ERROR(parse(&b, &info, &err), err, DK_EFORMAT, "JPEG-LS");
    free(b.p);
    b = synth(0xC0, 7, 16, 16, 3, NULL, NULL);
    EXPECT_ERROR(parse(&b, &info, &err), err, DK_EFORMAT, "sample precision");
    free(b.p);
}

static void test_bad_structure(void)
{
    static const unsigned char sos_first[] = {0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01,
                                              0x00, 0x00, 0x3F, 0x00, 0x12, 0xFF, 0xD9};
    static const unsigned char tables_only[] = {0xFF, 0xD8, 0xFF, 0xDD, 0x00, 0x04,
                                                0x00, 0x01, 0xFF, 0xD9};
    static const unsigned char garbage[] = {0xFF, 0xD8, 0x00, 0xFF, 0xD9};
    static const unsigned char short_len[] = {0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01, 0xFF, 0xD9};
    static const unsigned char soi_only[] = {0xFF, 0xD8};
    const struct {
        const unsigned char *p;
        size_t n;
        const char *needle;
    } cases[] = {
        {sos_first, sizeof sos_first, "SOS before any SOF"},
        {tables_only, sizeof tables_only, "tables-only"},
        {garbage, sizeof garbage, "expected a marker at offset 2"},
        {short_len, sizeof short_len, "declares length 1"},
        {soi_only, sizeof soi_only, "truncated: data ends at offset 2 before the first SOS"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bytes b = {exact_copy(cases[i].p, cases[i].n), cases[i].n, 0};
        dk_jpeg_info info;
        dk_error err;
        EXPECT_ERROR(parse(&b, &info, &err), err, DK_EFORMAT, cases[i].needle);
        free(b.p);
    }
}

static void test_second_sof(void)
{
    bytes extra = {0};
    static const unsigned char sof[] = {8, 0, 16, 0, 16, 1, 1, 0x11, 0};
    put_segment(&extra, 0xC0, sof, sizeof sof);
    bytes b = synth_with(&extra);
    dk_jpeg_info info;
    dk_error err;
    EXPECT_ERROR(parse(&b, &info, &err), err, DK_EFORMAT, "second frame header");
    free(b.p);
    free(extra.p);
}

/* ------------------------------------------------------------- metadata */

static void check_exif(int big, unsigned orientation, int with_gps, int want_orientation)
{
    bytes body = exif_body(big, orientation, with_gps), extra = {0};
    add_app(&extra, 0xE1, &body);
    bytes b = synth_with(&extra);
    dk_jpeg_info info;
    dk_error err;
    CHECK(parse(&b, &info, &err) == DK_OK);
    CHECK(info.has_exif && info.exif_orientation == want_orientation);
    CHECK(info.has_gps == with_gps);
    CHECK(info.app_markers == (1u << 1));
    free(b.p);
    free(extra.p);
    free(body.p);
}

static void test_exif(void)
{
    check_exif(0, 6, 1, 6);
    check_exif(1, 8, 1, 8);
    check_exif(0, 3, 0, 3);
    check_exif(1, 9, 0, 0); /* out of range: treated as absent */
    /* a TIFF whose IFD count claims far more entries than the segment holds */
    bytes body = exif_body(0, 6, 1), extra = {0};
    body.p[14] = 0xFF;
    body.p[15] = 0xFF;
    add_app(&extra, 0xE1, &body);
    bytes b = synth_with(&extra);
    dk_jpeg_info info;
    CHECK(dk_jpeg_read_header(b.p, b.n, "x", 0, &info, NULL) == DK_OK && info.has_exif);
    free(b.p);
    free(extra.p);
    free(body.p);
}

/* Every kind of metadata segment, found and then stripped. */
static bytes metadata_segments(void)
{
    bytes extra = {0}, body = exif_body(1, 6, 1);
    static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta exif:GPSLatitude=\"1\"/>";
    static const char iptc[] = "Photoshop 3.0\0" "8BIM\x04\x04\0\0\0\0\0\0";
    static const char com[] = "camera serial 0042";
    static const char jfxx[] = "JFXX\0\x10";
    static const char app15[] = "vendor blob";
    add_app(&extra, 0xE1, &body);
    put_segment(&extra, 0xE1, xmp, sizeof xmp - 1);
    put_segment(&extra, 0xED, iptc, sizeof iptc - 1);
    put_segment(&extra, 0xFE, com, sizeof com - 1);
    put_segment(&extra, 0xE0, jfxx, sizeof jfxx - 1);
    put_segment(&extra, 0xEF, app15, sizeof app15 - 1);
    free(body.p);
    return extra;
}

/* Insert `extra` after the first segment (JFIF APP0 at offset 2..20 in cjpeg output). */
static bytes splice_after_app0(const bytes *jpeg, const bytes *extra, const char *tail)
{
    bytes b = {0};
    size_t app0_end = 4 + ((size_t)jpeg->p[4] << 8 | jpeg->p[5]);
    put(&b, jpeg->p, app0_end);
    put(&b, extra->p, extra->n);
    put(&b, jpeg->p + app0_end, jpeg->n - app0_end);
    put(&b, tail, strlen(tail));
    unsigned char *exact = exact_copy(b.p, b.n);
    free(b.p);
    b.p = exact;
    return b;
}

static void test_metadata_flags(const bytes *spliced, size_t trailer)
{
    dk_jpeg_info info;
    dk_error err;
    CHECK(parse(spliced, &info, &err) == DK_OK);
    CHECK(info.has_jfif && info.has_exif && info.has_xmp && info.has_iptc && info.has_comment);
    CHECK(info.has_gps && info.exif_orientation == 6);
    CHECK(info.icc_length == 300 && info.icc_chunks == 2);
    CHECK(info.app_markers == ((1u << 0) | (1u << 1) | (1u << 2) | (1u << 13) | (1u << 15)));
    CHECK(info.eoi_end == spliced->n - trailer);
    CHECK(info.colorspace == DK_JPEG_YCBCR);
}

/* Metadata spliced into a cjpeg file must come out as exactly the cjpeg file again:
 * tables and entropy-coded data byte for byte, trailing bytes gone. */
static void test_strip_spliced(void)
{
    bytes orig = read_whole(tmp_path("b420.jpg"));
    bytes extra = metadata_segments();
    unsigned char profile[300];
    for (size_t i = 0; i < sizeof profile; i++)
        profile[i] = (unsigned char)i;
    bytes c2 = icc_chunk(2, 2, profile + 100, 200), c1 = icc_chunk(1, 2, profile, 100);
    add_app(&extra, 0xE2, &c2); /* out of order on purpose */
    add_app(&extra, 0xE2, &c1);
    bytes spliced = splice_after_app0(&orig, &extra, "TRAILER: MPF image or junk");
    test_metadata_flags(&spliced, strlen("TRAILER: MPF image or junk"));
    check_mutations(&spliced, spliced.n); /* EXIF, ICC, JFIF parsing under damage */

    unsigned char got[300];
    CHECK(dk_jpeg_copy_icc(spliced.p, spliced.n, "s", got, sizeof got, NULL) == DK_OK);
    CHECK(memcmp(got, profile, sizeof profile) == 0);

    unsigned char *out = malloc(spliced.n);
    size_t out_len = 0;
    CHECK(dk_jpeg_strip_metadata(spliced.p, spliced.n, "s", out, &out_len, NULL) == DK_OK);
    CHECK(out_len == orig.n && memcmp(out, orig.p, orig.n) == 0);
    CHECK(write_whole(tmp_path("spliced.jpg"), spliced.p, spliced.n) == 0);
    check_strip_decodes_same(tmp_path("spliced.jpg"), &spliced); /* djpeg accepts our segments */

    /* in place: out == data */
    out_len = 0;
    CHECK(dk_jpeg_strip_metadata(spliced.p, spliced.n, "s", spliced.p, &out_len, NULL) == DK_OK);
    CHECK(out_len == orig.n && memcmp(spliced.p, orig.p, orig.n) == 0);
    free(out);
    free(spliced.p);
    free(c1.p);
    free(c2.p);
    free(extra.p);
    free(orig.p);
}

/* A COM after the last scan of a progressive file (markers between scans are walked too). */
static void test_strip_between_scans(void)
{
    bytes orig = read_whole(tmp_path("prog.jpg")), b = {0};
    static const char com[] = "GPS 52.1N 4.3E";
    put(&b, orig.p, orig.n - 2);
    put_segment(&b, 0xFE, com, sizeof com - 1);
    put16(&b, 0xFFD9);
    dk_jpeg_info info;
    CHECK(dk_jpeg_read_header(b.p, b.n, "p", 0, &info, NULL) == DK_OK && info.has_comment);
    unsigned char *out = malloc(b.n);
    size_t out_len = 0;
    CHECK(dk_jpeg_strip_metadata(b.p, b.n, "p", out, &out_len, NULL) == DK_OK);
    CHECK(out_len == orig.n && memcmp(out, orig.p, orig.n) == 0);
    free(out);
    free(b.p);
    free(orig.p);
}

/* JFIF APP0 keeps its 14 fixed bytes with thumbnail size 0x0; Adobe APP14 its 12. */
static void test_strip_rewrites(void)
{
    bytes extra = {0};
    static const unsigned char jfif[] = {'J', 'F', 'I', 'F', 0, 1, 2, 1, 0, 72, 0, 72,
                                         2, 1, 10, 20, 30, 40, 50, 60};
    static const unsigned char adobe[] = {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 1,
                                          'x', 'y'};
    put_segment(&extra, 0xE0, jfif, sizeof jfif);
    put8(&extra, 0xFF); /* a fill byte before the next marker */
    put_segment(&extra, 0xEE, adobe, sizeof adobe);
    bytes b = synth_with(&extra);
    unsigned char *out = malloc(b.n);
    size_t out_len = 0;
    dk_jpeg_info info;
    CHECK(dk_jpeg_strip_metadata(b.p, b.n, "t", out, &out_len, NULL) == DK_OK);
    static const unsigned char want_head[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0,
                                              1, 2, 1, 0, 72, 0, 72, 0, 0, 0xFF, 0xEE, 0, 14,
                                              'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 1};
    CHECK(out_len == b.n - 6 - 1 - 2); /* thumbnail, fill byte, Adobe tail */
    CHECK(memcmp(out, want_head, sizeof want_head) == 0);
    bytes s = {out, out_len, out_len};
    CHECK(dk_jpeg_read_header(s.p, s.n, "t", 0, &info, NULL) == DK_OK);
    CHECK(info.has_jfif && info.adobe_transform == 1);
    CHECK(memcmp(out + sizeof want_head, b.p + sizeof want_head + 6 + 1 + 2,
                 out_len - sizeof want_head) == 0);
    free(out);
    free(b.p);
    free(extra.p);
}

static void test_icc_errors(void)
{
    unsigned char data[10] = {0}, out[64];
    bytes extra = {0}, c1 = icc_chunk(1, 3, data, 10), c3 = icc_chunk(3, 3, data, 10);
    add_app(&extra, 0xE2, &c1);
    add_app(&extra, 0xE2, &c3);
    bytes b = synth_with(&extra);
    dk_jpeg_info info;
    dk_error err;
    CHECK(parse(&b, &info, &err) == DK_OK);
    CHECK(info.icc_incomplete && info.icc_length == 0 && info.icc_chunks == 2);
    EXPECT_ERROR(dk_jpeg_copy_icc(b.p, b.n, "i.jpg", out, sizeof out, &err), err, DK_EFORMAT,
                 "i.jpg: the 2 APP2 ICC_PROFILE chunks do not form one complete set");
    free(b.p);
    add_app(&extra, 0xE2, &c1); /* now 1, 3, 1: a repeat */
    b = synth_with(&extra);
    CHECK(parse(&b, &info, &err) == DK_OK && info.icc_incomplete);
    free(b.p);
    b = synth_with(NULL);
    EXPECT_ERROR(dk_jpeg_copy_icc(b.p, b.n, "i.jpg", out, sizeof out, &err), err, DK_ENOENT,
                 "no ICC profile");
    free(b.p);
    c1.p[13] = 1; /* chunk 1 of 1 */
    extra.n = 0;
    add_app(&extra, 0xE2, &c1);
    b = synth_with(&extra);
    EXPECT_ERROR(dk_jpeg_copy_icc(b.p, b.n, "i.jpg", out, 4, &err), err, DK_EINVAL,
                 "ICC profile is 10 bytes but the output buffer holds 4");
    free(b.p);
    free(extra.p);
    free(c1.p);
    free(c3.p);
}

/* -------------------------------------------------------------- colour */

static int colorspace_of(int ncomp, const int *ids, int jfif, int adobe)
{
    bytes extra = {0};
    static const unsigned char jfif_body[] = {'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
    unsigned char adobe_body[] = {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
    if (jfif)
        put_segment(&extra, 0xE0, jfif_body, sizeof jfif_body);
    if (adobe >= 0) {
        adobe_body[11] = (unsigned char)adobe;
        put_segment(&extra, 0xEE, adobe_body, sizeof adobe_body);
    }
    bytes b = synth(0xC0, 8, 16, 16, ncomp, ids, &extra);
    dk_jpeg_info info;
    int cs = dk_jpeg_read_header(b.p, b.n, "c", 0, &info, NULL) == DK_OK ? info.colorspace : -1;
    free(b.p);
    free(extra.p);
    return cs;
}

/* libjpeg-turbo's precedence (jdapimin.c default_decompress_parms). */
static void test_colorspace(void)
{
    static const int rgb[] = {'R', 'G', 'B'}, odd[] = {7, 8, 9};
    CHECK(colorspace_of(1, NULL, 0, -1) == DK_JPEG_GRAY);
    CHECK(colorspace_of(3, NULL, 0, -1) == DK_JPEG_YCBCR);
    CHECK(colorspace_of(3, rgb, 0, -1) == DK_JPEG_RGB);
    CHECK(colorspace_of(3, odd, 0, -1) == DK_JPEG_YCBCR);
    CHECK(colorspace_of(3, rgb, 1, -1) == DK_JPEG_YCBCR);  /* JFIF first */
    CHECK(colorspace_of(3, NULL, 0, 0) == DK_JPEG_RGB);    /* then Adobe */
    CHECK(colorspace_of(3, rgb, 0, 1) == DK_JPEG_YCBCR);   /* Adobe before ids */
    CHECK(colorspace_of(3, NULL, 1, 0) == DK_JPEG_YCBCR);  /* JFIF before Adobe */
    CHECK(colorspace_of(3, NULL, 0, 7) == DK_JPEG_YCBCR);
    CHECK(colorspace_of(4, NULL, 0, -1) == DK_JPEG_CMYK);
    CHECK(colorspace_of(4, NULL, 0, 0) == DK_JPEG_CMYK);
    CHECK(colorspace_of(4, NULL, 0, 2) == DK_JPEG_YCCK);
    CHECK(colorspace_of(4, NULL, 0, 1) == DK_JPEG_YCCK);
    CHECK(colorspace_of(2, NULL, 0, -1) == DK_JPEG_UNKNOWN);
}

static const char *obstacle_of(int sof_marker, int precision, int ncomp, int adobe)
{
    bytes extra = {0};
    unsigned char adobe_body[] = {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
    if (adobe >= 0) {
        adobe_body[11] = (unsigned char)adobe;
        put_segment(&extra, 0xEE, adobe_body, sizeof adobe_body);
    }
    bytes b = synth(sof_marker, precision, 16, 16, ncomp, NULL, &extra);
    dk_jpeg_info info;
    const char *why = "parse failed";
    if (dk_jpeg_read_header(b.p, b.n, "o", 0, &info, NULL) == DK_OK)
        why = dk_jpeg_baseline_obstacle(&info);
    free(b.p);
    free(extra.p);
    return why != NULL ? why : "(none)";
}

static void test_obstacles(void)
{
    CHECK(strcmp(obstacle_of(0xC0, 8, 3, -1), "(none)") == 0);
    CHECK(strcmp(obstacle_of(0xC0, 8, 1, -1), "(none)") == 0);
    CHECK(strcmp(obstacle_of(0xC1, 8, 3, -1), "extended sequential (SOF1)") == 0);
    CHECK(strcmp(obstacle_of(0xC1, 12, 3, -1), "12-bit precision") == 0);
    CHECK(strcmp(obstacle_of(0xC3, 16, 3, -1), "lossless (SOF3)") == 0);
    CHECK(strcmp(obstacle_of(0xCB, 8, 3, -1), "lossless arithmetic-coded (SOF11)") == 0);
    CHECK(strcmp(obstacle_of(0xC0, 8, 4, -1), "CMYK (4 components)") == 0);
    CHECK(strcmp(obstacle_of(0xC0, 8, 4, 2), "YCCK (4 components)") == 0);
    CHECK(strcmp(obstacle_of(0xC0, 8, 2, -1), "neither 1 nor 3 components") == 0);
    dk_jpeg_info info;
    memset(&info, 0, sizeof info);
    info.precision = 8;
    info.ncomponents = 3;
    info.quant_16bit = 1;
    CHECK(strcmp(dk_jpeg_baseline_obstacle(&info), "16-bit quantization tables") == 0);
    info.quant_16bit = 0;
    info.max_huffman_table = 2;
    CHECK(strcmp(dk_jpeg_baseline_obstacle(&info), "more than 2 Huffman tables per class") == 0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s TESTDATA_JPEG_DIR\n", argv[0]);
        return 2;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/test_jpeg.XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    test_testorig(argv[1]);
    test_shared_file(argv[1], "testimgint.jpg", 0, 8, NULL);
    test_shared_file(argv[1], "testimgari.jpg", 9, 8, "arithmetic-coded (SOF9)");
    test_shared_file(argv[1], "monkey12.jpg", 1, 12, "12-bit precision");
    test_monkey_icc(argv[1]);
    test_made_by_cjpeg();
    test_made_by_jpegtran();
    test_not_jpeg();
    test_truncations(argv[1]);
    test_size_limit();
    test_bad_frames();
    test_bad_structure();
    test_second_sof();
    test_exif();
    test_strip_spliced();
    test_strip_between_scans();
    test_strip_rewrites();
    test_icc_errors();
    test_colorspace();
    test_obstacles();
    run("rm -rf '%s'", tmpdir);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

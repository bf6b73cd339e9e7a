/* Image and raw pixel import: dk.jpeg(path_or_bytes) and ds:set_pixels(...). */
#include "ldicomkit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dicomkit/jpeg.h"
#include "dicomkit/jpeg_codec.h"
#include "dicomkit/pixels.h"

/* Where a JPEG comes from: a path (a string is always a path) or a table {path=} / {bytes=}.
 * Returns the bytes (read into *owned for a path) and names the input in *name. */
static const unsigned char *jpeg_source(lua_State *L, int idx, unsigned char **owned, size_t *len,
                                        const char **name, dk_error *err, int *rc)
{
    *owned = NULL;
    *rc = DK_OK;
    const char *path = NULL;
    if (lua_type(L, idx) == LUA_TSTRING) {
        path = lua_tostring(L, idx);
    } else if (lua_type(L, idx) == LUA_TTABLE) {
        path = ldk_string_field(L, idx, "path");
        lua_getfield(L, idx, "bytes");
        if (!lua_isnil(L, -1)) {
            if (path != NULL || lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "give a JPEG as path = FILE or bytes = STRING, not both");
            const char *bytes = lua_tolstring(L, -1, len);
            lua_pop(L, 1); /* the table keeps it */
            *name = ldk_string_field(L, idx, "name");
            if (*name == NULL)
                *name = "JPEG data";
            return (const unsigned char *)bytes;
        }
        lua_pop(L, 1);
        if (path == NULL)
            luaL_error(L, "give a JPEG as path = FILE or bytes = STRING");
    } else {
        luaL_error(L, "a JPEG path or {path=} / {bytes=} expected, got %s", luaL_typename(L, idx));
    }
    *name = path;
    if ((*rc = dk_read_file(path, owned, len, err)) != DK_OK)
        return NULL;
    return *owned;
}

static const char *colorspace_name(int cs)
{
    switch (cs) {
    case DK_JPEG_GRAY: return "GRAY";
    case DK_JPEG_YCBCR: return "YCbCr";
    case DK_JPEG_RGB: return "RGB";
    case DK_JPEG_CMYK: return "CMYK";
    case DK_JPEG_YCCK: return "YCCK";
    default: return "unknown";
    }
}

static void push_sampling(lua_State *L, const dk_jpeg_info *info)
{
    if (info->ncomponents != 3) {
        lua_pushliteral(L, "none");
        return;
    }
    int h = info->comp[0].h / (info->comp[1].h ? info->comp[1].h : 1);
    int v = info->comp[0].v / (info->comp[1].v ? info->comp[1].v : 1);
    if (h == 1 && v == 1)
        lua_pushliteral(L, "4:4:4");
    else if (h == 2 && v == 1)
        lua_pushliteral(L, "4:2:2");
    else if (h == 2 && v == 2)
        lua_pushliteral(L, "4:2:0");
    else if (h == 1 && v == 2)
        lua_pushliteral(L, "4:4:0");
    else if (h == 4 && v == 1)
        lua_pushliteral(L, "4:1:1");
    else
        lua_pushfstring(L, "%dx%d", info->comp[0].h, info->comp[0].v);
}

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

static void set_bool(lua_State *L, const char *k, int v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}

/* dk.jpeg(path | {path=} | {bytes=} [, {max_pixels=}]) -> table of what the JPEG's markers say
 * | nil, message, code */
static void push_exif(lua_State *L, const dk_exif_facts *f);

static int l_jpeg(lua_State *L)
{
    size_t max_pixels = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        max_pixels = (size_t)ldk_int_field(L, 2, "max_pixels", 0, 0, LUA_MAXINTEGER);
    }
    unsigned char *owned = NULL;
    size_t len = 0;
    const char *name = NULL;
    dk_error err;
    int rc;
    const unsigned char *data = jpeg_source(L, 1, &owned, &len, &name, &err, &rc);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    dk_jpeg_info info;
    rc = dk_jpeg_read_header(data, len, name, max_pixels, &info, &err);
    dk_exif_facts facts;
    memset(&facts, 0, sizeof facts);
    if (rc == DK_OK && info.has_exif && info.exif_len > 0) {
        dk_error ignored; /* broken EXIF is no error for the image */
        dk_exif_read(data + info.exif_offset, info.exif_len, name, &facts, &ignored);
    }
    free(owned);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    lua_createtable(L, 0, 24);
    set_int(L, "width", info.width);
    set_int(L, "height", info.height);
    set_int(L, "components", info.ncomponents);
    set_int(L, "precision", info.precision);
    set_int(L, "sof", info.sof);
    lua_pushstring(L, colorspace_name(info.colorspace));
    lua_setfield(L, -2, "colorspace");
    push_sampling(L, &info);
    lua_setfield(L, -2, "sampling");
    set_int(L, "orientation", info.exif_orientation);
    /* exif: the facts (push_exif), {} when EXIF is there but unreadable, false when absent */
    if (info.has_exif)
        push_exif(L, &facts);
    else
        lua_pushboolean(L, 0);
    lua_setfield(L, -2, "exif");
    set_bool(L, "xmp", info.has_xmp);
    set_bool(L, "iptc", info.has_iptc);
    set_bool(L, "comment", info.has_comment);
    set_bool(L, "gps", info.has_gps);
    set_bool(L, "jfif", info.has_jfif);
    set_int(L, "adobe_transform", info.adobe_transform);
    set_int(L, "icc", (lua_Integer)info.icc_length);
    set_int(L, "scans", info.scans);
    set_int(L, "restart_interval", info.restart_interval);
    set_int(L, "bytes", (lua_Integer)len);
    const char *obstacle = dk_jpeg_baseline_obstacle(&info);
    set_bool(L, "baseline", obstacle == NULL);
    if (obstacle) {
        lua_pushstring(L, obstacle);
        lua_setfield(L, -2, "obstacle");
    }
    const char *cannot = dk_jpeg_decode_obstacle(&info);
    set_bool(L, "decodable", cannot == NULL);
    lua_createtable(L, info.ncomponents, 0);
    for (int i = 0; i < info.ncomponents; i++) {
        lua_pushinteger(L, info.comp[i].id);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "component_ids");
    return 1;
}

/* EXIF facts as a table keyed by EXIF's own tag names (only those present); the identifying
 * ones too: this is the caller's own look at the file, what goes into DICOM the templates
 * decide. GPSLatitude/GPSLongitude are signed degrees, GPSAltitude metres. */
static void push_exif(lua_State *L, const dk_exif_facts *f)
{
    lua_createtable(L, 0, 16);
    const struct {
        const char *key;
        const char *value;
    } texts[] = {
        {"DateTimeOriginal", f->date_time_original}, {"Make", f->make}, {"Model", f->model},
        {"Software", f->software}, {"LensMake", f->lens_make}, {"LensModel", f->lens_model},
        {"BodySerialNumber", f->body_serial}, {"LensSerialNumber", f->lens_serial},
        {"CameraOwnerName", f->owner}, {"Artist", f->artist},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        if (texts[i].value[0] != '\0') {
            lua_pushstring(L, texts[i].value);
            lua_setfield(L, -2, texts[i].key);
        }
    }
    const struct {
        const char *key;
        double value;
    } numbers[] = {
        {"ExposureTime", f->exposure_time}, {"FNumber", f->f_number},
        {"FocalLength", f->focal_length},
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        if (numbers[i].value > 0) {
            lua_pushnumber(L, numbers[i].value);
            lua_setfield(L, -2, numbers[i].key);
        }
    }
    if (f->iso > 0)
        set_int(L, "ISOSpeedRatings", f->iso);
    if (f->flash >= 0)
        set_int(L, "Flash", f->flash);
    if (f->has_gps) {
        lua_pushnumber(L, f->latitude);
        lua_setfield(L, -2, "GPSLatitude");
        lua_pushnumber(L, f->longitude);
        lua_setfield(L, -2, "GPSLongitude");
        /* as EXIF wrote them (and as DICOM's GPS attributes hold them) */
        const double *dms[2] = {f->latitude_dms, f->longitude_dms};
        const char *dms_key[2] = {"GPSLatitudeDMS", "GPSLongitudeDMS"};
        for (int k = 0; k < 2; k++) {
            lua_createtable(L, 3, 0);
            for (int i = 0; i < 3; i++) {
                lua_pushnumber(L, dms[k][i]);
                lua_rawseti(L, -2, i + 1);
            }
            lua_setfield(L, -2, dms_key[k]);
        }
        char ref[2] = {f->latitude_ref, '\0'};
        lua_pushstring(L, ref);
        lua_setfield(L, -2, "GPSLatitudeRef");
        ref[0] = f->longitude_ref;
        lua_pushstring(L, ref);
        lua_setfield(L, -2, "GPSLongitudeRef");
        if (f->has_altitude) {
            lua_pushnumber(L, f->altitude);
            lua_setfield(L, -2, "GPSAltitude");
        }
    }
}

/* The report of an import. mode: "passthrough" (a JPEG kept as it is), "decoded" (a JPEG
 * decoded to native pixels), "lossless" (decoded pixels stored losslessly compressed: JPEG-LS
 * or deflate, as report.compression says), "native" (decoded pixels stored uncompressed). */
static void push_report(lua_State *L, const char *kind, const dk_pixel_report *r)
{
    lua_createtable(L, 0, 24);
    lua_pushstring(L, kind);
    lua_setfield(L, -2, "input");
    if (strcmp(kind, "jpeg") == 0)
        lua_pushstring(L, r->decoded ? "decoded" : "passthrough");
    else
        lua_pushstring(L, r->compressed || r->deflated ? "lossless" : "native");
    lua_setfield(L, -2, "mode");
    if (strcmp(kind, "jpeg") != 0) {
        set_int(L, "bits", r->bits);
        set_int(L, "source_bits", r->source_bits);
        set_bool(L, "palette_expanded", r->palette_expanded);
        set_bool(L, "inverted", r->inverted);
        set_int(L, "pages_skipped", r->pages_skipped);
        set_int(L, "frames", r->frames > 0 ? r->frames : 1);
        static const char *const alpha[] = {"none", "opaque", "flattened"};
        lua_pushstring(L, alpha[r->alpha >= 0 && r->alpha <= 2 ? r->alpha : 0]);
        lua_setfield(L, -2, "alpha");
        lua_pushstring(L, r->compressed ? "jpeg-ls" : r->deflated ? "deflate" : "none");
        lua_setfield(L, -2, "compression");
    }
    if (r->reason[0]) {
        lua_pushstring(L, r->reason);
        lua_setfield(L, -2, "reason");
    }
    set_int(L, "rows", r->rows);
    set_int(L, "columns", r->columns);
    set_int(L, "samples", r->samples);
    lua_pushstring(L, r->photometric);
    lua_setfield(L, -2, "photometric");
    set_int(L, "orientation", r->orientation);
    set_bool(L, "orientation_applied", r->orientation_applied);
    set_bool(L, "lossless_transform", r->lossless_transform);
    set_bool(L, "metadata_removed", r->metadata_removed);
    set_bool(L, "had_exif", r->has_exif);
    set_bool(L, "had_gps", r->has_gps);
    if (r->exif.present) {
        push_exif(L, &r->exif);
        lua_setfield(L, -2, "exif");
    }
    set_int(L, "icc", (lua_Integer)r->icc_length);
    set_int(L, "stored_bytes", (lua_Integer)r->stored_bytes);
    set_int(L, "source_bytes", (lua_Integer)r->source_bytes);
    lua_pushnumber(L, r->compression_ratio);
    lua_setfield(L, -2, "compression_ratio");
    lua_pushstring(L, r->transfer_syntax);
    lua_setfield(L, -2, "transfer_syntax");
}

/* The first bytes of a file, to tell what it is; -1 with err when it cannot be read. */
static int peek_file(const char *path, unsigned char *head, size_t cap, size_t *got, dk_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        return dk_error_set(err, e == ENOENT ? DK_ENOENT : DK_EIO, "%s: %s", path, strerror(e));
    }
    *got = fread(head, 1, cap, f);
    fclose(f);
    return DK_OK;
}

/* The error for bytes that are no image dicomkit imports: what they start with. */
static int refuse_kind(lua_State *L, const char *name, const unsigned char *head, size_t n)
{
    char hex[3 * 8 + 1] = "";
    size_t k = n < 8 ? n : 8;
    for (size_t i = 0, at = 0; i < k; i++)
        at += (size_t)snprintf(hex + at, sizeof hex - at, i ? " %02X" : "%02X", head[i]);
    dk_error err;
    if (n == 0)
        dk_error_set(&err, DK_EFORMAT, "%s: empty file, not an image", name);
    else
        dk_error_set(&err, DK_EFORMAT,
                     "%s: not an image dicomkit imports (a JPEG starts with FF D8 FF, a PNG with "
                     "89 50 4E 47 0D 0A 1A 0A, a TIFF with 49 49 2A 00 or 4D 4D 00 2A, a HEIC "
                     "with an ftyp box naming heic or mif1); it starts with %s",
                     name, hex);
    return ldk_fail(L, &err);
}

/* A PDF given as pixels: it has a place of its own. */
static int refuse_pdf(lua_State *L, const char *name)
{
    dk_error err;
    dk_error_set(&err, DK_EUNSUPPORTED, "%s: a PDF is no image; it goes whole into an Encapsulated "
                 "PDF (dicomkit create encapsulated_pdf --input FILE, ds:set_document)", name);
    return ldk_fail(L, &err);
}

/* opts.flatten: "white", "black", "R,G,B" (0..255 each) or {R, G, B}. Returns 1 when set. */
static int flatten_option(lua_State *L, int idx, unsigned char bg[3])
{
    lua_getfield(L, idx, "flatten");
    int t = lua_type(L, -1);
    int ok = 1, set = 1;
    int v[3] = {0, 0, 0};
    if (t == LUA_TNIL || (t == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
        set = 0;
    } else if (t == LUA_TBOOLEAN) {
        v[0] = v[1] = v[2] = 255; /* flatten = true: onto white */
    } else if (t == LUA_TSTRING) {
        const char *s = lua_tostring(L, -1);
        char tail;
        if (strcmp(s, "white") == 0)
            v[0] = v[1] = v[2] = 255;
        else if (strcmp(s, "black") == 0)
            ;
        else if (sscanf(s, "%d,%d,%d%c", &v[0], &v[1], &v[2], &tail) != 3)
            ok = 0;
    } else if (t == LUA_TTABLE) {
        for (int i = 0; i < 3; i++) {
            lua_rawgeti(L, -1 - i, i + 1);
            ok = ok && lua_isinteger(L, -1);
            v[i] = (int)lua_tointeger(L, -1);
        }
        lua_pop(L, 3);
    } else {
        ok = 0;
    }
    for (int i = 0; i < 3; i++)
        if (v[i] < 0 || v[i] > 255)
            ok = 0;
    if (!ok)
        luaL_error(L, "flatten: give \"white\", \"black\", \"R,G,B\" or {R, G, B} with each "
                      "0..255");
    lua_pop(L, 1);
    for (int i = 0; i < 3; i++)
        bg[i] = (unsigned char)v[i];
    return set;
}

/* Raw pixels from {rows=, columns=, samples=, bits=, data=, photometric=}: wrong sizes are the
 * caller's mistake and raise. */
static int set_raw_pixels(lua_State *L, dk_dataset *ds)
{
    int rows = (int)ldk_int_field(L, 2, "rows", 0, 1, 65535);
    int columns = (int)ldk_int_field(L, 2, "columns", 0, 1, 65535);
    int samples = (int)ldk_int_field(L, 2, "samples", 1, 1, 3);
    int bits = (int)ldk_int_field(L, 2, "bits", 8, 1, 16);
    const char *photometric = ldk_string_field(L, 2, "photometric");
    lua_getfield(L, 2, "data");
    size_t len;
    const char *data = lua_tolstring(L, -1, &len);
    if (data == NULL || lua_type(L, -1) != LUA_TSTRING)
        return luaL_error(L, "pixels: data must be a string of bytes, got %s", luaL_typename(L, -1));
    dk_error err;
    if (dk_dataset_set_native_pixels(ds, rows, columns, samples, bits, photometric, data, len,
                                     &err) != DK_OK)
        return ldk_raise_or_fail(L, &err);
    lua_createtable(L, 0, 8);
    lua_pushliteral(L, "native");
    lua_setfield(L, -2, "mode");
    set_int(L, "rows", rows);
    set_int(L, "columns", columns);
    set_int(L, "samples", samples);
    set_int(L, "bits", bits);
    lua_pushstring(L, photometric ? photometric : samples == 1 ? "MONOCHROME2" : "RGB");
    lua_setfield(L, -2, "photometric");
    set_int(L, "stored_bytes", (lua_Integer)len);
    lua_pushliteral(L, DK_TS_EXPLICIT_LE);
    lua_setfield(L, -2, "transfer_syntax");
    return 1;
}

/* A kind as a user names it. */
static const char *kind_label(const char *kind)
{
    return strcmp(kind, "jpeg") == 0   ? "JPEG"
           : strcmp(kind, "png") == 0  ? "PNG"
           : strcmp(kind, "tiff") == 0 ? "TIFF"
           : strcmp(kind, "heif") == 0 ? "HEIC"
                                       : "PDF";
}

/* The refusal for a kind that cannot be a frame (a PDF). */
static int refuse_frame_kind(lua_State *L, const char *name, const char *kind)
{
    dk_error err;
    dk_error_set(&err, DK_EUNSUPPORTED, "%s: a %s cannot be a frame of an image; a PDF goes into "
                 "an Encapsulated PDF (template encapsulated_pdf)", name, kind_label(kind));
    return ldk_fail(L, &err);
}

/* Frames: an array of paths (or {path=} / {bytes=, name=} tables) into one object: all JPEGs
 * (pass-through or decoded as `opts` says; paths are read by the core, each once into its
 * fragment; bytes are copied from Lua's strings), or all PNG, TIFF or HEIF (decoded as
 * `decoding` says, stored as `compression`). */
static int set_frames(lua_State *L, dk_dataset *ds, const dk_jpeg_options *opts,
                      const dk_decode_options *decoding, int compression)
{
    lua_Integer n = luaL_len(L, 2);
    if (n > DK_MAX_FRAMES) {
        dk_error err;
        dk_error_set(&err, DK_ELIMIT, "frames: %lld given, more than the %d one object takes here",
                     (long long)n, DK_MAX_FRAMES);
        return ldk_fail(L, &err);
    }
    dk_image_bytes *frames = lua_newuserdatauv(L, sizeof *frames * (size_t)n, 0);
    const char **paths = lua_newuserdatauv(L, sizeof *paths * (size_t)n, 0);
    lua_createtable(L, 0, 0); /* keeps the strings the arrays point into */
    int keep = lua_gettop(L);
    int all_paths = 1, decoded = 0; /* decoded: the frames are PNG, TIFF or HEIF */
    const char *first_kind = NULL, *first_name = NULL;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        int t = lua_gettop(L);
        const char *path = NULL, *name = NULL, *bytes = NULL;
        size_t len = 0;
        if (lua_type(L, t) == LUA_TSTRING) {
            path = lua_tostring(L, t);
        } else if (lua_type(L, t) == LUA_TTABLE) {
            path = ldk_string_field(L, t, "path");
            if (path == NULL) {
                lua_getfield(L, t, "bytes");
                bytes = lua_tolstring(L, -1, &len);
                if (bytes == NULL || lua_type(L, -1) != LUA_TSTRING)
                    return luaL_error(L, "set_pixels: frame %d: give a path, {path=} or {bytes=}",
                                      (int)i);
                lua_pop(L, 1); /* the frame's table keeps it */
                name = ldk_string_field(L, t, "name");
            }
        } else {
            return luaL_error(L, "set_pixels: frame %d: a path or {path=} / {bytes=} expected, "
                                 "got %s", (int)i, luaL_typename(L, t));
        }
        lua_rawseti(L, keep, i); /* the frame's entry: its strings live as long as `keep` */
        const char *kind;
        if (path != NULL) {
            unsigned char head[64];
            size_t got = 0;
            dk_error err;
            if (peek_file(path, head, sizeof head, &got, &err) != DK_OK)
                return ldk_fail(L, &err);
            kind = dk_image_kind(head, got);
            if (kind == NULL)
                return refuse_kind(L, path, head, got);
            name = path;
        } else {
            all_paths = 0;
            if (name == NULL) {
                lua_pushfstring(L, "frame %d", (int)i);
                name = lua_tostring(L, -1);
                lua_rawseti(L, keep, n + i);
            }
            kind = dk_image_kind((const unsigned char *)bytes, len);
            if (kind == NULL)
                return refuse_kind(L, name, (const unsigned char *)bytes, len);
        }
        if (strcmp(kind, "pdf") == 0)
            return refuse_frame_kind(L, name, kind);
        if (i == 1) {
            first_kind = kind;
            first_name = name;
            decoded = strcmp(kind, "jpeg") != 0;
        } else if (decoded != (strcmp(kind, "jpeg") != 0)) {
            dk_error err;
            dk_error_set(&err, DK_EINVAL, "%s: a %s among frames that start with a %s (%s); the "
                         "frames of one object are all JPEG (kept as they are) or all PNG, "
                         "TIFF or HEIC (decoded)", name, kind_label(kind), kind_label(first_kind),
                         first_name);
            return ldk_fail(L, &err);
        }
        paths[i - 1] = path;
        frames[i - 1].data = (const unsigned char *)bytes;
        frames[i - 1].len = len;
        frames[i - 1].name = name;
    }
    dk_pixel_report report;
    dk_error err;
    int rc;
    if (all_paths && !decoded) {
        rc = dk_dataset_set_jpeg_frame_files(ds, paths, (size_t)n, opts, &report, &err);
    } else {
        /* some frames are bytes: read the paths among them here */
        for (lua_Integer i = 0; i < n; i++) {
            if (paths[i] == NULL)
                continue;
            unsigned char *data = NULL;
            size_t len = 0;
            if (dk_read_file(paths[i], &data, &len, &err) != DK_OK)
                return ldk_fail(L, &err);
            lua_pushlstring(L, (const char *)data, len);
            dk_free(data);
            frames[i].data = (const unsigned char *)lua_tostring(L, -1);
            frames[i].len = len;
            lua_rawseti(L, keep, 2 * n + i + 1);
        }
        rc = decoded ? dk_dataset_set_images(ds, frames, (size_t)n, decoding, compression,
                                             &report, &err)
                     : dk_dataset_set_jpeg_frames(ds, frames, (size_t)n, opts, &report, &err);
    }
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    push_report(L, decoded ? first_kind : "jpeg", &report);
    set_int(L, "frames", report.frames);
    return 1;
}

/* ds:set_pixels(source [, opts]) -> report | nil, message, code
 *   source: an image path (a string is always a path), {path=} or {bytes=[, name=]}: a JPEG, a
 *   PNG, a TIFF (every page a frame) or a HEIC, told apart by their first bytes; an array of
 *   paths (or {path=} / {bytes=} tables), the frames of one object, all JPEG or all PNG, TIFF
 *   or HEIC; or {rows=, columns=, samples=, bits=, data=,
 *   photometric=} for raw pixels.
 *   opts (JPEG): decode, keep_markers, allow_rgb, orientation = "apply"|"keep", max_pixels.
 *   opts (PNG, TIFF, HEIC): flatten = "white"|"black"|"R,G,B"|{R,G,B}, compression = "jpeg-ls" (default)
 *   | "deflate" | "none", uncompressed (= compression "none"), max_pixels. */
static int l_set_pixels(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    if (!dk_dataset_is_root(ds))
        return luaL_error(L, "set_pixels: pixels go into a root dataset, not a sequence item");
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_getfield(L, 2, "data");
        int raw = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (raw)
            return set_raw_pixels(L, ds);
    }
    dk_jpeg_options opts;
    memset(&opts, 0, sizeof opts);
    if (!lua_isnoneornil(L, 3)) {
        luaL_checktype(L, 3, LUA_TTABLE);
        opts.decode = ldk_bool_field(L, 3, "decode");
        opts.keep_markers = ldk_bool_field(L, 3, "keep_markers");
        opts.allow_rgb = ldk_bool_field(L, 3, "allow_rgb");
        opts.max_pixels = (size_t)ldk_int_field(L, 3, "max_pixels", 0, 0, LUA_MAXINTEGER);
        lua_getfield(L, 3, "orientation");
        static const char *const modes[] = {"apply", "keep", NULL};
        opts.keep_orientation = lua_isnil(L, -1) ? 0 : luaL_checkoption(L, -1, NULL, modes);
        lua_pop(L, 1);
    }
    dk_decode_options decoding; /* PNG, TIFF, HEIF */
    memset(&decoding, 0, sizeof decoding);
    int compression = DK_COMPRESS_JPEGLS;
    if (!lua_isnoneornil(L, 3)) {
        decoding.flatten = flatten_option(L, 3, decoding.background);
        decoding.max_pixels = opts.max_pixels;
        lua_getfield(L, 3, "compression");
        static const char *const kinds[] = {"jpeg-ls", "none", "deflate", NULL};
        if (!lua_isnil(L, -1))
            compression = luaL_checkoption(L, -1, NULL, kinds);
        lua_pop(L, 1);
        if (ldk_bool_field(L, 3, "uncompressed")) {
            if (compression != DK_COMPRESS_JPEGLS && compression != DK_COMPRESS_NONE)
                return luaL_error(L, "set_pixels: uncompressed and compression = '%s' disagree",
                                  kinds[compression]);
            compression = DK_COMPRESS_NONE;
        }
    }

    if (lua_type(L, 2) == LUA_TTABLE && lua_rawlen(L, 2) > 0)
        return set_frames(L, ds, &opts, &decoding, compression);

    /* the source: a path, or bytes held by Lua */
    const char *path = NULL, *name = NULL;
    const unsigned char *bytes = NULL;
    size_t len = 0;
    if (lua_type(L, 2) == LUA_TSTRING) {
        path = lua_tostring(L, 2);
    } else {
        luaL_checktype(L, 2, LUA_TTABLE);
        path = ldk_string_field(L, 2, "path");
        if (path == NULL) {
            lua_getfield(L, 2, "bytes");
            bytes = (const unsigned char *)lua_tolstring(L, -1, &len);
            if (bytes == NULL || lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "set_pixels: give path = FILE, bytes = STRING or raw pixels "
                                     "{rows=, columns=, data=, ...}");
            lua_pop(L, 1); /* the table keeps it */
            name = ldk_string_field(L, 2, "name");
        }
    }
    dk_pixel_report report;
    dk_error err;
    int rc;
    const char *kind;
    if (path != NULL) {
        unsigned char head[64]; /* a HEIF's ftyp box lists its brands */
        size_t n = 0;
        if ((rc = peek_file(path, head, sizeof head, &n, &err)) != DK_OK)
            return ldk_fail(L, &err);
        kind = dk_image_kind(head, n);
        if (kind == NULL)
            return refuse_kind(L, path, head, n);
        if (strcmp(kind, "pdf") == 0)
            return refuse_pdf(L, path);
        if (strcmp(kind, "jpeg") == 0) {
            rc = dk_dataset_set_jpeg_file(ds, path, &opts, &report, &err);
        } else {
            unsigned char *data = NULL;
            rc = dk_read_file(path, &data, &len, &err);
            if (rc == DK_OK)
                rc = dk_dataset_set_image(ds, data, len, path, &decoding, compression, &report, &err);
            dk_free(data);
        }
    } else {
        kind = dk_image_kind(bytes, len);
        if (name == NULL) /* the string stays on the stack for the call */
            name = kind == NULL ? "image data" : lua_pushfstring(L, "%s data", kind_label(kind));
        if (kind == NULL)
            return refuse_kind(L, name, bytes, len);
        if (strcmp(kind, "pdf") == 0)
            return refuse_pdf(L, name);
        if (strcmp(kind, "jpeg") == 0)
            rc = dk_dataset_set_jpeg(ds, bytes, len, name, &opts, &report, &err);
        else
            rc = dk_dataset_set_image(ds, bytes, len, name, &decoding, compression, &report, &err);
    }
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    push_report(L, kind, &report);
    return 1;
}

static void push_pdf_info(lua_State *L, const dk_pdf_info *info, size_t len)
{
    lua_createtable(L, 0, 8);
    lua_pushfstring(L, "%d.%d", info->major, info->minor);
    lua_setfield(L, -2, "version");
    if (info->has_title) {
        lua_pushstring(L, info->title);
        lua_setfield(L, -2, "title");
    }
    set_bool(L, "title_truncated", info->title_truncated);
    set_bool(L, "encrypted", info->encrypted);
    set_int(L, "header_offset", (lua_Integer)info->header_offset);
    set_int(L, "bytes", (lua_Integer)len);
    lua_pushliteral(L, "application/pdf");
    lua_setfield(L, -2, "mime");
}

/* A document's bytes from a path, {path=} or {bytes=, name=}: *owned is malloc'ed for a path. */
static const unsigned char *document_source(lua_State *L, int idx, unsigned char **owned,
                                            size_t *len, const char **name, dk_error *err, int *rc)
{
    *owned = NULL;
    *rc = DK_OK;
    const char *path = NULL;
    if (lua_type(L, idx) == LUA_TSTRING) {
        path = lua_tostring(L, idx);
    } else if (lua_type(L, idx) == LUA_TTABLE) {
        path = ldk_string_field(L, idx, "path");
        if (path == NULL) {
            lua_getfield(L, idx, "bytes");
            const char *bytes = lua_tolstring(L, -1, len);
            if (bytes == NULL || lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "give a document as a path, {path=} or {bytes=[, name=]}");
            lua_pop(L, 1);
            *name = ldk_string_field(L, idx, "name");
            if (*name == NULL)
                *name = "PDF data";
            return (const unsigned char *)bytes;
        }
    } else {
        luaL_error(L, "a document path or {path=} / {bytes=} expected, got %s", luaL_typename(L, idx));
    }
    *name = path;
    if ((*rc = dk_read_file(path, owned, len, err)) != DK_OK)
        return NULL;
    return *owned;
}

/* dk.pdf(path | {path=} | {bytes=}) -> {version, title, encrypted, bytes, ...} | nil, msg, code */
static int l_pdf(lua_State *L)
{
    unsigned char *owned;
    size_t len = 0;
    const char *name = NULL;
    dk_error err;
    int rc;
    const unsigned char *data = document_source(L, 1, &owned, &len, &name, &err, &rc);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    dk_pdf_info info;
    rc = dk_pdf_read(data, len, name, &info, &err);
    free(owned);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    push_pdf_info(L, &info, len);
    return 1;
}

/* ds:set_document(path | {path=} | {bytes=, name=}) -> report (dk.pdf's table) | nil, msg, code:
 * the PDF whole into EncapsulatedDocument. */
static int l_set_document(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    if (!dk_dataset_is_root(ds))
        return luaL_error(L, "set_document: a document goes into a root dataset, not a sequence item");
    unsigned char *owned;
    size_t len = 0;
    const char *name = NULL;
    dk_error err;
    int rc;
    const unsigned char *data = document_source(L, 2, &owned, &len, &name, &err, &rc);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    const char *kind = dk_image_kind(data, len);
    if (kind != NULL && strcmp(kind, "pdf") != 0) {
        free(owned);
        dk_error_set(&err, DK_EUNSUPPORTED, "%s: a %s is no document; images go in with "
                     "set_pixels (an image template)", name, kind);
        return ldk_fail(L, &err);
    }
    dk_pdf_info info;
    rc = dk_dataset_set_pdf(ds, data, len, name, &info, &err);
    free(owned);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    push_pdf_info(L, &info, len);
    return 1;
}

void ldk_open_pixels(lua_State *L)
{
    lua_pushcfunction(L, l_pdf);
    lua_setfield(L, -2, "pdf");
    /* the module table is at the top of the stack */
    lua_pushcfunction(L, l_jpeg);
    lua_setfield(L, -2, "jpeg");
    luaL_getmetatable(L, DK_DATASET_MT);
    lua_getfield(L, -1, "__methods");
    lua_pushcfunction(L, l_set_pixels);
    lua_setfield(L, -2, "set_pixels");
    lua_pushcfunction(L, l_set_document);
    lua_setfield(L, -2, "set_document");
    lua_pop(L, 2);
}

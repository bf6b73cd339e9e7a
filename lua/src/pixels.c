/* JPEG and raw pixel import: dk.jpeg(path_or_bytes) and ds:set_pixels(...). */
#include "ldicomkit.h"

#include <stdlib.h>
#include <string.h>

#include "dicomkit/jpeg.h"
#include "dicomkit/jpeg_codec.h"
#include "dicomkit/pixels.h"

/* A JPEG given as bytes starts with SOI; anything else is a path (a path never holds NUL). */
static int is_jpeg_bytes(const char *s, size_t len)
{
    return (len >= 2 && (unsigned char)s[0] == 0xFF && (unsigned char)s[1] == 0xD8) ||
           memchr(s, '\0', len) != NULL;
}

static size_t opt_size(lua_State *L, int opts, const char *field)
{
    if (lua_isnoneornil(L, opts))
        return 0;
    lua_getfield(L, opts, field);
    lua_Integer v = luaL_optinteger(L, -1, 0);
    lua_pop(L, 1);
    if (v < 0)
        luaL_error(L, "%s must not be negative", field);
    return (size_t)v;
}

static int opt_bool(lua_State *L, int opts, const char *field)
{
    if (lua_isnoneornil(L, opts))
        return 0;
    int t = lua_getfield(L, opts, field);
    if (t != LUA_TNIL && t != LUA_TBOOLEAN)
        luaL_error(L, "option %s must be a boolean, got %s", field, luaL_typename(L, -1));
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
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

/* dk.jpeg(path_or_bytes [, {max_pixels=}]) -> table of what the JPEG's markers say */
static int l_jpeg(lua_State *L)
{
    size_t len;
    const char *arg = luaL_checklstring(L, 1, &len);
    size_t max_pixels = opt_size(L, 2, "max_pixels");
    unsigned char *owned = NULL;
    const unsigned char *data = (const unsigned char *)arg;
    const char *name = "JPEG data";
    dk_error err;
    if (!is_jpeg_bytes(arg, len)) {
        if (dk_read_file(arg, &owned, &len, &err) != DK_OK)
            return ldk_fail(L, &err);
        data = owned;
        name = arg;
    }
    dk_jpeg_info info;
    int rc = dk_jpeg_read_header(data, len, name, max_pixels, &info, &err);
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
    set_bool(L, "exif", info.has_exif);
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

static void push_report(lua_State *L, const dk_pixel_report *r)
{
    lua_createtable(L, 0, 16);
    lua_pushstring(L, r->decoded ? "decoded" : "passthrough");
    lua_setfield(L, -2, "mode");
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
    set_int(L, "icc", (lua_Integer)r->icc_length);
    set_int(L, "stored_bytes", (lua_Integer)r->stored_bytes);
    set_int(L, "source_bytes", (lua_Integer)r->source_bytes);
    lua_pushnumber(L, r->compression_ratio);
    lua_setfield(L, -2, "compression_ratio");
    lua_pushstring(L, r->decoded ? DK_TS_EXPLICIT_LE : DK_TS_JPEG_BASELINE);
    lua_setfield(L, -2, "transfer_syntax");
}

static int set_raw_pixels(lua_State *L, dk_dataset *ds)
{
    lua_getfield(L, 2, "rows");
    lua_getfield(L, 2, "columns");
    lua_getfield(L, 2, "samples");
    lua_getfield(L, 2, "bits");
    lua_getfield(L, 2, "data");
    lua_getfield(L, 2, "photometric");
    int rows = (int)luaL_checkinteger(L, -6);
    int columns = (int)luaL_checkinteger(L, -5);
    int samples = (int)luaL_optinteger(L, -4, 1);
    int bits = (int)luaL_optinteger(L, -3, 8);
    size_t len;
    const char *data = lua_tolstring(L, -2, &len);
    if (data == NULL || lua_type(L, -2) != LUA_TSTRING)
        return luaL_error(L, "pixels: data must be a string of bytes, got %s", luaL_typename(L, -2));
    const char *photometric = luaL_optstring(L, -1, NULL);
    dk_error err;
    if (dk_dataset_set_native_pixels(ds, rows, columns, samples, bits, photometric, data, len,
                                     &err) != DK_OK)
        return ldk_raise(L, &err);
    lua_settop(L, 1);
    return 1;
}

/* ds:set_pixels(jpeg_path_or_bytes [, opts]) -> report | nil, message, code
 * ds:set_pixels{rows=, columns=, samples=, bits=, data=, photometric=} -> ds */
static int l_set_pixels(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    if (lua_type(L, 2) == LUA_TTABLE)
        return set_raw_pixels(L, ds);
    size_t len;
    const char *arg = luaL_checklstring(L, 2, &len);
    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TTABLE);
    dk_jpeg_options opts;
    memset(&opts, 0, sizeof opts);
    opts.decode = opt_bool(L, 3, "decode");
    opts.keep_markers = opt_bool(L, 3, "keep_markers");
    opts.allow_rgb = opt_bool(L, 3, "allow_rgb");
    opts.max_pixels = opt_size(L, 3, "max_pixels");
    if (!lua_isnoneornil(L, 3)) {
        lua_getfield(L, 3, "orientation");
        static const char *const modes[] = {"apply", "keep", NULL};
        opts.keep_orientation = lua_isnil(L, -1) ? 0 : luaL_checkoption(L, -1, NULL, modes);
        lua_pop(L, 1);
    }
    if (!dk_dataset_is_root(ds))
        return luaL_error(L, "set_pixels: pixels go into a root dataset, not a sequence item");
    dk_pixel_report report;
    dk_error err;
    int rc = is_jpeg_bytes(arg, len)
                 ? dk_dataset_set_jpeg(ds, (const unsigned char *)arg, len, "JPEG data", &opts,
                                       &report, &err)
                 : dk_dataset_set_jpeg_file(ds, arg, &opts, &report, &err);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    push_report(L, &report);
    return 1;
}

void ldk_open_pixels(lua_State *L)
{
    /* the module table is at the top of the stack */
    lua_pushcfunction(L, l_jpeg);
    lua_setfield(L, -2, "jpeg");
    luaL_getmetatable(L, DK_DATASET_MT);
    lua_getfield(L, -1, "__methods");
    lua_pushcfunction(L, l_set_pixels);
    lua_setfield(L, -2, "set_pixels");
    lua_pop(L, 2);
}

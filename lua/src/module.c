/* dicomkit.core: the C binding. The facade dicomkit/init.lua requires it. */
#include "ldicomkit.h"

#include <string.h>

#include "dicomkit/jpeg_codec.h"
#include "dicomkit/uid.h"
#include "dicomkit/vr.h"

/* dk.uid(), dk.uid{root=...}, dk.uid{from=...}, dk.uid{root=..., from=...} */
static int l_uid(lua_State *L)
{
    const char *root = NULL, *from = NULL;
    size_t from_len = 0;
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        root = ldk_string_field(L, 1, "root");
        if (ldk_string_field(L, 1, "from") != NULL) {
            /* with its length: the text may hold NULs */
            lua_getfield(L, 1, "from");
            from = lua_tolstring(L, -1, &from_len);
            lua_pop(L, 1); /* the table keeps it */
        }
    }
    char out[DK_UID_MAX + 1];
    dk_error err;
    int rc = dk_uid_generate(out, root, from, from_len, &err);
    if (rc == DK_EINVAL)
        return ldk_raise(L, &err);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    lua_pushstring(L, out);
    return 1;
}

static int l_is_uid(lua_State *L)
{
    size_t len = 0;
    const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
    lua_pushboolean(L, s != NULL && dk_uid_valid(s, len));
    return 1;
}

static void push_entry(lua_State *L, const dk_dict_entry *e)
{
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)e->tag);
    lua_setfield(L, -2, "tag");
    lua_pushstring(L, e->keyword);
    lua_setfield(L, -2, "keyword");
    lua_pushstring(L, e->vr);
    lua_setfield(L, -2, "vr");
    if (e->vm_max < 0)
        lua_pushfstring(L, "%d-n", e->vm_min);
    else if (e->vm_max == e->vm_min)
        lua_pushfstring(L, "%d", e->vm_min);
    else
        lua_pushfstring(L, "%d-%d", e->vm_min, e->vm_max);
    lua_setfield(L, -2, "vm");
}

/* A tag argument: an integer from 0 to 0xFFFFFFFF (never truncated to 32 bits). */
static uint32_t check_tag_number(lua_State *L, int idx)
{
    int is_integer = 0;
    lua_Integer tag = lua_tointegerx(L, idx, &is_integer);
    luaL_argcheck(L, is_integer && tag >= 0 && tag <= 0xFFFFFFFFLL, idx,
                  "tag must be an integer from 0 to 0xFFFFFFFF");
    return (uint32_t)tag;
}

/* dk.dictionary(keyword_or_tag) -> {tag=, keyword=, vr=, vm=} or nil */
static int l_dictionary(lua_State *L)
{
    dk_dict_entry e;
    int rc;
    if (lua_type(L, 1) == LUA_TNUMBER)
        rc = dk_dict_find_tag(check_tag_number(L, 1), &e, NULL);
    else
        rc = dk_dict_find_keyword(luaL_checkstring(L, 1), &e, NULL);
    if (rc != DK_OK) {
        lua_pushnil(L);
        return 1;
    }
    push_entry(L, &e);
    return 1;
}

/* dk.keyword(tag) -> "PatientName" or nil (nil for private tags) */
static int l_keyword(lua_State *L)
{
    uint32_t tag = check_tag_number(L, 1);
    dk_dict_entry e;
    if (dk_dict_find_tag(tag, &e, NULL) != DK_OK || (tag >> 16) % 2 == 1)
        lua_pushnil(L);
    else
        lua_pushstring(L, e.keyword);
    return 1;
}

/* dk.tag(keyword) -> 0x00100010 or nil */
static int l_tag(lua_State *L)
{
    dk_dict_entry e;
    if (dk_dict_find_keyword(luaL_checkstring(L, 1), &e, NULL) != DK_OK)
        lua_pushnil(L);
    else
        lua_pushinteger(L, (lua_Integer)e.tag);
    return 1;
}

/* dk.keywords() -> array of every keyword of the dictionary, sorted */
static int l_keywords(lua_State *L)
{
    size_t n = 0;
    dk_error err;
    const dk_dict_entry *all = dk_dict_entries(&n, &err);
    if (all == NULL)
        return ldk_raise(L, &err);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, all[i].keyword);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* dk._check_string(vr, value [, what]) -> true, vm | false, message: the value rules of PS3.5
 * 6.2 that the setters apply (dk_vr_check_string), for a validator reading what others wrote */
static int l_check_string(lua_State *L)
{
    const char *vr = luaL_checkstring(L, 1);
    size_t len;
    const char *value = luaL_checklstring(L, 2, &len);
    const char *what = luaL_optstring(L, 3, "value");
    unsigned vm = 0;
    dk_error err;
    if (dk_vr_check_string(vr, value, len, what, &vm, &err) != DK_OK) {
        lua_pushboolean(L, 0);
        lua_pushstring(L, err.message);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_pushinteger(L, (lua_Integer)vm);
    return 2;
}

static const luaL_Reg functions[] = {
    {"_check_string", l_check_string},
    {"keywords", l_keywords},
    {"uid", l_uid},
    {"is_uid", l_is_uid},
    {"dictionary", l_dictionary},
    {"keyword", l_keyword},
    {"tag", l_tag},
    {NULL, NULL},
};

__attribute__((visibility("default"))) int luaopen_dicomkit_core(lua_State *L)
{
    luaL_newlib(L, functions);
    ldk_open_dataset(L);
    ldk_open_pixels(L);
    ldk_open_net(L);
    ldk_open_repl(L);
    ldk_open_util(L);
    lua_pushstring(L, dk_version());
    lua_setfield(L, -2, "_VERSION");
    lua_pushstring(L, dk_dcmtk_version());
    lua_setfield(L, -2, "_DCMTK_VERSION");
    lua_pushstring(L, dk_jpeg_library_version());
    lua_setfield(L, -2, "_LIBJPEG_TURBO_VERSION");
    return 1;
}

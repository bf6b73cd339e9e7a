/* dicomkit.core: the C binding. The facade dicomkit/init.lua requires it. */
#include "ldicomkit.h"

#include <string.h>

#include "dicomkit/jpeg_codec.h"
#include "dicomkit/uid.h"

/* dk.uid(), dk.uid{root=...}, dk.uid{from=...}, dk.uid{root=..., from=...} */
static int l_uid(lua_State *L)
{
    const char *root = NULL, *from = NULL;
    size_t from_len = 0;
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_getfield(L, 1, "root");
        root = lua_tostring(L, -1);
        if (root == NULL && !lua_isnil(L, -1))
            luaL_error(L, "uid: root must be a string, got %s", luaL_typename(L, -1));
        lua_getfield(L, 1, "from");
        if (!lua_isnil(L, -1)) {
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "uid: from must be a string, got %s", luaL_typename(L, -1));
            from = lua_tolstring(L, -1, &from_len);
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

/* dk.dictionary(keyword_or_tag) -> {tag=, keyword=, vr=, vm=} or nil */
static int l_dictionary(lua_State *L)
{
    dk_dict_entry e;
    int rc;
    if (lua_type(L, 1) == LUA_TNUMBER)
        rc = dk_dict_find_tag((uint32_t)luaL_checkinteger(L, 1), &e, NULL);
    else
        rc = dk_dict_find_keyword(luaL_checkstring(L, 1), &e, NULL);
    if (rc != DK_OK) {
        lua_pushnil(L);
        return 1;
    }
    push_entry(L, &e);
    return 1;
}

/* dk.keyword(tag) -> "PatientName" or nil */
static int l_keyword(lua_State *L)
{
    lua_Integer tag = luaL_checkinteger(L, 1);
    luaL_argcheck(L, tag >= 0 && tag <= 0xFFFFFFFFLL, 1, "tag must be 0 .. 0xFFFFFFFF");
    dk_dict_entry e;
    if (dk_dict_find_tag((uint32_t)tag, &e, NULL) != DK_OK || (tag >> 16) % 2 == 1)
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

static int add_keyword(const dk_dict_entry *e, void *ud)
{
    lua_State *L = ud;
    lua_pushstring(L, e->keyword);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

/* dk.keywords() -> array of every keyword of the dictionary, sorted */
static int l_keywords(lua_State *L)
{
    lua_newtable(L);
    dk_error err;
    if (dk_dict_foreach(add_keyword, L, &err) != DK_OK)
        return ldk_raise(L, &err);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, -3);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
    return 1;
}

static const luaL_Reg functions[] = {
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
    lua_pushstring(L, dk_version());
    lua_setfield(L, -2, "_VERSION");
    lua_pushstring(L, dk_dcmtk_version());
    lua_setfield(L, -2, "_DCMTK_VERSION");
    lua_pushstring(L, dk_jpeg_library_version());
    lua_setfield(L, -2, "_LIBJPEG_TURBO_VERSION");
    return 1;
}

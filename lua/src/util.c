/* Errors and option fields shared by the binding. */
#include "ldicomkit.h"

int ldk_raise(lua_State *L, const dk_error *err) { return luaL_error(L, "%s", err->message); }

int ldk_fail(lua_State *L, const dk_error *err)
{
    luaL_pushfail(L);
    lua_pushstring(L, err->message);
    lua_pushstring(L, dk_status_name(err->code));
    return 3;
}

int ldk_raise_or_fail(lua_State *L, const dk_error *err)
{
    if (err->code == DK_EINVAL || err->code == DK_EKEYWORD || err->code == DK_ESTALE)
        return ldk_raise(L, err);
    return ldk_fail(L, err);
}

lua_Integer ldk_int_field(lua_State *L, int t, const char *k, lua_Integer dflt, lua_Integer min,
                          lua_Integer max)
{
    lua_getfield(L, t, k);
    lua_Integer v = dflt;
    if (!lua_isnil(L, -1)) {
        int is_integer = 0;
        v = lua_tointegerx(L, -1, &is_integer);
        if (!is_integer || v < min || v > max) {
            if (lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TSTRING)
                luaL_error(L, "%s must be a whole number from %I to %I, got %s", k, min, max,
                           lua_tostring(L, -1));
            luaL_error(L, "%s must be a whole number from %I to %I, got %s", k, min, max,
                       luaL_typename(L, -1));
        }
    }
    lua_pop(L, 1);
    return v;
}

int ldk_bool_field(lua_State *L, int t, const char *k)
{
    int type = lua_getfield(L, t, k);
    if (type != LUA_TNIL && type != LUA_TBOOLEAN)
        luaL_error(L, "option %s must be a boolean, got %s", k, luaL_typename(L, -1));
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *ldk_string_field(lua_State *L, int t, const char *k)
{
    int type = lua_getfield(L, t, k);
    if (type != LUA_TNIL && type != LUA_TSTRING)
        luaL_error(L, "option %s must be a string, got %s", k, luaL_typename(L, -1));
    const char *v = lua_tostring(L, -1);
    lua_pop(L, 1); /* the string stays alive in the table */
    return v;
}

/* ---- file system helpers for the pure-Lua parts (no shell, so no quoting) ---- */

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* dk._dir(path) -> sorted array of the entry names (without . and ..) | nil, message, code */
static int l_dir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR *d = opendir(path);
    if (d == NULL) {
        dk_error err;
        dk_error_set(&err, errno == ENOENT ? DK_ENOENT : DK_EIO, "%s: %s", path, strerror(errno));
        return ldk_fail(L, &err);
    }
    lua_newtable(L);
    lua_Integer n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        lua_pushstring(L, e->d_name);
        lua_rawseti(L, -2, ++n);
    }
    closedir(d);
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, -3);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
    return 1;
}

/* dk._file_type(path) -> "file" | "directory" | "other" | nil (following links) */
static int l_file_type(lua_State *L)
{
    struct stat st;
    if (stat(luaL_checkstring(L, 1), &st) != 0) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "directory" : "other");
    return 1;
}

void ldk_open_util(lua_State *L)
{
    lua_pushcfunction(L, l_dir);
    lua_setfield(L, -2, "_dir");
    lua_pushcfunction(L, l_file_type);
    lua_setfield(L, -2, "_file_type");
}

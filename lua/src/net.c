/* dicomkit.Association: dk.connect{...}, assoc:echo(), assoc:store(), release/abort. */
#include "ldicomkit.h"

#include <stdio.h>
#include <string.h>

#include "dicomkit/net.h"

#define DK_ASSOC_MT "dicomkit.Association"

typedef struct ldk_assoc {
    dk_assoc *a; /* NULL once freed */
    int released;
} ldk_assoc;

static ldk_assoc *check_assoc(lua_State *L)
{
    ldk_assoc *u = luaL_checkudata(L, 1, DK_ASSOC_MT);
    if (u->a == NULL)
        luaL_error(L, "attempt to use a closed association");
    return u;
}

static int opt_int_field(lua_State *L, int t, const char *k, int dflt)
{
    lua_getfield(L, t, k);
    int v = (int)luaL_optinteger(L, -1, dflt);
    lua_pop(L, 1);
    return v;
}

static const char *opt_string_field(lua_State *L, int t, const char *k)
{
    lua_getfield(L, t, k);
    const char *v = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
    lua_pop(L, 1); /* the string stays alive in the options table */
    return v;
}

/* dk.connect{ host=, port=, called_ae=, calling_ae=, timeout=, connect_timeout=,
 *             acse_timeout=, dimse_timeout=, max_pdu=, contexts = {{sop_class=, transfer_syntax=}} } */
static int l_connect(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    dk_assoc_params p;
    memset(&p, 0, sizeof p);
    p.host = opt_string_field(L, 1, "host");
    if (p.host == NULL)
        p.host = "127.0.0.1";
    p.port = opt_int_field(L, 1, "port", 104);
    p.called_ae = opt_string_field(L, 1, "called_ae");
    p.calling_ae = opt_string_field(L, 1, "calling_ae");
    int timeout = opt_int_field(L, 1, "timeout", 0);
    if (timeout < 0)
        luaL_error(L, "connect: timeout must not be negative");
    p.connect_timeout = opt_int_field(L, 1, "connect_timeout", timeout);
    p.acse_timeout = opt_int_field(L, 1, "acse_timeout", timeout);
    p.dimse_timeout = opt_int_field(L, 1, "dimse_timeout", timeout);
    p.max_pdu = (unsigned long)opt_int_field(L, 1, "max_pdu", 0);

    size_t n = 0;
    dk_context *contexts = NULL;
    if (lua_getfield(L, 1, "contexts") == LUA_TTABLE) {
        int t = lua_gettop(L);
        n = (size_t)luaL_len(L, t);
        contexts = lua_newuserdatauv(L, sizeof *contexts * (n ? n : 1), 0);
        for (size_t i = 0; i < n; i++) {
            lua_geti(L, t, (lua_Integer)i + 1);
            luaL_checktype(L, -1, LUA_TTABLE);
            contexts[i].sop_class = opt_string_field(L, lua_gettop(L), "sop_class");
            contexts[i].transfer_syntax = opt_string_field(L, lua_gettop(L), "transfer_syntax");
            lua_pop(L, 1); /* the item table stays alive in `contexts` */
        }
    }
    ldk_assoc *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->a = NULL;
    u->released = 0;
    luaL_setmetatable(L, DK_ASSOC_MT);
    dk_error err;
    u->a = dk_assoc_open(&p, contexts, n, &err);
    if (u->a == NULL) {
        if (err.code == DK_EINVAL)
            return ldk_raise(L, &err);
        return ldk_fail(L, &err);
    }
    return 1;
}

static int l_echo(lua_State *L)
{
    ldk_assoc *u = check_assoc(L);
    dk_error err;
    if (dk_assoc_echo(u->a, &err) != DK_OK)
        return ldk_fail(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

static void set_str(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

/* assoc:store(ds_or_path) -> result | nil, message, code */
static int l_store(lua_State *L)
{
    ldk_assoc *u = check_assoc(L);
    dk_store_result r;
    dk_error err;
    int rc;
    if (lua_type(L, 2) == LUA_TSTRING)
        rc = dk_assoc_store_file(u->a, lua_tostring(L, 2), &r, &err);
    else
        rc = dk_assoc_store(u->a, ldk_check_dataset(L, 2), &r, &err);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    lua_createtable(L, 0, 9);
    lua_pushboolean(L, strcmp(r.category, "failure") != 0);
    lua_setfield(L, -2, "ok");
    lua_pushinteger(L, r.status);
    lua_setfield(L, -2, "status");
    char hex[8];
    snprintf(hex, sizeof hex, "%04X", r.status);
    set_str(L, "status_hex", hex);
    set_str(L, "category", r.category);
    set_str(L, "meaning", r.meaning);
    set_str(L, "sop_class_uid", r.sop_class_uid);
    set_str(L, "sop_instance_uid", r.sop_instance_uid);
    set_str(L, "transfer_syntax", r.transfer_syntax);
    lua_pushboolean(L, r.decoded);
    lua_setfield(L, -2, "decoded");
    return 1;
}

static int l_release(lua_State *L)
{
    ldk_assoc *u = check_assoc(L);
    dk_error err;
    int rc = dk_assoc_release(u->a, &err);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_abort(lua_State *L)
{
    ldk_assoc *u = luaL_checkudata(L, 1, DK_ASSOC_MT);
    dk_assoc_abort(u->a);
    return 0;
}

static int l_is_open(lua_State *L)
{
    ldk_assoc *u = luaL_checkudata(L, 1, DK_ASSOC_MT);
    lua_pushboolean(L, dk_assoc_is_open(u->a));
    return 1;
}

/* __gc and __close: an association left open is aborted, never leaked */
static int l_gc(lua_State *L)
{
    ldk_assoc *u = luaL_checkudata(L, 1, DK_ASSOC_MT);
    dk_assoc_free(u->a);
    u->a = NULL;
    return 0;
}

static int l_tostring(lua_State *L)
{
    ldk_assoc *u = luaL_checkudata(L, 1, DK_ASSOC_MT);
    lua_pushfstring(L, "dicomkit.Association (%s)",
                    u->a == NULL ? "closed" : dk_assoc_is_open(u->a) ? "open" : "released or aborted");
    return 1;
}

/* dk.peek(path) -> sop_class, transfer_syntax | nil, message, code */
static int l_peek(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    char sop[65], ts[65];
    dk_error err;
    if (dk_file_peek(path, sop, ts, &err) != DK_OK)
        return ldk_fail(L, &err);
    lua_pushstring(L, sop);
    lua_pushstring(L, ts);
    return 2;
}

/* dk.check_ae(title) -> true | raises */
static int l_check_ae(lua_State *L)
{
    dk_error err;
    if (dk_ae_title_check(luaL_checkstring(L, 1), luaL_optstring(L, 2, "AE title"), &err) != DK_OK)
        return ldk_raise(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg methods[] = {
    {"echo", l_echo},       {"store", l_store},     {"release", l_release},
    {"abort", l_abort},     {"is_open", l_is_open}, {NULL, NULL},
};

static const luaL_Reg metamethods[] = {
    {"__gc", l_gc}, {"__close", l_gc}, {"__tostring", l_tostring}, {NULL, NULL},
};

void ldk_open_net(lua_State *L)
{
    luaL_newmetatable(L, DK_ASSOC_MT);
    luaL_setfuncs(L, metamethods, 0);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_pushcfunction(L, l_connect);
    lua_setfield(L, -2, "connect");
    lua_pushcfunction(L, l_peek);
    lua_setfield(L, -2, "peek");
    lua_pushcfunction(L, l_check_ae);
    lua_setfield(L, -2, "check_ae");
}

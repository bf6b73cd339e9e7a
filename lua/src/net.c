/* dicomkit.Association: dk.connect{...}, assoc:echo(), assoc:store(), release/abort. */
#include "ldicomkit.h"

#include <stdio.h>
#include <string.h>

#include "dicomkit/net.h"

#define DK_ASSOC_MT "dicomkit.Association"
#define MAX_TIMEOUT 86400 /* a day: anything longer is a mistake, not a timeout */

typedef struct ldk_assoc {
    dk_assoc *a; /* NULL once freed */
} ldk_assoc;

static ldk_assoc *check_assoc(lua_State *L)
{
    ldk_assoc *u = luaL_checkudata(L, 1, DK_ASSOC_MT);
    if (u->a == NULL)
        luaL_error(L, "attempt to use a closed association");
    return u;
}

/* dk.connect{ host=, port=, called_ae=, calling_ae=, timeout=, connect_timeout=,
 *             acse_timeout=, dimse_timeout=, max_pdu=, contexts = {{sop_class=, transfer_syntax=}} } */
static int l_connect(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    dk_assoc_params p;
    memset(&p, 0, sizeof p);
    p.host = ldk_string_field(L, 1, "host");
    if (p.host == NULL)
        p.host = "127.0.0.1";
    p.port = (int)ldk_int_field(L, 1, "port", 104, 1, 65535);
    p.called_ae = ldk_string_field(L, 1, "called_ae");
    if (p.called_ae == NULL)
        return luaL_error(L, "connect: called_ae (the peer's AE title) is required");
    p.calling_ae = ldk_string_field(L, 1, "calling_ae");
    int timeout = (int)ldk_int_field(L, 1, "timeout", 0, 0, MAX_TIMEOUT);
    p.connect_timeout = (int)ldk_int_field(L, 1, "connect_timeout", timeout, 0, MAX_TIMEOUT);
    p.acse_timeout = (int)ldk_int_field(L, 1, "acse_timeout", timeout, 0, MAX_TIMEOUT);
    p.dimse_timeout = (int)ldk_int_field(L, 1, "dimse_timeout", timeout, 0, MAX_TIMEOUT);
    p.max_pdu = (unsigned long)ldk_int_field(L, 1, "max_pdu", 0, 0, 0xFFFFFFFFLL);

    size_t n = 0;
    dk_context *contexts = NULL;
    if (lua_getfield(L, 1, "contexts") == LUA_TTABLE) {
        int t = lua_gettop(L);
        lua_Integer len = luaL_len(L, t);
        if (len < 0 || len > 1000)
            return luaL_error(L, "connect: %I contexts; at most 127 fit an association", len);
        n = (size_t)len;
        contexts = lua_newuserdatauv(L, sizeof *contexts * (n ? n : 1), 0);
        for (size_t i = 0; i < n; i++) {
            lua_geti(L, t, (lua_Integer)i + 1);
            luaL_checktype(L, -1, LUA_TTABLE);
            contexts[i].sop_class = ldk_string_field(L, lua_gettop(L), "sop_class");
            contexts[i].transfer_syntax = ldk_string_field(L, lua_gettop(L), "transfer_syntax");
            lua_pop(L, 1); /* the item table stays alive in `contexts` */
        }
    }
    ldk_assoc *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->a = NULL;
    luaL_setmetatable(L, DK_ASSOC_MT);
    dk_error err;
    u->a = dk_assoc_open(&p, contexts, n, &err);
    if (u->a == NULL)
        return ldk_raise_or_fail(L, &err);
    return 1;
}

static int l_echo(lua_State *L)
{
    ldk_assoc *u = check_assoc(L);
    dk_error err;
    if (dk_assoc_echo(u->a, &err) != DK_OK)
        return ldk_raise_or_fail(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

static void set_str(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

static void push_result(lua_State *L, const dk_store_result *r)
{
    lua_createtable(L, 0, 9);
    lua_pushboolean(L, strcmp(r->category, "failure") != 0);
    lua_setfield(L, -2, "ok");
    lua_pushinteger(L, r->status);
    lua_setfield(L, -2, "status");
    char hex[8];
    snprintf(hex, sizeof hex, "%04X", r->status);
    set_str(L, "status_hex", hex);
    set_str(L, "category", r->category);
    set_str(L, "meaning", r->meaning);
    set_str(L, "sop_class_uid", r->sop_class_uid);
    set_str(L, "sop_instance_uid", r->sop_instance_uid);
    set_str(L, "transfer_syntax", r->transfer_syntax);
    lua_pushboolean(L, r->decoded);
    lua_setfield(L, -2, "decoded");
}

/* assoc:store(ds_or_path) -> result (success or warning)
 *                        | nil, message, "ESTATUS", result (the peer refused it)
 *                        | nil, message, code (not sent) */
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
    if (rc != DK_OK) {
        /* misuse raises: a released association, a dataset without its UIDs; a file that is
         * not storable is a failure of that object */
        if (err.code == DK_EINVAL &&
            (lua_type(L, 2) != LUA_TSTRING || dk_assoc_state(u->a) == DK_ASSOC_RELEASED))
            return ldk_raise(L, &err);
        return ldk_fail(L, &err);
    }
    if (strcmp(r.category, "failure") == 0) {
        char message[256];
        snprintf(message, sizeof message, "%s: status 0x%04X (%s)", r.sop_instance_uid, r.status,
                 r.meaning);
        luaL_pushfail(L);
        lua_pushstring(L, message);
        lua_pushstring(L, dk_status_name(DK_ESTATUS));
        push_result(L, &r);
        return 4;
    }
    push_result(L, &r);
    return 1;
}

static int l_release(lua_State *L)
{
    ldk_assoc *u = check_assoc(L);
    dk_error err;
    if (dk_assoc_release(u->a, &err) != DK_OK)
        return ldk_raise_or_fail(L, &err);
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

static const char *state_name(const dk_assoc *a)
{
    switch (dk_assoc_state(a)) {
    case DK_ASSOC_OPEN: return "open";
    case DK_ASSOC_RELEASED: return "released";
    case DK_ASSOC_FAILED: return "failed";
    default: return "closed";
    }
}

/* assoc:state() -> "open" | "released" | "failed" | "closed" */
static int l_state(lua_State *L)
{
    ldk_assoc *u = luaL_checkudata(L, 1, DK_ASSOC_MT);
    lua_pushstring(L, state_name(u->a));
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
    lua_pushfstring(L, "dicomkit.Association (%s)", state_name(u->a));
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

/* dk.check_ae(title [, what]) -> true | raises */
static int l_check_ae(lua_State *L)
{
    dk_error err;
    if (dk_ae_title_check(luaL_checkstring(L, 1), luaL_optstring(L, 2, "AE title"), &err) != DK_OK)
        return ldk_raise(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg methods[] = {
    {"echo", l_echo},       {"store", l_store},     {"release", l_release}, {"abort", l_abort},
    {"is_open", l_is_open}, {"state", l_state},     {"close", l_gc},        {NULL, NULL},
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

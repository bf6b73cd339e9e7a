/* dicomkit.Dataset: a DICOM dataset as a Lua userdata.
 *
 * A root userdata owns its dk_dataset (NULL once closed); its user value is a weak table that
 * caches the userdata of its sequence items. An item userdata's user value is its root
 * userdata, so the root lives as long as any of its items; closing the root explicitly makes
 * every item unusable (checked on each access) instead of dangling.
 */
#include "ldicomkit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ldk_dataset {
    dk_dataset *ds; /* for a root: owned, NULL when closed; for an item: borrowed */
    int is_root;
} ldk_dataset;

/* ---- errors ---- */

int ldk_raise(lua_State *L, const dk_error *err)
{
    return luaL_error(L, "%s", err->message);
}

int ldk_fail(lua_State *L, const dk_error *err)
{
    luaL_pushfail(L);
    lua_pushstring(L, err->message);
    lua_pushstring(L, dk_status_name(err->code));
    return 3;
}

/* ---- handles ---- */

static ldk_dataset *new_userdata(lua_State *L, int is_root)
{
    ldk_dataset *u = lua_newuserdatauv(L, sizeof *u, 1);
    u->ds = NULL;
    u->is_root = is_root;
    luaL_setmetatable(L, DK_DATASET_MT);
    return u;
}

void ldk_push_root(lua_State *L, dk_dataset *ds)
{
    ldk_dataset *u = new_userdata(L, 1);
    u->ds = ds;
}

/* The dk_dataset behind argument `idx`, raising if it (or its root) was closed or removed. */
dk_dataset *ldk_check_dataset(lua_State *L, int idx)
{
    ldk_dataset *u = luaL_checkudata(L, idx, DK_DATASET_MT);
    if (!u->is_root) {
        lua_getiuservalue(L, idx, 1);
        ldk_dataset *root = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (root == NULL || root->ds == NULL)
            luaL_error(L, "attempt to use an item of a closed dataset");
    }
    if (u->ds == NULL)
        luaL_error(L, "attempt to use a closed dataset");
    dk_error err;
    if (dk_dataset_check(u->ds, &err) != DK_OK)
        ldk_raise(L, &err);
    return u->ds;
}

/* Push the root userdata of the dataset at `idx`. */
static void push_root_of(lua_State *L, int idx)
{
    ldk_dataset *u = lua_touserdata(L, idx);
    if (u->is_root)
        lua_pushvalue(L, idx);
    else
        lua_getiuservalue(L, idx, 1);
}

/* Push the (cached) userdata of `item`, whose root userdata is at `root_idx`. */
static void push_item(lua_State *L, int root_idx, dk_dataset *item)
{
    root_idx = lua_absindex(L, root_idx);
    if (lua_getiuservalue(L, root_idx, 1) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_newtable(L);
        lua_pushliteral(L, "v");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, root_idx, 1);
    }
    if (lua_rawgetp(L, -1, item) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    ldk_dataset *u = new_userdata(L, 0);
    u->ds = item;
    lua_pushvalue(L, root_idx);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, item);
    lua_remove(L, -2);
}

/* ---- keys ---- */

static int parse_hex_tag(const char *s, uint32_t *tag)
{
    unsigned g, e;
    char end;
    if (sscanf(s, "(%4x,%4x%c", &g, &e, &end) == 3 && end == ')' && strlen(s) == 11) {
        *tag = (g << 16) | e;
        return 1;
    }
    if (strlen(s) == 8 && strspn(s, "0123456789abcdefABCDEF") == 8) {
        *tag = (uint32_t)strtoul(s, NULL, 16);
        return 1;
    }
    return 0;
}

/* A tag from a keyword ("PatientName"), a number (0x00100010) or "(0010,0010)"/"00100010". */
static uint32_t check_tag(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        int is_integer = 0;
        lua_Integer n = lua_tointegerx(L, idx, &is_integer);
        if (!is_integer || n < 0 || n > 0xFFFFFFFFLL)
            luaL_error(L, "tag must be an integer from 0 to 0xFFFFFFFF, got %s",
                       lua_tostring(L, idx));
        return (uint32_t)n;
    }
    const char *kw = lua_tostring(L, idx);
    if (kw == NULL || lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "a keyword or tag number expected, got %s", luaL_typename(L, idx));
    uint32_t tag;
    if (parse_hex_tag(kw, &tag))
        return tag;
    dk_dict_entry entry;
    dk_error err;
    if (dk_dict_find_keyword(kw, &entry, &err) != DK_OK)
        ldk_raise(L, &err);
    return entry.tag;
}

/* ---- reading values ---- */

static int is_single_valued_text(const char *vr)
{
    return !strcmp(vr, "LT") || !strcmp(vr, "ST") || !strcmp(vr, "UT") || !strcmp(vr, "UR");
}

/* Push one text value; IS and DS become numbers when they parse as such. */
static void push_text(lua_State *L, const char *vr, const char *s, size_t len)
{
    if (!strcmp(vr, "IS") || !strcmp(vr, "DS")) {
        while (len > 0 && s[0] == ' ') {
            s++;
            len--;
        }
        while (len > 0 && s[len - 1] == ' ')
            len--;
        lua_pushlstring(L, s, len);
        if (lua_stringtonumber(L, lua_tostring(L, -1)) != 0) {
            if (!strcmp(vr, "DS") && lua_isinteger(L, -1)) {
                lua_Number v = (lua_Number)lua_tointeger(L, -1);
                lua_pop(L, 1);
                lua_pushnumber(L, v);
            }
            lua_remove(L, -2);
        }
        return;
    }
    lua_pushlstring(L, s, len);
}

static void push_string_value(lua_State *L, dk_dataset *ds, const dk_element_info *info)
{
    const char *v;
    size_t len;
    dk_error err;
    if (dk_dataset_get_string(ds, info->tag, &v, &len, &err) != DK_OK)
        ldk_raise(L, &err);
    if (len == 0) {
        lua_pushliteral(L, "");
        return;
    }
    if (is_single_valued_text(info->vr) || memchr(v, '\\', len) == NULL) {
        push_text(L, info->vr, v, len);
        return;
    }
    lua_newtable(L);
    size_t start = 0;
    lua_Integer n = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || v[i] == '\\') {
            push_text(L, info->vr, v + start, i - start);
            lua_rawseti(L, -2, ++n);
            start = i + 1;
        }
    }
}

static void push_number_at(lua_State *L, dk_dataset *ds, const dk_element_info *info, size_t i)
{
    dk_error err;
    if (info->kind == DK_KIND_FLOAT) {
        double d;
        if (dk_dataset_get_float(ds, info->tag, i, &d, &err) != DK_OK)
            ldk_raise(L, &err);
        lua_pushnumber(L, d);
    } else {
        long long v;
        if (dk_dataset_get_integer(ds, info->tag, i, &v, &err) != DK_OK)
            ldk_raise(L, &err);
        lua_pushinteger(L, (lua_Integer)v);
    }
}

/* Push the value of the element described by `info`; `self` is the dataset's stack index. */
static void push_value(lua_State *L, int self, dk_dataset *ds, const dk_element_info *info)
{
    dk_error err;
    switch (info->kind) {
    case DK_KIND_STRING:
        push_string_value(L, ds, info);
        return;
    case DK_KIND_INTEGER:
    case DK_KIND_FLOAT:
        if (info->vm == 0) {
            lua_pushliteral(L, "");
        } else if (info->vm == 1) {
            push_number_at(L, ds, info, 0);
        } else {
            lua_createtable(L, (int)info->vm, 0);
            for (size_t i = 0; i < info->vm; i++) {
                push_number_at(L, ds, info, i);
                lua_rawseti(L, -2, (lua_Integer)i + 1);
            }
        }
        return;
    case DK_KIND_BYTES: {
        const void *data;
        size_t len;
        if (dk_dataset_get_bytes(ds, info->tag, &data, &len, &err) != DK_OK)
            ldk_raise(L, &err);
        lua_pushlstring(L, len ? data : "", len);
        return;
    }
    case DK_KIND_SEQUENCE: {
        push_root_of(L, self);
        int root = lua_gettop(L);
        lua_createtable(L, (int)info->vm, 0);
        for (size_t i = 0; i < info->vm; i++) {
            dk_dataset *item;
            if (dk_dataset_get_item(ds, info->tag, i, &item, &err) != DK_OK)
                ldk_raise(L, &err);
            push_item(L, root, item);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_remove(L, root);
        return;
    }
    case DK_KIND_ENCAPSULATED: {
        /* an array of the fragments (the Basic Offset Table is item 0, left out) */
        lua_createtable(L, info->vm > 0 ? (int)info->vm - 1 : 0, 1);
        for (size_t i = 1; i < info->vm; i++) {
            const void *data;
            size_t len;
            if (dk_dataset_get_fragment(ds, info->tag, i, &data, &len, &err) != DK_OK)
                ldk_raise(L, &err);
            lua_pushlstring(L, len ? data : "", len);
            lua_rawseti(L, -2, (lua_Integer)i);
        }
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, "encapsulated");
        return;
    }
    }
}

/* ---- writing values ---- */

typedef enum { K_TEXT, K_NUMBER_TEXT, K_NUMBER, K_BYTES, K_SEQUENCE } lua_kind;

static lua_kind kind_of_vr(const char *vr)
{
    if (!strcmp(vr, "IS") || !strcmp(vr, "DS"))
        return K_NUMBER_TEXT;
    if (!strcmp(vr, "SQ"))
        return K_SEQUENCE;
    static const char *const numbers[] = {"US", "SS", "UL", "SL", "SV", "UV", "AT",
                                          "FL", "FD", "xs", "lt"};
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        if (!strcmp(vr, numbers[i]))
            return K_NUMBER;
    static const char *const bytes[] = {"OB", "OW", "OD", "OF", "OL", "OV", "UN", "ox"};
    for (size_t i = 0; i < sizeof bytes / sizeof *bytes; i++)
        if (!strcmp(vr, bytes[i]))
            return K_BYTES;
    return K_TEXT;
}

/* What the target element is: the given VR, else the dictionary's; "" when unknown (the core
 * then says the VR must be given). */
static lua_kind target_kind(uint32_t tag, const char *vr, char out_vr[3])
{
    if (vr != NULL && vr[0] != '\0') {
        snprintf(out_vr, 3, "%s", vr);
        return kind_of_vr(vr);
    }
    dk_dict_entry entry;
    if (dk_dict_find_tag(tag, &entry, NULL) != DK_OK) {
        out_vr[0] = '\0';
        return K_TEXT;
    }
    memcpy(out_vr, entry.vr, 3);
    return kind_of_vr(entry.vr);
}

static void describe(uint32_t tag, char *buf, size_t n)
{
    dk_dict_entry entry;
    if (dk_dict_find_tag(tag, &entry, NULL) == DK_OK)
        snprintf(buf, n, "%s (%04X,%04X)", entry.keyword, (unsigned)(tag >> 16),
                 (unsigned)(tag & 0xFFFF));
    else
        snprintf(buf, n, "(%04X,%04X)", (unsigned)(tag >> 16), (unsigned)(tag & 0xFFFF));
}

static int type_error(lua_State *L, uint32_t tag, const char *vr, const char *wanted, int vidx)
{
    char what[96];
    describe(tag, what, sizeof what);
    return luaL_error(L, "%s is %s: give %s, got %s", what, vr[0] ? vr : "of unknown VR", wanted,
                      luaL_typename(L, vidx));
}

static void check(lua_State *L, int rc, const dk_error *err)
{
    if (rc != DK_OK)
        ldk_raise(L, err);
}

static void set_number(lua_State *L, dk_dataset *ds, uint32_t tag, const char *vr, int vidx)
{
    dk_error err;
    if (lua_isinteger(L, vidx)) {
        long long v = (long long)lua_tointeger(L, vidx);
        check(L, dk_dataset_set_integers(ds, tag, vr, &v, 1, &err), &err);
    } else {
        double v = (double)lua_tonumber(L, vidx);
        check(L, dk_dataset_set_floats(ds, tag, vr, &v, 1, &err), &err);
    }
}

/* A multi-valued value from an array of strings or numbers. */
static void set_array(lua_State *L, dk_dataset *ds, uint32_t tag, const char *vr, lua_kind kind,
                      int vidx)
{
    char what[96];
    lua_Integer n = (lua_Integer)luaL_len(L, vidx);
    dk_error err;
    if (kind == K_TEXT) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (lua_Integer i = 1; i <= n; i++) {
            size_t len;
            if (i > 1) /* before pushing: the buffer may use the stack top while growing */
                luaL_addchar(&b, '\\');
            lua_geti(L, vidx, i);
            const char *s = lua_tolstring(L, -1, &len);
            if (s == NULL || lua_type(L, -1) != LUA_TSTRING) {
                describe(tag, what, sizeof what);
                luaL_error(L, "%s: value %d must be a string, got %s", what, (int)i,
                           luaL_typename(L, -1));
            }
            if (memchr(s, '\\', len) != NULL) {
                describe(tag, what, sizeof what);
                luaL_error(L, "%s: value %d contains a backslash, which separates values", what,
                           (int)i);
            }
            luaL_addvalue(&b);
        }
        luaL_pushresult(&b);
        size_t len;
        const char *joined = lua_tolstring(L, -1, &len);
        check(L, dk_dataset_set_string(ds, tag, vr, joined, len, &err), &err);
        lua_pop(L, 1);
        return;
    }
    /* numbers: integers stay exact unless any value is fractional */
    int all_integers = 1;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, vidx, i);
        if (!lua_isnumber(L, -1)) {
            describe(tag, what, sizeof what);
            luaL_error(L, "%s: value %d must be a number, got %s", what, (int)i,
                       luaL_typename(L, -1));
        }
        if (!lua_isinteger(L, -1)) {
            int exact = 0;
            if (lua_type(L, -1) == LUA_TSTRING)
                (void)lua_tointegerx(L, -1, &exact);
            if (!exact)
                all_integers = 0;
        }
        lua_pop(L, 1);
    }
    /* scratch arrays live in userdata so that an error cannot leak them */
    if (all_integers) {
        long long *v = lua_newuserdatauv(L, sizeof *v * (size_t)(n ? n : 1), 0);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_geti(L, vidx, i);
            v[i - 1] = (long long)lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
        check(L, dk_dataset_set_integers(ds, tag, vr, v, (size_t)n, &err), &err);
    } else {
        double *v = lua_newuserdatauv(L, sizeof *v * (size_t)(n ? n : 1), 0);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_geti(L, vidx, i);
            v[i - 1] = (double)lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
        check(L, dk_dataset_set_floats(ds, tag, vr, v, (size_t)n, &err), &err);
    }
    lua_pop(L, 1);
}

static void fill_from_table(lua_State *L, dk_dataset *ds, int tidx);

/* A sequence from an array whose entries are datasets or tables of keyword = value. */
static void set_sequence(lua_State *L, dk_dataset *ds, uint32_t tag, int vidx)
{
    char what[96];
    lua_Integer n = (lua_Integer)luaL_len(L, vidx);
    dk_error err;
    dk_dataset **items = lua_newuserdatauv(L, sizeof *items * (size_t)(n ? n : 1), 0);
    int scratch = lua_gettop(L);
    for (lua_Integer i = 1; i <= n; i++) {
        int t = lua_geti(L, vidx, i);
        if (t == LUA_TUSERDATA && luaL_testudata(L, -1, DK_DATASET_MT)) {
            items[i - 1] = ldk_check_dataset(L, lua_gettop(L));
        } else if (t == LUA_TTABLE) {
            /* a temporary root, freed by its __gc even if filling it raises */
            ldk_dataset *u = new_userdata(L, 1);
            if ((u->ds = dk_dataset_new(&err)) == NULL)
                ldk_raise(L, &err);
            fill_from_table(L, u->ds, lua_gettop(L) - 1);
            items[i - 1] = u->ds;
        } else {
            describe(tag, what, sizeof what);
            luaL_error(L, "%s: item %d must be a table or a dataset, got %s", what, (int)i,
                       luaL_typename(L, -1));
        }
    }
    check(L, dk_dataset_set_sequence_items(ds, tag, items, (size_t)n, &err), &err);
    lua_settop(L, scratch - 1);
}

/* Set element `tag` of `ds` from the Lua value at `vidx`; `vr` may be NULL (dictionary's). */
static void set_value(lua_State *L, dk_dataset *ds, uint32_t tag, const char *vr, int vidx)
{
    char tvr[3];
    dk_error err;
    vidx = lua_absindex(L, vidx);
    lua_kind kind = target_kind(tag, vr, tvr);
    switch (lua_type(L, vidx)) {
    case LUA_TNIL:
        if (dk_dataset_remove(ds, tag, &err) != DK_OK && err.code != DK_ENOENT)
            ldk_raise(L, &err);
        return;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, vidx, &len);
        if (kind == K_BYTES) {
            check(L, dk_dataset_set_bytes(ds, tag, vr, s, len, &err), &err);
        } else if (kind == K_NUMBER) {
            if (lua_stringtonumber(L, s) == 0)
                type_error(L, tag, tvr, "a number", vidx);
            set_number(L, ds, tag, vr, lua_gettop(L));
            lua_pop(L, 1);
        } else if (kind == K_SEQUENCE) {
            type_error(L, tag, tvr, "an array of items", vidx);
        } else {
            check(L, dk_dataset_set_string(ds, tag, vr, s, len, &err), &err);
        }
        return;
    }
    case LUA_TNUMBER:
        if (kind == K_NUMBER || kind == K_NUMBER_TEXT)
            set_number(L, ds, tag, vr, vidx);
        else if (kind == K_SEQUENCE)
            type_error(L, tag, tvr, "an array of items", vidx);
        else if (kind == K_BYTES)
            type_error(L, tag, tvr, "a string of bytes", vidx);
        else
            type_error(L, tag, tvr, "a string", vidx);
        return;
    case LUA_TTABLE:
        if (kind == K_SEQUENCE)
            set_sequence(L, ds, tag, vidx);
        else if (kind == K_BYTES)
            type_error(L, tag, tvr, "a string of bytes", vidx);
        else
            set_array(L, ds, tag, vr, kind == K_TEXT ? K_TEXT : K_NUMBER, vidx);
        return;
    default:
        if (kind == K_SEQUENCE && luaL_testudata(L, vidx, DK_DATASET_MT))
            type_error(L, tag, tvr, "an array of items ({item})", vidx);
        type_error(L, tag, tvr[0] ? tvr : "",
                   kind == K_SEQUENCE ? "an array of items"
                   : kind == K_NUMBER ? "a number or an array of numbers"
                                      : "a string or an array of strings",
                   vidx);
    }
}

/* Set every keyword = value of the table at `tidx`. */
static void fill_from_table(lua_State *L, dk_dataset *ds, int tidx)
{
    tidx = lua_absindex(L, tidx);
    lua_pushnil(L);
    while (lua_next(L, tidx) != 0) {
        uint32_t tag = check_tag(L, -2);
        set_value(L, ds, tag, NULL, -1);
        lua_pop(L, 1);
    }
}

/* ---- methods ---- */

static int l_get(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    uint32_t tag = check_tag(L, 2);
    dk_element_info info;
    if (dk_dataset_info(ds, tag, &info, NULL) != DK_OK) {
        lua_pushnil(L);
        return 1;
    }
    push_value(L, 1, ds, &info);
    lua_pushstring(L, info.vr);
    return 2;
}

static int l_set(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    uint32_t tag = check_tag(L, 2);
    const char *vr = luaL_checkstring(L, 3);
    luaL_checkany(L, 4);
    set_value(L, ds, tag, vr, 4);
    lua_settop(L, 1);
    return 1;
}

static int l_remove(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    uint32_t tag = check_tag(L, 2);
    dk_error err;
    int rc = dk_dataset_remove(ds, tag, &err);
    if (rc != DK_OK && rc != DK_ENOENT)
        ldk_raise(L, &err);
    lua_pushboolean(L, rc == DK_OK);
    return 1;
}

static int l_has(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    uint32_t tag = check_tag(L, 2);
    dk_element_info info;
    lua_pushboolean(L, dk_dataset_info(ds, tag, &info, NULL) == DK_OK);
    return 1;
}

static const char *transfer_syntax_option(lua_State *L, int opts)
{
    if (lua_isnoneornil(L, opts))
        return NULL;
    luaL_checktype(L, opts, LUA_TTABLE);
    lua_getfield(L, opts, "transfer_syntax");
    const char *ts = lua_tostring(L, -1);
    lua_pop(L, 1); /* the string stays alive in the options table */
    if (ts == NULL)
        return NULL;
    if (!strcmp(ts, "explicit"))
        return DK_TS_EXPLICIT_LE;
    if (!strcmp(ts, "implicit"))
        return DK_TS_IMPLICIT_LE;
    if (strspn(ts, "0123456789.") != strlen(ts))
        luaL_error(L, "transfer_syntax must be 'explicit', 'implicit' or a UID, got '%s'", ts);
    return ts;
}

static int l_save(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    const char *path = luaL_checkstring(L, 2);
    const char *ts = transfer_syntax_option(L, 3);
    dk_error err;
    int rc = dk_dataset_save(ds, path, ts, &err);
    if (rc == DK_EINVAL || rc == DK_EUNSUPPORTED || rc == DK_ESTALE)
        return ldk_raise(L, &err);
    if (rc != DK_OK)
        return ldk_fail(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_close(lua_State *L)
{
    ldk_dataset *u = luaL_checkudata(L, 1, DK_DATASET_MT);
    if (u->is_root) {
        dk_dataset_free(u->ds);
        u->ds = NULL;
    }
    return 0;
}

static int l_transfer_syntax(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    lua_pushstring(L, dk_dataset_transfer_syntax(ds));
    return 1;
}

/* ---- metamethods ---- */

static int l_index(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING) {
        /* methods are lower-case, keywords CamelCase: they never collide */
        lua_getmetatable(L, 1);
        lua_getfield(L, -1, "__methods");
        lua_pushvalue(L, 2);
        if (lua_rawget(L, -2) != LUA_TNIL)
            return 1;
        lua_pop(L, 3);
    }
    dk_dataset *ds = ldk_check_dataset(L, 1);
    uint32_t tag = check_tag(L, 2);
    dk_element_info info;
    if (dk_dataset_info(ds, tag, &info, NULL) != DK_OK) {
        lua_pushnil(L);
        return 1;
    }
    push_value(L, 1, ds, &info);
    return 1;
}

static int l_newindex(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    uint32_t tag = check_tag(L, 2);
    set_value(L, ds, tag, NULL, 3);
    return 0;
}

static int l_pairs_next(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(1));
    dk_element_info info;
    if ((size_t)i >= dk_dataset_count(ds) || dk_dataset_info_at(ds, (size_t)i, &info, NULL) != DK_OK)
        return 0;
    lua_pushinteger(L, i + 1);
    lua_replace(L, lua_upvalueindex(1));
    if (info.keyword != NULL)
        lua_pushstring(L, info.keyword);
    else
        lua_pushinteger(L, (lua_Integer)info.tag);
    push_value(L, 1, ds, &info);
    return 2;
}

static int l_pairs(lua_State *L)
{
    ldk_check_dataset(L, 1);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, l_pairs_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

static int l_tostring(lua_State *L)
{
    ldk_dataset *u = luaL_checkudata(L, 1, DK_DATASET_MT);
    if (u->ds == NULL) {
        lua_pushliteral(L, "dicomkit.Dataset (closed)");
        return 1;
    }
    dk_dataset *ds = ldk_check_dataset(L, 1);
    dk_error err;
    char *text = dk_dataset_dump(ds, &err);
    if (text == NULL)
        return ldk_raise(L, &err);
    lua_pushstring(L, text);
    dk_free(text);
    return 1;
}

static int l_len(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    lua_pushinteger(L, (lua_Integer)dk_dataset_count(ds));
    return 1;
}

static const luaL_Reg methods[] = {
    {"get", l_get},
    {"set", l_set},
    {"remove", l_remove},
    {"has", l_has},
    {"save", l_save},
    {"close", l_close},
    {"transfer_syntax", l_transfer_syntax},
    {NULL, NULL},
};

static const luaL_Reg metamethods[] = {
    {"__index", l_index},
    {"__newindex", l_newindex},
    {"__pairs", l_pairs},
    {"__tostring", l_tostring},
    {"__len", l_len},
    {"__gc", l_close},
    {"__close", l_close},
    {NULL, NULL},
};

/* ---- module functions ---- */

static int l_dataset(lua_State *L)
{
    int has_init = !lua_isnoneornil(L, 1);
    if (has_init)
        luaL_checktype(L, 1, LUA_TTABLE);
    dk_error err;
    ldk_dataset *u = new_userdata(L, 1);
    if ((u->ds = dk_dataset_new(&err)) == NULL)
        return ldk_raise(L, &err);
    if (has_init)
        fill_from_table(L, u->ds, 1);
    return 1;
}

static int l_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    dk_error err;
    ldk_dataset *u = new_userdata(L, 1);
    if ((u->ds = dk_dataset_read(path, &err)) == NULL)
        return ldk_fail(L, &err);
    return 1;
}

static int l_is_dataset(lua_State *L)
{
    lua_pushboolean(L, luaL_testudata(L, 1, DK_DATASET_MT) != NULL);
    return 1;
}

static const luaL_Reg functions[] = {
    {"dataset", l_dataset},
    {"read", l_read},
    {"is_dataset", l_is_dataset},
    {NULL, NULL},
};

void ldk_open_dataset(lua_State *L)
{
    luaL_newmetatable(L, DK_DATASET_MT);
    luaL_setfuncs(L, metamethods, 0);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__methods");
    lua_pop(L, 1);
    luaL_setfuncs(L, functions, 0);
}

/* dicomkit.Dataset: a DICOM dataset as a Lua userdata.
 *
 * A root userdata owns its dk_dataset (NULL once closed); its user value is a weak table that
 * caches the userdata of its sequence items. An item userdata's user value is its root
 * userdata, so the root lives as long as any of its items; closing the root explicitly makes
 * every item unusable (checked on each access) instead of dangling.
 *
 * Every loop here that pushes onto the Lua stack pushes a bounded number of values per turn and
 * pops them again, or keeps its temporaries in a table; recursion over nested tables is bounded
 * by DK_DEFAULT_MAX_DEPTH and refuses a table that contains itself.
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

int ldk_is_closed_dataset(lua_State *L, int idx)
{
    ldk_dataset *u = luaL_testudata(L, idx, DK_DATASET_MT);
    if (u == NULL)
        return 0;
    if (!u->is_root) {
        lua_getiuservalue(L, idx, 1);
        ldk_dataset *root = lua_touserdata(L, -1);
        lua_pop(L, 1);
        if (root == NULL || root->ds == NULL)
            return 1;
    }
    return u->ds == NULL || dk_dataset_check(u->ds, NULL) != DK_OK;
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
    if (strlen(s) == 11 && sscanf(s, "(%4x,%4x%c", &g, &e, &end) == 3 && end == ')') {
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

/* How pairs and keys name an element: its keyword when the keyword names exactly this tag, the
 * tag number otherwise (the other groups of a repeating group, group lengths, private tags). */
static void push_key(lua_State *L, const dk_element_info *info)
{
    if (info->keyword != NULL && info->keyword_exact)
        lua_pushstring(L, info->keyword);
    else
        lua_pushinteger(L, (lua_Integer)info->tag);
}

/* ---- reading values ---- */

static int is_single_valued_text(const char *vr)
{
    const dk_vr_facts *f = dk_vr_facts_of(vr);
    return f != NULL && f->kind == DK_KIND_STRING && !f->multi_valued;
}

/* Push one text value; IS and DS become numbers when they parse as such. */
static void push_text(lua_State *L, const char *vr, const char *s, size_t len)
{
    const dk_vr_facts *f = dk_vr_facts_of(vr);
    if (f != NULL && f->numeric_text) {
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

static void push_sequence(lua_State *L, int self, dk_dataset *ds, const dk_element_info *info)
{
    dk_error err;
    push_root_of(L, self);
    int root = lua_gettop(L);
    lua_createtable(L, info->vm < 0x7FFFFFFF ? (int)info->vm : 0, 0);
    for (size_t i = 0; i < info->vm; i++) {
        dk_dataset *item;
        if (dk_dataset_get_item(ds, info->tag, i, &item, &err) != DK_OK)
            ldk_raise(L, &err);
        push_item(L, root, item);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_remove(L, root);
}

/* an array of the fragments (the Basic Offset Table is item 0, left out) */
static void push_fragments(lua_State *L, dk_dataset *ds, const dk_element_info *info)
{
    dk_error err;
    lua_createtable(L, info->vm > 0 && info->vm < 0x7FFFFFFF ? (int)info->vm - 1 : 0, 1);
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
            lua_createtable(L, info->vm < 0x7FFFFFFF ? (int)info->vm : 0, 0);
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
    case DK_KIND_SEQUENCE:
        push_sequence(L, self, ds, info);
        return;
    case DK_KIND_ENCAPSULATED:
        push_fragments(L, ds, info);
        return;
    }
}

/* ---- writing values ---- */

typedef enum { K_TEXT, K_NUMBER_TEXT, K_NUMBER, K_BYTES, K_SEQUENCE } lua_kind;

static lua_kind kind_of_vr(const char *vr)
{
    /* the dictionary's ambiguous VRs: xs (US or SS) and lt (US, SS or OW) take numbers,
     * ox (OB or OW) takes bytes */
    if (!strcmp(vr, "xs") || !strcmp(vr, "lt"))
        return K_NUMBER;
    if (!strcmp(vr, "ox"))
        return K_BYTES;
    const dk_vr_facts *f = dk_vr_facts_of(vr);
    if (f == NULL)
        return K_TEXT;
    switch (f->kind) {
    case DK_KIND_STRING: return f->numeric_text ? K_NUMBER_TEXT : K_TEXT;
    case DK_KIND_INTEGER:
    case DK_KIND_FLOAT: return K_NUMBER;
    case DK_KIND_SEQUENCE: return K_SEQUENCE;
    default: return K_BYTES;
    }
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

/* The length of the array at `idx`, checked before anything is sized by it. */
static size_t array_length(lua_State *L, int idx, uint32_t tag)
{
    lua_Integer n = luaL_len(L, idx);
    if (n < 0 || n > 0x7FFFFFFF) {
        char what[96];
        describe(tag, what, sizeof what);
        luaL_error(L, "%s: an array of %I values is more than an element can hold", what, n);
    }
    return (size_t)n;
}

/* A multi-valued value from an array of strings or numbers. */
static void set_array(lua_State *L, dk_dataset *ds, uint32_t tag, const char *vr, lua_kind kind,
                      int vidx)
{
    char what[96];
    size_t n = array_length(L, vidx, tag);
    dk_error err;
    if (kind == K_TEXT) {
        luaL_Buffer b;
        luaL_buffinit(L, &b);
        for (size_t i = 1; i <= n; i++) {
            size_t len;
            if (i > 1) /* before pushing: the buffer may use the stack top while growing */
                luaL_addchar(&b, '\\');
            lua_geti(L, vidx, (lua_Integer)i);
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
    for (size_t i = 1; i <= n; i++) {
        lua_geti(L, vidx, (lua_Integer)i);
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
        long long *v = lua_newuserdatauv(L, sizeof *v * (n ? n : 1), 0);
        for (size_t i = 1; i <= n; i++) {
            lua_geti(L, vidx, (lua_Integer)i);
            v[i - 1] = (long long)lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
        check(L, dk_dataset_set_integers(ds, tag, vr, v, n, &err), &err);
    } else {
        double *v = lua_newuserdatauv(L, sizeof *v * (n ? n : 1), 0);
        for (size_t i = 1; i <= n; i++) {
            lua_geti(L, vidx, (lua_Integer)i);
            v[i - 1] = (double)lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
        check(L, dk_dataset_set_floats(ds, tag, vr, v, n, &err), &err);
    }
    lua_pop(L, 1);
}

/* Tables of keyword = value being filled, so that one containing itself is refused and the
 * nesting is bounded before it is recursed into. The set is a table on the stack at `visiting`
 * (0 until the first sequence needs it). */
typedef struct fill_ctx {
    int depth;
    int visiting;
} fill_ctx;

static void fill_from_table(lua_State *L, dk_dataset *ds, int tidx, fill_ctx *ctx);

/* A context whose set of tables being filled is a new table on the stack: call before pushing
 * anything the caller will pop. */
static fill_ctx start_fill(lua_State *L)
{
    fill_ctx ctx;
    lua_newtable(L);
    ctx.depth = 0;
    ctx.visiting = lua_gettop(L);
    return ctx;
}

static void enter_table(lua_State *L, int tidx, fill_ctx *ctx, uint32_t tag)
{
    lua_pushvalue(L, tidx);
    if (lua_rawget(L, ctx->visiting) != LUA_TNIL) {
        char what[96];
        describe(tag, what, sizeof what);
        luaL_error(L, "%s: an item contains itself (a table cannot be its own descendant)", what);
    }
    lua_pop(L, 1);
    lua_pushvalue(L, tidx);
    lua_pushboolean(L, 1);
    lua_rawset(L, ctx->visiting);
}

static void leave_table(lua_State *L, int tidx, fill_ctx *ctx)
{
    lua_pushvalue(L, tidx);
    lua_pushnil(L);
    lua_rawset(L, ctx->visiting);
}

/* A sequence from an array whose entries are datasets or tables of keyword = value. */
static void set_sequence(lua_State *L, dk_dataset *ds, uint32_t tag, int vidx, fill_ctx *ctx)
{
    char what[96];
    luaL_checkstack(L, 8, "sequence items");
    if (ctx->depth >= (int)DK_DEFAULT_MAX_DEPTH) {
        describe(tag, what, sizeof what);
        luaL_error(L, "%s: sequences nested deeper than %d levels", what, (int)DK_DEFAULT_MAX_DEPTH);
    }
    size_t n = array_length(L, vidx, tag);
    int base = lua_gettop(L);
    dk_error err;
    dk_dataset **items = lua_newuserdatauv(L, sizeof *items * (n ? n : 1), 0);
    lua_createtable(L, (int)n, 0); /* anchors the temporary roots made from tables */
    int anchor = lua_gettop(L);
    for (size_t i = 1; i <= n; i++) {
        int t = lua_geti(L, vidx, (lua_Integer)i);
        int item_idx = lua_gettop(L);
        if (t == LUA_TUSERDATA && luaL_testudata(L, item_idx, DK_DATASET_MT)) {
            items[i - 1] = ldk_check_dataset(L, item_idx);
        } else if (t == LUA_TTABLE) {
            enter_table(L, item_idx, ctx, tag);
            /* a temporary root, freed by its __gc even if filling it raises */
            ldk_dataset *u = new_userdata(L, 1);
            if ((u->ds = dk_dataset_new(&err)) == NULL)
                ldk_raise(L, &err);
            ctx->depth++;
            fill_from_table(L, u->ds, item_idx, ctx);
            ctx->depth--;
            leave_table(L, item_idx, ctx);
            items[i - 1] = u->ds;
            lua_rawseti(L, anchor, (lua_Integer)i);
        } else {
            describe(tag, what, sizeof what);
            luaL_error(L, "%s: item %d must be a table or a dataset, got %s", what, (int)i,
                       luaL_typename(L, -1));
        }
        lua_settop(L, anchor);
    }
    check(L, dk_dataset_set_sequence_items(ds, tag, items, n, &err), &err);
    lua_settop(L, base);
}

/* Set element `tag` of `ds` from the Lua value at `vidx`; `vr` may be NULL (dictionary's). */
static void set_value(lua_State *L, dk_dataset *ds, uint32_t tag, const char *vr, int vidx,
                      fill_ctx *ctx)
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
            if (len == 0) { /* "" is an empty value for every VR: an empty Type 2 FL, US, ... */
                lua_newtable(L);
                set_array(L, ds, tag, vr, K_NUMBER, lua_gettop(L));
                lua_pop(L, 1);
                return;
            }
            if (lua_stringtonumber(L, s) == 0)
                type_error(L, tag, tvr, "a number", vidx);
            set_number(L, ds, tag, vr, lua_gettop(L));
            lua_pop(L, 1);
        } else if (kind == K_SEQUENCE) {
            if (len != 0)
                type_error(L, tag, tvr, "an array of items", vidx);
            lua_newtable(L); /* "" is an empty sequence, as for a Type 2 of any other VR */
            set_sequence(L, ds, tag, lua_gettop(L), ctx);
            lua_pop(L, 1);
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
            set_sequence(L, ds, tag, vidx, ctx);
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
static void fill_from_table(lua_State *L, dk_dataset *ds, int tidx, fill_ctx *ctx)
{
    tidx = lua_absindex(L, tidx);
    luaL_checkstack(L, 4, "dataset values");
    lua_pushnil(L);
    while (lua_next(L, tidx) != 0) {
        uint32_t tag = check_tag(L, -2);
        set_value(L, ds, tag, NULL, -1, ctx);
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
    fill_ctx ctx = start_fill(L);
    set_value(L, ds, tag, vr, 4, &ctx);
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
    const char *ts = ldk_string_field(L, opts, "transfer_syntax");
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

/* ds:save(path_or_file [, {transfer_syntax=}]) -> true | nil, message, code */
static int l_save(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    luaL_Stream *stream = luaL_testudata(L, 2, LUA_FILEHANDLE);
    const char *path = stream ? NULL : luaL_checkstring(L, 2);
    const char *ts = transfer_syntax_option(L, 3);
    dk_error err;
    int rc;
    if (stream != NULL) {
        if (stream->closef == NULL)
            return luaL_error(L, "attempt to save into a closed file");
        fflush(stream->f); /* what Lua buffered goes first */
        rc = dk_dataset_write_fd(ds, fileno(stream->f), "output", ts, &err);
    } else {
        rc = dk_dataset_save(ds, path, ts, &err);
    }
    if (rc == DK_EUNSUPPORTED)
        return ldk_raise(L, &err);
    if (rc != DK_OK)
        return ldk_raise_or_fail(L, &err);
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

/* ds:file_meta() -> a new dataset holding the file meta information (group 0002) */
static int l_file_meta(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    dk_error err;
    if (!dk_dataset_is_root(ds))
        return luaL_error(L, "file_meta: only a root dataset has file meta information");
    dk_dataset *meta = dk_dataset_file_meta(ds, &err);
    if (meta == NULL)
        return ldk_raise(L, &err);
    ldk_push_root(L, meta);
    return 1;
}

static int l_json(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    dk_error err;
    char *text = dk_dataset_json(ds, &err);
    if (text == NULL)
        return ldk_raise(L, &err);
    lua_pushstring(L, text);
    dk_free(text);
    return 1;
}

/* ds:info(key) -> {tag=, vr=, vm=, length=, kind=, keyword=} or nil, reading no value */
static int l_info(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    uint32_t tag = check_tag(L, 2);
    dk_element_info info;
    if (dk_dataset_info(ds, tag, &info, NULL) != DK_OK) {
        lua_pushnil(L);
        return 1;
    }
    static const char *const kinds[] = {"text", "integer", "float", "bytes", "sequence",
                                        "encapsulated"};
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, (lua_Integer)info.tag);
    lua_setfield(L, -2, "tag");
    lua_pushstring(L, info.vr);
    lua_setfield(L, -2, "vr");
    lua_pushinteger(L, (lua_Integer)info.vm);
    lua_setfield(L, -2, "vm");
    lua_pushinteger(L, (lua_Integer)info.length);
    lua_setfield(L, -2, "length");
    lua_pushstring(L, kinds[info.kind]);
    lua_setfield(L, -2, "kind");
    if (info.keyword != NULL) {
        lua_pushstring(L, info.keyword);
        lua_setfield(L, -2, "keyword");
    }
    return 1;
}

static int l_is_root(lua_State *L)
{
    lua_pushboolean(L, dk_dataset_is_root(ldk_check_dataset(L, 1)));
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
    fill_ctx ctx = start_fill(L);
    set_value(L, ds, tag, NULL, 3, &ctx);
    return 0;
}

/* The iterator behind pairs (values) and keys (no values); upvalue 1 is the next index,
 * upvalue 2 whether values are wanted. */
static int l_next(lua_State *L)
{
    dk_dataset *ds = ldk_check_dataset(L, 1);
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(1));
    dk_element_info info;
    if ((size_t)i >= dk_dataset_count(ds) || dk_dataset_info_at(ds, (size_t)i, &info, NULL) != DK_OK)
        return 0;
    lua_pushinteger(L, i + 1);
    lua_replace(L, lua_upvalueindex(1));
    push_key(L, &info);
    if (lua_toboolean(L, lua_upvalueindex(2)))
        push_value(L, 1, ds, &info);
    else
        lua_pushstring(L, info.vr);
    return 2;
}

static int iterate(lua_State *L, int values)
{
    ldk_check_dataset(L, 1);
    lua_pushinteger(L, 0);
    lua_pushboolean(L, values);
    lua_pushcclosure(L, l_next, 2);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* pairs(ds): key, value in tag order */
static int l_pairs(lua_State *L) { return iterate(L, 1); }

/* ds:keys(): key, vr in tag order, reading no value (PixelData is not copied) */
static int l_keys(lua_State *L) { return iterate(L, 0); }

static int l_tostring(lua_State *L)
{
    ldk_dataset *u = luaL_checkudata(L, 1, DK_DATASET_MT);
    if (ldk_is_closed_dataset(L, 1)) {
        lua_pushliteral(L, "dicomkit.Dataset (closed)");
        return 1;
    }
    dk_dataset *ds = u->ds;
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
    {"keys", l_keys},
    {"info", l_info},
    {"save", l_save},
    {"json", l_json},
    {"close", l_close},
    {"is_root", l_is_root},
    {"transfer_syntax", l_transfer_syntax},
    {"file_meta", l_file_meta},
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
    int self = lua_gettop(L);
    if ((u->ds = dk_dataset_new(&err)) == NULL)
        return ldk_raise(L, &err);
    if (has_init) {
        fill_ctx ctx = start_fill(L);
        lua_pushvalue(L, 1);
        lua_pushboolean(L, 1);
        lua_rawset(L, ctx.visiting);
        fill_from_table(L, u->ds, 1, &ctx);
    }
    lua_settop(L, self);
    return 1;
}

/* dk.read(path [, {max_file_bytes=, max_inflated_bytes=, max_depth=, max_elements=}])
 * -> dataset, notes | nil, message, code */
static int l_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    dk_read_limits limits = {0, 0, 0, 0};
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        limits.max_file_bytes = (uint64_t)ldk_int_field(L, 2, "max_file_bytes", 0, 0, LUA_MAXINTEGER);
        limits.max_inflated_bytes =
            (uint64_t)ldk_int_field(L, 2, "max_inflated_bytes", 0, 0, LUA_MAXINTEGER);
        limits.max_depth = (unsigned)ldk_int_field(L, 2, "max_depth", 0, 0, DK_MAX_DEPTH_CAP);
        limits.max_elements = (uint64_t)ldk_int_field(L, 2, "max_elements", 0, 0, LUA_MAXINTEGER);
    }
    dk_error err;
    ldk_dataset *u = new_userdata(L, 1);
    if ((u->ds = dk_dataset_read_limited(path, &limits, &err)) == NULL)
        return ldk_raise_or_fail(L, &err);
    const char *notes = dk_dataset_notes(u->ds);
    if (notes == NULL)
        return 1;
    lua_pushstring(L, notes);
    return 2;
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

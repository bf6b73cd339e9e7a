/* Shared between the files of the dicomkit.core Lua binding. */
#ifndef LDICOMKIT_H
#define LDICOMKIT_H

#include <lauxlib.h>
#include <lua.h>

#include "dicomkit/dataset.h"

#define DK_DATASET_MT "dicomkit.Dataset"

/* ---- util.c ---- */

/* Raise a Lua error from a dk_error (programming errors). Never returns. */
int ldk_raise(lua_State *L, const dk_error *err);

/* Return nil, message, code-name: a failure of the world. */
int ldk_fail(lua_State *L, const dk_error *err);

/* Misuse (DK_EINVAL, DK_EKEYWORD, DK_ESTALE) raises; anything else returns nil, message, code. */
int ldk_raise_or_fail(lua_State *L, const dk_error *err);

/* Field `k` of the table at `t` as an integer in [min, max]; `dflt` when absent. Raises, naming
 * the field and the range, for a non-integer or a value outside it: a Lua integer is 64-bit and
 * nothing is truncated silently (port = 2^32 + 9 is refused, not taken as 9). */
lua_Integer ldk_int_field(lua_State *L, int t, const char *k, lua_Integer dflt, lua_Integer min,
                          lua_Integer max);

/* Field `k` as a boolean (absent: 0); raises for anything but nil or a boolean. */
int ldk_bool_field(lua_State *L, int t, const char *k);

/* Field `k` as a string, or NULL when absent; raises for anything else. The string lives as
 * long as the table holds it. */
const char *ldk_string_field(lua_State *L, int t, const char *k);

/* Add dk._dir and dk._file_type to the module table at the top of the stack. */
void ldk_open_util(lua_State *L);

/* ---- dataset.c ---- */

/* Push a new root dataset userdata that owns `ds`. */
void ldk_push_root(lua_State *L, dk_dataset *ds);

/* The dk_dataset behind argument `idx`, raising if it (or its root) was closed or removed. */
dk_dataset *ldk_check_dataset(lua_State *L, int idx);

/* Whether the value at `idx` is a dataset that was closed (or an item of a closed root). */
int ldk_is_closed_dataset(lua_State *L, int idx);

/* Register the Dataset type and its functions into the module table at the top of the stack. */
void ldk_open_dataset(lua_State *L);

/* ---- pixels.c: dk.jpeg and ds:set_pixels (after ldk_open_dataset) ---- */
void ldk_open_pixels(lua_State *L);

/* ---- net.c: dk.connect, dk.peek and the Association type ---- */
void ldk_open_net(lua_State *L);

/* ---- repl.c: what the REPL needs from C (interrupting a running chunk) ---- */
void ldk_open_repl(lua_State *L);

#endif

/* Shared between the files of the dicomkit.core Lua binding. */
#ifndef LDICOMKIT_H
#define LDICOMKIT_H

#include <lauxlib.h>
#include <lua.h>

#include "dicomkit/dataset.h"

#define DK_DATASET_MT "dicomkit.Dataset"

/* Raise a Lua error from a dk_error (programming errors). Never returns. */
int ldk_raise(lua_State *L, const dk_error *err);

/* Return nil, message, code-name: a failure of the world. */
int ldk_fail(lua_State *L, const dk_error *err);

/* Push a new root dataset userdata that owns `ds`. */
void ldk_push_root(lua_State *L, dk_dataset *ds);

/* The dk_dataset behind argument `idx`, raising if it (or its root) was closed or removed. */
dk_dataset *ldk_check_dataset(lua_State *L, int idx);

/* Add JPEG import: dk.jpeg and ds:set_pixels (after ldk_open_dataset). */
void ldk_open_pixels(lua_State *L);

/* Add dk.connect, dk.peek and the Association type. */
void ldk_open_net(lua_State *L);

/* Register the Dataset type and its functions into the module table at the top of the stack. */
void ldk_open_dataset(lua_State *L);

#endif

/* What the REPL needs from C: Ctrl-C that interrupts the running chunk, not the session.
 *
 * As lua.c does it: while a chunk runs, SIGINT sets a hook on the Lua state that raises
 * "interrupted" at the next instruction, so the chunk's error handler gets it and the REPL
 * goes on. A long call inside C (a C-STORE, a decode) ends first; the hook fires as soon as Lua
 * runs again. While the REPL waits for input, SIGINT only counts, so the session stays. */
#include "ldicomkit.h"

#include <signal.h>
#include <string.h>

static lua_State *interrupted_state;        /* the state a running chunk belongs to */
static volatile sig_atomic_t interrupts;    /* Ctrl-C presses seen while waiting for input */
static struct sigaction previous;
static int installed;

static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted");
}

static void on_sigint_running(int sig)
{
    (void)sig;
    int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
    if (interrupted_state != NULL)
        lua_sethook(interrupted_state, stop_hook, mask, 1); /* signal-safe, as lua.c relies on */
}

static void on_sigint_waiting(int sig)
{
    (void)sig;
    interrupts++;
}

static void install(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, installed ? NULL : &previous);
    installed = 1;
}

/* dk._interrupts(mode) with mode "run" (Ctrl-C interrupts the chunk), "wait" (Ctrl-C counts) or
 * "off" (the handler the process had before); returns the presses counted since the last call. */
static int l_interrupts(lua_State *L)
{
    static const char *const modes[] = {"run", "wait", "off", NULL};
    int mode = luaL_checkoption(L, 1, NULL, modes);
    lua_sethook(L, NULL, 0, 0);
    if (mode == 0) {
        lua_State *main_state;
        lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
        main_state = lua_tothread(L, -1);
        lua_pop(L, 1);
        interrupted_state = main_state;
        install(on_sigint_running);
    } else if (mode == 1) {
        interrupted_state = NULL;
        install(on_sigint_waiting);
    } else if (installed) {
        interrupted_state = NULL;
        sigaction(SIGINT, &previous, NULL);
        installed = 0;
    }
    lua_pushinteger(L, (lua_Integer)interrupts);
    interrupts = 0;
    return 1;
}

void ldk_open_repl(lua_State *L)
{
    lua_pushcfunction(L, l_interrupts);
    lua_setfield(L, -2, "_interrupts");
}

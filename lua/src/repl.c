/* What the REPL needs from C: Ctrl-C that interrupts the running chunk, not the session, and
 * a history file written line by line.
 *
 * While a chunk runs (core._run), SIGINT sets `pending` and a hook on the main Lua thread that
 * raises "interrupted" at the next Lua instruction, as lua.c does. Unlike lua.c's, the raise is
 * sticky: the hook stays and raises again at every instruction until the REPL's error handler
 * (C, so no hook runs in it) takes it, so a pcall in the chunk does not swallow the ^C and let
 * a loop go on. Coroutines made by the chunk inherit a light hook (every CHECK_EVERY
 * instructions) that looks at `pending`, so a loop inside a coroutine stops too. A long call
 * inside C (a C-STORE, a decode) ends first (a blocking system call returns EINTR); the hook
 * fires as soon as Lua runs again.
 *
 * While the REPL waits for input ("wait"), SIGINT only counts, so the session stays. GNU
 * readline catches SIGINT itself inside readline(): its handler only notes the signal; when its
 * read loop sees it, it frees the line's undo state, echoes ^C, restores the terminal, raises
 * the signal again for the handler it found installed (ours, which counts) and then goes on
 * reading the same line: a ^C at the prompt would neither end the session nor drop the line.
 * To drop it and give a fresh prompt, as a shell does, "wait" also puts a getc function of ours
 * into the readline that lua-readline uses (found with dlsym, nothing linked): it reads like
 * readline's own, lets readline handle the signals it caught (rl_check_signals), and after a
 * ^C empties the line and returns a newline, so readline() returns "" and the REPL, seeing
 * the count, knows that the line was abandoned. Without GNU readline 8 (another library, or
 * none) Ctrl-C at the prompt only counts. */
#define _GNU_SOURCE
#include "ldicomkit.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHECK_EVERY 1000 /* instructions between two looks at `pending` in a coroutine */
#define TRACEBACK_KEY "dicomkit.repl.traceback"

static lua_State *main_state;            /* the main thread of the REPL's state */
static volatile sig_atomic_t pending;    /* a ^C the running chunk has not ended on yet */
static volatile sig_atomic_t interrupts; /* Ctrl-C presses seen while waiting for input */
static volatile sig_atomic_t abandon;    /* a ^C the line editor has not acted on yet */
static struct sigaction previous;
static int installed; /* our handler is in place ("wait" or "run") */

static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    if (pending) {
        lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, 1); /* again at the next instruction */
        lua_pushliteral(L, "interrupted");
        lua_error(L);
    }
    lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, CHECK_EVERY);
}

static void on_sigint_running(int sig)
{
    (void)sig;
    pending = 1;
    if (main_state != NULL) /* signal-safe enough: lua.c relies on it */
        lua_sethook(main_state, interrupt_hook, LUA_MASKCOUNT, 1);
}

static void on_sigint_waiting(int sig)
{
    (void)sig;
    interrupts++;
    abandon = 1;
}

/* SA_RESTART is left out on purpose: a blocking read(2) returns EINTR, so the line editor (or
 * a chunk blocked in a system call) sees the ^C now, not after the next key. */
static void install(void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, installed ? NULL : &previous);
    installed = 1;
}

/* ---- GNU readline, when the process has it loaded (lua-readline's C-readline.so, or the
 * interpreter itself) ---- */

typedef int (*rl_getc_fn)(FILE *);

static struct {
    int looked;                  /* looked it up already */
    rl_getc_fn *getc_function;   /* &rl_getc_function */
    rl_getc_fn original;         /* what it was before we put ours */
    void (*check_signals)(void); /* rl_check_signals (readline 8) */
    void (*replace_line)(const char *, int);
    int ours; /* ours is in place */
} rl;

static void *rl_symbol(void *lib, const char *name)
{
    void *p = lib ? dlsym(lib, name) : NULL;
    return p ? p : dlsym(RTLD_DEFAULT, name);
}

static int find_readline(void)
{
    if (rl.looked) return rl.getc_function != NULL;
    rl.looked = 1;
    void *lib = NULL;
#ifdef RTLD_NOLOAD
    /* the one already loaded: lua-readline loads it RTLD_LOCAL, out of RTLD_DEFAULT's sight */
    lib = dlopen("libreadline.so.8", RTLD_LAZY | RTLD_NOLOAD);
#endif
    rl_getc_fn *getc_function = (rl_getc_fn *)rl_symbol(lib, "rl_getc_function");
    rl.check_signals = (void (*)(void))rl_symbol(lib, "rl_check_signals");
    rl.replace_line = (void (*)(const char *, int))rl_symbol(lib, "rl_replace_line");
    /* rl_check_signals is readline 8's: libedit's emulation and older readlines go without */
    if (getc_function && rl.check_signals && rl.replace_line) rl.getc_function = getc_function;
    if (lib) dlclose(lib); /* NOLOAD took a reference; the library stays loaded by its owner */
    return rl.getc_function != NULL;
}

/* readline's rl_getc, with one difference: a ^C ends the line (emptied) instead of going on. */
static int getc_interruptible(FILE *stream)
{
    int fd = fileno(stream);
    for (;;) {
        unsigned char c;
        ssize_t n;
        /* readline's handler only noted the signal: now it echoes ^C, resets the terminal and
         * passes SIGINT on to on_sigint_waiting (which sets abandon), then prepares again */
        rl.check_signals();
        if (abandon) {
            abandon = 0;
            rl.replace_line("", 1);
            return '\n';
        }
        n = read(fd, &c, 1);
        if (n == 1) return c;
        if (n == 0) return EOF;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            /* left non-blocking by someone: block again, as readline's rl_getc does */
            int flags = fcntl(fd, F_GETFL, 0);
            if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) return EOF;
            continue;
        }
        if (errno != EINTR) return EOF;
        /* EINTR: SIGINT, SIGWINCH, SIGTSTP...: the top of the loop handles them */
    }
}

static void readline_ours(int on)
{
    if (!find_readline()) return;
    if (on && !rl.ours) {
        rl.original = *rl.getc_function;
        *rl.getc_function = getc_interruptible;
        rl.ours = 1;
    } else if (!on && rl.ours) {
        if (*rl.getc_function == getc_interruptible) *rl.getc_function = rl.original;
        rl.ours = 0;
    }
}

static void mode_run(lua_State *L)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    main_state = lua_tothread(L, -1);
    lua_pop(L, 1);
    pending = 0;
    /* the light hook: coroutines made while the chunk runs inherit it */
    lua_sethook(main_state, interrupt_hook, LUA_MASKCOUNT, CHECK_EVERY);
    install(on_sigint_running);
}

static void mode_wait(lua_State *L)
{
    install(on_sigint_waiting);
    pending = 0;
    if (main_state != NULL) lua_sethook(main_state, NULL, 0, 0);
    lua_sethook(L, NULL, 0, 0);
    readline_ours(1);
}

/* core._interrupts(mode) with mode "wait" (Ctrl-C counts and abandons the line being edited),
 * "run" (Ctrl-C interrupts Lua code) or "off" (the handler the process had before); returns
 * the presses counted while waiting since the last call. */
static int l_interrupts(lua_State *L)
{
    static const char *const modes[] = {"run", "wait", "off", NULL};
    int mode = luaL_checkoption(L, 1, NULL, modes);
    if (mode == 0) {
        mode_run(L);
    } else if (mode == 1) {
        mode_wait(L);
    } else {
        readline_ours(0);
        if (installed) {
            sigaction(SIGINT, &previous, NULL);
            installed = 0;
        }
        pending = 0;
        if (main_state != NULL) lua_sethook(main_state, NULL, 0, 0);
    }
    lua_pushinteger(L, (lua_Integer)interrupts);
    interrupts = 0;
    abandon = 0;
    return 1;
}

/* The message handler of core._run: C, so that the sticky hook cannot raise inside it. Takes
 * the interrupt, keeps the traceback in the registry and returns the error unchanged. */
static int error_handler(lua_State *L)
{
    const char *msg;
    pending = 0; /* taken: the hook, still there, now lets Lua code (__close handlers) run */
    msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, TRACEBACK_KEY);
    lua_settop(L, 1);
    return 1;
}

/* core._run(f, ...) -> true, results... | false, error, traceback
 * Call f. When the REPL has taken SIGINT over (core._interrupts("wait")), a ^C during the call
 * raises "interrupted" in it, and the REPL is back to waiting when _run returns: between the
 * two, no Lua instruction of the REPL runs, so no ^C can land in the REPL itself. */
static int l_run(lua_State *L)
{
    int n = lua_gettop(L) - 1, status, catching = installed;
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, TRACEBACK_KEY);
    lua_pushcfunction(L, error_handler);
    lua_insert(L, 1);
    if (catching) mode_run(L);
    status = lua_pcall(L, n, LUA_MULTRET, 1);
    if (catching) mode_wait(L);
    lua_pushboolean(L, status == LUA_OK);
    lua_replace(L, 1);
    if (status == LUA_OK) return lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, TRACEBACK_KEY);
    return 3;
}

/* core._history_append(path, line) -> true | nil, message: one write(2) of line.."\n" with
 * O_APPEND (two sessions do not interleave inside a line); a new file is made 0600, as a
 * shell's history is: the lines may hold patient names. */
static int l_history_append(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    size_t len;
    const char *line = luaL_checklstring(L, 2, &len);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, line, len);
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    const char *data = lua_tolstring(L, -1, &len);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0) {
        luaL_pushfail(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            close(fd);
            luaL_pushfail(L);
            lua_pushfstring(L, "%s: %s", path, strerror(e));
            return 2;
        }
        done += (size_t)n;
    }
    close(fd);
    lua_pushboolean(L, 1);
    return 1;
}

void ldk_open_repl(lua_State *L)
{
    lua_pushcfunction(L, l_interrupts);
    lua_setfield(L, -2, "_interrupts");
    lua_pushcfunction(L, l_run);
    lua_setfield(L, -2, "_run");
    lua_pushcfunction(L, l_history_append);
    lua_setfield(L, -2, "_history_append");
}

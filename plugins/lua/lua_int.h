/**
 * @file lua_int.h
 * @brief Private to the Lua bridge: the per-state context, the sandboxed
 *        state, the `corral` host table and the agent metadata reader.
 *
 * One context and one lua_State per use: a `describe` in the host process
 * (no op: the host table's acting functions refuse), or one action in the
 * action's child process (op set). The context is the allocator's user
 * data, so any C function reaches it from its lua_State.
 */
#ifndef CORRAL_LUA_INT_H
#define CORRAL_LUA_INT_H

#include <corral/plugin.h>
#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Default memory cap of one state (bytes). */
#define CORRAL_LUA_MEMORY_CAP (64u * 1024 * 1024)
/** Wall-clock budget for loading a script to describe or list it (ms). */
#define CORRAL_LUA_DESCRIBE_MS 2000u
/** Instructions between two deadline checks of the count hook. */
#define CORRAL_LUA_HOOK_COUNT 1000

typedef struct corral__lua_ctx {
    size_t mem_used;
    size_t mem_cap;
    uint64_t deadline_ms; /**< monotonic ms; 0: none */
    uint32_t budget_ms;   /**< what the deadline allows, for messages */
    bool timed_out;       /**< the hook fired: no pcall may swallow it */

    const corral_op_t *op;            /**< running an action; NULL while describing */
    const corral_bridge_host_t *host; /**< describing / listing; may be NULL */
    const char *lua_path;             /**< colon-separated agent path (not owned) */
    const char *file;                 /**< the script (not owned) */
    int agent_line; /**< line of the `agent = ...` statement's end; 0: never assigned */
} corral__lua_ctx_t;

/** Monotonic clock in ms. */
uint64_t corral__lua_now_ms(void);

/** The context of a state made by corral__lua_state_new(). */
corral__lua_ctx_t *corral__lua_ctx(lua_State *L);

/**
 * A fresh sandboxed state: the allow-listed libraries, the `corral` table,
 * the memory cap and the deadline hook of ctx (which must outlive the
 * state). NULL when Lua cannot even allocate its state.
 */
lua_State *corral__lua_state_new(corral__lua_ctx_t *ctx);

/** Set ctx's deadline to `ms` from now (0: none). */
void corral__lua_set_budget(corral__lua_ctx_t *ctx, uint32_t ms);

/**
 * Compile `src` (the text of `file`, text chunks only) and run its main
 * chunk in L, protected. 0, or -EINVAL / -ETIMEDOUT / -ENOMEM with
 * *error_out (malloc'd "FILE:LINE: message").
 */
int corral__lua_load_script(lua_State *L, const char *file, const char *src, size_t len,
                            char **error_out);

/** Call the function on top of the stack under a traceback handler. As lua_pcall. */
int corral__lua_pcall(lua_State *L, int nargs, int nresults);

/**
 * Read the global `agent` table of a loaded script and check it and the
 * action functions. 0 and *info_out (free with corral__lua_info_free), or
 * -EINVAL and *error_out (malloc'd "FILE:LINE: message").
 * `src` is the script's text (for line numbers of table fields).
 */
int corral__lua_read_agent(lua_State *L, const char *file, const char *src,
                           corral_agent_info_t **info_out, char **error_out);
void corral__lua_info_free(corral_agent_info_t *info);

/** Install the `corral` table into L's globals (may raise: call under protection). */
int corral__lua_open_api(lua_State *L);

/** Read a whole file, NUL-terminated. 0 and *data_out (malloc'd), *len_out; or -errno. */
int corral__lua_read_all(const char *path, char **data_out, size_t *len_out);

/** Emit an agent's meta-data as XML lines through op->output. */
void corral__lua_emit_metadata(const corral_op_t *op, const corral_agent_info_t *info);

/** Check a value against a parameter type; NULL when it fits, else why not. */
const char *corral__lua_check_type(corral_param_type_t type, const char *value);

#endif

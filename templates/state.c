/* state.c - the state struct of a stateful kernel, and what Python asks of it (both stateful.c
 * and channels.c pour this in). The buffer of structs belongs to the Python kernel object (the
 * last bound buffer), so the state persists between calls. */
typedef struct rj_state {
${state_fields}
} rj_state;

RJ_EXPORT int64_t rj_state_size(void) { return (int64_t)sizeof(rj_state); }

/* One state struct serves this many channels. */
RJ_EXPORT int64_t rj_state_lanes(void) { return ${state_lanes}; }

RJ_EXPORT void rj_state_init(rj_state *S)
{
    memset(S, 0, sizeof *S);
${state_init}
}

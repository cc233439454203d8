/* Lua as the benchmark builds it, natively and for WASI alike (clang's
 * -include puts this before every Lua source).
 *
 * WASI has no setjmp/longjmp (clang 14 and this wasi-libc lack the
 * exception-handling lowering newer toolchains use), so Lua's error
 * handling is reduced to abort(): a protected call just calls, and any
 * Lua error ends the process with a failure, which the runner reports.
 * The benchmark script raises no errors, yields no coroutine (a yield from
 * a C function unwinds the same way) and so runs the same code as stock
 * Lua. The native build does the same, so both run identical code. */
#define LUAI_THROW(L, c) abort()
#define LUAI_TRY(L, c, a) { a }
#define luai_jmpbuf int
/* A fixed hash seed (Lua mixes in the time and addresses), so every run
 * lays its tables out alike and does the same work. */
#define luai_makeseed(L) 0x5eedu
/* No processes to start. */
#define l_system(cmd) ((cmd) == NULL ? 0 : -1)
/* The type of the hook flag a signal handler may set (WASI has no
 * signals; Lua's default is sig_atomic_t from <signal.h>). */
#define l_signalT int

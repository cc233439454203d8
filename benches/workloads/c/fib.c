/* fib: recursive calls. Almost nothing but call, compare and return, so it
 * measures an engine's call path. */
#include "kernel.h"

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* `noinline` keeps the compiler from unrolling the recursion into run. */
__attribute__((noinline)) static long long fib_entry(int n) { return fib(n); }

KERNEL { return fib_entry(n); }

/* hello: start-up cost. The WASI build prints a greeting; the import-free
 * build's `run` does nothing, so either measures what it takes an engine
 * to load, instantiate and call into a module. */
#include "kernel.h"

#ifdef PETREL_BENCH_HELLO_MAIN
#include <stdio.h>
int main(void) {
    printf("Hello, world!\n");
    return 0;
}
#endif

KERNEL { return n + 1; }

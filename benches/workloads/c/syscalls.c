/* syscalls: a WASI guest that lives on the host boundary. It writes N
 * short lines to stdout with one `write` (one `fd_write`) each, unbuffered,
 * as a chatty logger or a CGI script printing line by line does. What it
 * measures is the engine's cost per host call (the WASI layer and the
 * Wasm-to-host crossing), not the guest's code. Not part of compare.sh's
 * suite (which builds every workload import-free too); run by
 * benches/syscalls.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    char line[32];
    long long sum = 0;
    for (int i = 0; i < n; i++) {
        int len = snprintf(line, sizeof line, "line %d\n", i);
        ssize_t wrote = write(1, line, (size_t)len);
        if (wrote != len) {
            return 1;
        }
        sum += wrote;
    }
    fprintf(stderr, "%lld bytes\n", sum);
    return 0;
}

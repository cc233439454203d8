/* syscalls: a WASI guest that lives on the host boundary. It writes the
 * same short line to stdout N times with one `write` (one `fd_write`)
 * each, unbuffered, as a chatty logger or a CGI script printing line by
 * line does. What it measures is the engine's cost per host call (the
 * WASI layer and the Wasm-to-host crossing) and the system call itself,
 * not the guest's code. Not part of compare.sh's suite (which builds every
 * workload import-free too); run by benches/syscalls.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    /* A fixed line: formatting it would make the guest's own code (on
     * an interpreter, most of the time) the thing measured. */
    static const char line[] = "a short log line\n";
    const size_t len = sizeof line - 1;
    long long sum = 0;
    for (int i = 0; i < n; i++) {
        ssize_t wrote = write(1, line, len);
        if (wrote != (ssize_t)len) {
            return 1;
        }
        sum += wrote;
    }
    fprintf(stderr, "%lld bytes\n", sum);
    return 0;
}

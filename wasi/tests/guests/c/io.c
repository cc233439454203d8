/* A WASI guest in C (wasi-libc) for petrel-wasi's tests: arguments,
 * environment, stdin to stdout, stderr, clocks, sleep, randomness,
 * polling stdin, and an exit status. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    const char *greeting = getenv("GREETING");
    printf("GREETING=%s\n", greeting ? greeting : "(unset)");
    printf("HOME=%s\n", getenv("HOME") ? getenv("HOME") : "(unset)");

    struct pollfd p = {.fd = 0, .events = POLLRDNORM};
    int ready = poll(&p, 1, 1000);
    printf("poll stdin: %d readable=%d\n", ready, (p.revents & POLLRDNORM) != 0);

    char line[128];
    while (fgets(line, sizeof line, stdin)) {
        for (char *c = line; *c; c++)
            if (*c >= 'a' && *c <= 'z') *c -= 32;
        fputs(line, stdout);
    }
    fprintf(stderr, "to stderr\n");

    struct timespec a, b, r;
    clock_gettime(CLOCK_REALTIME, &a);
    printf("realtime after 2020: %d\n", a.tv_sec > 1577836800);
    clock_getres(CLOCK_MONOTONIC, &r);
    printf("monotonic resolution ok: %d\n", r.tv_sec == 0 && r.tv_nsec > 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    struct timespec nap = {.tv_sec = 0, .tv_nsec = 30 * 1000 * 1000};
    nanosleep(&nap, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long slept = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
    printf("slept >= 30ms: %d\n", slept >= 30000000LL);
    printf("cputime ok: %d\n", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0);

    unsigned char x[16] = {0}, y[16] = {0};
    getentropy(x, sizeof x);
    getentropy(y, sizeof y);
    printf("entropy differs: %d\n", memcmp(x, y, sizeof x) != 0);
    fflush(stdout);
    return argc > 1 ? atoi(argv[1]) : 0;
}

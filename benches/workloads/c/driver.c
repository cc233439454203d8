/* `main` for the WASI and native builds: prints run(N) with N from argv. */
#include <stdio.h>
#include <stdlib.h>

long long run(int n);

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s N\n", argv[0]);
        return 2;
    }
    printf("%lld\n", run(atoi(argv[1])));
    return 0;
}

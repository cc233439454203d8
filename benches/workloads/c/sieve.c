/* sieve: the sieve of Eratosthenes over 4 MiB of flags, n times. Integer
 * loops, byte loads and stores, branches. */
#include "kernel.h"

#define LIMIT (4u << 20)
static unsigned char composite[LIMIT];

KERNEL {
    long long checksum = 0;
    for (int round = 0; round < n; round++) {
        unsigned limit = LIMIT - (unsigned)round; /* vary the work a little */
        memset(composite, 0, limit);
        unsigned count = 0;
        for (unsigned i = 2; i < limit; i++) {
            if (composite[i]) continue;
            count++;
            for (unsigned j = i * 2; j < limit; j += i) composite[j] = 1;
        }
        checksum = checksum * 31 + count;
    }
    return checksum;
}

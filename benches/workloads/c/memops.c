/* memops: memory-heavy copying. Shuffles blocks of many sizes around an
 * 8 MiB arena with memcpy and overlapping memmove, plus an explicit
 * strided byte-copy loop, n rounds. Exercises loads and stores of every
 * width and the engine's bounds-checking cost. */
#include "kernel.h"

#define ARENA (8u << 20)
static unsigned char arena[ARENA];

KERNEL {
    uint64_t seed = 0xB7E151628AED2A6Bull;
    for (size_t i = 0; i < ARENA; i += 8) {
        uint64_t r = xorshift64(&seed);
        memcpy(arena + i, &r, 8);
    }
    long long checksum = 0;
    for (int round = 0; round < n; round++) {
        /* Many small and medium copies at unaligned offsets. */
        for (int k = 0; k < 4096; k++) {
            uint64_t r = xorshift64(&seed);
            size_t len = (size_t)(r & 1023) + 1;
            size_t src = (size_t)((r >> 10) % (ARENA - len));
            size_t dst = (size_t)((r >> 34) % (ARENA - len));
            /* memcpy on overlapping blocks is undefined (native and wasm
             * libcs copy in different orders), so those few go through
             * memmove. */
            if (src < dst + len && dst < src + len)
                memmove(arena + dst, arena + src, len);
            else
                memcpy(arena + dst, arena + src, len);
        }
        /* Large overlapping moves, both directions. */
        for (int k = 0; k < 8; k++) {
            uint64_t r = xorshift64(&seed);
            size_t len = (1u << 20) + (size_t)(r & 0xFFFF);
            size_t src = (size_t)((r >> 16) % (ARENA - len - 4096));
            size_t shift = (size_t)((r >> 40) & 4095) + 1;
            if (k & 1)
                memmove(arena + src + shift, arena + src, len);
            else
                memmove(arena + src, arena + src + shift, len);
        }
        /* A strided gather: the kind of loop no memcpy can serve. */
        size_t base = (size_t)(xorshift64(&seed) % (ARENA / 2));
        for (size_t i = 0; i < (1u << 18); i++) {
            arena[base + i] = arena[(base + i * 7) % ARENA] ^ (unsigned char)i;
        }
        for (size_t i = 0; i < ARENA; i += 4093) checksum = checksum * 31 + arena[i];
    }
    return checksum;
}

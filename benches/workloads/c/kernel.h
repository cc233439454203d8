/* Shared by every C workload.
 *
 * A workload defines `long long run(int n)`: the kernel, scaled by n, that
 * returns a checksum. It is built three ways from the same source:
 *   - a wasm module with no imports that exports `run` (`-nostdlib`, plus
 *     freestanding.c for memcpy and friends), invoked by each engine's
 *     `--invoke run`;
 *   - a WASI command (driver.c's `main` prints `run(n)`);
 *   - a native executable from the same driver, built with `clang -O2`.
 * The harness compares every engine's checksum with the native one, so a
 * wrong answer can never pass as a fast one. */
#ifndef PETREL_BENCH_KERNEL_H
#define PETREL_BENCH_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Keeps the symbol exported from the import-free module. */
#define KERNEL __attribute__((visibility("default"))) long long run(int n)

void *memcpy(void *dst, const void *src, size_t len);
void *memmove(void *dst, const void *src, size_t len);
void *memset(void *dst, int byte, size_t len);

/* xorshift64: cheap deterministic data, identical everywhere. */
static inline uint64_t xorshift64(uint64_t *state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

/* A double's bits, so float checksums compare exactly. */
static inline long long f64_bits(double d) {
    long long bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

#endif

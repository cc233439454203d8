/* conv: an unsharp mask over a 320x240 8-bit grayscale image, n rounds:
 * a separable 5x5 binomial blur (a horizontal pass into 16-bit sums, a
 * vertical pass back to 8 bits), then `2 * pixel - blur` clamped to
 * 0..255. Widening multiply-adds over contiguous rows, the loops clang
 * auto-vectorizes with -msimd128: the same source is both the scalar and
 * the SIMD workload. Each round perturbs a pixel so none can be skipped. */
#include "kernel.h"

#define W 320
#define H 240

static uint8_t image[H][W], blurred[H][W];
static uint16_t rows[H][W];

static void blur(void) {
    for (int y = 0; y < H; y++) {
        const uint8_t *in = image[y];
        uint16_t *out = rows[y];
        out[0] = out[1] = out[W - 2] = out[W - 1] = (uint16_t)(in[0] * 16);
        for (int x = 2; x < W - 2; x++)
            out[x] = (uint16_t)(in[x - 2] + 4 * in[x - 1] + 6 * in[x] + 4 * in[x + 1] + in[x + 2]);
    }
    for (int y = 2; y < H - 2; y++) {
        const uint16_t *a = rows[y - 2], *b = rows[y - 1], *c = rows[y], *d = rows[y + 1],
                       *e = rows[y + 2];
        uint8_t *out = blurred[y];
        for (int x = 0; x < W; x++)
            out[x] = (uint8_t)((a[x] + 4u * b[x] + 6u * c[x] + 4u * d[x] + e[x] + 128u) >> 8);
    }
}

static void sharpen(void) {
    for (int y = 2; y < H - 2; y++) {
        for (int x = 0; x < W; x++) {
            int v = 2 * image[y][x] - blurred[y][x];
            image[y][x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

KERNEL {
    uint64_t seed = 0x2545F4914F6CDD1Dull;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            image[y][x] = (uint8_t)(xorshift64(&seed) >> 56);
    for (int round = 0; round < n; round++) {
        image[(round * 37) % H][(round * 101) % W] ^= 0x5a;
        blur();
        sharpen();
    }
    uint64_t hash = 0xcbf29ce484222325ull;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            hash = (hash ^ image[y][x]) * 0x100000001b3ull;
    return (long long)hash;
}

/* matmul: dense f64 matrix multiply, C = A * B with 192x192 matrices, n
 * times (each round perturbs A so no round can be skipped). Loads, stores
 * and multiply-adds in an i-k-j loop. */
#include "kernel.h"

#define DIM 192
static double a[DIM][DIM], b[DIM][DIM], c[DIM][DIM];

KERNEL {
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < DIM; i++) {
        for (int j = 0; j < DIM; j++) {
            a[i][j] = (double)(xorshift64(&seed) % 2001) / 1000.0 - 1.0;
            b[i][j] = (double)(xorshift64(&seed) % 2001) / 1000.0 - 1.0;
        }
    }
    double sum = 0.0;
    for (int round = 0; round < n; round++) {
        a[round % DIM][(round * 7) % DIM] += 0.5;
        for (int i = 0; i < DIM; i++) {
            for (int j = 0; j < DIM; j++) c[i][j] = 0.0;
            for (int k = 0; k < DIM; k++) {
                double aik = a[i][k];
                for (int j = 0; j < DIM; j++) c[i][j] += aik * b[k][j];
            }
        }
        for (int i = 0; i < DIM; i++) sum += c[i][(i * 13 + round) % DIM];
    }
    return f64_bits(sum);
}

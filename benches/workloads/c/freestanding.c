/* memcpy, memmove and memset for the import-free (`-nostdlib`) builds, in
 * plain C the way musl's generic versions are: word-at-a-time when both
 * pointers agree on alignment, bytes otherwise. Built with -fno-builtin so
 * the compiler cannot turn these loops back into calls to themselves. */
#include <stddef.h>
#include <stdint.h>

typedef uint32_t word;
#define WS sizeof(word)

void *memcpy(void *restrict dst, const void *restrict src, size_t len) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d ^ (uintptr_t)s) & (WS - 1)) == 0) {
        for (; ((uintptr_t)d & (WS - 1)) && len; len--) *d++ = *s++;
        for (; len >= 4 * WS; len -= 4 * WS, d += 4 * WS, s += 4 * WS) {
            ((word *)d)[0] = ((const word *)s)[0];
            ((word *)d)[1] = ((const word *)s)[1];
            ((word *)d)[2] = ((const word *)s)[2];
            ((word *)d)[3] = ((const word *)s)[3];
        }
        for (; len >= WS; len -= WS, d += WS, s += WS) *(word *)d = *(const word *)s;
    }
    for (; len; len--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t len) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s) return dst;
    if (d < s || d >= s + len) return memcpy(dst, src, len);
    /* Overlapping with dst above src: copy backwards. */
    if ((((uintptr_t)d ^ (uintptr_t)s) & (WS - 1)) == 0) {
        for (; ((uintptr_t)(d + len) & (WS - 1)) && len; len--) d[len - 1] = s[len - 1];
        for (; len >= WS; len -= WS) *(word *)(d + len - WS) = *(const word *)(s + len - WS);
    }
    for (; len; len--) d[len - 1] = s[len - 1];
    return dst;
}

void *memset(void *dst, int byte, size_t len) {
    unsigned char *d = dst;
    word w = (unsigned char)byte * (word)0x01010101u;
    for (; ((uintptr_t)d & (WS - 1)) && len; len--) *d++ = (unsigned char)byte;
    for (; len >= WS; len -= WS, d += WS) *(word *)d = w;
    for (; len; len--) *d++ = (unsigned char)byte;
    return dst;
}

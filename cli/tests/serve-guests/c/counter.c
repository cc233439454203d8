/* Counts the requests it has seen in a global, and checks that its
 * memory starts clean: a static array and five pages it grows the memory
 * by (past what the pool keeps resident) must be all zeros, and are
 * dirtied before it answers. A fresh instance answers "1 clean" every
 * time. It also echoes the request's method, path and query, read from
 * the CGI variables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count;
static unsigned char block[100000];

/* Read through a volatile pointer: the compiler knows nothing wrote the
 * grown pages, and may fold a plain read of them away. */
static int all_zero(const volatile unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) return 0;
    }
    return 1;
}

static const char *var(const char *name) {
    const char *value = getenv(name);
    return value ? value : "(unset)";
}

int main(void) {
    count++;
    int clean = all_zero(block, sizeof block);
    memset(block, 0xAA, sizeof block);
    /* Not malloc: its memory may hold what stdio freed before. */
    size_t old_pages = __builtin_wasm_memory_grow(0, 5);
    if (old_pages == (size_t)-1) return 1;
    unsigned char *grown = (unsigned char *)(old_pages * 65536);
    clean = clean && all_zero(grown, 5 * 65536);
    memset(grown, 0x55, 5 * 65536);
    printf("Content-Type: text/plain\nX-Guest: c\n\n%d %s\n", count, clean ? "clean" : "dirty");
    printf("%s %s%s ?%s\n", var("REQUEST_METHOD"), var("SCRIPT_NAME"), var("PATH_INFO"),
           var("QUERY_STRING"));
    return 0;
}

/* Counts the requests it has seen in a global, and checks that its
 * memory starts clean: a static array and a heap block larger than a page
 * must be all zeros, and are dirtied before it answers. A fresh instance
 * answers "1 clean" every time. It also echoes the request's method,
 * path and query, read from the CGI variables. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count;
static unsigned char block[100000];

static int all_zero(const unsigned char *p, size_t n) {
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
    unsigned char *heap = malloc(300000);
    if (!heap) return 1;
    clean = clean && all_zero(heap, 300000);
    memset(heap, 0x55, 300000);
    printf("Content-Type: text/plain\nX-Guest: c\n\n%d %s\n", count, clean ? "clean" : "dirty");
    printf("%s %s%s ?%s\n", var("REQUEST_METHOD"), var("SCRIPT_NAME"), var("PATH_INFO"),
           var("QUERY_STRING"));
    free(heap);
    return 0;
}

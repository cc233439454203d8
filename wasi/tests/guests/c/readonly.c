/* A WASI guest in C (wasi-libc) for petrel-wasi's tests: every way of
 * opening to change a file beneath the read-only directory given as
 * argv[1] must fail at open, and reading must still work. Prints what it
 * sees; the test compares the whole output. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[512];

static const char *at(const char *root, const char *name) {
    snprintf(path, sizeof path, "%s/%s", root, name);
    return path;
}

static void try_open(const char *what, const char *file, int flags) {
    int fd = open(file, flags, 0644);
    if (fd < 0) {
        printf("%s: %s\n", what, strerror(errno));
    } else {
        printf("%s: OPENED\n", what);
        close(fd);
    }
}

static void try_fopen(const char *mode, const char *file) {
    FILE *f = fopen(file, mode);
    if (!f) {
        printf("fopen %s: %s\n", mode, strerror(errno));
    } else {
        printf("fopen %s: OPENED\n", mode);
        fclose(f);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: readonly DIR\n");
        return 2;
    }
    const char *root = argv[1];
    try_open("O_WRONLY", at(root, "file.txt"), O_WRONLY);
    try_open("O_RDWR", at(root, "file.txt"), O_RDWR);
    try_open("O_WRONLY|O_APPEND", at(root, "file.txt"), O_WRONLY | O_APPEND);
    try_open("O_RDONLY|O_TRUNC", at(root, "file.txt"), O_RDONLY | O_TRUNC);
    try_open("O_WRONLY|O_TRUNC", at(root, "file.txt"), O_WRONLY | O_TRUNC);
    try_open("O_RDONLY|O_CREAT existing", at(root, "file.txt"), O_RDONLY | O_CREAT);
    try_open("O_WRONLY|O_CREAT new", at(root, "new.txt"), O_WRONLY | O_CREAT);
    try_open("O_WRONLY beneath a subdirectory", at(root, "dir/inner.txt"), O_WRONLY);
    try_fopen("w", at(root, "file.txt"));
    try_fopen("a", at(root, "file.txt"));
    try_fopen("r+", at(root, "file.txt"));

    int fd = open(at(root, "file.txt"), O_RDONLY);
    if (fd < 0) {
        printf("O_RDONLY: %s\n", strerror(errno));
        return 1;
    }
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    printf("O_RDONLY read: %zd %s\n", n, buf);
    errno = 0;
    printf("write to it: %zd %s\n", write(fd, "x", 1), strerror(errno));
    close(fd);
    return 0;
}

/* A WASI guest in C (wasi-libc) for petrel-wasi's tests: open(O_TRUNC |
 * O_APPEND) beneath the directory given as argv[1], on an existing file
 * and on a new one (the official suite's c/pwrite-with-append), then
 * write, seek and pwrite. Prints what it sees; the test compares the
 * whole output and the files left behind. */
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

/* Writes "ab" at 0 and "cd" after seeking to 0 (both land at the end),
 * then "XYZ" with pwrite at 0 (Linux appends it too). */
static void writes(int fd) {
    printf("write: %zd\n", write(fd, "ab", 2));
    printf("seek to 0: %lld\n", (long long)lseek(fd, 0, SEEK_SET));
    printf("write: %zd\n", write(fd, "cd", 2));
    printf("offset: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("pwrite: %zd\n", pwrite(fd, "XYZ", 3, 0));
    printf("offset after pwrite: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: append DIR\n");
        return 2;
    }
    const char *root = argv[1];

    int fd = open(at(root, "old.txt"), O_WRONLY | O_TRUNC | O_APPEND);
    if (fd < 0) {
        printf("open old.txt: %s\n", strerror(errno));
        return 1;
    }
    printf("open old.txt: ok\n");
    writes(fd);
    close(fd);

    fd = open(at(root, "new.txt"), O_CREAT | O_TRUNC | O_WRONLY | O_APPEND, 0644);
    if (fd < 0) {
        printf("open new.txt: %s\n", strerror(errno));
        return 1;
    }
    printf("open new.txt: ok\n");
    writes(fd);
    close(fd);
    return 0;
}

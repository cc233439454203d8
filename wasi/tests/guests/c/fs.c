/* A WASI guest in C (wasi-libc) for petrel-wasi's tests: a tour of the
 * POSIX file API beneath the directory given as argv[1]. Prints what it
 * sees; the test compares the whole output. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[512];

static const char *at(const char *root, const char *name) {
    snprintf(path, sizeof path, "%s/%s", root, name);
    return path;
}

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: fs DIR\n");
        return 2;
    }
    const char *root = argv[1];

    if (mkdir(at(root, "d"), 0755) != 0) { perror("mkdir"); return 1; }
    printf("mkdir again: %s\n", mkdir(at(root, "d"), 0755) == 0 ? "ok" : strerror(errno));

    FILE *f = fopen(at(root, "d/notes.txt"), "w");
    fprintf(f, "line one\nline two\n");
    fclose(f);

    int fd = open(at(root, "d/notes.txt"), O_RDWR);
    char buf[64] = {0};
    lseek(fd, 5, SEEK_SET);
    ssize_t n = read(fd, buf, 3);
    printf("pread-ish: %zd %.3s\n", n, buf);
    printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
    n = pwrite(fd, "LINE", 4, 0);
    printf("pwrite: %zd\n", n);
    memset(buf, 0, sizeof buf);
    n = pread(fd, buf, 8, 0);
    printf("pread: %zd %s\n", n, buf);
    printf("ftruncate: %d\n", ftruncate(fd, 4));
    struct stat st;
    fstat(fd, &st);
    printf("fstat: size=%lld regular=%d\n", (long long)st.st_size, S_ISREG(st.st_mode));
    close(fd);

    printf("stat dir: %d\n", stat(at(root, "d"), &st) == 0 && S_ISDIR(st.st_mode));
    printf("stat missing: %s\n", stat(at(root, "nope"), &st) == 0 ? "found" : strerror(errno));
    printf("open missing: %s\n", open(at(root, "nope"), O_RDONLY) < 0 ? strerror(errno) : "opened");
    printf("O_EXCL on existing: %s\n",
           open(at(root, "d/notes.txt"), O_CREAT | O_EXCL | O_WRONLY, 0644) < 0 ? strerror(errno) : "opened");

    char from[512], to[512];
    snprintf(from, sizeof from, "%s/d/notes.txt", root);
    snprintf(to, sizeof to, "%s/d/renamed.txt", root);
    printf("rename: %d\n", rename(from, to));
    snprintf(from, sizeof from, "%s/d/link", root);
    printf("symlink: %d\n", symlink("renamed.txt", from));
    char target[64] = {0};
    printf("readlink: %zd %s\n", readlink(from, target, sizeof target - 1), target);
    lstat(from, &st);
    printf("lstat is link: %d\n", S_ISLNK(st.st_mode));
    f = fopen(from, "r");
    memset(buf, 0, sizeof buf);
    fgets(buf, sizeof buf, f);
    fclose(f);
    printf("through link: %s\n", buf);
    snprintf(from, sizeof from, "%s/d/hard", root);
    printf("link: %d\n", link(to, from));
    stat(to, &st);
    printf("nlink: %d\n", (int)st.st_nlink);

    DIR *dir = opendir(at(root, "d"));
    char *names[16];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && count < 16) {
        names[count++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof *names, cmp);
    printf("readdir:");
    for (int i = 0; i < count; i++) printf(" %s", names[i]);
    printf("\n");

    printf("rmdir non-empty: %s\n", rmdir(at(root, "d")) == 0 ? "ok" : strerror(errno));
    snprintf(from, sizeof from, "%s/d/link", root);
    unlink(from);
    snprintf(from, sizeof from, "%s/d/hard", root);
    unlink(from);
    unlink(to);
    printf("rmdir: %d\n", rmdir(at(root, "d")));
    printf("escape: %s\n", open(at(root, "../escape.txt"), O_CREAT | O_WRONLY, 0644) < 0 ? strerror(errno) : "OPENED");
    return 0;
}

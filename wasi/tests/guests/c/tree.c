/* A WASI guest in C (wasi-libc) for the side-by-side test
 * (cli/tests/wasi_side_by_side.rs): `tree DIR [STATUS]` changes a tree
 * the host prepared beneath DIR and leaves the result for the host to
 * compare: files created, written, renamed, removed and truncated (with
 * O_TRUNC, ftruncate and O_TRUNC|O_APPEND), directories made and
 * removed, hard links and symlinks, and escapes through `..`, symlinks and
 * absolute paths tried. Prints each result; exits with STATUS (through
 * `exit`, so `proc_exit`) after its changes.
 *
 * The host's tree: keep.txt, edit.txt, old-name.txt, doomed.txt,
 * append.txt, sub/inner.txt, sub/deep/leaf.txt, empty-dir/, link-to-keep
 * (-> keep.txt), escape-link (-> ../outside.txt), and outside.txt beside
 * DIR. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *root;

static const char *at(const char *name) {
    static char bufs[2][512];
    static int which;
    which ^= 1;
    snprintf(bufs[which], sizeof bufs[which], "%s/%s", root, name);
    return bufs[which];
}

static void result(const char *what, int ok) {
    printf("%s: %s\n", what, ok ? "ok" : strerror(errno));
}

static int cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *name) {
    DIR *dir = opendir(at(name));
    if (!dir) { result("opendir", 0); return; }
    char *names[64];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) && count < 64) {
        const char *kind = e->d_type == DT_DIR ? "/" : e->d_type == DT_LNK ? "@" : "";
        char *entry = malloc(strlen(e->d_name) + 2);
        sprintf(entry, "%s%s", e->d_name, kind);
        names[count++] = entry;
    }
    closedir(dir);
    qsort(names, count, sizeof *names, cmp);
    printf("ls %s:", name);
    for (int i = 0; i < count; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

static void cat(const char *what, const char *name) {
    char buf[128] = {0};
    int fd = open(at(name), O_RDONLY);
    if (fd < 0) { result(what, 0); return; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("%s: %zd %s", what, n, buf);
    if (n <= 0 || buf[n - 1] != '\n') printf("\n");
}

static int write_file(const char *name, int flags, const char *text) {
    int fd = open(at(name), flags, 0644);
    if (fd < 0) return -1;
    ssize_t n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: tree DIR [STATUS]\n");
        return 2;
    }
    root = argv[1];
    list(".");
    cat("through link-to-keep", "link-to-keep");

    result("create new.txt", write_file("new.txt", O_WRONLY | O_CREAT | O_EXCL, "created\n") == 0);
    result("create new.txt again (O_EXCL)", write_file("new.txt", O_WRONLY | O_CREAT | O_EXCL, "x") == 0);
    result("rename old-name.txt -> sub/new-name.txt", rename(at("old-name.txt"), at("sub/new-name.txt")) == 0);
    result("rename over keep-copy.txt", write_file("keep-copy.txt", O_WRONLY | O_CREAT, "copy\n") == 0 &&
                                        rename(at("keep-copy.txt"), at("new.txt")) == 0);
    result("unlink doomed.txt", unlink(at("doomed.txt")) == 0);
    result("unlink doomed.txt again", unlink(at("doomed.txt")) == 0);

    int fd = open(at("edit.txt"), O_RDWR);
    result("ftruncate edit.txt to 4", fd >= 0 && ftruncate(fd, 4) == 0);
    close(fd);
    result("append to edit.txt", write_file("edit.txt", O_WRONLY | O_APPEND, "+\n") == 0);
    cat("edit.txt", "edit.txt");
    result("O_TRUNC truncated.txt", write_file("truncated.txt", O_WRONLY | O_CREAT, "long contents\n") == 0 &&
                                    write_file("truncated.txt", O_WRONLY | O_TRUNC, "short\n") == 0);
    result("O_TRUNC|O_APPEND append.txt", write_file("append.txt", O_WRONLY | O_TRUNC | O_APPEND, "fresh\n") == 0);
    cat("append.txt", "append.txt");
    struct stat st;
    result("stat edit.txt", stat(at("edit.txt"), &st) == 0);
    printf("edit.txt size: %lld\n", (long long)st.st_size);

    result("mkdir made", mkdir(at("made"), 0755) == 0);
    result("write made/x.txt", write_file("made/x.txt", O_WRONLY | O_CREAT, "x\n") == 0);
    result("symlink made/link -> ../keep.txt", symlink("../keep.txt", at("made/link")) == 0);
    cat("through made/link", "made/link");
    result("hard link keep.txt -> made/hard.txt", link(at("keep.txt"), at("made/hard.txt")) == 0);
    result("rmdir empty-dir", rmdir(at("empty-dir")) == 0);
    result("rmdir sub (not empty)", rmdir(at("sub")) == 0);
    result("unlink sub/deep/leaf.txt", unlink(at("sub/deep/leaf.txt")) == 0);
    result("rmdir sub/deep", rmdir(at("sub/deep")) == 0);
    result("unlink link-to-keep (the link only)", unlink(at("link-to-keep")) == 0);
    cat("keep.txt", "keep.txt");
    cat("sub/../keep.txt", "sub/../keep.txt");

    /* Escapes: each must be refused, and change nothing. */
    cat("read ../outside.txt", "../outside.txt");
    cat("read escape-link", "escape-link");
    cat("read sub/../../outside.txt", "sub/../../outside.txt");
    result("create ../created.txt", write_file("../created.txt", O_WRONLY | O_CREAT, "out\n") == 0);
    result("write through escape-link", write_file("escape-link", O_WRONLY | O_TRUNC, "pwned\n") == 0);
    result("mkdir sub/../../made-outside", mkdir(at("sub/../../made-outside"), 0755) == 0);
    result("rename keep.txt -> ../stolen.txt", rename(at("keep.txt"), at("../stolen.txt")) == 0);
    result("rename ../outside.txt -> here.txt", rename(at("../outside.txt"), at("here.txt")) == 0);
    result("link ../outside.txt -> hard-out.txt", link(at("../outside.txt"), at("hard-out.txt")) == 0);
    result("unlink ../outside.txt", unlink(at("../outside.txt")) == 0);
    result("symlink abs-link -> /etc/passwd", symlink("/etc/passwd", at("abs-link")) == 0);
    result("symlink dangling-up -> ../outside.txt", symlink("../outside.txt", at("dangling-up")) == 0);

    list(".");
    list("made");
    list("sub");
    fflush(stdout);
    exit(argc > 2 ? atoi(argv[2]) : 0);
}

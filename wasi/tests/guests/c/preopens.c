/* A WASI guest in C for the side-by-side test
 * (cli/tests/wasi_side_by_side.rs): lists the preopened directories by
 * descriptor number, as a program using raw descriptors (not wasi-libc's
 * path lookup) sees them, and reads DIR/name.txt in each named on the
 * command line. */
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

int main(int argc, char **argv) {
    for (__wasi_fd_t fd = 3; fd < 16; fd++) {
        __wasi_prestat_t prestat;
        if (__wasi_fd_prestat_get(fd, &prestat) != 0) break;
        char name[256] = {0};
        size_t len = prestat.u.dir.pr_name_len;
        if (len >= sizeof name || __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, len) != 0) break;
        printf("fd %u: %s\n", (unsigned)fd, name);
    }
    for (int i = 1; i < argc; i++) {
        char path[300], buf[64] = {0};
        snprintf(path, sizeof path, "%s/name.txt", argv[i]);
        FILE *f = fopen(path, "r");
        printf("%s: %s", path, f && fgets(buf, sizeof buf, f) ? buf : "(unreadable)\n");
        if (f) fclose(f);
    }
    return 0;
}

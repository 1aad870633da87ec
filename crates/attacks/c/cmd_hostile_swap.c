/* A hostile #! interpreter. Run as the interpreter of a script whose #! line passes MODE:
 * argv = [interp, MODE, SCRIPT]. Before opening its script, it replaces the script's path:
 *   symlink:SECRET  with a symbolic link to SECRET (a file its promises cannot read);
 *   fifo            with a FIFO nobody writes to (an open for reading would block).
 * Then it opens SCRIPT read-only, as an interpreter does, and prints what it read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: MODE SCRIPT\n");
        return 2;
    }
    const char *mode = argv[1], *script = argv[2];
    if (unlink(script) != 0) {
        printf("unlink: %s\n", strerror(errno));
        return 3;
    }
    if (strncmp(mode, "symlink:", 8) == 0) {
        const char *secret = mode + 8;
        int direct = open(secret, O_RDONLY);
        printf("direct open of the secret: %s\n", direct < 0 ? strerror(errno) : "opened");
        if (symlink(secret, script) != 0) {
            printf("symlink: %s\n", strerror(errno));
            return 3;
        }
    } else if (strcmp(mode, "fifo") == 0) {
        if (mkfifo(script, 0600) != 0) {
            printf("mkfifo: %s\n", strerror(errno));
            return 3;
        }
    } else {
        printf("unknown mode %s\n", mode);
        return 2;
    }
    fflush(stdout);
    int fd = open(script, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        printf("open of the script: %s\n", strerror(errno));
        return 4;
    }
    char buf[4096];
    ssize_t n;
    printf("read from the script path:\n");
    fflush(stdout);
    while ((n = read(fd, buf, sizeof buf)) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    printf("\nend of what was read\n");
    return 0;
}

/* Run under `pledge -p "stdio rpath unveil" -v r:ALLOWED`: looks through its descriptors for a
 * Landlock ruleset the command handed to the preload, and with any it finds tries to widen
 * what it may read (a rule for "/" added to the ruleset, then the ruleset enforced again),
 * then tries to read SECRET, which lies outside ALLOWED. Prints what it found and whether the
 * secret was read. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct path_beneath {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: tinypre_rulesets SECRET\n");
        return 2;
    }
    int root = open("/", O_PATH | O_CLOEXEC);
    for (int fd = 3; fd < 1024; fd++) {
        char link[64], target[256];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n < 0)
            continue;
        target[n] = 0;
        if (!strstr(target, "landlock"))
            continue;
        printf("ruleset at %d: %s\n", fd, target);
        /* READ_FILE | READ_DIR beneath "/". */
        struct path_beneath rule = {.allowed_access = (1 << 2) | (1 << 3), .parent_fd = root};
        long added = syscall(SYS_landlock_add_rule, fd, 1, &rule, 0);
        long again = syscall(SYS_landlock_restrict_self, fd, 0);
        printf("add_rule %ld, restrict_self %ld\n", added, again);
    }
    int secret = open(argv[1], O_RDONLY);
    char buf[64] = {0};
    if (secret >= 0 && read(secret, buf, sizeof buf - 1) > 0)
        printf("read the secret: %s\n", buf);
    else
        printf("secret unreadable\n");
    return 0;
}

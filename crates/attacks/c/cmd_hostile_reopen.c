/* A #! interpreter that opens its script (argv[1]) again and again without closing it, until
 * the open fails: each open is one the command answers by handing over a descriptor, so at
 * its descriptor limit the program makes the supervisor's hand-over fail. Prints how many
 * opens succeeded and why the last one failed, then that it is still running. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    int opened = 0;
    for (;;) {
        int fd = open(argv[argc - 1], O_RDONLY);
        if (fd < 0) {
            printf("opened %d, then: %s\n", opened, strerror(errno));
            break;
        }
        if (++opened > 100000)
            break;
    }
    printf("still running\n");
    return 0;
}

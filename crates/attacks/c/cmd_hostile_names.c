/* Tries to forge the supervisor's reports: control characters and escape sequences in its
 * process name and in a path it is refused, then a name that is not UTF-8 (0x9b is the 8-bit
 * CSI of terminals that honour C1 controls). Runs under `-p stdio`: each open is denied.
 * With an argument, it opens that file too (for a name of its choosing in a learned
 * command line). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>

int main(int argc, char **argv) {
    /* 15 bytes: the kernel keeps at most 15. */
    prctl(PR_SET_NAME, "ok\n\033[2K\rpledge:", 0, 0, 0);
    open("/nonexistent\n\033[31mpledge: forged\033[0m", O_RDONLY);
    prctl(PR_SET_NAME, "\xff\x9b" "31m\xe2\x80\xae" "evil", 0, 0, 0);
    open("/also\x9b" "31m\xe2\x80\xaemissing\r", O_RDONLY);
    if (argc > 1)
        open(argv[1], O_RDONLY);
    printf("done\n");
    return 0;
}

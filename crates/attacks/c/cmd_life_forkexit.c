/* Forks and exits 7 at once, leaving a child behind. argv[1] "deny": the child tries a call
 * its promises deny, over and over (under -p proc it cannot even write); "marker PATH": the
 * child writes PATH a second later; "exec": the child executes /bin/true a second later and
 * writes PATH (argv[2]) if that failed. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    /* Left behind in an orphaned process group, it would get SIGHUP: a hostile program does
     * not die of it. */
    signal(SIGHUP, SIG_IGN);
    pid_t child = fork();
    if (child < 0) return 3;
    if (child > 0) _exit(7);
    if (strcmp(argv[1], "deny") == 0) {
        for (;;) write(1, "x", 1);
    }
    if (argc != 3) _exit(2);
    sleep(1);
    if (strcmp(argv[1], "exec") == 0) {
        char *args[] = {"true", NULL};
        execv("/bin/true", args);
    }
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) write(fd, "survived\n", 9);
    _exit(0);
}

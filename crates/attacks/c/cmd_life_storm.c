/* A tree of processes that keeps growing while the supervisor kills it: each process forks up
 * to three children, a few milliseconds apart, down to depth four (at most 121 processes),
 * and each then sleeps, but for those of the second level, which exit and leave their
 * children orphans. The program tries a call its promises deny while the tree grows; under
 * -k no process of the tree may remain. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void grow(int depth) {
    for (int i = 0; i < 3 && depth < 4; i++) {
        pid_t c = fork();
        if (c == 0) { depth++; i = -1; continue; }
        usleep(3 * 1000);
    }
    /* The second level leaves: its children become orphans, nobody's descendants but the
     * reaper's. */
    if (depth == 2) _exit(0);
    for (;;) pause();
}

int main(void) {
    /* Left behind in an orphaned process group, it would get SIGHUP: a hostile program does
     * not die of it. */
    signal(SIGHUP, SIG_IGN);
    pid_t c = fork();
    if (c == 0) grow(1);
    printf("growing\n");
    fflush(stdout);
    usleep(40 * 1000);
    int fd = open("/etc/hostname", O_RDONLY);
    printf("not killed: open = %d\n", fd);
    fflush(stdout);
    return 0;
}

/* Makes a sibling with clone(CLONE_PARENT): its parent is the pledge supervisor, not the
 * program, so a kill of "the program and its descendants" misses it. The sibling writes the
 * marker file argv[1] a second later; the program then tries a call its promises deny (under
 * -k, the end of everything it started). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    /* Left behind in an orphaned process group, it would get SIGHUP: a hostile program does
     * not die of it. */
    signal(SIGHUP, SIG_IGN);
    long pid = syscall(SYS_clone, (long)(CLONE_PARENT | SIGCHLD), 0L, 0L, 0L, 0L);
    if (pid < 0) { perror("clone"); return 3; }
    if (pid == 0) {
        sleep(1);
        int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) write(fd, "survived\n", 9);
        _exit(0);
    }
    printf("sibling %ld\n", pid);
    fflush(stdout);
    usleep(100 * 1000);
    int fd = open("/etc/hostname", O_RDONLY);
    printf("not killed: open = %d\n", fd);
    fflush(stdout);
    return 0;
}

/* The daemon's double fork: a child forks a grandchild and exits, so the grandchild (in a new
 * session) is nobody's descendant but the reaper's. It writes the marker file argv[1] a second
 * later; the program then tries a call its promises deny (under -k, the end of everything it
 * started). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    /* Left behind in an orphaned process group, it would get SIGHUP: a hostile program does
     * not die of it. */
    signal(SIGHUP, SIG_IGN);
    int p[2];
    if (pipe(p) != 0) return 3;
    pid_t child = fork();
    if (child < 0) return 4;
    if (child == 0) {
        pid_t grandchild = fork();
        if (grandchild == 0) {
            setsid();
            sleep(1);
            int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd >= 0) write(fd, "survived\n", 9);
            _exit(0);
        }
        write(p[1], &grandchild, sizeof grandchild);
        _exit(0);
    }
    pid_t grandchild = 0;
    read(p[0], &grandchild, sizeof grandchild);
    waitpid(child, NULL, 0);
    printf("grandchild %d\n", grandchild);
    fflush(stdout);
    usleep(100 * 1000);
    int fd = open("/etc/hostname", O_RDONLY);
    printf("not killed: open = %d\n", fd);
    fflush(stdout);
    return 0;
}

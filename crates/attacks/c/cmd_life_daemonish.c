/* Forks; the parent exits at once and the child goes on working (reading a file), as a
 * program that daemonises itself does. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

int main(void) {
    /* Left behind in an orphaned process group, it would get SIGHUP: a hostile program does
     * not die of it. */
    signal(SIGHUP, SIG_IGN);
    pid_t child = fork();
    if (child < 0) return 3;
    if (child > 0) _exit(0);
    for (int i = 0; i < 20; i++) {
        int fd = open("/etc/hostname", O_RDONLY);
        if (fd >= 0) close(fd);
        usleep(10 * 1000);
    }
    _exit(0);
}

/* Signals its parent, the pledge supervisor (argv[1]: "kill" for SIGKILL, "stop" for SIGSTOP,
 * "pidfd" for SIGKILL through pidfd_send_signal, "group" for SIGSTOP to the supervisor's
 * process group but not its own, "all" for SIGURG to every process it may signal), then tries a call its promises deny, which the supervisor
 * must still report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    pid_t parent = getppid();
    int r;
    if (strcmp(argv[1], "kill") == 0) {
        r = kill(parent, SIGKILL);
    } else if (strcmp(argv[1], "stop") == 0) {
        r = kill(parent, SIGSTOP);
    } else if (strcmp(argv[1], "pidfd") == 0) {
        int fd = syscall(SYS_pidfd_open, parent, 0);
        r = fd < 0 ? -2 : syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
    } else if (strcmp(argv[1], "group") == 0) {
        /* A new group of its own first, so that the signal does not stop the program too. */
        pid_t group = getpgid(parent);
        if (setpgid(0, 0) != 0) { printf("setpgid: %s\n", strerror(errno)); return 3; }
        r = kill(-group, SIGSTOP);
    } else if (strcmp(argv[1], "all") == 0) {
        /* Every process the caller may signal: as root, every process of the machine. */
        r = kill(-1, SIGURG);
    } else {
        return 2;
    }
    printf("signal: %d (%s)\n", r, r == 0 ? "delivered" : strerror(errno));
    fflush(stdout);
    usleep(200 * 1000);
    int fd = open("/etc/hostname", O_RDONLY);
    printf("open: %d (%s)\n", fd, fd < 0 ? strerror(errno) : "opened");
    fflush(stdout);
    return 0;
}

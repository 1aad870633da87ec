/* Signals its own process group, which holds the pledge supervisor, with a signal it ignores
 * itself (argv[1], a number), then tries a call its promises deny. If the signal reached the
 * supervisor and ended or stopped it, the denied call goes unreported (or hangs) and the
 * program runs on unsupervised: it says so on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    int sig = atoi(argv[1]);
    signal(sig, SIG_IGN);
    int r = kill(0, sig);
    printf("kill(0, %d) = %d\n", sig, r);
    fflush(stdout);
    usleep(200 * 1000); /* let the signal act on the supervisor */
    int fd = open("/etc/hostname", O_RDONLY);
    printf("unsupervised: open = %d (errno %d)\n", fd, errno);
    fflush(stdout);
    return 0;
}

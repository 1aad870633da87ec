/* Prints its pid and forks a child, then waits for ever. The child waits for the program to
 * die (the test kills the supervisor with SIGKILL, and the program dies with it), then, as a
 * process with no supervisor left, tries a call its promises deny and an execve (which goes to
 * the supervisor even under exec), printing what each returned. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    signal(SIGHUP, SIG_IGN);
    pid_t program = getpid();
    printf("pid %d\n", program);
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) return 3;
    if (child > 0) {
        for (;;) pause();
    }
    printf("child %d\n", getpid());
    fflush(stdout);
    while (getppid() == program) usleep(1000);
    int fd = open("/etc/hostname", O_RDONLY);
    printf("open: %d %d\n", fd, fd < 0 ? errno : 0);
    fflush(stdout);
    char *args[] = {"true", NULL};
    execv("/bin/true", args);
    printf("exec: -1 %d\n", errno);
    fflush(stdout);
    return 0;
}

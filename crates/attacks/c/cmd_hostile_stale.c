/* Passes pledge's private handshake environment on to a child it executes, as a shell that
 * keeps its own copy of the environment would: argv = [self, PRELOAD, FD, PROGRAM, ARGS...].
 * FD is the descriptor number the child is told holds the handshake: "none" for a number that
 * is not open, "pipe" for a pipe, "socket" for a socket pair of the program's own (with nothing
 * waiting on it). Prints how the child ended. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4)
        return 2;
    int fds[2] = {-1, -1};
    int number = 77;
    if (strcmp(argv[2], "pipe") == 0) {
        if (pipe(fds) != 0)
            return 3;
        number = fds[0];
    } else if (strcmp(argv[2], "socket") == 0) {
        if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds) != 0)
            return 3;
        number = fds[0];
    }
    char preload[4096], fd[32];
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", argv[1]);
    snprintf(fd, sizeof fd, "PLEDGE_CLI_FD=%d", number);
    char *env[] = {preload, fd, "PATH=/usr/bin:/bin", NULL};
    pid_t pid = fork();
    if (pid == 0) {
        execve(argv[3], argv + 3, env);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status))
        printf("child exited %d\n", WEXITSTATUS(status));
    else
        printf("child killed by signal %d\n", WTERMSIG(status));
    return 0;
}

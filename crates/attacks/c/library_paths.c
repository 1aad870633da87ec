/* Path attacks against the library's promises, one per subcommand; each pledges (through
 * libpledge) then tries, printing what happened so the test can check the victim as well.
 *   create PROMISES FILE       open(FILE, O_CREAT|O_WRONLY)
 *   unlink PROMISES FILE       unlink(FILE)
 *   rmdir PROMISES DIR         unlinkat(DIR, AT_REMOVEDIR)
 *   selfmem PROMISES           rewrite a byte of this process's own code through /proc/self/mem
 *   read PROMISES FILE         print the first line of FILE
 *   connect PROMISES PORT      TCP connect to 127.0.0.1:PORT
 *   exec PROMISES EXECP ARGV.. start ARGV under execpromises EXECP (execv), print its status
 *   repledge PROMISES          pledge(PROMISES) again: prints "pledged" or the error */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pledge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int report(const char *what, int r) {
    if (r < 0) printf("%s: %s\n", what, strerror(errno));
    else printf("%s: ok\n", what);
    fflush(stdout);
    return 0;
}

static int target(void) { return 42; }

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    const char *cmd = argv[1];
    if (strcmp(cmd, "exec") == 0) {
        if (argc < 5) return 2;
        const char *execp = strcmp(argv[3], "NULL") == 0 ? NULL : argv[3];
        if (pledge(argv[2], execp) != 0) { printf("pledge: %s\n", strerror(errno)); return 3; }
        pid_t pid = fork();
        if (pid == 0) {
            execv(argv[4], argv + 4);
            printf("exec: %s\n", strerror(errno));
            fflush(stdout);
            _exit(127);
        }
        int status;
        waitpid(pid, &status, 0);
        if (WIFSIGNALED(status)) printf("status: signal %d\n", WTERMSIG(status));
        else printf("status: exit %d\n", WEXITSTATUS(status));
        return 0;
    }
    if (pledge(argv[2], NULL) != 0) { printf("pledge: %s\n", strerror(errno)); return 3; }
    if (strcmp(cmd, "create") == 0) return report("create", open(argv[3], O_CREAT | O_WRONLY, 0644));
    if (strcmp(cmd, "unlink") == 0) return report("unlink", unlink(argv[3]));
    if (strcmp(cmd, "rmdir") == 0) return report("rmdir", unlinkat(AT_FDCWD, argv[3], AT_REMOVEDIR));
    if (strcmp(cmd, "selfmem") == 0) {
        int fd = open("/proc/self/mem", O_RDWR);
        if (fd < 0) return report("open /proc/self/mem", -1);
        unsigned char ret = 0xc3;
        report("pwrite code", (int)pwrite(fd, &ret, 1, (off_t)(unsigned long)target));
        return 0;
    }
    if (strcmp(cmd, "read") == 0) {
        FILE *f = fopen(argv[3], "r");
        if (!f) return report("read", -1);
        char line[256] = "";
        if (fgets(line, sizeof line, f)) printf("line: %s", line);
        printf("read: ok\n");
        return 0;
    }
    if (strcmp(cmd, "connect") == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0) return report("socket", -1);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return report("connect", connect(s, (struct sockaddr *)&a, sizeof a));
    }
    if (strcmp(cmd, "repledge") == 0) return report("repledge", pledge(argv[3], NULL));
    return 2;
}

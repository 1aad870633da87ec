/* A child that narrows (or a program started under execpromises) writes its wider parent's
 * memory through /proc/<parent>/mem: the parent's code would then run with the parent's
 * promises. Usage:
 *   library_procmem fork WIDE NARROW   fork, the child narrows and attacks the parent
 *   library_procmem exec WIDE EXECP    the parent pledges WIDE with execpromises EXECP and
 *                                      execs itself as "victimize PPID ADDR" (through libpledge)
 * The parent holds a marker in memory; it prints "parent intact" or "parent overwritten". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pledge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile char marker[16] = "intact";

static int attack(pid_t victim, unsigned long addr) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)victim);
    int fd = open(path, O_RDWR);
    if (fd < 0) { printf("open %s: %s\n", path, strerror(errno)); fflush(stdout); return 0; }
    ssize_t n = pwrite(fd, "pwned", 6, (off_t)addr);
    printf("pwrite: %zd\n", n);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "victimize") == 0)
        return attack(atoi(argv[2]), strtoul(argv[3], NULL, 0));
    if (argc != 4) return 2;
    if (strcmp(argv[1], "fork") == 0) {
        if (pledge(argv[2], NULL) != 0) { perror("pledge wide"); return 3; }
        pid_t parent = getpid();
        pid_t child = fork();
        if (child == 0) {
            if (pledge(argv[3], NULL) != 0) { perror("pledge narrow"); _exit(4); }
            attack(parent, (unsigned long)marker);
            _exit(0);
        }
        int status;
        waitpid(child, &status, 0);
    } else {
        if (pledge(argv[2], argv[3]) != 0) { perror("pledge"); return 3; }
        pid_t parent = getpid();
        pid_t child = fork();
        if (child == 0) {
            char pid[32], addr[32];
            snprintf(pid, sizeof pid, "%d", (int)parent);
            snprintf(addr, sizeof addr, "%#lx", (unsigned long)marker);
            execl("/proc/self/exe", "library_procmem", "victimize", pid, addr, (char *)NULL);
            printf("exec: %s\n", strerror(errno));
            _exit(5);
        }
        int status;
        waitpid(child, &status, 0);
        if (WIFSIGNALED(status)) printf("child signal %d\n", WTERMSIG(status));
    }
    printf("parent %s\n", strcmp((const char *)marker, "intact") == 0 ? "intact" : "overwritten");
    return 0;
}

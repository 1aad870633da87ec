/* Run under `pledge -p proc` (no stdio): asks the kernel who it is. Under the command's EPERM
 * answer a refused getpid() returns -1, and a program that then signals "itself" with
 * kill(getpid(), SIGSTOP) sends kill(-1, SIGSTOP): every process it may signal. This program
 * never signals anything: it only checks the values and says through its exit status (its
 * writes are refused without stdio) which query came back unusable.
 * argv[1]: the uid the test expects. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    uid_t uid = (uid_t)strtoul(argv[1], NULL, 10);
    if (getpid() <= 0) return 10;                 /* the value kill(getpid(), ...) would use */
    if (syscall(SYS_gettid) <= 0) return 11;
    if (getppid() <= 0) return 12;
    if (getuid() != uid || geteuid() != uid) return 13;
    if (getgid() == (gid_t)-1 || getegid() == (gid_t)-1) return 14;
    uid_t r, e, s;
    if (getresuid(&r, &e, &s) != 0 || r != uid) return 15;
    /* A group or session whose leader lives outside our pid namespace reads as 0 (CI runs
     * that way): only -1, the refused answer, is unusable. */
    if (getpgrp() < 0) return 16;                 /* killpg(getpgrp(), ...) */
    if (getpgid(0) < 0) return 17;
    if (getsid(0) < 0) return 18;
    return 0;
}

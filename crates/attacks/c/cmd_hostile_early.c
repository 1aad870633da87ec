/* Code that runs before the preload narrows the program: a shared library's constructor
 * (built from this file with -DCMD_HOSTILE_LIB) stacks a filter answering openat with EPERM,
 * with the seccomp() flags in $CMD_HOSTILE_EARLY_FLAGS, before the program filter exists.
 * The program (this file without it) then opens SECRET (argv[1]), which its promises do not
 * allow, and prints what it got. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef CMD_HOSTILE_LIB
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#elif defined(__riscv)
#define ARCH AUDIT_ARCH_RISCV64
#endif

const char *cmd_hostile_early_result = "not run";

__attribute__((constructor)) static void early(void) {
    const char *flags = getenv("CMD_HOSTILE_EARLY_FLAGS");
    struct sock_filter insns[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog prog = {.len = sizeof insns / sizeof insns[0], .filter = insns};
    long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                     flags ? strtoul(flags, NULL, 0) : 0, &prog);
    cmd_hostile_early_result = r >= 0 ? "installed" : strerror(errno);
}
#else
extern const char *cmd_hostile_early_result;

int main(int argc, char **argv) {
    if (argc < 2)
        return 2;
    printf("early filter: %s\n", cmd_hostile_early_result);
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        printf("secret: %s\n", strerror(errno));
        return 1;
    }
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    printf("secret: %s\n", buf);
    return 0;
}
#endif

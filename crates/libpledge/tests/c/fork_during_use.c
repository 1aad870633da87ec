/* fork_during_use: forks while another thread is inside the library, and has the child call
 * the library too; the child must not wait for ever on a lock the other thread held when the
 * process was copied. Prints "ok", or "hung" when the child's call did not return in 5 s.
 *
 *   fork_during_use first          the other thread makes the process's first call (which
 *                                  registers the fork handlers)
 *   fork_during_use execpromises   the other thread narrows the execpromises step by step
 *                                  (each step compiles the filter programs started by exec
 *                                  will get)
 */
#include <linux/capability.h>
#include <pledge.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const steps[] = {
    "stdio rpath proc exec", "stdio rpath proc", "stdio rpath", "stdio", "",
};

static void *first_use(void *arg) {
    (void)arg;
    pledge(NULL, NULL);
    return NULL;
}

static void *narrow_execpromises(void *arg) {
    (void)arg;
    for (size_t i = 1; i < sizeof steps / sizeof *steps; i++)
        if (pledge(NULL, steps[i]) != 0)
            perror("pledge");
    return NULL;
}

int main(int argc, char **argv) {
    int execpromises = argc > 1 && strcmp(argv[1], "execpromises") == 0;
    if (execpromises) {
        /* As an ordinary user starts: pledge refuses to leave root's capabilities to threads. */
        struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
        struct __user_cap_data_struct none[2];
        memset(none, 0, sizeof none);
        if (syscall(SYS_capset, &header, none) != 0 || pledge("stdio rpath proc exec", steps[0]) != 0) {
            perror("setting up");
            return 2;
        }
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, execpromises ? narrow_execpromises : first_use, NULL) != 0)
        return 2;
    pid_t pid = fork();
    if (pid < 0)
        return 2;
    if (pid == 0) {
        alarm(5);
        pledge(NULL, NULL);
        _exit(0);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 2;
    pthread_join(thread, NULL);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
        puts("hung");
        return 1;
    }
    int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    puts(ok ? "ok" : "child failed");
    return ok ? 0 : 1;
}

/* Unveils a sequence of paths, locks, then tries to write "pwned" into a victim file.
 *
 * usage: unveil_steps VICTIM STEP...
 * Each STEP is PATH=PERMISSIONS, unveiled in order; a step written ?PATH=PERMISSIONS may fail
 * and the program goes on, any other failing step ends the program (exit 3) the way an
 * OpenBSD program does (`if (unveil(...) == -1) err(1, "unveil")`). Each step prints
 * "unveil PATH PERMISSIONS: ok" or "...: ERRNONAME". After the lock the program prints
 * "opened" when the victim opened for writing and "wrote" when the write went through. */
#include <errno.h>
#include <fcntl.h>
#include <pledge.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *errno_name(int e) {
    switch (e) {
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ELOOP: return "ELOOP";
    default: return strerror(e);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    const char *victim = argv[1];
    for (int i = 2; i < argc; i++) {
        char step[4096];
        snprintf(step, sizeof step, "%s", argv[i]);
        char *path = step;
        int may_fail = 0;
        if (*path == '?') { may_fail = 1; path++; }
        char *eq = strrchr(path, '=');
        if (!eq) return 2;
        *eq = '\0';
        const char *perms = eq + 1;
        int r = unveil(path, perms);
        int e = errno;
        printf("unveil %s %s: %s\n", path, perms, r == 0 ? "ok" : errno_name(e));
        fflush(stdout);
        if (r != 0 && !may_fail) return 3;
    }
    if (unveil(NULL, NULL) != 0) { printf("lock: %s\n", errno_name(errno)); return 4; }
    int fd = open(victim, O_WRONLY);
    if (fd < 0) { printf("open: %s\n", errno_name(errno)); return 0; }
    printf("opened\n");
    if (write(fd, "pwned", 5) == 5) printf("wrote\n");
    fflush(stdout);
    return 0;
}

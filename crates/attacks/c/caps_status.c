/* Pledges argv[1] ("-": none, under the pledge command) and prints the capability lines of
 * /proc/self/status, read through a descriptor opened before the pledge. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef CAPS_NO_LIBPLEDGE /* static builds for the pledge command, which give "-" */
static int pledge(const char *promises, const char *execpromises) {
    (void)promises, (void)execpromises;
    errno = ENOSYS;
    return -1;
}
#else
#include <pledge.h>
#endif

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0) { printf("open: %s\n", strerror(errno)); return 3; }
    if (strcmp(argv[1], "-") != 0) {
        if (pledge(argv[1], NULL) != 0) { printf("pledge: %s\n", strerror(errno)); return 3; }
    }
    char buf[8192];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n < 0) { printf("read: %s\n", strerror(errno)); return 4; }
    buf[n] = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        if (strncmp(line, "Cap", 3) == 0) printf("%s\n", line);
    fflush(stdout);
    return 0;
}

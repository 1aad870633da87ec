/* Under the promises in argv[1] ("-": none, under the pledge command), as root: reads the file
 * argv[2] (which the test made mode 000) and prints its first line; with argv[3] "write", also
 * appends a line to it (mode 000 again: root writes by CAP_DAC_OVERRIDE, which `wpath` keeps).
 * A pledge must not take from root what its promises need. */
#define _GNU_SOURCE /* strerrorname_np */
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
    if (argc != 4) return 2;
    if (strcmp(argv[1], "-") != 0) {
        if (pledge(argv[1], NULL) != 0) { printf("pledge: %s\n", strerror(errno)); return 3; }
    }
    char buf[128];
    int fd = open(argv[2], O_RDONLY);
    if (fd < 0) { printf("open: %s\n", strerrorname_np(errno)); return 4; }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) { printf("read: %s\n", strerrorname_np(errno)); return 5; }
    buf[n] = 0;
    char *nl = strchr(buf, '\n');
    if (nl) *nl = 0;
    printf("read: %s\n", buf);
    if (strcmp(argv[3], "write") == 0) {
        int w = open(argv[2], O_WRONLY | O_APPEND);
        if (w < 0) { printf("open for writing: %s\n", strerrorname_np(errno)); return 6; }
        if (write(w, "appended\n", 9) != 9) { printf("write: %s\n", strerrorname_np(errno)); return 7; }
        printf("wrote\n");
    }
    fflush(stdout);
    return 0;
}

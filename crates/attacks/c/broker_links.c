/* Opens each path given and says what it got: "PATH: refused" or "PATH: read TEXT" (the
 * first line of the file). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            printf("%s: refused (%s)\n", argv[i], strerror(errno));
            continue;
        }
        char buf[128];
        ssize_t n = read(fd, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = 0;
        char *nl = strchr(buf, '\n');
        if (nl)
            *nl = 0;
        printf("%s: read %s\n", argv[i], buf);
        close(fd);
    }
    return 0;
}

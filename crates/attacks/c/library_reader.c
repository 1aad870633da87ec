/* Started by a pledged parent under execpromises (statically linked, so that nothing but the
 * execpromises decides what it may open): "read FILE" prints FILE's first line, "create FILE"
 * creates FILE. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    if (strcmp(argv[1], "read") == 0) {
        FILE *f = fopen(argv[2], "r");
        if (!f) { printf("read: %s\n", strerror(errno)); return 1; }
        char line[256] = "";
        if (fgets(line, sizeof line, f)) printf("line: %s", line);
        return 0;
    }
    if (strcmp(argv[1], "create") == 0) {
        int fd = open(argv[2], O_CREAT | O_WRONLY, 0644);
        if (fd < 0) { printf("create: %s\n", strerror(errno)); return 1; }
        printf("create: ok\n");
        return 0;
    }
    return 2;
}

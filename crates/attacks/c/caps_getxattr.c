/* The test's eyes (run without any pledge): prints the value of attribute argv[2] of file
 * argv[1] in hex, or "absent" when the file has none. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    unsigned char value[256];
    ssize_t n = getxattr(argv[1], argv[2], value, sizeof value);
    if (n < 0) {
        if (errno == ENODATA) { printf("absent\n"); return 0; }
        printf("error: %s\n", strerror(errno));
        return 1;
    }
    for (ssize_t i = 0; i < n; i++) printf("%02x", value[i]);
    printf("\n");
    return 0;
}

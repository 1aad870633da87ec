/* Pledges argv[1], then narrows to argv[2]: OpenBSD's everyday pattern of pledging wide, doing
 * the set-up, then dropping what is no longer needed. Prints "narrowed" when the second pledge
 * returned 0, and then checks that a widening is still refused. */
#include <errno.h>
#include <pledge.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    if (pledge(argv[1], NULL) != 0) { printf("first: %s\n", strerror(errno)); return 3; }
    if (pledge(argv[2], NULL) != 0) { printf("second: %s\n", strerror(errno)); return 4; }
    printf("narrowed\n");
    if (pledge(argv[1], NULL) == 0 && strcmp(argv[1], argv[2]) != 0) { printf("widened\n"); return 5; }
    fflush(stdout);
    return 0;
}

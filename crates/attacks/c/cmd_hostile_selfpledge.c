/* A well-behaved program that narrows itself with libpledge while running under the command:
 * its pledge() must work (the command reports the new filter), and it prints the result. */
#include <errno.h>
#include <pledge.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    int r = pledge("stdio", NULL);
    printf("pledge: %s\n", r == 0 ? "ok" : strerror(errno));
    return r == 0 ? 0 : 1;
}

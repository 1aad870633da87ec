/* Prints its pid, then waits for ever: the test kills its supervisor with SIGKILL and checks
 * that the program does not outlive it. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("pid %d\n", getpid());
    fflush(stdout);
    for (;;) pause();
}

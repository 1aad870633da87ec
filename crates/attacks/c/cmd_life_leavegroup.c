/* Waits for SIGINT under a terminal. argv[1] "leave": first leaves the supervisor's process
 * group (allowed under proc), so that the terminal's ^C reaches the supervisor but not the
 * program, which then dies of it only if the supervisor passes it on. "count": stays, counts
 * the SIGINTs it gets in the 300 ms after the first, prints the count and exits 0 (one ^C
 * must arrive once, not once from the terminal and again from the supervisor). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupts;
static void on_int(int sig) { (void)sig; interrupts++; }

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    if (strcmp(argv[1], "leave") == 0) {
        if (setpgid(0, 0) != 0) { perror("setpgid"); return 3; }
    } else {
        signal(SIGINT, on_int);
    }
    printf("ready\n");
    fflush(stdout);
    while (interrupts == 0) pause();
    usleep(300 * 1000);
    printf("interrupts %d\n", (int)interrupts);
    fflush(stdout);
    return 0;
}

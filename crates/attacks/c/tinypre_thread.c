/* A thread started before the preload narrows the program: a shared library's constructor
 * (built from this file with -DTINYPRE_LIB) starts a thread, which waits until main has run,
 * then reads SECRET (argv[1]), which `tmppath` does not reach. On a kernel that confines only
 * the calling thread (Landlock before ABI 8), that thread would escape the promises' paths,
 * so the program must never get that far. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef TINYPRE_LIB
volatile const char *tinypre_secret;
volatile int tinypre_done;

static void *reader(void *arg) {
    (void)arg;
    while (!tinypre_secret) usleep(1000);
    FILE *f = fopen((const char *)tinypre_secret, "r");
    char line[128] = "";
    if (f && fgets(line, sizeof line, f)) printf("thread read: %s", line);
    else printf("thread refused\n");
    fflush(stdout);
    tinypre_done = 1;
    return NULL;
}

__attribute__((constructor)) static void start(void) {
    pthread_t t;
    pthread_create(&t, NULL, reader, NULL);
    pthread_detach(t);
}
#else
extern volatile const char *tinypre_secret;
extern volatile int tinypre_done;

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    tinypre_secret = argv[1];
    while (!tinypre_done) usleep(1000);
    return 0;
}
#endif

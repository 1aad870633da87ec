/* Floods the supervisor with notifications: THREADS threads each make COUNT denied opens
 * (argv[1], argv[2]). With argv[3] "exit", the main thread leaves with _exit(3) while the
 * others are still at it, so calls are pending in the supervisor as the process dies.
 * Otherwise it joins them and prints how many opens failed with EPERM. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int count;
static int denied[64];

static void *flood(void *arg) {
    int t = (int)(long)arg;
    char path[64];
    for (int i = 0; i < count; i++) {
        snprintf(path, sizeof path, "/flood/%d/%d", t, i);
        if (open(path, O_RDONLY) < 0 && errno == EPERM)
            denied[t]++;
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3)
        return 2;
    int threads = atoi(argv[1]);
    count = atoi(argv[2]);
    if (threads < 1 || threads > 64)
        return 2;
    pthread_t tids[64];
    for (int t = 0; t < threads; t++)
        if (pthread_create(&tids[t], NULL, flood, (void *)(long)t) != 0)
            return 3;
    if (argc > 3 && strcmp(argv[3], "exit") == 0) {
        usleep(20000);
        _exit(3);
    }
    int total = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        total += denied[t];
    }
    printf("denied %d\n", total);
    return 0;
}

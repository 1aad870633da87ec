/* Asks the broker for /dev/null while another thread rewrites the path buffer to /etc/shadow
 * (and back) as fast as it can: the broker reads the path once and opens what it read, so
 * each open gives /dev/null or is refused, never /etc/shadow. Prints how many opens were
 * served and how many gave anything but /dev/null. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char path[64] = "/dev/null";
static atomic_int stop;

static void *flip(void *arg) {
    (void)arg;
    while (!atomic_load(&stop)) {
        /* Compiler barriers: each state must really reach memory. */
        memcpy(path, "/etc/shadow", 12);
        __asm__ volatile("" ::: "memory");
        memcpy(path, "/dev/null\0\0", 12);
        __asm__ volatile("" ::: "memory");
    }
    return NULL;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 2000;
    pthread_t t;
    pthread_create(&t, NULL, flip, NULL);
    int served = 0, wrong = 0;
    for (int i = 0; i < rounds; i++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        struct stat st;
        char buf[16];
        if (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3 &&
            read(fd, buf, sizeof buf) == 0)
            served++;
        else
            wrong++;
        close(fd);
    }
    atomic_store(&stop, 1);
    pthread_join(t, NULL);
    printf("served %d wrong %d\n", served, wrong);
    return 0;
}

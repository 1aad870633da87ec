/* /proc/self/maps through the broker must be the caller's own. The parent maps a region,
 * forks, maps another region in the child only; the child reads /proc/self/maps and says
 * whether its own region is there (it must be) and whether the parent's later region is (it
 * must not). A thread reads /proc/thread-self/maps the same way. Then another process's maps
 * (the parent's, by pid) must be refused. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static char maps[1 << 20];

static int read_maps(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    size_t got = 0;
    ssize_t n;
    while (got < sizeof maps - 1 && (n = read(fd, maps + got, sizeof maps - 1 - got)) > 0)
        got += n;
    maps[got] = 0;
    close(fd);
    return 0;
}

static int has(void *addr) {
    char needle[32];
    snprintf(needle, sizeof needle, "%lx-", (unsigned long)addr);
    return strstr(maps, needle) != NULL;
}

static void *region;

static void *thread_main(void *arg) {
    (void)arg;
    if (read_maps("/proc/thread-self/maps") < 0)
        printf("thread: refused\n");
    else
        printf("thread: own %d\n", has(region));
    return NULL;
}

int main(void) {
    region = mmap(NULL, 7 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int sync[2];
    if (pipe(sync) != 0)
        return 1;
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        void *mine = mmap(NULL, 11 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char c;
        /* Wait until the parent mapped its own region. */
        if (read(sync[0], &c, 1) != 1)
            _exit(1);
        void *theirs;
        if (read(sync[0], &theirs, sizeof theirs) != sizeof theirs)
            _exit(1);
        if (read_maps("/proc/self/maps") < 0) {
            printf("child: refused\n");
        } else {
            printf("child: own %d inherited %d parent's %d\n", has(mine), has(region), has(theirs));
        }
        char other[64];
        snprintf(other, sizeof other, "/proc/%d/maps", (int)parent);
        printf("child: parent's by pid %s\n", read_maps(other) < 0 ? "refused" : "READ");
        fflush(stdout);
        _exit(0);
    }
    void *theirs = mmap(NULL, 13 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char c = 1;
    if (write(sync[1], &c, 1) != 1 || write(sync[1], &theirs, sizeof theirs) != sizeof theirs)
        return 1;
    int status;
    waitpid(child, &status, 0);
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
    printf("init's by pid %s\n", read_maps("/proc/1/maps") < 0 ? "refused" : "READ");
    return 0;
}

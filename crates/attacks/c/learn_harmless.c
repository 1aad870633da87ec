/* Under promises that do not open files, the command serves harmless reads itself (message
 * catalogs, the time zone, /dev/null...). A hostile program tries to make that service read
 * something else: a path that only starts like a harmless one, a link planted beneath a
 * harmless directory, a path rewritten while the command reads it, another process's /proc.
 * Prints one line per attempt: "NAME: refused (...)" or "NAME: read <first line>". */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void attempt(const char *name, const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: refused (%s)\n", name, strerror(errno));
        return;
    }
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    char *nl = strchr(buf, '\n');
    if (nl) *nl = 0;
    printf("%s: read %s\n", name, buf);
}

static char flip[4096];
static const char *harmless = "/usr/share/zoneinfo/UTC";
static const char *secret;
static atomic_int stop;

static void *flipper(void *arg) {
    (void)arg;
    while (!atomic_load(&stop)) {
        strcpy(flip, secret);
        strcpy(flip, harmless);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    const char *mode = argv[1];
    secret = argv[2];
    char path[4096];
    if (!strcmp(mode, "served")) {
        attempt("zoneinfo", "/usr/share/zoneinfo/UTC");
        attempt("missing", "/usr/share/locale/xx/LC_MESSAGES/none.mo");
        attempt("null", "/dev/null");
    } else if (!strcmp(mode, "dotdot")) {
        snprintf(path, sizeof path, "/usr/share/locale/../../..%s", secret);
        attempt("dotdot", path);
    } else if (!strcmp(mode, "link")) {
        attempt("link", argv[3]);
    } else if (!strcmp(mode, "parent")) {
        snprintf(path, sizeof path, "/proc/%d/maps", (int)getppid());
        attempt("parent", path);
    } else if (!strcmp(mode, "race")) {
        strcpy(flip, harmless);
        pthread_t t;
        pthread_create(&t, NULL, flipper, NULL);
        int leaked = 0, tries = 2000;
        for (int i = 0; i < tries; i++) {
            int fd = open(flip, O_RDONLY);
            if (fd < 0) continue;
            char buf[256];
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            buf[n > 0 ? n : 0] = 0;
            if (strstr(buf, "learn-harmless-secret")) leaked++;
        }
        atomic_store(&stop, 1);
        pthread_join(t, NULL);
        printf("race: %d of %d reads leaked\n", leaked, tries);
    }
    return 0;
}

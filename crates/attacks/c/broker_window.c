/* Tries to get executable memory through the loader's window once the program runs:
 *   after-failed-exec LIB: execve a missing program (the exec fails, the old image goes on),
 *                          then dlopen LIB, whose mappings come from the loader's own code;
 *   dlopen LIB:            dlopen LIB from main (the window closed when the loader was done).
 * Prints "loaded" or "refused". */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3)
        return 2;
    if (strcmp(argv[1], "after-failed-exec") == 0) {
        char *args[] = {"nothing", NULL};
        execve("/nonexistent/broker-window", args, NULL);
    }
    void *h = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    printf("%s\n", h ? "loaded" : "refused");
    return 0;
}

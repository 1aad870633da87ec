/* cat: copies files (or standard input) to standard output, under pledge("stdio").
 *
 * The program opens everything it will read first, then promises to do nothing but I/O on
 * the descriptors it holds. From then on, opening a file or a socket kills it with SIGSYS.
 *
 *   cc cat.c $(pkg-config --cflags --libs pledge) -o cat && ./cat /etc/hostname */
#include <errno.h>
#include <fcntl.h>
#include <pledge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd, const char *name)
{
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(STDOUT_FILENO, buf + off, (size_t)(n - off));
			if (w < 0) {
				fprintf(stderr, "cat: stdout: %s\n", strerror(errno));
				return 1;
			}
			off += w;
		}
	}
	if (n < 0) {
		fprintf(stderr, "cat: %s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int nfiles = argc > 1 ? argc - 1 : 1;
	int *fds = calloc((size_t)nfiles, sizeof *fds);
	if (fds == NULL) {
		perror("cat");
		return 1;
	}
	int status = 0;
	if (argc == 1)
		fds[0] = STDIN_FILENO;
	for (int i = 1; i < argc; i++) {
		fds[i - 1] = strcmp(argv[i], "-") == 0 ? STDIN_FILENO : open(argv[i], O_RDONLY);
		if (fds[i - 1] < 0) {
			fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
	}
	if (pledge("stdio", NULL) == -1) {
		fprintf(stderr, "cat: pledge: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < nfiles; i++) {
		if (fds[i] >= 0 && copy(fds[i], argc > 1 ? argv[i + 1] : "stdin") != 0)
			status = 1;
	}
	return status;
}

/* probe: runs a sequence of steps given on the command line and prints one line per step, so
 * that the Rust tests can check what works under which promise and how the process ends.
 *
 *   probe STEP ARGS... [STEP ARGS...]...
 *
 * Each step prints "<step>: ok" or "<step>: <ERRNAME>" (the errno of a failure) and the probe
 * carries on; a step the promises forbid kills the process with SIGSYS instead. Arguments
 * "NULL" stand for a NULL pointer; "hex:ff00" for raw bytes. Steps:
 *   pledge P E | unveil PATH PERMS          call the library
 *   fopen PATH MODE | open PATH FLAGS | openat PATH FLAGS
 *        FLAGS: letters r (read), w (write), b (both), c (O_CREAT), t (O_TRUNC), a (O_APPEND)
 *   socket DOMAIN TYPE                       DOMAIN inet|inet6|unix|netlink|packet, TYPE stream|dgram|raw
 *   print TEXT | malloc BYTES | madvise | preopen PATH | sendfile (the preopened file to stdout)
 *   thread | thread-open PATH                 start a thread now; later make it open PATH
 *   nocaps                                   drop every capability, as an ordinary user
 *                                            starts (pledge refuses to leave root's to threads)
 *   leak N P                                 N failing pledge(P, NULL): bytes still allocated
 *   leak-unveil N PATH PERMS                 the same with unveil
 *   run WRAPPER PROG ARGS...                 (last step) fork, exec PROG with the exec wrapper
 *        WRAPPER (execve, execv, execvp, execvpe, execl, execle, execlp, fexecve, execveat,
 *        system), print "run: exit N" or "run: signal N" */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pledge.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int preopened = -1;
static int thread_pipe[2] = {-1, -1};
static pthread_t worker;

static void result(const char *step, int r)
{
	if (r == 0)
		printf("%s: ok\n", step);
	else
		printf("%s: %s\n", step, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
}

static int hexval(int c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* "NULL" -> NULL, "hex:..." -> those bytes (leaked: the probe is short-lived). */
static const char *arg(const char *s)
{
	if (strcmp(s, "NULL") == 0)
		return NULL;
	if (strncmp(s, "hex:", 4) == 0) {
		size_t n = strlen(s + 4) / 2;
		char *out = calloc(n + 1, 1);
		for (size_t i = 0; i < n; i++)
			out[i] = (char)(hexval(s[4 + 2 * i]) << 4 | hexval(s[5 + 2 * i]));
		return out;
	}
	return s;
}

static int open_flags(const char *letters)
{
	int flags = O_RDONLY;
	for (const char *c = letters; *c; c++) {
		switch (*c) {
		case 'w': flags = (flags & ~O_ACCMODE) | O_WRONLY; break;
		case 'b': flags = (flags & ~O_ACCMODE) | O_RDWR; break;
		case 'c': flags |= O_CREAT; break;
		case 't': flags |= O_TRUNC; break;
		case 'a': flags |= O_APPEND; break;
		}
	}
	return flags;
}

static int keep(int fd)
{
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void *worker_main(void *unused)
{
	(void)unused;
	char path[4096];
	ssize_t n = read(thread_pipe[0], path, sizeof path - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	int fd = open(path, O_RDONLY);
	result("thread-open", keep(fd));
	return NULL;
}

/* Failing calls must not leave memory behind: compare what malloc holds before and after. */
static long leaked(int n, const char *p, const char *path, const char *perms)
{
	if (p != NULL)
		pledge(p, NULL); /* warm-up: lazy one-time allocations happen here */
	else
		unveil(path, perms);
	size_t before = mallinfo2().uordblks;
	for (int i = 0; i < n; i++) {
		int r = p != NULL ? pledge(p, NULL) : unveil(path, perms);
		if (r != -1) {
			printf("leak: call did not fail\n");
			exit(3);
		}
	}
	return (long)(mallinfo2().uordblks - before);
}

static int run(char **argv)
{
	const char *how = argv[0], *prog = argv[1];
	char **args = argv + 1;
	char *env[] = {"PATH=/usr/bin:/bin", NULL};
	fflush(stdout);
	if (strcmp(how, "system") == 0) {
		char cmd[4096];
		snprintf(cmd, sizeof cmd, "%s %s", prog, argv[2] ? argv[2] : "");
		int status = system(cmd);
		printf("run: exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		return 0;
	}
	/* fexecve needs the file open before the fork (opening needs rpath, not execpromises). */
	int fd = strcmp(how, "fexecve") == 0 ? open(prog, O_RDONLY | O_CLOEXEC) : -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (strcmp(how, "execve") == 0) execve(prog, args, env);
		else if (strcmp(how, "execv") == 0) execv(prog, args);
		else if (strcmp(how, "execvp") == 0) execvp(prog, args);
		else if (strcmp(how, "execvpe") == 0) execvpe(prog, args, env);
		else if (strcmp(how, "execl") == 0) execl(prog, prog, args[1], (char *)NULL);
		else if (strcmp(how, "execle") == 0) execle(prog, prog, args[1], (char *)NULL, env);
		else if (strcmp(how, "execlp") == 0) execlp(prog, prog, args[1], (char *)NULL);
		else if (strcmp(how, "fexecve") == 0) fexecve(fd, args, env);
		else if (strcmp(how, "execveat") == 0) execveat(AT_FDCWD, prog, args, env, 0);
		else errno = EINVAL;
		result(how, -1);
		fflush(stdout);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (WIFEXITED(status))
		printf("run: exit %d\n", WEXITSTATUS(status));
	else
		printf("run: signal %d\n", WTERMSIG(status));
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (int i = 1; i < argc;) {
		const char *step = argv[i];
		const char *a = i + 1 < argc ? argv[i + 1] : "";
		const char *b = i + 2 < argc ? argv[i + 2] : "";
		if (strcmp(step, "pledge") == 0) {
			result(step, pledge(arg(a), arg(b)));
			i += 3;
		} else if (strcmp(step, "unveil") == 0) {
			result(step, unveil(arg(a), arg(b)));
			i += 3;
		} else if (strcmp(step, "fopen") == 0) {
			FILE *f = fopen(a, b);
			result(step, f ? fclose(f) : -1);
			i += 3;
		} else if (strcmp(step, "open") == 0) {
			result(step, keep(open(a, open_flags(b), 0600)));
			i += 3;
		} else if (strcmp(step, "openat") == 0) {
			result(step, keep(openat(AT_FDCWD, a, open_flags(b), 0600)));
			i += 3;
		} else if (strcmp(step, "socket") == 0) {
			int domain = strcmp(a, "inet") == 0 ? AF_INET : strcmp(a, "inet6") == 0 ? AF_INET6
				: strcmp(a, "unix") == 0 ? AF_UNIX : strcmp(a, "netlink") == 0 ? AF_NETLINK : AF_PACKET;
			int type = strcmp(b, "stream") == 0 ? SOCK_STREAM : strcmp(b, "dgram") == 0 ? SOCK_DGRAM : SOCK_RAW;
			result(step, keep(socket(domain, type, 0)));
			i += 3;
		} else if (strcmp(step, "print") == 0) {
			printf("%s\n", a);
			i += 2;
		} else if (strcmp(step, "malloc") == 0) {
			size_t n = strtoul(a, NULL, 10);
			char *p = malloc(n);
			if (p)
				memset(p, 1, n);
			free(p);
			result(step, p ? 0 : -1);
			i += 2;
		} else if (strcmp(step, "madvise") == 0) {
			char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			int r = p == MAP_FAILED ? -1 : madvise(p, 1 << 20, MADV_DONTNEED);
			if (p != MAP_FAILED)
				munmap(p, 1 << 20);
			result(step, r);
			i += 1;
		} else if (strcmp(step, "preopen") == 0) {
			preopened = open(a, O_RDONLY);
			result(step, preopened < 0 ? -1 : 0);
			i += 2;
		} else if (strcmp(step, "sendfile") == 0) {
			ssize_t n = sendfile(1, preopened, NULL, 1 << 20);
			printf("\n");
			result(step, n < 0 ? -1 : 0);
			i += 1;
		} else if (strcmp(step, "nocaps") == 0) {
			struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
			struct __user_cap_data_struct d[2] = {{0, 0, 0}, {0, 0, 0}};
			result(step, (int)syscall(SYS_capset, &h, d));
			i += 1;
		} else if (strcmp(step, "thread") == 0) {
			int r = pipe(thread_pipe) ? -1 : pthread_create(&worker, NULL, worker_main, NULL);
			result(step, r == 0 ? 0 : (errno = r, -1));
			i += 1;
		} else if (strcmp(step, "thread-open") == 0) {
			ssize_t n = write(thread_pipe[1], a, strlen(a));
			pthread_join(worker, NULL);
			i += 2;
			(void)n;
		} else if (strcmp(step, "leak") == 0) {
			printf("leak: %ld bytes\n", leaked(atoi(a), arg(b), NULL, NULL));
			i += 3;
		} else if (strcmp(step, "leak-unveil") == 0) {
			const char *c = i + 3 < argc ? argv[i + 3] : "";
			printf("leak: %ld bytes\n", leaked(atoi(a), NULL, arg(b), arg(c)));
			i += 4;
		} else if (strcmp(step, "run") == 0) {
			if (i + 2 >= argc || run(argv + i + 1) != 0)
				result(step, -1);
			break;
		} else {
			fprintf(stderr, "probe: unknown step %s\n", step);
			return 2;
		}
	}
	return 0;
}

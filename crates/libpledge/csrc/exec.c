/* The parts of libpledge's exec wrappers written in C (see src/exec.rs): the variadic execl
 * family, which stable Rust cannot define, and the PATH search of execvp. Everything here is
 * async-signal-safe (no malloc, no locks): it runs between fork() and exec. The narrowing
 * filter is installed by the Rust wrappers before any of this runs, so the search calls the
 * execve system call directly. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int __pledge_execvpe_search(const char *file, char *const argv[], char *const envp[]);
int __pledge_execl(const char *path, const char *arg, ...);
int __pledge_execle(const char *path, const char *arg, ...);
int __pledge_execlp(const char *file, const char *arg, ...);

static int sys_execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)syscall(SYS_execve, path, argv, envp);
}

/* A file the kernel would not execute (ENOEXEC) is run as a shell script, as POSIX asks of
 * execvp: "/bin/sh path arg1 ...". */
static void exec_script(const char *path, char *const argv[], char *const envp[])
{
	size_t argc = 0;
	while (argv != NULL && argv[argc] != NULL)
		argc++;
	const char *sh_argv[argc + 2];
	sh_argv[0] = "/bin/sh";
	sh_argv[1] = path;
	for (size_t i = 1; i < argc; i++)
		sh_argv[i + 1] = argv[i];
	sh_argv[argc > 0 ? argc + 1 : 2] = NULL;
	sys_execve("/bin/sh", (char *const *)sh_argv, envp);
}

int __pledge_execvpe_search(const char *file, char *const argv[], char *const envp[])
{
	if (file == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (file[0] == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (strchr(file, '/') != NULL) {
		sys_execve(file, argv, envp);
		if (errno == ENOEXEC)
			exec_script(file, argv, envp);
		return -1;
	}
	size_t flen = strlen(file);
	if (flen > NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	const char *path = getenv("PATH");
	if (path == NULL)
		path = "/bin:/usr/bin"; /* confstr(_CS_PATH) on glibc */
	int denied = 0;
	char buf[PATH_MAX];
	for (const char *dir = path;;) {
		const char *end = strchrnul(dir, ':');
		size_t dlen = (size_t)(end - dir);
		/* An empty element is the current directory. Too long an entry is skipped. */
		if (dlen + 1 + flen < sizeof buf) {
			size_t at = 0;
			if (dlen > 0) {
				memcpy(buf, dir, dlen);
				buf[dlen] = '/';
				at = dlen + 1;
			}
			memcpy(buf + at, file, flen + 1);
			sys_execve(buf, argv, envp);
			switch (errno) {
			case EACCES:
				denied = 1;
				break;
			case ENOENT:
			case ENOTDIR:
			case ESTALE:
			case ENODEV:
			case ETIMEDOUT:
			case ENAMETOOLONG:
				break;
			case ENOEXEC:
				exec_script(buf, argv, envp);
				return -1;
			default:
				return -1;
			}
		}
		if (*end == '\0')
			break;
		dir = end + 1;
	}
	errno = denied ? EACCES : ENOENT;
	return -1;
}

/* Collects "arg, ..., NULL" into argv on the stack (two passes over the list). */
#define COLLECT_ARGS(last, argc, argv)                                        \
	size_t argc = 1;                                                      \
	{                                                                     \
		va_list count;                                                \
		va_start(count, last);                                        \
		while (va_arg(count, const char *) != NULL)                   \
			argc++;                                               \
		va_end(count);                                                \
	}                                                                     \
	const char *argv[argc + 1];                                           \
	argv[0] = last;

int __pledge_execl(const char *path, const char *arg, ...)
{
	COLLECT_ARGS(arg, argc, argv);
	va_list ap;
	va_start(ap, arg);
	for (size_t i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, const char *);
	va_end(ap);
	return execve(path, (char *const *)argv, environ);
}

int __pledge_execle(const char *path, const char *arg, ...)
{
	COLLECT_ARGS(arg, argc, argv);
	va_list ap;
	va_start(ap, arg);
	for (size_t i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, const char *);
	char *const *envp = va_arg(ap, char *const *);
	va_end(ap);
	return execve(path, (char *const *)argv, envp);
}

int __pledge_execlp(const char *file, const char *arg, ...)
{
	COLLECT_ARGS(arg, argc, argv);
	va_list ap;
	va_start(ap, arg);
	for (size_t i = 1; i <= argc; i++)
		argv[i] = va_arg(ap, const char *);
	va_end(ap);
	return execvp(file, (char *const *)argv);
}

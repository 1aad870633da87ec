/*
 * Preloaded by the `pledge` command into dynamically linked programs: once the dynamic loader
 * has mapped the program and its libraries, this library's constructor narrows the program
 * from the wide start-up filter to exactly its promises, with a listener the command takes
 * over, before `main` runs. See docs/command.md for the design and its limits, and
 * crates/handshake (the pledge-handshake crate) for the handshake, whose constants and layouts
 * are repeated here (a test of the command checks them).
 *
 * The command does everything that allocates or needs its library: it compiles the filter and
 * builds the Landlock layers (created, not enforced), and hands over the finished results:
 * the layers' ruleset descriptors (SCM_RIGHTS) and the filter's instructions. This side only
 * enforces them, so it is small: it is copied into a memfd on every run and mapped by every
 * dynamically linked program the command starts.
 *
 * It does nothing in a process the command did not start (no PLEDGE_CLI_FD in the
 * environment). In one it did, it either narrows the program or ends it: every failure exits
 * with status 125 (after telling the command why, while that is still possible), so a program
 * never reaches `main` under the start-up filter. A process that holds the variable without
 * the handshake behind it (a program passed the environment on to a child) is ended the same
 * way, with a message on its stderr, since there is no command to tell.
 *
 * The environment is read and edited directly, in the arrays `main` and `getenv` use, never
 * through libc's getenv/unsetenv: a program may define its own (bash does).
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_landlock_restrict_self
#define SYS_landlock_restrict_self 446
#endif

/* pledge-handshake: ENV_FD, ENV_USER_PRELOAD, SETUP_FAILED, MAX_MESSAGE. */
#define ENV_FD "PLEDGE_CLI_FD"
#define ENV_USER_PRELOAD "PLEDGE_CLI_USER_LD_PRELOAD"
#define SETUP_FAILED 125
#define MAX_MESSAGE (64 * 1024)
/* pledge-handshake: SetupOptions' bits, LayerKind::Unveil, MAX_LAYERS, the tags. The setup: the
 * tag, the options, a zero word. The filter: the tag, the number of layers, a zero word, a
 * (kind, flags) pair of words per layer, then the instructions (struct sock_filter). */
#define SETUP_CLOSE 1u
#define SETUP_WARM 2u
#define LAYER_UNVEIL 1u
#define MAX_LAYERS 2
#define TAG_LEN 8
static const char TAG_SETUP[TAG_LEN] = "setup\0\0";
static const char TAG_FILTER[TAG_LEN] = "filter\0";
/* pledge-handshake: MAX_INSNS (scopes::compiler::MAX_INSNS). */
#define MAX_INSNS 4096

/* LANDLOCK_RESTRICT_SELF_TSYNC (ABI 8). */
#define RESTRICT_SELF_TSYNC 8u
/* seccomp(): SECCOMP_SET_MODE_FILTER, and the flags TSYNC, NEW_LISTENER, TSYNC_ESRCH. */
#define SET_MODE_FILTER 1
#define FILTER_FLAGS (1u | (1u << 3) | (1u << 4))

extern char **environ;

/* One message: the command's are at most MAX_MESSAGE bytes. In .bss: only the pages a
 * message lands on are ever touched. */
static union {
    unsigned char bytes[MAX_MESSAGE];
    uint64_t align;
} buf;

/* Leaves the process at once: no destructors, no atexit handlers, no stdio flush. The only
 * exit safe under any filter (exit_group is allowed by every promise set). */
static __attribute__((noreturn)) void exit_now(int code) {
    syscall(SYS_exit_group, code);
    _exit(code);
}

/* Writes `text` with one write, ignoring failure (the filter may refuse it; the supervisor
 * then reports that). */
static void say(int fd, const char *text, size_t len) {
    ssize_t r = write(fd, text, len);
    (void)r;
}

/* The value of the first `name=` entry (the one getenv finds), or NULL. */
static const char *find(char **env, const char *name, size_t len) {
    if (!env)
        return NULL;
    for (; *env; env++)
        if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
            return *env + len + 1;
    return NULL;
}

static int named(const char *entry, const char *name, size_t len) {
    return strncmp(entry, name, len) == 0 && entry[len] == '=';
}

/* Takes pledge's variables out of one environment array and puts the user's LD_PRELOAD back
 * (or removes it): entries are moved down over removed ones and the freed slots cleared, as
 * glibc's unsetenv does, without calling it (bash defines its own, which did nothing this
 * early, so pledge's variables reached every child bash started). */
static void edit(char **env, char *restored) {
    if (!env)
        return;
    size_t read = 0, write = 0;
    for (; env[read]; read++) {
        char *p = env[read];
        if (named(p, ENV_FD, sizeof ENV_FD - 1) ||
            named(p, ENV_USER_PRELOAD, sizeof ENV_USER_PRELOAD - 1))
            continue;
        if (named(p, "LD_PRELOAD", 10)) {
            if (restored)
                env[write++] = restored;
            continue;
        }
        env[write++] = p;
    }
    for (size_t slot = write; slot <= read; slot++)
        env[slot] = NULL;
}

/* A descriptor number as Rust's `str::parse::<i32>` reads one, not negative; -1 if none. */
static int parse_fd(const char *s) {
    int negative = 0;
    if (*s == '+' || *s == '-')
        negative = *s++ == '-';
    if (!*s)
        return -1;
    long long n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        n = n * 10 + (*s - '0');
        if (n > (negative ? 2147483648LL : 2147483647LL))
            return -1;
    }
    return negative && n != 0 ? -1 : (int)n;
}

/* Appends `argv[0]` quoted and escaped (as Rust's `{:?}` shows a string) to `out`. */
static size_t quoted(char *out, size_t room, char *const *argv) {
    const char *name = argv && argv[0] ? argv[0] : "";
    size_t n = 0;
#define PUT(c) do { if (n + 1 < room) out[n++] = (c); } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        switch (*p) {
        case '"': PUT('\\'); PUT('"'); break;
        case '\\': PUT('\\'); PUT('\\'); break;
        case '\n': PUT('\\'); PUT('n'); break;
        case '\r': PUT('\\'); PUT('r'); break;
        case '\t': PUT('\\'); PUT('t'); break;
        default:
            if (*p < 0x20 || *p == 0x7f) {
                static const char hex[] = "0123456789abcdef";
                PUT('\\'); PUT('u'); PUT('{');
                if (*p >= 0x10)
                    PUT(hex[*p >> 4]);
                PUT(hex[*p & 15]); PUT('}');
            } else {
                PUT((char)*p);
            }
        }
    }
    PUT('"');
#undef PUT
    out[n] = 0;
    return n;
}

/* Ends a process that holds pledge's handshake variable but not the handshake: a program
 * passed pledge's private environment on (to a child it executed), or someone set it by hand.
 * There is no command to tell: say so on stderr, and never run the program. */
static __attribute__((noreturn)) void stale(char *const *argv, const char *why) {
    char name[512], text[1024];
    quoted(name, sizeof name, argv);
    int n = snprintf(text, sizeof text,
                     "pledge: preload: %s (pid %d) was started with $" ENV_FD " but without "
                     "pledge's handshake (%s): a program passed pledge's private environment "
                     "on to it; refusing to run it\n",
                     name, (int)getpid(), why);
    if (n > 0)
        say(2, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
    exit_now(SETUP_FAILED);
}

/* Before the program filter: the start-up filter still lets us tell the command why. */
static __attribute__((noreturn)) void fail(int fd, const char *why, int err) {
    char text[1024];
    int n = err ? snprintf(text, sizeof text, "failed%c%s: %s (os error %d)", 0, why,
                           strerror(err), err)
                : snprintf(text, sizeof text, "failed%c%s", 0, why);
    if (n > 0)
        send(fd, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1, MSG_NOSIGNAL);
    exit_now(SETUP_FAILED);
}

/* Loads, while the start-up filter still allows reading files, what glibc otherwise reads
 * lazily from `main`: the environment's locale (kept alive, so a later setlocale(LC_ALL, "")
 * finds it loaded and opens nothing), libc's message catalog for it (looking one message up
 * under that locale loads it, or notes its absence), and the time zone. The program's own
 * locale stays "C" until it calls setlocale, as without the command. This is what OpenBSD
 * programs do by hand before pledge. */
static void warm_libc_caches(void) {
    locale_t locale = newlocale(LC_ALL_MASK, "", (locale_t)0);
    if (locale) {
        locale_t previous = uselocale(locale);
        (void)strerror(EPERM);
        uselocale(previous);
    }
    tzset();
}

/* The number of threads, from the link count of /proc/self/task (2 plus one per thread):
 * an O_PATH open and fstat, as the library counts them; 0 if unknown. */
static unsigned long threads(void) {
    int task = open("/proc/self/task", O_PATH | O_CLOEXEC);
    if (task < 0)
        return 0;
    struct stat st;
    int r = fstat(task, &st);
    close(task);
    if (r < 0)
        return 0;
    return st.st_nlink > 3 ? (unsigned long)st.st_nlink - 2 : 1;
}

/* Enforces one layer on this process and closes its descriptor; a failure says why. */
static void enforce_layer(int fd, int ruleset, uint32_t kind, uint32_t flags) {
    const char *what = kind == LAYER_UNVEIL ? "unveil" : "promise paths";
    if (!(flags & RESTRICT_SELF_TSYNC)) {
        /* As the library refuses: Landlock would confine this thread only (a library
         * constructor may have started threads before this one runs). */
        unsigned long n = threads();
        char why[192];
        if (n == 0) {
            snprintf(why, sizeof why, "%s: counting threads in /proc/self/task", what);
            fail(fd, why, errno);
        }
        if (n > 1) {
            snprintf(why, sizeof why,
                     "%s: other threads exist and Landlock before ABI 8 confines only the "
                     "calling thread: %s before starting threads",
                     what, kind == LAYER_UNVEIL ? "unveil" : "restrict paths");
            fail(fd, why, 0);
        }
    }
    long r = syscall(SYS_landlock_restrict_self, ruleset, flags);
    int err = errno;
    close(ruleset);
    if (r < 0) {
        char why[128];
        if (err == E2BIG)
            snprintf(why, sizeof why, "%s: too many stacked Landlock layers (16 at most)", what);
        else
            snprintf(why, sizeof why, "%s: landlock_restrict_self", what);
        fail(fd, why, err == E2BIG ? 0 : err);
    }
}

/* Installs the filter with a listener (no_new_privs first) and returns the listener; a
 * failure says why, in the library's words. */
static int install_filter(int fd, struct sock_filter *prog, unsigned short len) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        fail(fd, "installing the filter: prctl(PR_SET_NO_NEW_PRIVS)", errno);
    struct sock_fprog fprog = {.len = len, .filter = prog};
    long r = syscall(SYS_seccomp, SET_MODE_FILTER, FILTER_FLAGS, &fprog);
    if (r >= 0)
        return (int)r;
    switch (errno) {
    case ENOMEM:
        fail(fd, "installing the filter: too many stacked seccomp filters (32768 instructions "
                 "in all)", 0);
    case ESRCH:
        fail(fd, "installing the filter: another thread could not be synchronised to the new "
                 "filter (TSYNC)", 0);
    case EBUSY:
        fail(fd, "installing the filter: the kernel lacks a second seccomp listener on this "
                 "thread (one is already installed)", 0);
    default:
        fail(fd, "installing the filter: seccomp(SECCOMP_SET_MODE_FILTER)", errno);
    }
}

static uint32_t word(const unsigned char *bytes, size_t i) {
    uint32_t w;
    memcpy(&w, bytes + TAG_LEN + 4 * i, 4);
    return w;
}

/* The descriptor this library was loaded from, when the loader found it as
 * /proc/self/fd/N (the command hands its embedded copy over in a memfd); -1 otherwise. */
static int own_descriptor(void *inside) {
    Dl_info info;
    if (!dladdr(inside, &info) || !info.dli_fname)
        return -1;
    static const char prefix[] = "/proc/self/fd/";
    if (strncmp(info.dli_fname, prefix, sizeof prefix - 1) != 0)
        return -1;
    return parse_fd(info.dli_fname + sizeof prefix - 1);
}

static void narrow(int fd, char *const *argv);

/* Run by the loader after the libraries' own constructors and before the program's; glibc
 * passes `main`'s arguments: `envp` is the array `main` will receive. */
static __attribute__((constructor)) void narrow_at_load(int argc, char **argv, char **envp) {
    (void)argc;
    const char *value = find(envp, ENV_FD, sizeof ENV_FD - 1);
    if (!value)
        return;
    /* Removes the command's variables first, so the program's own children see the
     * environment the user gave: both the loader's array (which `main` receives, and from
     * which bash builds its variables) and `environ` (what getenv and execvp read), should an
     * earlier constructor have replaced the latter. */
    const char *user = find(envp, ENV_USER_PRELOAD, sizeof ENV_USER_PRELOAD - 1);
    char *restored = NULL;
    if (user) {
        /* Leaked: the environment holds it for the process's life. */
        restored = malloc(sizeof "LD_PRELOAD=" + strlen(user));
        if (restored) {
            memcpy(restored, "LD_PRELOAD=", 11);
            strcpy(restored + 11, user);
        }
    }
    int fd = parse_fd(value);
    char **current = environ;
    edit(envp, restored);
    if (current != envp)
        edit(current, restored);
    if (fd < 0)
        /* The variable is there but unusable: this program was meant to be narrowed. */
        stale(argv, "it holds no descriptor number");
    narrow(fd, argv);
}

static void narrow(int fd, char *const *argv) {
    char why[128];
    /* The command sends the setup before it starts the program: it is waiting, unless this is
     * not the command's handshake at all (a stale number, another file, a socket of the
     * program's own). Never wait for it: nothing may ever come. (Descriptors someone attached
     * are discarded: no room is given for them.) */
    ssize_t n;
    do
        n = recv(fd, buf.bytes, sizeof buf.bytes, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        int err = errno;
        if (err == EAGAIN)
            snprintf(why, sizeof why, "descriptor %d has no configuration waiting", fd);
        else
            snprintf(why, sizeof why, "descriptor %d: %s (os error %d)", fd, strerror(err), err);
        stale(argv, why);
    }
    if (n != 16 || memcmp(buf.bytes, TAG_SETUP, TAG_LEN) != 0 || word(buf.bytes, 1) != 0) {
        snprintf(why, sizeof why, "descriptor %d does not hold pledge's configuration", fd);
        stale(argv, why);
    }
    uint32_t options = word(buf.bytes, 0);

    /* The layers (their rulesets attached) and the filter, which the command builds for this
     * process while the loader runs. */
    union {
        struct cmsghdr header;
        char space[CMSG_SPACE(sizeof(int) * MAX_LAYERS)];
    } control;
    struct iovec iov = {.iov_base = buf.bytes, .iov_len = sizeof buf.bytes};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.space,
        .msg_controllen = sizeof control.space,
    };
    do
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        fail(fd, "preload: reading the filter", errno);
    int rulesets[MAX_LAYERS];
    size_t received = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int got;
            memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
            if (received < MAX_LAYERS)
                rulesets[received++] = got;
            else
                close(got);
        }
    }
    size_t layers = n >= 16 ? word(buf.bytes, 0) : 0;
    size_t head = 16 + 8 * (layers <= MAX_LAYERS ? layers : 0);
    size_t insns = (size_t)n > head ? ((size_t)n - head) / sizeof(struct sock_filter) : 0;
    if (n < 16 || memcmp(buf.bytes, TAG_FILTER, TAG_LEN) != 0 || word(buf.bytes, 1) != 0 ||
        layers > MAX_LAYERS || received != layers || (msg.msg_flags & MSG_CTRUNC) ||
        insns == 0 || insns > MAX_INSNS || ((size_t)n - head) % sizeof(struct sock_filter) != 0)
        fail(fd, "preload: malformed filter", 0);

    if (options & SETUP_WARM)
        warm_libc_caches();

    /* Landlock wants no_new_privs (the start-up filter set it already); the layers are
     * enforced in order, each descriptor closed at once: with them the program could only
     * restrict itself further, but it has no use for them. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        fail(fd, "preload: prctl(PR_SET_NO_NEW_PRIVS)", errno);
    for (size_t i = 0; i < layers; i++)
        enforce_layer(fd, rulesets[i], word(buf.bytes, 2 + 2 * i), word(buf.bytes, 3 + 2 * i));

    /* The number the listener will get: the lowest free descriptor. */
    int listener = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (listener < 0)
        fail(fd, "preload: finding a descriptor for the listener", errno);
    close(listener);
    char ready[32];
    int len = snprintf(ready, sizeof ready, "ready%c%d", 0, listener);
    if (send(fd, ready, (size_t)len, MSG_NOSIGNAL) < 0)
        fail(fd, "preload: handshake", errno);
    int got = install_filter(fd, (struct sock_filter *)(buf.bytes + head), (unsigned short)insns);
    /* From here only leaving is certain to be allowed. */
    if (got != listener)
        exit_now(SETUP_FAILED);
    /* The barrier: execve(NULL, NULL, NULL), which the program filter always sends to the
     * command, which answers it with 0 once it holds the listener (and which could not
     * execute anything if it ever ran). */
    if (syscall(SYS_execve, 0L, 0L, 0L) != 0)
        exit_now(SETUP_FAILED);
    if (options & SETUP_CLOSE) {
        /* Observed by `pledge --learn`, the closes run (and are not counted): the program
         * must see what an unwatched run would. Bare close() calls and nothing else (the
         * observer skips exactly those). The memfd the loader mapped this library from
         * (/proc/self/fd/N): the mapping stays, the program need not hold the descriptor.
         * Without the option (no `stdio`), closing is not allowed; left open, neither
         * descriptor is of use to such a program: it can neither read, write, pass on nor
         * ioctl a descriptor. */
        close(got);
        close(fd);
        int own = own_descriptor((void *)narrow_at_load);
        if (own >= 0)
            close(own);
    }
}

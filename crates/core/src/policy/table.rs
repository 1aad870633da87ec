//! The policy table: the single source of truth for what each promise allows.
//!
//! Read a rule as "these system calls are allowed (or answer an errno) when these promises are
//! held and these argument checks hold". Rules for one system call are tried top to bottom.
//! Constants are the Linux uapi values shared by x86_64, aarch64 and riscv64.

use super::{Check, Needs, Rule, Value, Verdict, Width};
use crate::abi;
use crate::promise::Promise::{self, *};

// ---- constants (linux uapi) ----
const O_ACCMODE: u64 = 0o3;
const O_WRONLY: u64 = 0o1;
const O_CREAT: u64 = 0o100;
const O_TRUNC: u64 = 0o1000;
const O_PATH: u64 = 0o10000000;
const O_TMPFILE_BIT: u64 = 0o20000000;
const O_ASYNC: u64 = 0o20000;
const AT_EMPTY_PATH: u64 = 0x1000;
const PROT_EXEC: u64 = 0x4;
const S_ISUID_ISGID: u64 = 0o6000;
const MFD_NOEXEC_SEAL: u64 = 0x8;
const SIGSYS: u64 = 31;
const NO_ID: u64 = 0xffff_ffff;

const AF_UNIX: u64 = 1;
const AF_INET: u64 = 2;
const AF_INET6: u64 = 10;
const AF_NETLINK: u64 = 16;
const SOCK_STREAM: u64 = 1;
const SOCK_DGRAM: u64 = 2;
const SOCK_RAW: u64 = 3;
const SOCK_SEQPACKET: u64 = 5;
/// `type` without SOCK_NONBLOCK and SOCK_CLOEXEC.
const SOCK_TYPE_MASK: u64 = 0xffff_ffff & !0x80800;
const IPPROTO_TCP: u64 = 6;
const IPPROTO_UDP: u64 = 17;
const NETLINK_ROUTE: u64 = 0;
const SOL_SOCKET: u64 = 1;
const SOL_IP: u64 = 0;
const SOL_IPV6: u64 = 41;

const CLONE_VM: u64 = 0x100;
const CLONE_SIGHAND: u64 = 0x800;
const CLONE_THREAD: u64 = 0x10000;
/// Namespaces, and the flags that would let a child escape the parent's view (tracing).
const CLONE_FORBIDDEN: u64 = 0x2000 /* PTRACE */
    | 0x0080_0000 /* UNTRACED */
    | 0x0002_0000 /* NEWNS */
    | 0x0200_0000 /* NEWCGROUP */
    | 0x0400_0000 /* NEWUTS */
    | 0x0800_0000 /* NEWIPC */
    | 0x1000_0000 /* NEWUSER */
    | 0x2000_0000 /* NEWPID */
    | 0x4000_0000 /* NEWNET */;
const CLONE_THREAD_FLAGS: u64 = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD;

const SECCOMP_SET_MODE_FILTER: u64 = 1;
const SECCOMP_GET_ACTION_AVAIL: u64 = 2;
/// seccomp() flags a pledged process may use: TSYNC, LOG, TSYNC_ESRCH (never NEW_LISTENER).
const SECCOMP_SAFE_FLAGS: u64 = 0x1 | 0x2 | 0x10;

// ---- shorthands ----
macro_rules! vals {
    ($($v:expr),* $(,)?) => { &[$(Value::Const($v as u64)),*] };
}
/// The low 32 bits of `args[$arg]` are one of the values.
macro_rules! lo {
    ($arg:expr, [$($v:expr),* $(,)?]) => {
        Check { arg: $arg, width: Width::W32, mask: 0xffff_ffff, values: vals!($($v),*) }
    };
}
/// `(low 32 bits of args[$arg]) & $mask` is one of the values.
macro_rules! masked {
    ($arg:expr, $mask:expr, [$($v:expr),* $(,)?]) => {
        Check { arg: $arg, width: Width::W32, mask: $mask, values: vals!($($v),*) }
    };
}
/// The full 64-bit `args[$arg]` is NULL.
macro_rules! null {
    ($arg:expr) => {
        Check {
            arg: $arg,
            width: Width::W64,
            mask: u64::MAX,
            values: vals!(0),
        }
    };
}
macro_rules! rule {
    ([$($sc:literal),* $(,)?], $needs:expr, [$($check:expr),* $(,)?], $verdict:expr, $note:literal) => {
        Rule {
            syscalls: &[$($sc),*],
            needs: $needs,
            checks: &[$($check),*],
            verdict: $verdict,
            note: $note,
        }
    };
    ([$($sc:literal),* $(,)?], $needs:expr, [$($check:expr),* $(,)?], $note:literal) => {
        rule!([$($sc),*], $needs, [$($check),*], Verdict::Allow, $note)
    };
}

const fn only(p: &'static [Promise]) -> Needs {
    Needs::All(p)
}
const ALWAYS: Needs = Needs::Always;
const STDIO: Needs = only(&[Stdio]);
/// Only under the reporting penalty: the others never raise SIGSYS.
const STDIO_REPORTING: Needs = Needs::Reporting(&[Stdio]);
const EPERM: Verdict = Verdict::Errno(abi::EPERM);
const EACCES: Verdict = Verdict::Errno(abi::EACCES);

/// Promises whose paths can be read (seccomp allows read-only opens; Landlock narrows the
/// path-limited ones to their files).
const READERS: &[Promise] = &[Rpath, Tmppath, Dns, Getpw, Vminfo, Ps];
/// Promises that may create files: a setuid/setgid mode is refused under them.
const CREATORS: &[Promise] = &[Cpath, Tmppath];
/// Promises under which path metadata (stat, access, readlink) may be queried, as on OpenBSD.
const PATH_ANY: &[Promise] = &[Rpath, Wpath, Cpath, Dpath, Tmppath, Dns, Getpw, Vminfo, Ps];
/// Promises that may create sockets of the internet families.
const NET: &[Promise] = &[Inet, Dns];
/// Promises that may address sockets (bind, connect, sendto with an address).
const SOCKETS: &[Promise] = &[Inet, Unix, Dns, Netlink];
/// Promises that may send messages (`sendmsg`, `sendmmsg`): seccomp cannot read the address in
/// the message header, so they need a promise that may address sockets, or `sendfd`, whose
/// descriptors only travel in such messages.
const MESSAGES: &[Promise] = &[Sendfd, Inet, Unix, Dns, Netlink];

/// System calls that answer ENOSYS instead of being violations when no rule allows them, so
/// that libc and language runtimes fall back to calls the filter can inspect.
pub const FALLBACK_ENOSYS: &[&str] = &[
    "clone3",
    "openat2",
    "statx",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
];

/// The table. Kept one rule per line or two, by hand: rustfmt would spread it over a thousand.
#[rustfmt::skip]
pub static RULES: &[Rule] = &[
    // ---------------------------------------------------------------- always
    rule!(["exit", "exit_group", "restart_syscall"], ALWAYS, [], "leaving, and resuming interrupted calls"),
    rule!(["clock_gettime", "clock_getres", "gettimeofday", "time"], ALWAYS, [],
        "clocks: the vDSO falls back to these"),
    rule!(["seccomp"], ALWAYS, [lo!(0, [SECCOMP_SET_MODE_FILTER]), masked!(1, !SECCOMP_SAFE_FLAGS & 0xffff_ffff, [0])],
        "pledge() may always narrow further (no user-notification listeners)"),
    rule!(["prctl"], ALWAYS, [lo!(0, [abi::PR_SET_NO_NEW_PRIVS])],
        "pledge() sets no_new_privs"),
    rule!(["write"], Needs::Reporting(&[]), [lo!(0, [2])],
        "the violation report goes to stderr (never under \"\", whose violations kill quietly)"),
    rule!(["getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
        "getpgrp"], ALWAYS, [],
        "ids of oneself: refused, their -1 would turn kill(getpid(), sig) into kill(-1, sig)"),
    rule!(["getpgid", "getsid"], ALWAYS, [Check { arg: 0, width: Width::W32, mask: 0xffff_ffff,
        values: &[Value::Const(0), Value::Pid] }],
        "one's own process group and session (other processes' need \"stdio\")"),
    // ---------------------------------------------------------------- stdio
    rule!(["read", "readv", "pread64", "preadv", "preadv2", "write", "writev", "pwrite64", "pwritev", "pwritev2",
        "lseek", "close", "close_range", "dup", "dup2", "dup3", "fsync", "fdatasync", "syncfs", "sync_file_range",
        "ftruncate", "fallocate", "fadvise64", "readahead", "sendfile", "splice", "tee", "vmsplice", "copy_file_range",
        "fstat", "fstatfs", "fgetxattr", "flistxattr", "fchdir"],
        STDIO, [], "I/O on descriptors already held"),
    rule!(["brk", "munmap", "mremap", "msync", "mincore", "membarrier", "pkey_alloc", "pkey_free", "mseal"],
        STDIO, [], "memory"),
    rule!(["mmap", "mprotect", "pkey_mprotect"], STDIO, [masked!(2, PROT_EXEC, [0])],
        "memory without PROT_EXEC"),
    rule!(["madvise"], STDIO, [lo!(2, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 102, 103])],
        "memory advice (no KSM merging, no hwpoison)"),
    rule!(["futex", "futex_waitv", "futex_wake", "futex_wait", "futex_requeue", "set_robust_list", "get_robust_list",
        "set_tid_address", "rseq", "sched_yield", "sched_getaffinity", "sched_getscheduler", "sched_getparam",
        "sched_get_priority_max", "sched_get_priority_min", "getcpu"],
        STDIO, [], "threads and scheduling queries"),
    rule!(["clone"], STDIO, [masked!(0, CLONE_THREAD_FLAGS | CLONE_FORBIDDEN, [CLONE_THREAD_FLAGS])],
        "threads (processes need \"proc\")"),
    rule!(["nanosleep", "clock_nanosleep", "alarm", "getitimer", "setitimer", "pause",
        "timer_create", "timer_settime", "timer_gettime", "timer_getoverrun", "timer_delete",
        "timerfd_create", "timerfd_settime", "timerfd_gettime"],
        STDIO, [], "sleeping and timers"),
    rule!(["getgroups", "getpgid", "getsid", "getrusage", "times", "umask", "uname", "sysinfo",
        "getpriority", "getrlimit", "capget", "getrandom"],
        STDIO, [], "queries about oneself, and randomness"),
    rule!(["mlock", "mlock2", "munlock"], STDIO, [],
        "locking one's memory, within RLIMIT_MEMLOCK (gpg, ffmpeg keep secrets out of swap)"),
    rule!(["prlimit64"], STDIO, [Check { arg: 0, width: Width::W32, mask: 0xffff_ffff, values: &[Value::Const(0), Value::Pid] },
        null!(2)], "reading one's own resource limits"),
    rule!(["rt_sigaction"], STDIO_REPORTING, [lo!(0, [SIGSYS]), null!(1)], "querying the SIGSYS handler"),
    rule!(["rt_sigaction"], STDIO_REPORTING, [lo!(0, [SIGSYS])], EPERM,
        "the SIGSYS handler belongs to pledge: violations must stay fatal"),
    rule!(["rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "rt_sigsuspend", "rt_sigpending",
        "rt_sigtimedwait", "signalfd", "signalfd4"],
        STDIO, [], "signal handling"),
    rule!(["kill"], STDIO, [Check { arg: 0, width: Width::W32, mask: 0xffff_ffff, values: &[Value::Const(0), Value::Pid] }],
        "signals to oneself (raise, abort)"),
    rule!(["tgkill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"], STDIO,
        [Check { arg: 0, width: Width::W32, mask: 0xffff_ffff, values: &[Value::Pid] }],
        "signals to oneself (raise, abort)"),
    rule!(["pipe", "pipe2", "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
        "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd", "eventfd2"],
        STDIO, [], "pipes and waiting for events"),
    rule!(["recvfrom", "recvmsg", "recvmmsg", "shutdown", "getsockname", "getpeername"],
        STDIO, [], "I/O on sockets already held"),
    rule!(["sendto"], STDIO, [null!(4)], "sending on a connected socket"),
    rule!(["socketpair"], STDIO, [lo!(0, [AF_UNIX])], "AF_UNIX socket pairs"),
    rule!(["wait4", "waitid"], STDIO, [], "reaping children"),
    rule!(["newfstatat"], STDIO, [masked!(3, AT_EMPTY_PATH, [AT_EMPTY_PATH])],
        "fstat() as glibc implements it (AT_EMPTY_PATH)"),
    rule!(["ioctl"], STDIO, [lo!(1, [0x541B /* FIONREAD */, 0x5421 /* FIONBIO */, 0x5451 /* FIOCLEX */,
        0x5450 /* FIONCLEX */, 0x5401 /* TCGETS */, 0x5413 /* TIOCGWINSZ */])],
        "harmless queries: isatty, window size, bytes readable, non-blocking, close-on-exec"),
    rule!(["fcntl"], STDIO, [lo!(1, [0 /* F_DUPFD */, 1 /* F_GETFD */, 2 /* F_SETFD */, 3 /* F_GETFL */,
        9 /* F_GETOWN */, 1030 /* F_DUPFD_CLOEXEC */, 1032 /* F_GETPIPE_SZ */, 1033 /* F_ADD_SEALS */,
        1034 /* F_GET_SEALS */])],
        "descriptor flags and seals"),
    rule!(["fcntl"], STDIO, [lo!(1, [4 /* F_SETFL */]), masked!(2, O_ASYNC, [0])],
        "status flags without O_ASYNC (signals to an owner need \"proc\")"),
    rule!(["prctl"], STDIO, [lo!(0, [15 /* PR_SET_NAME */, 16 /* PR_GET_NAME */, 3 /* PR_GET_DUMPABLE */,
        21 /* PR_GET_SECCOMP */, 39 /* PR_GET_NO_NEW_PRIVS */, 0x5356_4d41 /* PR_SET_VMA */,
        65 /* PR_SET_MDWE */, 66 /* PR_GET_MDWE */])],
        "naming threads and mappings, and harmless queries"),
    rule!(["capset"], STDIO, [],
        "dropping capabilities, as pledge() does: capset never raises the permitted set (pledge leaves only what the promises need there)"),
    rule!(["arch_prctl"], STDIO, [lo!(0, [0x1001 /* SET_GS */, 0x1002 /* SET_FS */, 0x1003 /* GET_FS */,
        0x1004 /* GET_GS */, 0x1011 /* GET_CPUID */])],
        "thread pointer"),
    rule!(["seccomp"], STDIO, [lo!(0, [SECCOMP_GET_ACTION_AVAIL])], "asking which seccomp actions exist"),
    rule!(["personality"], STDIO, [lo!(0, [0xffff_ffff])], "querying the personality (never changing it)"),
    rule!(["memfd_create"], STDIO, [masked!(1, MFD_NOEXEC_SEAL, [MFD_NOEXEC_SEAL])],
        "anonymous files that can never be executed"),
    // ---------------------------------------------------------------- paths
    rule!(["open"], Needs::Any(READERS), [masked!(1, O_ACCMODE | O_CREAT | O_TRUNC | O_TMPFILE_BIT, [0])],
        "open for reading"),
    rule!(["openat"], Needs::Any(READERS), [masked!(2, O_ACCMODE | O_CREAT | O_TRUNC | O_TMPFILE_BIT, [0])],
        "open for reading"),
    rule!(["openat"], Needs::Any(&[Wpath, Cpath, Dpath, Exec, Unix, Unveil]),
        [masked!(2, O_ACCMODE | O_CREAT | O_TRUNC | O_TMPFILE_BIT | O_PATH, [O_PATH])],
        "O_PATH opens, for metadata and directory handles (unveil() and pledge() use them)"),
    rule!(["open"], only(&[Wpath]), [masked!(1, O_ACCMODE | O_CREAT | O_TMPFILE_BIT, [O_WRONLY])],
        "open existing files for writing"),
    rule!(["openat"], only(&[Wpath]), [masked!(2, O_ACCMODE | O_CREAT | O_TMPFILE_BIT, [O_WRONLY])],
        "open existing files for writing"),
    rule!(["open"], only(&[Rpath, Wpath]), [masked!(1, O_CREAT | O_TMPFILE_BIT, [0])],
        "open existing files for reading and writing"),
    rule!(["openat"], only(&[Rpath, Wpath]), [masked!(2, O_CREAT | O_TMPFILE_BIT, [0])],
        "open existing files for reading and writing"),
    rule!(["open"], only(&[Tmppath]), [masked!(1, O_CREAT | O_TMPFILE_BIT, [0])], "files under /tmp (Landlock keeps it there)"),
    rule!(["openat"], only(&[Tmppath]), [masked!(2, O_CREAT | O_TMPFILE_BIT, [0])], "files under /tmp (Landlock keeps it there)"),
    // Every open that does not create is decided above (the mode is junk then: glibc passes 0,
    // Rust std 0o666, a raw call whatever the register holds); below, only creating opens are
    // allowed, so the mode alone is checked.
    rule!(["open"], Needs::Any(CREATORS), [masked!(2, S_ISUID_ISGID, [0o2000, 0o4000, 0o6000])], EPERM,
        "creating with setuid/setgid bits is refused (EPERM, not a violation)"),
    rule!(["openat"], Needs::Any(CREATORS), [masked!(3, S_ISUID_ISGID, [0o2000, 0o4000, 0o6000])], EPERM,
        "creating with setuid/setgid bits is refused (EPERM, not a violation)"),
    rule!(["creat"], Needs::Any(CREATORS), [masked!(1, S_ISUID_ISGID, [0o2000, 0o4000, 0o6000])], EPERM,
        "creating with setuid/setgid bits is refused (EPERM, not a violation)"),
    rule!(["open"], only(&[Cpath, Rpath]), [masked!(1, O_ACCMODE | O_TRUNC, [0])], "create, open for reading"),
    rule!(["openat"], only(&[Cpath, Rpath]), [masked!(2, O_ACCMODE | O_TRUNC, [0])], "create, open for reading"),
    rule!(["open"], only(&[Cpath, Wpath]), [masked!(1, O_ACCMODE, [O_WRONLY])], "create, open for writing"),
    rule!(["openat"], only(&[Cpath, Wpath]), [masked!(2, O_ACCMODE, [O_WRONLY])], "create, open for writing"),
    rule!(["creat"], only(&[Cpath, Wpath]), [], "create, open for writing"),
    rule!(["truncate"], only(&[Wpath]), [], "truncating a file by path"),
    rule!(["open", "openat", "creat"], only(&[Cpath, Rpath, Wpath]), [], "create, open for reading and writing"),
    rule!(["open", "openat", "creat"], only(&[Tmppath]), [], "files under /tmp (Landlock keeps it there)"),
    rule!(["stat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
        "statfs", "getcwd", "getxattr", "lgetxattr", "listxattr", "llistxattr"],
        Needs::Any(PATH_ANY), [], "path metadata (Landlock cannot hide it)"),
    rule!(["chdir", "getdents", "getdents64", "inotify_init", "inotify_init1", "inotify_rm_watch"],
        Needs::Any(READERS), [], "directories"),
    rule!(["inotify_add_watch"], only(&[Rpath]), [], "watching a path is reading it (Landlock cannot confine it)"),
    rule!(["unlink", "unlinkat"], Needs::Any(&[Cpath, Tmppath]), [], "removing files"),
    rule!(["mkdir", "mkdirat", "rmdir", "link", "linkat", "symlink", "symlinkat"], only(&[Cpath]), [],
        "creating and removing directories and links"),
    rule!(["rename", "renameat", "renameat2"], only(&[Rpath, Cpath]), [], "renaming (rpath and cpath, as on OpenBSD)"),
    rule!(["mknod"], only(&[Dpath]), [masked!(1, S_ISUID_ISGID, [0])], "special files"),
    rule!(["mknodat"], only(&[Dpath]), [masked!(2, S_ISUID_ISGID, [0])], "special files"),
    rule!(["mknod", "mknodat"], only(&[Dpath]), [], EPERM, "setuid/setgid bits are refused (EPERM, not a violation)"),
    rule!(["chmod", "fchmod"], only(&[Fattr]), [masked!(1, S_ISUID_ISGID, [0])], "modes without setuid/setgid"),
    rule!(["fchmodat", "fchmodat2"], only(&[Fattr]), [masked!(2, S_ISUID_ISGID, [0])], "modes without setuid/setgid"),
    rule!(["chmod", "fchmod", "fchmodat", "fchmodat2"], only(&[Fattr]), [], EPERM,
        "setuid/setgid bits are refused (EPERM, not a violation)"),
    rule!(["utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
        "lremovexattr", "fremovexattr", "setxattrat", "removexattrat"],
        only(&[Fattr]), [], "times and extended attributes"),
    rule!(["chown", "fchown", "lchown", "fchownat"], only(&[Chown]), [], "owner and group"),
    rule!(["chown", "fchown", "lchown"], only(&[Fattr]), [lo!(1, [NO_ID]), lo!(2, [NO_ID])], "no change"),
    rule!(["chown", "fchown", "lchown"], only(&[Fattr]),
        [Check { arg: 1, width: Width::W32, mask: 0xffff_ffff, values: &[Value::Uid, Value::Const(NO_ID)] },
         Check { arg: 2, width: Width::W32, mask: 0xffff_ffff, values: &[Value::Gid, Value::Const(NO_ID)] }],
        "to one's own user and group"),
    rule!(["fchownat"], only(&[Fattr]),
        [Check { arg: 2, width: Width::W32, mask: 0xffff_ffff, values: &[Value::Uid, Value::Const(NO_ID)] },
         Check { arg: 3, width: Width::W32, mask: 0xffff_ffff, values: &[Value::Gid, Value::Const(NO_ID)] }],
        "to one's own user and group"),
    rule!(["chown", "fchown", "lchown", "fchownat"], only(&[Fattr]), [], EPERM,
        "other owners need \"chown\" (EPERM, not a violation)"),
    rule!(["flock"], only(&[Flock]), [], "file locks"),
    rule!(["fcntl"], only(&[Flock]), [lo!(1, [5, 6, 7, 36, 37, 38])], "POSIX and OFD record locks"),
    // ---------------------------------------------------------------- sockets
    rule!(["socket"], only(&[Unix]), [lo!(0, [AF_UNIX]), masked!(1, SOCK_TYPE_MASK, [SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET]),
        lo!(2, [0])], "AF_UNIX sockets"),
    rule!(["socket"], Needs::Any(NET), [lo!(0, [AF_INET, AF_INET6]), masked!(1, SOCK_TYPE_MASK, [SOCK_STREAM, SOCK_DGRAM]),
        lo!(2, [0, IPPROTO_TCP, IPPROTO_UDP])], "TCP and UDP sockets (no raw sockets)"),
    rule!(["socket"], only(&[Netlink]), [lo!(0, [AF_NETLINK]), masked!(1, SOCK_TYPE_MASK, [SOCK_RAW, SOCK_DGRAM]),
        lo!(2, [NETLINK_ROUTE])], "NETLINK_ROUTE (getifaddrs, interfaces, addresses and routes)"),
    rule!(["socket"], only(&[Dns]), [lo!(0, [AF_NETLINK])], EACCES,
        "netlink is refused (as root it changes addresses and routes); glibc's getaddrinfo falls back"),
    rule!(["socket"], Needs::Any(&[Dns, Getpw]), [lo!(0, [AF_UNIX])], EACCES,
        "the nscd socket is refused so glibc falls back to files"),
    rule!(["connect", "bind", "sendto"], Needs::Any(SOCKETS), [], "addressing sockets"),
    rule!(["sendmsg", "sendmmsg"], Needs::Any(MESSAGES), [],
        "messages: seccomp cannot read their address or the descriptors they carry"),
    rule!(["listen", "accept", "accept4"], Needs::Any(&[Inet, Unix]), [], "servers"),
    rule!(["getsockopt", "setsockopt"], STDIO, [lo!(1, [SOL_SOCKET]), lo!(2, [4 /* SO_ERROR */, 8 /* SO_RCVBUF */])],
        "harmless socket options"),
    rule!(["getsockopt", "setsockopt"], STDIO, [lo!(1, [IPPROTO_TCP]), lo!(2, [1 /* TCP_NODELAY */])],
        "harmless socket options"),
    rule!(["getsockopt", "setsockopt"], STDIO, [lo!(1, [SOL_IP]), lo!(2, [1 /* IP_TOS */])], "harmless socket options"),
    rule!(["getsockopt", "setsockopt"], STDIO, [lo!(1, [SOL_IPV6]), lo!(2, [67 /* IPV6_TCLASS */])],
        "harmless socket options"),
    rule!(["getsockopt", "setsockopt"], Needs::Any(SOCKETS), [lo!(1, [SOL_SOCKET]), lo!(2, [2 /* REUSEADDR */,
        3 /* TYPE */, 6 /* BROADCAST */, 7 /* SNDBUF */, 9 /* KEEPALIVE */, 10 /* OOBINLINE */, 13 /* LINGER */, 15 /* REUSEPORT */,
        16 /* PASSCRED */, 17 /* PEERCRED */, 20, 21 /* RCV/SNDTIMEO_OLD */, 29 /* TIMESTAMP */, 30 /* ACCEPTCONN */,
        38 /* PROTOCOL */, 39 /* DOMAIN */, 66, 67 /* RCV/SNDTIMEO_NEW */])],
        "reviewed socket options"),
    rule!(["getsockopt", "setsockopt"], Needs::Any(NET), [lo!(1, [IPPROTO_TCP]), lo!(2, [2 /* MAXSEG */, 4, 5, 6 /* KEEP* */,
        11 /* INFO */, 12 /* QUICKACK */, 18 /* USER_TIMEOUT */, 23 /* FASTOPEN */, 25 /* NOTSENT_LOWAT */])],
        "reviewed TCP options"),
    rule!(["getsockopt", "setsockopt"], Needs::Any(NET), [lo!(1, [SOL_IP]), lo!(2, [2 /* TTL */, 8 /* PKTINFO */,
        10 /* MTU_DISCOVER */, 11 /* RECVERR */, 13 /* RECVTOS */])], "reviewed IP options"),
    rule!(["getsockopt", "setsockopt"], Needs::Any(NET), [lo!(1, [SOL_IPV6]), lo!(2, [16 /* UNICAST_HOPS */,
        23 /* MTU_DISCOVER */, 25 /* RECVERR */, 26 /* V6ONLY */, 49 /* RECVPKTINFO */])], "reviewed IPv6 options"),
    rule!(["getsockopt"], only(&[Inet]), [lo!(1, [SOL_IP]), lo!(2, [4 /* IP_OPTIONS */])], "reading IP options"),
    rule!(["getsockopt", "setsockopt"], only(&[Inet, Mcast]), [lo!(1, [SOL_IP]), lo!(2, [32, 33, 34, 35, 36])],
        "IP multicast"),
    rule!(["getsockopt", "setsockopt"], only(&[Inet, Mcast]), [lo!(1, [SOL_IPV6]), lo!(2, [17, 18, 19, 20, 21])],
        "IPv6 multicast"),
    rule!(["getsockopt", "setsockopt"], Needs::Any(SOCKETS), [], EPERM,
        "other socket options fail with EPERM (under stdio alone they are violations, as on OpenBSD)"),
    // ---------------------------------------------------------------- tty
    rule!(["ioctl"], only(&[Tty]), [lo!(1, [0x5401, 0x5402, 0x5403, 0x5404 /* TCGETS, TCSETS[WF] */,
        0x802c_542a, 0x402c_542b, 0x402c_542c, 0x402c_542d /* TCGETS2, TCSETS2[WF] */,
        0x5413, 0x5414 /* TIOC[GS]WINSZ */, 0x540F /* TIOCGPGRP */, 0x5429 /* TIOCGSID */,
        0x5409, 0x5425, 0x5427, 0x5428 /* breaks */, 0x540A /* TCXONC */, 0x540B /* TCFLSH */,
        0x540E /* TIOCSCTTY */, 0x540C, 0x540D /* TIOC[NE]XCL */, 0x5411 /* TIOCOUTQ */,
        0x8004_5430 /* TIOCGPTN */, 0x4004_5431 /* TIOCSPTLCK */, 0x5441 /* TIOCGPTPEER */,
        0x5415, 0x5416, 0x5417 /* TIOCMGET, TIOCMBIS, TIOCMBIC: modem lines, for cu(1)'s DTR */])],
        "terminal control (never TIOCSTI, TIOCLINUX, TIOCCONS or TIOCSETD)"),
    rule!(["ioctl"], only(&[Tty, Proc]), [lo!(1, [0x5410 /* TIOCSPGRP */])], "foreground process group"),
    // ---------------------------------------------------------------- processes
    rule!(["fork", "vfork"], only(&[Proc]), [], "new processes"),
    rule!(["clone"], only(&[Proc]), [masked!(0, CLONE_FORBIDDEN, [0])], "new processes (never namespaces)"),
    rule!(["kill", "tgkill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal",
        "setpgid", "setsid", "sched_setaffinity", "sched_setscheduler", "sched_setparam"],
        only(&[Proc]), [], "signals to and control of other processes"),
    rule!(["fcntl"], only(&[Proc]), [lo!(1, [4 /* F_SETFL */, 8 /* F_SETOWN */, 10 /* F_SETSIG */, 11 /* F_GETSIG */,
        15 /* F_SETOWN_EX */, 16 /* F_GETOWN_EX */])], "signal-driven I/O"),
    rule!(["setpriority", "prlimit64", "setrlimit"], Needs::Any(&[Proc, Id]), [], "priorities and resource limits"),
    rule!(["execve", "execveat"], only(&[Exec]), [], "executing programs"),
    rule!(["mmap", "mprotect", "pkey_mprotect"], only(&[ProtExec]), [], "executable memory"),
    rule!(["setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid"],
        only(&[Id]), [], "changing ids"),
    rule!(["settimeofday", "clock_settime", "adjtimex", "clock_adjtime"], only(&[Settime]), [], "setting the clock"),
    rule!(["landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"], Needs::Any(super::paths::PATH_PROMISES), [],
        "pledge() and unveil() add Landlock layers, which only ever restrict"),
    rule!(["readlinkat"], only(&[Unveil]), [],
        "unveil() reads a symbolic link it holds, to judge the file where the link leads"),
];

#[cfg(test)]
mod tests {
    use crate::Arch;

    #[test]
    fn every_name_exists_on_some_arch() {
        for name in crate::policy::syscall_names() {
            assert!(
                Arch::ALL.iter().any(|a| a.syscall_nr(name).is_some()),
                "unknown system call {name}"
            );
        }
    }

    #[test]
    fn escapes_are_in_no_rule() {
        for name in [
            "ptrace",
            "process_vm_readv",
            "process_vm_writev",
            "pidfd_getfd",
            "kcmp",
            "bpf",
            "perf_event_open",
            "userfaultfd",
            "keyctl",
            "add_key",
            "request_key",
            "unshare",
            "setns",
            "mount",
            "umount2",
            "pivot_root",
            "chroot",
            "fsopen",
            "fsconfig",
            "fsmount",
            "fspick",
            "move_mount",
            "open_tree",
            "mount_setattr",
            "shmat",
            "process_madvise",
            "init_module",
            "kexec_load",
        ] {
            assert!(
                crate::policy::rules_for(name).next().is_none(),
                "{name} must never be allowed"
            );
        }
    }
}

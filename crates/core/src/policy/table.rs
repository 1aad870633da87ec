//! The policy table: the single source of truth for what each promise allows.
//!
//! Read a rule as "these system calls are allowed (or answer an errno) when these promises are
//! held and these argument checks hold". Rules for one system call are tried top to bottom.
//! Constants are the Linux uapi values shared by x86_64, aarch64 and riscv64, each written
//! once with its C name, which the documentation, `--explain`, the exports and the violation
//! reports print.

use super::{Check, Named, Needs, Rule, Value, Verdict, Width};
use crate::abi;
use crate::promise::Promise::{self, *};

/// Declares each constant as a [`Named`] carrying its own identifier, and lists them all in
/// [`CONSTANTS`].
macro_rules! constants {
    ($($name:ident = $value:expr;)*) => {
        $(const $name: Named = Named { name: stringify!($name), value: $value };)*
        /// Every named constant the table uses, in declaration order. A test compares each
        /// with the C library's constant of that name.
        pub static CONSTANTS: &[Named] = &[$($name),*];
    };
}

// Linux uapi values. Several names share a value, and the argument says which applies:
// `F_GETFD` and `SOL_SOCKET` are both 1, a command of fcntl and a level of getsockopt.
constants! {
    // open(2) and friends
    O_ACCMODE = 0o3;
    O_WRONLY = 0o1;
    O_CREAT = 0o100;
    O_TRUNC = 0o1000;
    O_ASYNC = 0o20000;
    O_PATH = 0o10000000;
    // O_TMPFILE is this bit with O_DIRECTORY, whose value differs between arches.
    __O_TMPFILE = 0o20000000;
    AT_EMPTY_PATH = 0x1000;
    S_ISUID = 0o4000;
    S_ISGID = 0o2000;
    STDERR_FILENO = 2;
    // memory
    PROT_EXEC = 0x4;
    MFD_NOEXEC_SEAL = 0x8;
    MADV_NORMAL = 0;
    MADV_RANDOM = 1;
    MADV_SEQUENTIAL = 2;
    MADV_WILLNEED = 3;
    MADV_DONTNEED = 4;
    MADV_FREE = 8;
    MADV_REMOVE = 9;
    MADV_DONTFORK = 10;
    MADV_DOFORK = 11;
    MADV_HUGEPAGE = 14;
    MADV_NOHUGEPAGE = 15;
    MADV_DONTDUMP = 16;
    MADV_DODUMP = 17;
    MADV_WIPEONFORK = 18;
    MADV_KEEPONFORK = 19;
    MADV_COLD = 20;
    MADV_PAGEOUT = 21;
    MADV_POPULATE_READ = 22;
    MADV_POPULATE_WRITE = 23;
    MADV_DONTNEED_LOCKED = 24;
    MADV_GUARD_INSTALL = 102;
    MADV_GUARD_REMOVE = 103;
    // clone(2)
    CLONE_VM = 0x100;
    CLONE_SIGHAND = 0x800;
    CLONE_PTRACE = 0x2000;
    CLONE_THREAD = 0x10000;
    CLONE_NEWNS = 0x20000;
    CLONE_UNTRACED = 0x0080_0000;
    CLONE_NEWCGROUP = 0x0200_0000;
    CLONE_NEWUTS = 0x0400_0000;
    CLONE_NEWIPC = 0x0800_0000;
    CLONE_NEWUSER = 0x1000_0000;
    CLONE_NEWPID = 0x2000_0000;
    CLONE_NEWNET = 0x4000_0000;
    // seccomp(2), prctl(2), arch_prctl(2)
    SECCOMP_SET_MODE_FILTER = 1;
    SECCOMP_GET_ACTION_AVAIL = 2;
    SECCOMP_FILTER_FLAG_TSYNC = 0x1;
    SECCOMP_FILTER_FLAG_LOG = 0x2;
    SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 0x10;
    PR_GET_DUMPABLE = 3;
    PR_SET_NAME = 15;
    PR_GET_NAME = 16;
    PR_GET_SECCOMP = 21;
    PR_SET_NO_NEW_PRIVS = 38;
    PR_GET_NO_NEW_PRIVS = 39;
    PR_SET_MDWE = 65;
    PR_GET_MDWE = 66;
    PR_SET_VMA = 0x5356_4d41;
    ARCH_SET_GS = 0x1001;
    ARCH_SET_FS = 0x1002;
    ARCH_GET_FS = 0x1003;
    ARCH_GET_GS = 0x1004;
    ARCH_GET_CPUID = 0x1011;
    SIGSYS = 31;
    // fcntl(2)
    F_DUPFD = 0;
    F_GETFD = 1;
    F_SETFD = 2;
    F_GETFL = 3;
    F_SETFL = 4;
    F_GETLK = 5;
    F_SETLK = 6;
    F_SETLKW = 7;
    F_SETOWN = 8;
    F_GETOWN = 9;
    F_SETSIG = 10;
    F_GETSIG = 11;
    F_SETOWN_EX = 15;
    F_GETOWN_EX = 16;
    F_OFD_GETLK = 36;
    F_OFD_SETLK = 37;
    F_OFD_SETLKW = 38;
    F_DUPFD_CLOEXEC = 1030;
    F_GETPIPE_SZ = 1032;
    F_ADD_SEALS = 1033;
    F_GET_SEALS = 1034;
    // socket(2)
    AF_UNIX = 1;
    AF_INET = 2;
    AF_INET6 = 10;
    AF_NETLINK = 16;
    SOCK_STREAM = 1;
    SOCK_DGRAM = 2;
    SOCK_RAW = 3;
    SOCK_SEQPACKET = 5;
    SOCK_NONBLOCK = 0o4000;
    SOCK_CLOEXEC = 0o2000000;
    IPPROTO_TCP = 6;
    IPPROTO_UDP = 17;
    NETLINK_ROUTE = 0;
    // getsockopt(2) and setsockopt(2): levels, then each level's options
    SOL_IP = 0;
    SOL_SOCKET = 1;
    SOL_IPV6 = 41;
    SO_REUSEADDR = 2;
    SO_TYPE = 3;
    SO_ERROR = 4;
    SO_BROADCAST = 6;
    SO_SNDBUF = 7;
    SO_RCVBUF = 8;
    SO_KEEPALIVE = 9;
    SO_OOBINLINE = 10;
    SO_LINGER = 13;
    SO_REUSEPORT = 15;
    SO_PASSCRED = 16;
    SO_PEERCRED = 17;
    SO_RCVTIMEO_OLD = 20;
    SO_SNDTIMEO_OLD = 21;
    SO_TIMESTAMP_OLD = 29;
    SO_ACCEPTCONN = 30;
    SO_PROTOCOL = 38;
    SO_DOMAIN = 39;
    SO_RCVTIMEO_NEW = 66;
    SO_SNDTIMEO_NEW = 67;
    TCP_NODELAY = 1;
    TCP_MAXSEG = 2;
    TCP_KEEPIDLE = 4;
    TCP_KEEPINTVL = 5;
    TCP_KEEPCNT = 6;
    TCP_INFO = 11;
    TCP_QUICKACK = 12;
    TCP_USER_TIMEOUT = 18;
    TCP_FASTOPEN = 23;
    TCP_NOTSENT_LOWAT = 25;
    IP_TOS = 1;
    IP_TTL = 2;
    IP_OPTIONS = 4;
    IP_PKTINFO = 8;
    IP_MTU_DISCOVER = 10;
    IP_RECVERR = 11;
    IP_RECVTOS = 13;
    IP_MULTICAST_IF = 32;
    IP_MULTICAST_TTL = 33;
    IP_MULTICAST_LOOP = 34;
    IP_ADD_MEMBERSHIP = 35;
    IP_DROP_MEMBERSHIP = 36;
    IPV6_UNICAST_HOPS = 16;
    IPV6_MULTICAST_IF = 17;
    IPV6_MULTICAST_HOPS = 18;
    IPV6_MULTICAST_LOOP = 19;
    IPV6_ADD_MEMBERSHIP = 20;
    IPV6_DROP_MEMBERSHIP = 21;
    IPV6_MTU_DISCOVER = 23;
    IPV6_RECVERR = 25;
    IPV6_V6ONLY = 26;
    IPV6_RECVPKTINFO = 49;
    IPV6_TCLASS = 67;
    // ioctl(2) requests
    TCGETS = 0x5401;
    TCSETS = 0x5402;
    TCSETSW = 0x5403;
    TCSETSF = 0x5404;
    TCSBRK = 0x5409;
    TCXONC = 0x540A;
    TCFLSH = 0x540B;
    TIOCEXCL = 0x540C;
    TIOCNXCL = 0x540D;
    TIOCSCTTY = 0x540E;
    TIOCGPGRP = 0x540F;
    TIOCSPGRP = 0x5410;
    TIOCOUTQ = 0x5411;
    TIOCGWINSZ = 0x5413;
    TIOCSWINSZ = 0x5414;
    TIOCMGET = 0x5415;
    TIOCMBIS = 0x5416;
    TIOCMBIC = 0x5417;
    FIONREAD = 0x541B;
    FIONBIO = 0x5421;
    TCSBRKP = 0x5425;
    TIOCSBRK = 0x5427;
    TIOCCBRK = 0x5428;
    TIOCGSID = 0x5429;
    TIOCGPTPEER = 0x5441;
    FIONCLEX = 0x5450;
    FIOCLEX = 0x5451;
    TIOCGPTN = 0x8004_5430;
    TIOCSPTLCK = 0x4004_5431;
    TCGETS2 = 0x802c_542a;
    TCSETS2 = 0x402c_542b;
    TCSETSW2 = 0x402c_542c;
    TCSETSF2 = 0x402c_542d;
}

/// `(uid_t)-1`, "no change" to chown(2): C has no name for it.
const NO_ID: Named = Named {
    name: "-1",
    value: 0xffff_ffff,
};

// ---- shorthands ----
/// The name of `A|B|...` (one constant: its own name).
macro_rules! bits_name {
    ($first:ident $(| $rest:ident)*) => {
        concat!(stringify!($first) $(, "|", stringify!($rest))*)
    };
}
/// Named constants ORed (`A | B`), or the complement of that within 32 bits (`~(A | B)`), as
/// one [`Named`] whose name is written the way C writes it.
macro_rules! bits {
    (~($($n:ident)|+)) => {
        Named { name: concat!("~(", bits_name!($($n)|+), ")"), value: !(0 $(| $n.value)+) & 0xffff_ffff }
    };
    ($n:ident) => {
        $n
    };
    ($($n:ident)|+) => {
        Named { name: bits_name!($($n)|+), value: 0 $(| $n.value)+ }
    };
}
/// One value: a number with no name, a named constant (or several ORed), or the process's own
/// pid, uid or gid.
macro_rules! val {
    (Pid) => { Value::Pid };
    (Uid) => { Value::Uid };
    (Gid) => { Value::Gid };
    ($v:literal) => { Value::Const($v) };
    ($($n:ident)|+) => { Value::Named(bits!($($n)|+)) };
}
macro_rules! vals {
    ($($first:tt $(| $rest:ident)*),* $(,)?) => { &[$(val!($first $(| $rest)*)),*] };
}
/// The low 32 bits of `args[$arg]` are one of the values.
macro_rules! lo {
    ($arg:expr, [$($v:tt)*]) => {
        Check { arg: $arg, width: Width::W32, mask: 0xffff_ffff, mask_name: None, values: vals!($($v)*) }
    };
}
/// `(low 32 bits of args[$arg]) & mask` is one of the values; the mask is named constants
/// ORed, or the complement of such an OR.
macro_rules! masked {
    (@bits $arg:expr, $mask:expr, [$($v:tt)*]) => {
        Check { arg: $arg, width: Width::W32, mask: $mask.value, mask_name: Some($mask.name), values: vals!($($v)*) }
    };
    ($arg:expr, ~($($m:ident)|+), [$($v:tt)*]) => {
        masked!(@bits $arg, bits!(~($($m)|+)), [$($v)*])
    };
    ($arg:expr, $($m:ident)|+, [$($v:tt)*]) => {
        masked!(@bits $arg, bits!($($m)|+), [$($v)*])
    };
}
/// The full 64-bit `args[$arg]` is NULL.
macro_rules! null {
    ($arg:expr) => {
        Check {
            arg: $arg,
            width: Width::W64,
            mask: u64::MAX,
            mask_name: None,
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
    rule!(["seccomp"], ALWAYS, [lo!(0, [SECCOMP_SET_MODE_FILTER]),
        masked!(1, ~(SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_TSYNC_ESRCH), [0])],
        "pledge() may always narrow further (no user-notification listeners)"),
    rule!(["prctl"], ALWAYS, [lo!(0, [PR_SET_NO_NEW_PRIVS])],
        "pledge() sets no_new_privs"),
    rule!(["write"], Needs::Reporting(&[]), [lo!(0, [STDERR_FILENO])],
        "the violation report goes to stderr (never under \"\", whose violations kill quietly)"),
    rule!(["getpid", "gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid",
        "getpgrp"], ALWAYS, [],
        "ids of oneself: refused, their -1 would turn kill(getpid(), sig) into kill(-1, sig)"),
    rule!(["getpgid", "getsid"], ALWAYS, [lo!(0, [0, Pid])],
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
    // 5 to 7 are no advice (the kernel answers EINVAL): listing them makes 0 to 11 one range test.
    rule!(["madvise"], STDIO, [lo!(2, [MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL,
        MADV_WILLNEED, MADV_DONTNEED, 5, 6, 7, MADV_FREE, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_HUGEPAGE,
        MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT,
        MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_DONTNEED_LOCKED, MADV_GUARD_INSTALL, MADV_GUARD_REMOVE])],
        "memory advice (no KSM merging, no hwpoison)"),
    rule!(["futex", "futex_waitv", "futex_wake", "futex_wait", "futex_requeue", "set_robust_list", "get_robust_list",
        "set_tid_address", "rseq", "sched_yield", "sched_getaffinity", "sched_getscheduler", "sched_getparam",
        "sched_get_priority_max", "sched_get_priority_min", "getcpu"],
        STDIO, [], "threads and scheduling queries"),
    // clone() never takes namespaces, nor the flags that let a child escape its parent's view
    // (tracing).
    rule!(["clone"], STDIO, [masked!(0, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_PTRACE | CLONE_UNTRACED
        | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET,
        [CLONE_VM | CLONE_SIGHAND | CLONE_THREAD])],
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
    rule!(["prlimit64"], STDIO, [lo!(0, [0, Pid]), null!(2)], "reading one's own resource limits"),
    rule!(["rt_sigaction"], STDIO_REPORTING, [lo!(0, [SIGSYS]), null!(1)], "querying the SIGSYS handler"),
    rule!(["rt_sigaction"], STDIO_REPORTING, [lo!(0, [SIGSYS])], EPERM,
        "the SIGSYS handler belongs to pledge: violations must stay fatal"),
    rule!(["rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "rt_sigsuspend", "rt_sigpending",
        "rt_sigtimedwait", "signalfd", "signalfd4"],
        STDIO, [], "signal handling"),
    rule!(["kill"], STDIO, [lo!(0, [0, Pid])], "signals to oneself (raise, abort)"),
    rule!(["tgkill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"], STDIO, [lo!(0, [Pid])],
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
    rule!(["ioctl"], STDIO, [lo!(1, [FIONREAD, FIONBIO, FIOCLEX, FIONCLEX, TCGETS, TIOCGWINSZ])],
        "harmless queries: isatty, window size, bytes readable, non-blocking, close-on-exec"),
    rule!(["fcntl"], STDIO, [lo!(1, [F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_GETOWN, F_DUPFD_CLOEXEC, F_GETPIPE_SZ,
        F_ADD_SEALS, F_GET_SEALS])],
        "descriptor flags and seals"),
    rule!(["fcntl"], STDIO, [lo!(1, [F_SETFL]), masked!(2, O_ASYNC, [0])],
        "status flags without O_ASYNC (signals to an owner need \"proc\")"),
    rule!(["prctl"], STDIO, [lo!(0, [PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE, PR_GET_SECCOMP,
        PR_GET_NO_NEW_PRIVS, PR_SET_VMA, PR_SET_MDWE, PR_GET_MDWE])],
        "naming threads and mappings, and harmless queries"),
    rule!(["capset"], STDIO, [],
        "dropping capabilities, as pledge() does: capset never raises the permitted set (pledge leaves only what the promises need there)"),
    rule!(["arch_prctl"], STDIO, [lo!(0, [ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS, ARCH_GET_CPUID])],
        "thread pointer"),
    rule!(["seccomp"], STDIO, [lo!(0, [SECCOMP_GET_ACTION_AVAIL])], "asking which seccomp actions exist"),
    rule!(["personality"], STDIO, [lo!(0, [0xffff_ffff])], "querying the personality (never changing it)"),
    rule!(["memfd_create"], STDIO, [masked!(1, MFD_NOEXEC_SEAL, [MFD_NOEXEC_SEAL])],
        "anonymous files that can never be executed"),
    // ---------------------------------------------------------------- paths
    rule!(["open"], Needs::Any(READERS), [masked!(1, O_ACCMODE | O_CREAT | O_TRUNC | __O_TMPFILE, [0])],
        "open for reading"),
    rule!(["openat"], Needs::Any(READERS), [masked!(2, O_ACCMODE | O_CREAT | O_TRUNC | __O_TMPFILE, [0])],
        "open for reading"),
    rule!(["openat"], Needs::Any(&[Wpath, Cpath, Dpath, Exec, Unix, Unveil]),
        [masked!(2, O_ACCMODE | O_CREAT | O_TRUNC | __O_TMPFILE | O_PATH, [O_PATH])],
        "O_PATH opens, for metadata and directory handles (unveil() and pledge() use them)"),
    rule!(["open"], only(&[Wpath]), [masked!(1, O_ACCMODE | O_CREAT | __O_TMPFILE, [O_WRONLY])],
        "open existing files for writing"),
    rule!(["openat"], only(&[Wpath]), [masked!(2, O_ACCMODE | O_CREAT | __O_TMPFILE, [O_WRONLY])],
        "open existing files for writing"),
    rule!(["open"], only(&[Rpath, Wpath]), [masked!(1, O_CREAT | __O_TMPFILE, [0])],
        "open existing files for reading and writing"),
    rule!(["openat"], only(&[Rpath, Wpath]), [masked!(2, O_CREAT | __O_TMPFILE, [0])],
        "open existing files for reading and writing"),
    rule!(["open"], only(&[Tmppath]), [masked!(1, O_CREAT | __O_TMPFILE, [0])], "files under /tmp (Landlock keeps it there)"),
    rule!(["openat"], only(&[Tmppath]), [masked!(2, O_CREAT | __O_TMPFILE, [0])], "files under /tmp (Landlock keeps it there)"),
    // Every open that does not create is decided above (the mode is junk then: glibc passes 0,
    // Rust std 0o666, a raw call whatever the register holds); below, only creating opens are
    // allowed, so the mode alone is checked.
    rule!(["open"], Needs::Any(CREATORS), [masked!(2, S_ISUID | S_ISGID, [S_ISGID, S_ISUID, S_ISUID | S_ISGID])], EPERM,
        "creating with setuid/setgid bits is refused (EPERM, not a violation)"),
    rule!(["openat"], Needs::Any(CREATORS), [masked!(3, S_ISUID | S_ISGID, [S_ISGID, S_ISUID, S_ISUID | S_ISGID])], EPERM,
        "creating with setuid/setgid bits is refused (EPERM, not a violation)"),
    rule!(["creat"], Needs::Any(CREATORS), [masked!(1, S_ISUID | S_ISGID, [S_ISGID, S_ISUID, S_ISUID | S_ISGID])], EPERM,
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
    rule!(["mknod"], only(&[Dpath]), [masked!(1, S_ISUID | S_ISGID, [0])], "special files"),
    rule!(["mknodat"], only(&[Dpath]), [masked!(2, S_ISUID | S_ISGID, [0])], "special files"),
    rule!(["mknod", "mknodat"], only(&[Dpath]), [], EPERM, "setuid/setgid bits are refused (EPERM, not a violation)"),
    rule!(["chmod", "fchmod"], only(&[Fattr]), [masked!(1, S_ISUID | S_ISGID, [0])], "modes without setuid/setgid"),
    rule!(["fchmodat", "fchmodat2"], only(&[Fattr]), [masked!(2, S_ISUID | S_ISGID, [0])], "modes without setuid/setgid"),
    rule!(["chmod", "fchmod", "fchmodat", "fchmodat2"], only(&[Fattr]), [], EPERM,
        "setuid/setgid bits are refused (EPERM, not a violation)"),
    rule!(["utime", "utimes", "utimensat", "futimesat", "setxattr", "lsetxattr", "fsetxattr", "removexattr",
        "lremovexattr", "fremovexattr", "setxattrat", "removexattrat"],
        only(&[Fattr]), [], "times and extended attributes"),
    rule!(["chown", "fchown", "lchown", "fchownat"], only(&[Chown]), [], "owner and group"),
    rule!(["chown", "fchown", "lchown"], only(&[Fattr]), [lo!(1, [NO_ID]), lo!(2, [NO_ID])], "no change"),
    rule!(["chown", "fchown", "lchown"], only(&[Fattr]),
        [lo!(1, [Uid, NO_ID]), lo!(2, [Gid, NO_ID])],
        "to one's own user and group"),
    rule!(["fchownat"], only(&[Fattr]),
        [lo!(2, [Uid, NO_ID]), lo!(3, [Gid, NO_ID])],
        "to one's own user and group"),
    rule!(["chown", "fchown", "lchown", "fchownat"], only(&[Fattr]), [], EPERM,
        "other owners need \"chown\" (EPERM, not a violation)"),
    rule!(["flock"], only(&[Flock]), [], "file locks"),
    rule!(["fcntl"], only(&[Flock]), [lo!(1, [F_GETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW])], "POSIX and OFD record locks"),
    // ---------------------------------------------------------------- sockets
    rule!(["socket"], only(&[Unix]), [lo!(0, [AF_UNIX]), masked!(1, ~(SOCK_NONBLOCK | SOCK_CLOEXEC), [SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET]),
        lo!(2, [0])], "AF_UNIX sockets"),
    rule!(["socket"], Needs::Any(NET), [lo!(0, [AF_INET, AF_INET6]), masked!(1, ~(SOCK_NONBLOCK | SOCK_CLOEXEC), [SOCK_STREAM, SOCK_DGRAM]),
        lo!(2, [0, IPPROTO_TCP, IPPROTO_UDP])], "TCP and UDP sockets (no raw sockets)"),
    rule!(["socket"], only(&[Netlink]), [lo!(0, [AF_NETLINK]), masked!(1, ~(SOCK_NONBLOCK | SOCK_CLOEXEC), [SOCK_RAW, SOCK_DGRAM]),
        lo!(2, [NETLINK_ROUTE])], "NETLINK_ROUTE (getifaddrs, interfaces, addresses and routes)"),
    rule!(["socket"], only(&[Dns]), [lo!(0, [AF_NETLINK])], EACCES,
        "netlink is refused (as root it changes addresses and routes); glibc's getaddrinfo falls back"),
    rule!(["socket"], Needs::Any(&[Dns, Getpw]), [lo!(0, [AF_UNIX])], EACCES,
        "the nscd socket is refused so glibc falls back to files"),
    rule!(["socket"], only(&[Rpath]), [lo!(0, [AF_UNIX]), lo!(1, [SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC])],
        EACCES, "glibc's nscd socket is refused so user and group lookups fall back to the files rpath reads"),
    rule!(["connect", "bind", "sendto"], Needs::Any(SOCKETS), [], "addressing sockets"),
    rule!(["sendmsg", "sendmmsg"], Needs::Any(MESSAGES), [],
        "messages: seccomp cannot read their address or the descriptors they carry"),
    rule!(["listen", "accept", "accept4"], Needs::Any(&[Inet, Unix]), [], "servers"),
    rule!(["getsockopt", "setsockopt"], STDIO, [lo!(1, [SOL_SOCKET]), lo!(2, [SO_ERROR, SO_RCVBUF])],
        "harmless socket options"),
    rule!(["getsockopt", "setsockopt"], STDIO, [lo!(1, [IPPROTO_TCP]), lo!(2, [TCP_NODELAY])],
        "harmless socket options"),
    rule!(["getsockopt", "setsockopt"], STDIO, [lo!(1, [SOL_IP]), lo!(2, [IP_TOS])], "harmless socket options"),
    rule!(["getsockopt", "setsockopt"], STDIO, [lo!(1, [SOL_IPV6]), lo!(2, [IPV6_TCLASS])],
        "harmless socket options"),
    rule!(["getsockopt", "setsockopt"], Needs::Any(SOCKETS), [lo!(1, [SOL_SOCKET]), lo!(2, [SO_REUSEADDR, SO_TYPE,
        SO_BROADCAST, SO_SNDBUF, SO_KEEPALIVE, SO_OOBINLINE, SO_LINGER, SO_REUSEPORT, SO_PASSCRED, SO_PEERCRED,
        SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD, SO_TIMESTAMP_OLD, SO_ACCEPTCONN, SO_PROTOCOL, SO_DOMAIN, SO_RCVTIMEO_NEW,
        SO_SNDTIMEO_NEW])],
        "reviewed socket options"),
    rule!(["getsockopt", "setsockopt"], Needs::Any(NET), [lo!(1, [IPPROTO_TCP]), lo!(2, [TCP_MAXSEG, TCP_KEEPIDLE,
        TCP_KEEPINTVL, TCP_KEEPCNT, TCP_INFO, TCP_QUICKACK, TCP_USER_TIMEOUT, TCP_FASTOPEN, TCP_NOTSENT_LOWAT])],
        "reviewed TCP options"),
    rule!(["getsockopt", "setsockopt"], Needs::Any(NET), [lo!(1, [SOL_IP]), lo!(2, [IP_TTL, IP_PKTINFO,
        IP_MTU_DISCOVER, IP_RECVERR, IP_RECVTOS])], "reviewed IP options"),
    rule!(["getsockopt", "setsockopt"], Needs::Any(NET), [lo!(1, [SOL_IPV6]), lo!(2, [IPV6_UNICAST_HOPS,
        IPV6_MTU_DISCOVER, IPV6_RECVERR, IPV6_V6ONLY, IPV6_RECVPKTINFO])], "reviewed IPv6 options"),
    rule!(["getsockopt"], only(&[Inet]), [lo!(1, [SOL_IP]), lo!(2, [IP_OPTIONS])], "reading IP options"),
    rule!(["getsockopt", "setsockopt"], only(&[Inet, Mcast]), [lo!(1, [SOL_IP]), lo!(2, [IP_MULTICAST_IF, IP_MULTICAST_TTL,
        IP_MULTICAST_LOOP, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP])],
        "IP multicast"),
    rule!(["getsockopt", "setsockopt"], only(&[Inet, Mcast]), [lo!(1, [SOL_IPV6]), lo!(2, [IPV6_MULTICAST_IF,
        IPV6_MULTICAST_HOPS, IPV6_MULTICAST_LOOP, IPV6_ADD_MEMBERSHIP, IPV6_DROP_MEMBERSHIP])],
        "IPv6 multicast"),
    rule!(["getsockopt", "setsockopt"], Needs::Any(SOCKETS), [], EPERM,
        "other socket options fail with EPERM (under stdio alone they are violations, as on OpenBSD)"),
    // ---------------------------------------------------------------- tty
    rule!(["ioctl"], only(&[Tty]), [lo!(1, [TCGETS, TCSETS, TCSETSW, TCSETSF, TCGETS2, TCSETS2, TCSETSW2,
        TCSETSF2, TIOCGWINSZ, TIOCSWINSZ, TIOCGPGRP, TIOCGSID, TCSBRK, TCSBRKP, TIOCSBRK, TIOCCBRK, TCXONC, TCFLSH,
        TIOCSCTTY, TIOCEXCL, TIOCNXCL, TIOCOUTQ, TIOCGPTN, TIOCSPTLCK, TIOCGPTPEER,
        TIOCMGET, TIOCMBIS, TIOCMBIC /* modem lines, for cu(1)'s DTR */])],
        "terminal control (never TIOCSTI, TIOCLINUX, TIOCCONS or TIOCSETD)"),
    rule!(["ioctl"], only(&[Tty, Proc]), [lo!(1, [TIOCSPGRP])], "foreground process group"),
    // ---------------------------------------------------------------- processes
    rule!(["fork", "vfork"], only(&[Proc]), [], "new processes"),
    rule!(["clone"], only(&[Proc]), [masked!(0, CLONE_PTRACE | CLONE_UNTRACED | CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS
        | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET, [0])], "new processes (never namespaces)"),
    rule!(["kill", "tgkill", "tkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open", "pidfd_send_signal",
        "setpgid", "setsid", "sched_setaffinity", "sched_setscheduler", "sched_setparam"],
        only(&[Proc]), [], "signals to and control of other processes"),
    rule!(["fcntl"], only(&[Proc]), [lo!(1, [F_SETFL, F_SETOWN, F_SETSIG, F_GETSIG, F_SETOWN_EX,
        F_GETOWN_EX])], "signal-driven I/O"),
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

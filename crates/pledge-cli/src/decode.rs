//! Writing a stopped system call the way a person reads it: `openat("/etc/shadow", O_RDONLY)`,
//! `socket(AF_INET, SOCK_STREAM, 0)`. Paths and socket addresses are read from the process;
//! what cannot be read is shown as a number.

use std::fmt::Write as _;

use scopes::policy::describe::argument_name;
use scopes::policy::Context;

/// How to show one argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arg {
    /// A descriptor.
    Fd,
    /// A directory descriptor; left out when it is AT_FDCWD (the path says it all).
    DirFd,
    /// A path string.
    Path,
    /// open() flags.
    OpenFlags,
    /// A file mode, in octal.
    Mode,
    /// AT_* flags.
    AtFlags,
    /// access() mode.
    AccessMode,
    /// An address family.
    Family,
    /// A socket type.
    SockType,
    /// A socket address, read with the length in the next argument.
    SockAddr,
    /// mmap/mprotect protection.
    Prot,
    /// A signal number.
    Signal,
    /// mmap() flags.
    MapFlags,
    /// An fcntl() command.
    FcntlCmd,
    /// A signed number.
    Int,
    /// A number in hex (pointers, requests, masks).
    Hex,
}

use Arg::*;

/// The arguments shown for each system call the decoder knows; others get their first three
/// registers in hex.
fn signature(name: &str) -> Option<&'static [Arg]> {
    Some(match name {
        "open" => &[Path, OpenFlags, Mode],
        "openat" => &[DirFd, Path, OpenFlags, Mode],
        "openat2" => &[DirFd, Path, Hex],
        "creat" => &[Path, Mode],
        "stat" | "lstat" | "readlink" | "chdir" | "rmdir" | "unlink" | "chroot" | "statfs"
        | "truncate" | "getxattr" | "lgetxattr" | "listxattr" | "llistxattr" | "acct"
        | "swapon" | "swapoff" => &[Path],
        "newfstatat" => &[DirFd, Path, Hex, AtFlags],
        "statx" => &[DirFd, Path, AtFlags, Hex],
        "access" => &[Path, AccessMode],
        "faccessat" => &[DirFd, Path, AccessMode],
        "faccessat2" => &[DirFd, Path, AccessMode, AtFlags],
        "readlinkat" => &[DirFd, Path],
        "mkdir" | "chmod" => &[Path, Mode],
        "mkdirat" | "fchmodat" => &[DirFd, Path, Mode],
        "mknod" => &[Path, Mode, Hex],
        "mknodat" => &[DirFd, Path, Mode, Hex],
        "unlinkat" => &[DirFd, Path, AtFlags],
        "chown" | "lchown" => &[Path, Int, Int],
        "fchownat" => &[DirFd, Path, Int, Int, AtFlags],
        "rename" | "link" | "symlink" => &[Path, Path],
        "renameat" => &[DirFd, Path, DirFd, Path],
        "renameat2" => &[DirFd, Path, DirFd, Path, Hex],
        "linkat" => &[DirFd, Path, DirFd, Path, AtFlags],
        "symlinkat" => &[Path, DirFd, Path],
        "utimensat" => &[DirFd, Path, Hex, AtFlags],
        "execve" => &[Path],
        "execveat" => &[DirFd, Path],
        "socket" | "socketpair" => &[Family, SockType, Int],
        "connect" | "bind" => &[Fd, SockAddr],
        "sendto" => &[Fd, Hex, Int, Hex, SockAddr],
        "listen" => &[Fd, Int],
        "accept" | "accept4" | "getsockopt" | "setsockopt" | "shutdown" => &[Fd, Int, Int],
        "mmap" => &[Hex, Int, Prot, MapFlags, Fd, Hex],
        "mprotect" | "pkey_mprotect" => &[Hex, Int, Prot],
        "kill" => &[Int, Signal],
        "tkill" => &[Int, Signal],
        "tgkill" => &[Int, Int, Signal],
        "ioctl" => &[Fd, Hex, Hex],
        "fcntl" => &[Fd, FcntlCmd, Hex],
        "prctl" => &[Int, Hex, Hex],
        "clone" => &[Hex],
        "fork" | "vfork" => &[],
        "ptrace" => &[Int, Int, Hex],
        "setuid" | "setgid" => &[Int],
        "read" | "write" | "pread64" | "pwrite64" => &[Fd, Hex, Int],
        "close" | "dup" | "fsync" | "fstat" | "fchdir" => &[Fd],
        _ => return None,
    })
}

/// The positions of the path arguments of `name` (none for calls the decoder does not know).
pub fn path_args(name: &str) -> Vec<usize> {
    signature(name)
        .map(|sig| {
            sig.iter()
                .enumerate()
                .filter(|(_, a)| **a == Path)
                .map(|(i, _)| i)
                .collect()
        })
        .unwrap_or_default()
}

/// Renders a call, reading strings through `read` (address → bytes, `None` if unreadable).
/// `read_sockaddr` reads `len` bytes at an address. Numbers the promise table names for this
/// call (`TCGETS`, `PR_SET_NAME`, `SOL_SOCKET`) are shown by name; `ctx` holds the program's
/// ids, which some of the table's rules compare with.
pub fn describe(
    ctx: &Context,
    name: &str,
    args: &[u64; 6],
    read: &dyn Fn(u64) -> Option<Vec<u8>>,
    read_bytes: &dyn Fn(u64, usize) -> Option<Vec<u8>>,
) -> String {
    let named = |i: usize| argument_name(ctx, name, args, i);
    let hex = |i: usize| named(i).map_or_else(|| format!("{:#x}", args[i]), str::to_string);
    let Some(sig) = signature(name) else {
        return format!("{name}({}, {}, {}, ...)", hex(0), hex(1), hex(2));
    };
    let mut parts: Vec<String> = Vec::new();
    let open_flags = sig
        .iter()
        .position(|a| *a == OpenFlags)
        .map(|i| args[i] as u32 as i32);
    for (i, kind) in sig.iter().enumerate() {
        let v = args[i];
        let text = match kind {
            DirFd if v as i32 == libc::AT_FDCWD => continue,
            // The mode of open() only means something when a file may be created.
            Mode if open_flags.is_some_and(|f| f & (libc::O_CREAT | libc::O_TMPFILE) == 0) => {
                continue
            }
            Fd | DirFd => (v as i32).to_string(),
            Int => named(i).map_or_else(|| (v as i32).to_string(), str::to_string),
            Path => match read(v) {
                Some(bytes) => quote(&bytes),
                None if v == 0 => "NULL".into(),
                None => format!("{v:#x}"),
            },
            OpenFlags => open_flags_text(v as u32 as i32),
            Mode => format!("0{:o}", v as u32),
            AtFlags => at_flags_text(v as u32 as i32),
            AccessMode => access_text(v as u32 as i32),
            Family => family_name(v as u32 as i32),
            SockType => sock_type_text(v as u32 as i32),
            SockAddr => {
                let len = args.get(i + 1).copied().unwrap_or(0).min(128) as usize;
                match read_bytes(v, len) {
                    Some(bytes) => sockaddr_text(&bytes),
                    None if v == 0 => "NULL".into(),
                    None => format!("{v:#x}"),
                }
            }
            Prot => prot_text(v as u32 as i32),
            Signal => signal_name(v as u32 as i32),
            MapFlags => map_flags_text(v as u32 as i32),
            FcntlCmd => fcntl_cmd_text(v as u32 as i32),
            Hex => hex(i),
        };
        parts.push(text);
    }
    format!("{name}({})", parts.join(", "))
}

/// mmap() flags: `MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE`, unknown bits in hex.
fn map_flags_text(flags: i32) -> String {
    const NAMES: &[(i32, &str)] = &[
        (0x01, "MAP_SHARED"),
        (0x02, "MAP_PRIVATE"),
        (0x03, "MAP_SHARED_VALIDATE"),
    ];
    const BITS: &[(i32, &str)] = &[
        (0x10, "MAP_FIXED"),
        (0x20, "MAP_ANONYMOUS"),
        (0x100, "MAP_GROWSDOWN"),
        (0x800, "MAP_DENYWRITE"),
        (0x1000, "MAP_EXECUTABLE"),
        (0x2000, "MAP_LOCKED"),
        (0x4000, "MAP_NORESERVE"),
        (0x8000, "MAP_POPULATE"),
        (0x10000, "MAP_NONBLOCK"),
        (0x20000, "MAP_STACK"),
        (0x40000, "MAP_HUGETLB"),
        (0x80000, "MAP_SYNC"),
        (0x100000, "MAP_FIXED_NOREPLACE"),
    ];
    let mut parts: Vec<String> = Vec::new();
    let kind = flags & 0x0f;
    match NAMES.iter().find(|(v, _)| *v == kind) {
        Some((_, n)) => parts.push((*n).to_string()),
        None if kind != 0 => parts.push(format!("{kind:#x}")),
        None => {}
    }
    let mut rest = flags & !0x0f;
    for (bit, n) in BITS {
        if rest & bit != 0 {
            parts.push((*n).to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    if parts.is_empty() {
        "0".into()
    } else {
        parts.join("|")
    }
}

/// An fcntl() command by name (`F_SETFL`), or its number.
fn fcntl_cmd_text(cmd: i32) -> String {
    let name = match cmd {
        0 => "F_DUPFD",
        1 => "F_GETFD",
        2 => "F_SETFD",
        3 => "F_GETFL",
        4 => "F_SETFL",
        5 => "F_GETLK",
        6 => "F_SETLK",
        7 => "F_SETLKW",
        8 => "F_SETOWN",
        9 => "F_GETOWN",
        10 => "F_SETSIG",
        11 => "F_GETSIG",
        15 => "F_SETOWN_EX",
        16 => "F_GETOWN_EX",
        36 => "F_OFD_GETLK",
        37 => "F_OFD_SETLK",
        38 => "F_OFD_SETLKW",
        1024 => "F_SETLEASE",
        1025 => "F_GETLEASE",
        1026 => "F_NOTIFY",
        1030 => "F_DUPFD_CLOEXEC",
        1031 => "F_SETPIPE_SZ",
        1032 => "F_GETPIPE_SZ",
        1033 => "F_ADD_SEALS",
        1034 => "F_GET_SEALS",
        _ => return cmd.to_string(),
    };
    name.to_string()
}

/// A byte string in double quotes, escaped as [`escape`] does (and `"` as `\"`).
fn quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    escape_into(&mut out, bytes, true);
    out.push('"');
    out
}

/// Program-controlled bytes (a process name, a path) made safe to print in a report line: a
/// terminal can do nothing with the result but show it, and it stays one line. Control
/// characters become `\n`, `\r`, `\t` or `\xNN` (C1 controls `\u{NN}`), bytes that are not
/// UTF-8 `\xNN`, the invisible characters that reorder or hide text (bidirectional overrides,
/// zero-width characters, line and paragraph separators) `\u{NNNN}`, and `\` itself `\\`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    escape_into(&mut out, bytes, false);
    out
}

fn escape_into(out: &mut String, bytes: &[u8], in_quotes: bool) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' if in_quotes => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_ascii_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c if c.is_control() || hides_text(c) => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
}

/// Whether `bytes` hold anything a terminal would act on rather than show: a control character
/// other than line feed and tab, a byte that is not UTF-8, or a character of [`hides_text`].
pub fn acts_on_terminal(bytes: &[u8]) -> bool {
    bytes.utf8_chunks().any(|chunk| {
        !chunk.invalid().is_empty()
            || chunk
                .valid()
                .chars()
                .any(|c| (c.is_control() && c != '\n' && c != '\t') || hides_text(c))
    })
}

/// Characters that change how the text around them is shown without showing themselves.
fn hides_text(c: char) -> bool {
    matches!(c as u32,
        0x00ad | 0x061c | 0x180e | 0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2064
        | 0x2066..=0x206f | 0xfeff | 0xfff9..=0xfffb)
}

fn flags_text(value: i32, names: &[(i32, &str)]) -> Vec<String> {
    let mut rest = value;
    let mut out = Vec::new();
    for (bit, name) in names {
        if *bit != 0 && rest & bit == *bit {
            out.push((*name).to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        out.push(format!("{rest:#x}"));
    }
    out
}

fn open_flags_text(f: i32) -> String {
    let mode = match f & libc::O_ACCMODE {
        libc::O_RDONLY => "O_RDONLY",
        libc::O_WRONLY => "O_WRONLY",
        libc::O_RDWR => "O_RDWR",
        _ => "O_ACCMODE",
    };
    let mut parts = vec![mode.to_string()];
    // O_TMPFILE includes O_DIRECTORY: name it first so the bits are not named twice.
    parts.extend(flags_text(
        f & !libc::O_ACCMODE,
        &[
            (libc::O_TMPFILE, "O_TMPFILE"),
            (libc::O_CREAT, "O_CREAT"),
            (libc::O_EXCL, "O_EXCL"),
            (libc::O_NOCTTY, "O_NOCTTY"),
            (libc::O_TRUNC, "O_TRUNC"),
            (libc::O_APPEND, "O_APPEND"),
            (libc::O_NONBLOCK, "O_NONBLOCK"),
            (libc::O_SYNC, "O_SYNC"),
            (libc::O_DSYNC, "O_DSYNC"),
            (libc::O_DIRECT, "O_DIRECT"),
            (libc::O_LARGEFILE, "O_LARGEFILE"),
            (libc::O_DIRECTORY, "O_DIRECTORY"),
            (libc::O_NOFOLLOW, "O_NOFOLLOW"),
            (libc::O_NOATIME, "O_NOATIME"),
            (libc::O_CLOEXEC, "O_CLOEXEC"),
            (libc::O_PATH, "O_PATH"),
            (libc::O_ASYNC, "O_ASYNC"),
        ],
    ));
    parts.join("|")
}

fn at_flags_text(f: i32) -> String {
    if f == 0 {
        return "0".into();
    }
    flags_text(
        f,
        &[
            (libc::AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"),
            (libc::AT_REMOVEDIR, "AT_REMOVEDIR"),
            (libc::AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"),
            (libc::AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"),
            (libc::AT_EMPTY_PATH, "AT_EMPTY_PATH"),
            (libc::AT_EACCESS, "AT_EACCESS"),
        ],
    )
    .join("|")
}

fn access_text(m: i32) -> String {
    if m == libc::F_OK {
        return "F_OK".into();
    }
    flags_text(
        m,
        &[
            (libc::R_OK, "R_OK"),
            (libc::W_OK, "W_OK"),
            (libc::X_OK, "X_OK"),
        ],
    )
    .join("|")
}

fn prot_text(p: i32) -> String {
    if p == 0 {
        return "PROT_NONE".into();
    }
    flags_text(
        p,
        &[
            (libc::PROT_READ, "PROT_READ"),
            (libc::PROT_WRITE, "PROT_WRITE"),
            (libc::PROT_EXEC, "PROT_EXEC"),
        ],
    )
    .join("|")
}

/// Names an address family (its number when the name is not known).
pub fn family_name(f: i32) -> String {
    scopes::policy::describe::family_name(f).map_or_else(|| f.to_string(), String::from)
}

fn sock_type_text(t: i32) -> String {
    let base = match t & 0xf {
        libc::SOCK_STREAM => "SOCK_STREAM".to_string(),
        libc::SOCK_DGRAM => "SOCK_DGRAM".to_string(),
        libc::SOCK_RAW => "SOCK_RAW".to_string(),
        libc::SOCK_SEQPACKET => "SOCK_SEQPACKET".to_string(),
        other => other.to_string(),
    };
    let mut parts = vec![base];
    parts.extend(flags_text(
        t & !0xf,
        &[
            (libc::SOCK_NONBLOCK, "SOCK_NONBLOCK"),
            (libc::SOCK_CLOEXEC, "SOCK_CLOEXEC"),
        ],
    ));
    parts.join("|")
}

fn sockaddr_text(b: &[u8]) -> String {
    if b.len() < 2 {
        return "{?}".into();
    }
    let family = u16::from_ne_bytes([b[0], b[1]]) as i32;
    match family {
        libc::AF_INET if b.len() >= 8 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            format!("{{AF_INET, {}.{}.{}.{}:{port}}}", b[4], b[5], b[6], b[7])
        }
        libc::AF_INET6 if b.len() >= 24 => {
            let port = u16::from_be_bytes([b[2], b[3]]);
            let ip: [u8; 16] = b[8..24].try_into().unwrap();
            format!("{{AF_INET6, [{}]:{port}}}", std::net::Ipv6Addr::from(ip))
        }
        libc::AF_UNIX => {
            let path = &b[2..];
            if path.first() == Some(&0) {
                let name = &path[1..];
                format!(
                    "{{AF_UNIX, @{}}}",
                    quote(name.split(|c| *c == 0).next().unwrap_or(&[])).trim_matches('"')
                )
            } else {
                format!(
                    "{{AF_UNIX, {}}}",
                    quote(path.split(|c| *c == 0).next().unwrap_or(&[]))
                )
            }
        }
        f => format!("{{{}}}", family_name(f)),
    }
}

/// Names a signal.
pub fn signal_name(s: i32) -> String {
    let name = match s {
        0 => "0",
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGUSR1 => "SIGUSR1",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGUSR2 => "SIGUSR2",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGALRM => "SIGALRM",
        libc::SIGTERM => "SIGTERM",
        libc::SIGCHLD => "SIGCHLD",
        libc::SIGCONT => "SIGCONT",
        libc::SIGSTOP => "SIGSTOP",
        libc::SIGTSTP => "SIGTSTP",
        libc::SIGXCPU => "SIGXCPU",
        libc::SIGXFSZ => "SIGXFSZ",
        libc::SIGSYS => "SIGSYS",
        _ => return s.to_string(),
    };
    name.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(name: &str, args: [u64; 6]) -> String {
        let read = |addr: u64| match addr {
            0x1000 => Some(b"/etc/shadow".to_vec()),
            0x2000 => Some(b"we\"ird\n\xff".to_vec()),
            _ => None,
        };
        let read_bytes = |addr: u64, len: usize| match addr {
            0x3000 => {
                Some([2u8, 0, 0, 80, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0][..len.min(16)].to_vec())
            }
            _ => None,
        };
        let ctx = Context {
            pid: 7,
            uid: 1000,
            gid: 1000,
        };
        describe(&ctx, name, &args, &read, &read_bytes)
    }

    #[test]
    fn calls_read_like_strace() {
        let at_fdcwd = libc::AT_FDCWD as u32 as u64;
        assert_eq!(
            show("openat", [at_fdcwd, 0x1000, 0, 0, 0, 0]),
            "openat(\"/etc/shadow\", O_RDONLY)"
        );
        assert_eq!(
            show(
                "openat",
                [
                    3,
                    0x2000,
                    (libc::O_WRONLY | libc::O_CREAT | libc::O_CLOEXEC) as u64,
                    0o644,
                    0,
                    0
                ]
            ),
            "openat(3, \"we\\\"ird\\n\\xff\", O_WRONLY|O_CREAT|O_CLOEXEC, 0644)"
        );
        assert_eq!(
            show("socket", [2, 1 | 0x80000, 0, 0, 0, 0]),
            "socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0)"
        );
        assert_eq!(
            show("connect", [4, 0x3000, 16, 0, 0, 0]),
            "connect(4, {AF_INET, 10.0.0.1:80})"
        );
        assert_eq!(
            show("mprotect", [0x7000, 4096, 5, 0, 0, 0]),
            "mprotect(0x7000, 4096, PROT_READ|PROT_EXEC)"
        );
        assert_eq!(show("kill", [1, 9, 0, 0, 0, 0]), "kill(1, SIGKILL)");
        assert_eq!(show("execve", [0x9999, 0, 0, 0, 0, 0]), "execve(0x9999)");
        assert_eq!(
            show("unshare", [0x2000_0000, 0, 0, 0, 0, 0]),
            "unshare(0x20000000, 0x0, 0x0, ...)"
        );
        assert_eq!(show("fork", [0; 6]), "fork()");
        assert_eq!(
            show("mmap", [0x7000, 4096, 5, 0x812, 3, 0x26000]),
            "mmap(0x7000, 4096, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000)"
        );
        assert_eq!(
            show("mmap", [0, 4096, 3, 0x40_0022, 0xffff_ffff, 0]),
            "mmap(0x0, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|0x400000, -1, 0x0)"
        );
        assert_eq!(
            show("fcntl", [3, 6, 0x1000, 0, 0, 0]),
            "fcntl(3, F_SETLK, 0x1000)"
        );
        assert_eq!(show("fcntl", [3, 999, 0, 0, 0, 0]), "fcntl(3, 999, 0x0)");
    }

    /// Requests, options and levels the promise table names are shown by name; numbers it
    /// does not name stay numbers.
    #[test]
    fn numbers_the_table_names_are_shown_by_name() {
        assert_eq!(
            show("ioctl", [1, 0x5401, 0x1000, 0, 0, 0]),
            "ioctl(1, TCGETS, 0x1000)"
        );
        assert_eq!(
            show("ioctl", [1, 0x1234, 0, 0, 0, 0]),
            "ioctl(1, 0x1234, 0x0)"
        );
        assert_eq!(
            show("prctl", [15, 0x1000, 0, 0, 0, 0]),
            "prctl(PR_SET_NAME, 0x1000, 0x0)"
        );
        assert_eq!(
            show("setsockopt", [3, 1, 2, 0, 0, 0]),
            "setsockopt(3, SOL_SOCKET, SO_REUSEADDR)"
        );
        // A call the decoder has no signature for still names what the table knows.
        assert_eq!(
            show("madvise", [0, 4096, 4, 0, 0, 0]),
            "madvise(0x0, 0x1000, MADV_DONTNEED, ...)"
        );
    }

    #[test]
    fn escaping_leaves_nothing_a_terminal_acts_on() {
        assert_eq!(escape(b"plain name-1.2"), "plain name-1.2");
        assert_eq!(
            escape(b"ok\n\x1b[2K\rpledge:\t\x7f\\"),
            "ok\\n\\x1b[2K\\rpledge:\\t\\x7f\\\\"
        );
        // A raw byte that is not UTF-8 (an 8-bit CSI), the same as a C1 character, and a
        // right-to-left override.
        assert_eq!(escape(b"\x9b31m"), "\\x9b31m");
        assert_eq!(escape("\u{9b}31m".as_bytes()), "\\u{9b}31m");
        assert_eq!(
            escape("a\u{202e}b\u{2028}c".as_bytes()),
            "a\\u{202e}b\\u{2028}c"
        );
        assert_eq!(escape("été".as_bytes()), "été");
        assert_eq!(quote(b"say \"hi\""), "\"say \\\"hi\\\"\"");
    }
}

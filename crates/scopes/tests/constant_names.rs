//! The policy table writes each constant once, with its C name: every name the C library
//! knows has the C library's value on this arch.

use scopes::policy::table::CONSTANTS;
use scopes::policy::{describe::argument_name, Context};

/// The C library's value of each name it defines (low 32 bits: the table compares 32-bit
/// arguments, and the library types some of these as signed).
macro_rules! libc_values {
    ($($name:ident),* $(,)?) => {
        &[$((stringify!($name), libc::$name as u64 & 0xffff_ffff)),*]
    };
}

/// Names the `libc` crate does not define, in table order: the kernel header that does, and
/// the value of the C library's name for the same number where it has one.
fn not_in_libc() -> Vec<(&'static str, &'static str, Option<u64>)> {
    let same = |v: u64| Some(v & 0xffff_ffff);
    vec![
        (
            "__O_TMPFILE",
            "asm-generic/fcntl.h (O_TMPFILE is it with O_DIRECTORY)",
            same((libc::O_TMPFILE & !libc::O_DIRECTORY) as u64),
        ),
        (
            "MADV_GUARD_INSTALL",
            "asm-generic/mman-common.h (Linux 6.13)",
            None,
        ),
        (
            "MADV_GUARD_REMOVE",
            "asm-generic/mman-common.h (Linux 6.13)",
            None,
        ),
        ("ARCH_SET_GS", "asm/prctl.h (x86)", None),
        ("ARCH_SET_FS", "asm/prctl.h (x86)", None),
        ("ARCH_GET_FS", "asm/prctl.h (x86)", None),
        ("ARCH_GET_GS", "asm/prctl.h (x86)", None),
        ("ARCH_GET_CPUID", "asm/prctl.h (x86)", None),
        ("F_SETSIG", "asm-generic/fcntl.h", None),
        ("F_GETSIG", "asm-generic/fcntl.h", None),
        ("F_SETOWN_EX", "asm-generic/fcntl.h", None),
        ("F_GETOWN_EX", "asm-generic/fcntl.h", None),
        (
            "SO_RCVTIMEO_OLD",
            "asm-generic/socket.h (SO_RCVTIMEO on 64-bit arches)",
            same(libc::SO_RCVTIMEO as u64),
        ),
        (
            "SO_SNDTIMEO_OLD",
            "asm-generic/socket.h (SO_SNDTIMEO on 64-bit arches)",
            same(libc::SO_SNDTIMEO as u64),
        ),
        (
            "SO_TIMESTAMP_OLD",
            "asm-generic/socket.h (SO_TIMESTAMP on 64-bit arches)",
            same(libc::SO_TIMESTAMP as u64),
        ),
    ]
}

#[test]
fn every_named_constant_has_the_c_librarys_value() {
    let libc: &[(&str, u64)] = libc_values![
        O_ACCMODE,
        O_WRONLY,
        O_CREAT,
        O_TRUNC,
        O_ASYNC,
        O_PATH,
        AT_EMPTY_PATH,
        S_ISUID,
        S_ISGID,
        STDERR_FILENO,
        PROT_EXEC,
        MFD_NOEXEC_SEAL,
        MADV_NORMAL,
        MADV_RANDOM,
        MADV_SEQUENTIAL,
        MADV_WILLNEED,
        MADV_DONTNEED,
        MADV_FREE,
        MADV_REMOVE,
        MADV_DONTFORK,
        MADV_DOFORK,
        MADV_HUGEPAGE,
        MADV_NOHUGEPAGE,
        MADV_DONTDUMP,
        MADV_DODUMP,
        MADV_WIPEONFORK,
        MADV_KEEPONFORK,
        MADV_COLD,
        MADV_PAGEOUT,
        MADV_POPULATE_READ,
        MADV_POPULATE_WRITE,
        MADV_DONTNEED_LOCKED,
        CLONE_VM,
        CLONE_SIGHAND,
        CLONE_PTRACE,
        CLONE_THREAD,
        CLONE_NEWNS,
        CLONE_UNTRACED,
        CLONE_NEWCGROUP,
        CLONE_NEWUTS,
        CLONE_NEWIPC,
        CLONE_NEWUSER,
        CLONE_NEWPID,
        CLONE_NEWNET,
        SECCOMP_SET_MODE_FILTER,
        SECCOMP_GET_ACTION_AVAIL,
        SECCOMP_FILTER_FLAG_TSYNC,
        SECCOMP_FILTER_FLAG_LOG,
        SECCOMP_FILTER_FLAG_TSYNC_ESRCH,
        PR_GET_DUMPABLE,
        PR_SET_NAME,
        PR_GET_NAME,
        PR_GET_SECCOMP,
        PR_SET_NO_NEW_PRIVS,
        PR_GET_NO_NEW_PRIVS,
        PR_SET_MDWE,
        PR_GET_MDWE,
        PR_SET_VMA,
        SIGSYS,
        F_DUPFD,
        F_GETFD,
        F_SETFD,
        F_GETFL,
        F_SETFL,
        F_GETLK,
        F_SETLK,
        F_SETLKW,
        F_SETOWN,
        F_GETOWN,
        F_OFD_GETLK,
        F_OFD_SETLK,
        F_OFD_SETLKW,
        F_DUPFD_CLOEXEC,
        F_GETPIPE_SZ,
        F_ADD_SEALS,
        F_GET_SEALS,
        AF_UNIX,
        AF_INET,
        AF_INET6,
        AF_NETLINK,
        SOCK_STREAM,
        SOCK_DGRAM,
        SOCK_RAW,
        SOCK_SEQPACKET,
        SOCK_NONBLOCK,
        SOCK_CLOEXEC,
        IPPROTO_TCP,
        IPPROTO_UDP,
        NETLINK_ROUTE,
        SOL_IP,
        SOL_SOCKET,
        SOL_IPV6,
        SO_REUSEADDR,
        SO_TYPE,
        SO_ERROR,
        SO_BROADCAST,
        SO_SNDBUF,
        SO_RCVBUF,
        SO_KEEPALIVE,
        SO_OOBINLINE,
        SO_LINGER,
        SO_REUSEPORT,
        SO_PASSCRED,
        SO_PEERCRED,
        SO_ACCEPTCONN,
        SO_PROTOCOL,
        SO_DOMAIN,
        SO_RCVTIMEO_NEW,
        SO_SNDTIMEO_NEW,
        TCP_NODELAY,
        TCP_MAXSEG,
        TCP_KEEPIDLE,
        TCP_KEEPINTVL,
        TCP_KEEPCNT,
        TCP_INFO,
        TCP_QUICKACK,
        TCP_USER_TIMEOUT,
        TCP_FASTOPEN,
        TCP_NOTSENT_LOWAT,
        IP_TOS,
        IP_TTL,
        IP_OPTIONS,
        IP_PKTINFO,
        IP_MTU_DISCOVER,
        IP_RECVERR,
        IP_RECVTOS,
        IP_MULTICAST_IF,
        IP_MULTICAST_TTL,
        IP_MULTICAST_LOOP,
        IP_ADD_MEMBERSHIP,
        IP_DROP_MEMBERSHIP,
        IPV6_UNICAST_HOPS,
        IPV6_MULTICAST_IF,
        IPV6_MULTICAST_HOPS,
        IPV6_MULTICAST_LOOP,
        IPV6_ADD_MEMBERSHIP,
        IPV6_DROP_MEMBERSHIP,
        IPV6_MTU_DISCOVER,
        IPV6_RECVERR,
        IPV6_V6ONLY,
        IPV6_RECVPKTINFO,
        IPV6_TCLASS,
        TCGETS,
        TCSETS,
        TCSETSW,
        TCSETSF,
        TCSBRK,
        TCXONC,
        TCFLSH,
        TIOCEXCL,
        TIOCNXCL,
        TIOCSCTTY,
        TIOCGPGRP,
        TIOCSPGRP,
        TIOCOUTQ,
        TIOCGWINSZ,
        TIOCSWINSZ,
        TIOCMGET,
        TIOCMBIS,
        TIOCMBIC,
        FIONREAD,
        FIONBIO,
        TCSBRKP,
        TIOCSBRK,
        TIOCCBRK,
        TIOCGSID,
        TIOCGPTPEER,
        FIONCLEX,
        FIOCLEX,
        TIOCGPTN,
        TIOCSPTLCK,
        TCGETS2,
        TCSETS2,
        TCSETSW2,
        TCSETSF2,
    ];
    let mut unchecked = Vec::new();
    for c in CONSTANTS {
        assert!(c.value <= 0xffff_ffff, "{}: 32-bit arguments only", c.name);
        match libc.iter().find(|(name, _)| *name == c.name) {
            Some((_, value)) => assert_eq!(*value, c.value, "{} differs from libc's", c.name),
            None => unchecked.push(c.name),
        }
    }
    let exceptions = not_in_libc();
    let listed: Vec<&str> = exceptions.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(
        unchecked, listed,
        "names the table uses but libc lacks must be listed in not_in_libc(), in table order"
    );
    for (name, _, same) in exceptions {
        let value = CONSTANTS.iter().find(|c| c.name == name).unwrap().value;
        if let Some(same) = same {
            assert_eq!(value, same, "{name} differs from libc's name for it");
        }
    }
}

const CTX: Context = Context {
    pid: 7,
    uid: 1000,
    gid: 1000,
};

#[test]
fn reports_name_the_constants_the_table_knows() {
    let report = |name: &str, args: [u64; 6]| {
        scopes::report_line("prog", 7, "stdio".parse().unwrap(), &CTX, name, &args)
    };
    assert_eq!(
        report("fcntl", [3, 6, 0x7ffd_0000, 0, 0, 0]),
        "pledge: prog[7]: fcntl(0x3, F_SETLK, 0x7ffd0000, ...) needs promise \"flock\"\n"
    );
    // The upper half of a 32-bit argument does not hide the command.
    assert_eq!(
        argument_name(&CTX, "fcntl", &[3, 6 | 1 << 40, 0, 0, 0, 0], 1),
        Some("F_SETLK")
    );
    assert!(report("ioctl", [1, 0x5410, 0, 0, 0, 0]).contains("ioctl(0x1, TIOCSPGRP, 0x0, ...)"));
    assert!(report("madvise", [0, 0x1000, 12, 0, 0, 0]).contains("madvise(0x0, 0x1000, 0xc, ...)"));
    // Option names depend on the level.
    assert!(
        report("setsockopt", [3, 0, 32, 0, 0, 0]).contains("(0x3, SOL_IP, IP_MULTICAST_IF, ...)")
    );
    assert!(report("setsockopt", [3, 41, 17, 0, 0, 0])
        .contains("(0x3, SOL_IPV6, IPV6_MULTICAST_IF, ...)"));
    // An unknown level: option 4 could be SO_ERROR, TCP_KEEPIDLE or IP_OPTIONS.
    assert_eq!(
        argument_name(&CTX, "setsockopt", &[3, 99, 4, 0, 0, 0], 2),
        None
    );
    // Masked checks name bits, not whole arguments.
    assert_eq!(argument_name(&CTX, "mmap", &[0, 4096, 4, 0, 0, 0], 2), None);
}

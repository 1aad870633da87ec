//! The capability side of the policy: which Linux capabilities each promise needs.
//!
//! A process running as root (or holding file or ambient capabilities) passes many of the
//! kernel's checks by capability rather than by its ids, and seccomp sees only the system call,
//! never which check a capability will pass: `setxattr` under `fattr` is the same call whether
//! it names `user.comment` or `security.capability` (file capabilities: CAP_SETFCAP) or
//! `trusted.*` (CAP_SYS_ADMIN); a `sendmsg` on a NETLINK_ROUTE socket held under `dns` is the
//! same call whether it asks for the routing table or adds an address (CAP_NET_ADMIN). So
//! `pledge()` drops, from the calling thread's effective, permitted, inheritable and ambient
//! sets, every capability that no promise in force needs: what a promise
//! allows then works for root as before, and nothing else does.
//!
//! The rule for each line of [`TABLE`]: a promise needs a capability when a system call it
//! allows, used for what the promise is for, would otherwise fail for root where it worked
//! before the pledge. A capability whose every use is a call no promise allows, or an effect
//! OpenBSD's promises never grant (loading modules, reconfiguring the network, file
//! capabilities, trusted attributes), is needed by none. The table is pure data: the system
//! calls that apply it are in `sys::caps`. A set of promises needs exactly the union of what
//! its members need (a test checks it over random sets).

use std::fmt;
use std::fmt::Write as _;

use crate::promise::Promise::{self, *};
use crate::promise::Promises;

macro_rules! capabilities {
    ($($variant:ident = $number:literal,)*) => {
        /// One Linux capability (`linux/capability.h`), numbered as the kernel numbers it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum Cap {
            $(#[doc = concat!("`CAP_", stringify!($variant), "`")] $variant = $number,)*
        }

        impl Cap {
            /// Every capability this table knows, in number order (the kernel may know more;
            /// those are needed by no promise).
            pub const ALL: &'static [Cap] = &[$(Cap::$variant,)*];

            /// The kernel's name, e.g. `CAP_SETFCAP`.
            pub fn name(self) -> &'static str {
                match self { $(Cap::$variant => concat!("CAP_", stringify!($variant)),)* }
            }
        }
    };
}

#[allow(non_camel_case_types)]
mod names {
    capabilities! {
        CHOWN = 0,
        DAC_OVERRIDE = 1,
        DAC_READ_SEARCH = 2,
        FOWNER = 3,
        FSETID = 4,
        KILL = 5,
        SETGID = 6,
        SETUID = 7,
        SETPCAP = 8,
        LINUX_IMMUTABLE = 9,
        NET_BIND_SERVICE = 10,
        NET_BROADCAST = 11,
        NET_ADMIN = 12,
        NET_RAW = 13,
        IPC_LOCK = 14,
        IPC_OWNER = 15,
        SYS_MODULE = 16,
        SYS_RAWIO = 17,
        SYS_CHROOT = 18,
        SYS_PTRACE = 19,
        SYS_PACCT = 20,
        SYS_ADMIN = 21,
        SYS_BOOT = 22,
        SYS_NICE = 23,
        SYS_RESOURCE = 24,
        SYS_TIME = 25,
        SYS_TTY_CONFIG = 26,
        MKNOD = 27,
        LEASE = 28,
        AUDIT_WRITE = 29,
        AUDIT_CONTROL = 30,
        SETFCAP = 31,
        MAC_OVERRIDE = 32,
        MAC_ADMIN = 33,
        SYSLOG = 34,
        WAKE_ALARM = 35,
        BLOCK_SUSPEND = 36,
        AUDIT_READ = 37,
        PERFMON = 38,
        BPF = 39,
        CHECKPOINT_RESTORE = 40,
    }
}
pub use names::Cap;

impl Cap {
    /// The kernel's number for it (its bit in the 64-bit capability masks).
    pub fn number(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Cap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of capabilities, as the kernel's 64-bit mask (bit `n` for capability `n`).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Caps(u64);

impl Caps {
    /// No capability.
    pub const EMPTY: Caps = Caps(0);

    /// The set with the bits of `mask`.
    pub fn from_bits(mask: u64) -> Caps {
        Caps(mask)
    }

    /// The mask.
    pub fn bits(self) -> u64 {
        self.0
    }

    /// Whether `cap` is in the set.
    pub fn contains(self, cap: Cap) -> bool {
        self.0 & (1 << cap.number()) != 0
    }

    /// The set with `cap` added.
    #[must_use]
    pub fn with(self, cap: Cap) -> Caps {
        Caps(self.0 | 1 << cap.number())
    }

    /// The capabilities in either set.
    #[must_use]
    pub fn union(self, other: Caps) -> Caps {
        Caps(self.0 | other.0)
    }

    /// The known capabilities in the set, in number order.
    pub fn iter(self) -> impl Iterator<Item = Cap> {
        Cap::ALL.iter().copied().filter(move |c| self.contains(*c))
    }
}

impl fmt::Display for Caps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Cap::name).collect();
        f.write_str(&names.join(" "))
    }
}

impl fmt::Debug for Caps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Caps({self}; {:#x})", self.0)
    }
}

/// One line of the table: a capability, the promises that need it (none: dropped by every
/// pledge), and why.
#[derive(Clone, Copy, Debug)]
pub struct CapRule {
    /// The capability.
    pub cap: Cap,
    /// The promises that need it; any one of them keeps it.
    pub needed_by: &'static [Promise],
    /// The argument, for the documentation.
    pub why: &'static str,
}

const NONE: &[Promise] = &[];

macro_rules! line {
    ($cap:ident, $needed_by:expr, $why:literal) => {
        CapRule {
            cap: Cap::$cap,
            needed_by: $needed_by,
            why: $why,
        }
    };
}

/// The table: every capability the kernel had when it was written, in number order, with the
/// promises that keep it. Capabilities a newer kernel adds are needed by no promise.
#[rustfmt::skip]
pub static TABLE: &[CapRule] = &[
    line!(CHOWN, &[Fattr, Chown],
        "chown of files one does not own: `chown` changes owners freely; under `fattr` the filter \
         allows only the caller's own uid and gid, which for root still means taking a file over"),
    line!(DAC_OVERRIDE, &[Wpath, Cpath, Dpath, Tmppath, Unix, Exec],
        "writing, creating and removing whatever the modes say: `wpath` opens for writing, `cpath`, \
         `dpath` and `tmppath` create and remove in directories, `unix` binds and connects socket \
         files (both need write access), `exec` executes any file with an execute bit; it also \
         covers looking paths up"),
    line!(DAC_READ_SEARCH, &[Rpath, Cpath, Tmppath, Dns, Getpw, Vminfo, Ps, Fattr, Chown, Unveil],
        "reading files and searching directories whatever their modes, for the promises that read \
         or look paths up without `DAC_OVERRIDE`; `cpath` and `tmppath` for linkat(AT_EMPTY_PATH), \
         which gives an open file (O_TMPFILE) a name. Its one escape, open_by_handle_at, is in no \
         rule"),
    line!(FOWNER, &[Rpath, Cpath, Tmppath, Fattr],
        "acting as a file's owner: `fattr` changes modes, times, ACLs and user xattrs of others' \
         files; `cpath` and `tmppath` remove and rename others' files in sticky directories such as \
         /tmp and hard-link them (protected_hardlinks); `rpath` opens with O_NOATIME (tar, rsync)"),
    line!(FSETID, NONE,
        "keeping setuid and setgid bits when a file is written or chowned, and setting setgid on a \
         file of another group: without it the kernel strips those bits, as OpenBSD's pledge does"),
    line!(KILL, &[Proc],
        "signals to processes of other users: `proc`. Under `stdio`, kill(0) and own-pid signals \
         reach the caller's own processes without it"),
    line!(SETGID, &[Id], "setgid, setgroups and the other group-id calls of `id`"),
    line!(SETUID, &[Id], "setuid and the other user-id calls of `id`"),
    line!(SETPCAP, NONE,
        "changing the bounding set, securebits, and inheritable capabilities beyond the permitted \
         set: no promise shapes capabilities"),
    line!(LINUX_IMMUTABLE, NONE,
        "the immutable and append-only flags, set by FS_IOC_SETFLAGS, an ioctl no rule allows"),
    line!(NET_BIND_SERVICE, &[Inet], "binding TCP and UDP ports below 1024: `inet` servers"),
    line!(NET_BROADCAST, NONE, "checked by no current kernel code"),
    line!(NET_ADMIN, NONE,
        "reconfiguring the network: addresses, routes and links over NETLINK_ROUTE (which `dns` \
         and `netlink` may open to read), firewall rules, SO_MARK, SO_PRIORITY above 6, the \
         *BUFFORCE options, TCP_REPAIR. OpenBSD's `wroute` has no Linux meaning here"),
    line!(NET_RAW, NONE,
        "raw and packet sockets and SO_BINDTODEVICE, which the filter refuses anyway"),
    line!(IPC_LOCK, NONE,
        "locking memory beyond RLIMIT_MEMLOCK: mlock and mlockall are in no rule; MAP_LOCKED, \
         hugetlb memfds and SHM_LOCK then stay within the limit"),
    line!(IPC_OWNER, NONE, "System V IPC permission checks: no rule allows System V IPC"),
    line!(SYS_MODULE, NONE, "loading kernel modules"),
    line!(SYS_RAWIO, NONE, "I/O ports, /dev/mem, FIBMAP and raw SCSI commands"),
    line!(SYS_CHROOT, NONE, "chroot and setns, which no rule allows"),
    line!(SYS_PTRACE, NONE,
        "tracing and reading the memory of any process: ptrace, process_vm_* and pidfd_getfd are \
         in no rule, and without it /proc/<pid>/mem, environ and fd of processes holding more \
         capabilities stay closed under `ps` and `rpath`"),
    line!(SYS_PACCT, NONE, "process accounting (acct)"),
    line!(SYS_ADMIN, NONE,
        "the catch-all: mounts, namespaces, trusted.* and security.* extended attributes, \
         forging the pid in SCM_CREDENTIALS, stealing a terminal with TIOCSCTTY, quotas, swap, \
         sethostname, exceeding the system's file limit. No promise means any of it"),
    line!(SYS_BOOT, NONE, "reboot and kexec"),
    line!(SYS_NICE, &[Proc, Id],
        "raising priorities and real-time scheduling, and setting them for processes of other \
         users: the setpriority and sched_set* calls `proc` and `id` allow (root may on OpenBSD)"),
    line!(SYS_RESOURCE, &[Proc, Id],
        "raising hard resource limits, and setting the limits of other users' processes: the \
         setrlimit and prlimit64 calls `proc` and `id` allow (root may on OpenBSD)"),
    line!(SYS_TIME, &[Settime], "setting the clocks: `settime`"),
    line!(SYS_TTY_CONFIG, NONE, "vhangup and the virtual console configuration ioctls"),
    line!(MKNOD, &[Dpath],
        "creating character and block device nodes: `dpath` (fifos and sockets need nothing)"),
    line!(LEASE, NONE, "file leases (F_SETLEASE), a fcntl command no rule allows"),
    line!(AUDIT_WRITE, NONE, "writing to the audit log: NETLINK_AUDIT sockets are in no rule"),
    line!(AUDIT_CONTROL, NONE, "configuring the audit subsystem"),
    line!(SETFCAP, NONE,
        "setting file capabilities (the security.capability attribute), which would let a \
         program started later run with capabilities: under `fattr`, setxattr cannot tell that \
         name from user.*"),
    line!(MAC_OVERRIDE, NONE, "overriding a mandatory access control module (Smack)"),
    line!(MAC_ADMIN, NONE, "configuring a mandatory access control module"),
    line!(SYSLOG, NONE,
        "syslog(2) and kernel addresses in /proc (kallsyms, modules) under kptr_restrict"),
    line!(WAKE_ALARM, NONE, "timers that wake the system (CLOCK_*_ALARM)"),
    line!(BLOCK_SUSPEND, NONE, "blocking system suspend (EPOLLWAKEUP, which is then ignored)"),
    line!(AUDIT_READ, NONE, "reading the audit log over multicast netlink"),
    line!(PERFMON, NONE, "performance monitoring: perf_event_open is in no rule"),
    line!(BPF, NONE, "the bpf system call, in no rule"),
    line!(CHECKPOINT_RESTORE, NONE,
        "choosing pids (clone3 set_tid, ns_last_pid), /proc/<pid>/map_files and PR_SET_MM"),
];

/// The capabilities one promise needs.
///
/// ```
/// use scopes_core::policy::caps::{needed_by, Cap};
/// use scopes_core::Promise;
/// assert!(needed_by(Promise::Rpath).contains(Cap::DAC_READ_SEARCH));
/// assert!(!needed_by(Promise::Fattr).contains(Cap::SETFCAP));
/// ```
pub fn needed_by(p: Promise) -> Caps {
    TABLE
        .iter()
        .filter(|r| r.needed_by.contains(&p))
        .fold(Caps::EMPTY, |set, r| set.with(r.cap))
}

/// The capabilities a set of promises needs: the union of what each member needs.
///
/// ```
/// use scopes_core::policy::caps::needed;
/// assert_eq!(needed("stdio".parse().unwrap()).to_string(), "");
/// assert_eq!(needed("stdio inet".parse().unwrap()).to_string(), "CAP_NET_BIND_SERVICE");
/// ```
pub fn needed(promises: Promises) -> Caps {
    promises
        .iter()
        .fold(Caps::EMPTY, |set, p| set.union(needed_by(p)))
}

/// The table as Markdown, for docs/semantics.md (a test keeps the page in step).
pub fn markdown() -> String {
    let mut out = String::from("| capability | kept under | why |\n|---|---|---|\n");
    for r in TABLE {
        let promises = if r.needed_by.is_empty() {
            "never".to_string()
        } else {
            r.needed_by
                .iter()
                .map(|p| format!("`{}`", p.word()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(out, "| `{}` | {promises} | {} |", r.cap.name(), r.why);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_every_capability_once_in_number_order() {
        assert_eq!(TABLE.len(), Cap::ALL.len());
        for (i, (rule, cap)) in TABLE.iter().zip(Cap::ALL).enumerate() {
            assert_eq!(rule.cap, *cap);
            assert_eq!(
                cap.number() as usize,
                i,
                "{cap} is numbered {}",
                cap.number()
            );
            assert!(!rule.why.is_empty());
        }
    }

    #[test]
    fn no_promise_set_keeps_what_no_promise_means() {
        let all = needed(Promises::all());
        for cap in [
            Cap::SETFCAP,
            Cap::SYS_ADMIN,
            Cap::NET_ADMIN,
            Cap::NET_RAW,
            Cap::SYS_MODULE,
            Cap::SYS_RAWIO,
            Cap::SYS_PTRACE,
            Cap::SETPCAP,
            Cap::FSETID,
            Cap::LINUX_IMMUTABLE,
            Cap::MAC_ADMIN,
            Cap::MAC_OVERRIDE,
            Cap::BPF,
            Cap::PERFMON,
            Cap::SYS_BOOT,
            Cap::SYS_CHROOT,
            Cap::AUDIT_CONTROL,
            Cap::AUDIT_WRITE,
            Cap::AUDIT_READ,
            Cap::SYSLOG,
            Cap::CHECKPOINT_RESTORE,
        ] {
            assert!(!all.contains(cap), "{cap} is kept by some promise");
        }
        // Only capabilities the table knows: a newer kernel's are dropped.
        assert_eq!(all.bits() >> Cap::ALL.len(), 0);
        assert!(!needed("stdio dns netlink".parse().unwrap()).contains(Cap::NET_ADMIN));
        assert!(!needed("stdio rpath wpath cpath fattr".parse().unwrap()).contains(Cap::SETFCAP));
        assert_eq!(needed(Promises::EMPTY), Caps::EMPTY);
        assert_eq!(needed("stdio error".parse().unwrap()), Caps::EMPTY);
    }

    #[test]
    fn what_promises_need_is_kept() {
        let has = |words: &str, cap: Cap| needed(words.parse().unwrap()).contains(cap);
        assert!(has("rpath", Cap::DAC_READ_SEARCH));
        assert!(!has("rpath", Cap::DAC_OVERRIDE));
        assert!(has("wpath", Cap::DAC_OVERRIDE));
        assert!(has("fattr", Cap::FOWNER) && has("fattr", Cap::CHOWN));
        assert!(has("chown", Cap::CHOWN));
        assert!(has("proc", Cap::KILL));
        assert!(has("id", Cap::SETUID) && has("id", Cap::SETGID));
        assert!(has("inet", Cap::NET_BIND_SERVICE));
        assert!(has("settime", Cap::SYS_TIME));
        assert!(has("dpath", Cap::MKNOD) && !has("cpath", Cap::MKNOD));
    }

    /// xorshift64*, so a failure reproduces.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    #[test]
    fn a_set_needs_exactly_the_union_of_its_members() {
        let mut state = 0x5eed_ca95_u64;
        for _ in 0..2000 {
            let set = Promises::from_bits(next(&mut state) as u32);
            let union = set.iter().fold(Caps::EMPTY, |acc, p| {
                acc.union(needed(Promises::EMPTY.with(p)))
            });
            assert_eq!(needed(set), union, "{set}");
            // Read from the table the other way round: a capability is kept exactly when one
            // of the promises that need it is held.
            for rule in TABLE {
                assert_eq!(
                    needed(set).contains(rule.cap),
                    rule.needed_by.iter().any(|p| set.contains(*p)),
                    "{set}: {}",
                    rule.cap
                );
            }
        }
    }
}

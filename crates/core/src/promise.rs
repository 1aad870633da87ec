//! The promise words and sets of them.
//!
//! A [`Promise`] is one OpenBSD word (`stdio`, `rpath`, ...); [`Promises`] is a set of them that
//! parses from (see [`crate::parse`]) and prints to the space-separated word list `pledge()`
//! takes.

use std::fmt;

macro_rules! promises {
    ($($variant:ident = $word:literal: $summary:literal,)*) => {
        /// One promise word. See [`Promise::summary`] for what each one allows.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        pub enum Promise {
            $(#[doc = $summary] $variant,)*
        }

        impl Promise {
            /// Every promise, in the canonical order used when printing a set.
            pub const ALL: &'static [Promise] = &[$(Promise::$variant,)*];

            /// The OpenBSD word for this promise.
            ///
            /// ```
            /// assert_eq!(scopes_core::Promise::Rpath.word(), "rpath");
            /// ```
            pub fn word(self) -> &'static str {
                match self { $(Promise::$variant => $word,)* }
            }

            /// A one-line description of what the promise allows on Linux.
            pub fn summary(self) -> &'static str {
                match self { $(Promise::$variant => $summary,)* }
            }

            /// Looks a word up; `None` when it is not a promise this library knows.
            ///
            /// ```
            /// assert_eq!(scopes_core::Promise::from_word("inet"), Some(scopes_core::Promise::Inet));
            /// assert_eq!(scopes_core::Promise::from_word("bogus"), None);
            /// ```
            pub fn from_word(word: &str) -> Option<Promise> {
                match word { $($word => Some(Promise::$variant),)* _ => None }
            }
        }
    };
}

promises! {
    Stdio = "stdio": "compute and use descriptors already held: read/write, memory, time, signals to itself, threads, pipes",
    Rpath = "rpath": "read-only path operations: open for reading, stat, readlink, list directories, chdir",
    Wpath = "wpath": "open existing files for writing and truncate them",
    Cpath = "cpath": "create and remove files and directories (O_CREAT, mkdir, unlink, rename, link, symlink)",
    Dpath = "dpath": "create special files: mknod and mkfifo",
    Tmppath = "tmppath": "read, write, create and remove files under /tmp only",
    Inet = "inet": "AF_INET and AF_INET6 stream and datagram sockets: socket, connect, bind, listen, accept",
    Mcast = "mcast": "with inet, the multicast socket options",
    Fattr = "fattr": "change file attributes: chmod (never setuid/setgid bits), utimes, xattrs, chown to one's own ids",
    Chown = "chown": "change file owner and group to any ids",
    Flock = "flock": "file locks: flock and the fcntl lock commands",
    Unix = "unix": "AF_UNIX sockets: socket, connect, bind, listen, accept",
    Dns = "dns": "the resolver: its configuration files read-only, UDP to any address, TCP to port 53 only (Landlock ABI 4)",
    Getpw = "getpw": "read the user and group databases (/etc/passwd, /etc/group; never /etc/shadow)",
    Sendfd = "sendfd": "sendmsg and sendmmsg: descriptors over AF_UNIX sockets (seccomp cannot see the address that may ride along: semantics.md)",
    Recvfd = "recvfd": "receive descriptors over AF_UNIX sockets (recvmsg is in stdio on Linux, as on OpenBSD: semantics.md)",
    Tty = "tty": "terminal ioctls: modes, window size, process group, modem lines (never TIOCSTI or TIOCLINUX)",
    Proc = "proc": "fork, signals to other processes, process groups, priorities and resource limits",
    Exec = "exec": "execute programs (they inherit the promises)",
    ProtExec = "prot_exec": "executable memory: mmap and mprotect with PROT_EXEC",
    Settime = "settime": "set the system clock",
    Ps = "ps": "read other processes' information under /proc",
    Vminfo = "vminfo": "read memory and system statistics (/proc/meminfo, /proc/stat, ...)",
    Id = "id": "change user and group ids, groups, resource limits and priorities",
    Unveil = "unveil": "call unveil() to restrict filesystem visibility",
    Error = "error": "violations return ENOSYS instead of killing the process",
    Netlink = "netlink": "NETLINK_ROUTE sockets (interfaces, addresses and routes)",
}

/// OpenBSD promise words that have no meaning on Linux; `pledge()` refuses them with EINVAL.
pub const OPENBSD_ONLY: &[(&str, &str)] = &[
    ("pf", "packet filter ioctls on /dev/pf"),
    ("route", "the routing table through sysctl; use \"netlink\""),
    ("wroute", "changing routes and interface addresses"),
    ("audio", "audio(4) ioctls"),
    ("video", "video(4) ioctls"),
    ("bpf", "bpf(4) statistics"),
    ("tape", "tape drive ioctls"),
    ("drm", "DRM ioctls"),
    ("vmm", "vmm(4) ioctls"),
    ("disklabel", "disk label ioctls"),
];

/// A set of promises.
///
/// ```
/// use scopes_core::{Promise, Promises};
/// let set: Promises = "stdio rpath".parse().unwrap();
/// assert!(set.contains(Promise::Rpath));
/// assert!(set.is_subset(&"stdio rpath inet".parse().unwrap()));
/// assert_eq!(set.to_string(), "stdio rpath");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Promises(u32);

impl Promises {
    /// The empty set: `pledge("")`, which only allows exiting and reading clocks.
    pub const EMPTY: Promises = Promises(0);

    /// Every promise.
    ///
    /// ```
    /// assert_eq!(scopes_core::Promises::all().iter().count(), scopes_core::Promise::ALL.len());
    /// ```
    pub fn all() -> Promises {
        Promise::ALL.iter().copied().collect()
    }

    /// Whether `p` is in the set.
    pub fn contains(&self, p: Promise) -> bool {
        self.0 & (1 << p as u32) != 0
    }

    /// Adds `p`.
    pub fn insert(&mut self, p: Promise) {
        self.0 |= 1 << p as u32;
    }

    /// Removes `p`.
    pub fn remove(&mut self, p: Promise) {
        self.0 &= !(1 << p as u32);
    }

    /// The set with `p` added.
    ///
    /// ```
    /// use scopes_core::{Promise, Promises};
    /// assert_eq!(Promises::EMPTY.with(Promise::Stdio).to_string(), "stdio");
    /// ```
    #[must_use]
    pub fn with(mut self, p: Promise) -> Promises {
        self.insert(p);
        self
    }

    /// The set with `p` removed.
    #[must_use]
    pub fn without(mut self, p: Promise) -> Promises {
        self.remove(p);
        self
    }

    /// Whether every promise in `self` is also in `other`.
    pub fn is_subset(&self, other: &Promises) -> bool {
        self.0 & !other.0 == 0
    }

    /// The promises in both sets.
    #[must_use]
    pub fn intersection(&self, other: &Promises) -> Promises {
        Promises(self.0 & other.0)
    }

    /// The promises in either set.
    #[must_use]
    pub fn union(&self, other: &Promises) -> Promises {
        Promises(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The promises in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = Promise> + '_ {
        Promise::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }

    /// The set as a bit mask (bit `p as u32` for each promise), for storing in an atomic.
    pub fn bits(&self) -> u32 {
        self.0
    }

    /// The set from [`Promises::bits`]; unknown bits are dropped.
    pub fn from_bits(bits: u32) -> Promises {
        Promises(bits & Promises::all().0)
    }
}

impl FromIterator<Promise> for Promises {
    fn from_iter<I: IntoIterator<Item = Promise>>(iter: I) -> Self {
        let mut set = Promises::EMPTY;
        for p in iter {
            set.insert(p);
        }
        set
    }
}

impl fmt::Display for Promises {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for p in self.iter() {
            if !first {
                f.write_str(" ")?;
            }
            f.write_str(p.word())?;
            first = false;
        }
        Ok(())
    }
}

impl fmt::Debug for Promises {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Promises(\"{self}\")")
    }
}

impl fmt::Display for Promise {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_word() {
        for p in Promise::ALL {
            assert_eq!(Promise::from_word(p.word()), Some(*p));
        }
        let all = Promises::all();
        assert_eq!(Promises::parse(&all.to_string()).unwrap(), all);
        assert_eq!(Promises::from_bits(all.bits()), all);
    }
}

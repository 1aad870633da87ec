//! The file broker: when a program's open is denied, the supervisor serves the few harmless
//! files of [`scopes::policy::harmless`] itself. It reads the path from the program's memory
//! once, judges that copy, opens that copy itself (read-only, or read-write for `/dev/null`,
//! beneath a directory it opened before the program started, never following a link out of
//! it), checks the file is what the list names, and installs the descriptor in the program
//! (`SECCOMP_IOCTL_NOTIF_ADDFD`). The program gets that file and nothing else: the call itself
//! never runs (no `CONTINUE`), so nothing the program changes afterwards counts.

use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
use std::sync::OnceLock;

use scopes::policy::harmless::{Harmless, Kind, Place, HARMLESS, PROBED};
use scopes::Promises;

use crate::supervisor::{Answer, Call};
use crate::sys;

/// Open flags a served open may carry besides its access mode (`O_LARGEFILE` is 0 on some
/// architectures, 0o100000 on x86_64).
const HARMLESS_FLAGS: i32 =
    libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK | libc::O_NOFOLLOW | 0o100000;
/// Further flags accepted on the devices whose writes go nowhere (a shell's `>/dev/null` is
/// `O_WRONLY|O_CREAT|O_TRUNC`: the device exists, so nothing is created or truncated).
const WRITE_FLAGS: i32 = libc::O_CREAT | libc::O_TRUNC | libc::O_APPEND;

/// The time zone database, where `/etc/localtime` may point.
const ZONEINFO: &str = "/usr/share/zoneinfo";

/// The broker: the directories of the list, each opened when first needed, beneath `/` as
/// opened before the program starts, and without following any link on the way: a program
/// that could replace one of them with a link finds it refused, never followed.
pub struct Broker {
    promises: Promises,
    /// `/`, opened before the program starts.
    root: Option<OwnedFd>,
    /// For each entry of [`HARMLESS`], the directory its files are opened beneath (`None`:
    /// absent on this system, so its files are too).
    dirs: Vec<Lazy>,
    /// `/etc`, for `/etc/localtime`.
    etc: Lazy,
    /// The time zone database, for `/etc/localtime`'s link.
    zoneinfo: Lazy,
    /// The command's controlling terminal device, if any (from /proc/self/stat).
    tty: OnceLock<Option<u64>>,
    /// The directories of [`PROBED`], opened like `dirs`.
    probed: Vec<Lazy>,
}

/// A directory of the list, opened on first use (most runs serve nothing).
struct Lazy {
    path: Option<&'static str>,
    fd: OnceLock<Option<OwnedFd>>,
}

impl Lazy {
    fn new(path: Option<&'static str>) -> Lazy {
        Lazy {
            path,
            fd: OnceLock::new(),
        }
    }

    fn get(&self, root: Option<&OwnedFd>) -> Option<&OwnedFd> {
        self.fd.get_or_init(|| open_dir(root?, self.path?)).as_ref()
    }
}

/// What the broker makes of a denied call.
enum Served {
    /// Hand this file over.
    File(File, bool),
    /// The file does not exist here: the answer a system without it gives.
    Absent,
}

/// `/`, as the command sees it before the program starts.
fn open_root() -> Option<OwnedFd> {
    File::open("/").ok().map(OwnedFd::from)
}

/// The directory `path` (absolute) beneath `root`, following no link on the way.
fn open_dir(root: &OwnedFd, path: &str) -> Option<OwnedFd> {
    let relative = path.trim_start_matches('/');
    let c = CString::new(if relative.is_empty() { "." } else { relative }).ok()?;
    sys::openat2(
        root.as_fd(),
        &c,
        libc::O_PATH | libc::O_DIRECTORY,
        libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS,
    )
    .ok()
}

/// Splits an absolute path into its components, without empty ones; `None` for relative
/// paths and for `.` or `..` anywhere (never served: the list names plain paths).
pub(crate) fn components(path: &[u8]) -> Option<Vec<&[u8]>> {
    if path.first() != Some(&b'/') {
        return None;
    }
    let parts: Vec<&[u8]> = path
        .split(|b| *b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    if parts.iter().any(|c| *c == b"." || *c == b"..") {
        return None;
    }
    Some(parts)
}

fn parts_of(place: &str) -> Vec<&[u8]> {
    components(place.as_bytes()).unwrap_or_default()
}

/// The controlling terminal (field 7 of /proc/PID/stat) of a process; `None` for none.
fn tty_of(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name (field 2) may hold spaces and parentheses: count from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let tty: u64 = rest.split_whitespace().nth(4)?.parse().ok()?;
    (tty != 0).then_some(tty)
}

impl Broker {
    /// Opens `/`, beneath which the list's directories are opened when needed. Call before
    /// the program starts.
    pub fn new(promises: Promises) -> Broker {
        let dirs = HARMLESS
            .iter()
            .map(|h| {
                Lazy::new(match h.place {
                    Place::File(p) => {
                        let parent = &p[..p.rfind('/').unwrap_or(0)];
                        Some(if parent.is_empty() { "/" } else { parent })
                    }
                    Place::Beneath(p) => Some(p),
                    _ => None,
                })
            })
            .collect();
        Broker {
            promises,
            root: open_root(),
            dirs,
            etc: Lazy::new(Some("/etc")),
            zoneinfo: Lazy::new(Some(ZONEINFO)),
            tty: OnceLock::new(),
            probed: PROBED.iter().map(|(dir, _)| Lazy::new(Some(dir))).collect(),
        }
    }

    /// The command's own controlling terminal.
    fn tty(&self) -> Option<u64> {
        *self.tty.get_or_init(|| tty_of("self"))
    }

    /// Serves `call` when it is an open of a listed file: the answer, or `None` to judge it as
    /// usual. Reads the path from the program once.
    pub fn serve(&self, call: &Call<'_>, name: &str) -> Option<Answer> {
        let args = call.args();
        if matches!(name, "readlink" | "readlinkat") {
            return self.own_link(call, name);
        }
        if let Some(answer) = self.stat(call, name) {
            return Some(answer);
        }
        let probe = match name {
            "stat" | "lstat" | "access" => Some(args[0]),
            "newfstatat" | "faccessat" | "faccessat2" => Some(args[1]),
            _ => None,
        };
        if let Some(path_arg) = probe {
            return self.missing(call, path_arg);
        }
        let (path_arg, flags) = match name {
            "open" => (args[0], args[1] as u32 as i32),
            // The directory does not matter: only absolute paths are served.
            "openat" => (args[1], args[2] as u32 as i32),
            _ => return None,
        };
        let access = flags & libc::O_ACCMODE;
        if access == 3 {
            return None;
        }
        let write = access != libc::O_RDONLY;
        let path = call.read_c_string(path_arg)?;
        let parts = components(&path)?;
        for (i, h) in HARMLESS.iter().enumerate() {
            if h.needs.is_some_and(|p| !self.promises.contains(p)) {
                // Without `tty`, /dev/tty answers as it does to a process that has no
                // controlling terminal (shells probe it at start and go on without).
                if h.place == Place::ControllingTty && parts == parts_of("/dev/tty") {
                    return Some(Answer::Fail(libc::ENXIO));
                }
                continue;
            }
            let mut allowed = HARMLESS_FLAGS;
            if h.write {
                allowed |= WRITE_FLAGS;
            } else if write {
                continue;
            }
            if flags & !(allowed | libc::O_ACCMODE) != 0 {
                continue;
            }
            let Some(served) = self.open(i, h, &parts, call, flags) else {
                continue;
            };
            return Some(match served {
                Served::File(file, cloexec) => Answer::Open { file, cloexec },
                Served::Absent => Answer::Fail(libc::ENOENT),
            });
        }
        None
    }

    /// `stat` of a listed file (tzset checks whether /etc/localtime changed before it rereads
    /// it): the command opens the file as it would serve it, and writes its `fstat` into the
    /// caller's buffer, as the kernel would. Only the following form (no `AT_SYMLINK_NOFOLLOW`,
    /// no `AT_EMPTY_PATH`), and only where the caller could open the file through the broker.
    fn stat(&self, call: &Call<'_>, name: &str) -> Option<Answer> {
        let args = call.args();
        let (path_arg, buf) = match name {
            "stat" => (args[0], args[1]),
            "newfstatat" if args[3] as u32 == 0 => (args[1], args[2]),
            _ => return None,
        };
        let path = call.read_c_string(path_arg)?;
        let parts = components(&path)?;
        for (i, h) in HARMLESS.iter().enumerate() {
            if h.needs.is_some_and(|p| !self.promises.contains(p)) {
                continue;
            }
            let Some(served) = self.open(i, h, &parts, call, libc::O_RDONLY) else {
                continue;
            };
            return Some(match served {
                Served::Absent => Answer::Fail(libc::ENOENT),
                Served::File(file, _) => {
                    let bytes = sys::fstat_bytes(file.as_fd()).ok()?;
                    if call.write_bytes(buf, &bytes) {
                        Answer::Return(0)
                    } else {
                        Answer::Fail(libc::EFAULT)
                    }
                }
            });
        }
        None
    }

    /// A `stat` or `access` probe of a missing path beneath a [`PROBED`] directory: ENOENT
    /// (or ENOTDIR), what the system answers; `None` for anything that exists or cannot be told.
    fn missing(&self, call: &Call<'_>, path_arg: u64) -> Option<Answer> {
        let path = call.read_c_string(path_arg)?;
        let parts = components(&path)?;
        for ((dir, _), fd) in PROBED.iter().zip(&self.probed) {
            let root = parts_of(dir);
            if parts.len() <= root.len() || parts[..root.len()] != root[..] {
                continue;
            }
            let fd = fd.get(self.root.as_ref())?;
            let rest = CString::new(parts[root.len()..].join(&b'/')).ok()?;
            // Links are followed as stat follows them, but never out of the directory.
            let got = sys::openat2(
                fd.as_fd(),
                &rest,
                libc::O_PATH,
                libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS,
            );
            return match got {
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
                    Some(Answer::Fail(e.raw_os_error().unwrap_or(libc::ENOENT)))
                }
                _ => None,
            };
        }
        None
    }

    /// `readlink("/proc/self/NAME")` for a listed NAME: the caller's own link, read here as
    /// `/proc/PID/NAME` and written into its buffer, truncated as readlink truncates.
    fn own_link(&self, call: &Call<'_>, name: &str) -> Option<Answer> {
        let args = call.args();
        let (path_arg, buf, size) = match name {
            "readlink" => (args[0], args[1], args[2]),
            _ => (args[1], args[2], args[3]),
        };
        let path = call.read_c_string(path_arg)?;
        let parts = components(&path)?;
        let link = HARMLESS.iter().find_map(|h| match h.place {
            Place::OwnLink(link)
                if parts.len() == 3
                    && parts[0] == b"proc"
                    && (parts[1] == b"self" || parts[1] == b"thread-self")
                    && parts[2] == link.as_bytes() =>
            {
                Some(link)
            }
            _ => None,
        })?;
        let (tgid, _) = call.process();
        let target = std::fs::read_link(format!("/proc/{tgid}/{link}")).ok()?;
        // Still waiting: the pid named the caller when its link was read.
        if !call.still_pending() {
            return None;
        }
        let size = size as u32 as i32;
        if size <= 0 {
            return Some(Answer::Fail(libc::EINVAL));
        }
        use std::os::unix::ffi::OsStrExt as _;
        let bytes = target.as_os_str().as_bytes();
        let n = bytes.len().min(size as usize);
        if !call.write_bytes(buf, &bytes[..n]) {
            return Some(Answer::Fail(libc::EFAULT));
        }
        Some(Answer::Return(n as i64))
    }

    /// Opens entry `h` for the path `parts`, when it names that entry's place, and hands the
    /// file over only when it is what the entry expects.
    fn open(
        &self,
        i: usize,
        h: &Harmless,
        parts: &[&[u8]],
        call: &Call<'_>,
        flags: i32,
    ) -> Option<Served> {
        // Never blocks (a FIFO would), never becomes the command's terminal.
        let ours = flags & libc::O_ACCMODE | libc::O_NONBLOCK | libc::O_NOCTTY;
        let fd = match self.open_place(i, h, parts, call, ours)? {
            Opened::Absent => return Some(Served::Absent),
            Opened::Tried(Ok(fd)) => fd,
            Opened::Tried(Err(e))
                if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) =>
            {
                return Some(Served::Absent)
            }
            // A link, an escape, a permission: not served; judged as usual.
            Opened::Tried(Err(_)) => return None,
        };
        let file = File::from(fd);
        if !fits(h.kind, &file)? {
            return None;
        }
        if flags & libc::O_NONBLOCK == 0 && sys::clear_nonblock(file.as_fd()).is_err() {
            return None;
        }
        Some(Served::File(file, flags & libc::O_CLOEXEC != 0))
    }

    /// Opens what `parts` names when it is the place of entry `h` (`None` when it is not),
    /// with the flags `ours`, following no link out of the entry's directory.
    fn open_place(
        &self,
        i: usize,
        h: &Harmless,
        parts: &[&[u8]],
        call: &Call<'_>,
        ours: i32,
    ) -> Option<Opened> {
        let root = self.root.as_ref();
        Some(match h.place {
            Place::File(p) => {
                if parts != parts_of(p).as_slice() {
                    return None;
                }
                let Some(dir) = self.dirs[i].get(root) else {
                    return Some(Opened::Absent);
                };
                let last = CString::new(*parts.last()?).ok()?;
                Opened::Tried(sys::openat2(dir.as_fd(), &last, ours, NO_LINKS))
            }
            Place::Beneath(p) => {
                let base = parts_of(p);
                if parts.len() <= base.len() || parts[..base.len()] != base[..] {
                    return None;
                }
                let Some(dir) = self.dirs[i].get(root) else {
                    return Some(Opened::Absent);
                };
                let rest = CString::new(parts[base.len()..].join(&b'/')).ok()?;
                let resolve = if h.links_inside {
                    // Links are followed only while they stay beneath the directory.
                    libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS
                } else {
                    NO_LINKS
                };
                Opened::Tried(sys::openat2(dir.as_fd(), &rest, ours, resolve))
            }
            Place::OwnProc(file) => {
                let ok = parts.len() == 3
                    && parts[0] == b"proc"
                    && (parts[1] == b"self" || parts[1] == b"thread-self")
                    && parts[2] == file.as_bytes();
                if !ok {
                    return None;
                }
                // The caller's own process: /proc/self here would be the command.
                let (tgid, _) = call.process();
                let proc = open_dir(root?, "/proc")?;
                let rel = CString::new(format!("{tgid}/{file}")).ok()?;
                let got = sys::openat2(proc.as_fd(), &rel, ours, NO_LINKS);
                // Still waiting in its call: the pid named the caller when it was opened.
                if !call.still_pending() {
                    return None;
                }
                Opened::Tried(got)
            }
            Place::ControllingTty => {
                if parts != parts_of("/dev/tty").as_slice() {
                    return None;
                }
                let (tgid, _) = call.process();
                // Only the terminal the command itself runs on, and only to a caller on it.
                if self.tty().is_none() || tty_of(&tgid.to_string()) != self.tty() {
                    return None;
                }
                let dev = open_dir(root?, "/dev")?;
                Opened::Tried(sys::openat2(dev.as_fd(), c"tty", ours, NO_LINKS))
            }
            Place::OwnLink(_) => return None,
            Place::LocalTime => {
                if parts != parts_of("/etc/localtime").as_slice() {
                    return None;
                }
                return self.open_localtime(ours);
            }
        })
    }

    /// /etc/localtime: the file itself, or, when it is a link, the file it points to in the
    /// time zone database, opened there, beneath it.
    fn open_localtime(&self, ours: i32) -> Option<Opened> {
        let root = self.root.as_ref();
        let etc = self.etc.get(root)?;
        let target = match sys::readlinkat(etc.as_fd(), c"localtime") {
            Ok(target) => target,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Some(Opened::Absent),
            // Not a link: the file itself.
            Err(_) => {
                return Some(Opened::Tried(sys::openat2(
                    etc.as_fd(),
                    c"localtime",
                    ours,
                    NO_LINKS,
                )))
            }
        };
        // A relative link from /etc climbs once to /.
        let target = match target.strip_prefix(b"../") {
            Some(rest) => [b"/".as_slice(), rest].concat(),
            None => target,
        };
        let target = components(&target)?;
        let base = parts_of(ZONEINFO);
        if target.len() <= base.len() || target[..base.len()] != base[..] {
            return None;
        }
        let zoneinfo = self.zoneinfo.get(root)?;
        let rest = CString::new(target[base.len()..].join(&b'/')).ok()?;
        Some(Opened::Tried(sys::openat2(
            zoneinfo.as_fd(),
            &rest,
            ours,
            libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS,
        )))
    }
}

/// Links the broker never follows: every open is beneath its directory, through no symbolic
/// link and no /proc magic link.
const NO_LINKS: u64 =
    libc::RESOLVE_BENEATH | libc::RESOLVE_NO_SYMLINKS | libc::RESOLVE_NO_MAGICLINKS;

/// What opening an entry's place gave.
enum Opened {
    /// The entry's directory does not exist here.
    Absent,
    /// The open was tried: the descriptor, or why not.
    Tried(std::io::Result<OwnedFd>),
}

/// Whether `file` is what an entry of `kind` expects: a regular file with one name (no hard
/// link to a secret), a kernel file, the expected device, a terminal. `None` when it cannot
/// be asked.
fn fits(kind: Kind, file: &File) -> Option<bool> {
    let meta = file.metadata().ok()?;
    let ft = meta.file_type();
    Some(match kind {
        Kind::Regular => ft.is_file() && meta.nlink() == 1,
        Kind::KernelFile => ft.is_file(),
        Kind::CharDevice(major, minor) => {
            ft.is_char_device() && meta.rdev() == libc::makedev(major, minor)
        }
        Kind::Terminal => ft.is_char_device() && sys::is_terminal(file.as_fd()),
    })
}

/// The list, for `--explain`.
pub fn explain() -> String {
    format!(
        "### Files the pledge command serves whatever the promises\n\n\
         When a program's open of one of these is denied, the command opens the file itself and \
         hands it over (read-only unless said otherwise); missing ones answer ENOENT. Never \
         reported, and not violations under -k. The library cannot do this (no supervisor).\n\n{}",
        scopes::policy::harmless::describe()
    )
}

/// A terminal `ioctl` (type `'T'`: TCGETS, TIOCGPGRP...) denied on a descriptor that is not a
/// terminal: the kernel would answer ENOTTY whatever the promises (a shell asks stderr for its
/// process group even when stderr is a file), so that is the answer, unreported. On a terminal
/// the call is judged as usual. Nothing runs either way, so a descriptor changed meanwhile
/// gains nothing.
pub fn not_a_terminal(call: &Call<'_>, name: &str) -> Option<Answer> {
    let args = call.args();
    if name != "ioctl" || (args[1] >> 8) & 0xff != u64::from(b'T') {
        return None;
    }
    let (tgid, _) = call.process();
    let pidfd = sys::pidfd_open(tgid as i32).ok()?;
    let fd = args[0] as u32 as i32;
    let answer = match sys::pidfd_getfd(pidfd.as_fd(), fd) {
        Ok(copy) if sys::is_terminal(copy.as_fd()) => return None,
        Ok(_) => Answer::Fail(libc::ENOTTY),
        Err(e) if e.raw_os_error() == Some(libc::EBADF) => Answer::Fail(libc::EBADF),
        Err(_) => return None,
    };
    call.still_pending().then_some(answer)
}

/// `ioctl(FICLONE)` and `ioctl(FICLONERANGE)` (cp and install try to share the blocks of the
/// file they copy): answered EOPNOTSUPP, unreported, as a filesystem without shared blocks
/// answers, and every such program then copies with `copy_file_range` or read and write,
/// which `stdio` allows. Nothing runs, so nothing is granted.
pub fn no_cloning(call: &Call<'_>, name: &str) -> Option<Answer> {
    const FICLONE: u64 = 0x4004_9409;
    const FICLONERANGE: u64 = 0x4020_940d;
    let request = call.args()[1] & 0xffff_ffff;
    (name == "ioctl" && (request == FICLONE || request == FICLONERANGE))
        .then_some(Answer::Fail(libc::EOPNOTSUPP))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_absolute_paths_are_judged() {
        assert_eq!(
            components(b"//usr/share//locale/x.mo"),
            Some(vec![&b"usr"[..], b"share", b"locale", b"x.mo"])
        );
        assert_eq!(components(b"usr/share"), None);
        assert_eq!(components(b"/usr/share/locale/../../etc/shadow"), None);
        assert_eq!(components(b"/dev/./null"), None);
        assert_eq!(components(b"/"), Some(vec![]));
    }

    #[test]
    fn the_terminal_is_read_after_the_name() {
        // A process name may hold spaces and parentheses.
        let me = tty_of("self");
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
        let nr: u64 = stat[stat.rfind(')').unwrap() + 1..]
            .split_whitespace()
            .nth(4)
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(me, (nr != 0).then_some(nr));
    }

    #[test]
    fn every_listed_directory_is_a_place_of_the_list() {
        let broker = Broker::new(Promises::EMPTY);
        assert_eq!(broker.dirs.len(), HARMLESS.len());
        // /dev and /usr/share/locale exist on any system this runs on.
        for (h, dir) in HARMLESS.iter().zip(&broker.dirs) {
            if matches!(
                h.place,
                Place::File("/dev/null") | Place::Beneath("/usr/share/locale")
            ) {
                assert!(dir.get(broker.root.as_ref()).is_some(), "{:?}", h.place);
            }
        }
    }
}

//! Helpers for the attacks on the promise table (`tests/table_*.rs`): raw system calls with
//! exactly the arguments an attacker chooses, which libc wrappers and std would rewrite (std
//! always passes mode 0o666 to open, glibc drops the mode without O_CREAT).

use std::ffi::CString;
use std::net::SocketAddrV4;
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;

pub use test_support::sys;

/// Pledges `promises` (the string API) or leaves the child with exit code 90.
pub fn pledge(promises: &str) {
    if let Err(e) = scopes::pledge(Some(promises), None) {
        let text = format!("pledge({promises:?}) failed: {e}\n");
        // SAFETY: one write of a buffer we own, then leaving the forked child.
        unsafe {
            libc::write(2, text.as_ptr().cast(), text.len());
            libc::_exit(90);
        }
    }
}

/// A path as a C string.
pub fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).expect("path without NUL")
}

/// Where a message is sent.
#[derive(Clone, Copy, Debug)]
pub enum Dest<'a> {
    /// A named AF_UNIX socket.
    Unix(&'a Path),
    /// A UDP address.
    Udp(SocketAddrV4),
}

/// A socket address in kernel form, and its length.
fn sockaddr(dest: Dest<'_>) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: sockaddr_storage is plain data; all zeroes is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match dest {
        Dest::Unix(path) => {
            // SAFETY: sockaddr_un fits in sockaddr_storage, which is aligned for every family.
            let un = unsafe { &mut *(&mut storage as *mut _ as *mut libc::sockaddr_un) };
            un.sun_family = libc::AF_UNIX as libc::sa_family_t;
            let bytes = path.as_os_str().as_bytes();
            assert!(bytes.len() < un.sun_path.len(), "socket path too long");
            for (d, s) in un.sun_path.iter_mut().zip(bytes) {
                *d = *s as libc::c_char;
            }
            std::mem::size_of::<libc::sockaddr_un>()
        }
        Dest::Udp(addr) => {
            // SAFETY: sockaddr_in fits in sockaddr_storage, which is aligned for every family.
            let sin = unsafe { &mut *(&mut storage as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = addr.port().to_be();
            sin.sin_addr.s_addr = u32::from(*addr.ip()).to_be();
            std::mem::size_of::<libc::sockaddr_in>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// `sendmsg(fd, {msg_name = dest, data}, 0)` through the raw system call (or `sendmmsg` with one
/// message when `mmsg`). Returns the bytes sent (-errno on failure).
pub fn send_msg_to(fd: i32, dest: Dest<'_>, data: &[u8], mmsg: bool) -> i64 {
    let (mut addr, addr_len) = sockaddr(dest);
    let mut iov = libc::iovec {
        iov_base: data.as_ptr() as *mut libc::c_void,
        iov_len: data.len(),
    };
    // SAFETY: msghdr is plain data; all zeroes is a valid value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&mut addr as *mut libc::sockaddr_storage).cast();
    msg.msg_namelen = addr_len;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    if mmsg {
        let mut one = libc::mmsghdr {
            msg_hdr: msg,
            msg_len: 0,
        };
        match sys(
            libc::SYS_sendmmsg,
            &[fd as u64, &mut one as *mut libc::mmsghdr as u64, 1, 0],
        ) {
            1 => i64::from(one.msg_len),
            other => other,
        }
    } else {
        sys(
            libc::SYS_sendmsg,
            &[fd as u64, &msg as *const libc::msghdr as u64, 0],
        )
    }
}

/// `open(path, flags, mode)` through the raw `openat` system call, with exactly this mode.
pub fn open_raw(path: &Path, flags: i32, mode: u32) -> i64 {
    let c = c_path(path);
    sys(
        libc::SYS_openat,
        &[
            libc::AT_FDCWD as u64,
            c.as_ptr() as u64,
            flags as u64,
            mode as u64,
        ],
    )
}

/// `creat(path, mode)` through the raw system call (x86_64 has one; elsewhere `openat` with
/// O_CREAT|O_WRONLY|O_TRUNC, which is what creat means).
pub fn creat_raw(path: &Path, mode: u32) -> i64 {
    #[cfg(target_arch = "x86_64")]
    {
        let c = c_path(path);
        sys(libc::SYS_creat, &[c.as_ptr() as u64, mode as u64])
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        open_raw(path, libc::O_CREAT | libc::O_WRONLY | libc::O_TRUNC, mode)
    }
}

/// `mkdir(path, mode)` through the raw `mkdirat` system call.
pub fn mkdir_raw(path: &Path, mode: u32) -> i64 {
    let c = c_path(path);
    sys(
        libc::SYS_mkdirat,
        &[libc::AT_FDCWD as u64, c.as_ptr() as u64, mode as u64],
    )
}

/// `inotify_add_watch(fd, path, IN_ALL_EVENTS)`.
pub fn inotify_watch(fd: i32, path: &Path) -> i64 {
    let c = c_path(path);
    sys(
        libc::SYS_inotify_add_watch,
        &[fd as u64, c.as_ptr() as u64, libc::IN_ALL_EVENTS as u64],
    )
}

/// `write(fd, bytes)` through the raw system call (no buffering, no libc).
pub fn write_raw(fd: i32, bytes: &[u8]) -> i64 {
    sys(
        libc::SYS_write,
        &[fd as u64, bytes.as_ptr() as u64, bytes.len() as u64],
    )
}

/// `getaddrinfo(host, NULL, {AI_ADDRCONFIG})`, glibc's default flags, which ask netlink
/// which address families the machine has. Returns glibc's answer (0 on success) and whether
/// some address came back.
pub fn getaddrinfo_addrconfig(host: &str) -> (i32, bool) {
    let node = CString::new(host).expect("host without NUL");
    // SAFETY: addrinfo is plain data; all zeroes is a valid value.
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_flags = libc::AI_ADDRCONFIG;
    hints.ai_socktype = libc::SOCK_STREAM;
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: valid C strings and hints; the result list is freed below.
    let rc = unsafe { libc::getaddrinfo(node.as_ptr(), std::ptr::null(), &hints, &mut res) };
    let found = !res.is_null();
    if found {
        // SAFETY: the list getaddrinfo returned, freed once.
        unsafe { libc::freeaddrinfo(res) };
    }
    (rc, found)
}

/// An RTM_NEWADDR request adding `addr/prefix` to interface `index` (as `ip addr add` sends
/// it), with an acknowledgement asked for.
pub fn rtm_newaddr(index: u32, addr: std::net::Ipv4Addr, prefix: u8) -> Vec<u8> {
    const RTM_NEWADDR: u16 = 20;
    const NLM_F_REQUEST: u16 = 0x1;
    const NLM_F_ACK: u16 = 0x4;
    const NLM_F_EXCL: u16 = 0x200;
    const NLM_F_CREATE: u16 = 0x400;
    const IFA_ADDRESS: u16 = 1;
    const IFA_LOCAL: u16 = 2;
    const RT_SCOPE_HOST: u8 = 254; // what `ip` sends for a loopback address
    let mut body = vec![libc::AF_INET as u8, prefix, 0, RT_SCOPE_HOST];
    body.extend_from_slice(&index.to_ne_bytes());
    for kind in [IFA_LOCAL, IFA_ADDRESS] {
        body.extend_from_slice(&8u16.to_ne_bytes());
        body.extend_from_slice(&kind.to_ne_bytes());
        body.extend_from_slice(&addr.octets());
    }
    let len = 16 + body.len() as u32;
    let mut msg = Vec::with_capacity(len as usize);
    msg.extend_from_slice(&len.to_ne_bytes());
    msg.extend_from_slice(&RTM_NEWADDR.to_ne_bytes());
    msg.extend_from_slice(&(NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE).to_ne_bytes());
    msg.extend_from_slice(&1u32.to_ne_bytes()); // sequence number
    msg.extend_from_slice(&0u32.to_ne_bytes()); // to the kernel
    msg.extend_from_slice(&body);
    msg
}

/// The index of network interface `name` (0 when there is none).
pub fn if_index(name: &str) -> u32 {
    let c = CString::new(name).expect("name without NUL");
    // SAFETY: a valid C string.
    unsafe { libc::if_nametoindex(c.as_ptr()) }
}

/// Writes `text` and a newline to fd 2 with one raw write: in a child forked by a test,
/// `eprintln!` would go to the test harness's capture buffer, which the parent never sees.
pub fn say(text: &str) {
    let line = format!("{text}\n");
    write_raw(2, line.as_bytes());
}

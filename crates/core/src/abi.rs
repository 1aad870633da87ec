//! The Linux constants the pure core names, each written out with its value: the core has no
//! `libc` dependency, so a reviewer reads every number here. The values are the ones x86_64,
//! aarch64 and riscv64 share (the generic errno and address-family numbers); a test of the
//! `scopes` crate compares each with libc's for the machine it runs on.
//!
//! The types are libc's (`c_int` is `i32` on every supported architecture), so a value moves
//! between the two without a cast.

/// Operation not permitted.
pub const EPERM: i32 = 1;
/// Input/output error: the errno of an I/O error that carries none.
pub const EIO: i32 = 5;
/// Permission denied.
pub const EACCES: i32 = 13;
/// Bad address.
pub const EFAULT: i32 = 14;
/// Invalid argument.
pub const EINVAL: i32 = 22;
/// File name (here: promise string) too long.
pub const ENAMETOOLONG: i32 = 36;
/// Function not implemented: what a library takes as "fall back".
pub const ENOSYS: i32 = 38;
/// Operation not supported.
pub const EOPNOTSUPP: i32 = 95;

/// `prctl` option that makes execve unable to grant privileges.
pub const PR_SET_NO_NEW_PRIVS: i32 = 38;

/// No address family in particular (the families are for socket rules and reports).
pub const AF_UNSPEC: i32 = 0;
/// Unix-domain sockets.
pub const AF_UNIX: i32 = 1;
/// IPv4.
pub const AF_INET: i32 = 2;
/// IPv6.
pub const AF_INET6: i32 = 10;
/// PF_KEY key management.
pub const AF_KEY: i32 = 15;
/// Netlink.
pub const AF_NETLINK: i32 = 16;
/// Raw packets.
pub const AF_PACKET: i32 = 17;
/// Bluetooth.
pub const AF_BLUETOOTH: i32 = 31;
/// The kernel crypto API.
pub const AF_ALG: i32 = 38;
/// Virtual machine sockets.
pub const AF_VSOCK: i32 = 40;

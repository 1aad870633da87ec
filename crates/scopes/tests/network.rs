//! Socket promises: inet, unix, netlink, mcast, and the seed project's socket-family tests.

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]

mod common;
use common::*;
use std::io::{Read, Write};

fn socket(domain: i32, ty: i32, proto: i32) -> i64 {
    sys(libc::SYS_socket, &[domain as u64, ty as u64, proto as u64])
}

#[test]
fn inet_allows_tcp_and_udp_on_loopback() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = [0u8; 5];
        s.read_exact(&mut buf).unwrap();
        buf
    });
    run(move || {
        pledge("stdio inet");
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_nodelay(true).unwrap();
        s.write_all(b"hello").unwrap();
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        u.send_to(b"x", u.local_addr().unwrap()).unwrap();
        let l = std::net::TcpListener::bind("[::1]:0").unwrap();
        assert!(l.local_addr().unwrap().port() > 0);
        0
    })
    .ok();
    assert_eq!(&server.join().unwrap(), b"hello");
}

#[test]
fn socket_families_from_the_seed_tests() {
    // (domain, type, protocol, promises, allowed?)
    let cases: &[(i32, i32, i32, &str, bool)] = &[
        (libc::AF_INET, libc::SOCK_STREAM, 0, "stdio inet", true),
        (
            libc::AF_INET6,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            0,
            "stdio inet",
            true,
        ),
        (
            libc::AF_INET,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK,
            libc::IPPROTO_TCP,
            "stdio inet",
            true,
        ),
        (
            libc::AF_INET,
            libc::SOCK_RAW,
            libc::IPPROTO_ICMP,
            "stdio inet",
            false,
        ),
        (libc::AF_PACKET, libc::SOCK_RAW, 0, "stdio inet unix", false),
        (libc::AF_UNIX, libc::SOCK_STREAM, 0, "stdio inet", false),
        (libc::AF_UNIX, libc::SOCK_STREAM, 0, "stdio unix", true),
        (libc::AF_UNIX, libc::SOCK_SEQPACKET, 0, "stdio unix", true),
        (libc::AF_INET, libc::SOCK_STREAM, 0, "stdio unix", false),
        (
            libc::AF_NETLINK,
            libc::SOCK_RAW,
            libc::NETLINK_ROUTE,
            "stdio netlink",
            true,
        ),
        (
            libc::AF_NETLINK,
            libc::SOCK_RAW,
            libc::NETLINK_AUDIT,
            "stdio netlink inet unix",
            false,
        ),
        (
            libc::AF_ALG,
            libc::SOCK_SEQPACKET,
            0,
            "stdio inet unix netlink",
            false,
        ),
        (
            libc::AF_VSOCK,
            libc::SOCK_STREAM,
            0,
            "stdio inet unix netlink",
            false,
        ),
        (libc::AF_INET, libc::SOCK_STREAM, 0, "stdio", false),
    ];
    for &(domain, ty, proto, promises, allowed) in cases {
        let child = run(move || {
            pledge(promises);
            let fd = socket(domain, ty, proto);
            assert!(
                fd >= 0,
                "socket({domain}, {ty:#x}, {proto}) under {promises}: {fd}"
            );
            0
        });
        if allowed {
            child.ok();
        } else {
            child.killed().says("socket(");
        }
    }
}

#[test]
fn upper_half_garbage_neither_bypasses_nor_breaks_socket_checks() {
    run(|| {
        pledge("stdio inet");
        assert!(
            sys(
                libc::SYS_socket,
                &[
                    libc::AF_INET as u64 | 1 << 32,
                    libc::SOCK_STREAM as u64 | 7 << 40,
                    0
                ]
            ) >= 0
        );
        sys(
            libc::SYS_socket,
            &[libc::AF_PACKET as u64 | 1 << 32, libc::SOCK_RAW as u64, 0],
        );
        0
    })
    .killed()
    .says("AF_PACKET");
}

#[test]
fn unix_sockets_bind_and_connect() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("unix-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sock");
    run(move || {
        pledge("stdio unix");
        let l = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let mut c = std::os::unix::net::UnixStream::connect(&path).unwrap();
        let (mut s, _) = l.accept().unwrap();
        c.write_all(b"ok").unwrap();
        let mut b = [0u8; 2];
        s.read_exact(&mut b).unwrap();
        assert_eq!(&b, b"ok");
        0
    })
    .ok();
    let _ = std::fs::remove_dir_all(&dir);
}

/// `getsockopt(fd, SOL_SOCKET, option)` on one end of a fresh socketpair.
fn get_socket_option(option: i32) -> i64 {
    let mut fds = [0i32; 2];
    let made = sys(
        libc::SYS_socketpair,
        &[
            libc::AF_UNIX as u64,
            libc::SOCK_STREAM as u64,
            0,
            fds.as_mut_ptr() as u64,
        ],
    );
    assert_eq!(made, 0);
    let mut value = 0i32;
    let mut len = 4u32;
    sys(
        libc::SYS_getsockopt,
        &[
            fds[0] as u64,
            libc::SOL_SOCKET as u64,
            option as u64,
            &mut value as *mut i32 as u64,
            &mut len as *mut u32 as u64,
        ],
    )
}

#[test]
fn stdio_alone_allows_openbsds_socket_options_only() {
    run(|| {
        pledge("stdio");
        assert_eq!(get_socket_option(libc::SO_RCVBUF), 0);
        assert_eq!(get_socket_option(libc::SO_ERROR), 0);
        get_socket_option(libc::SO_SNDBUF);
        0
    })
    .killed()
    .says("getsockopt");
    // With a socket promise the reviewed list grows, and what it lacks fails without a kill.
    run(|| {
        pledge("stdio unix");
        assert_eq!(get_socket_option(libc::SO_SNDBUF), 0);
        assert_eq!(get_socket_option(libc::SO_TYPE), 0);
        assert_eq!(
            get_socket_option(libc::SO_BINDTODEVICE),
            -(libc::EPERM as i64)
        );
        0
    })
    .ok();
}

#[test]
fn socket_options_are_reviewed() {
    run(|| {
        pledge("stdio inet");
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        use std::os::fd::AsRawFd;
        let fd = s.as_raw_fd() as u64;
        let one: i32 = 1;
        let p = &one as *const i32 as u64;
        assert_eq!(
            sys(
                libc::SYS_setsockopt,
                &[fd, libc::SOL_SOCKET as u64, libc::SO_REUSEADDR as u64, p, 4]
            ),
            0
        );
        assert_eq!(
            sys(
                libc::SYS_setsockopt,
                &[fd, libc::SOL_SOCKET as u64, libc::SO_BROADCAST as u64, p, 4]
            ),
            0
        );
        // Not on the list: EPERM, not a kill (as OpenBSD's sockopt checks).
        assert_eq!(
            sys(
                libc::SYS_setsockopt,
                &[
                    fd,
                    libc::SOL_SOCKET as u64,
                    libc::SO_BINDTODEVICE as u64,
                    p,
                    4
                ]
            ),
            -(libc::EPERM as i64)
        );
        // Multicast options need mcast.
        let mreq = [0u8; 8];
        let r = sys(
            libc::SYS_setsockopt,
            &[
                fd,
                libc::IPPROTO_IP as u64,
                libc::IP_ADD_MEMBERSHIP as u64,
                mreq.as_ptr() as u64,
                8,
            ],
        );
        assert_eq!(r, -(libc::EPERM as i64));
        // IP_OPTIONS can be read (as on OpenBSD), never set.
        let mut options = [0u8; 40];
        let mut len = options.len() as u32;
        assert_eq!(
            sys(
                libc::SYS_getsockopt,
                &[
                    fd,
                    libc::IPPROTO_IP as u64,
                    libc::IP_OPTIONS as u64,
                    options.as_mut_ptr() as u64,
                    &mut len as *mut u32 as u64,
                ]
            ),
            0
        );
        assert_eq!(len, 0, "a fresh socket has no IP options");
        let record_route = [7u8, 7, 4, 0, 0, 0, 0, 1]; // IPOPT_RR with room for one hop, NOP
        assert_eq!(
            sys(
                libc::SYS_setsockopt,
                &[
                    fd,
                    libc::IPPROTO_IP as u64,
                    libc::IP_OPTIONS as u64,
                    record_route.as_ptr() as u64,
                    record_route.len() as u64,
                ]
            ),
            -(libc::EPERM as i64)
        );
        0
    })
    .ok();
    run(|| {
        pledge("stdio inet mcast");
        let s = std::net::UdpSocket::bind("0.0.0.0:0").unwrap();
        s.join_multicast_v4(&"239.1.2.3".parse().unwrap(), &"127.0.0.1".parse().unwrap())
            .ok();
        s.set_multicast_ttl_v4(2).unwrap();
        0
    })
    .ok();
}

#[test]
fn descriptors_pass_over_socketpairs_under_sendfd() {
    // seccomp cannot see SCM_RIGHTS (or an address) inside sendmsg's msghdr: sendmsg needs
    // sendfd or a socket promise, and recvmsg is stdio's, so recvfd rides on stdio
    // (documented). This test pins that behaviour down so a change is noticed.
    run(|| {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        pledge("stdio");
        use std::os::fd::AsRawFd;
        let data = [1u8];
        let iov = libc::iovec {
            iov_base: data.as_ptr() as *mut libc::c_void,
            iov_len: 1,
        };
        // SAFETY: msghdr is plain data; the pointers refer to live buffers.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &iov as *const libc::iovec as *mut libc::iovec;
        msg.msg_iovlen = 1;
        sys(
            libc::SYS_sendmsg,
            &[a.as_raw_fd() as u64, &msg as *const libc::msghdr as u64, 0],
        );
        0
    })
    .killed()
    .says("sendmsg")
    .says("needs promise \"sendfd\"");
    run(|| {
        let file = std::fs::File::open("/etc/hostname").unwrap();
        pledge("stdio sendfd");
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        let mut cmsg = [0u64; 3]; // aligned for cmsghdr
        let mut data = [1u8];
        let mut iov = libc::iovec {
            iov_base: data.as_mut_ptr().cast(),
            iov_len: 1,
        };
        // SAFETY: msghdr is plain data; the pointers refer to live buffers.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cmsg.as_mut_ptr().cast();
        msg.msg_controllen = std::mem::size_of_val(&cmsg);
        // SAFETY: filling the one control message the buffer has room for.
        unsafe {
            let c = libc::CMSG_FIRSTHDR(&msg);
            (*c).cmsg_level = libc::SOL_SOCKET;
            (*c).cmsg_type = libc::SCM_RIGHTS;
            (*c).cmsg_len = libc::CMSG_LEN(4) as usize;
            std::ptr::write_unaligned(libc::CMSG_DATA(c) as *mut i32, fd);
        }
        assert_eq!(
            sys(
                libc::SYS_sendmsg,
                &[a.as_raw_fd() as u64, &msg as *const libc::msghdr as u64, 0]
            ),
            1
        );
        assert_eq!(
            sys(
                libc::SYS_recvmsg,
                &[
                    b.as_raw_fd() as u64,
                    &mut msg as *mut libc::msghdr as u64,
                    0
                ]
            ),
            1
        );
        0
    })
    .ok();
}

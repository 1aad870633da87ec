//! The typed unveil rules the string API cannot say: TCP port rules (Landlock ABI 4) and
//! signal and abstract unix socket scoping (ABI 6). Port rules and scopes alone do not hide
//! the filesystem. Tests skip, saying so, only on a kernel without the ABI.

mod common;
mod unveil_support;

use std::io::ErrorKind;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener, UnixStream};

use common::*;
use scopes::Unveil;
use unveil_support::*;

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn bind_is_limited_to_the_allowed_ports() {
    if lacks_abi(4, "TCP port rules") {
        return;
    }
    let (allowed, other) = (free_port(), free_port());
    run(move || {
        Unveil::new().bind_ports([allowed]).lock().unwrap();
        TcpListener::bind((Ipv4Addr::LOCALHOST, allowed)).unwrap();
        assert_eq!(
            errno(TcpListener::bind((Ipv4Addr::LOCALHOST, other))),
            libc::EACCES
        );
        assert_eq!(
            errno(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))),
            libc::EACCES,
            "no ephemeral port unless 0 is allowed"
        );
        assert!(
            std::fs::read("/etc/hostname").is_ok(),
            "port rules alone hide no path"
        );
        0
    })
    .ok();
}

#[test]
fn connect_is_limited_to_the_allowed_ports() {
    if lacks_abi(4, "TCP port rules") {
        return;
    }
    let allowed = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let other = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let (a, b) = (allowed.local_addr().unwrap(), other.local_addr().unwrap());
    run(move || {
        Unveil::new().connect_ports([a.port()]).lock().unwrap();
        TcpStream::connect(a).unwrap();
        assert_eq!(errno(TcpStream::connect(b)), libc::EACCES);
        // bind is not restricted when only connect ports were given.
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        0
    })
    .ok();
    // No port at all: every TCP connect is refused.
    run(move || {
        Unveil::new().connect_ports([]).lock().unwrap();
        assert_eq!(errno(TcpStream::connect(a)), libc::EACCES);
        0
    })
    .ok();
    drop((allowed, other));
}

#[test]
fn port_rules_add_up_with_paths_and_across_batches() {
    if lacks_abi(4, "TCP port rules") {
        return;
    }
    let t = Tree::new("net-paths");
    let (jail, outside) = (t.jail(), t.at("outside.txt"));
    let first = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let second = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let (a, b) = (first.local_addr().unwrap(), second.local_addr().unwrap());
    run(move || {
        Unveil::new().connect_ports([a.port()]).add().unwrap();
        unveil(&jail, "r");
        Unveil::new().connect_ports([b.port()]).add().unwrap();
        lock();
        TcpStream::connect(a).unwrap();
        TcpStream::connect(b).unwrap();
        assert_eq!(errno(std::fs::read(&outside)), libc::EACCES);
        0
    })
    .ok();
}

#[test]
fn signal_scoping_stops_kill_of_the_parent() {
    if lacks_abi(6, "signal scoping") {
        return;
    }
    run(|| {
        let parent = sys(libc::SYS_getppid, &[]) as u64;
        assert_eq!(sys(libc::SYS_kill, &[parent, 0]), 0, "before scoping");
        Unveil::new().scope_signals().lock().unwrap();
        assert_eq!(sys(libc::SYS_kill, &[parent, 0]), -(libc::EPERM as i64));
        let me = sys(libc::SYS_getpid, &[]) as u64;
        assert_eq!(
            sys(libc::SYS_kill, &[me, 0]),
            0,
            "signalling itself still works"
        );
        assert!(
            std::fs::read("/etc/hostname").is_ok(),
            "scoping alone hides no path"
        );
        0
    })
    .ok();
}

#[test]
fn abstract_socket_scoping_stops_connecting_outside() {
    if lacks_abi(6, "abstract unix socket scoping") {
        return;
    }
    let name = format!("scopes-unveil-test-{}", std::process::id());
    let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let listener = UnixListener::bind_addr(&addr).unwrap();
    let control = addr.clone();
    run(move || {
        UnixStream::connect_addr(&control).unwrap();
        0
    })
    .ok();
    run(move || {
        Unveil::new().scope_abstract_unix_sockets().lock().unwrap();
        let err = UnixStream::connect_addr(&addr).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EPERM), "{err}");
        assert_ne!(err.kind(), ErrorKind::NotFound);
        0
    })
    .ok();
    drop(listener);
}

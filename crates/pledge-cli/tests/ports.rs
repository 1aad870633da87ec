//! `--connect-port` and `--bind-port`: TCP port rules (Landlock ABI 4+) that narrow `inet`.

// The test calls libc directly, as the programs it stands for would, to see what the
// kernel allows and refuses.
#![allow(unsafe_code)]

mod common;
use common::*;

fn landlock_abi() -> i64 {
    // SAFETY: LANDLOCK_CREATE_RULESET_VERSION takes NULL and 0.
    let r = unsafe { libc::syscall(libc::SYS_landlock_create_ruleset, 0usize, 0usize, 1u32) };
    r.max(0)
}

/// Python connecting to `port` on loopback (and printing the outcome), and binding `bind`.
fn probe(connect: u16, bind: u16) -> String {
    format!(
        "import socket\n\
         c = socket.socket()\n\
         try:\n    c.connect(('127.0.0.1', {connect})); print('connect ok')\n\
         except OSError as e: print('connect', e.errno)\n\
         b = socket.socket()\n\
         try:\n    b.bind(('127.0.0.1', {bind})); print('bind ok')\n\
         except OSError as e: print('bind', e.errno)\n"
    )
}

#[test]
fn ports_narrow_tcp_connect_and_bind() {
    if landlock_abi() < 4 {
        eprintln!(
            "SKIPPED: TCP port rules need Landlock ABI 4; this kernel has {}",
            landlock_abi()
        );
        return;
    }
    let allowed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let (allowed_port, other_port) = (
        allowed.local_addr().unwrap().port(),
        other.local_addr().unwrap().port(),
    );
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let promises = "stdio rpath inet";
    let connect = allowed_port.to_string();
    let bind = free.to_string();
    let args = [
        "-p",
        promises,
        "--connect-port",
        &connect,
        "--bind-port",
        &bind,
        "--",
        "/usr/bin/python3",
        "-c",
    ];

    let mut ok = args.to_vec();
    let script = probe(allowed_port, free);
    ok.push(&script);
    let ran = run(&ok);
    ran.code(0);
    assert_eq!(ran.stdout, "connect ok\nbind ok\n", "{}", ran.stderr);

    let mut denied = args.to_vec();
    let script = probe(
        other_port,
        if free == u16::MAX { free - 1 } else { free + 1 },
    );
    denied.push(&script);
    let ran = run(&denied);
    ran.code(0);
    // Landlock answers EACCES (13) for the port not listed.
    assert_eq!(ran.stdout, "connect 13\nbind 13\n", "{}", ran.stderr);
}

#[test]
fn bad_ports_are_the_commands_errors() {
    for bad in ["65536", "-1", "http"] {
        let ran = run(&["--connect-port", bad, "--", "true"]);
        ran.code(125);
        assert!(ran.stderr.contains(bad), "{}", ran.stderr);
    }
}

//! A NETLINK_ROUTE socket (which `dns` may open for getaddrinfo's AI_ADDRCONFIG, and which any
//! process may hold from before its pledge) carries both questions and orders: `send()` on it
//! is plain `stdio`, and seccomp cannot read the message. As root, RTM_NEWADDR would add an
//! address to an interface: it needs CAP_NET_ADMIN, which no promise keeps. The test looks at
//! the interface itself, and removes the address if an attack added it.

use attacks::caps::{lo_has_attack_address, root, RemoveAttackAddress};
use attacks::{compile, pledge_command, run, run_command, Link, Ran};

/// One attack at a time: they aim at the same address.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs one attack and says whether the address appeared (removing it at once).
fn attempt(ran: impl FnOnce() -> Ran) -> (Ran, bool) {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let ran = ran();
    let added = lo_has_attack_address();
    drop(RemoveAttackAddress);
    (ran, added)
}

#[test]
fn dns_inet_and_held_sockets_cannot_add_an_address() {
    drop(RemoveAttackAddress);
    let _clean = RemoveAttackAddress;
    let prog = compile("caps_netlink", Link::Libpledge);
    for (promises, when) in [
        ("stdio dns", "after"),
        ("stdio dns", "before"),
        ("stdio inet", "before"),
        ("stdio", "before"),
        ("stdio netlink", "after"),
    ] {
        let (ran, added) = attempt(|| run(&prog, &[promises, when]));
        assert!(
            !added,
            "{promises} (socket opened {when} pledge): 127.0.0.78 was added to lo: {ran:#?}"
        );
        refused(&ran);
    }
}

#[test]
fn dns_under_the_command_cannot_add_an_address() {
    drop(RemoveAttackAddress);
    let _clean = RemoveAttackAddress;
    let prog = compile("caps_netlink", Link::Libpledge);
    let (ran, added) = attempt(|| {
        run_command(
            std::process::Command::new(pledge_command())
                .args(["-p", "stdio dns", "--"])
                .arg(&prog)
                .args(["-", "after"]),
        )
    });
    assert!(!added, "127.0.0.78 was added to lo: {ran:#?}");
    refused(&ran);
}

/// The attack was refused: by the table (`dns` opens no netlink socket, quietly), or, with a
/// socket held from before pledge or under `netlink`, by the kernel for want of CAP_NET_ADMIN.
#[track_caller]
fn refused(ran: &attacks::Ran) {
    if ran.stdout.contains("socket: EACCES") {
        ran.exited(4);
        return;
    }
    ran.exited(0);
    if root() {
        ran.line("ack: EPERM");
    }
}

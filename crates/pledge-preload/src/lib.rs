//! Preloaded by the `pledge` command into dynamically linked programs: once the dynamic loader
//! has mapped the program and its libraries, this library's constructor narrows the program
//! from the wide start-up filter to exactly its promises, with a listener the command takes
//! over, before `main` runs. See docs/command.md for the design and its limits.
//!
//! It does nothing in a process the command did not start (no `PLEDGE_CLI_FD` in the
//! environment). In one it did, it either narrows the program or ends it: every failure exits
//! with status 125 (after telling the command why, while that is still possible), so a program
//! never reaches `main` under the start-up filter.

#[path = "../../pledge-cli/src/protocol.rs"]
#[allow(dead_code)] // the command's half of the protocol is not used here
mod protocol;
mod sys;

use std::os::fd::{AsRawFd, RawFd};
use std::path::PathBuf;

use protocol::{Message, ENV_FD, ENV_USER_PRELOAD, MAX_MESSAGE, SETUP_FAILED};
use scopes::{Promise, Promises};

/// Run by the loader after the libraries' own constructors and before the program's.
#[used]
#[link_section = ".init_array"]
static NARROW_AT_LOAD: extern "C" fn() = narrow_at_load;

extern "C" fn narrow_at_load() {
    let Some(fd) = take_environment() else { return };
    let Some(fd) = fd else {
        // The variable is there but unusable: this program was meant to be narrowed.
        sys::exit_now(SETUP_FAILED)
    };
    match std::panic::catch_unwind(|| narrow(fd)) {
        Ok(Ok(())) => {}
        Ok(Err(Failure::Before(why))) => {
            let _ = sys::send(fd, &Message::Failed(why).encode());
            sys::exit_now(SETUP_FAILED)
        }
        Ok(Err(Failure::After)) | Err(_) => sys::exit_now(SETUP_FAILED),
    }
}

/// Removes the command's variables, so the program's own children see the environment the
/// user gave. `None`: not started by the command; `Some(None)`: a malformed descriptor.
fn take_environment() -> Option<Option<RawFd>> {
    let fd = std::env::var_os(ENV_FD)?;
    std::env::remove_var(ENV_FD);
    match std::env::var_os(ENV_USER_PRELOAD) {
        Some(user) => std::env::set_var("LD_PRELOAD", user),
        None => std::env::remove_var("LD_PRELOAD"),
    }
    std::env::remove_var(ENV_USER_PRELOAD);
    Some(
        fd.to_str()
            .and_then(|s| s.parse::<RawFd>().ok())
            .filter(|n| *n >= 0),
    )
}

enum Failure {
    /// Before the program filter: the start-up filter still lets us tell the command why.
    Before(String),
    /// After it: only leaving is certain to be allowed.
    After,
}

fn narrow(fd: RawFd) -> Result<(), Failure> {
    let before = |what: &str, e: std::io::Error| Failure::Before(format!("preload: {what}: {e}"));
    let bytes = sys::recv(fd, MAX_MESSAGE).map_err(|e| before("reading the configuration", e))?;
    let Some(Message::Config { promises, unveils }) = Message::decode(&bytes) else {
        return Err(Failure::Before("preload: malformed configuration".into()));
    };
    let promises =
        Promises::parse(&promises).map_err(|e| Failure::Before(format!("preload: {e}")))?;
    let bytes = sys::recv(fd, MAX_MESSAGE).map_err(|e| before("reading the filter", e))?;
    let Some(Message::Filter(filter)) = Message::decode(&bytes) else {
        return Err(Failure::Before("preload: malformed filter".into()));
    };
    // With `rpath` and no unveiled paths the program can load these itself, later.
    let reads_anything = promises.contains(Promise::Rpath)
        && unveils.iter().all(|(kind, _)| protocol::is_port_rule(kind));
    if !reads_anything {
        sys::warm_libc_caches();
    }

    // Path rules first: building them needs calls the promises may not allow.
    scopes::supervised::restrict_paths(promises, &[])
        .map_err(|e| Failure::Before(format!("promise paths: {e}")))?;
    let rules: Vec<(String, PathBuf)> = unveils
        .into_iter()
        .map(|(perm, path)| (perm, PathBuf::from(path)))
        .collect();
    protocol::apply_unveils(&rules, &[], promises).map_err(Failure::Before)?;

    let listener =
        sys::lowest_free_fd(fd).map_err(|e| before("finding a descriptor for the listener", e))?;
    sys::send(fd, &Message::Ready { listener }.encode()).map_err(|e| before("handshake", e))?;
    let got = match scopes::supervised::install_filter(&filter, true) {
        Ok(Some(got)) => got,
        Ok(None) => {
            return Err(Failure::Before(
                "installing the filter: no listener returned".into(),
            ))
        }
        Err(e) => return Err(Failure::Before(format!("installing the filter: {e}"))),
    };
    if got.as_raw_fd() != listener {
        return Err(Failure::After);
    }
    // Wait until the command holds the listener: it answers this call with 0.
    if sys::barrier() != 0 {
        return Err(Failure::After);
    }
    if promises.contains(Promise::Stdio) {
        drop(got);
        sys::close(fd);
    } else {
        // Closing needs `stdio`. Left open, neither is of use to such a program: without
        // `stdio` it can neither read, write, pass on nor ioctl a descriptor.
        std::mem::forget(got);
    }
    Ok(())
}

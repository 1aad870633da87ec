//! Preloaded by the `pledge` command into dynamically linked programs: once the dynamic loader
//! has mapped the program and its libraries, this library's constructor narrows the program
//! from the wide start-up filter to exactly its promises, with a listener the command takes
//! over, before `main` runs. See docs/command.md for the design and its limits.
//!
//! It does nothing in a process the command did not start (no `PLEDGE_CLI_FD` in the
//! environment). In one it did, it either narrows the program or ends it: every failure exits
//! with status 125 (after telling the command why, while that is still possible), so a program
//! never reaches `main` under the start-up filter. A process that holds the variable without
//! the handshake behind it (a program passed the environment on to a child) is ended the same
//! way, with a message on its stderr, since there is no command to tell.
//!
//! The environment is read and edited directly, in the arrays `main` and `getenv` use, never
//! through libc's `getenv`/`unsetenv`: a program may define its own (bash does).

#[path = "../src/protocol.rs"]
#[allow(dead_code)] // the command's half of the protocol is not used here
mod protocol;
mod sys;

use std::ffi::{c_char, c_int};
use std::os::fd::{AsRawFd, IntoRawFd, RawFd};
use std::path::PathBuf;

use protocol::{Message, ENV_FD, ENV_USER_PRELOAD, MAX_MESSAGE, SETUP_FAILED};
use scopes::{Promise, Promises};

/// Run by the loader after the libraries' own constructors and before the program's.
#[used]
#[link_section = ".init_array"]
static NARROW_AT_LOAD: extern "C" fn(c_int, *const *const c_char, *mut *mut c_char) =
    narrow_at_load;

/// glibc calls `.init_array` functions with `main`'s arguments: `envp` is the array `main`
/// will receive.
extern "C" fn narrow_at_load(_argc: c_int, argv: *const *const c_char, envp: *mut *mut c_char) {
    let Some(fd) = take_environment(envp) else {
        return;
    };
    let program = program_name(argv);
    let Some(fd) = fd else {
        // The variable is there but unusable: this program was meant to be narrowed.
        stale(&program, "it holds no descriptor number")
    };
    match std::panic::catch_unwind(|| narrow(fd)) {
        Ok(Ok(())) => {}
        Ok(Err(Failure::Stale(why))) => stale(&program, &why),
        Ok(Err(Failure::Before(why))) => {
            let _ = sys::send(fd, &Message::Failed(why).encode());
            sys::exit_now(SETUP_FAILED)
        }
        Ok(Err(Failure::After)) | Err(_) => sys::exit_now(SETUP_FAILED),
    }
}

/// Removes the command's variables, so the program's own children see the environment the
/// user gave: edits the environment arrays directly (see [`sys::edit_environment`]), never
/// through libc functions the program may have replaced. `None`: not started by the command;
/// `Some(None)`: a malformed descriptor.
fn take_environment(envp: *mut *mut c_char) -> Option<Option<RawFd>> {
    let value = |entry: &'static [u8], name: &str| -> Option<&'static [u8]> {
        entry
            .strip_prefix(name.as_bytes())
            .and_then(|rest| rest.strip_prefix(b"="))
    };
    let env = sys::environment(envp);
    // The first of duplicates is the one getenv() finds.
    let fd = env.iter().find_map(|e| value(e, ENV_FD))?;
    let user = env.iter().find_map(|e| value(e, ENV_USER_PRELOAD));
    let restored = user.map(|u| [b"LD_PRELOAD=".as_slice(), u].concat());
    sys::edit_environment(envp, &|entry| {
        let named =
            |name: &str| entry.starts_with(name.as_bytes()) && entry.get(name.len()) == Some(&b'=');
        if named(ENV_FD) || named(ENV_USER_PRELOAD) {
            sys::Edit::Remove
        } else if named("LD_PRELOAD") {
            match &restored {
                Some(r) => sys::Edit::Replace(r.clone()),
                None => sys::Edit::Remove,
            }
        } else {
            sys::Edit::Keep
        }
    });
    Some(
        std::str::from_utf8(fd)
            .ok()
            .and_then(|s| s.parse::<RawFd>().ok())
            .filter(|n| *n >= 0),
    )
}

/// The program's name for messages: `argv[0]`, quoted and escaped.
fn program_name(argv: *const *const c_char) -> String {
    let name = sys::first_argument(argv).unwrap_or_default();
    format!("{:?}", String::from_utf8_lossy(&name))
}

/// Ends a process that holds pledge's handshake variable but not the handshake: a program
/// passed pledge's private environment on (to a child it executed), or someone set it by hand.
/// There is no command to tell: say so on stderr, and never run the program.
fn stale(program: &str, why: &str) -> ! {
    sys::say(&format!(
        "pledge: preload: {program} (pid {}) was started with ${ENV_FD} but without pledge's \
         handshake ({why}): a program passed pledge's private environment on to it; refusing to \
         run it\n",
        std::process::id()
    ));
    sys::exit_now(SETUP_FAILED)
}

enum Failure {
    /// No handshake on the descriptor: see [`stale`].
    Stale(String),
    /// Before the program filter: the start-up filter still lets us tell the command why.
    Before(String),
    /// After it: only leaving is certain to be allowed.
    After,
}

fn narrow(fd: RawFd) -> Result<(), Failure> {
    let before = |what: &str, e: std::io::Error| Failure::Before(format!("preload: {what}: {e}"));
    // The command sends the configuration before it starts the program: it is waiting, unless
    // this is not the command's handshake at all (a stale number, another file, a socket of the
    // program's own). Never wait for it: nothing may ever come.
    let bytes = sys::recv_waiting(fd, MAX_MESSAGE).map_err(|e| {
        Failure::Stale(match e.raw_os_error() {
            Some(libc::EAGAIN) => format!("descriptor {fd} has no configuration waiting"),
            _ => format!("descriptor {fd}: {e}"),
        })
    })?;
    let Some(Message::Config {
        promises,
        unveils,
        observed,
    }) = Message::decode(&bytes)
    else {
        return Err(Failure::Stale(format!(
            "descriptor {fd} does not hold pledge's configuration"
        )));
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
    if promises.contains(Promise::Stdio) || observed {
        // Observed by `pledge --learn`, the closes run (and are not counted): the program
        // must see what an unwatched run would. Two bare close() calls and nothing else (the
        // observer skips exactly those; OwnedFd's drop may query the descriptor first).
        sys::close(got.into_raw_fd());
        sys::close(fd);
        // The memfd the loader mapped this library from (`/proc/self/fd/N`): the mapping
        // stays, the program need not hold the descriptor.
        if let Some(own) = sys::own_descriptor() {
            sys::close(own);
        }
    } else {
        // Closing needs `stdio`. Left open, neither is of use to such a program: without
        // `stdio` it can neither read, write, pass on nor ioctl a descriptor.
        std::mem::forget(got);
    }
    Ok(())
}

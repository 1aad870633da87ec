//! Starting the program: the fork, and everything the child does before `execve` — limits,
//! descriptor hygiene, capabilities, and the first filter (see [`pledge_handshake`]).

use std::ffi::{CString, OsString};
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use crate::preload::Preload;

use scopes::policy::{Context, CurrentContext as _};
use scopes::{Arch, Promise};

use crate::filters;
use crate::options::{Limits, Run};
use crate::program::{Program, Start};
use crate::rules::{self, Rule};
use crate::sys::{self, SigSet};
use pledge_handshake::{
    LayerInfo, LayerKind, Message, SetupOptions, ENV_FD, ENV_USER_PRELOAD, SETUP_FAILED,
};

/// The started child, seen from the command.
pub struct Child {
    /// Its pid.
    pub pid: libc::pid_t,
    /// A pidfd for it.
    pub pidfd: OwnedFd,
    /// The command's end of the handshake socket.
    pub handshake: OwnedFd,
}

/// What the child needs, prepared before the fork.
struct Plan<'a> {
    run: &'a Run,
    program: &'a Program,
    path: CString,
    argv: Vec<CString>,
    envp: Vec<CString>,
    /// The child's end of the handshake socket, and the number it must have in the program.
    handshake: RawFd,
    handshake_target: RawFd,
    /// The preload's memfd, which the child keeps for its loader, and the number it must have
    /// in the program.
    preload: Option<(RawFd, RawFd)>,
    mask: SigSet,
    /// The command's pid: the child must die with it.
    supervisor: libc::pid_t,
}

fn cstring(bytes: Vec<u8>, what: &str) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{what} holds a NUL byte"),
        )
    })
}

/// The environment the program starts with: the command's own, plus, for a dynamic program,
/// the preload and the handshake descriptor (which the preload removes again).
fn environment(start: Start, preload: Option<&Path>, handshake: RawFd) -> io::Result<Vec<CString>> {
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, _)| {
            k != ENV_FD && k != ENV_USER_PRELOAD && !(start == Start::Dynamic && k == "LD_PRELOAD")
        })
        .collect();
    if start == Start::Dynamic {
        let preload = preload.expect("a dynamic program needs the preload");
        let mut value = preload.as_os_str().to_os_string();
        if let Some(user) = std::env::var_os("LD_PRELOAD").filter(|v| !v.is_empty()) {
            value.push(" ");
            value.push(&user);
            env.push((ENV_USER_PRELOAD.into(), user));
        }
        env.push(("LD_PRELOAD".into(), value));
        env.push((ENV_FD.into(), handshake.to_string().into()));
    }
    env.into_iter()
        .map(|(k, v)| {
            let mut kv = k.into_vec();
            kv.push(b'=');
            kv.extend(v.into_vec());
            cstring(kv, "an environment variable")
        })
        .collect()
}

/// Forks the child that becomes the program. `mask` is the signal mask to restore in it.
///
/// The command becomes a child subreaper first: whatever the program starts, and however
/// (double forks, `clone(CLONE_PARENT)`), stays below the command, to be found and killed.
pub fn spawn(
    run: &Run,
    program: &Program,
    preload: Option<&Preload>,
    mask: SigSet,
) -> io::Result<Child> {
    sys::become_subreaper()?;
    let (ours, theirs) = sys::seqpacket_pair()?;
    let handshake_target = if run.close_fds { 3 } else { theirs.as_raw_fd() };
    // Under --close-fds the memfd goes beside the handshake socket (it is numbered 5 or more
    // here, so neither move closes the other).
    let preload_fds = preload
        .and_then(Preload::fd)
        .map(|fd| (fd, if run.close_fds { 4 } else { fd }));
    let preload_path = preload.map(|p| p.path(preload_fds.map_or(-1, |(_, target)| target)));
    let plan = Plan {
        run,
        program,
        path: cstring(
            program.path.as_os_str().as_bytes().to_vec(),
            "the program path",
        )?,
        argv: std::iter::once(&run.program)
            .chain(&run.args)
            .map(|a| cstring(a.as_bytes().to_vec(), "an argument"))
            .collect::<io::Result<_>>()?,
        envp: environment(program.start, preload_path.as_deref(), handshake_target)?,
        handshake: theirs.as_raw_fd(),
        handshake_target,
        preload: preload_fds,
        mask,
        supervisor: sys::getpid(),
    };
    if program.start == Start::Dynamic {
        sys::send(ours.as_raw_fd(), &setup(run).encode())?;
    }
    let forked = if program.start == Start::Dynamic {
        // The child shares this process's memory until its execve, so no page is copied for
        // either side; it can, since nothing it does before execve waits for this process.
        let ours_fd = ours.as_raw_fd();
        sys::spawn_shared(&mut || {
            let _ = sys::close_range(ours_fd as u32, ours_fd as u32);
            child(&plan)
        })
        .map(sys::Forked::Parent)?
    } else {
        // The child's execve waits for this process to take the listener: a real fork.
        sys::fork()?
    };
    match forked {
        sys::Forked::Child => {
            drop(ours);
            child(&plan)
        }
        sys::Forked::Parent(pid) => {
            drop(theirs);
            let pidfd = sys::pidfd_open(pid)?;
            if program.start == Start::Dynamic {
                let kill = |e: io::Error| {
                    let _ = sys::pidfd_send_signal(pidfd.as_fd(), libc::SIGKILL);
                    let _ = sys::wait(pid, true);
                    e
                };
                // Built here, for the child's pid, while the program loads.
                let layers = layers(run, program, pid).map_err(kill)?;
                let ctx = Context {
                    pid: pid as u32,
                    ..Context::current()
                };
                let message = Message::Filter {
                    layers: layers
                        .iter()
                        .map(|(kind, layer)| LayerInfo {
                            kind: *kind,
                            flags: layer.flags,
                        })
                        .collect(),
                    prog: filters::program_filter(run.promises, Arch::native(), ctx),
                };
                let fds: Vec<RawFd> = layers.iter().map(|(_, l)| l.ruleset.as_raw_fd()).collect();
                // The command's copies of the rulesets are closed once sent.
                let sent = sys::send_with_fds(ours.as_raw_fd(), &message.encode(), &fds);
                drop(layers);
                match sent {
                    // The child already closed its end (its execve failed and it said why, or
                    // the program ended without the preload; ECONNRESET when it closed with
                    // the configuration unread): the supervisor reports that. The preload
                    // never runs without the filter.
                    Err(e) if matches!(e.raw_os_error(), Some(libc::EPIPE | libc::ECONNRESET)) => {}
                    Err(e) => return Err(kill(e)),
                    Ok(()) => {}
                }
            }
            Ok(Child {
                pid,
                pidfd,
                handshake: ours,
            })
        }
    }
}

/// What the preload needs to know besides the layers and the filter, sent before the program
/// starts ([`Message::Setup`]).
fn setup(run: &Run) -> Message {
    // With `rpath` and no unveiled paths the program can load libc's files itself, later.
    let reads_anything =
        run.promises.contains(Promise::Rpath) && run.unveils.iter().all(|u| u.is_port());
    Message::Setup {
        options: SetupOptions {
            close_descriptors: run.promises.contains(Promise::Stdio) || run.observed,
            warm_libc_caches: !reads_anything,
        },
    }
}

/// Builds the program's Landlock layers here (the promises' paths, then the `-v` rules), with
/// the library code a process that narrows itself uses, for the preload to enforce on the
/// program (pid `pid`). Paths are opened here: `/proc/self` and `/proc/thread-self` in a rule
/// mean the program's, as they did when the program opened them itself.
fn layers(
    run: &Run,
    program: &Program,
    pid: libc::pid_t,
) -> io::Result<Vec<(LayerKind, scopes::supervised::Layer)>> {
    let failed = |text: String| io::Error::other(text);
    let mut layers = Vec::new();
    if let Some(layer) = scopes::supervised::path_layer(run.promises, &[])
        .map_err(|e| failed(format!("promise paths: {e}")))?
    {
        layers.push((LayerKind::Promises, layer));
    }
    let rules: Vec<Rule> = run
        .unveils
        .iter()
        .map(|rule| match rule {
            Rule::Unveil { permissions, path } => Rule::Unveil {
                permissions: *permissions,
                path: in_program(path, pid),
            },
            other => other.clone(),
        })
        .chain(script_rules(run, program))
        .collect();
    if let Some(layer) = rules::layer(&rules, run.promises).map_err(failed)? {
        layers.push((LayerKind::Unveil, layer));
    }
    Ok(layers)
}

/// `path` as the program (pid `pid`, whose only thread is `pid` while its preload runs) would
/// open it: `/proc/self` and `/proc/thread-self` at its start name the program's entries, not
/// the command's.
fn in_program(path: &Path, pid: libc::pid_t) -> PathBuf {
    let mut parts = path.components();
    let start: Vec<_> = parts.by_ref().take(3).collect();
    use std::path::Component::{Normal, RootDir};
    match start.as_slice() {
        [RootDir, Normal(proc), Normal(which)] if *proc == "proc" => {
            let own = if *which == "self" {
                PathBuf::from(format!("/proc/{pid}"))
            } else if *which == "thread-self" {
                PathBuf::from(format!("/proc/{pid}/task/{pid}"))
            } else {
                return path.to_path_buf();
            };
            let rest = parts.as_path();
            if rest.as_os_str().is_empty() {
                own
            } else {
                own.join(rest)
            }
        }
        _ => path.to_path_buf(),
    }
}

/// With `-v` path rules, the files the command line names stay readable: a script and each
/// interpreter on the way to it (`executed`), kept reachable (read and execute), so that an
/// interpreter can read the script it was asked to run even outside the unveiled paths.
/// Without path rules nothing is added (a rule would hide everything else).
fn script_rules(run: &Run, program: &Program) -> Vec<Rule> {
    if program.scripts.is_empty() || !run.unveils.iter().any(|u| !u.is_port()) {
        return Vec::new();
    }
    program
        .executed
        .iter()
        .map(|p| Rule::Reachable(p.clone()))
        .collect()
}

/// In the child: sets the sandbox up and executes the program. Any failure is sent to the
/// command as [`Message::Failed`], and the child exits [`SETUP_FAILED`].
fn child(plan: &Plan<'_>) -> ! {
    let fail = |fd: RawFd, what: String| -> ! {
        let _ = sys::send(fd, &Message::Failed(what).encode());
        sys::exit_now(SETUP_FAILED)
    };
    let mut fd = plan.handshake;
    if let Err(e) = prepare(plan, &mut fd) {
        fail(fd, e)
    }
    let err = sys::execve(&plan.path, &plan.argv, &plan.envp);
    // Under the program filter only a child holding `stdio` may still write; without it, the
    // exit status alone tells (the command checked the usual causes before forking).
    let under_stdio =
        plan.program.start == Start::Dynamic || plan.run.promises.contains(Promise::Stdio);
    if under_stdio {
        let _ = sys::send(
            fd,
            &Message::Failed(format!(
                "{}: {}",
                plan.program.path.display(),
                crate::describe_io(&err)
            ))
            .encode(),
        );
    }
    sys::exit_now(if err.kind() == io::ErrorKind::NotFound {
        127
    } else {
        126
    })
}

fn prepare(plan: &Plan<'_>, fd: &mut RawFd) -> Result<(), String> {
    let os = |what: &str, e: io::Error| format!("{what}: {}", crate::describe_io(&e));
    // The program never outlives the command, even one killed with SIGKILL. (The kernel
    // forgets this request when the process changes its user or group ids; see
    // docs/command.md.)
    sys::die_with_parent(plan.supervisor).map_err(|e| os("tying the program to pledge", e))?;
    sys::set_signal_mask(&plan.mask).map_err(|e| os("restoring the signal mask", e))?;
    sys::reset_signal_dispositions().map_err(|e| os("resetting signal dispositions", e))?;
    let dynamic = plan.program.start == Start::Dynamic;
    // The preload needs its end after execve; a static program must not inherit it.
    sys::dup_onto(*fd, plan.handshake_target, !dynamic)
        .map_err(|e| os("placing the handshake socket", e))?;
    if plan.handshake_target != *fd {
        *fd = plan.handshake_target;
    }
    let mut last_kept = *fd;
    if let Some((memfd, target)) = plan.preload {
        sys::dup_onto(memfd, target, false).map_err(|e| os("placing the preload", e))?;
        last_kept = last_kept.max(target);
    }
    if plan.run.close_fds {
        sys::close_range(3, (*fd as u32).saturating_sub(1))
            .map_err(|e| os("closing inherited descriptors", e))?;
        sys::close_range(last_kept as u32 + 1, u32::MAX)
            .map_err(|e| os("closing inherited descriptors", e))?;
    }
    set_limits(&plan.run.limits, false)?;
    if plan.run.drop_caps {
        sys::drop_capabilities().map_err(|e| os("dropping capabilities", e))?;
    }
    // Whatever the promises (even `proc`), the program and everything it starts may signal
    // one another but nothing outside, the command included: a stopped or dead supervisor
    // would leave the program's violations unanswered or unreported. Where the kernel cannot
    // (Landlock before ABI 6), the command ignores what it can (see `supervisor::immune`).
    scopes::supervised::scope_signals().map_err(|e| format!("confining signals: {e}"))?;
    if !plan.run.keep_capabilities {
        // Those no promise needs, as pledge() drops them; under no_new_privs (set with the
        // first filter, below) execve cannot give any back.
        scopes::supervised::drop_capabilities(plan.run.promises)
            .map_err(|e| format!("dropping capabilities: {e}"))?;
    }
    if dynamic {
        set_limits(&plan.run.limits, true)?;
        // Here, in the child: "own pid" checks need the program's pid, and this filter
        // stays in force for the program's life (seccomp takes the strictest answer).
        let filter = filters::startup_filter(
            plan.run.promises,
            Arch::native(),
            Context::current(),
            plan.path.as_ptr() as u64,
        );
        scopes::supervised::install_filter(&filter, false)
            .map_err(|e| format!("installing the startup filter: {e}"))?;
        return Ok(());
    }
    // Static: the promises apply from execve on, and the path rules must let execve through
    // (Landlock wants read and execute on each file execve opens).
    let executed: Vec<(PathBuf, &str)> = plan
        .program
        .executed
        .iter()
        .map(|p| (p.clone(), "rx"))
        .collect();
    scopes::supervised::restrict_paths(plan.run.promises, &executed)
        .map_err(|e| format!("promise paths: {e}"))?;
    rules::apply(&plan.run.unveils, &plan.program.executed, plan.run.promises)?;
    let filter = filters::program_filter(plan.run.promises, Arch::native(), Context::current());
    let listener =
        sys::lowest_free_fd(*fd).map_err(|e| os("finding a descriptor for the listener", e))?;
    sys::send(*fd, &Message::Ready { listener }.encode()).map_err(|e| os("handshake", e))?;
    set_limits(&plan.run.limits, true)?;
    let got = scopes::supervised::install_filter(&filter, true)
        .map_err(|e| format!("installing the filter: {e}"))?;
    let got = got.ok_or("installing the filter: no listener returned")?;
    if got.as_raw_fd() != listener {
        return Err(format!(
            "the listener got descriptor {} instead of {listener}",
            got.as_raw_fd()
        ));
    }
    // Kept open (close-on-exec) until execve: the command takes its copy meanwhile.
    std::mem::forget(got);
    Ok(())
}

/// Sets the resource limits: all but the descriptor limit first (`last` false), then that one
/// (`last` true), just before the filter, so that setting up needs no spare descriptor.
fn set_limits(limits: &Limits, last: bool) -> Result<(), String> {
    let all = [
        (libc::RLIMIT_CPU, limits.cpu, "--cpu"),
        (libc::RLIMIT_AS, limits.address_space, "--as"),
        (libc::RLIMIT_FSIZE, limits.file_size, "--fsize"),
        (libc::RLIMIT_NPROC, limits.processes, "--nproc"),
        (libc::RLIMIT_NOFILE, limits.open_files, "--nofile"),
    ];
    for (resource, value, option) in all {
        if (resource == libc::RLIMIT_NOFILE) != last {
            continue;
        }
        if let Some(v) = value {
            sys::set_rlimit(resource, v)
                .map_err(|e| format!("{option} {v}: {}", crate::describe_io(&e)))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_self_in_a_rule_is_the_programs() {
        let p = |s: &str| in_program(Path::new(s), 42);
        assert_eq!(p("/proc/self"), Path::new("/proc/42"));
        assert_eq!(p("/proc/self/status"), Path::new("/proc/42/status"));
        assert_eq!(
            p("/proc/thread-self/attr"),
            Path::new("/proc/42/task/42/attr")
        );
        for same in [
            "/proc/selfish",
            "/proc/1/status",
            "/proc",
            "/etc/self",
            "self",
            "/",
        ] {
            assert_eq!(p(same), Path::new(same));
        }
    }
}

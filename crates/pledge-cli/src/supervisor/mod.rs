//! The supervisor: the `pledge` process stays the sandboxed program's parent, takes the
//! seccomp listener in the handshake, answers every call the filter stops, forwards signals,
//! and ends with the program.
//!
//! It knows nothing of promises: a [`Handler`] decides each stopped call (the enforcing one
//! reports and denies; a learning one could record and let it run). The loop itself handles
//! the handshake of [`pledge_handshake`], so no handler ever sees it.

mod call;
mod tree;

pub use call::Call;

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::launch::Child;
use crate::program::Start;
use crate::sys::{self, notif, Ended, SigSet};
use pledge_handshake::{self as handshake, Message, MAX_MESSAGE};

/// The signals forwarded to the program (when sent with kill(); the terminal's own go to the
/// program directly, since it shares the command's process group).
pub const FORWARDED: &[i32] = &[
    libc::SIGINT,
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
];

/// The signals the command blocks and never reads: their default action would end it, and it
/// has no use for them. A program that reaches the command with them (where the kernel cannot
/// scope the program's signals, see [`crate::launch`]) leaves them pending for ever. Faults the
/// command would really cause are delivered all the same (the kernel unblocks them). The stop
/// signals of job control (SIGTSTP, SIGTTIN, SIGTTOU) keep their default, so that ^Z stops the
/// command as a shell expects; SIGSTOP and SIGKILL cannot be blocked.
fn immune() -> Vec<i32> {
    let mut set = vec![
        libc::SIGALRM,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGIO,
        libc::SIGPWR,
        libc::SIGSTKFLT,
        libc::SIGXCPU,
        libc::SIGXFSZ,
        libc::SIGSYS,
        libc::SIGTRAP,
        libc::SIGABRT,
        libc::SIGBUS,
        libc::SIGFPE,
        libc::SIGILL,
        libc::SIGSEGV,
    ];
    set.extend(libc::SIGRTMIN()..=libc::SIGRTMAX());
    set
}

/// How long the command tries to end the processes left below it before it gives up on those
/// that do not die (a process stuck in an uninterruptible wait).
const END_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the program may take from fork to the end of the handshake (loading included),
/// unless `$PLEDGE_HANDSHAKE_TIMEOUT` (seconds) says otherwise.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the supervisor keeps asking for the listener without sleeping, once the program
/// said it is about to install it.
const SPIN: Duration = Duration::from_millis(2);

/// The environment variable that overrides [`HANDSHAKE_TIMEOUT`], for very slow machines.
pub const ENV_HANDSHAKE_TIMEOUT: &str = "PLEDGE_HANDSHAKE_TIMEOUT";

/// The handshake timeout in force: [`ENV_HANDSHAKE_TIMEOUT`] if it holds a positive number of
/// seconds, else [`HANDSHAKE_TIMEOUT`].
pub fn handshake_timeout() -> Result<Duration, String> {
    match std::env::var(ENV_HANDSHAKE_TIMEOUT) {
        Err(_) => Ok(HANDSHAKE_TIMEOUT),
        Ok(text) => match text.parse::<f64>() {
            Ok(secs) if secs > 0.0 && secs < 1e6 => Ok(Duration::from_secs_f64(secs)),
            _ => Err(format!(
                "${ENV_HANDSHAKE_TIMEOUT}: \"{text}\" is not a positive number of seconds"
            )),
        },
    }
}

/// What to do with a stopped call.
pub enum Answer {
    /// Fail with this errno; the call does not run.
    Fail(i32),
    /// Run the call as if the filter had allowed it. Only for decisions that do not depend on
    /// memory the process can change (see [`Call::read_bytes`]).
    Continue,
    /// Return a copy of this file (the command opened it) as the call's new descriptor.
    Open {
        /// The file.
        file: File,
        /// Whether the new descriptor is close-on-exec.
        cloexec: bool,
    },
    /// Kill the calling process and the whole program; the call does not run.
    KillProgram,
    /// The call returns this value without running (the command did its work, e.g. wrote a
    /// link's target into the caller's buffer).
    Return(i64),
}

/// Decides the calls the filter stops, after the handshake.
pub trait Handler {
    /// Answers one stopped call.
    fn on_call(&mut self, call: &Call<'_>) -> Answer;

    /// The program ended by itself (not killed under `-k`): the last word, after every call
    /// was answered.
    fn on_end(&mut self) {}

    /// The program ended by itself and `killed` processes it had started were still running:
    /// the supervisor killed them (nothing runs on without it).
    fn on_leftovers(&mut self, killed: usize) {
        let _ = killed;
    }
}

/// How supervision ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The program ended by itself (or by a forwarded signal).
    Ended(Ended),
    /// A handler asked to kill it ([`Answer::KillProgram`]).
    Killed,
    /// The sandbox could not be set up, the handshake failed, or `execve` failed; the text says
    /// why, and `status` is the exit status to give (125, or 126/127 from a failed `execve`).
    Failed {
        /// Why.
        why: String,
        /// The exit status.
        status: i32,
    },
}

#[derive(Debug, PartialEq, Eq)]
enum Handshake {
    /// Waiting for [`Message::Ready`].
    Ready,
    /// The listener will be this descriptor in the program; waiting for it to exist.
    Listener(i32),
    /// Holding the listener; waiting for the barrier call.
    Barrier,
    /// Done.
    Done,
}

/// Supervises `child` until it ends. `signals` is a signalfd for [`FORWARDED`].
///
/// The handshake must end within [`handshake_timeout`] (callers check that setting before
/// starting the child; a bad one here falls back to [`HANDSHAKE_TIMEOUT`]).
pub fn supervise(
    child: Child,
    start: Start,
    signals: OwnedFd,
    handler: &mut dyn Handler,
) -> Outcome {
    let timeout = handshake_timeout().unwrap_or(HANDSHAKE_TIMEOUT);
    let mut s = Supervisor {
        child,
        start,
        handshake: Handshake::Ready,
        handshake_open: true,
        listener: None,
        deadline: Instant::now() + timeout,
        timeout,
        failure: None,
        killed: false,
        ended: None,
    };
    let outcome = s.run(signals.as_fd(), handler);
    if matches!(outcome, Outcome::Failed { .. }) {
        // Whatever went wrong, the program must not run on unsupervised.
        s.kill_program();
        s.end_tree();
    }
    outcome
}

struct Supervisor {
    child: Child,
    start: Start,
    handshake: Handshake,
    handshake_open: bool,
    listener: Option<OwnedFd>,
    deadline: Instant,
    timeout: Duration,
    /// A [`Message::Failed`] from the child or the preload.
    failure: Option<String>,
    killed: bool,
    /// How the program ended, once reaped.
    ended: Option<Ended>,
}

/// What [`Supervisor::end_tree`] did.
struct TreeEnd {
    /// Processes found alive and killed (the program itself not counted).
    killed: usize,
    /// Processes that did not die in time.
    stuck: usize,
}

impl Supervisor {
    fn run(&mut self, signals: BorrowedFd<'_>, handler: &mut dyn Handler) -> Outcome {
        loop {
            let mut fds = vec![
                libc::pollfd {
                    fd: self.child.pidfd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: signals.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            if self.handshake_open {
                fds.push(libc::pollfd {
                    fd: self.child.handshake.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
            if let Some(l) = &self.listener {
                fds.push(libc::pollfd {
                    fd: l.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
            let timeout = if self.handshake == Handshake::Done {
                None
            } else {
                let left = self.deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return self.setup_failed(format!(
                        "the program did not finish starting within {:.1} seconds; it was killed \
                         (its promises were never installed; ${ENV_HANDSHAKE_TIMEOUT} sets the limit)",
                        self.timeout.as_secs_f64()
                    ));
                }
                // While waiting for the listener to exist (the program installs it right after
                // saying it will), look again soon: it is a matter of microseconds.
                if matches!(self.handshake, Handshake::Listener(_)) {
                    Some(left.min(Duration::from_micros(20)))
                } else {
                    Some(left)
                }
            };
            if let Err(e) = sys::poll(&mut fds, timeout) {
                return self.setup_failed(format!("poll: {}", crate::describe_io(&e)));
            }
            let ready = |fd: RawFdLike| fds.iter().any(|p| p.fd == fd && p.revents != 0);

            if ready(signals.as_raw_fd()) {
                self.forward_signal(signals);
            }
            if self.handshake_open && ready(self.child.handshake.as_raw_fd()) {
                if let Err(why) = self.on_message() {
                    return self.setup_failed(why);
                }
            }
            if let Handshake::Listener(fd) = self.handshake {
                if let Err(why) = self.take_listener(fd) {
                    return self.setup_failed(why);
                }
            }
            if let Some(listener) = self.listener.as_ref().map(|l| l.as_raw_fd()) {
                let revents = fds
                    .iter()
                    .find(|p| p.fd == listener)
                    .map_or(0, |p| p.revents);
                if revents & libc::POLLIN != 0 {
                    if let Err(why) = self.on_notification(handler) {
                        return self.setup_failed(why);
                    }
                } else if revents & (libc::POLLHUP | libc::POLLERR) != 0 {
                    // No process uses the filter any more.
                    self.listener = None;
                }
            }
            if ready(self.child.pidfd.as_raw_fd()) || self.ended.is_some() {
                return self.on_exit(handler);
            }
        }
    }

    fn setup_failed(&mut self, why: String) -> Outcome {
        Outcome::Failed {
            why: self.failure.take().unwrap_or(why),
            status: handshake::SETUP_FAILED,
        }
    }

    fn on_exit(&mut self, handler: &mut dyn Handler) -> Outcome {
        // The program is gone: so must be everything it started, before the listener closes
        // (reaping the program on the way).
        let tree = self.end_tree();
        if tree.stuck > 0 {
            crate::error(&format!(
                "{} process{} the program started could not be killed",
                tree.stuck,
                if tree.stuck == 1 { "" } else { "es" }
            ));
        }
        let Some(ended) = self.ended else {
            return self.setup_failed("waitpid: the program vanished".into());
        };
        if self.killed {
            return Outcome::Killed;
        }
        if tree.killed > 0 {
            handler.on_leftovers(tree.killed);
        }
        handler.on_end();
        // A late message (execve failed after the filter was in place) explains the status.
        if self.handshake_open {
            let _ = self.on_message();
        }
        if let Some(why) = self.failure.take() {
            let status = match ended {
                Ended::Exited(code @ (126 | 127)) => code,
                _ => handshake::SETUP_FAILED,
            };
            return Outcome::Failed { why, status };
        }
        if self.handshake != Handshake::Done {
            if ended == Ended::Exited(handshake::SETUP_FAILED) {
                return self.setup_failed(
                    "the program could not be narrowed to its promises (the preload gave up)"
                        .into(),
                );
            }
            if self.start == Start::Dynamic && self.handshake == Handshake::Ready {
                // It ran to its end without the preload ever narrowing it.
                return self.setup_failed(
                    "the program ended before pledge's preload narrowed it to its promises \
                     (was the preload loaded? see \"pledge --help\")"
                        .into(),
                );
            }
        }
        Outcome::Ended(ended)
    }

    fn on_message(&mut self) -> Result<(), String> {
        // Never waiting: a process the program started may hold the other end for ever.
        let bytes = match sys::recv_now(self.child.handshake.as_raw_fd(), MAX_MESSAGE) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            // The other end closed with our configuration unread: a program that ran without
            // the preload (see on_exit).
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Vec::new(),
            Err(e) => return Err(format!("handshake: {}", crate::describe_io(&e))),
        };
        if bytes.is_empty() {
            // Closed: the preload is done with it, or a static program's execve closed it.
            self.handshake_open = false;
            return Ok(());
        }
        match Message::decode(&bytes) {
            Some(Message::Ready { listener }) if self.handshake == Handshake::Ready => {
                self.handshake = Handshake::Listener(listener);
                Ok(())
            }
            Some(Message::Failed(why)) => {
                // The sender exits next; its status (126/127 for execve) is the one to give.
                self.failure = Some(why);
                Ok(())
            }
            _ if self.handshake == Handshake::Done => {
                // Only the program could write this late; it cannot steer the supervisor.
                self.handshake_open = false;
                Ok(())
            }
            _ => Err("handshake: unexpected message".into()),
        }
    }

    /// Takes the program's listener once it exists.
    fn take_listener(&mut self, fd: i32) -> Result<(), String> {
        // The program installs the filter right after saying so, a matter of a hundred
        // microseconds: ask again at once, giving the CPU away in between, before falling back
        // to short polls.
        let spin_until = Instant::now() + SPIN;
        let mut attempt = sys::pidfd_getfd(self.child.pidfd.as_fd(), fd);
        while matches!(&attempt, Err(e) if e.raw_os_error() == Some(libc::EBADF))
            && Instant::now() < spin_until
        {
            sys::yield_cpu();
            attempt = sys::pidfd_getfd(self.child.pidfd.as_fd(), fd);
        }
        let got = match attempt {
            Ok(got) => got,
            Err(e) if e.raw_os_error() == Some(libc::EBADF) => return Ok(()), // not yet
            Err(e) if e.raw_os_error() == Some(libc::ESRCH) => return Ok(()), // exiting: see on_exit
            Err(e) => {
                return Err(format!(
                    "taking the seccomp listener from the program (pidfd_getfd): {}{}",
                    crate::describe_io(&e),
                    if e.raw_os_error() == Some(libc::EPERM) {
                        " (ptrace access to one's own child is refused here: kernel.yama.ptrace_scope?)"
                    } else {
                        ""
                    }
                ))
            }
        };
        let kind =
            std::fs::read_link(format!("/proc/self/fd/{}", got.as_raw_fd())).unwrap_or_default();
        if kind.as_os_str() != "anon_inode:seccomp notify" {
            return Err(format!(
                "handshake: descriptor {fd} of the program is not its seccomp listener"
            ));
        }
        self.listener = Some(got);
        self.handshake = Handshake::Barrier;
        Ok(())
    }

    fn on_notification(&mut self, handler: &mut dyn Handler) -> Result<(), String> {
        let owned = self.listener.take().expect("polled");
        let result = self.answer(owned.as_fd(), handler);
        self.listener = Some(owned);
        result
    }

    fn answer(
        &mut self,
        listener: BorrowedFd<'_>,
        handler: &mut dyn Handler,
    ) -> Result<(), String> {
        let n = match notif::recv(listener) {
            Ok(n) => n,
            // The caller was killed before we read it.
            Err(e)
                if e.raw_os_error() == Some(libc::ENOENT)
                    || e.kind() == io::ErrorKind::Interrupted =>
            {
                return Ok(())
            }
            Err(e) => {
                return Err(format!(
                    "receiving a notification: {}",
                    crate::describe_io(&e)
                ))
            }
        };
        let call = Call::new(n, listener);
        if self.handshake == Handshake::Barrier {
            return self.on_barrier(listener, &call);
        }
        let answer = handler.on_call(&call);
        let id = call.id();
        let sent = match answer {
            Answer::Fail(errno) => notif::fail(listener, id, errno),
            Answer::Continue => notif::continue_call(listener, id),
            Answer::Return(value) => notif::succeed(listener, id, value),
            Answer::Open { file, cloexec } => {
                match notif::answer_with_fd(listener, id, file.as_fd(), cloexec) {
                    // The caller is out of descriptors: its open fails as it would have by
                    // itself, and supervision goes on.
                    Err(e) if e.raw_os_error() == Some(libc::EMFILE) => {
                        notif::fail(listener, id, libc::EMFILE)
                    }
                    other => other.map(drop),
                }
            }
            Answer::KillProgram => {
                // The caller first: it must never return from this call.
                let (tgid, _) = call.process();
                if call.still_pending() {
                    let _ = sys::kill(tgid as i32, libc::SIGKILL);
                }
                self.kill_program();
                self.killed = true;
                Ok(())
            }
        };
        match sent {
            // ENOENT: the caller died meanwhile; the call never ran.
            Err(e) if e.raw_os_error() != Some(libc::ENOENT) => {
                // An answer we could not give leaves the call stopped for good: deny it.
                let _ = notif::fail(listener, id, libc::EPERM);
                Err(format!(
                    "answering a notification: {}",
                    crate::describe_io(&e)
                ))
            }
            _ => Ok(()),
        }
    }

    /// The first stopped call must be the handshake's barrier, from the program itself.
    fn on_barrier(&mut self, listener: BorrowedFd<'_>, call: &Call<'_>) -> Result<(), String> {
        let is_exec = call.name() == Some("execve");
        let from_child = call.tid() == self.child.pid as u32;
        match self.start {
            Start::Dynamic if is_exec && from_child && handshake::is_barrier(call.args()) => {
                notif::succeed(listener, call.id(), 0)
                    .map_err(|e| format!("handshake: {}", crate::describe_io(&e)))?;
            }
            // The child's own execve of the program, which the command set up itself.
            Start::Static if is_exec && from_child => {
                notif::continue_call(listener, call.id())
                    .map_err(|e| format!("handshake: {}", crate::describe_io(&e)))?;
            }
            _ => {
                let _ = notif::fail(listener, call.id(), libc::EPERM);
                return Err(format!(
                    "handshake: unexpected system call {} from pid {}",
                    call.name().unwrap_or("?"),
                    call.tid()
                ));
            }
        }
        self.handshake = Handshake::Done;
        Ok(())
    }

    fn forward_signal(&mut self, signals: BorrowedFd<'_>) {
        let Ok(got) = sys::read_signal(signals) else {
            return;
        };
        if got.signo == libc::SIGCHLD {
            self.reap();
            return;
        }
        // The terminal's keys signal its foreground process group: the program got the signal
        // too, unless it left the command's group (then only the command got ^C), or the
        // command's group is not in the foreground (a hang-up signals the session leader alone).
        if got.code == sys::SI_KERNEL {
            let ours = sys::process_group(0);
            if sys::process_group(self.child.pid) == ours && sys::terminal_foreground() == ours {
                return;
            }
        }
        let _ = sys::pidfd_send_signal(self.child.pidfd.as_fd(), got.signo);
    }

    /// SIGKILLs the program and every process it started (all are below the command, a child
    /// subreaper).
    fn kill_program(&mut self) {
        let _ = sys::pidfd_send_signal(self.child.pidfd.as_fd(), libc::SIGKILL);
        tree::kill_all_below(sys::getpid() as u32);
    }

    /// Reaps every child that ended, noting the program's status. `false` when the command has
    /// no child left at all.
    fn reap(&mut self) -> bool {
        loop {
            match sys::reap_any() {
                Ok(Some((pid, ended))) => {
                    if pid == self.child.pid {
                        self.ended = Some(ended);
                    }
                }
                Ok(None) => return true,
                Err(_) => return false, // ECHILD: none left
            }
        }
    }

    /// Kills every process left below the command and reaps them all, the program included,
    /// giving up after [`END_TIMEOUT`] on those that do not die.
    fn end_tree(&mut self) -> TreeEnd {
        let me = sys::getpid() as u32;
        let deadline = Instant::now() + END_TIMEOUT;
        let mut killed: Vec<u32> = Vec::new();
        // Usually nothing is left and the first reap says so.
        while self.reap() {
            if Instant::now() > deadline {
                return TreeEnd {
                    killed: killed.len(),
                    stuck: tree::kill_all_below(me).len(),
                };
            }
            for pid in tree::kill_all_below(me) {
                if pid != self.child.pid as u32 && !killed.contains(&pid) {
                    killed.push(pid);
                }
            }
            // The killed need a moment to die (and their children to come here).
            let _ = sys::poll(&mut [], Some(Duration::from_millis(1)));
        }
        TreeEnd {
            killed: killed.len(),
            stuck: 0,
        }
    }
}

type RawFdLike = i32;

/// Blocks [`FORWARDED`], SIGCHLD and the signals the command is immune to in the command, and
/// returns a signalfd for the first two, and the mask to restore in the program.
pub fn take_signals() -> io::Result<(OwnedFd, SigSet)> {
    let mut read: Vec<i32> = FORWARDED.to_vec();
    read.push(libc::SIGCHLD);
    let mut blocked = read.clone();
    blocked.extend(immune());
    let old = sys::block_signals(&SigSet::of(&blocked))?;
    Ok((sys::signalfd(&SigSet::of(&read))?, old))
}

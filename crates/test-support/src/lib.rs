//! What the workspace's behaviour tests share: run code in a forked child and see how it
//! ended (exit or signal) with its stderr, and make raw system calls with exactly the
//! arguments a test chooses. The attacker suite and the library's tests both use it.

// Tests call the kernel directly, as the programs they stand for would.
#![allow(unsafe_code)]

use std::io::Read as _;
use std::os::fd::FromRawFd as _;

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// exit(code).
    Exit(i32),
    /// Killed by this signal.
    Signal(i32),
}

/// A finished child.
#[derive(Debug)]
pub struct Child {
    /// How it ended.
    pub end: End,
    /// What it wrote on stderr.
    pub stderr: String,
}

impl Child {
    /// Asserts the child exited 0.
    #[track_caller]
    pub fn ok(&self) -> &Self {
        assert_eq!(self.end, End::Exit(0), "stderr: {}", self.stderr);
        self
    }

    /// Asserts the child died of SIGSYS.
    #[track_caller]
    pub fn killed(&self) -> &Self {
        assert_eq!(
            self.end,
            End::Signal(libc::SIGSYS),
            "stderr: {}",
            self.stderr
        );
        self
    }

    /// Asserts stderr contains `text`.
    #[track_caller]
    pub fn says(&self, text: &str) -> &Self {
        assert!(
            self.stderr.contains(text),
            "expected {text:?} in stderr: {}",
            self.stderr
        );
        self
    }
}

/// Runs `attack` in a forked child with stderr captured; the child exits with its result (a
/// panic exits 101, with the message on the captured stderr).
///
/// ```
/// let child = test_support::run_forked(|| 3);
/// assert_eq!(child.end, test_support::End::Exit(3));
/// ```
pub fn run_forked(attack: impl FnOnce() -> i32) -> Child {
    install_child_panic_hook();
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two descriptors into the array.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: the child runs only `attack` and leaves with _exit, never returning into the
    // test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        // SAFETY: in the child: stderr to the pipe, run, leave with _exit.
        unsafe {
            libc::dup2(fds[1], 2);
            let code =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(attack)).unwrap_or(101);
            libc::_exit(code);
        }
    }
    // SAFETY: the write end is ours to close; the read end becomes a File we own.
    let mut reader = unsafe {
        libc::close(fds[1]);
        std::fs::File::from_raw_fd(fds[0])
    };
    let mut stderr = String::new();
    let _ = reader.read_to_string(&mut stderr);
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    let end = if libc::WIFEXITED(status) {
        End::Exit(libc::WEXITSTATUS(status))
    } else {
        End::Signal(libc::WTERMSIG(status))
    };
    Child { end, stderr }
}

/// The panic hook is set once, in the test process, never in a child: a child forked while
/// another thread of the test held the hook's lock (a test panicking at that moment) would wait
/// for it for ever. In a child, the hook prints the message with one raw write, taking no lock
/// another thread could have held at fork time; the test process keeps the usual hook.
fn install_child_panic_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let parent = std::process::id();
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::process::id() == parent {
                return default(info);
            }
            let text = format!("{info}\n");
            // SAFETY: one write of a buffer we own.
            unsafe { libc::write(2, text.as_ptr().cast(), text.len()) };
        }));
    });
}

/// A raw system call, bypassing libc's wrappers and the vDSO (std always passes mode 0o666 to
/// open, glibc drops the mode without O_CREAT). Returns the result, or -errno on failure.
///
/// ```
/// assert_eq!(test_support::sys(libc::SYS_close, &[u64::MAX >> 33]), -i64::from(libc::EBADF));
/// ```
pub fn sys(nr: libc::c_long, args: &[u64]) -> i64 {
    let a = |i: usize| args.get(i).copied().unwrap_or(0);
    // SAFETY: tests pass arguments that are valid for the call (live buffers, C strings that
    // outlive it) or that the filter must stop before the kernel reads them.
    let r = unsafe { libc::syscall(nr, a(0), a(1), a(2), a(3), a(4), a(5)) };
    if r < 0 {
        -(std::io::Error::last_os_error().raw_os_error().unwrap_or(0) as i64)
    } else {
        r
    }
}

/// Starts `cmd` with the default action for SIGINT, SIGQUIT and SIGHUP. A shell's background
/// job inherits the first two ignored, and `nohup` the third; the command under test keeps
/// what it inherits (as it should), so tests that deliver these signals set them first.
///
/// ```
/// let mut cmd = std::process::Command::new("true");
/// assert!(test_support::with_default_signals(&mut cmd).status().unwrap().success());
/// ```
pub fn with_default_signals(cmd: &mut std::process::Command) -> &mut std::process::Command {
    use std::os::unix::process::CommandExt as _;
    // SAFETY: the closure runs between fork and exec and calls only signal(), which is
    // async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGHUP] {
                libc::signal(sig, libc::SIG_DFL);
            }
            Ok(())
        })
    }
}

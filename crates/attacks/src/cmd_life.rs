//! Helpers for the attacks on the command's process lifecycle: running `pledge` with a deadline
//! (a supervisor that hangs fails its test instead of hanging the suite), and finding the
//! processes a program left behind, by the binary they run.

use std::ffi::OsStr;
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::{End, Ran};

/// A `pledge` command running in a process group of its own (so that a program that signals
/// its process group reaches the supervisor and not the test), with its output collected as it
/// comes. Dropping it kills the group and every process still running `exe`: keep it until the
/// checks are done.
pub struct Supervised {
    child: std::process::Child,
    exe: PathBuf,
    /// The processes running `exe` the moment the command was seen to end.
    at_exit: Vec<i32>,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

fn collect(mut from: impl std::io::Read + Send + 'static) -> (Arc<Mutex<Vec<u8>>>, JoinHandle<()>) {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let into = buf.clone();
    let reader = std::thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = from.read(&mut chunk) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    (buf, reader)
}

/// Starts `pledge ARGS` (the program under attack is `exe`, named in `args`), stdin from
/// /dev/null, in a new process group.
pub fn start(exe: &Path, args: &[&OsStr]) -> Supervised {
    let mut cmd = Command::new(crate::pledge_command());
    cmd.args(args).stdin(Stdio::null());
    spawn(cmd, exe)
}

/// Starts `pledge ARGS` as the session leader of a new terminal (a pseudo-terminal, through
/// `script`), the command's process group in its foreground: what the user types
/// ([`Supervised::type_keys`]) goes to the terminal, so ^C is the terminal's, not a `kill`.
/// The status is the command's; killing `script` hangs the terminal up.
pub fn start_in_terminal(exe: &Path, args: &[&OsStr]) -> Supervised {
    let quote = |word: &OsStr| format!("'{}'", word.to_string_lossy().replace('\'', "'\\''"));
    let line = std::iter::once(crate::pledge_command().as_os_str())
        .chain(args.iter().copied())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = Command::new("script");
    cmd.args(["-qfec", &format!("exec {line}"), "/dev/null"])
        .stdin(Stdio::piped());
    spawn(cmd, exe)
}

fn spawn(mut cmd: Command, exe: &Path) -> Supervised {
    let mut child = test_support::with_default_signals(&mut cmd)
        .env("LC_ALL", "C")
        .env_remove("LANG")
        .env_remove("LD_PRELOAD")
        .env_remove("PLEDGE_PRELOAD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("starting pledge");
    let (stdout, out_reader) = collect(child.stdout.take().unwrap());
    let (stderr, err_reader) = collect(child.stderr.take().unwrap());
    Supervised {
        child,
        exe: exe.canonicalize().expect("the program under attack"),
        at_exit: Vec::new(),
        stdout,
        stderr,
        readers: vec![out_reader, err_reader],
    }
}

impl Supervised {
    /// The command's pid (also its process group).
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// The program's stdout so far.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    /// The command's stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits up to `timeout` for a stdout line starting with `prefix`; returns the rest of it.
    pub fn line(&self, prefix: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let out = self.stdout();
            // Complete lines only; a terminal ends them with CR LF.
            let found = out
                .split_inclusive('\n')
                .filter(|l| l.ends_with('\n'))
                .map(|l| l.trim_end_matches(['\r', '\n']))
                .find_map(|l| l.strip_prefix(prefix));
            if let Some(rest) = found {
                return Some(rest.to_string());
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// The processes running the attack's binary when the command was seen to end (by
    /// [`Supervised::finish`]): those it left behind.
    pub fn left_at_exit(&self) -> &[i32] {
        &self.at_exit
    }

    /// The processes running the attack's binary now.
    pub fn left_now(&self) -> Vec<i32> {
        processes_of(&self.exe)
    }

    /// Types `keys` on the terminal of [`start_in_terminal`].
    pub fn type_keys(&mut self, keys: &[u8]) {
        use std::io::Write as _;
        let stdin = self.child.stdin.as_mut().expect("started in a terminal");
        stdin
            .write_all(keys)
            .and_then(|_| stdin.flush())
            .expect("typing");
    }

    /// Sends `sig` to the command itself.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill() of our own child, which is not reaped before `finish` or drop.
        assert_eq!(unsafe { libc::kill(self.pid(), sig) }, 0);
    }

    /// Waits for the command to end, at most `timeout`; panics (and the drop kills everything
    /// the attack started) when it does not. The output is what arrived up to a second after
    /// the command ended: processes it left behind may hold its pipes open.
    #[track_caller]
    pub fn finish(&mut self, timeout: Duration) -> Ran {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("waiting for pledge") {
                self.at_exit = processes_of(&self.exe);
                break status;
            }
            if Instant::now() > deadline {
                panic!(
                    "pledge did not end within {timeout:?} (killed)\nstdout: {}\nstderr: {}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let settle = Instant::now() + Duration::from_secs(1);
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < settle {
            std::thread::sleep(Duration::from_millis(5));
        }
        let end = match (status.code(), status.signal()) {
            (Some(code), _) => End::Exit(code),
            (None, Some(sig)) => End::Signal(sig),
            _ => unreachable!("a finished process exited or was killed"),
        };
        Ran {
            end,
            stdout: self.stdout(),
            stderr: self.stderr(),
        }
    }
}

impl Drop for Supervised {
    fn drop(&mut self) {
        // SAFETY: kill() of our own process group; the child is not reaped yet or already was
        // (then the group is empty and kill fails harmlessly).
        unsafe { libc::kill(-self.pid(), libc::SIGKILL) };
        let _ = self.child.wait();
        kill_all(&self.exe);
    }
}

/// The live processes (not zombies) running the binary `exe`.
pub fn processes_of(exe: &Path) -> Vec<i32> {
    let exe = exe.canonicalize().unwrap_or_else(|_| exe.to_path_buf());
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            // A binary replaced meanwhile (a test run again) shows as deleted.
            std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| {
                p == exe
                    || p.as_os_str().to_string_lossy() == format!("{} (deleted)", exe.display())
            })
        })
        .filter(|pid| !is_zombie(*pid))
        .collect()
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status")).map_or(true, |s| {
        s.lines()
            .any(|l| l.starts_with("State:") && (l.contains("Z (") || l.contains("X (")))
    })
}

/// Whether `pid` is a live process (not a zombie).
pub fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists() && !is_zombie(pid)
}

/// SIGKILLs every process running `exe` (the clean-up of an attack that got away).
pub fn kill_all(exe: &Path) {
    for _ in 0..10 {
        let left = processes_of(exe);
        if left.is_empty() {
            return;
        }
        for pid in left {
            // SAFETY: kill() with integer arguments; the pid runs the attack's own binary.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A copy of the compiled attack `prog` for the test `test` alone: leftovers are found by the
/// binary they run, and tests of one file run in parallel.
pub fn own_copy(prog: &Path, test: &str) -> PathBuf {
    let dir = crate::scratch(&format!("own-{test}"));
    let copy = dir.join(prog.file_name().expect("a program file"));
    std::fs::copy(prog, &copy).expect("copying the attack");
    copy
}

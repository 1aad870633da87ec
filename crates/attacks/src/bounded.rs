//! Helpers for the attacks on the `pledge` command's supervisor: running it with a time
//! limit (an attack that hangs the supervisor must fail the test, not hang the suite), and
//! checking its report stream byte by byte.

use std::io::Read as _;
use std::os::unix::process::{CommandExt as _, ExitStatusExt as _};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::End;

/// A run of the command under a time limit.
pub struct Bounded {
    /// How it ended; `None` when it was still running at the limit (it was then killed, with
    /// its whole process group).
    pub end: Option<End>,
    /// Its standard output, as bytes.
    pub stdout: Vec<u8>,
    /// Its standard error, as bytes.
    pub stderr: Vec<u8>,
}

impl std::fmt::Debug for Bounded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bounded")
            .field("end", &self.end)
            .field("stdout", &self.out())
            .field("stderr", &self.err())
            .finish()
    }
}

impl Bounded {
    /// Standard output as text (lossy).
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text (lossy).
    pub fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Asserts the run finished within its limit and returns how it ended.
    #[track_caller]
    pub fn finished(&self) -> End {
        match self.end {
            Some(end) => end,
            None => panic!(
                "still running at the time limit (killed): stdout {:?}, stderr {:?}",
                self.out(),
                self.err()
            ),
        }
    }
}

/// Runs `cmd` (stdin from /dev/null, C locale, no inherited `LD_PRELOAD` or `PLEDGE_PRELOAD`
/// unless `cmd` sets them) in a new process group, and kills that group if it has not ended
/// after `limit`.
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> Bounded {
    for name in ["LD_PRELOAD", "PLEDGE_PRELOAD"] {
        if !cmd.get_envs().any(|(k, _)| k == name) {
            cmd.env_remove(name);
        }
    }
    let mut child = cmd
        .env("LC_ALL", "C")
        .env_remove("LANG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("starting the command");
    let pgid = child.id() as i32;
    let reader = |mut pipe: Box<dyn std::io::Read + Send>| {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
        rx
    };
    let out = reader(Box::new(child.stdout.take().expect("piped")));
    let err = reader(Box::new(child.stderr.take().expect("piped")));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the command") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let end = match status {
        Some(status) => Some(match (status.code(), status.signal()) {
            (Some(code), _) => End::Exit(code),
            (None, Some(sig)) => End::Signal(sig),
            _ => unreachable!("a finished process exited or was killed"),
        }),
        None => {
            // SAFETY: signals a process group this function created.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            let _ = child.wait();
            None
        }
    };
    // Whatever is left of the group (a hostile program's children) must not keep the pipes
    // open for ever.
    let collect = |rx: mpsc::Receiver<Vec<u8>>| {
        rx.recv_timeout(Duration::from_secs(5)).unwrap_or_else(|_| {
            // SAFETY: as above.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default()
        })
    };
    Bounded {
        end,
        stdout: collect(out),
        stderr: collect(err),
    }
}

/// What in `text` a terminal could act on or a reader could be misled by: every control
/// character but the line feed (C0, DEL and C1), and every byte that is not UTF-8.
pub fn raw_controls(text: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for chunk in text.utf8_chunks() {
        found.extend(
            chunk
                .valid()
                .chars()
                .filter(|c| c.is_control() && *c != '\n')
                .map(|c| format!("{c:?}")),
        );
        found.extend(chunk.invalid().iter().map(|b| format!("byte {b:#04x}")));
    }
    found
}

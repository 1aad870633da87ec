//! What `--verify` needs of the observed run: its input kept so that replays get the same, and
//! its output recorded (and passed on as it comes) so that replays can be compared with it.

use std::fs::File;
use std::io::{self, IsTerminal as _, Read as _, Seek as _, SeekFrom, Write as _};
use std::os::fd::{AsFd as _, AsRawFd as _, OwnedFd};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::sys;

/// The program's standard input, as every run gets it.
pub enum Input {
    /// A terminal: not captured (the observed run reads the terminal); replays get /dev/null.
    Terminal,
    /// A regular file: every run reads it from this offset (the command rewinds it).
    File {
        /// The same open file description as standard input.
        file: File,
        /// Where reading starts.
        offset: u64,
    },
    /// Anything else (a pipe, a socket): read to its end before the first run, and written to
    /// each run through a pipe.
    Bytes(Arc<Vec<u8>>),
}

impl Input {
    /// Takes standard input as [`Input`] says.
    pub fn capture() -> io::Result<Input> {
        let stdin = io::stdin();
        if stdin.is_terminal() {
            return Ok(Input::Terminal);
        }
        let owned = match stdin.as_fd().try_clone_to_owned() {
            Ok(fd) => fd,
            // No standard input at all: replays get none either (/dev/null).
            Err(e) if e.raw_os_error() == Some(libc::EBADF) => return Ok(Input::Terminal),
            Err(e) => return Err(e),
        };
        let mut file = File::from(owned);
        if file.metadata()?.is_file() {
            let offset = file.stream_position()?;
            return Ok(Input::File { file, offset });
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(Input::Bytes(Arc::new(bytes)))
    }

    /// Prepares the input of one run: a descriptor to give it as standard input, and, for
    /// captured bytes, the writer end to feed once the run started ([`feed`]).
    pub fn for_run(&self) -> io::Result<(OwnedFd, Option<io::PipeWriter>)> {
        match self {
            Input::Terminal => Ok((File::open("/dev/null")?.into(), None)),
            Input::File { file, offset } => {
                let mut again = file.try_clone()?;
                again.seek(SeekFrom::Start(*offset))?;
                Ok((again.into(), None))
            }
            Input::Bytes(_) => {
                let (reader, writer) = io::pipe()?;
                Ok((reader.into(), Some(writer)))
            }
        }
    }

    /// Writes the captured bytes to `writer` on a thread of its own (the run may read them
    /// slowly, or not at all).
    pub fn feed(&self, writer: Option<io::PipeWriter>) {
        if let (Input::Bytes(bytes), Some(mut w)) = (self, writer) {
            let bytes = Arc::clone(bytes);
            std::thread::spawn(move || {
                // A run that stops reading closes its end: EPIPE ends the thread.
                let _ = w.write_all(&bytes);
            });
        }
    }
}

/// Standard input, output and error of the command, replaced while the observed program is
/// started and put back afterwards.
pub struct Swapped {
    saved: Vec<(i32, OwnedFd)>,
}

impl Swapped {
    /// Puts `fds[i]` in place of descriptor `i` (0, 1, 2; `None` leaves it), keeping the
    /// originals to restore.
    pub fn new(fds: [Option<&OwnedFd>; 3]) -> io::Result<Swapped> {
        let mut saved = Vec::new();
        let ours = [
            io::stdin().as_fd().try_clone_to_owned(),
            io::stdout().as_fd().try_clone_to_owned(),
            io::stderr().as_fd().try_clone_to_owned(),
        ];
        for (target, (fd, original)) in fds.into_iter().zip(ours).enumerate() {
            let Some(fd) = fd else { continue };
            let original = original?;
            sys::dup_onto(fd.as_raw_fd(), target as i32, false)?;
            saved.push((target as i32, original));
        }
        Ok(Swapped { saved })
    }

    /// The original descriptor `target` (1 or 2) while swapped: where recorded output is
    /// passed on to.
    pub fn original(&self, target: i32) -> Option<File> {
        let (_, fd) = self.saved.iter().find(|(t, _)| *t == target)?;
        fd.try_clone().ok().map(File::from)
    }
}

impl Drop for Swapped {
    fn drop(&mut self) {
        for (target, fd) in &self.saved {
            let _ = sys::dup_onto(fd.as_raw_fd(), *target, false);
        }
    }
}

/// Output read from a pipe as it comes, passed on to `to`, and kept.
pub struct Recorder {
    kept: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Receiver<()>,
}

impl Recorder {
    /// Starts reading `from` on a thread of its own.
    pub fn start(from: io::PipeReader, to: Option<File>) -> Recorder {
        let kept = Arc::new(Mutex::new(Vec::new()));
        let (tx, done) = mpsc::channel();
        let k = Arc::clone(&kept);
        std::thread::spawn(move || {
            let (mut from, mut to) = (from, to);
            let mut buf = [0u8; 65536];
            loop {
                match from.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if let Some(t) = to.as_mut() {
                            let _ = t.write_all(&buf[..n]);
                        }
                        k.lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .extend_from_slice(&buf[..n]);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(());
        });
        Recorder { kept, done }
    }

    /// What was read, once the pipe ended, or after `grace` if something (a process the
    /// program left behind) still holds it open: then `complete` is false.
    pub fn finish(self, grace: Duration) -> (Vec<u8>, bool) {
        let complete = self.done.recv_timeout(grace).is_ok();
        let kept = self.kept.lock().unwrap_or_else(|e| e.into_inner()).clone();
        (kept, complete)
    }
}

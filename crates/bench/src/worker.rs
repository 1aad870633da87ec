//! One child process per configuration, pinned to the measuring CPU, timing blocks of an
//! operation on command. The coordinator talks to each over two pipes.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::time::Instant;

use crate::config::{Config, Op};
use crate::sys::{self, op};

/// A running child.
pub struct Worker {
    pub config: Config,
    pid: libc::pid_t,
    /// Closed (taken) on drop, which tells the child to exit.
    commands: Option<OwnedFd>,
    answers: OwnedFd,
}

/// What the child sends back after a block: nanoseconds, or u64::MAX if an operation failed.
const FAILED: u64 = u64::MAX;

impl Worker {
    /// Starts a child for `config` on `cpu`: it opens what it needs, installs the filters,
    /// reports readiness, then serves commands.
    pub fn start(config: Config, cpu: usize) -> Result<Worker, String> {
        let (cmd_r, cmd_w) = sys::pipe().map_err(|e| format!("pipe: {e}"))?;
        let (ans_r, ans_w) = sys::pipe().map_err(|e| format!("pipe: {e}"))?;
        let (child_in, child_out) = (cmd_r.as_raw_fd(), ans_w.as_raw_fd());
        let (parent_out, parent_in) = (cmd_w.as_raw_fd(), ans_r.as_raw_fd());
        let pid = sys::fork(move || {
            let _ = (parent_out, parent_in);
            sys::close_all_except(&[child_in, child_out]);
            serve(config, cpu, child_in, child_out)
        })
        .map_err(|e| format!("fork: {e}"))?;
        drop(cmd_r);
        drop(ans_w);
        let worker = Worker {
            config,
            pid,
            commands: Some(cmd_w),
            answers: ans_r,
        };
        let mut ready = [0u8; 8];
        if sys::read_exact(worker.answers.as_raw_fd(), &mut ready).is_err() {
            let end = sys::wait(worker.pid).ok();
            return Err(format!(
                "the child for \"{}\" did not start ({end:?})",
                config.name()
            ));
        }
        Ok(worker)
    }

    /// Times one block of `op`; returns ns per operation.
    pub fn time(&self, op: Op) -> Result<f64, String> {
        let mut cmd = [0u8; 8];
        cmd[..4].copy_from_slice(&op.index().to_le_bytes());
        cmd[4..].copy_from_slice(&op.iterations().to_le_bytes());
        let commands = self.commands.as_ref().expect("open until drop");
        sys::write_all(commands.as_raw_fd(), &cmd)
            .map_err(|e| format!("{}: {e}", self.config.name()))?;
        let mut ans = [0u8; 8];
        sys::read_exact(self.answers.as_raw_fd(), &mut ans).map_err(|e| {
            format!(
                "the child for \"{}\" died during {}: {e}",
                self.config.name(),
                op.name()
            )
        })?;
        match u64::from_le_bytes(ans) {
            FAILED => Err(format!(
                "{} failed under \"{}\"",
                op.name(),
                self.config.name()
            )),
            ns => Ok(ns as f64 / op.iterations() as f64),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing the command pipe makes the child leave its loop and exit.
        drop(self.commands.take());
        if sys::wait(self.pid).is_err() {
            sys::kill(self.pid);
        }
    }
}

/// The child's side.
fn serve(config: Config, cpu: usize, commands: RawFd, answers: RawFd) -> i32 {
    if let Err(e) = sys::pin_to_cpu(cpu) {
        eprintln!("bench: pinning to CPU {cpu}: {e}");
        return 1;
    }
    let zero = match std::fs::File::open("/dev/zero") {
        Ok(f) => f,
        Err(e) => {
            eprintln!("bench: /dev/zero: {e}");
            return 1;
        }
    };
    let (pipe_r, _pipe_w) = match sys::pipe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bench: pipe: {e}");
            return 1;
        }
    };
    if let Err(e) = config.install() {
        eprintln!("bench: {e}");
        return 1;
    }
    let (zero, pipe_r) = (zero.as_raw_fd(), pipe_r.as_raw_fd());
    if sys::write_all(answers, &[0; 8]).is_err() {
        return 1;
    }
    let mut cmd = [0u8; 8];
    while sys::read_exact(commands, &mut cmd).is_ok() {
        let op = Op::ALL[u32::from_le_bytes(cmd[..4].try_into().unwrap()) as usize];
        let n = u32::from_le_bytes(cmd[4..].try_into().unwrap());
        let start = Instant::now();
        let mut ok = true;
        for _ in 0..n {
            ok &= match op {
                Op::Getppid => op::getppid(),
                Op::Read => op::read1(zero),
                Op::Fcntl => op::fcntl_getfl(zero),
                Op::Ioctl => op::ioctl_fionread(pipe_r),
                Op::MmapMunmap => op::mmap_munmap(),
                Op::OpenClose => op::open_close_devnull(),
            };
        }
        let ns = start.elapsed().as_nanos() as u64;
        let answer = if ok { ns } else { FAILED };
        if sys::write_all(answers, &answer.to_le_bytes()).is_err() {
            return 1;
        }
    }
    0
}

//! One stopped system call of a supervised process, and safe access to what it points at.

use std::fs::File;
use std::os::fd::BorrowedFd;
use std::os::unix::fs::FileExt;

use scopes::Arch;

use crate::sys::notif::{self, Notif};

/// The longest string read from a process (PATH_MAX).
const MAX_STRING: usize = 4096;

/// A system call stopped by the filter, waiting for an [`super::Answer`].
pub struct Call<'a> {
    notif: Notif,
    listener: BorrowedFd<'a>,
    name: Option<&'static str>,
}

impl<'a> Call<'a> {
    pub(super) fn new(notif: Notif, listener: BorrowedFd<'a>) -> Call<'a> {
        let native = Arch::native();
        let name = if notif.data.arch == native.audit_arch() {
            native.syscall_name(notif.data.nr as u32)
        } else {
            None
        };
        Call {
            notif,
            listener,
            name,
        }
    }

    /// The kernel's id for this notification.
    pub fn id(&self) -> u64 {
        self.notif.id
    }

    /// The calling thread's id.
    pub fn tid(&self) -> u32 {
        self.notif.pid
    }

    /// The system call number.
    pub fn nr(&self) -> i32 {
        self.notif.data.nr
    }

    /// The system call's name, when it is a native call this library knows.
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// Where the call was made (the instruction pointer).
    pub fn instruction_pointer(&self) -> u64 {
        self.notif.data.instruction_pointer
    }

    /// The six argument registers.
    pub fn args(&self) -> &[u64; 6] {
        &self.notif.data.args
    }

    /// Whether the call is still waiting (the caller was not killed meanwhile, so its pid still
    /// names it).
    pub fn still_pending(&self) -> bool {
        notif::id_valid(self.listener, self.notif.id)
    }

    /// The calling process (thread group) id and its name, from /proc. The process chose the
    /// name: it comes escaped ([`crate::decode::escape`]), safe to print.
    pub fn process(&self) -> (u32, String) {
        let tid = self.notif.pid;
        let tgid = std::fs::read_to_string(format!("/proc/{tid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Tgid:").and_then(|v| v.trim().parse().ok()))
            })
            .unwrap_or(tid);
        let comm = std::fs::read(format!("/proc/{tgid}/comm"))
            .map(|mut name| {
                // The kernel ends the name with one line feed; any other is the process's own.
                if name.last() == Some(&b'\n') {
                    name.pop();
                }
                crate::decode::escape(&name)
            })
            .unwrap_or_else(|_| "?".into());
        (tgid, comm)
    }

    /// Reads up to `len` bytes at `addr` in the caller. `None` when unreadable, or when the
    /// caller is gone (so the bytes could belong to another process).
    ///
    /// What is read can change as soon as it is read (another thread may rewrite it): use it
    /// for reports, or to choose what the command itself does, never to let the call run.
    pub fn read_bytes(&self, addr: u64, len: usize) -> Option<Vec<u8>> {
        if addr == 0 {
            return None;
        }
        let mem = File::open(format!("/proc/{}/mem", self.notif.pid)).ok()?;
        let mut buf = vec![0u8; len];
        let mut got = 0;
        while got < len {
            // Stop at the end of a readable page rather than fail the whole read.
            match mem.read_at(&mut buf[got..], addr + got as u64) {
                Ok(0) | Err(_) => break,
                Ok(n) => got += n,
            }
        }
        buf.truncate(got);
        (got > 0 && self.still_pending()).then_some(buf)
    }

    /// Writes `bytes` at `addr` in the caller, as the kernel writes a call's results: only
    /// while the caller still waits in the call (checked after opening its memory, so the
    /// memory written is the caller's, never that of a process that reused its pid). `false`
    /// when nothing could be written.
    pub fn write_bytes(&self, addr: u64, bytes: &[u8]) -> bool {
        let Ok(mem) = std::fs::OpenOptions::new()
            .write(true)
            .open(format!("/proc/{}/mem", self.notif.pid))
        else {
            return false;
        };
        if !self.still_pending() {
            return false;
        }
        mem.write_all_at(bytes, addr).is_ok()
    }

    /// Reads a NUL-terminated string at `addr` (at most 4096 bytes), as raw bytes.
    pub fn read_c_string(&self, addr: u64) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        // Page by page, so a short string near the end of a mapping is still readable.
        let mut at = addr;
        while out.len() < MAX_STRING {
            let room = (4096 - (at % 4096)) as usize;
            let chunk = self.read_bytes(at, room.min(MAX_STRING - out.len()))?;
            if let Some(end) = chunk.iter().position(|b| *b == 0) {
                out.extend_from_slice(&chunk[..end]);
                return Some(out);
            }
            at += chunk.len() as u64;
            out.extend(chunk);
        }
        Some(out)
    }
}

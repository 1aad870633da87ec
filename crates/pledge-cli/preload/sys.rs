//! The preload's few direct system calls; every `unsafe` block of the preload is here.

use std::ffi::{c_char, CStr, CString};
use std::os::fd::RawFd;

#[path = "../src/sys/handshake.rs"]
mod handshake;

pub use handshake::{exit_now, lowest_free_fd, recv, send};

/// What to do with one `NAME=value` entry of the environment.
pub enum Edit {
    /// Leave it.
    Keep,
    /// Take it out.
    Remove,
    /// Put this entry (`NAME=value`, without NUL) in its place.
    Replace(Vec<u8>),
}

extern "C" {
    static mut environ: *mut *mut c_char;
}

/// The entries of a NULL-terminated environment array, in order.
///
/// # Safety
/// `array` is NULL or a NULL-terminated array of NUL-terminated strings that stays unchanged
/// while the result is used.
unsafe fn entries<'a>(array: *mut *mut c_char) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    if array.is_null() {
        return out;
    }
    let mut i = 0;
    loop {
        // SAFETY: within the array, up to and including its NULL terminator (caller's promise).
        let p = unsafe { *array.add(i) };
        if p.is_null() {
            return out;
        }
        // SAFETY: each entry is a NUL-terminated string (caller's promise).
        out.push(unsafe { CStr::from_ptr(p) }.to_bytes());
        i += 1;
    }
}

/// The entries of the environment the loader gave the program: `envp` is the third argument
/// glibc passes to `.init_array` functions, the very array `main` later receives as its own
/// third argument. Read directly, not with `getenv`, which a program may define itself.
pub fn environment<'a>(envp: *mut *mut c_char) -> Vec<&'a [u8]> {
    // SAFETY: the loader's array is NULL-terminated, and nothing else runs while the preload's
    // constructor does (constructors run one at a time, before `main`).
    unsafe { entries(envp) }
}

/// Edits the environment in place, entry by entry, without libc's `setenv`/`unsetenv` (bash
/// defines its own, which did nothing this early, so pledge's variables reached every child
/// bash started). Both the loader's array (which `main` receives, and from which bash builds
/// its variables) and `environ` (what `getenv` and `execvp` read) are edited, should an earlier
/// constructor have replaced the latter. Entries are moved down over removed ones and the
/// freed slots cleared, as glibc's `unsetenv` does.
pub fn edit_environment(envp: *mut *mut c_char, edit: &dyn Fn(&[u8]) -> Edit) {
    // SAFETY: reads the global once; constructors run before any thread the program starts.
    let current = unsafe { environ };
    edit_array(envp, edit);
    if current != envp {
        edit_array(current, edit);
    }
}

fn edit_array(array: *mut *mut c_char, edit: &dyn Fn(&[u8]) -> Edit) {
    if array.is_null() {
        return;
    }
    let mut read = 0;
    let mut write = 0;
    // SAFETY: `array` is a writable NULL-terminated array of strings (the loader's, on the
    // initial stack, or one glibc allocated for `environ`); only slots up to its terminator are
    // touched, and each kept pointer is written back into a slot at or before its own. The
    // strings put in are leaked: the environment holds them for the process's life.
    unsafe {
        loop {
            let p = *array.add(read);
            if p.is_null() {
                break;
            }
            match edit(CStr::from_ptr(p).to_bytes()) {
                Edit::Keep => {
                    *array.add(write) = p;
                    write += 1;
                }
                Edit::Remove => {}
                Edit::Replace(bytes) => {
                    if let Ok(entry) = CString::new(bytes) {
                        *array.add(write) = entry.into_raw();
                        write += 1;
                    }
                }
            }
            read += 1;
        }
        for slot in write..=read {
            *array.add(slot) = std::ptr::null_mut();
        }
    }
}

/// `argv[0]` as bytes, if there is one.
pub fn first_argument(argv: *const *const c_char) -> Option<Vec<u8>> {
    if argv.is_null() {
        return None;
    }
    // SAFETY: glibc passes constructors `main`'s argv: NULL-terminated, strings NUL-terminated.
    unsafe {
        let first = *argv;
        (!first.is_null()).then(|| CStr::from_ptr(first).to_bytes().to_vec())
    }
}

/// Receives one message that must already be waiting (`MSG_DONTWAIT`).
pub fn recv_waiting(fd: RawFd, max: usize) -> std::io::Result<Vec<u8>> {
    // Not zeroed, as in `recv`: only the pages the message lands on are touched.
    let mut buf: Vec<u8> = Vec::with_capacity(max);
    loop {
        // SAFETY: the buffer has room for `max` bytes; the kernel writes at most that many.
        let n = unsafe {
            libc::recv(
                fd,
                buf.as_mut_ptr() as *mut libc::c_void,
                max,
                libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        // SAFETY: the kernel initialised the first `n` (≤ `max`) bytes.
        unsafe { buf.set_len(n as usize) };
        return Ok(buf);
    }
}

/// Writes `text` to standard error with one `write`, ignoring failure (the filter may refuse
/// it; the supervisor then reports that).
pub fn say(text: &str) {
    // SAFETY: the buffer is valid for its length.
    unsafe { libc::write(2, text.as_ptr() as *const libc::c_void, text.len()) };
}

/// The descriptor this library was loaded from, when the loader found it as
/// `/proc/self/fd/N` (the `pledge` command hands its embedded copy over in a memfd).
pub fn own_descriptor() -> Option<RawFd> {
    // SAFETY: dladdr fills `info` for an address inside a loaded object; this function is one.
    // The name it points to is the loader's, valid while this library is loaded.
    let name = unsafe {
        let mut info: libc::Dl_info = std::mem::zeroed();
        if libc::dladdr(own_descriptor as *const libc::c_void, &mut info) == 0
            || info.dli_fname.is_null()
        {
            return None;
        }
        CStr::from_ptr(info.dli_fname).to_bytes()
    };
    std::str::from_utf8(name.strip_prefix(b"/proc/self/fd/")?)
        .ok()?
        .parse()
        .ok()
}

/// Closes a descriptor.
pub fn close(fd: RawFd) {
    // SAFETY: the caller owns `fd` and does not use it again.
    unsafe { libc::close(fd) };
}

/// The handshake's barrier: `execve(NULL, NULL, NULL)`, which the program filter always sends
/// to the command, and which could not execute anything if it ever ran. Returns its result.
pub fn barrier() -> i64 {
    // SAFETY: NULL arguments; the kernel would fail with EFAULT without touching memory.
    unsafe { libc::syscall(libc::SYS_execve, 0usize, 0usize, 0usize) as i64 }
}

extern "C" {
    fn tzset();
}

/// Loads, while the start-up filter still allows reading files, what glibc otherwise reads
/// lazily from `main`: the environment's locale (kept alive, so a later `setlocale(LC_ALL, "")`
/// finds it loaded and opens nothing), libc's message catalog for it, and the time zone. The program's own locale stays "C"
/// until it calls setlocale, as without the command. This is what OpenBSD programs do by hand
/// before pledge.
pub fn warm_libc_caches() {
    // SAFETY: newlocale with a valid empty name; the result (or NULL) is deliberately never
    // freed. tzset has no preconditions.
    // Under that locale, looking one message up loads (or notes the absence of) libc's message
    // catalog, which error messages such as perror's would otherwise open later.
    unsafe {
        let locale = libc::newlocale(libc::LC_ALL_MASK, c"".as_ptr(), std::ptr::null_mut());
        if !locale.is_null() {
            let previous = libc::uselocale(locale);
            let _ = libc::strerror(libc::EPERM);
            libc::uselocale(previous);
        }
        tzset();
    }
}

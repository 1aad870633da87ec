//! The enforcing [`Handler`]: every stopped call is a violation (or an `execve` under `exec`,
//! or the interpreter reading its script). Violations are reported on stderr, naming the
//! promise that would allow them, and fail with EPERM (ENOSYS under `error`), or kill the
//! program with `-k`.

use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use scopes::policy::{decide_by_name, promises_needed, Context, Decision};
use scopes::{Promise, Promises};

use crate::decode;
use crate::supervisor::{Answer, Call, Handler};

/// Enforces a promise set on the stopped calls.
pub struct Enforcer {
    /// The promises the program holds.
    pub promises: Promises,
    /// The values its filter was specialised with (its pid, uid, gid).
    pub ctx: Context,
    /// `-k`.
    pub kill: bool,
    /// `-q`.
    pub quiet: bool,
    /// Script files the interpreter may read even without a promise that opens files.
    pub scripts: Vec<PathBuf>,
}

impl Handler for Enforcer {
    fn on_call(&mut self, call: &Call<'_>) -> Answer {
        let Some(name) = call.name() else {
            // Filters kill foreign calls themselves; anything else unknown is denied.
            self.report(
                call,
                &format!("system call {}", call.nr()),
                "is not allowed by any promise",
            );
            return self.penalty();
        };
        let args = *call.args();
        if (name == "execve" || name == "execveat") && self.promises.contains(Promise::Exec) {
            // Every execve is sent here; under `exec` any may run (the decision reads no
            // memory, and Landlock still checks the file when it runs).
            return Answer::Continue;
        }
        if let Some(file) = self.script_open(call, name) {
            return file;
        }
        match decide_by_name(self.promises, false, &self.ctx, name, &args) {
            // The filter answers these itself; should one arrive, answer the same.
            Decision::Errno(e) => return Answer::Fail(e),
            Decision::Allow | Decision::Violation | Decision::Kill => {}
        }
        let needs = match promises_needed(self.promises, &self.ctx, name, &args) {
            Some(set) if set.iter().count() == 1 => format!("needs promise \"{set}\""),
            Some(set) => format!("needs promises \"{set}\""),
            None => "is not allowed by any promise".to_string(),
        };
        let text = decode::describe(
            name,
            &args,
            &|addr| call.read_c_string(addr),
            &|addr, len| call.read_bytes(addr, len),
        );
        self.report(call, &text, &needs);
        self.penalty()
    }

    fn on_leftovers(&mut self, killed: usize) {
        if !self.quiet {
            crate::error(&format!(
                "killed {killed} process{} the program left running",
                if killed == 1 { "" } else { "es" }
            ));
        }
    }
}

impl Enforcer {
    fn penalty(&self) -> Answer {
        if self.kill {
            Answer::KillProgram
        } else if self.promises.contains(Promise::Error) {
            Answer::Fail(libc::ENOSYS)
        } else {
            Answer::Fail(libc::EPERM)
        }
    }

    fn report(&self, call: &Call<'_>, what: &str, needs: &str) {
        if self.quiet {
            return;
        }
        let (pid, comm) = call.process();
        let tail = if self.kill {
            "; killing the program (-k)"
        } else {
            ""
        };
        let line = format!("pledge: {comm}[{pid}]: {what} denied: {needs}{tail}\n");
        // One write per line, so a report is never torn by the program's own output.
        let _ = crate::sys::write_all(2, line.as_bytes());
    }

    /// An interpreter opening its own script, read-only: the command opens the script itself
    /// and hands over that file, whatever the path in the process says by then, so nothing
    /// but the script can be read this way.
    fn script_open(&self, call: &Call<'_>, name: &str) -> Option<Answer> {
        let (script, flags) = script_being_opened(call, name, &self.scripts)?;
        let file = File::open(script).ok()?;
        Some(Answer::Open {
            file,
            cloexec: flags & libc::O_CLOEXEC != 0,
        })
    }
}

/// When `call` is an interpreter opening one of `scripts` read-only (the call enforcement
/// answers itself with the script it opened, and learning therefore does not count), that
/// script and the open flags. One test for both, so learning and enforcement cannot disagree.
pub fn script_being_opened<'a>(
    call: &Call<'_>,
    name: &str,
    scripts: &'a [PathBuf],
) -> Option<(&'a PathBuf, i32)> {
    if scripts.is_empty() {
        return None;
    }
    let args = call.args();
    let (path_arg, flags) = match name {
        "open" => (args[0], args[1] as u32 as i32),
        "openat" if args[0] as u32 as i32 == libc::AT_FDCWD => (args[1], args[2] as u32 as i32),
        _ => return None,
    };
    let forbidden =
        libc::O_ACCMODE | libc::O_CREAT | libc::O_TRUNC | libc::O_TMPFILE | libc::O_PATH;
    if flags & forbidden != 0 {
        return None;
    }
    let path = call.read_c_string(path_arg)?;
    let script = scripts
        .iter()
        .find(|s| s.as_os_str().as_bytes() == path.as_slice())?;
    Some((script, flags))
}

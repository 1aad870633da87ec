//! `pledge --export FORMAT -p PROMISES [--arch ARCH]... [-o FILE]`: writes the promises as an
//! OCI/Docker seccomp profile, systemd unit lines, or a raw BPF program (see docs/export.md).

use std::io::Write as _;
use std::path::PathBuf;

use scopes::export::{self, Format};
use scopes::{Arch, Promises};

use crate::{describe_io, error, EXIT_ERROR};

/// What `--export` was asked for.
#[derive(Debug)]
pub struct Request {
    /// The format.
    pub format: Format,
    /// The promises (`-p`).
    pub promises: Promises,
    /// `--arch` values, in order (may be empty: the native one).
    pub arches: Vec<Arch>,
    /// `-o FILE`; standard output when absent.
    pub output: Option<PathBuf>,
}

/// Writes the export and returns the exit status. A raw BPF program cannot carry comments, so
/// its approximations go to standard error; the other formats hold them in the output.
pub fn run(request: &Request) -> i32 {
    let exported = match export::export(request.format, request.promises, &request.arches) {
        Ok(e) => e,
        Err(e) => {
            error(&format!("--export {}: {e}", request.format));
            return EXIT_ERROR;
        }
    };
    let written = match &request.output {
        Some(path) => std::fs::write(path, &exported.output)
            .map_err(|e| format!("-o {}: {}", path.display(), describe_io(&e))),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&exported.output).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(format!("writing to stdout: {}", describe_io(&e)))
                }
                _ => Ok(()),
            }
        }
    };
    if let Err(text) = written {
        error(&text);
        return EXIT_ERROR;
    }
    if request.format == Format::Bpf {
        for note in &exported.approximations {
            error(&format!("--export bpf: {note}"));
        }
    }
    0
}

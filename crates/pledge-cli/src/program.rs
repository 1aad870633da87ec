//! Finding the program and judging how it starts: a dynamically linked ELF (its loader must be
//! let through before the promises apply), a static one (the promises apply from `execve` on), or
//! a `#!` script, judged by its interpreter.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt};
use std::path::{Path, PathBuf};

use scopes::Arch;

/// How the program's image starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// Through this system's glibc loader, which will load the preload.
    Dynamic,
    /// Without a loader (static ELF), or in a format the kernel hands elsewhere (binfmt_misc):
    /// the promises apply from `execve` on.
    Static,
}

/// A program ready to execute.
#[derive(Clone, Debug)]
pub struct Program {
    /// The path given to `execve`: as typed when it holds a slash, else found in `PATH`.
    pub path: PathBuf,
    /// How its image starts (for a script: its interpreter's).
    pub start: Start,
    /// For a script, the files its interpreters read to run it: the script and any script
    /// interpreters in between, as the kernel passes them.
    pub scripts: Vec<PathBuf>,
    /// Every file `execve` executes on the way (the program, then each interpreter).
    pub executed: Vec<PathBuf>,
}

/// Why the program cannot run.
#[derive(Debug, PartialEq, Eq)]
pub enum LaunchError {
    /// Not found (exit status 127).
    NotFound(String),
    /// Found but cannot be executed (exit status 126).
    CannotExecute(String),
}

/// The kernel's limit on nested `#!` interpreters.
const MAX_INTERPRETERS: usize = 4;

/// The glibc loader of each architecture, as programs name it in `PT_INTERP`.
pub fn glibc_loader(arch: Arch) -> &'static str {
    match arch {
        Arch::X86_64 => "/lib64/ld-linux-x86-64.so.2",
        Arch::Aarch64 => "/lib/ld-linux-aarch64.so.1",
        Arch::Riscv64 => "/lib/ld-linux-riscv64-lp64d.so.1",
    }
}

fn elf_machine(arch: Arch) -> u16 {
    match arch {
        Arch::X86_64 => 62,
        Arch::Aarch64 => 183,
        Arch::Riscv64 => 243,
    }
}

/// Finds `name` the way `execvp` does: a name with a slash is used as is; otherwise the first
/// executable regular file of that name in `PATH`.
pub fn resolve(name: &OsStr) -> Result<Program, LaunchError> {
    let shown = name.to_string_lossy().into_owned();
    let path = if name.as_bytes().contains(&b'/') {
        PathBuf::from(name)
    } else {
        let search = std::env::var_os("PATH")
            .unwrap_or_else(|| OsString::from("/usr/local/bin:/usr/bin:/bin"));
        let mut denied = None;
        let mut found = None;
        for dir in std::env::split_paths(&search) {
            let dir = if dir.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                dir
            };
            let candidate = dir.join(name);
            match std::fs::metadata(&candidate) {
                Ok(m) if m.is_file() && is_executable(&candidate) => {
                    found = Some(candidate);
                    break;
                }
                Ok(m) if m.is_file() => denied = denied.or(Some(candidate)),
                _ => {}
            }
        }
        match (found, denied) {
            (Some(p), _) => p,
            (None, Some(p)) => p,
            (None, None) => {
                return Err(LaunchError::NotFound(format!("{shown}: command not found")))
            }
        }
    };
    let (start, scripts, executed) = judge(&path, &shown)?;
    Ok(Program {
        path,
        start,
        scripts,
        executed,
    })
}

fn is_executable(path: &Path) -> bool {
    crate::sys::can_execute(path)
}

/// Follows `#!` lines down to an ELF file and judges it.
fn judge(path: &Path, shown: &str) -> Result<(Start, Vec<PathBuf>, Vec<PathBuf>), LaunchError> {
    let mut scripts = Vec::new();
    let mut executed = Vec::new();
    let mut current = path.to_path_buf();
    loop {
        let meta = std::fs::metadata(&current).map_err(|e| {
            let what = format!("{}: {}", current.display(), crate::describe_io(&e));
            if e.kind() == std::io::ErrorKind::NotFound {
                LaunchError::NotFound(what)
            } else {
                LaunchError::CannotExecute(what)
            }
        })?;
        if meta.is_dir() {
            return Err(LaunchError::CannotExecute(format!(
                "{}: is a directory",
                current.display()
            )));
        }
        if !meta.is_file() || meta.permissions().mode() & 0o111 == 0 || !is_executable(&current) {
            return Err(LaunchError::CannotExecute(format!(
                "{}: permission denied (not executable)",
                current.display()
            )));
        }
        executed.push(current.clone());
        let mut head = [0u8; 256];
        let n = match File::open(&current).and_then(|mut f| read_up_to(&mut f, &mut head)) {
            Ok(n) => n,
            // Execute-only: the kernel can run it but nobody can look inside. Without knowing
            // it has a loader, the promises apply from execve on (the safe side).
            Err(_) => return Ok((Start::Static, scripts, executed)),
        };
        let head = &head[..n];
        if head.starts_with(b"\x7fELF") {
            let start = judge_elf(&current, shown)?;
            return Ok((start, scripts, executed));
        }
        if let Some(line) = head.strip_prefix(b"#!") {
            if scripts.len() >= MAX_INTERPRETERS {
                return Err(LaunchError::CannotExecute(format!(
                    "{shown}: too many nested #! interpreters"
                )));
            }
            scripts.push(current.clone());
            current = interpreter(line).ok_or_else(|| {
                LaunchError::CannotExecute(format!(
                    "{}: bad #! line (no interpreter)",
                    current.display()
                ))
            })?;
            continue;
        }
        // Not ELF, not a script: binfmt_misc may know it; execve will tell.
        return Ok((Start::Static, scripts, executed));
    }
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The interpreter of a `#!` line, as the kernel reads it: up to the first blank after leading
/// blanks, within the first line.
fn interpreter(line: &[u8]) -> Option<PathBuf> {
    let end = line.iter().position(|b| *b == b'\n').unwrap_or(line.len());
    let line = &line[..end];
    let start = line.iter().position(|b| *b != b' ' && *b != b'\t')?;
    let rest = &line[start..];
    let stop = rest
        .iter()
        .position(|b| *b == b' ' || *b == b'\t')
        .unwrap_or(rest.len());
    Some(PathBuf::from(OsStr::from_bytes(&rest[..stop])))
}

fn judge_elf(path: &Path, shown: &str) -> Result<Start, LaunchError> {
    let bad = |why: String| LaunchError::CannotExecute(format!("{shown}: {why}"));
    let mut f = File::open(path).map_err(|e| bad(crate::describe_io(&e)))?;
    let mut ehdr = [0u8; 64];
    if read_up_to(&mut f, &mut ehdr).map_err(|e| bad(crate::describe_io(&e)))? < 64 {
        return Err(bad("truncated ELF header".into()));
    }
    if ehdr[4] != 2 {
        return Err(bad(
            "a 32-bit program: under pledge every 32-bit system call is killed, so it cannot run"
                .into(),
        ));
    }
    if ehdr[5] != 1 {
        return Err(bad("a big-endian ELF file".into()));
    }
    let u16_at = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]);
    let u32_at = |b: &[u8], o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
    let native = Arch::native();
    if u16_at(&ehdr, 18) != elf_machine(native) {
        return Err(bad(format!("not a program for this machine ({native})")));
    }
    let (phoff, phentsize, phnum) = (
        u64_at(&ehdr, 32),
        u16_at(&ehdr, 54) as u64,
        u16_at(&ehdr, 56) as u64,
    );
    if phentsize < 56 || phnum > 4096 {
        return Err(bad("malformed program headers".into()));
    }
    let mut phdrs = vec![0u8; (phentsize * phnum) as usize];
    f.seek(SeekFrom::Start(phoff))
        .and_then(|_| f.read_exact(&mut phdrs))
        .map_err(|_| bad("truncated program headers".into()))?;
    for ph in phdrs.chunks(phentsize as usize) {
        if u32_at(ph, 0) != 3 {
            continue; // not PT_INTERP
        }
        let (off, size) = (u64_at(ph, 8), u64_at(ph, 32));
        if size == 0 || size > 4096 {
            return Err(bad("malformed PT_INTERP".into()));
        }
        let mut interp = vec![0u8; size as usize];
        f.seek(SeekFrom::Start(off))
            .and_then(|_| f.read_exact(&mut interp))
            .map_err(|_| bad("truncated PT_INTERP".into()))?;
        let interp = PathBuf::from(OsStr::from_bytes(
            interp.split(|b| *b == 0).next().unwrap_or(&[]),
        ));
        let loader = glibc_loader(native);
        // The same file, whatever links lead to it (two lookups, where resolving both paths
        // link by link took a dozen system calls).
        let same = match (std::fs::metadata(&interp), std::fs::metadata(loader)) {
            (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
            _ => false,
        };
        if !same {
            return Err(bad(format!(
                "its loader is {}, and pledge can only narrow programs started by glibc's loader {loader} \
                 (it loads pledge's preload); a static build works too",
                interp.display()
            )));
        }
        return Ok(Start::Dynamic);
    }
    Ok(Start::Static)
}

/// Checks that `path` is a shared object for this machine that the glibc loader will preload.
pub fn check_preload(path: &Path) -> Result<(), String> {
    let shown = path.display();
    let text = path.as_os_str().as_bytes();
    if text.contains(&b' ') || text.contains(&b':') || !path.is_absolute() {
        return Err(format!("{shown}: the preload path must be absolute, without spaces or colons (LD_PRELOAD splits on them)"));
    }
    let mut f = File::open(path).map_err(|e| format!("{shown}: {}", crate::describe_io(&e)))?;
    let mut ehdr = [0u8; 64];
    let n = read_up_to(&mut f, &mut ehdr)
        .map_err(|e| format!("{shown}: {}", crate::describe_io(&e)))?;
    let ok = n == 64
        && ehdr.starts_with(b"\x7fELF")
        && ehdr[4] == 2
        && u16::from_le_bytes([ehdr[16], ehdr[17]]) == 3 // ET_DYN
        && u16::from_le_bytes([ehdr[18], ehdr[19]]) == elf_machine(Arch::native());
    if !ok {
        return Err(format!("{shown}: not a shared object for this machine"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shebang_lines() {
        assert_eq!(interpreter(b"/bin/sh\n"), Some(PathBuf::from("/bin/sh")));
        assert_eq!(
            interpreter(b"  /usr/bin/env python3\nprint()"),
            Some(PathBuf::from("/usr/bin/env"))
        );
        assert_eq!(interpreter(b"\t/bin/sh -e"), Some(PathBuf::from("/bin/sh")));
        assert_eq!(interpreter(b"   \n/bin/sh"), None);
    }

    #[test]
    fn judges_programs_on_this_machine() {
        let sh = resolve(OsStr::new("sh")).unwrap();
        assert_eq!(sh.start, Start::Dynamic);
        assert!(sh.scripts.is_empty());
        assert!(matches!(
            resolve(OsStr::new("no-such-program-here")),
            Err(LaunchError::NotFound(_))
        ));
        assert!(matches!(
            resolve(OsStr::new("/etc")),
            Err(LaunchError::CannotExecute(_))
        ));
        let text = std::env::temp_dir().join(format!("pledge-cli-unit-{}", std::process::id()));
        std::fs::write(&text, "not a program").unwrap();
        let judged = resolve(text.as_os_str());
        std::fs::remove_file(&text).unwrap();
        assert!(matches!(judged, Err(LaunchError::CannotExecute(_))));
    }
}

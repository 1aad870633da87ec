//! The preload the command puts in every dynamically linked program (crates/pledge-preload):
//! built with the command and carried inside it (see build.rs), handed to each program in a
//! sealed memfd that the program inherits and the loader maps as `/proc/self/fd/N`. No file
//! is looked up at run time, so an installed `pledge` is one self-sufficient binary.
//! `$PLEDGE_PRELOAD` still names another file, for testing a preload build.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::PathBuf;

/// The preload's bytes, stripped.
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/libpledge_preload.so"));

/// The environment variable that names another preload file.
pub const ENV_PRELOAD: &str = "PLEDGE_PRELOAD";

/// The lowest descriptor the memfd may have in the command: 3 and 4 are where a child started
/// with `--close-fds` keeps the handshake socket and the preload, and moving either onto its
/// place must not close the other.
const MIN_FD: RawFd = 5;

/// Where the program's loader finds the preload.
#[derive(Debug)]
pub enum Preload {
    /// The embedded preload, in a sealed memfd (close-on-exec here; the child keeps it).
    Embedded(OwnedFd),
    /// A file named by [`ENV_PRELOAD`].
    File(PathBuf),
}

impl Preload {
    /// The embedded preload, or the file `$PLEDGE_PRELOAD` names (checked to be a shared
    /// object for this machine).
    pub fn get() -> Result<Preload, String> {
        if let Some(p) = std::env::var_os(ENV_PRELOAD) {
            let p = PathBuf::from(p);
            crate::program::check_preload(&p).map_err(|e| format!("${ENV_PRELOAD}: {e}"))?;
            return Ok(Preload::File(p));
        }
        if EMBEDDED.is_empty() {
            return Err("this pledge was built without its preload (a documentation build)".into());
        }
        crate::sys::sealed_memfd(c"pledge-preload", EMBEDDED, MIN_FD)
            .map(Preload::Embedded)
            .map_err(|e| {
                format!(
                    "preparing the preload in memory (memfd_create): {}",
                    crate::describe_io(&e)
                )
            })
    }

    /// The descriptor the child must keep open for its loader, as numbered here.
    pub fn fd(&self) -> Option<RawFd> {
        match self {
            Preload::Embedded(fd) => Some(fd.as_raw_fd()),
            Preload::File(_) => None,
        }
    }

    /// The path for `LD_PRELOAD`, when the child holds the memfd at `fd_in_child`.
    pub fn path(&self, fd_in_child: RawFd) -> PathBuf {
        match self {
            Preload::Embedded(_) => PathBuf::from(format!("/proc/self/fd/{fd_in_child}")),
            Preload::File(p) => p.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_preload_is_a_shared_object_for_this_machine() {
        assert!(EMBEDDED.starts_with(b"\x7fELF"));
        assert_eq!(u16::from_le_bytes([EMBEDDED[16], EMBEDDED[17]]), 3); // ET_DYN
        let p = Preload::get().unwrap();
        assert!(p.fd().unwrap() >= MIN_FD);
        let path = p.path(p.fd().unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), EMBEDDED);
        // Sealed: not even its holder can change it.
        let written = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"changed"));
        assert!(written.is_err());
    }

    /// preload.c repeats what [`pledge_handshake`] says: every constant it defines must be the
    /// crate's, as the crate encodes it.
    #[test]
    fn the_c_preload_repeats_the_handshake_crate() {
        use pledge_handshake::{LayerInfo, LayerKind, Message, SetupOptions};
        let source = include_str!("../preload/preload.c");
        let define = |name: &str| -> String {
            let prefix = format!("#define {name} ");
            let line = source.lines().find(|l| l.starts_with(&prefix));
            line.unwrap_or_else(|| panic!("preload.c defines no {name}"))[prefix.len()..]
                .trim()
                .to_string()
        };
        // The bytes of `static const char NAME[TAG_LEN] = "...";`, its final NUL included.
        let tag = |name: &str| -> Vec<u8> {
            let prefix = format!("static const char {name}[TAG_LEN] = \"");
            let line = source.lines().find(|l| l.starts_with(&prefix));
            let literal = line.unwrap_or_else(|| panic!("preload.c has no {name}"))[prefix.len()..]
                .trim_end_matches("\";");
            let mut bytes = literal.replace("\\0", "\0").into_bytes();
            bytes.push(0);
            bytes
        };
        let word = |m: &Message, i: usize| {
            u32::from_ne_bytes(m.encode()[8 + 4 * i..12 + 4 * i].try_into().unwrap())
        };
        let setup = |close_descriptors, warm_libc_caches| Message::Setup {
            options: SetupOptions {
                close_descriptors,
                warm_libc_caches,
            },
        };
        let filter = Message::Filter {
            layers: vec![LayerInfo {
                kind: LayerKind::Unveil,
                flags: 0,
            }],
            prog: crate::filters::program_filter(
                scopes::Promises::EMPTY,
                scopes::Arch::native(),
                <scopes::policy::Context as scopes::policy::CurrentContext>::current(),
            ),
        };

        assert_eq!(define("ENV_FD"), format!("{:?}", pledge_handshake::ENV_FD));
        assert_eq!(
            define("ENV_USER_PRELOAD"),
            format!("{:?}", pledge_handshake::ENV_USER_PRELOAD)
        );
        assert_eq!(
            define("SETUP_FAILED"),
            pledge_handshake::SETUP_FAILED.to_string()
        );
        assert_eq!(define("MAX_MESSAGE"), "(64 * 1024)");
        assert_eq!(pledge_handshake::MAX_MESSAGE, 64 * 1024);
        assert_eq!(
            define("MAX_LAYERS"),
            pledge_handshake::MAX_LAYERS.to_string()
        );
        assert_eq!(define("MAX_INSNS"), pledge_handshake::MAX_INSNS.to_string());
        assert_eq!(
            define("SETUP_CLOSE"),
            format!("{}u", word(&setup(true, false), 0))
        );
        assert_eq!(
            define("SETUP_WARM"),
            format!("{}u", word(&setup(false, true), 0))
        );
        assert_eq!(define("LAYER_UNVEIL"), format!("{}u", word(&filter, 2)));
        assert_eq!(define("TAG_LEN"), "8");
        assert_eq!(tag("TAG_SETUP"), setup(false, false).encode()[..8]);
        assert_eq!(tag("TAG_FILTER"), filter.encode()[..8]);
    }
}

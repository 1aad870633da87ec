//! What the `pledge` command and the program's side of its handshake agree on: the
//! environment variables, the messages on the handshake socket and their binary layout, the
//! kinds of Landlock layer, and the setup options.
//!
//! The program's side is the preload (`libpledge_preload.so`, written in C:
//! `crates/pledge-cli/preload/preload.c`) for a dynamically linked program, and the command's
//! own forked child for a static one. The preload repeats every constant and layout here; this
//! crate's tests pin them, so that neither side changes without the other.
//!
//! The handshake, for a dynamically linked program (docs/command.md has the why):
//!
//! 1. the command sends [`Message::Setup`] on its end of a `SOCK_SEQPACKET` pair, then starts
//!    the child; the child installs the *startup* filter and executes the program with the
//!    other end at the descriptor named by [`ENV_FD`] and the preload in `LD_PRELOAD`.
//!    Meanwhile the command builds everything that allocates or needs the library, for the
//!    child's pid: the Landlock layers (the promises' paths and the `-v` rules, `/proc/self`
//!    being the program's), created but not enforced, and the *program* filter; it sends them
//!    as [`Message::Filter`], the layers' descriptors attached (and closes its copies). This
//!    work overlaps the program's loading;
//! 2. the preload's constructor, once the loader is done, receives both, enforces each layer
//!    on itself (`landlock_restrict_self`) and closes it, sends [`Message::Ready`] with the
//!    descriptor number the listener will get, and installs the program filter with a
//!    listener;
//! 3. the command takes the listener with `pidfd_getfd`; the preload then makes the barrier
//!    call ([`is_barrier`]), which the program filter always sends to the listener, and which the
//!    command answers with 0 once it holds the listener. From then on the command reports.
//!
//! A statically linked program is handled by the forked child itself: it installs the program
//! filter before `execve`, sends [`Message::Ready`], and its `execve` is the barrier.
//!
//! ```
//! use pledge_handshake::{Message, SetupOptions};
//!
//! let setup = Message::Setup {
//!     options: SetupOptions {
//!         close_descriptors: true,
//!         warm_libc_caches: false,
//!     },
//! };
//! let bytes = setup.encode();
//! assert_eq!(&bytes[..8], b"setup\0\0\0");
//! assert_eq!(Message::decode(&bytes), Some(setup));
//! ```

#![forbid(unsafe_code)]

use scopes_core::bpf::Insn;

/// The environment variable holding the descriptor number of the preload's end of the
/// handshake socket.
pub const ENV_FD: &str = "PLEDGE_CLI_FD";
/// The environment variable holding the user's own `LD_PRELOAD`, which the preload puts back
/// for the program's children.
pub const ENV_USER_PRELOAD: &str = "PLEDGE_CLI_USER_LD_PRELOAD";
/// The exit status of a child or preload that could not set the sandbox up. The command reports
/// the message it got and exits 125 itself.
pub const SETUP_FAILED: i32 = 125;
/// The largest message on the handshake socket.
pub const MAX_MESSAGE: usize = 64 * 1024;
/// The most layers a filter message carries (the promises' and unveil's).
pub const MAX_LAYERS: usize = 2;
/// The most instructions a filter message carries (the compiler's limit, which is the
/// kernel's).
pub const MAX_INSNS: usize = scopes_core::compiler::MAX_INSNS;

/// The tags of the binary messages, 8 bytes each.
const TAG_SETUP: &[u8; 8] = b"setup\0\0\0";
const TAG_FILTER: &[u8; 8] = b"filter\0\0";
/// The binary messages' header: the tag and two 32-bit words.
const HEADER: usize = 16;

/// What the preload does besides narrowing, told before the program starts
/// ([`Message::Setup`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetupOptions {
    /// Close the handshake socket, the listener and the preload's memfd once narrowed: the
    /// program holds `stdio`, or `pledge --learn` observes the run and lets the closes
    /// through, so that the learned program holds no descriptor an unwatched run would not.
    pub close_descriptors: bool,
    /// Load libc's lazily read files (locale, message catalog, time zone) before narrowing:
    /// the program cannot read them itself later (no `rpath`, or `-v` rules).
    pub warm_libc_caches: bool,
}

/// The bits of [`SetupOptions`] on the wire.
const SETUP_CLOSE: u32 = 1;
const SETUP_WARM: u32 = 2;

impl SetupOptions {
    fn bits(self) -> u32 {
        let mut bits = 0;
        if self.close_descriptors {
            bits |= SETUP_CLOSE;
        }
        if self.warm_libc_caches {
            bits |= SETUP_WARM;
        }
        bits
    }

    /// The options of `bits`; `None` with a bit no option has (the two sides disagree).
    fn from_bits(bits: u32) -> Option<SetupOptions> {
        (bits & !(SETUP_CLOSE | SETUP_WARM) == 0).then_some(SetupOptions {
            close_descriptors: bits & SETUP_CLOSE != 0,
            warm_libc_caches: bits & SETUP_WARM != 0,
        })
    }
}

/// What a Landlock layer of a [`Message::Filter`] holds; the preload names it when enforcing
/// it fails, and refuses it the same way in either case while other threads exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerKind {
    /// The paths the promises imply.
    Promises,
    /// The `-v` rules.
    Unveil,
}

impl LayerKind {
    /// Its number on the wire.
    fn code(self) -> u32 {
        match self {
            LayerKind::Promises => 0,
            LayerKind::Unveil => 1,
        }
    }

    fn from_code(code: u32) -> Option<LayerKind> {
        match code {
            0 => Some(LayerKind::Promises),
            1 => Some(LayerKind::Unveil),
            _ => None,
        }
    }
}

/// One Landlock layer of a [`Message::Filter`]; its ruleset descriptor travels with the message
/// (`SCM_RIGHTS`), in the same order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerInfo {
    /// What it holds.
    pub kind: LayerKind,
    /// The flags for `landlock_restrict_self`, as the library chose them.
    pub flags: u32,
}

/// A message on the handshake socket. The command's are binary (fixed layouts the preload
/// reads as they are: an 8-byte tag, then native 32-bit words, then `struct sock_filter`s); the
/// preload's and the child's are text, fields NUL-separated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// Command to preload, before the program starts: what to do besides narrowing.
    ///
    /// Layout: the tag `setup\0\0\0`, the options' bits (1: close descriptors, 2: warm libc's
    /// caches), a zero word.
    Setup {
        /// The options.
        options: SetupOptions,
    },
    /// Command to preload: the Landlock layers to enforce, whose descriptors come with it, and
    /// the program filter to install.
    ///
    /// Layout: the tag `filter\0\0`, the number of layers, a zero word, a (kind, flags) pair
    /// of words per layer (kind 0: promises, 1: unveil), then the instructions.
    Filter {
        /// The layers, in the order of the descriptors.
        layers: Vec<LayerInfo>,
        /// The filter, at least one instruction and at most [`MAX_INSNS`].
        prog: Vec<Insn>,
    },
    /// Preload or child to command: the listener will be this descriptor number.
    ///
    /// Layout: `ready`, NUL, the number in decimal.
    Ready {
        /// Its number in the program.
        listener: i32,
    },
    /// Preload or child to command: the sandbox could not be set up; the text says why.
    ///
    /// Layout: `failed`, NUL, the text (further NULs read as spaces).
    Failed(String),
}

/// The `i`th 32-bit word after the tag.
fn word(bytes: &[u8], i: usize) -> Option<u32> {
    let b = bytes.get(8 + 4 * i..12 + 4 * i)?;
    Some(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

impl Message {
    /// The bytes sent.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Message::Setup { options } => {
                let mut out = TAG_SETUP.to_vec();
                out.extend(options.bits().to_ne_bytes());
                out.extend(0u32.to_ne_bytes());
                out
            }
            Message::Filter { layers, prog } => {
                let mut out = TAG_FILTER.to_vec();
                out.extend((layers.len() as u32).to_ne_bytes());
                out.extend(0u32.to_ne_bytes());
                for layer in layers {
                    out.extend(layer.kind.code().to_ne_bytes());
                    out.extend(layer.flags.to_ne_bytes());
                }
                // `struct sock_filter`, as seccomp() takes it.
                for insn in prog {
                    out.extend(insn.to_ne_bytes());
                }
                out
            }
            Message::Ready { listener } => format!("ready\0{listener}").into_bytes(),
            Message::Failed(text) => format!("failed\0{text}").into_bytes(),
        }
    }

    /// Parses received bytes; `None` for anything malformed, as the preload refuses it.
    pub fn decode(bytes: &[u8]) -> Option<Message> {
        if bytes.starts_with(TAG_SETUP) {
            let options = SetupOptions::from_bits(word(bytes, 0)?)?;
            return (bytes.len() == HEADER && word(bytes, 1)? == 0)
                .then_some(Message::Setup { options });
        }
        if bytes.starts_with(TAG_FILTER) {
            return decode_filter(bytes);
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let mut fields = text.split('\0');
        match fields.next()? {
            "ready" => {
                let listener = fields.next()?.parse().ok().filter(|n| *n >= 0)?;
                fields
                    .next()
                    .is_none()
                    .then_some(Message::Ready { listener })
            }
            "failed" => Some(Message::Failed(fields.collect::<Vec<_>>().join(" "))),
            _ => None,
        }
    }
}

fn decode_filter(bytes: &[u8]) -> Option<Message> {
    let count = word(bytes, 0)? as usize;
    if count > MAX_LAYERS || word(bytes, 1)? != 0 {
        return None;
    }
    let layers = (0..count)
        .map(|i| {
            Some(LayerInfo {
                kind: LayerKind::from_code(word(bytes, 2 + 2 * i)?)?,
                flags: word(bytes, 3 + 2 * i)?,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let body = &bytes[HEADER + 8 * count..];
    if body.is_empty() || !body.len().is_multiple_of(8) {
        return None;
    }
    let prog: Vec<Insn> = body
        .chunks_exact(8)
        .map(|c| Insn::from_ne_bytes(c.try_into().expect("8 bytes")))
        .collect();
    (prog.len() <= MAX_INSNS).then_some(Message::Filter { layers, prog })
}

/// Whether a notified `execve` is the preload's barrier: `execve(NULL, NULL, NULL)`, which
/// could never execute anything.
///
/// ```
/// assert!(pledge_handshake::is_barrier(&[0, 0, 0, 7, 7, 7]));
/// assert!(!pledge_handshake::is_barrier(&[0x1000, 0, 0, 0, 0, 0]));
/// ```
pub fn is_barrier(args: &[u64; 6]) -> bool {
    args[0] == 0 && args[1] == 0 && args[2] == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prog() -> Vec<Insn> {
        vec![
            Insn {
                code: 0x20,
                jt: 0,
                jf: 0,
                k: 4,
            },
            Insn {
                code: 0x15,
                jt: 1,
                jf: 2,
                k: 0xc000_003e,
            },
            Insn {
                code: 0x06,
                jt: 0,
                jf: 0,
                k: 0x7fff_0000,
            },
        ]
    }

    fn words(words: &[u32]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_ne_bytes()).collect()
    }

    #[test]
    fn messages_round_trip() {
        let mut all = vec![
            Message::Ready { listener: 0 },
            Message::Ready { listener: 4 },
            Message::Failed(String::new()),
            Message::Failed("landlock: no".into()),
            Message::Filter {
                layers: vec![],
                prog: prog(),
            },
            Message::Filter {
                layers: vec![
                    LayerInfo {
                        kind: LayerKind::Promises,
                        flags: 0,
                    },
                    LayerInfo {
                        kind: LayerKind::Unveil,
                        flags: 8,
                    },
                ],
                prog: prog(),
            },
            Message::Filter {
                layers: vec![LayerInfo {
                    kind: LayerKind::Unveil,
                    flags: u32::MAX,
                }],
                prog: vec![prog()[2]; MAX_INSNS],
            },
        ];
        for close_descriptors in [false, true] {
            for warm_libc_caches in [false, true] {
                all.push(Message::Setup {
                    options: SetupOptions {
                        close_descriptors,
                        warm_libc_caches,
                    },
                });
            }
        }
        for m in all {
            assert_eq!(Message::decode(&m.encode()), Some(m));
        }
    }

    /// The layouts preload.c reads (and writes) byte for byte.
    #[test]
    fn the_wire_layout_is_the_preloads() {
        let setup = |close_descriptors, warm_libc_caches| {
            Message::Setup {
                options: SetupOptions {
                    close_descriptors,
                    warm_libc_caches,
                },
            }
            .encode()
        };
        // The tag, the option bits (SETUP_CLOSE 1, SETUP_WARM 2), a zero word: 16 bytes.
        assert_eq!(
            setup(false, false),
            [&b"setup\0\0\0"[..], &words(&[0, 0])].concat()
        );
        assert_eq!(
            setup(true, false),
            [&b"setup\0\0\0"[..], &words(&[1, 0])].concat()
        );
        assert_eq!(
            setup(false, true),
            [&b"setup\0\0\0"[..], &words(&[2, 0])].concat()
        );
        assert_eq!(
            setup(true, true),
            [&b"setup\0\0\0"[..], &words(&[3, 0])].concat()
        );

        // The tag, the number of layers, a zero word, (kind, flags) per layer with kind 0 for
        // the promises and 1 for unveil (LAYER_UNVEIL), then struct sock_filter: code (u16),
        // jt, jf (u8), k (u32).
        let filter = Message::Filter {
            layers: vec![
                LayerInfo {
                    kind: LayerKind::Promises,
                    flags: 0,
                },
                LayerInfo {
                    kind: LayerKind::Unveil,
                    flags: 8,
                },
            ],
            prog: prog()[1..2].to_vec(),
        }
        .encode();
        let mut expected = b"filter\0\0".to_vec();
        expected.extend(words(&[2, 0, 0, 0, 1, 8]));
        expected.extend(0x15u16.to_ne_bytes());
        expected.extend([1, 2]);
        expected.extend(0xc000_003eu32.to_ne_bytes());
        assert_eq!(filter, expected);

        // The preload's replies: text, NUL-separated.
        assert_eq!(Message::Ready { listener: 42 }.encode(), b"ready\x0042");
        assert_eq!(Message::Failed("no".into()).encode(), b"failed\0no");
        // preload.c's fail(): the library's error, then the errno's text.
        assert_eq!(
            Message::decode(b"failed\0unveil: landlock_restrict_self: Bad file descriptor"),
            Some(Message::Failed(
                "unveil: landlock_restrict_self: Bad file descriptor".into()
            ))
        );
        assert_eq!(
            Message::decode(b"failed\0a\0b"),
            Some(Message::Failed("a b".into()))
        );

        assert_eq!(
            (ENV_FD, ENV_USER_PRELOAD, SETUP_FAILED, MAX_MESSAGE),
            ("PLEDGE_CLI_FD", "PLEDGE_CLI_USER_LD_PRELOAD", 125, 65536)
        );
        assert_eq!((MAX_LAYERS, MAX_INSNS), (2, 4096));
    }

    #[test]
    fn malformed_messages_are_refused() {
        assert_eq!(Message::decode(b""), None);
        assert_eq!(Message::decode(b"bogus"), None);
        assert_eq!(Message::decode(b"ready\0-1"), None);
        assert_eq!(Message::decode(b"ready\0"), None);
        assert_eq!(Message::decode(b"ready\x003\0"), None);
        assert_eq!(Message::decode(b"ready"), None);

        let setup =
            |bits: u32, reserved: u32| [&b"setup\0\0\0"[..], &words(&[bits, reserved])].concat();
        assert!(Message::decode(&setup(3, 0)).is_some());
        // An option neither side knows, the reserved word set, a byte too many or too few.
        assert_eq!(Message::decode(&setup(4, 0)), None);
        assert_eq!(Message::decode(&setup(0, 1)), None);
        assert_eq!(Message::decode(&[setup(0, 0), vec![0]].concat()), None);
        assert_eq!(Message::decode(&setup(0, 0)[..15]), None);

        let header =
            |count: u32, reserved: u32| [&b"filter\0\0"[..], &words(&[count, reserved])].concat();
        // No instruction, 7 bytes of one, three layers, reserved word set.
        assert_eq!(Message::decode(&header(0, 0)), None);
        assert_eq!(Message::decode(&[header(0, 0), vec![1; 7]].concat()), None);
        assert!(Message::decode(&[header(0, 0), vec![1; 8]].concat()).is_some());
        assert_eq!(Message::decode(&[header(3, 0), vec![1; 32]].concat()), None);
        assert_eq!(Message::decode(&[header(0, 1), vec![1; 8]].concat()), None);
        // One layer announced, no instruction after it; a layer of an unknown kind.
        assert_eq!(Message::decode(&[header(1, 0), vec![0; 8]].concat()), None);
        assert_eq!(
            Message::decode(&[header(1, 0), words(&[2, 0]), vec![1; 8]].concat()),
            None
        );
        assert!(Message::decode(&[header(1, 0), words(&[1, 0]), vec![1; 8]].concat()).is_some());
        // One instruction more than the kernel takes.
        assert_eq!(
            Message::decode(&[header(0, 0), vec![1; 8 * (MAX_INSNS + 1)]].concat()),
            None
        );
        assert!(Message::decode(&[header(0, 0), vec![1; 8 * MAX_INSNS]].concat()).is_some());
    }

    #[test]
    fn the_barrier_is_an_exec_of_nothing() {
        assert!(is_barrier(&[0; 6]));
        for i in 0..3 {
            let mut args = [0; 6];
            args[i] = 1;
            assert!(!is_barrier(&args));
        }
    }
}

//! The command line. Options are rows of [`OPTIONS`]: a name, an optional value, a line of
//! help and a function that records it, so a new option is one row (and `--help` lists it).
//! Parsing stops at the first argument that is not an option, or after `--`: the rest is the
//! program and its arguments, passed on untouched.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use scopes::{Arch, Permissions, Promises};

use crate::rules::Rule;

/// The promises used when no `-p` is given.
pub const DEFAULT_PROMISES: &str = "stdio rpath";

/// What the command was asked to do.
#[derive(Debug)]
pub enum Command {
    /// `-h`, `--help`.
    Help,
    /// `--version`.
    Version,
    /// `--explain PROMISES`.
    Explain(Promises),
    /// `--print-filter PROMISES [--arch ARCH]`.
    PrintFilter {
        /// The promises.
        promises: Promises,
        /// The architecture to compile for.
        arch: Arch,
    },
    /// `--export FORMAT -p PROMISES [--arch ARCH]... [-o FILE]`.
    Export(Box<crate::export::Request>),
    /// `--learn [-o FILE] PROGRAM...`: run a program observed and suggest its pledge.
    Learn {
        /// The program (learning finds its promises and paths).
        run: Box<Run>,
        /// `-o FILE`: where the suggestion goes; stderr when absent.
        output: Option<PathBuf>,
        /// `--verify`: run the program again under the suggestion to prove it, and narrow it.
        verify: bool,
    },
    /// Run a program.
    Run(Box<Run>),
}

/// Resource limits, each off unless asked. Both the soft and the hard limit are set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// RLIMIT_CPU, seconds.
    pub cpu: Option<u64>,
    /// RLIMIT_AS, bytes.
    pub address_space: Option<u64>,
    /// RLIMIT_FSIZE, bytes.
    pub file_size: Option<u64>,
    /// RLIMIT_NOFILE.
    pub open_files: Option<u64>,
    /// RLIMIT_NPROC.
    pub processes: Option<u64>,
}

/// Everything needed to run a program.
#[derive(Clone, Debug)]
pub struct Run {
    /// The promises.
    pub promises: Promises,
    /// `-v`, `--connect-port` and `--bind-port` rules, in order.
    pub unveils: Vec<Rule>,
    /// `-k`: kill the program on a violation.
    pub kill: bool,
    /// `-q`: no violation reports.
    pub quiet: bool,
    /// Resource limits.
    pub limits: Limits,
    /// `--close-fds`.
    pub close_fds: bool,
    /// `--drop-caps`.
    pub drop_caps: bool,
    /// Leave the program the capabilities its promises do not need (`--learn` only: the
    /// observed program must behave as it would unpledged).
    pub keep_capabilities: bool,
    /// The program, as given.
    pub program: OsString,
    /// Its arguments (not including the program itself).
    pub args: Vec<OsString>,
    /// Observed by `pledge --learn` rather than enforced (see
    /// `pledge_handshake::SetupOptions::close_descriptors`).
    pub observed: bool,
}

/// A bad command line; the text names the problem.
#[derive(Debug, PartialEq, Eq)]
pub struct UsageError(pub String);

/// What the options say so far.
#[derive(Default)]
pub struct Parsed {
    promises: Option<Vec<String>>,
    unveils: Vec<Rule>,
    kill: bool,
    quiet: bool,
    limits: Limits,
    close_fds: bool,
    drop_caps: bool,
    help: bool,
    version: bool,
    explain: Option<String>,
    print_filter: Option<String>,
    arch: Option<Arch>,
    arches: Vec<Arch>,
    export: Option<scopes::export::Format>,
    output: Option<PathBuf>,
    learn: bool,
    verify: bool,
}

/// One option.
pub struct Opt {
    /// The one-letter form, if any.
    pub short: Option<char>,
    /// The long form, without the dashes.
    pub long: &'static str,
    /// The value's name in `--help`, for options that take one.
    pub value: Option<&'static str>,
    /// One line of help.
    pub help: &'static str,
    /// Records the option.
    pub apply: fn(&mut Parsed, &str) -> Result<(), String>,
}

/// Every option, in `--help` order.
pub const OPTIONS: &[Opt] = &[
    Opt {
        short: Some('p'),
        long: "promises",
        value: Some("PROMISES"),
        help: "promise words, e.g. 'stdio rpath' (repeatable; default: 'stdio rpath')",
        apply: |p, v| {
            p.promises.get_or_insert_with(Vec::new).push(v.to_string());
            Ok(())
        },
    },
    Opt {
        short: Some('v'),
        long: "unveil",
        value: Some("[PERM:]PATH"),
        help: "make PATH visible with PERM, any of r w x c (default r); repeatable. \
               Everything not unveiled is hidden",
        // Reached only for UTF-8 values: `apply` hands every -v value, bytes included, to
        // `parse_unveil` itself.
        apply: |p, v| {
            p.unveils.push(parse_unveil(OsStr::new(v))?);
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "connect-port",
        value: Some("PORT"),
        help: "allow TCP connect() to PORT only (repeatable; Landlock ABI 4+, narrows inet)",
        apply: |p, v| {
            p.unveils.push(Rule::ConnectPort(parse_port(v)?));
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "bind-port",
        value: Some("PORT"),
        help: "allow TCP bind() to PORT only (repeatable; 0 for an ephemeral port; Landlock ABI 4+)",
        apply: |p, v| {
            p.unveils.push(Rule::BindPort(parse_port(v)?));
            Ok(())
        },
    },
    Opt {
        short: Some('k'),
        long: "kill",
        value: None,
        help: "kill the program on a violation (exit status 159, 128+SIGSYS); default: the call fails with EPERM",
        apply: |p, _| {
            p.kill = true;
            Ok(())
        },
    },
    Opt {
        short: Some('q'),
        long: "quiet",
        value: None,
        help: "do not report violations (errors are still printed)",
        apply: |p, _| {
            p.quiet = true;
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "cpu",
        value: Some("SECONDS"),
        help: "limit CPU time (RLIMIT_CPU, soft and hard): the kernel kills the program at the limit",
        apply: |p, v| {
            p.limits.cpu = Some(parse_count(v)?);
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "as",
        value: Some("BYTES"),
        help: "limit address space (RLIMIT_AS); suffixes K M G T (powers of 1024)",
        apply: |p, v| {
            p.limits.address_space = Some(parse_bytes(v)?);
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "fsize",
        value: Some("BYTES"),
        help: "limit the size of files written (RLIMIT_FSIZE): larger writes fail, with SIGXFSZ",
        apply: |p, v| {
            p.limits.file_size = Some(parse_bytes(v)?);
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "nofile",
        value: Some("N"),
        help: "limit open descriptors (RLIMIT_NOFILE)",
        apply: |p, v| {
            p.limits.open_files = Some(parse_count(v)?);
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "nproc",
        value: Some("N"),
        help: "limit processes of this user (RLIMIT_NPROC; the kernel never applies it to root)",
        apply: |p, v| {
            p.limits.processes = Some(parse_count(v)?);
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "close-fds",
        value: None,
        help: "close inherited descriptors other than 0, 1 and 2",
        apply: |p, _| {
            p.close_fds = true;
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "drop-caps",
        value: None,
        help: "drop every capability, including the bounding set (root then runs without privileges)",
        apply: |p, _| {
            p.drop_caps = true;
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "explain",
        value: Some("PROMISES"),
        help: "print what each promise allows (system calls, argument conditions, paths) and exit",
        apply: |p, v| {
            p.explain = Some(v.to_string());
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "print-filter",
        value: Some("PROMISES"),
        help: "print the seccomp filter the program would run under, as BPF assembly, and exit",
        apply: |p, v| {
            p.print_filter = Some(v.to_string());
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "arch",
        value: Some("ARCH"),
        help: "with --print-filter or --export: x86_64, aarch64 or riscv64 (default: this machine's; \
               repeatable for --export oci and k8s)",
        apply: |p, v| {
            p.arch = Some(v.parse::<Arch>()?);
            p.arches.push(v.parse::<Arch>()?);
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "export",
        value: Some("FORMAT"),
        help: "write the -p promises as an oci (Docker/Podman/Kubernetes seccomp JSON), k8s (a Security \
               Profiles Operator SeccompProfile resource), systemd (unit lines) or bpf (raw program for \
               bwrap --seccomp) policy and exit",
        apply: |p, v| {
            p.export = Some(v.parse().map_err(|e: scopes::export::ExportError| e.to_string())?);
            Ok(())
        },
    },
    Opt {
        short: Some('o'),
        long: "output",
        value: Some("FILE"),
        help: "with --export: write to FILE instead of standard output; with --learn: instead of stderr",
        apply: |p, v| {
            p.output = Some(PathBuf::from(v));
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "learn",
        value: None,
        help: "run PROGRAM once, observed but not restricted, then print the smallest promises and \
               unveils that allow what it did, as a ready-to-run pledge command line",
        apply: |p, _| {
            p.learn = true;
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "verify",
        value: None,
        help: "with --learn: run PROGRAM again under the suggestion with -k (same input) and compare \
               its output and exit status; drop what turns out unnecessary, and say what was proven",
        apply: |p, _| {
            p.verify = true;
            Ok(())
        },
    },
    Opt {
        short: Some('h'),
        long: "help",
        value: None,
        help: "print this help and exit",
        apply: |p, _| {
            p.help = true;
            Ok(())
        },
    },
    Opt {
        short: None,
        long: "version",
        value: None,
        help: "print the version and exit",
        apply: |p, _| {
            p.version = true;
            Ok(())
        },
    },
];

/// One `-v` value, `[PERM:]PATH`. The path is bytes, as unveil() takes it: it need not be
/// UTF-8.
fn parse_unveil(v: &OsStr) -> Result<Rule, String> {
    let bytes = v.as_bytes();
    let shown = v.to_string_lossy();
    // PERM: is optional; a path that itself holds a colon needs an explicit PERM.
    let (permissions, path) = match bytes.iter().position(|&b| b == b':') {
        Some(colon) if bytes[..colon].iter().all(|b| b"rwxc".contains(b)) => (
            String::from_utf8_lossy(&bytes[..colon]).into_owned(),
            &bytes[colon + 1..],
        ),
        Some(colon) if !bytes[..colon].contains(&b'/') => {
            return Err(format!(
                "bad permissions \"{}\" in \"{shown}\" (use any of r, w, x, c)",
                String::from_utf8_lossy(&bytes[..colon])
            ))
        }
        _ => ("r".to_string(), bytes),
    };
    let permissions = Permissions::parse(&permissions).map_err(|e| e.to_string())?;
    if path.is_empty() {
        return Err(format!("empty path in \"{shown}\""));
    }
    Ok(Rule::Unveil {
        permissions,
        path: PathBuf::from(OsStr::from_bytes(path)),
    })
}

fn parse_port(v: &str) -> Result<u16, String> {
    v.parse()
        .map_err(|_| format!("\"{v}\" is not a TCP port (0 to 65535)"))
}

fn parse_count(v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .map_err(|_| format!("\"{v}\" is not a whole number"))
}

fn parse_bytes(v: &str) -> Result<u64, String> {
    let not_a_size = || format!("\"{v}\" is not a size in bytes");
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (digits, suffix) = v.split_at(split);
    let n: u64 = digits.parse().map_err(|_| not_a_size())?;
    let shift = match suffix {
        "" => 0,
        "K" | "k" => 10,
        "M" | "m" => 20,
        "G" | "g" => 30,
        "T" | "t" => 40,
        _ => {
            return Err(format!(
                "\"{v}\": unknown size suffix \"{suffix}\" (use K, M, G or T)"
            ))
        }
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("\"{v}\" is too large"))
}

fn find_long(name: &str) -> Option<&'static Opt> {
    OPTIONS.iter().find(|o| o.long == name)
}

fn find_short(c: char) -> Option<&'static Opt> {
    OPTIONS.iter().find(|o| o.short == Some(c))
}

fn utf8<'a>(option: &str, value: &'a OsStr) -> Result<&'a str, UsageError> {
    value
        .to_str()
        .ok_or_else(|| UsageError(format!("{option}: the value is not valid UTF-8")))
}

fn apply(
    opt: &Opt,
    shown: &str,
    value: Option<&OsStr>,
    parsed: &mut Parsed,
) -> Result<(), UsageError> {
    if let (Some(v), "unveil") = (value, opt.long) {
        let rule = parse_unveil(v).map_err(|e| UsageError(format!("{shown}: {e}")))?;
        parsed.unveils.push(rule);
        return Ok(());
    }
    let value = match value {
        Some(v) => utf8(shown, v)?,
        None => "",
    };
    (opt.apply)(parsed, value).map_err(|e| UsageError(format!("{shown}: {e}")))
}

/// Parses the arguments after the command's own name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let mut args = args.into_iter();
    let mut parsed = Parsed::default();
    let mut rest: Vec<OsString> = Vec::new();
    while let Some(arg) = args.next() {
        let bytes = arg.as_encoded_bytes();
        if bytes == b"--" {
            rest.extend(args.by_ref());
            break;
        }
        if let Some(long) = bytes.strip_prefix(b"--") {
            let long = std::str::from_utf8(long)
                .map_err(|_| UsageError(format!("unknown option {}", arg.to_string_lossy())))?;
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(OsString::from(v))),
                None => (long, None),
            };
            let shown = format!("--{name}");
            let opt =
                find_long(name).ok_or_else(|| UsageError(format!("unknown option {shown}")))?;
            let value = match (opt.value, inline) {
                (None, Some(_)) => return Err(UsageError(format!("{shown} takes no value"))),
                (None, None) => None,
                (Some(_), Some(v)) => Some(v),
                (Some(meta), None) => Some(
                    args.next()
                        .ok_or_else(|| UsageError(format!("{shown} needs a value ({meta})")))?,
                ),
            };
            apply(opt, &shown, value.as_deref(), &mut parsed)?;
            continue;
        }
        if bytes.len() > 1 && bytes[0] == b'-' {
            // Bundled short options: -kq, -pstdio, -p stdio.
            let text = arg
                .to_str()
                .ok_or_else(|| UsageError(format!("{}: not valid UTF-8", arg.to_string_lossy())))?;
            for (i, c) in text[1..].char_indices() {
                let shown = format!("-{c}");
                let opt =
                    find_short(c).ok_or_else(|| UsageError(format!("unknown option {shown}")))?;
                if let Some(meta) = opt.value {
                    let attached = &text[1 + i + c.len_utf8()..];
                    let value = if attached.is_empty() {
                        args.next()
                            .ok_or_else(|| UsageError(format!("{shown} needs a value ({meta})")))?
                    } else {
                        OsString::from(attached)
                    };
                    apply(opt, &shown, Some(&value), &mut parsed)?;
                    break;
                }
                apply(opt, &shown, None, &mut parsed)?;
            }
            continue;
        }
        rest.push(arg);
        rest.extend(args.by_ref());
        break;
    }
    finish(parsed, rest)
}

fn promises(option: &str, text: &str) -> Result<Promises, UsageError> {
    Promises::parse(text).map_err(|e| UsageError(format!("{option}: {e}")))
}

/// The command the parsed options and the rest of the line ask for.
fn finish(p: Parsed, rest: Vec<OsString>) -> Result<Command, UsageError> {
    if p.help {
        return Ok(Command::Help);
    }
    if p.version {
        return Ok(Command::Version);
    }
    check_combinations(&p)?;
    if let Some(command) = without_program(&p, &rest)? {
        return Ok(command);
    }
    with_program(p, rest)
}

/// Refuses options given where they do not apply.
fn check_combinations(p: &Parsed) -> Result<(), UsageError> {
    if p.arch.is_some() && p.print_filter.is_none() && p.export.is_none() {
        return Err(UsageError(
            "--arch only applies to --print-filter and --export".into(),
        ));
    }
    if p.output.is_some() && p.export.is_none() && !p.learn {
        return Err(UsageError("-o only applies to --export and --learn".into()));
    }
    if p.learn && (p.promises.is_some() || !p.unveils.is_empty() || p.kill || p.quiet) {
        return Err(UsageError(
            "--learn finds the promises and paths itself: -p, -v, -k and -q do not apply".into(),
        ));
    }
    if p.verify && !p.learn {
        return Err(UsageError("--verify only applies to --learn".into()));
    }
    Ok(())
}

/// `--export`, `--explain` or `--print-filter`, which run no program (and refuse one); `None`
/// when none of them was given.
fn without_program(p: &Parsed, rest: &[OsString]) -> Result<Option<Command>, UsageError> {
    let no_program = |what: &str| -> Result<(), UsageError> {
        match rest.first() {
            Some(extra) => Err(UsageError(format!(
                "{what} takes no program (got \"{}\")",
                extra.to_string_lossy()
            ))),
            None => Ok(()),
        }
    };
    if let Some(format) = p.export {
        no_program("--export")?;
        let words = p
            .promises
            .as_ref()
            .ok_or_else(|| UsageError("--export needs -p PROMISES".into()))?
            .join(" ");
        return Ok(Some(Command::Export(Box::new(crate::export::Request {
            format,
            promises: promises("-p", &words)?,
            arches: p.arches.clone(),
            output: p.output.clone(),
        }))));
    }
    if let Some(text) = &p.explain {
        no_program("--explain")?;
        return Ok(Some(Command::Explain(promises("--explain", text)?)));
    }
    if let Some(text) = &p.print_filter {
        no_program("--print-filter")?;
        return Ok(Some(Command::PrintFilter {
            promises: promises("--print-filter", text)?,
            arch: p.arch.unwrap_or_else(Arch::native),
        }));
    }
    Ok(None)
}

/// Running (or learning) the program that starts `rest`.
fn with_program(p: Parsed, rest: Vec<OsString>) -> Result<Command, UsageError> {
    let promises = promises("-p", &promise_words(p.promises.as_deref()))?;
    let mut rest = rest.into_iter();
    let program = rest
        .next()
        .ok_or_else(|| UsageError("no program given (see pledge --help)".into()))?;
    if program.is_empty() {
        return Err(UsageError("the program name is empty".into()));
    }
    let run = Box::new(Run {
        promises,
        unveils: p.unveils,
        kill: p.kill,
        quiet: p.quiet,
        limits: p.limits,
        close_fds: p.close_fds,
        drop_caps: p.drop_caps,
        keep_capabilities: false,
        program,
        args: rest.collect(),
        observed: false,
    });
    Ok(if p.learn {
        Command::Learn {
            run,
            output: p.output,
            verify: p.verify,
        }
    } else {
        Command::Run(run)
    })
}

/// The words of the `-p` values: repeated values are joined, empty ones add nothing;
/// [`DEFAULT_PROMISES`] without any.
fn promise_words(values: Option<&[String]>) -> String {
    match values {
        Some(list) => list
            .iter()
            .map(|s| s.trim_end_matches(' '))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        None => DEFAULT_PROMISES.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse_str(args: &[&str]) -> Result<Command, UsageError> {
        parse(args.iter().map(OsString::from))
    }

    fn run(args: &[&str]) -> Run {
        match parse_str(args) {
            Ok(Command::Run(r)) => *r,
            other => panic!("{other:?}"),
        }
    }

    fn err(args: &[&str]) -> String {
        parse_str(args).unwrap_err().0
    }

    #[test]
    fn promises_default_and_join() {
        assert_eq!(run(&["cat"]).promises.to_string(), "stdio rpath");
        assert_eq!(
            run(&["-p", "stdio", "-p", "inet", "curl"])
                .promises
                .to_string(),
            "stdio inet"
        );
        assert_eq!(
            run(&["-pstdio", "--promises=tty", "x"])
                .promises
                .to_string(),
            "stdio tty"
        );
        assert_eq!(run(&["-p", "", "true"]).promises, Promises::EMPTY);
        assert!(err(&["-p", "stdio bogus", "x"]).contains("unknown promise \"bogus\""));
        assert!(err(&["-p", "pf", "x"]).contains("no meaning on Linux"));
    }

    #[test]
    fn program_and_arguments_pass_untouched() {
        let r = run(&["-kq", "--", "-weird", "-p", "x"]);
        assert!(r.kill && r.quiet);
        assert_eq!(r.program, "-weird");
        assert_eq!(r.args, ["-p", "x"]);
        let r = run(&["ls", "-l", "--", "-k"]);
        assert_eq!(r.args, ["-l", "--", "-k"]);
        assert!(!r.kill);
    }

    #[test]
    fn unveil_rules() {
        let r = run(&["-v", "/etc", "-v", "rwc:/tmp", "-v", ":/hidden", "x"]);
        let unveil = |permissions: &str, path: &OsStr| Rule::Unveil {
            permissions: permissions.parse().unwrap(),
            path: PathBuf::from(path),
        };
        assert_eq!(
            r.unveils,
            [
                unveil("r", "/etc".as_ref()),
                unveil("rwc", "/tmp".as_ref()),
                unveil("", "/hidden".as_ref())
            ]
        );
        assert_eq!(
            run(&["-v", "/a:b", "x"]).unveils[0].unveiled(),
            Some(Path::new("/a:b"))
        );
        // Paths are bytes, as unveil() takes them.
        let bytes = OsStr::from_bytes(b"w:/tmp/caf\xe9");
        match parse([OsString::from("-v"), bytes.to_owned(), OsString::from("x")]) {
            Ok(Command::Run(r)) => {
                assert_eq!(r.unveils, [unveil("w", OsStr::from_bytes(b"/tmp/caf\xe9"))]);
            }
            other => panic!("{other:?}"),
        }
        assert!(err(&["-v", "rz:/tmp", "x"]).contains("bad permissions"));
        assert!(err(&["-v", "r:", "x"]).contains("empty path"));
    }

    #[test]
    fn port_rules_keep_their_place_among_the_paths() {
        let r = run(&[
            "--connect-port",
            "443",
            "-v",
            "/etc",
            "--bind-port=0",
            "--connect-port",
            "65535",
            "x",
        ]);
        assert_eq!(
            r.unveils,
            [
                Rule::ConnectPort(443),
                Rule::Unveil {
                    permissions: Permissions::READ,
                    path: PathBuf::from("/etc")
                },
                Rule::BindPort(0),
                Rule::ConnectPort(65535),
            ]
        );
        assert!(r.unveils[0].is_port() && !r.unveils[1].is_port());
        for bad in ["65536", "-1", "http", ""] {
            assert!(
                err(&["--connect-port", bad, "x"]).contains("is not a TCP port"),
                "{bad}"
            );
            assert!(
                err(&["--bind-port", bad, "x"]).contains("is not a TCP port"),
                "{bad}"
            );
        }
    }

    #[test]
    fn limits() {
        let r = run(&[
            "--cpu",
            "2",
            "--as=1G",
            "--fsize",
            "10k",
            "--nofile",
            "64",
            "--nproc=5",
            "x",
        ]);
        assert_eq!(
            r.limits,
            Limits {
                cpu: Some(2),
                address_space: Some(1 << 30),
                file_size: Some(10 << 10),
                open_files: Some(64),
                processes: Some(5)
            }
        );
        assert!(err(&["--cpu", "two", "x"]).contains("--cpu: \"two\" is not a whole number"));
        assert!(err(&["--as", "5Q", "x"]).contains("unknown size suffix"));
        assert!(err(&["--fsize", "99999999999T", "x"]).contains("too large"));
        assert!(err(&["--nofile"]).contains("--nofile needs a value"));
    }

    #[test]
    fn modes() {
        assert!(matches!(parse_str(&["-h"]), Ok(Command::Help)));
        assert!(matches!(parse_str(&["--version"]), Ok(Command::Version)));
        assert!(matches!(
            parse_str(&["--explain", "stdio"]),
            Ok(Command::Explain(_))
        ));
        match parse_str(&["--print-filter", "stdio", "--arch", "aarch64"]) {
            Ok(Command::PrintFilter { arch, .. }) => assert_eq!(arch, Arch::Aarch64),
            other => panic!("{other:?}"),
        }
        assert!(err(&["--arch", "aarch64", "x"]).contains("--arch only applies"));
        match parse_str(&[
            "--export", "oci", "-p", "stdio", "--arch", "x86_64", "--arch", "aarch64", "-o", "f",
        ]) {
            Ok(Command::Export(r)) => {
                assert_eq!((r.arches.len(), r.output), (2, Some(PathBuf::from("f"))))
            }
            other => panic!("{other:?}"),
        }
        assert!(err(&["--export", "yaml", "-p", "stdio"]).contains("unknown export format"));
        assert!(err(&["--export", "oci"]).contains("--export needs -p"));
        assert!(err(&["-o", "f", "x"]).contains("-o only applies to --export"));
        assert!(
            err(&["--arch", "sparc", "--print-filter", "stdio"]).contains("unknown architecture")
        );
        assert!(err(&["--explain", "stdio", "ls"]).contains("takes no program"));
        assert!(err(&["--bogus"]).contains("unknown option --bogus"));
        assert!(err(&["-x"]).contains("unknown option -x"));
        assert!(err(&["--kill=yes", "x"]).contains("takes no value"));
        assert!(err(&[]).contains("no program"));
    }
}

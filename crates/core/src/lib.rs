//! The pure core of `scopes`: from a promise word to the seccomp-BPF program, with no system
//! call and no `unsafe` code.
//!
//! What is here, in the order a promise travels through it:
//!
//! - [`promise`] and [`parse`]: the OpenBSD words (`stdio`, `rpath`...) and sets of them, read
//!   from the string `pledge()` takes, with OpenBSD's errors ([`Error`]);
//! - [`policy`]: the table, the single source of truth for what each promise allows
//!   ([`policy::table`] for system calls, [`policy::paths`] for the paths that become a
//!   Landlock layer), its reference evaluator ([`policy::evaluate`]) and the documentation
//!   generated from it;
//! - [`compiler`]: the table, specialised for an architecture and a process, becomes a classic
//!   BPF program;
//! - [`bpf`]: the instruction set, an interpreter that runs a program on a `seccomp_data`, and
//!   the rule by which the kernel caches a system call as always allowed;
//! - [`arch`]: each architecture's audit identifier and system call numbers;
//! - [`export`]: the same table written as OCI and Kubernetes seccomp profiles, systemd unit
//!   lines and raw BPF bytes;
//! - [`abi`]: the few Linux constants the rest names, each with its value.
//!
//! Everything is a function of its arguments: nothing reads the process, the filesystem or the
//! environment, so every property (a promise set allows exactly what the table says, on every
//! architecture; the compiled program agrees with the evaluator) is tested without a kernel.
//! `#![forbid(unsafe_code)]` holds for the whole crate, and it depends on no other crate. A test
//! (`tests/purity.rs`) checks the sources for system-call interfaces, and that the modules use
//! one another without a cycle.
//!
//! The `scopes` crate is the enforcement above it: it reads the calling process's ids
//! (`CurrentContext`), installs the compiled program with seccomp, turns the path grants into a
//! Landlock layer and applies it, and reports violations from its SIGSYS handler. It re-exports
//! these modules under the same paths (`scopes::policy`, `scopes::bpf`...), so most programs
//! use `scopes` alone.
//!
//! ```
//! use scopes_core::compiler::{compile, Target};
//! use scopes_core::bpf::interp::{run, SeccompData};
//! use scopes_core::{bpf::ret, policy::Context, Arch, Promises};
//!
//! let promises: Promises = "stdio".parse()?;
//! let ctx = Context { pid: 100, uid: 1000, gid: 1000 };
//! let target = Target { arch: Arch::X86_64, ctx, violation: ret::KILL_PROCESS, reporting: false };
//! let program = compile(promises, &target);
//! // write(2) is allowed under stdio; socket(41) is not.
//! let arch = Arch::X86_64.audit_arch();
//! let call = |nr| SeccompData { nr, arch, instruction_pointer: 0, args: [0; 6] };
//! assert_eq!(run(&program, &call(1)), Ok(ret::ALLOW));
//! assert_eq!(run(&program, &call(41)), Ok(ret::KILL_PROCESS));
//! # Ok::<(), scopes_core::Error>(())
//! ```

#![forbid(unsafe_code)]

pub mod abi;
pub mod arch;
pub mod bpf;
pub mod compiler;
pub mod error;
pub mod export;
pub mod parse;
pub mod policy;
pub mod promise;

pub use arch::Arch;
pub use error::Error;
pub use promise::{Promise, Promises, OPENBSD_ONLY};

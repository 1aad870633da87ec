//! The raw classic-BPF program: the filter the library compiles, as the array of
//! `struct sock_filter` that `bwrap --seccomp FD` and similar loaders read.

use super::{notes, violation_action, Export, STATIC_CONTEXT};
use crate::compiler::{compile, Target};
use crate::{Arch, Promises};

/// The filter for `promises` on `arch`, as bytes: each instruction is `code` (u16), `jt`
/// (u8), `jf` (u8), `k` (u32), little-endian as on every supported architecture. It is the
/// library's own compiler output, with [`STATIC_CONTEXT`] for the process's own ids and no
/// report channel, so violations kill the process (or fail with ENOSYS under `error`).
///
/// ```
/// let program = scopes_core::export::bpf("stdio".parse().unwrap(), scopes_core::Arch::X86_64);
/// // The first instruction loads seccomp_data.arch (offset 4).
/// assert_eq!(&program.output[..8], &[0x20, 0, 0, 0, 4, 0, 0, 0]);
/// ```
pub fn bpf(promises: Promises, arch: Arch) -> Export<Vec<u8>> {
    let target = Target {
        arch,
        ctx: STATIC_CONTEXT,
        violation: violation_action(promises),
        reporting: false,
    };
    let program = compile(promises, &target);
    let output: Vec<u8> = program.iter().flat_map(|insn| insn.to_le_bytes()).collect();
    let approximations = notes::seccomp_notes(promises, &|name| arch.syscall_nr(name).is_some());
    Export {
        output,
        approximations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf::{interp, ret, Insn};

    #[test]
    fn bytes_round_trip_to_the_compiled_program() {
        let promises: Promises = "stdio rpath inet".parse().unwrap();
        for arch in Arch::ALL {
            let bytes = bpf(promises, *arch).output;
            let decoded: Vec<Insn> = bytes
                .chunks(8)
                .map(|c| Insn::from_le_bytes(c.try_into().unwrap()))
                .collect();
            let target = Target {
                arch: *arch,
                ctx: STATIC_CONTEXT,
                violation: ret::KILL_PROCESS,
                reporting: false,
            };
            assert_eq!(decoded, compile(promises, &target));
            let data = interp::SeccompData {
                nr: arch.syscall_nr("read").unwrap() as i32,
                arch: arch.audit_arch(),
                ..Default::default()
            };
            assert_eq!(interp::run(&decoded, &data), Ok(ret::ALLOW));
        }
    }
}

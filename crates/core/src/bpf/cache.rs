//! A mirror of the kernel's seccomp action cache rule (`seccomp_is_const_allow` in
//! kernel/seccomp.c, Linux 5.11+): a system call number is cached, and then skips the filter
//! entirely, when the filter's path for that number and arch reaches `RET ALLOW` while reading
//! nothing but `nr` and `arch`.

use super::{
    data, ret, Insn, ALU_AND_K, JMP_JA, JMP_JEQ_K, JMP_JGE_K, JMP_JGT_K, JMP_JSET_K, LD_W_ABS,
    RET_K,
};

/// Whether the kernel would mark `nr` as always allowed for `arch` when attaching `prog`.
///
/// ```
/// use scopes_core::bpf::{cache::is_const_allow, Insn, ret};
/// assert!(is_const_allow(&[Insn::ret(ret::ALLOW)], 0xC000_003E, 39));
/// ```
pub fn is_const_allow(prog: &[Insn], arch: u32, nr: u32) -> bool {
    let mut acc: u32 = 0;
    let mut pc = 0usize;
    while let Some(insn) = prog.get(pc) {
        pc += 1;
        match insn.code {
            LD_W_ABS => match insn.k {
                data::NR => acc = nr,
                data::ARCH => acc = arch,
                _ => return false,
            },
            ALU_AND_K => acc &= insn.k,
            JMP_JA => pc += insn.k as usize,
            JMP_JEQ_K | JMP_JGE_K | JMP_JGT_K | JMP_JSET_K => {
                let taken = match insn.code {
                    JMP_JEQ_K => acc == insn.k,
                    JMP_JGE_K => acc >= insn.k,
                    JMP_JGT_K => acc > insn.k,
                    _ => acc & insn.k != 0,
                };
                pc += if taken { insn.jt } else { insn.jf } as usize;
            }
            RET_K => return insn.k == ret::ALLOW,
            _ => return false,
        }
    }
    false
}

//! A classic-BPF interpreter over `struct seccomp_data`, used to check compiled filters against
//! the policy table's reference evaluator without a kernel.

use super::{
    Insn, ALU_AND_K, JMP_JA, JMP_JEQ_K, JMP_JGE_K, JMP_JGT_K, JMP_JSET_K, LD_W_ABS, RET_K,
};

/// The input a seccomp filter sees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeccompData {
    /// System call number.
    pub nr: i32,
    /// `AUDIT_ARCH_*`.
    pub arch: u32,
    /// User instruction pointer.
    pub instruction_pointer: u64,
    /// The six arguments, full 64-bit registers.
    pub args: [u64; 6],
}

impl SeccompData {
    pub(crate) fn word(&self, offset: u32) -> Option<u32> {
        Some(match offset {
            0 => self.nr as u32,
            4 => self.arch,
            8 => self.instruction_pointer as u32,
            12 => (self.instruction_pointer >> 32) as u32,
            16..=63 if offset.is_multiple_of(4) => {
                let arg = self.args[((offset - 16) / 8) as usize];
                if (offset - 16).is_multiple_of(8) {
                    arg as u32
                } else {
                    (arg >> 32) as u32
                }
            }
            _ => return None,
        })
    }
}

/// Why a program could not be run.
#[derive(Debug, PartialEq, Eq)]
pub enum RunError {
    /// An instruction the interpreter (and this project's compiler) does not use.
    BadInstruction(usize),
    /// A load outside `struct seccomp_data` or misaligned.
    BadLoad(usize),
    /// A jump past the end of the program.
    JumpOutOfRange(usize),
}

/// Runs `prog` on `data` and returns the seccomp return value.
///
/// ```
/// use scopes::bpf::{interp::{run, SeccompData}, Insn, ret};
/// let prog = [Insn::ret(ret::ALLOW)];
/// assert_eq!(run(&prog, &SeccompData::default()), Ok(ret::ALLOW));
/// ```
pub fn run(prog: &[Insn], data: &SeccompData) -> Result<u32, RunError> {
    let mut acc: u32 = 0;
    let mut pc = 0usize;
    loop {
        let insn = prog.get(pc).ok_or(RunError::JumpOutOfRange(pc))?;
        let next = pc + 1;
        pc = match insn.code {
            LD_W_ABS => {
                acc = data.word(insn.k).ok_or(RunError::BadLoad(pc))?;
                next
            }
            ALU_AND_K => {
                acc &= insn.k;
                next
            }
            JMP_JA => next + insn.k as usize,
            JMP_JEQ_K | JMP_JGT_K | JMP_JGE_K | JMP_JSET_K => {
                let taken = match insn.code {
                    JMP_JEQ_K => acc == insn.k,
                    JMP_JGT_K => acc > insn.k,
                    JMP_JGE_K => acc >= insn.k,
                    _ => acc & insn.k != 0,
                };
                next + if taken { insn.jt } else { insn.jf } as usize
            }
            RET_K => return Ok(insn.k),
            _ => return Err(RunError::BadInstruction(pc)),
        };
    }
}

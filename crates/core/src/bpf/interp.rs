//! A classic-BPF interpreter over `struct seccomp_data`, used to check compiled filters against
//! the policy table's reference evaluator without a kernel. The loop itself is
//! [`super::walk::trace`], which also counts instructions.

use super::Insn;

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
/// use scopes_core::bpf::{interp::{run, SeccompData}, Insn, ret};
/// let prog = [Insn::ret(ret::ALLOW)];
/// assert_eq!(run(&prog, &SeccompData::default()), Ok(ret::ALLOW));
/// ```
pub fn run(prog: &[Insn], data: &SeccompData) -> Result<u32, RunError> {
    super::walk::trace(prog, data).map(|t| t.ret)
}

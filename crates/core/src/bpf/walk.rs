//! Path lengths: how many instructions a filter executes, for one input (an instrumented run)
//! or at worst over every input (the longest path through the program). The filter's cost per
//! system call grows with the instructions executed, so tests bound both.

use super::interp::{RunError, SeccompData};
use super::{
    data, Insn, ALU_AND_K, JMP_JA, JMP_JEQ_K, JMP_JGE_K, JMP_JGT_K, JMP_JSET_K, LD_W_ABS, RET_K,
};

/// What one run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The return value.
    pub ret: u32,
    /// Instructions executed, the `ret` included.
    pub executed: usize,
    /// Instructions executed before the first load of something other than `nr` or `arch`
    /// (the dispatch), or `None` when the run never loaded an argument.
    pub dispatch: Option<usize>,
}

/// Runs `prog` on `data` like [`super::interp::run`], counting instructions.
///
/// ```
/// use scopes_core::bpf::{interp::SeccompData, walk::trace, Insn, ret};
/// let t = trace(&[Insn::ret(ret::ALLOW)], &SeccompData::default()).unwrap();
/// assert_eq!((t.ret, t.executed, t.dispatch), (ret::ALLOW, 1, None));
/// ```
pub fn trace(prog: &[Insn], input: &SeccompData) -> Result<Trace, RunError> {
    let mut acc: u32 = 0;
    let mut pc = 0usize;
    let mut executed = 0;
    let mut dispatch = None;
    loop {
        let insn = prog.get(pc).ok_or(RunError::JumpOutOfRange(pc))?;
        executed += 1;
        let next = pc + 1;
        pc = match insn.code {
            LD_W_ABS => {
                if insn.k != data::NR && insn.k != data::ARCH && dispatch.is_none() {
                    dispatch = Some(executed - 1);
                }
                acc = input.word(insn.k).ok_or(RunError::BadLoad(pc))?;
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
            RET_K => {
                return Ok(Trace {
                    ret: insn.k,
                    executed,
                    dispatch,
                })
            }
            _ => return Err(RunError::BadInstruction(pc)),
        };
    }
}

/// The most instructions any input can execute: the longest path from the first instruction
/// to a `ret`, following both branches of every jump. Classic BPF jumps only forward, so one
/// pass from the end computes it. An upper bound: some paths may be infeasible.
///
/// ```
/// use scopes_core::bpf::{walk::longest_path, Insn, ret};
/// assert_eq!(longest_path(&[Insn::ret(ret::ALLOW)]), Ok(1));
/// ```
pub fn longest_path(prog: &[Insn]) -> Result<usize, RunError> {
    longest_paths(prog).map(|from| from.first().copied().unwrap_or(0))
}

/// For every instruction, the longest path from it to a `ret` (itself included).
pub fn longest_paths(prog: &[Insn]) -> Result<Vec<usize>, RunError> {
    let mut from = vec![0usize; prog.len()];
    for pc in (0..prog.len()).rev() {
        let insn = prog[pc];
        let at = |target: usize| {
            from.get(target)
                .copied()
                .ok_or(RunError::JumpOutOfRange(target))
        };
        from[pc] = 1 + match insn.code {
            RET_K => 0,
            LD_W_ABS | ALU_AND_K => at(pc + 1)?,
            JMP_JA => at(pc + 1 + insn.k as usize)?,
            JMP_JEQ_K | JMP_JGT_K | JMP_JGE_K | JMP_JSET_K => {
                at(pc + 1 + insn.jt as usize)?.max(at(pc + 1 + insn.jf as usize)?)
            }
            _ => return Err(RunError::BadInstruction(pc)),
        };
    }
    Ok(from)
}

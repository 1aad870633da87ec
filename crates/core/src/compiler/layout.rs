//! Label resolution: turns a program with symbolic jump targets into BPF. Where a conditional
//! jump would be longer than its 8-bit offset allows, a copy of the target `ret` (or, for
//! other targets, a `ja` trampoline) is inserted right after it.

use crate::bpf::{Insn, JMP_JA, RET_K};

/// A jump target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label(pub u32);

/// An instruction with symbolic targets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Any non-jump instruction.
    Plain(Insn),
    /// A conditional jump.
    Jump {
        code: u16,
        k: u32,
        jt: Label,
        jf: Label,
    },
    /// An unconditional jump.
    Goto(Label),
    /// Where a label points (emits nothing).
    Mark(Label),
}

/// Resolves labels. Panics on a label that is never marked or that points backwards; both
/// would be compiler bugs, not input errors.
pub fn assemble(mut ops: Vec<Op>, next_label: &mut u32) -> Vec<Insn> {
    loop {
        let positions = positions(&ops);
        let mut far = Vec::new();
        let mut pc = 0u32;
        for (i, op) in ops.iter().enumerate() {
            match op {
                Op::Mark(_) => continue,
                Op::Jump { jt, jf, .. } => {
                    let dist = |l: &Label| positions[l] as i64 - pc as i64 - 1;
                    if dist(jt) > 255 || dist(jf) > 255 {
                        far.push(i);
                    }
                }
                _ => {}
            }
            pc += 1;
        }
        if far.is_empty() {
            return emit(&ops, &positions);
        }
        // Insert trampolines after each far jump, back to front so indices stay valid.
        for &i in far.iter().rev() {
            let Op::Jump { code, k, jt, jf } = ops[i] else {
                unreachable!()
            };
            let positions_i = {
                let mut pc = 0i64;
                for op in &ops[..i] {
                    if !matches!(op, Op::Mark(_)) {
                        pc += 1;
                    }
                }
                pc
            };
            let dist = |l: &Label| positions[l] as i64 - positions_i - 1;
            let mut fresh = || {
                let l = Label(*next_label);
                *next_label += 1;
                l
            };
            let mut insert = Vec::new();
            let (mut new_jt, mut new_jf) = (jt, jf);
            // A `ret` costs one instruction like a `ja`, and ends the path a step earlier.
            let near = |to: Label| match ret_at(&ops, to) {
                Some(ret) => Op::Plain(ret),
                None => Op::Goto(to),
            };
            if dist(&jt) > 255 {
                new_jt = fresh();
                insert.push(Op::Mark(new_jt));
                insert.push(near(jt));
            }
            if dist(&jf) > 255 {
                if jf == jt {
                    new_jf = new_jt;
                } else {
                    new_jf = fresh();
                    insert.push(Op::Mark(new_jf));
                    insert.push(near(jf));
                }
            }
            ops[i] = Op::Jump {
                code,
                k,
                jt: new_jt,
                jf: new_jf,
            };
            ops.splice(i + 1..i + 1, insert);
        }
    }
}

/// The `ret` instruction `label` marks, if it marks one.
fn ret_at(ops: &[Op], label: Label) -> Option<Insn> {
    let at = ops.iter().position(|op| *op == Op::Mark(label))?;
    ops[at..].iter().find_map(|op| match op {
        Op::Mark(_) => None,
        Op::Plain(insn) if insn.code == RET_K => Some(Some(*insn)),
        _ => Some(None),
    })?
}

/// Where each label points, indexed by label number (labels are dense small numbers).
fn positions(ops: &[Op]) -> Positions {
    let labels = ops
        .iter()
        .filter_map(|op| match op {
            Op::Mark(Label(l)) => Some(*l as usize + 1),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut map = Positions(vec![UNMARKED; labels]);
    let mut pc = 0u32;
    for op in ops {
        match op {
            Op::Mark(Label(l)) => map.0[*l as usize] = pc,
            _ => pc += 1,
        }
    }
    map
}

/// Label positions.
struct Positions(Vec<u32>);

/// The position of a label no `Mark` names.
const UNMARKED: u32 = u32::MAX;

impl std::ops::Index<&Label> for Positions {
    type Output = u32;
    fn index(&self, l: &Label) -> &u32 {
        self.0
            .get(l.0 as usize)
            .filter(|p| **p != UNMARKED)
            .expect("unmarked label")
    }
}

fn emit(ops: &[Op], positions: &Positions) -> Vec<Insn> {
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        let pc = out.len() as u32;
        let offset = |l: &Label| {
            let target = positions[l];
            assert!(target > pc, "backward jump");
            target - pc - 1
        };
        match op {
            Op::Mark(_) => {}
            Op::Plain(insn) => out.push(*insn),
            Op::Goto(l) => out.push(Insn {
                code: JMP_JA,
                jt: 0,
                jf: 0,
                k: offset(l),
            }),
            Op::Jump { code, k, jt, jf } => out.push(Insn {
                code: *code,
                jt: offset(jt) as u8,
                jf: offset(jf) as u8,
                k: *k,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf::interp::{run, SeccompData};
    use crate::bpf::{data, ret, JMP_JEQ_K};

    /// A jump over 300 instructions to a `ret` gets a copy of it; to other code, a `ja`.
    #[test]
    fn far_jumps_get_a_ret_copy_or_a_trampoline() {
        let (to_ret, to_code, filler) = (Label(0), Label(1), Label(2));
        let mut ops = vec![
            Op::Plain(Insn::load(data::NR)),
            Op::Jump {
                code: JMP_JEQ_K,
                k: 5,
                jt: to_ret,
                jf: to_code,
            },
            Op::Mark(filler),
        ];
        ops.extend((0..300).map(|_| Op::Plain(Insn::load(data::NR))));
        ops.push(Op::Plain(Insn::ret(ret::ERRNO | 1)));
        ops.extend([
            Op::Mark(to_ret),
            Op::Plain(Insn::ret(ret::ALLOW)),
            Op::Mark(to_code),
            Op::Plain(Insn::load(data::ARCH)),
            Op::Plain(Insn::ret(ret::KILL_PROCESS)),
        ]);
        let prog = assemble(ops, &mut 3);
        // The jump now reaches its neighbours: a copied `ret ALLOW` and a `ja` to the far code.
        assert_eq!(prog[1].jt, 0);
        assert_eq!(prog[2], Insn::ret(ret::ALLOW));
        assert_eq!(prog[3].code, JMP_JA);
        assert_eq!(prog.len(), 2 + 2 + 301 + 3);
        let input = |nr| SeccompData {
            nr,
            ..Default::default()
        };
        assert_eq!(run(&prog, &input(5)), Ok(ret::ALLOW));
        assert_eq!(run(&prog, &input(6)), Ok(ret::KILL_PROCESS));
    }
}

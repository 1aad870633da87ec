//! Classic BPF as seccomp uses it: instructions, return actions, a printer, an interpreter and
//! a mirror of the kernel's action-cache emulator.

pub mod cache;
pub mod interp;
pub mod walk;

use std::fmt;

use crate::abi;

/// One classic BPF instruction, laid out as the kernel's `struct sock_filter`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(C)]
pub struct Insn {
    /// Opcode.
    pub code: u16,
    /// Jump offset when the condition is true.
    pub jt: u8,
    /// Jump offset when the condition is false.
    pub jf: u8,
    /// Constant operand.
    pub k: u32,
}

// Opcodes (linux/bpf_common.h): the few a seccomp filter built here uses. Public so that the
// code that builds small programs outside the compiler (exec's pid check) speaks the same names.
/// BPF_LD | BPF_W | BPF_ABS: load the 32-bit word at offset `k` of `seccomp_data`.
pub const LD_W_ABS: u16 = 0x20;
/// BPF_ALU | BPF_AND | BPF_K: `A &= k`.
pub const ALU_AND_K: u16 = 0x04 | 0x50;
/// BPF_JMP | BPF_JA: jump `k` forward.
pub const JMP_JA: u16 = 0x05;
/// BPF_JMP | BPF_JEQ | BPF_K: jump `jt` if `A == k`, else `jf`.
pub const JMP_JEQ_K: u16 = 0x05 | 0x10;
/// BPF_JMP | BPF_JGT | BPF_K: jump `jt` if `A > k`, else `jf`.
pub const JMP_JGT_K: u16 = 0x05 | 0x20;
/// BPF_JMP | BPF_JGE | BPF_K: jump `jt` if `A >= k`, else `jf`.
pub const JMP_JGE_K: u16 = 0x05 | 0x30;
/// BPF_JMP | BPF_JSET | BPF_K: jump `jt` if `A & k != 0`, else `jf`.
pub const JMP_JSET_K: u16 = 0x05 | 0x40;
/// BPF_RET | BPF_K: return `k`.
pub const RET_K: u16 = 0x06;

/// Offsets into `struct seccomp_data`.
pub mod data {
    /// `int nr`.
    pub const NR: u32 = 0;
    /// `__u32 arch`.
    pub const ARCH: u32 = 4;
    /// `__u64 instruction_pointer`.
    pub const IP: u32 = 8;
    /// Low 32 bits of `args[i]` (little-endian arches).
    pub const fn arg_lo(i: u8) -> u32 {
        16 + 8 * i as u32
    }
    /// High 32 bits of `args[i]` (little-endian arches).
    pub const fn arg_hi(i: u8) -> u32 {
        20 + 8 * i as u32
    }
}

/// Seccomp return values (`SECCOMP_RET_*`).
pub mod ret {
    /// Kill the whole process.
    pub const KILL_PROCESS: u32 = 0x8000_0000;
    /// Kill the calling thread.
    pub const KILL_THREAD: u32 = 0x0000_0000;
    /// Send a thread-directed SIGSYS.
    pub const TRAP: u32 = 0x0003_0000;
    /// Fail with the errno in the low 16 bits.
    pub const ERRNO: u32 = 0x0005_0000;
    /// Ask the user-notification listener.
    pub const USER_NOTIF: u32 = 0x7fc0_0000;
    /// Ask a ptrace tracer.
    pub const TRACE: u32 = 0x7ff0_0000;
    /// Allow but log.
    pub const LOG: u32 = 0x7ffc_0000;
    /// Allow.
    pub const ALLOW: u32 = 0x7fff_0000;
    /// The action part of a return value.
    pub const ACTION_FULL: u32 = 0xffff_0000;
}

impl Insn {
    /// The instruction as the 8 bytes of a `struct sock_filter` in little-endian order (the
    /// order of the raw BPF export, whatever machine writes it).
    ///
    /// ```
    /// use scopes_core::bpf::Insn;
    /// let insn = Insn { code: 0x15, jt: 1, jf: 2, k: 0x0102_0304 };
    /// assert_eq!(insn.to_le_bytes(), [0x15, 0, 1, 2, 4, 3, 2, 1]);
    /// assert_eq!(Insn::from_le_bytes(insn.to_le_bytes()), insn);
    /// ```
    pub fn to_le_bytes(self) -> [u8; 8] {
        let [c0, c1] = self.code.to_le_bytes();
        let [k0, k1, k2, k3] = self.k.to_le_bytes();
        [c0, c1, self.jt, self.jf, k0, k1, k2, k3]
    }

    /// The instruction from the bytes [`Insn::to_le_bytes`] writes.
    pub fn from_le_bytes(b: [u8; 8]) -> Insn {
        Insn {
            code: u16::from_le_bytes([b[0], b[1]]),
            jt: b[2],
            jf: b[3],
            k: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
        }
    }

    /// The instruction as the 8 bytes of a `struct sock_filter` in this machine's order, as
    /// `seccomp(2)` reads it.
    pub fn to_ne_bytes(self) -> [u8; 8] {
        let [c0, c1] = self.code.to_ne_bytes();
        let [k0, k1, k2, k3] = self.k.to_ne_bytes();
        [c0, c1, self.jt, self.jf, k0, k1, k2, k3]
    }

    /// The instruction from the bytes [`Insn::to_ne_bytes`] writes.
    pub fn from_ne_bytes(b: [u8; 8]) -> Insn {
        Insn {
            code: u16::from_ne_bytes([b[0], b[1]]),
            jt: b[2],
            jf: b[3],
            k: u32::from_ne_bytes([b[4], b[5], b[6], b[7]]),
        }
    }

    /// `ld [k]`.
    pub const fn load(offset: u32) -> Insn {
        Insn {
            code: LD_W_ABS,
            jt: 0,
            jf: 0,
            k: offset,
        }
    }
    /// `ret #k`.
    pub const fn ret(k: u32) -> Insn {
        Insn {
            code: RET_K,
            jt: 0,
            jf: 0,
            k,
        }
    }
    /// `and #k`.
    pub const fn and(k: u32) -> Insn {
        Insn {
            code: ALU_AND_K,
            jt: 0,
            jf: 0,
            k,
        }
    }
    /// `ja +k`.
    pub const fn ja(k: u32) -> Insn {
        Insn {
            code: JMP_JA,
            jt: 0,
            jf: 0,
            k,
        }
    }
    /// A conditional jump with opcode `code` against `k`.
    pub const fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
        Insn { code, jt, jf, k }
    }
    /// The instruction as one number (`code`, `jt`, `jf`, `k` from the top), for passing a
    /// program between processes.
    ///
    /// ```
    /// use scopes_core::bpf::Insn;
    /// let i = Insn::jump(0x15, 7, 1, 2);
    /// assert_eq!(i.to_bits(), 0x0015_01_02_0000_0007);
    /// assert_eq!(Insn::from_bits(i.to_bits()), i);
    /// ```
    pub const fn to_bits(self) -> u64 {
        (self.code as u64) << 48 | (self.jt as u64) << 40 | (self.jf as u64) << 32 | self.k as u64
    }
    /// The instruction [`Insn::to_bits`] made this number from.
    pub const fn from_bits(bits: u64) -> Insn {
        Insn {
            code: (bits >> 48) as u16,
            jt: (bits >> 40) as u8,
            jf: (bits >> 32) as u8,
            k: bits as u32,
        }
    }
}

/// Names a return value the way the kernel's docs do, e.g. `ERRNO(38)`.
pub fn action_name(k: u32) -> String {
    let data = k & 0xffff;
    match k & ret::ACTION_FULL {
        ret::KILL_PROCESS => "KILL_PROCESS".into(),
        ret::KILL_THREAD => "KILL_THREAD".into(),
        ret::TRAP => format!("TRAP({data})"),
        ret::ERRNO => format!("ERRNO({})", errno_name(data as i32)),
        ret::USER_NOTIF => "USER_NOTIF".into(),
        ret::TRACE => format!("TRACE({data})"),
        ret::LOG => "LOG".into(),
        ret::ALLOW => "ALLOW".into(),
        _ => format!("{k:#x}"),
    }
}

fn errno_name(e: i32) -> String {
    match e {
        abi::EPERM => "EPERM".into(),
        abi::ENOSYS => "ENOSYS".into(),
        abi::EACCES => "EACCES".into(),
        abi::EINVAL => "EINVAL".into(),
        _ => e.to_string(),
    }
}

/// Prints a program as readable assembly, one numbered instruction per line.
pub struct Disassembly<'a>(pub &'a [Insn]);

impl fmt::Display for Disassembly<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (pc, insn) in self.0.iter().enumerate() {
            let target = |off: u32| pc + 1 + off as usize;
            let text = match insn.code {
                LD_W_ABS => {
                    let what = match insn.k {
                        data::NR => "nr".to_string(),
                        data::ARCH => "arch".to_string(),
                        data::IP => "instruction_pointer".to_string(),
                        k if (16..64).contains(&k) => {
                            let i = (k - 16) / 8;
                            let half = if (k - 16) % 8 == 0 { "lo" } else { "hi" };
                            format!("args[{i}].{half}")
                        }
                        k => format!("[{k}]"),
                    };
                    format!("ld  {what}")
                }
                ALU_AND_K => format!("and #{:#x}", insn.k),
                JMP_JA => format!("ja  {}", target(insn.k)),
                JMP_JEQ_K | JMP_JGT_K | JMP_JGE_K | JMP_JSET_K => {
                    let op = match insn.code {
                        JMP_JEQ_K => "jeq",
                        JMP_JGT_K => "jgt",
                        JMP_JGE_K => "jge",
                        _ => "jset",
                    };
                    format!(
                        "{op} #{:#x}, {}, {}",
                        insn.k,
                        target(insn.jt as u32),
                        target(insn.jf as u32)
                    )
                }
                RET_K => format!("ret {}", action_name(insn.k)),
                code => format!("??? code={code:#x} k={:#x}", insn.k),
            };
            writeln!(f, "{pc:4}: {text}")?;
        }
        Ok(())
    }
}

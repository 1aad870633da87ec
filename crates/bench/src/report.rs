//! The Markdown report: tables of measurements, filter shapes, and each performance target
//! with whether this run met it.

use std::fmt::Write;
use std::time::Duration;

use scopes::bpf::walk::{longest_path, trace};
use scopes::bpf::{cache::is_const_allow, interp::SeccompData};
use scopes::{Arch, Pledge};

use crate::config::{promises, Config, Op, DEPTHS, SETS};
use crate::measure::{Plan, Results};
use crate::stats::Summary;

/// Sizes of the best existing Linux pledge (Cosmopolitan's linear filters), quiet and with its
/// logging fragment: compared with this library's filter without and with reports.
const PEER_SIZES: [(&str, usize, usize); 3] = [
    ("stdio", 195, 222),
    ("stdio rpath", 229, 256),
    ("all", 696, 723),
];

/// The report being written.
pub struct Report {
    text: String,
    targets: Vec<(String, String, bool)>,
}

fn range(s: &Summary, digits: usize) -> String {
    format!(
        "{:.*} ({:.*}..{:.*})",
        digits, s.median, digits, s.min, digits, s.max
    )
}

/// Typical arguments for the measured call, as the benchmark's children pass them.
fn typical(op: Op) -> (u32, [u64; 6]) {
    let nr = |name| Arch::X86_64.syscall_nr(name).expect("x86_64 numbers");
    let prot_rw = (libc::PROT_READ | libc::PROT_WRITE) as u64;
    let anon = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
    match op {
        Op::Getppid => (nr("getppid"), [0; 6]),
        Op::Read => (nr("read"), [3, 0x1000, 1, 0, 0, 0]),
        Op::Fcntl => (nr("fcntl"), [3, libc::F_GETFL as u64, 0, 0, 0, 0]),
        Op::Ioctl => (nr("ioctl"), [4, libc::FIONREAD, 0x1000, 0, 0, 0]),
        Op::MmapMunmap => (nr("mmap"), [0, 4096, prot_rw, anon, u64::MAX, 0]),
        Op::OpenClose => (
            nr("openat"),
            [
                libc::AT_FDCWD as u64,
                0x1000,
                (libc::O_RDONLY | libc::O_CLOEXEC) as u64,
                0,
                0,
                0,
            ],
        ),
    }
}

impl Report {
    /// Starts the report with the machine and the plan.
    pub fn new(plan: Plan, quick: bool, cpu: usize) -> Report {
        let mut text = String::new();
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']));
        let cpus = cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count();
        let _ = writeln!(text, "## Benchmark results\n");
        let _ = writeln!(
            text,
            "Machine: {} ({cpus} CPUs), Linux {}. Children pinned to CPU {cpu}; {} runs × {} rounds{}, \
             blocks interleaved in shuffled order; figures are the median of the run medians, \
             with the smallest and largest run median in parentheses. Overheads and ratios are \
             paired with the unfiltered child's block of the same round.\n",
            model.unwrap_or("unknown CPU"),
            kernel.trim(),
            plan.runs,
            plan.rounds,
            if quick { " (--quick: rough)" } else { "" }
        );
        Report {
            text,
            targets: Vec::new(),
        }
    }

    /// The shape of the filters this process would install.
    pub fn filters(&mut self) {
        let t = &mut self.text;
        let _ = writeln!(t, "### Filters (x86_64, the library's default penalty)\n");
        let _ = writeln!(t, "Executed instructions for each measured call; \"cached\" means the kernel's action cache skips the filter. Sizes are given quiet (`Penalty::KillQuietly`) / reporting (the default `Penalty::Kill`), against Cosmopolitan's pledge for Linux (jart/pledge) quiet / with its logging.\n");
        let mut header =
            "| promises | instructions | Cosmopolitan's pledge | longest path |".to_string();
        for op in Op::ALL {
            let _ = write!(header, " {} |", op.syscall());
        }
        let _ = writeln!(
            t,
            "{header}\n|---|---:|---:|---:|{}",
            "---:|".repeat(Op::ALL.len())
        );
        for set in ["\"\"", "stdio", "stdio rpath", "all"] {
            let p = if set == "\"\"" {
                scopes::Promises::EMPTY
            } else {
                promises(set)
            };
            let prog = Pledge::new().promises(p).filter();
            let quiet = Pledge::new()
                .promises(p)
                .penalty(scopes::Penalty::KillQuietly)
                .filter()
                .len();
            let longest = longest_path(&prog).map_or("?".into(), |n| n.to_string());
            let peer = PEER_SIZES
                .iter()
                .find(|(s, ..)| *s == set)
                .map(|&(_, q, l)| (q, l));
            let _ = write!(
                t,
                "| {set} | {quiet} / {} | {} | {longest} |",
                prog.len(),
                peer.map_or("".into(), |(q, l)| format!("{q} / {l}"))
            );
            for op in Op::ALL {
                let (nr, args) = typical(op);
                let arch = Arch::X86_64.audit_arch();
                let input = SeccompData {
                    nr: nr as i32,
                    arch,
                    instruction_pointer: 0,
                    args,
                };
                let cell = match trace(&prog, &input) {
                    _ if is_const_allow(&prog, arch, nr) => "cached".to_string(),
                    Ok(tr) if tr.ret == scopes::bpf::ret::ALLOW => tr.executed.to_string(),
                    Ok(_) => "denied".to_string(),
                    Err(e) => format!("{e:?}"),
                };
                let _ = write!(t, " {cell} |");
            }
            let _ = writeln!(t);
            if let Some((peer_quiet, peer_logging)) = peer {
                self.targets.push((
                    format!(
                        "filter size \"{set}\", quiet, below Cosmopolitan's pledge ({peer_quiet})"
                    ),
                    format!("{quiet} instructions"),
                    quiet < peer_quiet,
                ));
                self.targets.push((
                    format!(
                        "filter size \"{set}\", reporting, below Cosmopolitan's pledge with its logging ({peer_logging})"
                    ),
                    format!("{} instructions", prog.len()),
                    prog.len() < peer_logging,
                ));
            }
        }
        let _ = writeln!(t);
    }

    /// The per-operation tables, the stacking slopes, and the targets they decide.
    pub fn syscalls(&mut self, r: &Results) {
        let cell = |op: Op, c: Config| {
            let i = r.configs.iter().position(|x| *x == c)?;
            r.cells[op.index() as usize][i]
        };
        let t = &mut self.text;
        let _ = writeln!(t, "### Cost per operation\n");
        for op in Op::ALL {
            let _ = writeln!(t, "**{}**\n", op.name());
            let _ = writeln!(t, "| configuration | ns/op | × no filter | × floor | overhead ns |\n|---|---:|---:|---:|---:|");
            for c in &r.configs {
                let Some(x) = cell(op, *c) else { continue };
                let _ = writeln!(
                    t,
                    "| {} | {:.1} | {:.3} | {:.3} | {} |",
                    c.name(),
                    x.ns.median,
                    x.vs_none.median,
                    x.vs_floor.median,
                    range(&x.overhead, 1)
                );
            }
            let _ = writeln!(t);
        }
        let _ = writeln!(t, "### Each extra stacked pledge\n");
        let _ = writeln!(
            t,
            "ns per operation per extra layer: (overhead at ×8 − overhead at ×1) / 7.\n"
        );
        let _ = writeln!(
            t,
            "| operation | {} |\n|---|{}",
            SETS.join(" | "),
            "---:|".repeat(SETS.len())
        );
        for op in Op::ALL {
            let _ = write!(t, "| {} |", op.name());
            for set in SETS {
                let (one, eight) = (
                    cell(op, Config::Pledge { set, depth: 1 }),
                    cell(op, Config::Pledge { set, depth: 8 }),
                );
                match (one, eight) {
                    (Some(a), Some(b)) => {
                        let slope = (b.overhead.median - a.overhead.median) / 7.0;
                        let _ = write!(t, " {slope:+.1} |");
                        let cached = matches!(op, Op::Getppid | Op::Read);
                        // Cached calls: +0 ns, within the noise of a paired median (±2 ns).
                        let (limit, what) = if cached {
                            (2.0, "+0 ns")
                        } else {
                            (35.0, "≤ +35 ns")
                        };
                        self.targets.push((
                            format!("each extra pledge, {} under {set}: {what}", op.name()),
                            format!("{slope:+.1} ns"),
                            slope <= limit,
                        ));
                    }
                    _ => {
                        let _ = write!(t, " – |");
                    }
                }
            }
            let _ = writeln!(t);
        }
        let _ = writeln!(t);
        for set in SETS {
            let c = Config::Pledge { set, depth: 1 };
            for op in Op::ALL {
                let Some(x) = cell(op, c) else { continue };
                let (value, limit, what) = match op {
                    Op::Getppid | Op::Read => (x.vs_floor.median, 1.02, "× floor"),
                    Op::Fcntl | Op::Ioctl => (x.vs_floor.median, 1.15, "× floor"),
                    Op::MmapMunmap => (x.vs_none.median, 1.10, "× no filter"),
                    Op::OpenClose => (x.vs_none.median, 1.12, "× no filter"),
                };
                self.targets.push((
                    format!("{} under {set}: ≤ {limit} {what}", op.name()),
                    format!("{value:.3}"),
                    value <= limit,
                ));
            }
        }
    }

    /// pledge() and compile times.
    pub fn pledge_times(&mut self, times: &[(&str, Summary, f64)]) {
        let t = &mut self.text;
        let _ = writeln!(t, "### pledge() time\n");
        let _ = writeln!(
            t,
            "One call in a fresh process (compile, SIGSYS handler, Landlock where paths are promised, \
             install), µs: the median of each run's processes, the sets taking turns; one run after \
             each run of the per-call measurements, so the runs span the benchmark; the median of \
             the runs, with the smallest and largest in parentheses.\n"
        );
        let _ = writeln!(
            t,
            "| promises | pledge() µs | of which compiling µs |\n|---|---:|---:|"
        );
        for (set, s, compile) in times {
            let _ = writeln!(t, "| {set} | {} | {compile:.1} |", range(s, 0));
            self.targets.push((
                format!("pledge(\"{set}\") ≤ 300 µs"),
                format!("{:.0} µs", s.median),
                s.median <= 300.0,
            ));
        }
        let _ = writeln!(t);
    }

    /// The command's start-up cost, or why it was not measured.
    pub fn command(&mut self, result: Result<(Summary, Summary, Summary), String>) {
        let t = &mut self.text;
        let _ = writeln!(t, "### The pledge command on /bin/true\n");
        match result {
            Ok((bare, wrapped, extra)) => {
                let _ = writeln!(
                    t,
                    "Wall time in ms: the median of each run's samples, then the median of the runs \
                     (smallest and largest run in parentheses). The start-up cost is, per run, the \
                     median of the paired differences.\n"
                );
                let _ = writeln!(t, "| program | wall ms |\n|---|---:|");
                let _ = writeln!(t, "| /bin/true | {} |", range(&bare, 3));
                let _ = writeln!(
                    t,
                    "| pledge -p 'stdio rpath' -- /bin/true | {} |",
                    range(&wrapped, 3)
                );
                let _ = writeln!(
                    t,
                    "\nStart-up cost of the command: {} ms, {:.2} times what /bin/true itself \
                     takes in this run (process creation on a VM varies from run to run; the \
                     ratio varies less).\n",
                    range(&extra, 3),
                    extra.median / bare.median
                );
                self.targets.push((
                    "command start-up on /bin/true < 2 ms".into(),
                    format!("{:.3} ms", extra.median),
                    extra.median < 2.0,
                ));
            }
            Err(e) => {
                let _ = writeln!(t, "Not measured: {e}\n");
                eprintln!("bench: skipping the command's start-up: {e}");
            }
        }
    }

    /// The targets table and the run time.
    pub fn finish(&mut self, elapsed: Duration) {
        let t = &mut self.text;
        let _ = writeln!(
            t,
            "### Targets\n\n| target | measured | met |\n|---|---:|:---:|"
        );
        for (what, value, ok) in &self.targets {
            let _ = writeln!(
                t,
                "| {what} | {value} | {} |",
                if *ok { "yes" } else { "**no**" }
            );
        }
        let _ = writeln!(t, "\nBenchmark run time: {:.0} s.", elapsed.as_secs_f64());
        let _ = DEPTHS;
    }

    /// The report so far.
    pub fn text(&self) -> &str {
        &self.text
    }
}

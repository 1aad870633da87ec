//! Start-up costs: one pledge() call (compile plus install) in fresh processes, the compile
//! step alone, and the `pledge` command's own cost on `/bin/true`.

use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use scopes::Pledge;

use crate::config::promises;
use crate::stats::{median, Summary};
use crate::sys;

/// The hidden argument that makes the benchmark binary a pledge() worker (see [`pledge_run`]).
pub const WORKER_ARG: &str = "--pledge-worker";

/// One run of pledge() timing: for each set, the median µs of `pledge(set)` over `samples`
/// fresh processes on `cpu`. The sets take turns sample by sample, so they share the machine's
/// state of the moment (on a VM it drifts over minutes).
///
/// The processes are forked by a worker: this binary, started afresh ([`worker`]) and pinned to
/// `cpu`. Fresh, because a child forked from the coordinator would inherit its heap, and its
/// first allocations would copy every page of that heap's free lists (a fragmented parent heap
/// made pledge() take 18 ms instead of 0.2); pinned, so that the timed call does not include
/// refilling the caches a move to that CPU leaves cold. Neither is pledge()'s cost.
pub fn pledge_run(sets: &[&str], samples: usize, cpu: usize) -> Result<Vec<f64>, String> {
    let exe = std::env::current_exe().map_err(|e| format!("the benchmark's own path: {e}"))?;
    let mut args = vec![WORKER_ARG.to_string(), cpu.to_string(), samples.to_string()];
    args.extend(sets.iter().map(|s| promises(s).to_string()));
    let out = Command::new(exe)
        .args(&args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("starting the pledge() worker: {e}"))?;
    let mut times = vec![Vec::with_capacity(samples); sets.len()];
    for record in out.stdout.chunks_exact(16) {
        let set = u64::from_le_bytes(record[..8].try_into().expect("8 bytes")) as usize;
        let ns = u64::from_le_bytes(record[8..].try_into().expect("8 bytes"));
        if let Some(t) = times.get_mut(set) {
            t.push(ns as f64 / 1000.0);
        }
    }
    if let Some(i) = times.iter().position(|t| t.len() < samples) {
        return Err(format!(
            "pledge(\"{}\") failed in a fresh process ({})",
            sets[i], out.status
        ));
    }
    if !out.status.success() {
        return Err(format!("the pledge() worker failed ({})", out.status));
    }
    Ok(times.iter().map(|t| median(t)).collect())
}

/// The worker's side: `CPU SAMPLES WORDS...`. Pins itself to CPU, then for each sample forks
/// one process per promise set (taking turns) that times `pledge(words)`, and writes
/// (set index, ns) records to standard output. Returns the exit status.
pub fn worker(args: &[String]) -> i32 {
    let (Some(cpu), Some(samples)) = (
        args.first().and_then(|a| a.parse().ok()),
        args.get(1).and_then(|a| a.parse::<usize>().ok()),
    ) else {
        eprintln!("bench: {WORKER_ARG} CPU SAMPLES WORDS...");
        return 2;
    };
    let words = &args[2..];
    if sys::pin_to_cpu(cpu).is_err() {
        return 1;
    }
    let out = std::io::stdout().as_raw_fd();
    for sample in 0..samples {
        for turn in 0..words.len() {
            // Each sample starts with another set, so none is always first after a pause.
            let set = (sample + turn) % words.len();
            let child = sys::fork(|| {
                let start = Instant::now();
                let result = scopes::pledge(Some(&words[set]), None);
                let ns = start.elapsed().as_nanos() as u64;
                if let Err(e) = result {
                    eprintln!("bench: pledge(\"{}\"): {e}", words[set]);
                    return 1;
                }
                let record = [(set as u64).to_le_bytes(), ns.to_le_bytes()].concat();
                i32::from(sys::write_all(out, &record).is_err())
            });
            match child.map(sys::wait) {
                Ok(Ok(Ok(0))) => {}
                _ => return 1,
            }
        }
    }
    0
}

/// Median µs of compiling the filter for `set` (what pledge() does before installing).
pub fn compile_time(set: &str, samples: usize) -> f64 {
    let pledge = Pledge::new().promises(promises(set));
    let times: Vec<f64> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(pledge.filter());
            start.elapsed().as_nanos() as f64 / 1000.0
        })
        .collect();
    median(&times)
}

/// The `pledge` command built next to this benchmark (`target/release/pledge`).
pub fn pledge_command() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.join("pledge");
    candidate.is_file().then_some(candidate)
}

/// Wall time of the command against the bare program, in ms, over `runs` runs of `samples`
/// interleaved pairs: (bare program, under the command, the command's extra time). Each run's
/// figure is the median of its paired differences, so a machine that speeds up or slows down
/// during a run moves both halves of a pair alike.
pub fn command_overhead(
    pledge: &PathBuf,
    runs: usize,
    samples: usize,
) -> Result<(Summary, Summary, Summary), String> {
    let bare = || Command::new("/bin/true");
    let wrapped = || {
        let mut c = Command::new(pledge);
        c.args(["-p", "stdio rpath", "--", "/bin/true"]);
        c
    };
    // It must work before it is timed.
    let out = wrapped()
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", pledge.display()))?;
    if !out.status.success() {
        return Err(format!(
            "`{} -p 'stdio rpath' -- /bin/true` failed ({}): {}",
            pledge.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let time = |mut c: Command| -> Result<f64, String> {
        let start = Instant::now();
        let status = c
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| e.to_string())?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        status
            .success()
            .then_some(ms)
            .ok_or_else(|| format!("exit status {status}"))
    };
    let (mut bare_runs, mut wrapped_runs, mut extra_runs) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for i in 0..samples {
            // Alternate which goes first, so neither always runs on a warmer cache.
            if i % 2 == 0 {
                a.push(time(bare())?);
                b.push(time(wrapped())?);
            } else {
                b.push(time(wrapped())?);
                a.push(time(bare())?);
            }
        }
        let extra: Vec<f64> = b.iter().zip(&a).map(|(w, t)| w - t).collect();
        bare_runs.push(median(&a));
        wrapped_runs.push(median(&b));
        extra_runs.push(median(&extra));
    }
    Ok((
        Summary::of(&bare_runs),
        Summary::of(&wrapped_runs),
        Summary::of(&extra_runs),
    ))
}

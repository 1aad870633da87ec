//! The benchmark: what pledge costs per system call, per stacked pledge, per pledge() call,
//! and for the `pledge` command's start-up. See docs/performance.md.
//!
//! Run: `cargo run --release -p bench` (about a minute on 2 cores), or with `--quick`
//! (fewer rounds, for a rough look). Writes `docs/bench/results.md` and
//! `docs/bench/overhead.svg` (or into `--out DIR`).

mod config;
mod measure;
mod plot;
mod report;
mod startup;
mod stats;
mod sys;
mod worker;

use std::path::PathBuf;

use config::Config;
use measure::Plan;
use stats::Summary;

const USAGE: &str = "usage: bench [--quick] [--runs N] [--rounds N] [--out DIR]

Measures the cost of pledge filters: interleaved timed blocks in one child process per
configuration, all pinned to one CPU, each compared with the unfiltered child of the same round.

  --quick      fewer runs and rounds (a rough look)
  --runs N     independent runs, each with fresh children (default 5; quick 2)
  --rounds N   rounds per run (default 30; quick 6)
  --out DIR    where results.md and overhead.svg go (default docs/bench under the workspace)
";

#[derive(Debug)]
struct Options {
    plan: Plan,
    quick: bool,
    out: PathBuf,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut quick = false;
    let (mut runs, mut rounds, mut out) = (None, None, None);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or(format!("{name} needs a value"));
        let number = |name: &str, v: String| -> Result<usize, String> {
            match v.parse::<usize>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(format!("{name}: \"{v}\" is not a positive number")),
            }
        };
        match a.as_str() {
            "--quick" => quick = true,
            "--runs" => runs = Some(number("--runs", value("--runs")?)?),
            "--rounds" => rounds = Some(number("--rounds", value("--rounds")?)?),
            "--out" => out = Some(PathBuf::from(value("--out")?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument \"{other}\"")),
        }
    }
    let plan = Plan {
        runs: runs.unwrap_or(if quick { 2 } else { 5 }),
        rounds: rounds.unwrap_or(if quick { 6 } else { 30 }),
    };
    let out =
        out.unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/bench"));
    Ok(Options { plan, quick, out })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(startup::WORKER_ARG) {
        std::process::exit(startup::worker(&args[1..]));
    }
    let options = match parse(&args) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("bench: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&options) {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

fn run(options: &Options) -> Result<(), String> {
    if cfg!(debug_assertions) {
        eprintln!("bench: warning: a debug build; use `cargo run --release -p bench`");
    }
    let cpus = sys::allowed_cpus();
    // Children on one CPU, the coordinator on another when there is one.
    let child_cpu = *cpus.get(1).unwrap_or(&cpus[0]);
    sys::pin_to_cpu(cpus[0]).map_err(|e| format!("pinning the coordinator: {e}"))?;
    let started = std::time::Instant::now();

    let mut report = report::Report::new(options.plan, options.quick, child_cpu);
    report.filters();
    // pledge() is timed after each run of the per-call measurements, so that its runs sample
    // the whole benchmark rather than the machine's state of one moment.
    let samples = if options.quick { 15 } else { 41 };
    let mut pledge_runs: Vec<Vec<f64>> = vec![Vec::new(); config::SETS.len()];
    let results = measure::measure(&Config::all(), options.plan, child_cpu, &mut || {
        eprintln!("pledge() timing: {samples} fresh processes per set");
        let medians = startup::pledge_run(&config::SETS, samples, child_cpu)?;
        for (runs, m) in pledge_runs.iter_mut().zip(medians) {
            runs.push(m);
        }
        Ok(())
    })?;
    report.syscalls(&results);
    let pledge_times: Vec<_> = config::SETS
        .iter()
        .zip(&pledge_runs)
        .map(|(set, runs)| (*set, Summary::of(runs), startup::compile_time(set, 201)))
        .collect();
    report.pledge_times(&pledge_times);

    let command = match startup::pledge_command() {
        None => Err(
            "target/release/pledge is missing (build it: cargo build --release -p pledge-cli)"
                .to_string(),
        ),
        Some(path) => {
            let (runs, samples) = if options.quick { (1, 20) } else { (3, 40) };
            startup::command_overhead(&path, runs, samples)
        }
    };
    report.command(command);
    report.finish(started.elapsed());

    print!("{}", report.text());
    std::fs::create_dir_all(&options.out).map_err(|e| format!("{}: {e}", options.out.display()))?;
    let md = options.out.join("results.md");
    let svg = options.out.join("overhead.svg");
    std::fs::write(&md, report.text()).map_err(|e| format!("{}: {e}", md.display()))?;
    std::fs::write(&svg, plot::svg(&results)).map_err(|e| format!("{}: {e}", svg.display()))?;
    eprintln!("wrote {} and {}", md.display(), svg.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options() {
        let o = parse(&args("--quick --runs 3")).unwrap();
        assert_eq!((o.plan.runs, o.plan.rounds, o.quick), (3, 6, true));
        assert!(parse(&args("--runs 0"))
            .unwrap_err()
            .contains("not a positive number"));
        assert!(parse(&args("--rounds"))
            .unwrap_err()
            .contains("needs a value"));
        assert!(parse(&args("--fast"))
            .unwrap_err()
            .contains("unknown argument \"--fast\""));
        assert_eq!(parse(&args("--help")).err(), Some(String::new()));
    }
}

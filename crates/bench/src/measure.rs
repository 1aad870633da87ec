//! The interleaved measurement: every round times one block of every (configuration,
//! operation) pair in a fresh shuffled order, and compares each with the unfiltered child's
//! block of the same operation in the same round, so that drifts of a noisy shared machine
//! cancel out.

use crate::config::{Config, Op};
use crate::stats::{median, Shuffler, Summary};
use crate::worker::Worker;

/// How much to measure.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub runs: usize,
    pub rounds: usize,
}

/// One run's medians for one (configuration, operation).
#[derive(Clone, Copy, Debug, Default)]
struct RunMedians {
    ns: f64,
    overhead: f64,
    vs_none: f64,
    vs_floor: f64,
}

/// The results for one (configuration, operation), over all runs.
#[derive(Clone, Copy, Debug)]
pub struct Cell {
    /// ns per operation.
    pub ns: Summary,
    /// Paired difference to the unfiltered child, ns per operation.
    pub overhead: Summary,
    /// Paired ratio to the unfiltered child.
    pub vs_none: Summary,
    /// Paired ratio to the one-instruction filter.
    pub vs_floor: Summary,
}

/// All results: `cells[op][config]`, `None` where the configuration does not allow the
/// operation.
pub struct Results {
    pub configs: Vec<Config>,
    pub cells: Vec<Vec<Option<Cell>>>,
}

/// Runs the plan. `cpu` is where the children run. `after_run` runs after each run, once its
/// children are gone: measurements that should sample the whole benchmark go there.
pub fn measure(
    configs: &[Config],
    plan: Plan,
    cpu: usize,
    after_run: &mut dyn FnMut() -> Result<(), String>,
) -> Result<Results, String> {
    let none = configs
        .iter()
        .position(|c| *c == Config::NoFilter)
        .expect("the unfiltered configuration");
    let floor = configs
        .iter()
        .position(|c| *c == Config::Floor)
        .expect("the floor configuration");
    let mut shuffler = Shuffler::new();
    // per_run[run][op][config]
    let mut per_run: Vec<Vec<Vec<Option<RunMedians>>>> = Vec::new();
    for run in 0..plan.runs {
        eprint!(
            "run {}/{}: starting {} children",
            run + 1,
            plan.runs,
            configs.len()
        );
        let workers: Vec<Worker> = configs
            .iter()
            .map(|c| Worker::start(*c, cpu))
            .collect::<Result<_, _>>()?;
        let mut pairs: Vec<(usize, Op)> = Vec::new();
        for op in Op::ALL {
            for (i, c) in configs.iter().enumerate() {
                if c.allows(op) {
                    pairs.push((i, op));
                }
            }
        }
        // samples[op][config][round]
        let mut samples = vec![vec![Vec::with_capacity(plan.rounds); configs.len()]; Op::ALL.len()];
        // One untimed round warms caches and settles the children.
        for round in 0..=plan.rounds {
            shuffler.shuffle(&mut pairs);
            for &(i, op) in &pairs {
                let ns = workers[i].time(op)?;
                if round > 0 {
                    samples[op.index() as usize][i].push(ns);
                }
            }
            if round % 5 == 0 {
                eprint!(".");
            }
        }
        eprintln!();
        let mut medians = vec![vec![None; configs.len()]; Op::ALL.len()];
        for op in Op::ALL {
            let s = &samples[op.index() as usize];
            for (i, c) in configs.iter().enumerate() {
                if !c.allows(op) {
                    continue;
                }
                let paired = |f: &dyn Fn(f64, f64) -> f64, base: usize| -> f64 {
                    let v: Vec<f64> = s[i].iter().zip(&s[base]).map(|(x, b)| f(*x, *b)).collect();
                    median(&v)
                };
                medians[op.index() as usize][i] = Some(RunMedians {
                    ns: median(&s[i]),
                    overhead: paired(&|x, b| x - b, none),
                    vs_none: paired(&|x, b| x / b, none),
                    vs_floor: paired(&|x, b| x / b, floor),
                });
            }
        }
        per_run.push(medians);
        drop(workers);
        after_run()?;
    }
    let cells = (0..Op::ALL.len())
        .map(|op| {
            (0..configs.len())
                .map(|i| {
                    let runs: Vec<RunMedians> = per_run.iter().filter_map(|r| r[op][i]).collect();
                    if runs.is_empty() {
                        return None;
                    }
                    let pick = |f: fn(&RunMedians) -> f64| {
                        Summary::of(&runs.iter().map(f).collect::<Vec<_>>())
                    };
                    Some(Cell {
                        ns: pick(|r| r.ns),
                        overhead: pick(|r| r.overhead),
                        vs_none: pick(|r| r.vs_none),
                        vs_floor: pick(|r| r.vs_floor),
                    })
                })
                .collect()
        })
        .collect();
    Ok(Results {
        configs: configs.to_vec(),
        cells,
    })
}

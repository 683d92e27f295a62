//! The gentleness benchmark (issue 14): `cargo bench --bench gentle [-- OPTIONS]`.
//!
//! mqc with its default flags against quay-sim emulating a real Quay's limits, the three
//! "done when" cases of issue 14 (each starts three release `quay-sim`s, endpoints A, B and
//! the replica C of `benches/workload`, with `--ldap`, the workload's users and token):
//!
//! 1. `--workers 2 --cost-ms 280` (a 2-core Quay), N = 10, a cold `create`: exit 0, no failed
//!    or skipped object, no request abandoned at the timeout; the queue wait per endpoint.
//! 2. `--rate-limit 5 --burst 25` (Quay's stock nginx), N = 10: `create`, three `plan`s back to
//!    back, `export --all` from each endpoint: no failed target; the 429s each received.
//! 3. `--workers 4 --cost-ms 50`, N = 100, `--max-requests-per-second 5000`: cold and warm
//!    `create`: wall ÷ (requests of the busiest endpoint × 50 ms ÷ 4) ≤ 1.15, no timeout,
//!    queue-wait p95 ≤ 100 ms.
//!
//! It prints a markdown table; docs/performance.md ("On a Quay at capacity and behind its rate
//! limit") explains it.
//!
//! Options:
//!   --case K     run case K (1, 2 or 3; repeatable); default: all three
//!   --out FILE   also write the table (markdown) to FILE
//!   --keep       keep the temporary directories (workload, mqc output)

mod sim;
mod workload;

use std::path::{Path, PathBuf};

use serde_json::Value;
use sim::{measure_any, mqc_command, quay_sim_binary, reset_stats, sim_stats, Sim};

struct Options {
    cases: Vec<u32>,
    out: Option<PathBuf>,
    keep: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        cases: Vec::new(),
        out: None,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--case" => {
                let v = value("--case")?;
                match v.parse::<u32>() {
                    Ok(k @ 1..=3) => options.cases.push(k),
                    _ => return Err(format!("--case {v}: expected 1, 2 or 3")),
                }
            }
            "--out" => options.out = Some(PathBuf::from(value("--out")?)),
            "--keep" => options.keep = true,
            "--bench" => {} // passed by `cargo bench`
            other => return Err(format!("unknown option {other} (see benches/gentle.rs)")),
        }
    }
    if options.cases.is_empty() {
        options.cases = vec![1, 2, 3];
    }
    Ok(options)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let options = parse_args()?;
    let mqc = PathBuf::from(env!("CARGO_BIN_EXE_mqc"));
    let sim_bin = quay_sim_binary(&mqc)?;
    eprintln!(
        "bench: mqc {}, quay-sim {}",
        mqc.display(),
        sim_bin.display()
    );
    let mut table = String::from(HEADER);
    for &case in &options.cases {
        let spec = CASES[case as usize - 1];
        eprintln!(
            "bench: case {case}: quay-sim {}, N = {}, mqc {}",
            spec.sim_args.join(" "),
            spec.n,
            if spec.mqc_args.is_empty() {
                "defaults".to_string()
            } else {
                spec.mqc_args.join(" ")
            }
        );
        for row in run_case(&mqc, &sim_bin, case, spec, &options)? {
            let line = row.row();
            eprintln!("bench:   {line}");
            table.push_str(&line);
            table.push('\n');
        }
    }
    println!("{table}");
    if let Some(out) = &options.out {
        std::fs::write(out, &table).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Step {
    /// `create`, labelled (cold, warm).
    Create(&'static str),
    Plan,
    /// `export --all` from endpoint k alone.
    Export(usize),
}

#[derive(Debug, Clone, Copy)]
struct CaseSpec {
    sim_args: &'static [&'static str],
    n: usize,
    mqc_args: &'static [&'static str],
    steps: &'static [Step],
    /// `Some((workers, cost_ms))`: the capacity bound applies.
    capacity: Option<(u64, u64)>,
}

const CASES: [CaseSpec; 3] = [
    CaseSpec {
        sim_args: &["--workers", "2", "--cost-ms", "280"],
        n: 10,
        mqc_args: &[],
        steps: &[Step::Create("cold")],
        capacity: Some((2, 280)),
    },
    CaseSpec {
        sim_args: &["--rate-limit", "5", "--burst", "25"],
        n: 10,
        mqc_args: &[],
        steps: &[
            Step::Create("cold"),
            Step::Plan,
            Step::Plan,
            Step::Plan,
            Step::Export(0),
            Step::Export(1),
            Step::Export(2),
        ],
        capacity: None,
    },
    CaseSpec {
        sim_args: &["--workers", "4", "--cost-ms", "50"],
        n: 100,
        mqc_args: &["--max-requests-per-second", "5000"],
        steps: &[Step::Create("cold"), Step::Create("warm")],
        capacity: Some((4, 50)),
    },
];

const HEADER: &str = "| case | run | exit | wall s | requests | busiest endpoint | bound s | wall ÷ bound | failed | skipped | failed targets | timed out | 429s | queue wait ms p50/p95/max (A; B; C) | lowest rate / concurrency (A; B; C) | CPU s |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|\n";

struct Row {
    case: u32,
    label: String,
    code: Option<i32>,
    wall: f64,
    requests: u64,
    busiest: u64,
    /// Requests of the busiest endpoint × cost ÷ workers.
    bound: Option<f64>,
    failed: Option<u64>,
    skipped: Option<u64>,
    failed_targets: Option<u64>,
    timed_out: Option<u64>,
    rate_limited: u64,
    queue_waits: Vec<(u64, u64, u64)>,
    /// Per endpoint of the report: lowest rate and concurrency.
    paces: Vec<(f64, u64)>,
    cpu: f64,
}

fn opt(v: Option<u64>) -> String {
    v.map_or("–".to_string(), |v| v.to_string())
}

impl Row {
    fn row(&self) -> String {
        let (bound, ratio) = match self.bound {
            Some(b) => (format!("{b:.2}"), format!("{:.2}", self.wall / b)),
            None => ("–".into(), "–".into()),
        };
        let waits = if self.queue_waits.iter().all(|w| *w == (0, 0, 0)) {
            "–".to_string()
        } else {
            self.queue_waits
                .iter()
                .map(|(p50, p95, max)| format!("{p50}/{p95}/{max}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let paces = if self.paces.is_empty() {
            "–".to_string()
        } else {
            self.paces
                .iter()
                .map(|(rate, conc)| format!("{rate}/{conc}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        format!(
            "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} |",
            self.case,
            self.label,
            self.code.map_or("signal".to_string(), |c| c.to_string()),
            self.wall,
            self.requests,
            self.busiest,
            bound,
            ratio,
            opt(self.failed),
            opt(self.skipped),
            opt(self.failed_targets),
            opt(self.timed_out),
            self.rate_limited,
            waits,
            paces,
            self.cpu,
        )
    }
}

fn run_case(
    mqc: &Path,
    sim_bin: &Path,
    case: u32,
    spec: CaseSpec,
    options: &Options,
) -> Result<Vec<Row>, String> {
    let root = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let dir = root.path().join("yaml-files");
    let login = root.path().join(".mqc/login.yaml");
    workload::write(&dir, &login, spec.n).map_err(|e| format!("writing the workload: {e}"))?;
    let sim_args: Vec<String> = spec.sim_args.iter().map(|s| s.to_string()).collect();
    let sims: Vec<Sim> = (0..3)
        .map(|k| sim::start_sim(sim_bin, &sim_args, k + 1))
        .collect::<Result<_, _>>()?;
    let urls: Vec<String> = sims.iter().map(|s| s.url.clone()).collect();

    let mut rows = Vec::new();
    let mut plans = 0;
    for (i, step) in spec.steps.iter().enumerate() {
        for url in &urls {
            reset_stats(url)?;
        }
        let mut command = mqc_command(mqc);
        command
            .arg("--dir")
            .arg(&dir)
            .arg("--login-file")
            .arg(&login)
            .args(spec.mqc_args)
            .args(["--output", "json"]);
        let label = match step {
            Step::Create(kind) => format!("create {kind}"),
            Step::Plan => {
                plans += 1;
                format!("plan {plans}")
            }
            Step::Export(k) => format!("export --all ({})", ["A", "B", "C"][*k]),
        };
        match step {
            Step::Create(_) | Step::Plan => {
                for (endpoint, url) in workload::ENDPOINTS.iter().zip(&urls) {
                    command
                        .arg("--endpoint-map")
                        .arg(format!("{endpoint}={url}"));
                }
                command.arg(if matches!(step, Step::Plan) {
                    "plan"
                } else {
                    "create"
                });
            }
            Step::Export(k) => {
                let endpoint = workload::ENDPOINTS[*k];
                command
                    .arg("--endpoint-map")
                    .arg(format!("{endpoint}={}", urls[*k]))
                    .args(["export", "--endpoint", endpoint, "--all", "--out"])
                    .arg(root.path().join(format!("exported-{k}")));
            }
        }
        let measured = measure_any(command, root.path(), &format!("step-{i}"))?;
        let report: Option<Value> = std::fs::read_to_string(&measured.stdout)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok());
        if !measured.succeeded() {
            let mut stderr = std::fs::read_to_string(&measured.stderr).unwrap_or_default();
            stderr.truncate(2000);
            eprintln!("bench:   {label} exited {:?}:\n{stderr}", measured.code);
        }

        let mut per_endpoint = Vec::new();
        let mut rate_limited = 0;
        let mut queue_waits = Vec::new();
        for url in &urls {
            let stats = sim_stats(url)?;
            per_endpoint.push(stats["requests"].as_u64().unwrap_or(0));
            rate_limited += stats["rate_limited"].as_u64().unwrap_or(0);
            let wait = &stats["queue_wait_ms"];
            let get = |key: &str| wait[key].as_u64().unwrap_or(0);
            queue_waits.push((get("p50"), get("p95"), get("max")));
        }
        let busiest = per_endpoint.iter().copied().max().unwrap_or(0);
        let (failed, skipped, failed_targets, timed_out, paces) = match (&report, step) {
            (Some(r), Step::Export(_)) => {
                let failed = r["organizations"]
                    .as_array()
                    .map(|orgs| orgs.iter().filter(|o| o["status"] == "failed").count() as u64);
                (None, None, failed, None, Vec::new())
            }
            (Some(r), _) => {
                let totals = &r["totals"];
                let endpoints = r["endpoints"].as_array().cloned().unwrap_or_default();
                let timed_out = endpoints
                    .iter()
                    .map(|e| e["timed_out"].as_u64().unwrap_or(0))
                    .sum();
                let mut paces: Vec<(String, f64, u64)> = endpoints
                    .iter()
                    .map(|e| {
                        (
                            e["endpoint"].as_str().unwrap_or("").to_string(),
                            e["lowest_rate"].as_f64().unwrap_or(0.0),
                            e["lowest_concurrency"].as_u64().unwrap_or(0),
                        )
                    })
                    .collect();
                paces.sort_by(|a, b| a.0.cmp(&b.0));
                (
                    totals["failed"].as_u64(),
                    totals["skipped"].as_u64(),
                    r["targets"].as_array().map(|t| failed_targets(t)),
                    Some(timed_out),
                    paces.into_iter().map(|(_, r, c)| (r, c)).collect(),
                )
            }
            (None, _) => (None, None, None, None, Vec::new()),
        };
        rows.push(Row {
            case,
            label,
            code: measured.code,
            wall: measured.wall.as_secs_f64(),
            requests: per_endpoint.iter().sum(),
            busiest,
            bound: spec
                .capacity
                .map(|(workers, cost)| busiest as f64 * cost as f64 / 1000.0 / workers as f64),
            failed,
            skipped,
            failed_targets,
            timed_out,
            rate_limited,
            queue_waits,
            paces,
            cpu: measured.cpu.as_secs_f64(),
        });
    }
    if options.keep {
        let kept = root.keep();
        eprintln!("bench: kept {}", kept.display());
    }
    drop(sims);
    Ok(rows)
}

/// Targets of a `create` or `plan` report that did not get everything they needed: an error, a
/// refused plan, a plan-time problem, or a change that was not applied.
fn failed_targets(targets: &[Value]) -> u64 {
    targets
        .iter()
        .filter(|t| {
            !t["error"].is_null()
                || !t["refused"].is_null()
                || t["problems"].as_array().is_some_and(|p| !p.is_empty())
                || t["results"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|c| c["status"] != "applied"))
        })
        .count() as u64
}

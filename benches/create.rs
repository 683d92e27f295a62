//! The mqc benchmark (issue 5): `cargo bench --bench create [-- OPTIONS]`.
//!
//! For each case (N organizations, `--max-requests-per-second`, `--max-connections`) it starts
//! three `quay-sim` processes (endpoints A, B and the replica C) with `--latency-ms 20 --ldap`,
//! writes the workload of `benches/workload`, and runs the release `mqc create` three times:
//! cold, warm (nothing to do) and after drift in ~5 % of the objects. For every run it prints
//! the requests (from `/_sim/stats`, summed over the emulators), the lower bounds, the wall
//! time and mqc's peak RSS and CPU time (`wait4`). After the cold run it sends the same
//! number of requests to each emulator with nothing but reqwest (`benches/floor`): the HTTP
//! floor, what mqc's CPU time cannot go below with its HTTP stack. docs/performance.md explains
//! each column.
//!
//! Options:
//!   --case N:RATE[:CONNS]  run this case (repeatable); default: the table of the docs
//!   --latency-ms MS        emulated round-trip latency (default 20)
//!   --out FILE             also write the table (markdown) to FILE
//!   --keep                 keep the temporary directories (workload, mqc output)
//!   --write-workload DIR N only write the workload for N organizations into DIR and exit

mod floor;
mod sim;
mod workload;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sim::{measure, mqc_command, quay_sim_binary, reset_stats, sim_stats, Measured, Sim};

#[derive(Debug, Clone, Copy)]
struct Case {
    n: usize,
    rate: u32,
    conns: usize,
}

/// The table of docs/performance.md: every N at 5000 req/s with the default 16 connections,
/// N = 1000 also with 64 connections (16 × 3 endpoints cap the rate below the target), and
/// N = 10 and 100 at the default 50 req/s.
const DEFAULT_CASES: [Case; 6] = [
    Case {
        n: 10,
        rate: 5000,
        conns: 16,
    },
    Case {
        n: 100,
        rate: 5000,
        conns: 16,
    },
    Case {
        n: 1000,
        rate: 5000,
        conns: 16,
    },
    Case {
        n: 1000,
        rate: 5000,
        conns: 64,
    },
    Case {
        n: 10,
        rate: 50,
        conns: 16,
    },
    Case {
        n: 100,
        rate: 50,
        conns: 16,
    },
];

/// Dependent round trips no client can avoid, per kind of run:
/// cold: GET org (404) → POST org → PUT robot / POST repository → POST mirror → sync-now;
/// warm: GET org → GET repository list → per-repository GETs;
/// drift: the warm reads, then PUT mirror → sync-now.
const CHAIN_COLD: u32 = 5;
const CHAIN_WARM: u32 = 3;
const CHAIN_DRIFT: u32 = 5;

struct Options {
    cases: Vec<Case>,
    latency_ms: u64,
    out: Option<PathBuf>,
    keep: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        cases: Vec::new(),
        latency_ms: 20,
        out: None,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--case" => {
                let v = value("--case")?;
                let parts: Vec<&str> = v.split(':').collect();
                let num = |s: &str| s.parse::<usize>().map_err(|e| format!("--case {v}: {e}"));
                let case = match parts.as_slice() {
                    [n, rate] => Case {
                        n: num(n)?,
                        rate: num(rate)? as u32,
                        conns: 16,
                    },
                    [n, rate, conns] => Case {
                        n: num(n)?,
                        rate: num(rate)? as u32,
                        conns: num(conns)?,
                    },
                    _ => return Err(format!("--case {v}: expected N:RATE[:CONNS]")),
                };
                options.cases.push(case);
            }
            "--latency-ms" => {
                options.latency_ms = value("--latency-ms")?
                    .parse()
                    .map_err(|e| format!("--latency-ms: {e}"))?
            }
            "--out" => options.out = Some(PathBuf::from(value("--out")?)),
            "--keep" => options.keep = true,
            "--write-workload" => {
                // Only write the workload: `--write-workload DIR N` (for profiling by hand).
                let dir = PathBuf::from(value("--write-workload")?);
                let n: usize = value("--write-workload")?
                    .parse()
                    .map_err(|e| format!("--write-workload: {e}"))?;
                workload::write(&dir.join("yaml-files"), &dir.join(".mqc/login.yaml"), n)
                    .map_err(|e| format!("writing the workload: {e}"))?;
                std::process::exit(0);
            }
            "--floor-client" => {
                // The HTTP floor's client, run as a child of this benchmark (benches/floor).
                let spec = value("--floor-client")?;
                let conns = value("--floor-client")?;
                let rate = value("--floor-client")?;
                match floor::client_main(&spec, &conns, &rate) {
                    Ok(()) => std::process::exit(0),
                    Err(e) => {
                        eprintln!("floor client: {e}");
                        std::process::exit(1);
                    }
                }
            }
            "--bench" => {} // passed by `cargo bench`
            other => return Err(format!("unknown option {other} (see benches/create.rs)")),
        }
    }
    if options.cases.is_empty() {
        options.cases = DEFAULT_CASES.to_vec();
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

    let mut rows = Vec::new();
    let mut floors = Vec::new();
    for case in &options.cases {
        eprintln!(
            "bench: N = {} at {} req/s, {} connections per endpoint",
            case.n, case.rate, case.conns
        );
        let (results, floor) = run_case(&mqc, &sim_bin, *case, &options)?;
        for r in &results {
            eprintln!("bench:   {}", r.row());
        }
        eprintln!("bench:   {}", floor.row());
        rows.extend(results);
        floors.push(floor);
    }

    let mut table = String::new();
    table.push_str(HEADER);
    for r in &rows {
        table.push_str(&r.row());
        table.push('\n');
    }
    table.push('\n');
    table.push_str(FLOOR_HEADER);
    for f in &floors {
        table.push_str(&f.row());
        table.push('\n');
    }
    table.push('\n');
    table.push_str(&bounds_only(&options));
    println!("{table}");
    if let Some(out) = &options.out {
        std::fs::write(out, &table).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    Ok(())
}

const HEADER: &str = "| N | limit/s | conns | run | reads | writes | = expected | rate bound s | concurrency bound s | chain bound s | wall s | wall ÷ bound | req/s | in flight (peak, sum) | connections (peak per endpoint) | RSS MiB | CPU s |\n|---:|---:|---:|---|---:|---:|:-:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

/// The bounds of the cases not run at 50 req/s (N = 1000 would take over half an hour).
fn bounds_only(options: &Options) -> String {
    let mut out = String::new();
    for n in [10, 100, 1000] {
        if options.cases.iter().any(|c| c.n == n && c.rate == 50) {
            continue;
        }
        let cold = workload::expected_cold(n);
        let warm = workload::expected_warm(n);
        let drift = workload::expected_drift(n, &workload::drifts(n));
        let secs = |e: workload::Expected| (e.reads + e.writes) as f64 / 50.0;
        out.push_str(&format!(
            "Not run: N = {n} at 50 req/s. Its rate bounds: cold {} requests ÷ 50 = {:.0} s, \
             warm {} ÷ 50 = {:.0} s, drift {} ÷ 50 = {:.0} s.\n",
            cold.reads + cold.writes,
            secs(cold),
            warm.reads + warm.writes,
            secs(warm),
            drift.reads + drift.writes,
            secs(drift)
        ));
    }
    out
}

fn start_sim(bin: &Path, latency_ms: u64, seed: usize) -> Result<Sim, String> {
    sim::start_sim(bin, &["--latency-ms".into(), latency_ms.to_string()], seed)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Cold,
    Warm,
    Drift,
}

struct RunResult {
    case: Case,
    kind: Kind,
    latency: Duration,
    reads: u64,
    writes: u64,
    expected: workload::Expected,
    per_endpoint: [u64; 3],
    max_in_flight_sum: u64,
    max_connections: u64,
    wall: Duration,
    rss_kib: u64,
    cpu: Duration,
}

impl RunResult {
    fn requests(&self) -> u64 {
        self.reads + self.writes
    }

    fn rate_bound(&self) -> f64 {
        self.requests() as f64 / f64::from(self.case.rate)
    }

    /// Each endpoint serves at most `conns` requests at a time, each taking the latency.
    fn concurrency_bound(&self) -> f64 {
        let busiest = self.per_endpoint.iter().copied().max().unwrap_or(0);
        busiest as f64 * self.latency.as_secs_f64() / self.case.conns as f64
    }

    fn chain_bound(&self) -> f64 {
        let chain = match self.kind {
            Kind::Cold => CHAIN_COLD,
            Kind::Warm => CHAIN_WARM,
            Kind::Drift => CHAIN_DRIFT,
        };
        f64::from(chain) * self.latency.as_secs_f64()
    }

    fn bound(&self) -> f64 {
        self.rate_bound()
            .max(self.concurrency_bound())
            .max(self.chain_bound())
    }

    fn row(&self) -> String {
        let wall = self.wall.as_secs_f64();
        let expected = if self.expected.reads == self.reads && self.expected.writes == self.writes {
            "yes".to_string()
        } else {
            format!("no ({} / {})", self.expected.reads, self.expected.writes)
        };
        format!(
            "| {} | {} | {} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {} | {} | {:.1} | {:.2} |",
            self.case.n,
            self.case.rate,
            self.case.conns,
            match self.kind {
                Kind::Cold => "cold",
                Kind::Warm => "warm",
                Kind::Drift => "drift",
            },
            self.reads,
            self.writes,
            expected,
            self.rate_bound(),
            self.concurrency_bound(),
            self.chain_bound(),
            wall,
            wall / self.bound(),
            self.requests() as f64 / wall,
            self.max_in_flight_sum,
            self.max_connections,
            self.rss_kib as f64 / 1024.0,
            self.cpu.as_secs_f64(),
        )
    }
}

const FLOOR_HEADER: &str = "| N | limit/s | conns | requests | HTTP floor wall s | HTTP floor RSS MiB | HTTP floor CPU s | mqc cold CPU s | mqc − floor CPU s |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";

/// The cold run's requests sent again by the bare reqwest client of `benches/floor`.
struct FloorResult {
    case: Case,
    requests: u64,
    measured: Measured,
    mqc_cold_cpu: Duration,
}

impl FloorResult {
    fn row(&self) -> String {
        let cpu = self.measured.cpu.as_secs_f64();
        let mqc = self.mqc_cold_cpu.as_secs_f64();
        format!(
            "| {} | {} | {} | {} | {:.2} | {:.1} | {:.2} | {:.2} | {:.2} |",
            self.case.n,
            self.case.rate,
            self.case.conns,
            self.requests,
            self.measured.wall.as_secs_f64(),
            self.measured.rss_kib as f64 / 1024.0,
            cpu,
            mqc,
            mqc - cpu
        )
    }
}

fn run_case(
    mqc: &Path,
    sim_bin: &Path,
    case: Case,
    options: &Options,
) -> Result<(Vec<RunResult>, FloorResult), String> {
    let root = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let dir = root.path().join("yaml-files");
    let login = root.path().join(".mqc/login.yaml");
    workload::write(&dir, &login, case.n).map_err(|e| format!("writing the workload: {e}"))?;
    let sims: Vec<Sim> = (0..3)
        .map(|k| start_sim(sim_bin, options.latency_ms, k + 1))
        .collect::<Result<_, _>>()?;
    let urls: Vec<String> = sims.iter().map(|s| s.url.clone()).collect();
    let latency = Duration::from_millis(options.latency_ms);

    let mut results = Vec::new();
    let drifts = workload::drifts(case.n);
    for kind in [Kind::Cold, Kind::Warm, Kind::Drift] {
        let expected = match kind {
            Kind::Cold => workload::expected_cold(case.n),
            Kind::Warm => workload::expected_warm(case.n),
            Kind::Drift => {
                workload::inject_all(&drifts, &|e| urls[e].clone(), 32)?;
                // Let the emulators close the injection's connections before the peaks restart.
                std::thread::sleep(Duration::from_millis(200));
                workload::expected_drift(case.n, &drifts)
            }
        };
        for url in &urls {
            reset_stats(url)?;
        }
        let label = format!("{kind:?}").to_lowercase();
        let run = run_mqc(mqc, root.path(), &dir, &login, &urls, case, &label)?;
        let mut per_endpoint = [0; 3];
        let (mut reads, mut writes, mut in_flight, mut connections) = (0, 0, 0, 0);
        for (k, url) in urls.iter().enumerate() {
            let stats = sim_stats(url)?;
            let get = |key: &str| stats[key].as_u64().unwrap_or(0);
            per_endpoint[k] = get("requests");
            writes += get("writes");
            reads += get("requests") - get("writes");
            in_flight += get("max_in_flight");
            connections = connections.max(get("max_connections"));
        }
        results.push(RunResult {
            case,
            kind,
            latency,
            reads,
            writes,
            expected,
            per_endpoint,
            max_in_flight_sum: in_flight,
            max_connections: connections,
            wall: run.wall,
            rss_kib: run.rss_kib,
            cpu: run.cpu,
        });
    }
    // The HTTP floor: the cold run's requests, per endpoint, through bare reqwest.
    let cold = &results[0];
    for url in &urls {
        reset_stats(url)?;
    }
    let spec: Vec<String> = urls
        .iter()
        .zip(cold.per_endpoint)
        .map(|(url, count)| format!("{url}={count}"))
        .collect();
    let mut command = Command::new(std::env::current_exe().map_err(|e| format!("{e}"))?);
    command
        .arg("--floor-client")
        .arg(spec.join(","))
        .arg(case.conns.to_string())
        .arg(case.rate.to_string());
    let measured = measure(command, root.path(), "floor")?;
    // Every floor request must have reached its emulator (one organization, then the robots).
    for (url, count) in urls.iter().zip(cold.per_endpoint) {
        let sent = sim_stats(url)?["requests"].as_u64().unwrap_or(0);
        if sent != count + 1 {
            return Err(format!(
                "the HTTP floor sent {sent} requests to {url}, expected {}",
                count + 1
            ));
        }
    }
    let floor = FloorResult {
        case,
        requests: cold.per_endpoint.iter().sum(),
        measured,
        mqc_cold_cpu: cold.cpu,
    };
    if options.keep {
        let kept = root.keep();
        eprintln!("bench: kept {}", kept.display());
    }
    drop(sims);
    Ok((results, floor))
}

/// Runs `mqc create` (human output into files) and measures it with `wait4`.
fn run_mqc(
    mqc: &Path,
    root: &Path,
    dir: &Path,
    login: &Path,
    urls: &[String],
    case: Case,
    label: &str,
) -> Result<Measured, String> {
    let mut command = mqc_command(mqc);
    command
        .arg("--dir")
        .arg(dir)
        .arg("--login-file")
        .arg(login)
        .args(["--max-requests-per-second", &case.rate.to_string()])
        .args(["--max-connections", &case.conns.to_string()]);
    for (endpoint, url) in workload::ENDPOINTS.iter().zip(urls) {
        command
            .arg("--endpoint-map")
            .arg(format!("{endpoint}={url}"));
    }
    command.arg("create");
    measure(command, root, label)
}

//! Process helpers shared by the benchmarks (`benches/create.rs`, `benches/gentle.rs`): the
//! quay-sim release binary, the emulators of the workload's three endpoints, their
//! `/_sim/stats`, and a child process measured with `wait4`.

#![allow(dead_code)] // each benchmark uses a different part

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::workload;

/// The quay-sim release binary beside mqc's; built with cargo when it is not there yet.
pub fn quay_sim_binary(mqc: &Path) -> Result<PathBuf, String> {
    let dir = mqc.parent().ok_or("mqc binary has no directory")?;
    let bin = dir.join("quay-sim");
    if !bin.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "-p", "quay-sim", "--bin", "quay-sim"])
            .status()
            .map_err(|e| format!("cannot run cargo to build quay-sim: {e}"))?;
        if !status.success() {
            return Err("building quay-sim failed".into());
        }
    }
    if !bin.exists() {
        return Err(format!("{} not found after building it", bin.display()));
    }
    Ok(bin)
}

/// A running emulator; killed when dropped.
pub struct Sim {
    child: Child,
    pub url: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts one emulator for the workload (`--ldap`, its token and users) with `args` besides.
pub fn start_sim(bin: &Path, args: &[String], seed: usize) -> Result<Sim, String> {
    let mut command = Command::new(bin);
    command.args(args).arg("--ldap").args([
        "--token",
        workload::TOKEN,
        "--seed",
        &seed.to_string(),
    ]);
    for user in workload::users() {
        command.args(["--user", &user]);
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let stdout = child.stdout.take().ok_or("quay-sim has no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("quay-sim: {e}"))?;
    let url = line
        .trim()
        .strip_prefix("quay-sim listening on ")
        .ok_or(format!("unexpected first line from quay-sim: {line:?}"))?
        .to_string();
    Ok(Sim { child, url })
}

pub fn sim_stats(url: &str) -> Result<Value, String> {
    let (status, body) = workload::http(url, "GET", "/_sim/stats", None)?;
    if status != 200 {
        return Err(format!("{url}/_sim/stats: HTTP {status}"));
    }
    serde_json::from_str(&body).map_err(|e| format!("{url}/_sim/stats: {e}"))
}

pub fn reset_stats(url: &str) -> Result<(), String> {
    workload::http(url, "POST", "/_sim/reset-stats", None).map(drop)
}

/// An mqc command with no `MQC_*` variable of the caller's environment.
pub fn mqc_command(mqc: &Path) -> Command {
    let mut command = Command::new(mqc);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("MQC_") {
            command.env_remove(key);
        }
    }
    command
}

pub struct Measured {
    pub wall: Duration,
    pub rss_kib: u64,
    pub cpu: Duration,
    /// The raw wait status, and the exit code when the process exited.
    pub status: libc::c_int,
    pub code: Option<i32>,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl Measured {
    pub fn succeeded(&self) -> bool {
        self.code == Some(0)
    }
}

/// Runs `command` (stdout and stderr into `root/label.out|err`) and measures it with `wait4`:
/// wall time, peak RSS, user + system CPU, exit code.
pub fn measure_any(mut command: Command, root: &Path, label: &str) -> Result<Measured, String> {
    let stdout_path = root.join(format!("{label}.out"));
    let stderr_path = root.join(format!("{label}.err"));
    let file = |p: &Path| std::fs::File::create(p).map_err(|e| format!("{}: {e}", p.display()));
    command
        .stdin(Stdio::null())
        .stdout(file(&stdout_path)?)
        .stderr(file(&stderr_path)?);

    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("cannot run {label}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: plain libc call on our own child; `usage` is a properly sized out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if waited != pid {
        return Err(format!("wait4 failed: {}", std::io::Error::last_os_error()));
    }
    std::mem::forget(child); // already reaped
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let _ = std::io::stderr().flush();
    Ok(Measured {
        wall,
        rss_kib: usage.ru_maxrss as u64, // kilobytes on Linux
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        status,
        code,
        stdout: stdout_path,
        stderr: stderr_path,
    })
}

/// [`measure_any`], failing when the command does not exit with 0.
pub fn measure(command: Command, root: &Path, label: &str) -> Result<Measured, String> {
    let measured = measure_any(command, root, label)?;
    if !measured.succeeded() {
        let mut stderr = std::fs::read_to_string(&measured.stderr).unwrap_or_default();
        stderr.truncate(4000);
        return Err(format!(
            "{label} failed (wait status {}):\n{stderr}",
            measured.status
        ));
    }
    Ok(measured)
}

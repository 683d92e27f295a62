//! A small load loop for measuring quay-sim (numbers in the crate README).
//!
//! ```text
//! load URL TOKEN orgs COUNT                 # create COUNT organizations (8 at a time)
//! load URL TOKEN get REQUESTS CONCURRENCY   # authenticated GETs of one organization
//! ```
//! Prints what it did, the wall time and the requests per second.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn usage() -> ! {
    eprintln!("usage: load URL TOKEN (orgs COUNT | get REQUESTS CONCURRENCY)");
    std::process::exit(2);
}

fn number(arg: Option<&String>) -> usize {
    arg.and_then(|a| a.parse().ok()).unwrap_or_else(|| usage())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(url), Some(token), Some(mode)) = (args.first(), args.get(1), args.get(2)) else {
        usage()
    };
    let client = reqwest::Client::new();
    let (total, concurrency) = match mode.as_str() {
        "orgs" => (number(args.get(3)), 8),
        "get" => (number(args.get(3)), number(args.get(4))),
        _ => usage(),
    };
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (client, url, token, mode) = (client.clone(), url.clone(), token.clone(), mode.clone());
        let (next, failures) = (Arc::clone(&next), Arc::clone(&failures));
        workers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let request = if mode == "orgs" {
                    client
                        .post(format!("{url}/api/v1/organization/"))
                        .json(&serde_json::json!({"name": format!("loadorg{i}")}))
                } else {
                    client.get(format!("{url}/api/v1/organization/loadorg0"))
                };
                let ok = request
                    .bearer_auth(&token)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if !ok {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for worker in workers {
        let _ = worker.await;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{mode}: {total} requests, concurrency {concurrency}, {} failed, {seconds:.2} s, {:.0} req/s",
        failures.load(Ordering::Relaxed),
        total as f64 / seconds
    );
}

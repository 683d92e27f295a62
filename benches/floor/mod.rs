//! The HTTP floor: what the same number of requests costs with nothing but reqwest.
//!
//! `mqc create` sends every request through reqwest on a current-thread tokio runtime. This
//! client does only that: on each emulator it creates one organization, then sends as many
//! robot-creating `PUT`s (a small JSON body, a bearer token, a 201 answer) as mqc sent that
//! emulator in the cold run, `conns` at a time per endpoint, paced at the case's
//! requests per second for all endpoints together (one timer tick per request), on the same
//! kind of runtime and client. Its CPU time and RSS are what mqc cannot go below while it uses this
//! HTTP stack; the difference is mqc's own cost (loading files, planning, bookkeeping).
//!
//! The benchmark runs it as a child process (`create --floor-client …`), so that it is measured
//! with `wait4` exactly like mqc.

use futures::StreamExt;

/// The organization each emulator gets for the floor's robots.
const ORGANIZATION: &str = "httpfloor";

/// Sends one request and fails unless Quay answered with a 2xx.
async fn send(request: reqwest::RequestBuilder) -> Result<(), String> {
    let response = request
        .bearer_auth(super::workload::TOKEN)
        .header("content-type", "application/json")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
    }
}

/// `--floor-client URL=COUNT[,URL=COUNT…] CONNS RATE`: runs the floor client and exits.
pub fn client_main(spec: &str, conns: &str, rate: &str) -> Result<(), String> {
    let conns: usize = conns.parse().map_err(|e| format!("conns: {e}"))?;
    let rate: u32 = rate.parse().map_err(|e| format!("rate: {e}"))?;
    let mut targets = Vec::new();
    for part in spec.split(',') {
        let (url, count) = part
            .rsplit_once('=')
            .ok_or(format!("expected URL=COUNT, found {part}"))?;
        let count: usize = count.parse().map_err(|e| format!("{part}: {e}"))?;
        targets.push((url.to_string(), count));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    let failures = runtime.block_on(async move {
        let period = std::time::Duration::from_secs(1) / rate.max(1);
        let pace = std::sync::Arc::new(tokio::sync::Mutex::new(tokio::time::interval(period)));
        let mut failures = Vec::new();
        let mut streams = Vec::new();
        for (url, count) in targets {
            let client = match reqwest::Client::builder()
                .pool_max_idle_per_host(conns)
                .build()
            {
                Ok(client) => client,
                Err(e) => return vec![format!("client: {e}")],
            };
            let create = client
                .post(format!("{url}/api/v1/organization/"))
                .body(format!(
                    r#"{{"name":"{ORGANIZATION}","email":"{ORGANIZATION}@example.com"}}"#
                ));
            if let Err(e) = send(create).await {
                failures.push(format!("{url}: creating organization {ORGANIZATION}: {e}"));
                continue;
            }
            let pace = pace.clone();
            streams.push(
                futures::stream::iter(0..count)
                    .map(move |i| {
                        let request = client
                            .put(format!(
                                "{url}/api/v1/organization/{ORGANIZATION}/robots/bot{i}"
                            ))
                            .body(format!(r#"{{"description":"robot {i}"}}"#));
                        let pace = pace.clone();
                        async move {
                            pace.lock().await.tick().await;
                            send(request).await
                        }
                    })
                    .buffer_unordered(conns),
            );
        }
        let mut all = futures::stream::select_all(streams);
        while let Some(result) = all.next().await {
            if let Err(e) = result {
                failures.push(e);
            }
        }
        failures
    });
    match failures.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "{} requests failed, first: {first}",
            failures.len()
        )),
    }
}

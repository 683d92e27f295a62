//! The HTTP floor: what the same number of requests costs with nothing but reqwest.
//!
//! `mqc create` sends every request through reqwest on a current-thread tokio runtime. This
//! client does only that: to each emulator, as many `PUT`s with a small JSON body and a bearer
//! token as mqc sent it in the cold run, `conns` at a time per endpoint, paced at the case's
//! requests per second for all endpoints together (one timer tick per request), on the same
//! kind of runtime and client. Its CPU time and RSS are what mqc cannot go below while it uses this
//! HTTP stack; the difference is mqc's own cost (loading files, planning, bookkeeping).
//!
//! The benchmark runs it as a child process (`create --floor-client …`), so that it is measured
//! with `wait4` exactly like mqc.

use futures::StreamExt;

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
        let streams = targets.into_iter().map(|(url, count)| {
            let pace = pace.clone();
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(conns)
                .build()
                .map_err(|e| format!("client: {e}"));
            futures::stream::iter(0..count)
                .map(move |i| {
                    let client = client.clone();
                    let pace = pace.clone();
                    let url = format!("{url}/api/v1/organization/floor-{i}/robots/bot");
                    async move {
                        let client = client?;
                        pace.lock().await.tick().await;
                        let response = client
                            .put(url)
                            .bearer_auth(super::workload::TOKEN)
                            .header("content-type", "application/json")
                            .body(format!(r#"{{"description":"robot {i}"}}"#))
                            .send()
                            .await
                            .map_err(|e| e.to_string())?;
                        response.bytes().await.map_err(|e| e.to_string())?;
                        Ok::<(), String>(())
                    }
                })
                .buffer_unordered(conns)
        });
        let mut all = futures::stream::select_all(streams);
        let mut failures = Vec::new();
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

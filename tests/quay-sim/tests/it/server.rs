//! Paths, stats, faults, control endpoints, TLS, kill and the binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use quay_sim::{QuaySim, Stats};
use reqwest::Method;
use serde_json::json;

use crate::util::*;

#[tokio::test]
async fn trailing_slashes_and_unknown_routes() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let redirect = api.get("/api/v1/organization?x=1").await;
    assert_eq!(redirect.status, 308);
    assert_eq!(
        redirect.location.as_deref(),
        Some(format!("{}/api/v1/organization/?x=1", sim.base_url()).as_str())
    );
    let perms = api
        .get("/api/v1/repository/exampleorg/nested/demorepo/permissions/user")
        .await;
    assert_eq!(perms.status, 308);
    assert!(perms
        .location
        .unwrap()
        .ends_with("/api/v1/repository/exampleorg/nested/demorepo/permissions/user/"));
    assert_eq!(api.get("/api/v1/user").await.status, 308);
    // The redirect keeps the path as sent: a decoded line break must not break the header.
    let encoded = api
        .get("/api/v1/repository/exampleorg/a%0Ab/permissions/user")
        .await;
    assert_eq!(encoded.status, 308);
    assert!(encoded
        .location
        .unwrap()
        .ends_with("/api/v1/repository/exampleorg/a%0Ab/permissions/user/"));
    api.get("/api/v1/organization/exampleorg/")
        .await
        .assert_html(404, "Not Found");
    // An unknown API path: the web catch-all's 308 to the slashed URL, which is not found.
    let unknown = api.get("/api/v1/nothing/here").await;
    assert_eq!(unknown.status, 308);
    assert_eq!(
        unknown.location.as_deref(),
        Some(format!("{}/api/v1/nothing/here/", sim.base_url()).as_str())
    );
    api.get("/api/v1/nothing/here/")
        .await
        .assert_html(404, "Not Found");
    api.get("/elsewhere").await.assert_html(404, "Not Found");
    // Percent-encoded `+` works like the literal one.
    assert_eq!(
        api.get("/api/v1/organization/exampleorg/robots/writer")
            .await
            .status,
        200
    );
    assert_eq!(
        api.put(
            "/api/v1/repository/exampleorg/nested/demorepo/permissions/user/exampleorg%2Bwriter",
            json!({"role": "read"})
        )
        .await
        .status,
        200
    );
}

#[tokio::test]
async fn stats_count_exactly_what_was_sent() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    let control = reqwest::Client::new();
    api.post("/api/v1/organization/", json!({"name": "exampleorg"}))
        .await;
    for i in 0..25 {
        api.put(
            &format!("/api/v1/organization/exampleorg/robots/bot{i}"),
            json!({}),
        )
        .await;
        // Control requests are not counted.
        control
            .get(format!("{}/_sim/state", sim.base_url()))
            .send()
            .await
            .unwrap();
    }
    for _ in 0..10 {
        api.get("/api/v1/organization/exampleorg").await;
    }
    api.get("/api/v1/organization").await; // 308
    api.get("/nowhere").await; // 404
    let stats = sim.stats();
    assert_eq!(stats.requests, 38);
    assert_eq!(stats.writes, 26);
    assert_eq!(stats.by_method["PUT"], 25);
    assert_eq!(stats.by_method["POST"], 1);
    assert_eq!(stats.by_method["GET"], 12);
    assert_eq!(
        stats.by_route["PUT /api/v1/organization/{org}/robots/{robot}"],
        25
    );
    assert_eq!(stats.by_route["GET /api/v1/organization/{org}"], 10);
    assert_eq!(stats.by_route["POST /api/v1/organization/"], 1);
    assert_eq!(stats.by_route["GET /nowhere"], 1);
    assert_eq!(stats.max_in_flight, 1);
    assert_eq!(stats.max_connections, 1);
    let over_http: Stats = control
        .get(format!("{}/_sim/stats", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http, stats);
    let raw: serde_json::Value = control
        .get(format!("{}/_sim/stats", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut keys: Vec<_> = raw.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "busy_ms",
            "by_method",
            "by_route",
            "max_connections",
            "max_in_flight",
            "queue_wait_ms",
            "rate_limited",
            "rate_limited_writes",
            "requests",
            "writes"
        ]
    );
    let reset = control
        .post(format!("{}/_sim/reset-stats", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let after = sim.stats();
    assert_eq!((after.requests, after.writes), (0, 0));
    assert!(after.by_route.is_empty());
    // The state is untouched by a stats reset.
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["robots"]
            .as_object()
            .unwrap()
            .len(),
        25
    );
}

#[tokio::test]
async fn peak_connections_and_requests() {
    let sim = sim();
    let clients: Vec<Api> = (0..3).map(|_| Api::new(&sim, ADMIN)).collect();
    for client in &clients {
        assert_eq!(client.get("/api/v1/discovery").await.status, 200);
    }
    // Three keep-alive connections are open at once.
    assert_eq!(sim.stats().max_connections, 3);
    let (a, b, c) = tokio::join!(
        clients[0].get("/api/v1/user/"),
        clients[1].get("/api/v1/user/"),
        clients[2].get("/api/v1/user/"),
    );
    assert_eq!((a.status, b.status, c.status), (200, 200, 200));
    let stats = sim.stats();
    assert_eq!(stats.max_connections, 3);
    assert!((1..=3).contains(&stats.max_in_flight));
}

#[tokio::test]
async fn injected_faults_do_not_touch_the_state() {
    let sim = sim_with(|c| {
        c.fault_rate = 1.0;
        c.seed = 42;
    });
    let api = Api::for_url(&sim.base_url(), Some(ADMIN));
    let client = reqwest::Client::new();
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..40 {
        let result = client
            .post(format!("{}/api/v1/organization/", sim.base_url()))
            .bearer_auth(ADMIN)
            .json(&json!({"name": format!("org{i}")}))
            .send()
            .await;
        match result {
            Ok(response) => {
                let status = response.status().as_u16();
                assert!([502, 503, 504].contains(&status), "{status}");
                assert!(response.text().await.unwrap().contains("nginx"));
                seen.insert(status.to_string());
            }
            Err(_) => {
                seen.insert("dropped".to_string());
            }
        }
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(sim.state()["organizations"].as_object().unwrap().is_empty());
    assert_eq!(sim.stats().requests, 40);
    drop(api);
}

#[tokio::test]
async fn targeted_failures_answer_500_change_nothing_and_end_with_reset() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let alice = "/api/v1/repository/exampleorg/nested/demorepo/permissions/user/alice";
    let bob = "/api/v1/repository/exampleorg/nested/demorepo/permissions/user/bob";
    sim.fail_requests("put", alice);
    let client = reqwest::Client::new();
    let fail = client
        .post(format!("{}/_sim/fail", sim.base_url()))
        .json(&json!({"method": "PUT", "path": bob}))
        .send()
        .await
        .unwrap();
    assert_eq!(fail.status(), 200);
    let bad = client
        .post(format!("{}/_sim/fail", sim.base_url()))
        .json(&json!({"path": bob}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    sim.reset_stats();
    for path in [alice, bob] {
        let answer = api.put(path, json!({"role": "read"})).await;
        answer.assert_html(500, "Internal Server Error");
    }
    // Only that method on that path: reads and other users still work.
    assert_eq!(api.get(alice).await.status, 400);
    let carol = "/api/v1/repository/exampleorg/nested/demorepo/permissions/user/carol";
    assert_eq!(api.put(carol, json!({"role": "read"})).await.status, 200);
    let permissions = &sim.state()["organizations"]["exampleorg"]["repositories"]
        ["nested/demorepo"]["user_permissions"];
    assert!(permissions.get("alice").is_none() && permissions.get("bob").is_none());
    assert_eq!(sim.stats().writes, 3);

    sim.reset();
    seed_example(&api).await;
    assert_eq!(api.put(alice, json!({"role": "read"})).await.status, 200);
}

#[tokio::test]
async fn throttling_answers_nginx_429_without_retry_after() {
    let sim = sim_with(|c| c.throttle_rate = 1.0);
    let api = Api::new(&sim, ADMIN);
    for _ in 0..5 {
        let answer = api
            .post("/api/v1/organization/", json!({"name": "exampleorg"}))
            .await;
        answer.assert_html(429, "429 Too Many Requests");
        assert_eq!(answer.retry_after, None);
    }
    assert_eq!(sim.stats().requests, 5);
    assert!(sim.state()["organizations"].as_object().unwrap().is_empty());
}

#[tokio::test]
async fn the_rate_limit_passes_the_burst_then_answers_nginx_429() {
    // Quay's stock nginx: `limit_req … burst=25 nodelay`. A rate this low drains nothing
    // while the test runs, so exactly the first request and the burst pass.
    let sim = sim_with(|c| {
        c.rate_limit = Some(quay_sim::RateLimitSpec {
            rate: 0.001,
            burst: 25,
        })
    });
    let api = Api::new(&sim, ADMIN);
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let answer = api.get("/api/v1/user/").await;
        if answer.status == 429 {
            answer.assert_html(429, "429 Too Many Requests");
            assert_eq!(answer.retry_after, None);
        }
        statuses.push(answer.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 26);
    assert!(statuses[26..].iter().all(|s| *s == 429), "{statuses:?}");
    let stats = sim.stats();
    assert_eq!((stats.requests, stats.rate_limited), (30, 4));
    // Only `/api/` is limited: the control endpoints still answer.
    assert!(sim.state()["organizations"].is_object());
}

#[tokio::test]
async fn workers_queue_requests_beyond_their_number() {
    let sim = sim_with(|c| {
        c.capacity = Some(quay_sim::Capacity {
            workers: 1,
            cost: std::time::Duration::from_millis(30),
        })
    });
    let api = Api::new(&sim, ADMIN);
    let anonymous = Api::anonymous(&sim);
    let (a, b, c) = tokio::join!(
        api.get("/api/v1/user/"),
        api.get("/api/v1/user/"),
        api.get("/api/v1/user/")
    );
    assert_eq!((a.status, b.status, c.status), (200, 200, 200));
    assert_eq!(anonymous.get("/api/v1/discovery").await.status, 200);
    let stats = sim.stats();
    // Three authenticated requests of 30 ms and one anonymous of 30/15 ms.
    assert_eq!(stats.busy_ms, 92);
    // With one worker, the last of three waits for the two before it (at least 60 ms).
    assert!(stats.queue_wait_ms.max >= 60, "{stats:?}");
    sim.reset_stats();
    assert_eq!(sim.stats().queue_wait_ms, quay_sim::QueueWait::default());
}

#[tokio::test]
async fn partial_fault_rates_are_reproducible_by_seed() {
    async fn run() -> Vec<u16> {
        let sim = sim_with(|c| {
            c.fault_rate = 0.3;
            c.throttle_rate = 0.3;
            c.seed = 7;
        });
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for _ in 0..30 {
            let status = client
                .get(format!("{}/api/v1/discovery", sim.base_url()))
                .send()
                .await
                .map_or(0, |r| r.status().as_u16());
            statuses.push(status);
        }
        statuses
    }
    let first = run().await;
    assert_eq!(first, run().await);
    assert!(first.contains(&200) && first.contains(&429));
}

#[tokio::test]
async fn control_endpoints() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    let client = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", sim.base_url());
    let tags = client
        .post(url("/_sim/tags/exampleorg/nested/demorepo"))
        .json(&json!({"count": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(tags.status(), 200);
    let state: serde_json::Value = client
        .get(url("/_sim/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state, sim.state());
    assert_eq!(state["users"], json!(["admin", "alice", "bob", "carol"]));
    let repo = &state["organizations"]["exampleorg"]["repositories"]["nested/demorepo"];
    assert_eq!(repo["tags"], 3);
    assert!(repo["id"].is_u64());
    let missing = client
        .post(url("/_sim/tags/exampleorg/nosuch"))
        .json(&json!({"count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        client
            .post(url("/_sim/reset"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(sim.state()["organizations"].as_object().unwrap().is_empty());
    assert_eq!(sim.stats().requests, 0);
    assert_eq!(
        client.get(url("/_sim/nope")).send().await.unwrap().status(),
        404
    );
}

#[tokio::test]
async fn drift_helpers_change_state_behind_the_api() {
    let sim = sim();
    let api = Api::new(&sim, ADMIN);
    seed_example(&api).await;
    sim.create_team("exampleorg", "devs", quay_sim::TeamRole::Creator)
        .unwrap();
    sim.add_team_member("exampleorg", "devs", "alice").unwrap();
    sim.set_repo_description("exampleorg", "nested/demorepo", "drifted")
        .unwrap();
    sim.set_team_permission(
        "exampleorg",
        "nested/demorepo",
        "devs",
        Some(quay_sim::RepoRole::Write),
    )
    .unwrap();
    let members = api
        .get("/api/v1/organization/exampleorg/team/devs/members")
        .await
        .json();
    assert_eq!(members["members"][0]["name"], "alice");
    assert_eq!(
        api.get("/api/v1/repository/exampleorg/nested/demorepo")
            .await
            .json()["description"],
        "drifted"
    );
    // Alice now may create repositories and write this one.
    assert_eq!(
        Api::new(&sim, ALICE)
            .put(
                "/api/v1/repository/exampleorg/nested/demorepo",
                json!({"description": "x"})
            )
            .await
            .status,
        200
    );
    sim.remove_team_member("exampleorg", "devs", "alice")
        .unwrap();
    assert!(sim.create_org("exampleorg", "admin").is_err());
    assert!(sim.create_robot("nosuchorg", "bot", "").is_err());
    let token = sim.create_robot("exampleorg", "drift", "d").unwrap();
    assert_eq!(
        sim.state()["organizations"]["exampleorg"]["robots"]["drift"]["token"],
        token
    );
    api.post(
        "/api/v1/repository/exampleorg/nested/demorepo/notification/",
        json!({"event": "repo_push", "method": "webhook", "config": {"url": "https://h.example.com/"}, "eventConfig": {}}),
    )
    .await;
    sim.delete_notification("exampleorg", "nested/demorepo", "0")
        .unwrap();
    assert!(sim
        .delete_notification("exampleorg", "nested/demorepo", "0")
        .is_err());
    let org_id = sim.with_state(|s| s.organizations["exampleorg"].id);
    assert_eq!(sim.state()["organizations"]["exampleorg"]["id"], org_id);
}

#[tokio::test]
async fn tls_serves_with_the_written_ca() {
    let sim = sim_with(|c| c.tls = true);
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    let ca = std::fs::read(sim.ca_cert_path().unwrap()).unwrap();
    let trusted = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .build()
        .unwrap();
    for host in ["127.0.0.1", "localhost"] {
        let url = sim.base_url().replace("127.0.0.1", host);
        let response = trusted
            .get(format!("{url}/api/v1/discovery"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let untrusted = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .build()
        .unwrap();
    assert!(untrusted
        .get(format!("{}/api/v1/discovery", sim.base_url()))
        .send()
        .await
        .is_err());
}

#[test]
fn the_tls_files_are_removed_with_the_emulator() {
    let sim = sim_with(|c| c.tls = true);
    let ca = sim.ca_cert_path().unwrap();
    let dir = ca.parent().unwrap().to_path_buf();
    assert!(ca.is_file());
    drop(sim);
    assert!(!dir.exists(), "{} left behind", dir.display());
}

#[tokio::test]
async fn kill_closes_the_listener_and_connections() {
    let mut sim = sim();
    let client = reqwest::Client::new();
    let url = format!("{}/api/v1/discovery", sim.base_url());
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    sim.kill();
    // The kept-alive connection is gone and nothing listens any more.
    assert!(client.get(&url).send().await.is_err());
    assert!(reqwest::Client::new().get(&url).send().await.is_err());
}

#[test]
fn works_from_a_plain_test_with_latency() {
    let sim = QuaySim::start(quay_sim::Config {
        latency: std::time::Duration::from_millis(1),
        ..quay_sim::Config::default()
    });
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        Api::new(&sim, quay_sim::DEFAULT_TOKEN)
            .bare(Method::GET, "/api/v1/user/")
            .await
            .status
    });
    assert_eq!(status, 200);
    sim.stop();
}

fn spawn_binary(args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quay-sim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

#[tokio::test]
async fn the_binary_prints_one_line_and_serves() {
    let (mut child, line) = spawn_binary(&[
        "--token",
        "t1",
        "--token",
        "limited:repo:read",
        "--user",
        "alice",
        "--quay-version",
        "3.12",
        "--seed",
        "1",
    ]);
    let url = line
        .trim_end()
        .strip_prefix("quay-sim listening on ")
        .unwrap()
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    assert!(
        url["http://127.0.0.1:".len()..].parse::<u16>().is_ok(),
        "{line}"
    );
    let api = Api::for_url(&url, Some("t1"));
    assert_eq!(
        api.post("/api/v1/organization/", json!({"name": "exampleorg"}))
            .await
            .status,
        201
    );
    Api::for_url(&url, Some("limited"))
        .post("/api/v1/organization/", json!({"name": "other"}))
        .await
        .assert_forbidden();
    assert_eq!(api.get("/api/v1/users/alice").await.status, 200);
    let doc = api.get("/api/v1/discovery").await.json();
    assert!(doc["definitions"]["CreateMirrorConfig"]["properties"]
        .get("skopeo_timeout_interval")
        .is_none());
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut tls_child, tls_line) = spawn_binary(&["--tls"]);
    let (url, ca) = tls_line
        .trim_end()
        .strip_prefix("quay-sim listening on ")
        .unwrap()
        .split_once(" ca=")
        .unwrap();
    assert!(url.starts_with("https://127.0.0.1:"));
    let pem = std::fs::read(ca).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let me = client
        .get(format!("{url}/api/v1/user/"))
        .bearer_auth(quay_sim::DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    // SIGTERM stops it cleanly: the temporary directory holding the CA goes with it.
    let ca_dir = std::path::Path::new(ca).parent().unwrap().to_path_buf();
    assert!(ca_dir.is_dir());
    let pid = libc::pid_t::try_from(tls_child.id()).unwrap();
    // SAFETY: kill(2) on the child this test spawned and has not reaped yet.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    assert!(tls_child.wait().unwrap().success());
    assert!(!ca_dir.exists(), "{} left behind", ca_dir.display());
}

#[test]
fn the_binary_refuses_bad_flags() {
    let output = Command::new(env!("CARGO_BIN_EXE_quay-sim"))
        .args(["--quay-version", "3.13"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown Quay version '3.13'"));
}

//! Limits and lifecycle: 429 after failed tokens, 413 past --max-upload, SIGTERM.

use super::{accounts, one_search, OWN};
use crate::support::Server;

#[test]
fn failed_tokens_are_rate_limited_per_address() {
    let (env, [admin, _, _]) = accounts();
    let server = Server::start(&env, &["--rate-limit", "3"]);
    let statuses: Vec<u16> = (0..5).map(|_| server.get("/api/v1/searches", Some("pct_made-up")).status).collect();
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    // Even a valid token waits while the address is blocked.
    assert_eq!(server.get("/api/v1/searches", Some(&admin)).status, 429);
}

#[test]
fn a_body_larger_than_max_upload_is_413_and_writes_nothing() {
    let (env, [admin, _, _]) = accounts();
    let server = Server::start(&env, &["--max-upload", "2000"]);
    let before = env.snapshot();
    let mut file = one_search(OWN, "BIG-1");
    file.resize(4000, b'\n');
    let reply = server.upload("/api/v1/imports", Some(&admin), &[("big.csv", &file)]);
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert_eq!(env.snapshot(), before);
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    let (env, [admin, _, _]) = accounts();
    let server = Server::start(&env, &[]);
    assert_eq!(server.get("/api/v1/audit", Some(&admin)).status, 200);
    std::process::Command::new("kill").args(["-TERM", &server.pid().to_string()]).status().unwrap();
    let log_before = server.log();
    assert!(log_before.contains("GET /api/v1/audit 200"), "{log_before}");
    assert_eq!(server.wait(), Some(0));
}

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
    let (code, log) = server.wait();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("GET /api/v1/audit 200") && log.contains("stopped"), "{log}");
}

#[test]
fn a_client_that_disconnects_mid_upload_leaves_nothing() {
    use std::io::Write as _;
    let (env, [admin, _, _]) = accounts();
    let server = Server::start(&env, &[]);
    let before = env.snapshot();
    let file = one_search(OWN, "CUT-1");
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let boundary = "cut";
    let head = format!(
        "POST /api/v1/imports HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 100000\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.csv\"\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&file).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    drop(stream);
    // The request's log line says the client went away (499), not a server fault.
    let line = wait_for_line(&server, "POST /api/v1/imports");
    assert!(line.contains("POST /api/v1/imports 499"), "{line}");
    assert_eq!(env.snapshot(), before, "a cut upload changed the database");
    assert_eq!(server.get("/api/v1/searches", Some(&admin)).status, 200, "the server still serves");
}

/// The server's first log line holding `what`, once it is written (the server logs after the request ends).
fn wait_for_line(server: &Server, what: &str) -> String {
    for _ in 0..200 {
        if let Some(line) = server.log().lines().find(|l| l.contains(what)) {
            return line.to_string();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("no log line with {what:?}: {}", server.log())
}

#[test]
fn a_chunked_body_larger_than_max_upload_is_413_and_writes_nothing() {
    use std::io::{Read as _, Write as _};
    let (env, [admin, _, _]) = accounts();
    let server = Server::start(&env, &["--max-upload", "2000"]);
    let before = env.snapshot();
    let address = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let mut body = b"--cut\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.csv\"\r\n\r\n".to_vec();
    body.extend(one_search(OWN, "BIG-1"));
    body.resize(5000, b'\n');
    body.extend(b"\r\n--cut--\r\n");
    let head = format!(
        "POST /api/v1/imports HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: multipart/form-data; boundary=cut\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    for chunk in body.chunks(1000) {
        // The server may answer and close before the last chunks: a failed write is expected then.
        let sent = stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).and_then(|()| {
            stream.write_all(chunk)?;
            stream.write_all(b"\r\n")
        });
        if sent.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(env.snapshot() == before, "an upload over the limit changed the database");
}

#[test]
fn an_as_of_before_the_database_was_created_is_400_with_the_clis_words() {
    let (env, [_, _, recruiter]) = accounts();
    let server = Server::start(&env, &[]);
    let cli = env.run(&["report", "firms", "--as-of", "1900-01-01"]).code(2);
    for path in [
        "/api/v1/searches?as_of=1900-01-01",
        "/api/v1/reports/firms?as_of=1900-01-01",
        "/api/v1/reports/searches?as_of=1900-01-01&format=json",
    ] {
        let reply = server.get(path, Some(&recruiter));
        assert_eq!(reply.status, 400, "{path}: {}", reply.text());
        let detail = reply.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains("is before the database was created"), "{detail}");
        let words = detail.trim_start_matches("as_of: ");
        assert!(cli.stderr.contains(words.split(" (").next().unwrap()), "{}\n{detail}", cli.stderr);
    }
    // An explanation at that moment is the search that did not exist then, as `explain` says: 404.
    let explain = server.get("/api/v1/searches/nordsoeg/NS-2025-041?as_of=1900-01-01", Some(&recruiter));
    assert_eq!(explain.status, 404, "{}", explain.text());
    assert!(!server.log().contains(" 500 "), "{}", server.log());
}

/// A shortlists file of `searches` searches of five candidates each: large enough that its import is still
/// running a few hundred milliseconds after the upload starts.
fn big_file(searches: usize) -> String {
    let mut file = String::from(
        "firm,search_ref,client,client_sector,position,level,opened_on,shortlist_on,candidate_ref,candidate_sector\n",
    );
    for i in 0..searches {
        for c in 0..5 {
            file.push_str(&format!(
                "{OWN},BIG-{i},Region Midtjylland,region,Direktør,top,2026-01-10,2026-02-01,c{c},private\n"
            ));
        }
    }
    file
}

#[test]
fn sigterm_mid_import_finishes_the_import_then_stops() {
    let (env, [admin, _, _]) = accounts();
    let before = env.count("SELECT count(*) FROM search");
    let searches = 20_000;
    let file = big_file(searches);
    let server = Server::start(&env, &[]);
    let status = std::thread::scope(|scope| {
        let upload =
            scope.spawn(|| server.try_upload("/api/v1/imports", Some(&admin), &[("big.csv", file.as_bytes())]));
        std::thread::sleep(std::time::Duration::from_millis(400));
        std::process::Command::new("kill").args(["-TERM", &server.pid().to_string()]).status().unwrap();
        upload.join().unwrap()
    });
    let (code, log) = server.wait();
    assert_eq!((status, code), (Some(200), Some(0)), "{log}");
    assert_eq!(env.count("SELECT count(*) FROM search"), before + searches as i64);
}

#[test]
fn a_server_killed_mid_import_leaves_all_or_nothing() {
    let (env, [admin, _, _]) = accounts();
    let before = env.count("SELECT count(*) FROM search");
    // A file large enough that the import is still running when the server is killed.
    let searches = 20_000;
    let file = big_file(searches);
    let server = Server::start(&env, &[]);
    std::thread::scope(|scope| {
        let upload =
            scope.spawn(|| server.try_upload("/api/v1/imports", Some(&admin), &[("big.csv", file.as_bytes())]));
        std::thread::sleep(std::time::Duration::from_millis(400));
        std::process::Command::new("kill").args(["-KILL", &server.pid().to_string()]).status().unwrap();
        let _ = upload.join();
    });
    let after = env.count("SELECT count(*) FROM search");
    assert!(
        after == before || after == before + searches as i64,
        "{after} searches: neither before ({before}) nor all"
    );
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn a_login_makes_a_token_and_failed_logins_are_rate_limited() {
    let (env, _) = accounts();
    env.command()
        .args(["user", "add", "lise", "--role", "recruiter", "--firm", OWN, "--password-stdin"])
        .write_stdin("correct horse battery\n")
        .assert()
        .success();
    let server = Server::start(&env, &["--rate-limit", "3"]);
    let login = |password: &str| {
        server.post_json("/api/v1/tokens", None, &serde_json::json!({"user": "lise", "password": password}))
    };
    let ok = login("correct horse battery");
    assert_eq!(ok.status, 200, "{}", ok.text());
    let token = ok.json()["token"].as_str().unwrap().to_string();
    assert_eq!(server.get("/api/v1/reports/firms", Some(&token)).status, 200);
    let statuses: Vec<u16> = (0..4).map(|_| login("wrong").status).collect();
    assert_eq!(statuses, [401, 401, 401, 429]);
    // The right password waits out the minute too.
    assert_eq!(login("correct horse battery").status, 429);
    assert!(!server.log().contains("correct horse"), "the log holds a password");
}

#[test]
fn serve_refuses_a_missing_database_and_answers_unknown_routes_in_problem_json() {
    let env = crate::support::Env::new();
    let run = env.run(&["serve", "--listen", "127.0.0.1:0"]).code(2);
    assert!(run.stderr.contains("no database at"), "{}", run.stderr);
    assert!(!env.db().exists());
    let (env, [admin, _, _]) = accounts();
    let server = Server::start(&env, &[]);
    for (reply, status) in [
        (server.get("/api/v1/nothing", Some(&admin)), 404),
        (server.get("/api/v1/reports/nothing", Some(&admin)), 404),
        (server.get("/api/v1/imports", Some(&admin)), 405),
        (server.get("/api/v1/searches?per_page=0", Some(&admin)), 400),
        (server.send("POST", "/api/v1/searches", Some(&admin), "application/json", b"{not json"), 400),
    ] {
        assert_eq!(
            (reply.status, reply.content_type.as_str()),
            (status, "application/problem+json"),
            "{}",
            reply.text()
        );
    }
}

#[test]
fn an_admin_manages_accounts_and_tokens_over_the_api() {
    let (env, [admin, auditor, recruiter]) = accounts();
    let server = Server::start(&env, &[]);
    for token in [&auditor, &recruiter] {
        assert_eq!(server.get("/api/v1/users", Some(token)).status, 403);
    }
    let new = serde_json::json!({"name": "ole", "role": "recruiter", "firm": OWN});
    let added = server.post_json("/api/v1/users", Some(&admin), &new);
    assert_eq!(added.status, 200, "{}", added.text());
    let password = added.json()["password"].as_str().unwrap().to_string();
    let bad = server.post_json("/api/v1/users", Some(&admin), &serde_json::json!({"name": "x", "role": "recruiter"}));
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert!(bad.json()["detail"].as_str().unwrap().contains("--firm"), "{}", bad.text());
    let login = server.post_json("/api/v1/tokens", None, &serde_json::json!({"user": "ole", "password": password}));
    assert_eq!(login.status, 200, "{}", login.text());
    let made =
        server.send("POST", "/api/v1/users/ole/tokens?expires=2099-01-01", Some(&admin), "application/json", b"");
    assert_eq!(made.status, 200, "{}", made.text());
    let (id, token) = (made.json()["id"].as_i64().unwrap(), made.json()["token"].as_str().unwrap().to_string());
    assert_eq!(server.get("/api/v1/searches", Some(&token)).status, 200);
    let listed = server.get("/api/v1/users/ole/tokens", Some(&admin)).json();
    assert_eq!(listed["tokens"].as_array().unwrap().len(), 2);
    assert!(!listed.to_string().contains(&token), "a token list holds a token");
    let revoked = server.send("POST", &format!("/api/v1/tokens/{id}/revoke"), Some(&admin), "application/json", b"");
    assert_eq!(revoked.status, 200);
    assert_eq!(server.get("/api/v1/searches", Some(&token)).status, 401);
    let users = server.get("/api/v1/users", Some(&admin)).json();
    assert!(users.to_string().contains("\"ole\"") && !users.to_string().contains("argon2"), "{users}");
    assert_eq!(server.send("POST", "/api/v1/users/ole/disable", Some(&admin), "application/json", b"").status, 200);
    let token2 = login.json()["token"].as_str().unwrap().to_string();
    assert_eq!(server.get("/api/v1/searches", Some(&token2)).status, 401);
}

/// Logins sent at once, `right` of them (the last ones) with the right password: the statuses.
fn login_burst(server: &Server, user: &str, password: &str, count: usize, right: usize) -> Vec<u16> {
    let barrier = std::sync::Barrier::new(count);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .map(|i| {
                let barrier = &barrier;
                let guess = if i >= count - right { password.to_string() } else { format!("wrong guess {i}") };
                scope.spawn(move || {
                    barrier.wait();
                    let body = serde_json::json!({"user": user, "password": guess});
                    server.post_json("/api/v1/tokens", None, &body).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn concurrent_logins_get_at_most_the_limits_password_checks() {
    let env = crate::support::Env::new();
    env.import(&crate::support::csv_samples());
    env.user_with_password("rr", "auditor", None, "auditorpass1234567");
    env.user_with_password("r2", "auditor", None, "secondpass12345678");
    let server = Server::start(&env, &["--rate-limit", "3"]);
    let statuses = login_burst(&server, "rr", "auditorpass1234567", 40, 0);
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= 3, "{checked} password checks for a limit of 3: {statuses:?}");
    assert!(statuses.iter().all(|s| [401, 429].contains(s)), "{statuses:?}");
    // The allowance is used up: the right password is refused until the minute is over.
    let body = serde_json::json!({"user": "rr", "password": "auditorpass1234567"});
    assert_eq!(server.post_json("/api/v1/tokens", None, &body).status, 429);
    drop(server);
    // A fresh server (fresh counters): a burst holding one right password among wrong ones checks at most 3
    // passwords in all, the right one included; the others are 429 whatever their password.
    let server = Server::start(&env, &["--rate-limit", "3"]);
    let statuses = login_burst(&server, "r2", "secondpass12345678", 30, 1);
    let checked = statuses.iter().filter(|s| [200, 401].contains(*s)).count();
    assert!(checked <= 3, "{checked} password checks for a limit of 3: {statuses:?}");
    assert!(statuses.iter().all(|s| [200, 401, 429].contains(s)), "{statuses:?}");
}

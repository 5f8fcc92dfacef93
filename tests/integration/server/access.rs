//! The access matrix: every route x every role x own/other firm x every kind of token.

use serde_json::json;

use super::{accounts, one_search, OTHER, OTHER_FIRMS_DATA, OWN};
use crate::support::{sample, Reply, Server};

/// A request of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    OpenApi,
    Report(&'static str),
    Searches,
    Explain,
    History,
    ImportDryRun,
    Import,
    Check,
    PostSearch,
    PostExemption,
    Quarterly,
    Audit,
    Policy,
    PutPolicy,
    Whatif,
    PatchSearch,
    PutCandidate,
}

const ROUTES: [Route; 20] = [
    Route::OpenApi,
    Route::Report("searches"),
    Route::Report("firms"),
    Route::Report("quarters"),
    Route::Report("outcomes"),
    Route::Searches,
    Route::Explain,
    Route::History,
    Route::ImportDryRun,
    Route::Import,
    Route::Check,
    Route::PostSearch,
    Route::PostExemption,
    Route::Quarterly,
    Route::Audit,
    Route::Policy,
    Route::PutPolicy,
    Route::Whatif,
    Route::PatchSearch,
    Route::PutCandidate,
];

/// A stored search of each firm.
fn search_of(firm: &str) -> &'static str {
    if firm == OWN {
        "NS-2025-041"
    } else {
        "KE-25-118"
    }
}

fn call(server: &Server, route: Route, firm: &str, token: Option<&str>) -> Reply {
    let file = one_search(firm, "API-1");
    match route {
        Route::OpenApi => server.get("/api/v1/openapi.json", token),
        Route::Report(which) => server.get(&format!("/api/v1/reports/{which}?format=json&firm={firm}"), token),
        Route::Searches => server.get(&format!("/api/v1/searches?firm={firm}"), token),
        Route::Explain => server.get(&format!("/api/v1/searches/{firm}/{}", search_of(firm)), token),
        Route::History => server.get(&format!("/api/v1/searches/{firm}/{}/history", search_of(firm)), token),
        Route::ImportDryRun => server.upload("/api/v1/imports?dry_run=true", token, &[("s.csv", &file)]),
        Route::Import => server.upload("/api/v1/imports", token, &[("s.csv", &file)]),
        Route::Check => server.upload("/api/v1/check", token, &[("s.csv", &file)]),
        Route::PostSearch => server.post_json(
            "/api/v1/searches",
            token,
            &json!({"firm": firm, "search_ref": "API-2", "client": "Region Syddanmark", "client_sector": "region",
                    "position": "Direktør", "level": "top", "opened_on": "2026-01-10",
                    "candidates": [{"candidate_ref": "c1", "candidate_sector": "private"}]}),
        ),
        Route::PostExemption => server.post_json(
            "/api/v1/exemptions",
            token,
            &json!({"firm": firm, "search_ref": search_of(firm), "reason": "no-qualified-candidate", "note": "api"}),
        ),
        Route::Quarterly => server.get("/api/v1/quarterly/2026-Q1", token),
        Route::Audit => server.get("/api/v1/audit", token),
        Route::Policy => server.get("/api/v1/policy", token),
        Route::PatchSearch => server.send(
            "PATCH",
            &format!("/api/v1/searches/{firm}/{}", search_of(firm)),
            token,
            "application/json",
            br#"{"position": "Director"}"#,
        ),
        Route::PutCandidate => server.send(
            "PUT",
            &format!("/api/v1/searches/{firm}/{}/candidates", search_of(firm)),
            token,
            "application/json",
            br#"{"candidate_ref": "m1", "candidate_sector": "private"}"#,
        ),
        Route::PutPolicy => {
            let text = std::fs::read(sample("pledge.toml")).unwrap();
            server.send("PUT", "/api/v1/policy?name=pledge.toml", token, "application/toml", &text)
        }
        Route::Whatif => {
            let text = std::fs::read(sample("stricter.toml")).unwrap();
            server.send("POST", &format!("/api/v1/whatif?firm={firm}"), token, "application/toml", &text)
        }
    }
}

/// What a valid token of `role` gets for a route about `firm`.
fn expected(role: &str, route: Route, firm: &str) -> u16 {
    let own = firm == OWN;
    match (role, route) {
        (_, Route::OpenApi | Route::Report(_) | Route::Searches) => 200,
        ("recruiter", Route::Explain | Route::History | Route::PatchSearch | Route::PutCandidate) => {
            if own {
                200
            } else {
                404
            }
        }
        (
            "recruiter",
            Route::ImportDryRun | Route::Import | Route::Check | Route::PostSearch | Route::PostExemption,
        ) => {
            if own {
                200
            } else {
                422
            }
        }
        (_, Route::Policy) => 200,
        ("admin", _) => 200,
        (_, Route::PutPolicy) => 403,
        ("recruiter", Route::Quarterly | Route::Audit | Route::Whatif) => 403,
        (
            "auditor",
            Route::Import | Route::PostSearch | Route::PostExemption | Route::PatchSearch | Route::PutCandidate,
        ) => 403,
        _ => 200,
    }
}

#[test]
fn every_route_role_firm_and_token_gets_the_expected_status() {
    let (env, [admin, auditor, recruiter]) = accounts();
    // Tokens that must not work: expired, revoked, of a disabled account, made up, none.
    // An expiry in the past is refused when a token is made: this one is made for later and then expired in place.
    let expired = env.token("nina", Some("2099-01-01"));
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute("UPDATE api_token SET expires_at = '2020-01-01T00:00:00.000000Z' WHERE id = (SELECT max(id) FROM api_token)", [])
        .unwrap();
    let revoked = env.token("nina", None);
    let id = env.run(&["token", "list", "--format", "json"]).ok().json()["rows"].as_array().unwrap().last().unwrap()
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    env.run(&["token", "revoke", &id]).ok();
    env.user("gone", "recruiter", Some(OWN));
    let disabled = env.token("gone", None);
    env.run(&["user", "disable", "gone"]).ok();
    let wrong = format!("pct_{}", "0".repeat(64));
    let server = Server::start(&env, &["--rate-limit", "100000"]);

    let valid = [("admin", admin.as_str()), ("auditor", auditor.as_str()), ("recruiter", recruiter.as_str())];
    let refused: [(&str, Option<&str>); 5] = [
        ("no token", None),
        ("wrong token", Some(&wrong)),
        ("expired token", Some(&expired)),
        ("revoked token", Some(&revoked)),
        ("disabled account", Some(&disabled)),
    ];
    let mut cells = 0;
    let mut wrong_answers = Vec::new();
    for route in ROUTES {
        for firm in [OWN, OTHER] {
            for (role, token) in valid {
                let reply = call(&server, route, firm, Some(token));
                let want = expected(role, route, firm);
                cells += 1;
                if reply.status != want {
                    wrong_answers.push(format!(
                        "{role} {route:?} {firm}: {} (expected {want}): {}",
                        reply.status,
                        reply.text()
                    ));
                }
                if role == "recruiter" && route != Route::OpenApi {
                    // What the request itself named may be echoed; nothing else of another firm may be.
                    let text = reply.text().replace(search_of(firm), "");
                    for marker in OTHER_FIRMS_DATA {
                        assert!(
                            !text.contains(marker),
                            "a recruiter's answer to {route:?} ({firm}) holds {marker:?}: {}",
                            reply.text()
                        );
                    }
                }
                if reply.status >= 400 {
                    assert_eq!(reply.content_type, "application/problem+json", "{role} {route:?}");
                }
            }
            for (what, token) in refused {
                let reply = call(&server, route, firm, token);
                let want = if route == Route::OpenApi { 200 } else { 401 };
                cells += 1;
                if reply.status != want {
                    wrong_answers.push(format!("{what} {route:?} {firm}: {} (expected {want})", reply.status));
                }
            }
        }
    }
    assert!(wrong_answers.is_empty(), "{} of {cells} cells wrong:\n{}", wrong_answers.len(), wrong_answers.join("\n"));
    assert_eq!(cells, ROUTES.len() * 2 * (3 + 5));
    // No token, password or candidate reference reaches the log.
    let log = server.log();
    for secret in [&admin, &auditor, &recruiter, &expired, &revoked, &disabled, &wrong] {
        assert!(!log.contains(secret.as_str()), "the log holds a token");
    }
    assert!(log.contains("account=nina") && log.contains("account=-"), "{log}");
}

#[test]
fn another_firms_search_gets_the_answer_a_missing_one_gets() {
    let (env, [_, _, recruiter]) = accounts();
    let server = Server::start(&env, &[]);
    for suffix in ["", "/history"] {
        let other = server.get(&format!("/api/v1/searches/{OTHER}/KE-25-118{suffix}"), Some(&recruiter));
        let missing = server.get(&format!("/api/v1/searches/no-such-firm/KE-25-118{suffix}"), Some(&recruiter));
        assert_eq!((other.status, missing.status), (404, 404));
        assert_eq!(other.text().replace(OTHER, "X"), missing.text().replace("no-such-firm", "X"));
    }
    // Reports and lists asked for another firm are empty, as for a firm that does not exist.
    for path in ["/api/v1/reports/searches?firm=", "/api/v1/reports/firms?format=json&firm=", "/api/v1/searches?firm="]
    {
        let other = server.get(&format!("{path}{OTHER}"), Some(&recruiter));
        let missing = server.get(&format!("{path}no-such-firm"), Some(&recruiter));
        assert_eq!((other.status, other.body), (missing.status, missing.body), "{path}");
    }
    // Unfiltered, a recruiter's reports, lists and checks hold only their firm.
    for path in [
        "/api/v1/reports/searches",
        "/api/v1/reports/firms",
        "/api/v1/reports/quarters?format=json",
        "/api/v1/reports/outcomes",
        "/api/v1/searches?per_page=1000",
        "/api/v1/searches?verdict=non-compliant",
    ] {
        let text = server.get(path, Some(&recruiter)).text();
        assert!(text.contains(OWN), "{path}: {text}");
        for marker in OTHER_FIRMS_DATA.iter().chain(&[OTHER, "vestlys", "jysk-lederhus"]) {
            assert!(!text.contains(marker), "{path} holds {marker:?}: {text}");
        }
    }
    let firms = server.get("/api/v1/reports/firms?format=json", Some(&recruiter)).json();
    let ids: Vec<&str> = firms["rows"].as_array().unwrap().iter().map(|r| r["firm"].as_str().unwrap()).collect();
    assert_eq!(ids, [OWN]);
}

#[test]
fn the_openapi_document_describes_every_route() {
    let (env, _) = accounts();
    let server = Server::start(&env, &[]);
    let doc = server.get("/api/v1/openapi.json", None).json();
    let paths: Vec<&str> = doc["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    for path in [
        "/api/v1/reports/{which}",
        "/api/v1/searches",
        "/api/v1/searches/{firm}/{search_ref}",
        "/api/v1/searches/{firm}/{search_ref}/history",
        "/api/v1/exemptions",
        "/api/v1/imports",
        "/api/v1/check",
        "/api/v1/quarterly/{quarter}",
        "/api/v1/audit",
        "/api/v1/policy",
        "/api/v1/whatif",
        "/api/v1/tokens",
    ] {
        assert!(paths.contains(&path), "{path} is not in the OpenAPI document: {paths:?}");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

#[test]
fn every_api_answer_says_no_store() {
    let (env, [admin, _, recruiter]) = accounts();
    let server = Server::start(&env, &["--max-upload", "2000"]);
    let mut replies = vec![
        server.get("/api/v1/searches", Some(&recruiter)),
        server.get("/api/v1/reports/firms", Some(&admin)),
        server.get("/api/v1/searches/nordsoeg/NO-SUCH", Some(&recruiter)),
        server.get("/api/v1/searches", None),
        server.get("/api/v1/no-such-route", Some(&admin)),
        server.get("/api/v1/openapi.json", None),
        server.post_json("/api/v1/tokens", None, &serde_json::json!({"user": "ada", "password": "wrong"})),
        server.send("PATCH", "/api/v1/searches/nordsoeg/NO-SUCH", Some(&admin), "application/json", b"{}"),
    ];
    replies.push(server.upload("/api/v1/imports", Some(&admin), &[("big.csv", &[b'\n'; 4000])]));
    for reply in &replies {
        assert_eq!(reply.header("cache-control"), Some("no-store"), "{} {}", reply.status, reply.text());
    }
    assert!(replies.iter().any(|r| r.status == 413) && replies.iter().any(|r| r.status == 200));
}

#[test]
fn token_expiries_in_the_past_or_beyond_a_year_are_refused() {
    let (env, [admin, _, _]) = accounts();
    env.user_with_password("kim", "recruiter", Some(OWN), "kimspassword123456");
    let server = Server::start(&env, &[]);
    let login = |expires: &str| {
        let body = json!({"user": "kim", "password": "kimspassword123456", "expires": expires});
        server.post_json("/api/v1/tokens", None, &body)
    };
    let before = env.count("SELECT count(*) FROM api_token");
    for (expires, words) in [("2020-01-01", "in the past"), ("9999-12-31", "more than 366 days")] {
        let reply = login(expires);
        assert_eq!(reply.status, 400, "{expires}: {}", reply.text());
        assert!(reply.json()["detail"].as_str().unwrap().contains(words), "{}", reply.text());
    }
    let admins = server.send("POST", "/api/v1/users/kim/tokens?expires=2020-01-01", Some(&admin), "", b"");
    assert_eq!(admins.status, 400, "{}", admins.text());
    assert_eq!(env.count("SELECT count(*) FROM api_token"), before, "a refused expiry made a token");
    // Within the year: made.
    let soon = (chrono::Utc::now() + chrono::Duration::days(90)).format("%Y-%m-%d").to_string();
    assert_eq!(login(&soon).status, 200);
    // The CLI refuses a past expiry as bad usage; without --expires an admin's token never expires (documented).
    let cli = env.run(&["token", "add", "--user", "kim", "--expires", "2020-01-01"]).code(2);
    assert!(cli.stderr.contains("in the past"), "{}", cli.stderr);
}

//! Uploads: errors (422, nothing written), dry runs, the pre-send check, concurrent uploads, the import log.

use super::{accounts, one_search, OWN};
use crate::support::Server;

#[test]
fn an_upload_with_errors_is_422_with_the_clis_errors_and_writes_nothing() {
    let (env, [admin, _, recruiter]) = accounts();
    let server = Server::start(&env, &[]);
    let bad = b"firm,search_ref,client,client_sector,position,level,opened_on\n\
                nordsoeg,NS-X,Aarhus Kommune,stats,Direktor,top,2026-01-10\n";
    env.write("bad.csv", bad);
    let cli = env.run(&["import", "bad.csv"]).code(2);
    let before = env.snapshot();
    for token in [&admin, &recruiter] {
        for query in ["", "?dry_run=true"] {
            let reply = server.upload(&format!("/api/v1/imports{query}"), Some(token), &[("bad.csv", bad)]);
            assert_eq!(reply.status, 422, "{}", reply.text());
            assert_eq!(reply.content_type, "application/problem+json");
            let problem = reply.json();
            assert_eq!(problem["detail"], "1 problem in the input; nothing was written");
            let error = &problem["errors"]["shown"][0];
            assert_eq!((error["file"].as_str(), error["line"].as_u64()), (Some("bad.csv"), Some(2)));
            assert_eq!(error["column"], "client_sector");
            // The CLI's own words for the same file.
            assert!(cli.stderr.contains(error["text"].as_str().unwrap()), "{}\n{}", cli.stderr, error["text"]);
        }
    }
    // A recruiter's file with firm rows is refused.
    let firms = b"firm,name,pledged_on\nnordsoeg,Nordsoeg,2020-01-01\n";
    let reply = server.upload("/api/v1/imports", Some(&recruiter), &[("firms.csv", firms)]);
    assert_eq!(reply.status, 422, "{}", reply.text());
    assert!(reply.text().contains("admin"), "{}", reply.text());
    assert_eq!(env.snapshot(), before, "a refused upload changed the database");
}

#[test]
fn a_dry_run_and_the_pre_send_check_store_nothing() {
    let (env, [_, _, recruiter]) = accounts();
    let server = Server::start(&env, &[]);
    let before = env.snapshot();
    let file = one_search(OWN, "NEW-1");
    let dry = server.upload("/api/v1/imports?dry_run=true", Some(&recruiter), &[("s.csv", &file)]);
    assert_eq!(dry.status, 200, "{}", dry.text());
    assert_eq!(dry.json()["judged"][0]["verdict"], "compliant");
    let check = server.upload("/api/v1/check", Some(&recruiter), &[("s.csv", &file)]);
    assert_eq!(check.status, 200, "{}", check.text());
    let search = &check.json()["searches"][0];
    assert_eq!(
        (search["verdict"].as_str(), search["search"]["search_ref"].as_str()),
        (Some("compliant"), Some("NEW-1"))
    );
    assert!(search["candidates"].as_array().is_some_and(|c| c.len() == 1), "{search}");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn concurrent_uploads_all_land_and_name_the_account() {
    let (env, [admin, _, recruiter]) = accounts();
    let server = Server::start(&env, &[]);
    std::thread::scope(|scope| {
        for i in 0..6 {
            let (server, token) = (&server, if i % 2 == 0 { &admin } else { &recruiter });
            scope.spawn(move || {
                let file = one_search(OWN, &format!("CONC-{i}"));
                let reply = server.upload("/api/v1/imports", Some(token), &[(&format!("c{i}.csv"), &file)]);
                assert_eq!(reply.status, 200, "{}", reply.text());
                // Readers are served while imports run.
                assert_eq!(server.get("/api/v1/reports/firms", Some(token)).status, 200);
            });
        }
    });
    for i in 0..6 {
        let reply = server.get(&format!("/api/v1/searches/{OWN}/CONC-{i}/history"), Some(&recruiter));
        assert_eq!(reply.status, 200, "{}", reply.text());
        let change = &reply.json()["changes"][0];
        assert_eq!(change["actor"], if i % 2 == 0 { "ada" } else { "nina" });
        assert_eq!(change["command"], "api POST /api/v1/imports");
        assert!(change["files"][0].as_str().unwrap().starts_with(&format!("c{i}.csv (sha256 ")), "{change}");
    }
    env.run(&["audit", "verify"]).ok();
}

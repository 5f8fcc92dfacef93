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

#[test]
fn a_search_changes_by_hand_candidate_by_candidate() {
    let (env, [_, auditor, recruiter]) = accounts();
    let server = Server::start(&env, &[]);
    let failing = server.get(&format!("/api/v1/searches?firm={OWN}&verdict=non-compliant"), Some(&recruiter)).json();
    let search_ref = failing["rows"][0]["search_ref"].as_str().unwrap().to_string();
    let path = format!("/api/v1/searches/{OWN}/{search_ref}");
    let verdict = || server.get(&path, Some(&recruiter)).json()["verdict"].as_str().unwrap().to_string();
    let candidate = serde_json::json!({"candidate_ref": "by-hand-7", "candidate_sector": "privat"});
    let put = server.send(
        "PUT",
        &format!("{path}/candidates"),
        Some(&recruiter),
        "application/json",
        candidate.to_string().as_bytes(),
    );
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(verdict(), "compliant");
    let bad = serde_json::json!({"candidate_ref": "by-hand-8", "candidate_sector": "stats"});
    let refused = server.send(
        "PUT",
        &format!("{path}/candidates"),
        Some(&recruiter),
        "application/json",
        bad.to_string().as_bytes(),
    );
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("candidate_sector"), "{}", refused.text());
    let remove = serde_json::json!({"candidate_ref": "by-hand-7"}).to_string();
    let removed = server.send(
        "POST",
        &format!("{path}/candidates/remove"),
        Some(&recruiter),
        "application/json",
        remove.as_bytes(),
    );
    assert_eq!(removed.status, 200, "{}", removed.text());
    assert_eq!(verdict(), "non-compliant");
    let again = server.send(
        "POST",
        &format!("{path}/candidates/remove"),
        Some(&recruiter),
        "application/json",
        remove.as_bytes(),
    );
    assert_eq!(again.status, 404);
    let patch = server.send("PATCH", &path, Some(&recruiter), "application/json", br#"{"shortlist_on": null}"#);
    assert_eq!(patch.status, 200, "{}", patch.text());
    assert_eq!(verdict(), "pending");
    // Another firm's search is not there; an auditor writes nothing; no candidate reference reaches the log.
    let other = server.send(
        "PATCH",
        "/api/v1/searches/kbh-executive/KE-25-118",
        Some(&recruiter),
        "application/json",
        br#"{"shortlist_on": null}"#,
    );
    assert_eq!(other.status, 404);
    let audit = server.send("PATCH", &path, Some(&auditor), "application/json", br#"{"shortlist_on": null}"#);
    assert_eq!(audit.status, 403);
    assert!(!server.log().contains("by-hand-7"));
    let history = server.get(&format!("{path}/history"), Some(&recruiter)).json();
    assert!(history.to_string().contains("by-hand-7") && history.to_string().contains("\"actor\":\"nina\""));
}

#[test]
fn exemptions_and_searches_are_removed_within_the_callers_firms() {
    let (env, [admin, auditor, recruiter]) = accounts();
    let server = Server::start(&env, &[]);
    let delete = |path: &str, token: &str| server.send("DELETE", path, Some(token), "application/json", b"");
    // A recruiter cannot reach another firm's exemption, nor an auditor any.
    let other = "/api/v1/searches/kbh-executive/KE-26-007/exemption";
    assert_eq!(delete(other, &recruiter).status, 404);
    assert_eq!(
        delete("/api/v1/searches/no-such-firm/KE-26-007/exemption", &recruiter).text().replace("no-such-firm", "X"),
        delete(other, &recruiter).text().replace("kbh-executive", "X")
    );
    assert_eq!(delete(other, &auditor).status, 403);
    assert_eq!(delete(other, &admin).status, 200);
    assert_eq!(delete(other, &admin).status, 404, "the exemption is gone");
    // A recruiter's own exemption, recorded and removed.
    let own = format!("/api/v1/searches/{OWN}/NS-2025-041");
    let exemption =
        serde_json::json!({"firm": OWN, "search_ref": "NS-2025-041", "reason": "no-qualified-candidate", "note": ""});
    assert_eq!(server.post_json("/api/v1/exemptions", Some(&recruiter), &exemption).status, 200);
    assert_eq!(delete(&format!("{own}/exemption"), &recruiter).status, 200);
    // A search removed is gone from reads, and kept in its history.
    assert_eq!(delete("/api/v1/searches/kbh-executive/KE-25-118", &recruiter).status, 404);
    assert_eq!(delete(&own, &recruiter).status, 200);
    assert_eq!(server.get(&own, Some(&recruiter)).status, 404);
    let history = server.get(&format!("{own}/history"), Some(&recruiter)).json();
    assert!(history["changes"].as_array().unwrap().iter().any(|c| c["change"] == "removed" && c["actor"] == "nina"));
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn merge_adds_candidates_and_a_dry_run_lists_what_would_change() {
    let (_env, [_, _, recruiter]) = accounts();
    let server = Server::start(&_env, &[]);
    let first = server.upload("/api/v1/imports", Some(&recruiter), &[("s.csv", &one_search(OWN, "MERGE-1"))]);
    assert_eq!(first.status, 200, "{}", first.text());
    // A file with one other candidate of the same search: as a whole it would remove c1; merged, it adds c2.
    let other = String::from_utf8(one_search(OWN, "MERGE-1")).unwrap().replace(",c1,private", ",c2,state");
    let dry = server.upload("/api/v1/imports?dry_run=true", Some(&recruiter), &[("s.csv", other.as_bytes())]);
    assert_eq!(dry.status, 200, "{}", dry.text());
    let diff = dry.json()["diff"].to_string();
    assert!(diff.contains("c1") && diff.contains("c2"), "the dry run names the candidate removed and added: {diff}");
    let merged = server.upload("/api/v1/imports?merge=true", Some(&recruiter), &[("s.csv", other.as_bytes())]);
    assert_eq!(merged.status, 200, "{}", merged.text());
    let summary = merged.json()["summary"].as_str().unwrap_or_default().to_string();
    assert!(summary.contains("1 candidate added, 0 removed"), "{summary}");
    let bad = server.upload("/api/v1/imports?merge=perhaps", Some(&recruiter), &[("s.csv", other.as_bytes())]);
    assert_eq!(bad.status, 400, "{}", bad.text());
}

#[test]
fn a_signed_chain_takes_uploads_only_from_a_server_with_its_key() {
    let (env, [_, _, recruiter]) = accounts();
    env.run(&["key", "new", "--output", "keys"]).ok();
    let mut args: Vec<std::ffi::OsString> = vec!["--key".into(), "keys/pledgecheck.key".into(), "import".into()];
    args.push(env.dir().join("signed.csv").into());
    std::fs::write(env.dir().join("signed.csv"), one_search(OWN, "SIGNED-0")).unwrap();
    env.run(&args).ok();
    // Without the key the server refuses to write an unsigned entry into a signed chain.
    let unsigned = Server::start(&env, &[]);
    let refused = unsigned.upload("/api/v1/imports", Some(&recruiter), &[("s.csv", &one_search(OWN, "SIGNED-1"))]);
    assert_ne!(refused.status, 200, "{}", refused.text());
    drop(unsigned);
    let keyed = Server::start(&env, &["--key", "keys/pledgecheck.key"]);
    let signed = keyed.upload("/api/v1/imports", Some(&recruiter), &[("s.csv", &one_search(OWN, "SIGNED-1"))]);
    assert_eq!(signed.status, 200, "{}", signed.text());
    env.run(&["audit", "verify", "--public-key", "keys/pledgecheck.pub"]).ok();
}

#[test]
fn registry_entries_are_refused_from_a_recruiters_uploads_and_from_import_firm() {
    let (env, [admin, _, recruiter]) = accounts();
    env.user_with_password("kim", "recruiter", Some(OWN), "kimspassword123456");
    let server = Server::start(&env, &[]);
    let clients = b"id,name,sector,kind,code,aliases\nstat-energistyrelsen,Energistyrelsen,,municipality,,\n";
    let mut browser = crate::support::Browser::new(&server);
    browser.sign_in("kim", "kimspassword123456");
    let token = browser.token("/upload");
    let before = env.snapshot();
    for query in ["", "?dry_run=true"] {
        let reply = server.upload(&format!("/api/v1/imports{query}"), Some(&recruiter), &[("cl.csv", clients)]);
        assert_eq!(reply.status, 422, "{}", reply.text());
        let error = &reply.json()["errors"]["shown"][0];
        assert_eq!((error["file"].as_str(), error["line"].as_u64()), (Some("cl.csv"), Some(2)), "{error}");
        assert!(error["text"].as_str().unwrap().contains("admin"), "{error}");
    }
    // The web upload takes the same path.
    let page = browser.post_files("/upload", &[("csrf", &token)], "files", &[("cl.csv", clients)]);
    assert_eq!(page.status, 422, "{}", page.text());
    assert!(page.text().contains("cl.csv"), "{}", page.text());
    // The CLI's one-firm import refuses them too, naming the file and line.
    env.write("cl.csv", clients);
    let cli = env.run(&["import", "--firm", OWN, "cl.csv"]).code(2);
    assert!(cli.stderr.contains("cl.csv") && cli.stderr.contains("--firm"), "{}", cli.stderr);
    assert!(env.snapshot() == before, "a refused clients file changed the database");
    // An admin's upload still writes the registry.
    let reply = server.upload("/api/v1/imports", Some(&admin), &[("cl.csv", clients)]);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(env.snapshot() != before);
}

#[test]
fn a_patch_naming_firm_search_ref_or_candidates_is_refused_and_changes_nothing() {
    let (env, [_, _, recruiter]) = accounts();
    let server = Server::start(&env, &[]);
    let path = format!("/api/v1/searches/{OWN}/NS-2025-041");
    let before = env.snapshot();
    for (body, field) in [
        (r#"{"firm": "kbh-executive", "shortlist_on": null}"#, "firm"),
        (r#"{"search_ref": "NS-OTHER"}"#, "search_ref"),
        (r#"{"candidates": []}"#, "candidates"),
    ] {
        let reply = server.send("PATCH", &path, Some(&recruiter), "application/json", body.as_bytes());
        assert_eq!(reply.status, 422, "{body}: {}", reply.text());
        let detail = reply.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.starts_with(&format!("{field}:")), "{detail}");
    }
    assert!(env.snapshot() == before, "a refused PATCH changed the database");
}

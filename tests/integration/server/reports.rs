//! The API's reports are the CLI's bytes; the quarterly pack as a zip holds the CLI's files.

use super::accounts;
use crate::support::Server;

#[test]
fn reports_are_the_same_bytes_from_the_api_and_the_cli() {
    let (env, [admin, auditor, _]) = accounts();
    let server = Server::start(&env, &[]);
    let as_of = env.run(&["history", "--format", "json"]).ok().json()["changes"][0]["at"].as_str().unwrap().to_string();
    for which in ["searches", "firms", "quarters", "outcomes", "clients"] {
        for (format, excel) in [("csv", false), ("json", false), ("csv", true)] {
            for (quarter, firm) in [
                (None, None),
                (Some("2026-Q1"), None),
                (None, Some("nordsoeg")),
                (Some("2025-Q4"), Some("kbh-executive")),
            ] {
                for at in [None, Some(as_of.as_str())] {
                    let mut cli = vec!["report", which, "--format", format];
                    let mut query = format!("format={format}");
                    if excel {
                        cli.push("--excel");
                        query.push_str("&excel=true");
                    }
                    if let Some(q) = quarter {
                        cli.extend(["--quarter", q]);
                        query.push_str(&format!("&quarter={q}"));
                    }
                    if let Some(f) = firm {
                        cli.extend(["--firm", f]);
                        query.push_str(&format!("&firm={f}"));
                    }
                    if let Some(t) = at {
                        cli.extend(["--as-of", t]);
                        query.push_str(&format!("&as_of={t}"));
                    }
                    let expected = env.run(&cli).ok().bytes;
                    for token in [&admin, &auditor] {
                        let reply = server.get(&format!("/api/v1/reports/{which}?{query}"), Some(token));
                        assert_eq!(reply.status, 200, "{query}: {}", reply.text());
                        assert!(reply.body == expected, "{which}?{query}: the API's bytes differ from the CLI's");
                    }
                }
            }
        }
    }
    let bad = server.get("/api/v1/reports/firms?quarter=2026-Q5", Some(&admin));
    assert_eq!(bad.status, 400);
    assert!(bad.json()["detail"].as_str().unwrap().starts_with("quarter: "), "{}", bad.text());
}

#[test]
fn the_quarterly_zip_holds_the_clis_pack() {
    let (env, [_, auditor, _]) = accounts();
    let server = Server::start(&env, &[]);
    env.run(&["quarterly", "2026-Q1", "--output", "pack"]).ok();
    let reply = server.get("/api/v1/quarterly/2026-Q1", Some(&auditor));
    assert_eq!((reply.status, reply.content_type.as_str()), (200, "application/zip"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(reply.body)).unwrap();
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).unwrap();
        let on_disk = std::fs::read(env.path("pack").join(file.name())).unwrap();
        assert!(bytes == on_disk, "{} differs", file.name());
        names.push(file.name().to_string());
    }
    assert_eq!(names.len(), std::fs::read_dir(env.path("pack")).unwrap().count());
}

#[test]
fn pages_of_searches_are_the_report_cut_into_pages() {
    let (env, [admin, _, recruiter]) = accounts();
    let server = Server::start(&env, &[]);
    let as_of = env.run(&["history", "--format", "json"]).ok().json()["changes"][0]["at"].as_str().unwrap().to_string();
    for (token, own) in [(&admin, None), (&recruiter, Some(super::OWN))] {
        for filters in ["", "&firm=nordsoeg", "&firm=kbh-executive", "&quarter=2026-Q1", "&verdict=compliant"] {
            for at in ["", "&as_of="] {
                let at = if at.is_empty() { String::new() } else { format!("{at}{as_of}") };
                let mut rows = Vec::new();
                let mut total = None;
                for page in 1.. {
                    let reply =
                        server.get(&format!("/api/v1/searches?per_page=4&page={page}{filters}{at}"), Some(token));
                    assert_eq!(reply.status, 200, "{}", reply.text());
                    let body = reply.json();
                    total = Some(body["total"].as_u64().unwrap() as usize);
                    let got = body["rows"].as_array().unwrap().clone();
                    if got.is_empty() {
                        break;
                    }
                    rows.extend(got);
                }
                let mut cli = vec!["report".to_string(), "searches".into(), "--format".into(), "json".into()];
                if !at.is_empty() {
                    cli.extend(["--as-of".into(), as_of.clone()]);
                }
                let expected: Vec<serde_json::Value> = env.run(&cli).ok().json()["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| own.is_none_or(|f| r["firm"] == f))
                    .filter(|r| match filters.split_once('=') {
                        Some(("&firm", f)) => r["firm"] == f,
                        Some(("&quarter", q)) => r["quarter"] == q,
                        Some(("&verdict", v)) => r["verdict"] == v,
                        _ => true,
                    })
                    .cloned()
                    .collect();
                assert_eq!(total, Some(expected.len()), "{filters}{at}");
                assert_eq!(rows, expected, "{filters}{at}");
            }
        }
    }
}

#[test]
fn whatif_is_the_clis_and_a_bad_policy_is_422() {
    let (env, [admin, auditor, _]) = accounts();
    let server = Server::start(&env, &[]);
    let text = std::fs::read(crate::support::sample("stricter.toml")).unwrap();
    env.write("stricter.toml", &text);
    for firm in ["", "&firm=nordsoeg"] {
        let mut cli = vec!["whatif", "--policy", "stricter.toml", "--format", "json"];
        if !firm.is_empty() {
            cli.extend(["--firm", "nordsoeg"]);
        }
        let expected = env.run(&cli).ok().bytes;
        let reply = server.send(
            "POST",
            &format!("/api/v1/whatif?name=stricter.toml{firm}"),
            Some(&auditor),
            "application/toml",
            &text,
        );
        assert_eq!(reply.status, 200, "{}", reply.text());
        assert!(reply.body == expected, "whatif{firm}: {}", reply.text());
    }
    let before = env.snapshot();
    let bad =
        server.send("PUT", "/api/v1/policy?name=bad.toml", Some(&admin), "application/toml", b"[[version]]\nid = 3\n");
    assert_eq!(bad.status, 422, "{}", bad.text());
    assert!(bad.json()["detail"].as_str().unwrap().starts_with("invalid policy bad.toml"), "{}", bad.text());
    assert_eq!(env.snapshot(), before);
    let put = server.send("PUT", "/api/v1/policy?name=stricter.toml", Some(&admin), "application/toml", &text);
    assert_eq!(put.status, 200, "{}", put.text());
    let now = server.get("/api/v1/policy", Some(&auditor)).json();
    assert_eq!(now["name"], "stricter.toml");
    let actor: String =
        env.sql().query_row("SELECT actor FROM import_log ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(actor, "ada");
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn client_filters_give_the_clis_bytes() {
    let (env, [admin, _, _]) = accounts();
    let server = Server::start(&env, &[]);
    for which in ["searches", "firms", "quarters", "clients"] {
        for (flag, value, query) in [
            ("--client", "region-1084", "client=region-1084"),
            ("--client", "Region H", "client=Region%20H"),
            ("--client-sector", "regioner", "client_sector=regioner"),
        ] {
            let expected = env.run(&["report", which, "--format", "csv", flag, value]).ok().bytes;
            let reply = server.get(&format!("/api/v1/reports/{which}?format=csv&{query}"), Some(&admin));
            assert_eq!(reply.status, 200, "{which} {query}: {}", reply.text());
            assert!(reply.body == expected, "{which} {query}: the API's bytes differ from the CLI's");
        }
    }
    let bad = server.get("/api/v1/reports/firms?client_sector=space", Some(&admin));
    assert_eq!(bad.status, 400, "{}", bad.text());
}

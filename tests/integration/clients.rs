//! The registry of public employers at import: a known client's sector derived when the file leaves it empty, a
//! contradiction refused with file, line, column and both sectors (or kept with `--trust-file-sectors` and
//! listed), an unknown client kept with the file's sector and listed, and the registry named in the import log.

use crate::support::{column, default_firms, error_line, row, shortlists, Env};

/// Writes firm `f` and these shortlist rows as `firms.csv` and `s.csv`, and returns their paths.
fn files(env: &Env, rows: &[crate::support::Row]) -> [String; 2] {
    [env.write("firms.csv", default_firms()), env.write("s.csv", shortlists(rows))]
}

#[test]
fn a_client_sector_that_contradicts_the_registry_is_refused_with_both_sectors() {
    let env = Env::new();
    env.load(&default_firms(), &[row().set("search_ref", "s0")], &[]);
    let before = env.snapshot();
    let rows =
        [row(), row().set("search_ref", "s2").set("client", "Region Midtjylland").set("client_sector", "kommune")];
    let [firms, s] = files(&env, &rows);
    let run = env.run(&["import", &firms, &s]).code(2);
    let line = error_line(&run.stderr, &s, 3, Some("client_sector"));
    assert!(line.contains(&format!("column {}", column("client_sector"))), "{line}");
    assert!(line.contains("client_sector municipality contradicts the registry"), "{line}");
    assert!(line.contains("\"Region Midtjylland\" is region-1082, sector region"), "{line}");
    assert!(line.contains("--trust-file-sectors"), "{line}");
    assert_eq!(env.snapshot(), before, "nothing was written");
}

#[test]
fn trust_file_sectors_keeps_the_files_sector_and_lists_the_search() {
    let env = Env::new();
    let rows = [row().set("client", "Region Midtjylland").set("client_sector", "kommune").candidate("c1", "region")];
    let [firms, s] = files(&env, &rows);
    let run = env.run(&["import", &firms, &s, "--trust-file-sectors"]).ok();
    assert!(
        run.stdout.contains("1 search kept with a client sector that contradicts the registry (--trust-file-sectors):"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("line 2: f/s1 client \"Region Midtjylland\" (region-1082, sector region) kept as municipality"),
        "{}",
        run.stdout
    );
    let search = env.search("f", "s1");
    assert_eq!(search["client_sector"], "municipality");
    assert_eq!(search["verdict"], "compliant", "a region candidate counts for a municipality client, as the file says");
    let explained = env.explain("f", "s1");
    assert_eq!(explained["search"]["client_id"], "region-1082");
    assert_eq!(explained["search"]["client_sector_from"], "file-trusted");
    let words = env.run(&["explain", "f", "s1"]).ok().stdout;
    assert!(
        words.contains("kept against the registry (--trust-file-sectors): Region Midtjylland is region-1082"),
        "{words}"
    );
}

#[test]
fn a_known_client_with_an_empty_sector_gets_the_registrys_as_derived() {
    let env = Env::new();
    let rows = [row().set("client", "Kbh. Kommune").set("client_sector", "").candidate("c1", "region")];
    let [firms, s] = files(&env, &rows);
    let run = env.run(&["import", &firms, &s]).ok();
    assert!(
        run.stdout.contains("1 client sector taken from the registry (client_sector left empty)"),
        "{}",
        run.stdout
    );
    let search = env.search("f", "s1");
    assert_eq!(search["client"], "Kbh. Kommune", "the file's text is stored unchanged");
    assert_eq!(search["client_sector"], "municipality");
    assert_eq!(search["verdict"], "compliant");
    let explained = env.explain("f", "s1");
    assert_eq!(explained["search"]["client_id"], "kommune-101");
    assert_eq!(explained["search"]["client_kind"], "municipality");
    assert_eq!(explained["search"]["client_sector_from"], "registry");
    let words = env.run(&["explain", "f", "s1"]).ok().stdout;
    assert!(
        words.contains(
            "client sector municipality derived from the registry: Kbh. Kommune is kommune-101 (municipality)"
        ),
        "{words}"
    );
    // The same file again changes nothing.
    let again = env.run(&["import", &firms, &s]).ok();
    assert!(again.stdout.contains("0 searches changed (1 read;"), "{}", again.stdout);
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn an_agreeing_client_is_stored_with_its_registry_id_and_explain_says_nothing_more() {
    let env = Env::new();
    env.judge(&[row().set("client", "ÅRHUS  kommune")]);
    let explained = env.explain("f", "s1");
    assert_eq!(explained["search"]["client"], "ÅRHUS  kommune");
    assert_eq!(explained["search"]["client_id"], "kommune-751");
    assert_eq!(explained["search"]["client_sector_from"], "file");
    let words = env.run(&["explain", "f", "s1"]).ok().stdout;
    assert!(!words.contains("registry"), "{words}");
}

#[test]
fn an_unknown_client_keeps_the_files_sector_and_is_listed() {
    let env = Env::new();
    let rows = [
        row().set("client", "Grundfos Holding A/S").set("client_sector", "privat"),
        row().set("search_ref", "s2").set("client", "Grundfos Holding A/S").set("client_sector", "privat"),
        row().set("search_ref", "s3").set("client", "Danmarks Domstole").set("client_sector", "stat"),
    ];
    let [firms, s] = files(&env, &rows);
    let run = env.run(&["import", &firms, &s]).ok();
    assert!(run.stdout.contains("2 unknown clients (not in the registry builtin-2026-12-02+"), "{}", run.stdout);
    assert!(
        run.stdout.contains("\n  Danmarks Domstole (1 search)\n  Grundfos Holding A/S (2 searches)\n"),
        "{}",
        run.stdout
    );
    assert_eq!(env.search("f", "s3")["client_sector"], "state");
    assert_eq!(env.explain("f", "s3")["search"]["client_id"], serde_json::Value::Null);
    // Rows without a registry id hash as rows did before 0003_clients.sql; the chain holds either way.
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn an_unknown_client_without_a_sector_is_refused() {
    let env = Env::new();
    let rows = [row().set("client", "Grundfos Holding A/S").set("client_sector", "")];
    let [firms, s] = files(&env, &rows);
    let run = env.run(&["import", &firms, &s]).code(2);
    let line = error_line(&run.stderr, &s, 2, Some("client_sector"));
    assert!(line.contains("client \"Grundfos Holding A/S\" is not in the registry"), "{line}");
}

#[test]
fn json_files_are_checked_alike_with_the_path_in_errors() {
    let env = Env::new();
    let json = r#"{"firms": [{"firm": "f", "pledged_on": "2021-06-01"}], "searches": [
        {"firm": "f", "search_ref": "j1", "client": "Region Hovedstaden", "client_sector": "stat", "position": "P",
         "level": "top", "opened_on": "2026-01-10"}]}"#;
    let file = env.write("a.json", json);
    let run = env.run(&["import", &file]).code(2);
    assert!(
        run.stderr.contains("a.json: searches[0].client_sector: client_sector state contradicts the registry"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_import_log_names_the_registry_it_used() {
    let env = Env::new();
    let [firms, s] = files(&env, &[row()]);
    env.run(&["import", &firms, &s]).ok();
    let conn = env.sql();
    let (name, sha256): (String, String) = conn
        .query_row(
            "SELECT name, sha256 FROM import_file WHERE kind = 'registry' ORDER BY import_id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(name.starts_with("registry builtin-2026-12-02+"), "{name}");
    assert_eq!(sha256.len(), 64);
    let stored: String = conn
        .query_row("SELECT client_id FROM search_version WHERE client = 'Aarhus Kommune'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, "kommune-751");
    env.run(&["audit", "verify"]).ok();
}

#[test]
fn client_list_shows_the_builtin_registry_without_a_database() {
    let env = Env::new();
    let list = env.run(&["client", "list", "--format", "csv"]).ok();
    let csv = crate::support::Csv::parse(&list.stdout);
    assert_eq!(csv.header, ["id", "name", "sector", "kind", "code", "aliases", "source"]);
    assert_eq!(csv.rows.len(), 215);
    let kbh = csv.row(&["kommune-101"]);
    assert_eq!(csv.get(kbh, "name"), "Københavns Kommune");
    assert_eq!(csv.get(kbh, "code"), "101");
    assert_eq!(csv.get(kbh, "source"), "builtin");
    assert!(!env.db().exists(), "listing the built-in registry creates no database");
}

#[test]
fn clients_added_by_hand_are_versioned_used_by_imports_and_in_the_chain() {
    let env = Env::new();
    let add = [
        "client",
        "add",
        "stat-folketingets-administration",
        "--name",
        "Folketingets Administration",
        "--kind",
        "other-state",
        "--aliases",
        "FTA",
    ];
    let run = env.run(&add).ok();
    assert!(run.stdout.starts_with("client stat-folketingets-administration stored"), "{}", run.stdout);
    env.run(&add).code(2);
    // An import now knows the client: its sector is derived.
    let rows = [row().set("client", "FTA").set("client_sector", "").candidate("c1", "private")];
    let [firms, s] = files(&env, &rows);
    env.run(&["import", &firms, &s]).ok();
    assert_eq!(env.search("f", "s1")["client_sector"], "state");
    assert_eq!(env.explain("f", "s1")["search"]["client_id"], "stat-folketingets-administration");
    // A built-in entry changed by hand; the old row is closed, not overwritten.
    env.run(&["client", "update", "kommune-101", "--aliases", "Kbh. Kommune|KK"]).ok();
    env.run(&["client", "update", "kommune-101", "--aliases", "KK"]).ok();
    assert_eq!(env.count("SELECT count(*) FROM client_version WHERE client_id = 'kommune-101'"), 2);
    assert_eq!(env.count("SELECT count(*) FROM client_version WHERE valid_to < '9999'"), 1);
    let list = crate::support::Csv::parse(&env.run(&["client", "list", "--format", "csv"]).ok().stdout);
    assert_eq!(list.get(list.row(&["kommune-101"]), "aliases"), "KK");
    assert_eq!(list.get(list.row(&["kommune-101"]), "source"), "user");
    // A name that another entry has is refused.
    let clash = env.run(&["client", "add", "own-x", "--name", "Region H", "--kind", "region"]).code(2);
    assert!(clash.stderr.contains("would also match region-1084"), "{}", clash.stderr);
    env.run(&["audit", "verify"]).ok();
    // Tampering with a user's entry is caught.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute("UPDATE client_version SET name = 'X' WHERE client_id = 'stat-folketingets-administration'", [])
        .unwrap();
    drop(conn);
    env.run(&["audit", "verify"]).code(1);
}

#[test]
fn a_clients_file_loads_an_agencys_own_list_before_the_searches_of_the_same_call() {
    let env = Env::new();
    let clients = env.write(
        "clients.csv",
        "id;name;kind;aliases\nown-kl;KL;other-state;Kommunernes Landsforening\nown-dr;Danske Regioner;other-state;\n",
    );
    let rows = [row().set("client", "Kommunernes Landsforening").set("client_sector", "").candidate("c1", "private")];
    let [firms, s] = files(&env, &rows);
    let run = env.run(&["import", &clients, &firms, &s]).ok();
    assert!(run.stdout.contains(", 2 clients changed (2 read)"), "{}", run.stdout);
    assert_eq!(env.search("f", "s1")["client_sector"], "state");
    assert_eq!(env.count("SELECT count(*) FROM import_file WHERE kind = 'clients'"), 1);
    let again = env.run(&["import", &clients]).ok();
    assert!(again.stdout.contains(", 0 clients changed (2 read)"), "{}", again.stdout);
    // A bad row names its line and column.
    let bad = env.write("bad.csv", "id,name,kind\nown-x,X,company\n");
    let run = env.run(&["import", &bad]).code(2);
    crate::support::error_line(&run.stderr, &bad, 2, Some("kind"));
}

/// The `report clients` CSV of the samples, and `report searches` as JSON.
fn samples_reports(env: &Env, args: &[&str]) -> (crate::support::Csv, Vec<serde_json::Value>) {
    let mut clients = vec!["clients"];
    clients.extend_from_slice(args);
    let mut searches = vec!["searches"];
    searches.extend_from_slice(args);
    (env.report_csv(&clients), env.report_json(&searches))
}

#[test]
fn report_clients_agrees_with_report_searches_summed_by_client() {
    let env = Env::with_samples();
    env.import_samples();
    for args in
        [&[][..], &["--quarter", "2026-Q1"][..], &["--firm", "nordsoeg"][..], &["--client-sector", "region"][..]]
    {
        let (clients, searches) = samples_reports(&env, args);
        // Sum report searches by client: the registry id (from explain) for a known client, else the text.
        let mut summed: std::collections::BTreeMap<String, [u64; 7]> = Default::default();
        for s in &searches {
            let (firm, search_ref) = (s["firm"].as_str().unwrap(), s["search_ref"].as_str().unwrap());
            let explained = env.explain(firm, search_ref);
            let key = match explained["search"]["client_id"].as_str() {
                Some(id) => id.to_string(),
                None => s["client"].as_str().unwrap().to_string(),
            };
            let verdicts = ["compliant", "non-compliant", "exempt", "incomplete", "pending", "not-applicable"];
            let at = verdicts.iter().position(|v| s["verdict"] == *v).unwrap();
            let counts = summed.entry(key).or_default();
            counts[0] += 1;
            counts[1 + at] += 1;
        }
        let columns = ["searches", "compliant", "non_compliant", "exempt", "incomplete", "pending", "not_applicable"];
        let mut reported: std::collections::BTreeMap<String, [u64; 7]> = Default::default();
        for row in &clients.rows {
            let key = match clients.get(row, "client_id") {
                "" => clients.get(row, "client").to_string(),
                id => id.to_string(),
            };
            let counts: Vec<u64> = columns.iter().map(|c| clients.get(row, c).parse().unwrap()).collect();
            if counts[0] > 0 {
                reported.insert(key, counts.try_into().unwrap());
            }
        }
        assert_eq!(reported, summed, "report clients {args:?} against report searches {args:?}");
        assert!(!reported.is_empty());
    }
    // The registry entries without searches are listed with zeros; unknown clients by their text.
    let (clients, _) = samples_reports(&env, &[]);
    assert!(clients.rows.len() > 215);
    let grundfos = clients.row(&["", "Grundfos Holding A/S"]);
    assert_eq!(clients.get(grundfos, "client_sector"), "private");
    let aarhus = clients.row(&["kommune-751"]);
    assert_eq!(clients.get(aarhus, "client"), "Aarhus Kommune");
    assert_eq!(clients.get(aarhus, "client_kind"), "municipality");
}

#[test]
fn client_filters_choose_the_searches_of_every_report() {
    let env = Env::with_samples();
    env.import_samples();
    let all = env.searches();
    let by_name = env.report_json(&["searches", "--client", "region h"]);
    let by_id = env.report_json(&["searches", "--client", "region-1084"]);
    assert_eq!(by_name, by_id);
    let expected: Vec<_> = all.iter().filter(|s| s["client"] == "Region Hovedstaden").cloned().collect();
    assert!(!expected.is_empty());
    assert_eq!(by_name, expected);
    let unknown = env.report_json(&["searches", "--client", "grundfos holding a/s"]);
    assert!(unknown.iter().all(|s| s["client"] == "Grundfos Holding A/S") && !unknown.is_empty());
    let regions = env.report_json(&["searches", "--client-sector", "regioner"]);
    assert_eq!(regions, all.iter().filter(|s| s["client_sector"] == "region").cloned().collect::<Vec<_>>());
    // firms and quarters count only those searches.
    let firms = env.report_json(&["firms", "--client-sector", "region"]);
    let counted: u64 = firms.iter().map(|f| f["searches"].as_u64().unwrap()).sum();
    assert_eq!(counted, regions.len() as u64);
    let quarters = env.report_json(&["quarters", "--client", "region-1084"]);
    let counted: u64 = quarters.iter().map(|q| q["searches"].as_u64().unwrap()).sum();
    assert_eq!(counted, expected.len() as u64);
    let outcomes = env.report_json(&["outcomes", "--client-sector", "state"]);
    assert!(outcomes.iter().all(|o| o["client_sector"] == "state"));
    env.run(&["report", "html", "--client-sector", "state"]).code(2);
}

#[test]
fn the_html_report_compares_the_sectors_and_names_the_employers_with_the_most_failing_searches() {
    let env = Env::with_samples();
    env.import_samples();
    env.run(&["report", "html", "--output", "r.html"]).ok();
    let html = std::fs::read_to_string(env.path("r.html")).unwrap();
    let section = &html[html.find("<section id=\"employers\">").expect("an employers section")..];
    let section = &section[..section.find("</section>").unwrap()];
    for sector in ["state", "region", "municipality"] {
        assert!(section.contains(&format!(">{sector}</td>")), "{sector} in {section}");
    }
    // Region Midtjylland has two non-compliant searches in the samples, more than any other employer.
    let list = &section[section.find("most failing").unwrap()..];
    assert!(list.find("Region Midtjylland").unwrap() < list.find("Københavns Kommune").unwrap(), "{list}");
}

#[test]
fn a_policy_can_scope_by_client_kind() {
    let env = Env::with_samples();
    env.import_samples();
    let policy = crate::support::sample("ministries.toml");
    let policy = policy.to_str().unwrap();
    env.run(&["policy", "test", policy]).ok();
    let rows = env.report_json(&["searches", "--policy", policy, "--client-sector", "state"]);
    let agency = rows.iter().find(|r| r["search_ref"] == "NS-2026-003").unwrap();
    assert_eq!(agency["client"], "Energistyrelsen");
    assert_eq!(agency["verdict"], "not-applicable");
    assert_eq!(agency["rule"], "scope.client-kind");
    assert!(agency["reason"].as_str().unwrap().contains("stat-energistyrelsen is of kind agency"), "{agency}");
    let ministry = rows.iter().find(|r| r["search_ref"] == "KE-26-052").unwrap();
    assert_eq!(ministry["client"], "Udlændinge- og Integrationsministeriet");
    assert_eq!(ministry["verdict"], "pending", "in scope: a ministry");
    // The default policy names no kinds: explanations read as before.
    let words = env.run(&["explain", "nordsoeg", "NS-2026-003"]).ok().stdout;
    assert!(!words.contains("scope.client-kind"), "{words}");
    // An empty list of kinds is refused.
    let text = std::fs::read_to_string(crate::support::sample("ministries.toml")).unwrap();
    let empty = env.write("empty.toml", text.replace("client_kinds = [\"ministry\"]", "client_kinds = []"));
    let run = env.run(&["policy", "check", &empty]).code(2);
    assert!(run.stderr.contains("scope.client_kinds is empty"), "{}", run.stderr);
}

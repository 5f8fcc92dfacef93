//! Exports as they come: Danish header names and words, Excel date-times, and a made-up ATS export read through
//! an import profile (`samples/ats-profile.toml`, `samples/ats-export.csv`).

use crate::support::{sample, Env};

const DANISH: &str = "firma;sags_id;kunde;kundesektor;stilling;niveau;oprettet;kortliste_sendt;annulleret;kandidat;\
                      kandidatsektor;erfaring;fase;tilføjet\n\
                      f;S-1;Aarhus Kommune;kommune;Direktør;topchef;2026-01-05 00:00:00;01-03-2026 00:00;;k1;kommune;;\
                      kortliste;2026-01-20 00:00:00\n\
                      f;S-1;Aarhus Kommune;kommune;Direktør;topchef;2026-01-05 00:00:00;01-03-2026 00:00;;p1;privat;;\
                      samtale;\n";

#[test]
fn danish_headers_stage_words_and_excel_date_times_are_read() {
    let env = Env::new();
    let firms = env.write("firmaer.csv", "firma;firmanavn;tilsluttet\nf;Firma F;15-09-2021\n");
    let file = env.write("sager.csv", DANISH);
    env.import(&[&firms, &file]);
    let search = env.search("f", "S-1");
    assert_eq!(search["verdict"], "compliant");
    assert_eq!(
        (search["opened_on"].as_str(), search["shortlist_on"].as_str()),
        (Some("2026-01-05"), Some("2026-03-01"))
    );
    let explain = env.explain("f", "S-1");
    assert_eq!(explain["candidates"][1]["stage"], "interview");
    assert_eq!(env.report_csv(&["firms"]).rows[0][1], "Firma F");
    let exemptions =
        env.write("undtagelser.csv", "firma;sags_id;begrundelse;bemærkning\nf;S-1;no-qualified-candidate;\n");
    env.import(&[&exemptions]);
}

#[test]
fn extra_columns_are_refused_with_a_suggestion_and_the_way_out() {
    let env = Env::new();
    let firms = env.write("f.csv", "firm,pledged_on\nf,2021-01-01\n");
    let file = env.write("s.csv", "firma,sags_id,kunde,kunde_sektor,stilling,niveau,oprettet,konsulent\n");
    let run = env.run(&["import", &firms, &file]).code(2);
    assert!(
        run.stderr.contains("unknown column \"kunde_sektor\" in a shortlists file (did you mean kundesektor"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("unknown column \"konsulent\""), "{}", run.stderr);
    assert!(run.stderr.contains("an import profile (--profile FILE) can map or drop"), "{}", run.stderr);
}

#[test]
fn an_ats_export_goes_in_through_its_profile_and_its_names_are_never_stored() {
    let env = Env::new();
    let (firms, export, profile) = (sample("firms.csv"), sample("ats-export.csv"), sample("ats-profile.toml"));
    let refused = env.run(&[&"import".into(), &firms, &export]).code(2);
    assert!(refused.stderr.contains("column \"Kandidatnavn\" looks like personal data"), "{}", refused.stderr);
    assert!(!env.db().exists() || env.searches().is_empty());
    let run = env.run(&[&"import".into(), &"--profile".into(), &profile, &firms, &export]).ok();
    assert!(run.stdout.contains("2 searches changed (2 read; 5 candidates added"), "{}", run.stdout);
    assert_eq!(env.search("nordsoeg", "NS-2026-070")["verdict"], "compliant");
    assert_eq!(env.search("nordsoeg", "NS-2026-071")["verdict"], "pending");
    let stages: Vec<String> = env.explain("nordsoeg", "NS-2026-070")["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}:{}:{}",
                c["candidate_ref"].as_str().unwrap(),
                c["sector"].as_str().unwrap(),
                c["stage"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(stages, ["R-1041:municipality:shortlist", "R-1042:private:interview", "R-1043:region:longlist"]);
    let mut bytes = std::fs::read(env.db()).unwrap();
    bytes.extend(std::fs::read(env.path("pledge.db-wal")).unwrap_or_default());
    for name in ["Testesen", "Eksempel", "Lise", "stærk profil"] {
        assert!(!bytes.windows(name.len()).any(|w| w == name.as_bytes()), "{name} was stored");
    }
}

#[test]
fn profile_check_accepts_the_sample_and_names_every_problem() {
    let env = Env::new();
    let ok = env.run(&[&"profile".into(), &"check".into(), &sample("ats-profile.toml")]).ok();
    assert!(ok.stdout.contains("a valid profile: 9 columns mapped, 4 columns dropped"), "{}", ok.stdout);
    let bad = env.write("bad.toml", "[columns]\n\"Sag\" = \"serch_ref\"\n[values.stage]\n\"Klar\" = \"ready\"\n");
    let run = env.run(&["profile", "check", &bad]).code(2);
    assert!(
        run.stderr
            .contains("bad.toml: columns.\"Sag\": unknown pledgecheck column \"serch_ref\" (did you mean search_ref?)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("bad.toml: values.stage.\"Klar\": unknown stage \"ready\""), "{}", run.stderr);
    env.run(&["import", "--profile", &bad, "x.csv"]).code(2);
}

/// A new recruiter's messy Excel export: BOM, `;`, CRLF, Danish headers written with spaces and capitals, Excel
/// date-times, Danish words, two extra columns, a row of bare separators, and a pending shortlist that would fail.
const MESSY: &str = "\u{feff}Firma;Sags ID;Kunde;Kundesektor;Stilling;Niveau;Oprettet;Kortliste sendt;Kandidat;\
                     Kandidatsektor;Erfaring;Fase;Konsulent;Noter\r\n\
                     nordsoeg;NS-2026-101;Vejle Kommune;Kommune;Kommunaldirektør;Topchef;03-11-2026 00:00;;K-17;\
                     Kommune;Kommune: 6;Kortliste;Lise;god kandidat\r\n\
                     nordsoeg;NS-2026-101;Vejle Kommune;Kommune;Kommunaldirektør;Topchef;03-11-2026 00:00;;K-18;\
                     Kommune;kommune:1;Samtale;Lise;\r\n;;;;;;;;;;;;;\r\n";

#[test]
fn a_recruiter_s_messy_export_is_checked_before_it_goes_out() {
    let env = Env::new();
    let firms = sample("firms.csv").display().to_string();
    let export = env.write("eksport.csv", MESSY);
    let refused = env.run(&["check", "--dry-run", &firms, &export]).code(2);
    assert!(
        refused
            .stderr
            .contains("a file holding the line ignore = [\"Konsulent\", \"Noter\"], passed as --profile FILE"),
        "{}",
        refused.stderr
    );
    let profile = env.write("profil.toml", "ignore = [\"Konsulent\", \"Noter\"]\n");
    let gate = [
        "check",
        "--dry-run",
        "--profile",
        &profile,
        &firms,
        &export,
        "--send-on",
        "2026-12-02",
        "--fail-on",
        "non-compliant,incomplete",
    ];
    let run = env.run(&gate).code(1);
    assert!(run.stdout.contains("nordsoeg NS-2026-101, if sent 2026-12-02: non-compliant"), "{}", run.stdout);
    assert!(!env.db().exists());
}

//! Personal data in values and headers is refused with file, line, column and advice, the value shown only as a
//! short excerpt; ordinary references pass.

use crate::support::{default_firms, error_line, exemptions, row, shortlists, Env};

fn refused(env: &Env, rows: &[crate::support::Row]) -> String {
    let f = env.write("f.csv", default_firms());
    let s = env.write("s.csv", shortlists(rows));
    let run = env.run(&["import", &f, &s]).code(2);
    assert!(!run.stderr.contains("Hansen") && !run.stderr.contains("larsen@") && !run.stderr.contains("-1234"));
    run.stderr
}

#[test]
fn a_name_in_a_reference_is_refused() {
    let env = Env::new();
    let err = refused(&env, &[row().candidate("Jens Hansen", "privat")]);
    let line = error_line(&err, "s.csv", 2, Some("candidate_ref"));
    assert!(line.contains("candidate_ref \"Jens…\" looks like a person's name; use a pseudonymous reference"), "{err}");
}

#[test]
fn an_email_address_is_refused_in_any_value() {
    let env = Env::new();
    let err = refused(&env, &[row().candidate("mette.larsen@gmail.com", "privat")]);
    assert!(err.contains("candidate_ref \"mett…\" holds an e-mail address"), "{err}");
    let f = env.write("f.csv", default_firms());
    let s = env.write("s.csv", shortlists(&[row()]));
    let e = env.write("e.csv", exemptions(&[["f", "s1", "no-qualified-candidate", "spoke to jens@example.dk"]]));
    let run = env.run(&["import", &f, &s, &e]).code(2);
    assert!(
        run.stderr.contains("e.csv: line 2, column 4 (note): note \"spok…\" holds an e-mail address"),
        "{}",
        run.stderr
    );
    assert!(!env.db().exists() || env.searches().is_empty(), "nothing was written");
}

#[test]
fn a_cpr_number_is_refused_with_or_without_its_dash() {
    let env = Env::new();
    let err = refused(
        &env,
        &[row().candidate("010190-1234", "privat"), row().candidate("c2", "privat").set("search_ref", "0101901234")],
    );
    assert!(err.contains("candidate_ref \"0101…\" holds a CPR number"), "{err}");
    assert!(err.contains("search_ref \"0101…\" holds a CPR number"), "{err}");
}

#[test]
fn a_phone_number_is_refused_in_free_text() {
    let env = Env::new();
    let err = refused(
        &env,
        &[
            row().set("position", "Direktør (ring +45 20 30 40 50)"),
            row().set("search_ref", "s2").set("client", "Aarhus Kommune 20 30 40 50"),
        ],
    );
    assert!(err.contains("position \"Dire…\" holds a phone number"), "{err}");
    assert!(err.contains("client \"Aarh…\" holds a phone number"), "{err}");
}

#[test]
fn search_references_and_system_ids_stay_accepted() {
    let env = Env::new();
    let rows = [
        row().set("search_ref", "NS-2026-0123").candidate("12345678", "privat"),
        row().set("search_ref", "87654321").candidate("R-1041", "privat"),
    ];
    env.load(&default_firms(), &rows, &[]);
    assert_eq!(env.search("f", "NS-2026-0123")["verdict"], "compliant");
    assert_eq!(env.search("f", "87654321")["verdict"], "compliant");
}

#[test]
fn danish_personal_data_headers_are_refused_like_english_ones() {
    let env = Env::new();
    let f = env.write("f.csv", default_firms());
    for header in ["navn", "fornavn", "efternavn", "e-mail", "cpr", "fødselsdato", "telefon", "adresse"] {
        let s = env.write("s.csv", format!("firm,search_ref,client,client_sector,position,level,opened_on,{header}\n"));
        let run = env.run(&["import", &f, &s]).code(2);
        assert!(
            run.stderr.contains(&format!("column \"{header}\" looks like personal data")),
            "{header}: {}",
            run.stderr
        );
    }
}

#[test]
fn by_hand_the_same_is_refused() {
    let env = Env::new();
    env.load(&default_firms(), &[row()], &[]);
    let run = env.run(&["candidate", "add", "f", "s1", "Mette Larsen", "--sector", "privat"]).code(2);
    assert!(run.stderr.contains("looks like a person's name") && !run.stderr.contains("Larsen"), "{}", run.stderr);
}

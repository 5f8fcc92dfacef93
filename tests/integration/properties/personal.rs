//! Properties of the personal-data detection and of import profiles: no input makes them panic; every generated
//! e-mail address, CPR number, phone number and name is found wherever it stands; generated references and system
//! ids pass; a generated profile reads back what it maps.

use chrono::{Datelike, Duration, NaiveDate};
use pledgecheck::import::Profile;
use pledgecheck::model::{personal_data, PersonalData};
use proptest::prelude::*;

/// Text around a finding: words that hold no personal data.
fn filler() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "kontakt ", "note: ", "se ", "(", "ring efter kl. 16 "]).prop_map(str::to_string)
}

fn birth_date() -> impl Strategy<Value = NaiveDate> {
    let first = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap();
    (0i64..30_000).prop_map(move |d| first + Duration::days(d))
}

proptest! {
    #[test]
    fn detection_never_panics(text in any::<String>(), reference in any::<bool>()) {
        let _ = personal_data(&text, reference);
    }

    #[test]
    fn every_email_address_is_found(
        local in "[a-z]{1,10}(\\.[a-z]{1,8})?", domain in "[a-z]{2,10}", tld in "(dk|com|org|net)",
        before in filler(), after in filler(),
    ) {
        let text = format!("{before}{local}@{domain}.{tld} {after}");
        prop_assert_eq!(personal_data(&text, false), Some(PersonalData::Email));
    }

    #[test]
    fn every_cpr_number_is_found(date in birth_date(), serial in 0u32..10_000, dashed in any::<bool>(), before in filler()) {
        let ddmmyy = format!("{:02}{:02}{:02}", date.day(), date.month(), date.year() % 100);
        let cpr = if dashed { format!("{ddmmyy}-{serial:04}") } else { format!("{ddmmyy}{serial:04}") };
        prop_assert_eq!(personal_data(&format!("{before}{cpr}"), true), Some(PersonalData::Cpr));
    }

    #[test]
    fn every_phone_number_is_found(digits in prop::array::uniform8(0u8..10), plus in any::<bool>(), before in filler()) {
        let d: Vec<String> = digits.iter().map(|d| d.to_string()).collect();
        let number = if plus {
            format!("+45 {}", d.concat())
        } else {
            format!("{}{} {}{} {}{} {}{}", d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7])
        };
        prop_assert_eq!(personal_data(&format!("{before}{number}"), false), Some(PersonalData::Phone));
    }

    #[test]
    fn every_name_in_a_reference_is_found(first in "[A-ZÆØÅ][a-zæøå]{1,9}", last in "[A-ZÆØÅ][a-zæøå]{1,12}") {
        prop_assert_eq!(personal_data(&format!("{first} {last}"), true), Some(PersonalData::Name));
        prop_assert_eq!(personal_data(&format!("{first} {last}"), false), None);
    }

    #[test]
    fn references_and_system_ids_pass(
        prefix in "[A-Z]{1,3}", year in 1990u32..2100, number in 0u32..10_000, id in 10_000_000u32..100_000_000,
        candidate in "[a-z]{0,2}[0-9]{1,4}",
    ) {
        for reference in [format!("{prefix}-{year}-{number:04}"), id.to_string(), candidate] {
            prop_assert_eq!(personal_data(&reference, true), None, "{}", reference);
        }
    }

    #[test]
    fn profiles_never_panic_on_any_text(text in any::<String>()) {
        let _ = Profile::read(&text);
    }

    #[test]
    fn a_generated_profile_reads_back_what_it_maps(
        names in prop::collection::btree_set("[A-Za-zæøå][A-Za-zæøå -]{0,14}", 1..6),
        stage_words in prop::collection::btree_map("[A-Za-zæøå]{1,12}", prop::sample::select(vec!["longlist", "kortliste", "samtale", "hired"]), 0..5),
    ) {
        let columns = ["firm", "search_ref", "client", "position", "stage", "added_on"];
        let names: Vec<String> = names.into_iter().map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).collect();
        let mut lowered: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        lowered.sort();
        lowered.dedup();
        prop_assume!(lowered.len() == names.len());
        let mut text = String::from("[columns]\n");
        for (name, column) in names.iter().zip(columns) {
            text.push_str(&format!("{name:?} = {column:?}\n"));
        }
        text.push_str("[values.stage]\n");
        for (word, stage) in &stage_words {
            text.push_str(&format!("{word:?} = {stage:?}\n"));
        }
        let mut stage_keys: Vec<String> = stage_words.keys().map(|k| k.to_lowercase()).collect();
        stage_keys.sort();
        stage_keys.dedup();
        prop_assume!(stage_keys.len() == stage_words.len());
        let profile = Profile::read(&text).map_err(|e| TestCaseError::fail(e.join("; ")))?;
        for (name, column) in names.iter().zip(columns) {
            prop_assert_eq!(profile.column(&name.to_lowercase()), Some(column));
        }
        let words = profile.words("stage").unwrap_or(&[]);
        prop_assert_eq!(words.len(), stage_words.len());
    }
}

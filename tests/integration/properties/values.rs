//! Properties of the value parsers and of reading input files: no input makes them panic, dates stay in range
//! and round-trip, words match in any case, and experience lists round-trip through their string form.
//!
//! The tests whose inputs are either accepted or refused count both outcomes ([`Branches`]) and fail if a run
//! saw only one; their generators mix arbitrary input with input near or at the valid, so that the parsers are
//! exercised past their first check.

use chrono::{Duration, NaiveDate};
use pledgecheck::import::{stream, Encoding, Input, InputErrors, Place, SearchRecord, Sink, Sources};
use pledgecheck::model::{parse_date, Experience, Level, Sector, Stage};
use pledgecheck::model::{Exemption, Firm};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::Value;

use crate::support::{csv_samples, Branches, SHORTLIST_COLUMNS};

/// proptest's defaults (`PROPTEST_CASES` and the rest), with failing cases kept beside this file in
/// values.proptest-regressions (by default proptest would keep them under tests/proptest-regressions/, since the
/// test binary's root is a main.rs).
fn config() -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..Config::default()
    }
}

fn first_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()
}

fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2100, 12, 31).unwrap()
}

/// Any date the contract accepts.
fn valid_date() -> impl Strategy<Value = NaiveDate> {
    let days = (last_day() - first_day()).num_days();
    (0..=days).prop_map(|d| first_day() + Duration::days(d))
}

/// Text shaped like a date, often not a valid one: numbers of any width, any separator, either order; half the
/// time each number is near a valid date's (years around 1990-2100, months 1-12, days 1-31).
fn date_like() -> impl Strategy<Value = String> {
    let year = prop_oneof![0u32..100_000, 1985u32..2106];
    let month = prop_oneof![0u32..120, 1u32..=12];
    let day = prop_oneof![0u32..120, 1u32..=31];
    (year, month, day, prop::sample::select(vec!['-', '.', '/', ' ']), any::<bool>(), any::<bool>()).prop_map(
        |(year, month, day, sep, iso, pad)| {
            let (m, d) =
                if pad { (format!("{month:02}"), format!("{day:02}")) } else { (month.to_string(), day.to_string()) };
            if iso {
                format!("{year}{sep}{m}{sep}{d}")
            } else {
                format!("{d}{sep}{m}{sep}{year}")
            }
        },
    )
}

/// A word with each character in upper or lower case, with surrounding spaces.
fn any_case(words: Vec<&'static str>) -> impl Strategy<Value = (&'static str, String)> {
    (prop::sample::select(words), prop::collection::vec(any::<bool>(), 32), "[ \t]{0,2}", "[ \t]{0,2}").prop_map(
        |(word, upper, before, after)| {
            let cased: String = word
                .chars()
                .zip(upper.iter().cycle())
                .map(|(c, up)| if *up { c.to_uppercase().collect::<String>() } else { c.to_string() })
                .collect();
            (word, format!("{before}{cased}{after}"))
        },
    )
}

fn sector() -> impl Strategy<Value = Sector> {
    prop::sample::select(Sector::ALL.to_vec())
}

/// Words of the contract for each sector, English and Danish.
fn sector_words() -> Vec<(&'static str, Sector)> {
    vec![
        ("state", Sector::State),
        ("stat", Sector::State),
        ("statslig", Sector::State),
        ("region", Sector::Region),
        ("regioner", Sector::Region),
        ("regional", Sector::Region),
        ("municipality", Sector::Municipality),
        ("kommune", Sector::Municipality),
        ("kommunal", Sector::Municipality),
        ("private", Sector::Private),
        ("privat", Sector::Private),
        ("civil-society", Sector::CivilSociety),
        ("civilsamfund", Sector::CivilSociety),
        ("forening", Sector::CivilSociety),
        ("fond", Sector::CivilSociety),
        ("unknown", Sector::Unknown),
    ]
}

/// Any text, and now and then a word the parsers know (in any case, with spaces around).
fn text_or_word() -> impl Strategy<Value = String> {
    let words = vec![
        "state",
        "kommune",
        "unknown",
        "top",
        "direktør",
        "manager",
        "hired",
        "longlist",
        "2026-03-31",
        "31.03.2026",
        "1/3/2026",
        "private:4;state:2",
        "region:3",
    ];
    prop_oneof![3 => "\\PC*", 1 => any_case(words).prop_map(|(_, text)| text)]
}

/// Arbitrary bytes; now and then a CSV sample cut after a whole line, with arbitrary bytes after it or not.
fn arbitrary_or_cut_samples() -> impl Strategy<Value = Vec<u8>> {
    let samples: Vec<Vec<u8>> = csv_samples().iter().map(|p| std::fs::read(p).expect("a sample")).collect();
    let tail = prop::option::of(prop::collection::vec(any::<u8>(), 0..100));
    let cut = (prop::sample::select(samples), any::<prop::sample::Index>(), tail).prop_map(|(sample, at, tail)| {
        let ends: Vec<usize> = sample.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i + 1).collect();
        let mut bytes = sample[..*at.get(&ends)].to_vec();
        bytes.extend(tail.unwrap_or_default());
        bytes
    });
    prop_oneof![3 => prop::collection::vec(any::<u8>(), 0..400), 1 => cut]
}

static VALUE_PARSERS: Branches = Branches::new();
static LIST_LIKE_EXPERIENCE: Branches = Branches::new();
static DATE_LIKE_TEXT: Branches = Branches::new();
static ARBITRARY_BYTES: Branches = Branches::new();
static CSV_LIKE_TEXT: Branches = Branches::new();
static JSON_LIKE_TEXT: Branches = Branches::new();

#[test]
fn value_parsers_never_panic() {
    value_parsers_never_panic_cases();
    VALUE_PARSERS.assert_both("value parsers (clean: some parser accepted the text)");
}

#[test]
fn experience_parser_never_panics_on_list_like_text() {
    experience_parser_never_panics_on_list_like_text_cases();
    LIST_LIKE_EXPERIENCE.assert_both("list-like experience");
}

#[test]
fn dates_that_parse_lie_between_1990_and_2100() {
    dates_that_parse_lie_between_1990_and_2100_cases();
    DATE_LIKE_TEXT.assert_both("date-like text");
}

#[test]
fn reading_arbitrary_bytes_never_panics() {
    reading_arbitrary_bytes_never_panics_cases();
    ARBITRARY_BYTES.assert_both("arbitrary bytes (clean: read as some name and encoding)");
}

#[test]
fn reading_csv_like_text_never_panics() {
    reading_csv_like_text_never_panics_cases();
    CSV_LIKE_TEXT.assert_both("CSV-like text (clean: read as some name)");
}

#[test]
fn reading_json_like_text_never_panics() {
    reading_json_like_text_never_panics_cases();
    JSON_LIKE_TEXT.assert_both("JSON-like text (clean: read as some name)");
}

// The cases of the tests above: each runs its cases and counts them; the test then checks the counts.
proptest! {
    #![proptest_config(config())]

    fn value_parsers_never_panic_cases(text in text_or_word()) {
        let accepted = [
            parse_date(&text).is_ok(),
            Sector::parse(&text).is_ok(),
            Level::parse(&text).is_ok(),
            Stage::parse(&text).is_ok(),
            Experience::parse(&text).is_ok(),
        ];
        VALUE_PARSERS.record(accepted.contains(&true));
    }

    fn experience_parser_never_panics_on_list_like_text_cases(
        text in "([a-zæøå-]{0,14}[ ]?:[ ]?[0-9+-]{0,12}[;, \t]{0,2}){0,5}",
    ) {
        LIST_LIKE_EXPERIENCE.record(Experience::parse(&text).is_ok());
    }

    fn dates_that_parse_lie_between_1990_and_2100_cases(text in date_like()) {
        let parsed = parse_date(&text);
        if let Ok(date) = parsed {
            prop_assert!(date >= first_day() && date <= last_day(), "{text:?} read as {date}");
        }
        DATE_LIKE_TEXT.record(parsed.is_ok());
    }

    fn reading_arbitrary_bytes_never_panics_cases(bytes in arbitrary_or_cut_samples()) {
        let mut clean = false;
        for name in ["x.csv", "x.json"] {
            for encoding in [Encoding::Utf8, Encoding::Windows1252] {
                clean |= read(&[Input { name: name.into(), bytes: bytes.clone() }], encoding).is_ok();
            }
        }
        ARBITRARY_BYTES.record(clean);
    }

    fn reading_csv_like_text_never_panics_cases(text in prop_oneof![3 => csv_like(), 1 => csv_under_a_real_header()]) {
        let mut clean = false;
        for name in ["x.csv", "x.json"] {
            clean |= read(&[Input { name: name.into(), bytes: text.clone().into_bytes() }], Encoding::Utf8).is_ok();
        }
        CSV_LIKE_TEXT.record(clean);
    }

    fn reading_json_like_text_never_panics_cases(text in prop_oneof![json_like_file(), json_lists_file()]) {
        let mut clean = false;
        for name in ["x.json", "x.csv"] {
            clean |= read(&[Input { name: name.into(), bytes: text.clone().into_bytes() }], Encoding::Utf8).is_ok();
        }
        JSON_LIKE_TEXT.record(clean);
    }
}

// Properties of input that is always valid.
proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_iso_date_round_trips_through_day_first_forms(date in valid_date()) {
        let iso = date.format("%Y-%m-%d").to_string();
        prop_assert_eq!(parse_date(&iso), Ok(date));
        for form in ["%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%-d.%-m.%Y", "%-d/%-m/%Y"] {
            let text = format!(" {} ", date.format(form));
            prop_assert_eq!(parse_date(&text), Ok(date), "{}", text);
        }
    }

    #[test]
    fn sectors_match_in_any_case((word, text) in any_case(sector_words().into_iter().map(|(w, _)| w).collect())) {
        let want = sector_words().into_iter().find(|(w, _)| *w == word).unwrap().1;
        prop_assert_eq!(Sector::parse(&text), Ok(want));
    }

    #[test]
    fn levels_match_in_any_case(
        (word, text) in any_case(vec!["top", "topchef", "direktør", "executive", "chef", "manager", "leder", "mellemleder"]),
    ) {
        let want = match word {
            "top" | "topchef" | "direktør" => Level::Top,
            "executive" | "chef" => Level::Executive,
            _ => Level::Manager,
        };
        prop_assert_eq!(Level::parse(&text), Ok(want));
    }

    #[test]
    fn stages_match_in_any_case((word, text) in any_case(vec!["longlist", "shortlist", "interview", "hired"])) {
        prop_assert_eq!(Stage::parse(&text).map(|s| s.as_str()), Ok(word));
    }

    #[test]
    fn experience_reads_any_separators_and_sums_repeats(
        entries in prop::collection::vec((sector(), 0u32..=60), 0..6),
        separators in prop::collection::vec(prop::sample::select(vec![";", ",", " ", " ; ", ",  ", "\t"]), 6),
    ) {
        let text: Vec<String> = entries.iter().map(|(s, y)| format!("{s}:{y}")).collect();
        let mut joined = String::new();
        for (i, entry) in text.iter().enumerate() {
            if i > 0 {
                joined.push_str(separators[i]);
            }
            joined.push_str(entry);
        }
        let parsed = Experience::parse(&joined).map_err(|e| TestCaseError::fail(e.0))?;
        prop_assert_eq!(parsed, Experience::from_entries(entries));
    }

    #[test]
    fn experience_display_reparses_to_the_same_value(
        entries in prop::collection::btree_map(sector(), 0u32..=60, 0..6),
    ) {
        let experience = Experience::from_entries(entries);
        prop_assert_eq!(Experience::parse(&experience.to_string()), Ok(experience));
    }

    #[test]
    fn experience_display_reparses_with_repeated_sectors(
        entries in prop::collection::vec((sector(), 0u32..=60), 0..6),
    ) {
        // The stored form holds sums, which may pass the limit of one input entry.
        let experience = Experience::from_entries(entries);
        prop_assert_eq!(Experience::parse_stored(&experience.to_string()), Ok(experience));
    }
}

/// Words that input files hold: column names, values good and bad, quotes and separators.
fn vocabulary() -> Vec<&'static str> {
    vec![
        "firm",
        "search_ref",
        "client",
        "client_sector",
        "position",
        "level",
        "opened_on",
        "shortlist_on",
        "cancelled_on",
        "candidate_ref",
        "candidate_sector",
        "experience",
        "stage",
        "added_on",
        "reason",
        "note",
        "name",
        "pledged_on",
        "withdrawn_on",
        "email",
        "f",
        "s1",
        "c1",
        "state",
        "kommune",
        "unknown",
        "top",
        "chef",
        "longlist",
        "2026-01-10",
        "10.01.2026",
        "1989-12-31",
        "2026-02-30",
        "private:4;state:2",
        "private:99",
        "",
        " ",
        "\"",
        "\"a,b\"",
        "\"x\ny\"",
        "ø",
        "\u{feff}",
        "=1+1",
    ]
}

/// A header line and rows built from the vocabulary, with either separator and line ending.
fn csv_like() -> impl Strategy<Value = String> {
    let field = prop::sample::select(vocabulary());
    let line = prop::collection::vec(field, 0..16);
    (prop::collection::vec(line, 1..6), prop::sample::select(vec![",", ";"]), prop::sample::select(vec!["\n", "\r\n"]))
        .prop_map(|(lines, sep, end)| lines.iter().map(|l| l.join(sep)).collect::<Vec<_>>().join(end))
}

/// JSON values whose objects have the input files' keys.
fn json_like() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::sample::select(vocabulary()).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let mut keys = vocabulary();
        keys.push("candidates");
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(prop::sample::select(keys), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// A real header (shortlists, firms or exemptions) over up to 3 lines built from the vocabulary, with either
/// separator and line ending.
fn csv_under_a_real_header() -> impl Strategy<Value = String> {
    let headers = vec![
        SHORTLIST_COLUMNS.to_vec(),
        vec!["firm", "name", "pledged_on", "withdrawn_on"],
        vec!["firm", "search_ref", "reason", "note"],
    ];
    let line = prop::collection::vec(prop::sample::select(vocabulary()), 0..16);
    (
        prop::sample::select(headers),
        prop::collection::vec(line, 0..4),
        prop::sample::select(vec![",", ";"]),
        prop::sample::select(vec!["\n", "\r\n"]),
    )
        .prop_map(|(header, lines, sep, end)| {
            std::iter::once(header).chain(lines).map(|l| l.join(sep)).collect::<Vec<_>>().join(end)
        })
}

/// A JSON file whose three lists each hold the same JSON-like value.
fn json_like_file() -> impl Strategy<Value = String> {
    json_like().prop_map(|value| {
        serde_json::json!({"firms": value.clone(), "searches": [value.clone()], "exemptions": value}).to_string()
    })
}

/// A JSON file whose three lists are each empty or hold JSON-like values.
fn json_lists_file() -> impl Strategy<Value = String> {
    let list =
        || prop::option::weighted(0.4, prop::collection::vec(json_like(), 1..3)).prop_map(Option::unwrap_or_default);
    (list(), list(), list()).prop_map(|(firms, searches, exemptions)| {
        serde_json::json!({"firms": firms, "searches": searches, "exemptions": exemptions}).to_string()
    })
}

/// Reads files through the parsers only (no database), as the import does before it writes: the input errors,
/// if any.
fn read(inputs: &[Input], encoding: Encoding) -> Result<(), InputErrors> {
    struct Discard;
    impl Sink for Discard {
        type Error = std::convert::Infallible;
        fn firm(&mut self, _: &Sources, _: Place, _: Firm, _: &mut InputErrors) -> Result<(), Self::Error> {
            Ok(())
        }
        fn search(
            &mut self,
            _: &Sources,
            _: SearchRecord,
            _: Vec<usize>,
            _: &mut InputErrors,
        ) -> Result<(), Self::Error> {
            Ok(())
        }
        fn exemption(&mut self, _: &Sources, _: Place, _: Exemption, _: &mut InputErrors) -> Result<(), Self::Error> {
            Ok(())
        }
        fn client(
            &mut self,
            _: &Sources,
            _: Place,
            _: pledgecheck::registry::Entry,
            _: &mut InputErrors,
        ) -> Result<(), Self::Error> {
            Ok(())
        }
    }
    let Ok((_, errors)) = stream(inputs, encoding, &mut Discard);
    errors.into_result()
}

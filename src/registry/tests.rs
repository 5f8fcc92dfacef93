use proptest::prelude::*;

use super::*;

fn known(registry: &Registry, client: &str) -> Option<String> {
    match registry.lookup(client) {
        Match::Known(entry) => Some(entry.id.clone()),
        Match::Unknown => None,
    }
}

#[test]
fn the_builtin_registry_has_every_municipality_and_region_with_its_code() {
    let registry = Registry::builtin();
    let count = |kind| registry.entries().iter().filter(|e| e.kind == kind).count();
    assert_eq!(count(ClientKind::Municipality), 98);
    assert_eq!(count(ClientKind::Region), 5);
    assert_eq!(count(ClientKind::Ministry), 21);
    assert_eq!(count(ClientKind::Agency) + count(ClientKind::OtherState), 91);
    for (code, name) in [
        ("101", "Københavns Kommune"),
        ("147", "Frederiksberg Kommune"),
        ("751", "Aarhus Kommune"),
        ("851", "Aalborg Kommune"),
        ("461", "Odense Kommune"),
        ("400", "Bornholms Regionskommune"),
        ("1081", "Region Nordjylland"),
        ("1082", "Region Midtjylland"),
        ("1083", "Region Syddanmark"),
        ("1084", "Region Hovedstaden"),
        ("1085", "Region Sjælland"),
    ] {
        let entry = registry.entries().iter().find(|e| e.code.as_deref() == Some(code)).unwrap();
        assert_eq!(entry.name, name);
    }
    assert!(registry
        .entries()
        .iter()
        .all(|e| (e.code.is_some()) == matches!(e.sector(), Sector::Municipality | Sector::Region)));
}

#[test]
fn short_forms_and_spellings_match() {
    let registry = Registry::builtin();
    assert_eq!(known(&registry, "Kbh. Kommune").as_deref(), Some("kommune-101"));
    assert_eq!(known(&registry, "  KØBENHAVNS   kommune ").as_deref(), Some("kommune-101"));
    assert_eq!(known(&registry, "Koebenhavns Kommune").as_deref(), Some("kommune-101"));
    assert_eq!(known(&registry, "Region H").as_deref(), Some("region-1084"));
    assert_eq!(known(&registry, "region-h").as_deref(), Some("region-1084"));
    assert_eq!(known(&registry, "Århus Kommune").as_deref(), Some("kommune-751"));
    assert_eq!(known(&registry, "A\u{30a}rhus Kommune").as_deref(), Some("kommune-751"), "decomposed å");
    assert_eq!(known(&registry, "Energistyrelsen").as_deref(), Some("stat-energistyrelsen"));
    assert_eq!(known(&registry, "Skatteministeriet").as_deref(), Some("stat-skatte-og-vaekstministeriet"));
    assert_eq!(known(&registry, "Aarhus"), None, "a whole name, not a part of one");
    assert_eq!(known(&registry, "Grundfos Holding A/S"), None);
}

#[test]
fn the_readme_names_the_compiled_date() {
    let readme = include_str!("../../data/README.md");
    assert!(readme.contains(&format!("**Compiled:** {BUILTIN_COMPILED}")), "data/README.md and BUILTIN_COMPILED");
}

#[test]
fn additions_replace_by_id_join_otherwise_and_may_not_share_a_key() {
    let own = Entry::from_fields("own-kl", "KL", None, "other-state", None, Some("Kommunernes Landsforening")).unwrap();
    let registry = Registry::with_additions(vec![own]).unwrap();
    assert_eq!(known(&registry, "kommunernes landsforening").as_deref(), Some("own-kl"));
    assert!(registry.version().contains("+users-1-"), "{}", registry.version());
    assert_ne!(registry.version(), Registry::builtin().version());

    let renamed =
        Entry::from_fields("kommune-101", "Københavns Kommune", None, "municipality", Some("101"), Some("KK")).unwrap();
    let registry = Registry::with_additions(vec![renamed]).unwrap();
    assert_eq!(known(&registry, "KK").as_deref(), Some("kommune-101"));
    assert_eq!(known(&registry, "Kbh. Kommune"), None, "the replaced entry's aliases are gone");

    let clash = Entry::from_fields("own", "Region H", None, "region", None, None).unwrap();
    let err = Registry::with_additions(vec![clash]).unwrap_err();
    assert!(err.0.contains("would also match region-1084"), "{err}");
}

#[test]
fn an_entry_needs_a_kind_whose_sector_fits() {
    let errors = Entry::from_fields("x", "X", Some("kommune"), "agency", None, None).unwrap_err();
    assert_eq!(errors[0].0, "sector");
    assert!(errors[0].1 .0.contains("does not fit kind agency"), "{:?}", errors);
    let errors = Entry::from_fields("Bad Id", "...", None, "firm", None, None).unwrap_err();
    assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), ["id", "name", "kind"]);
}

/// Danish names: letters with æøå, digits, spaces and the punctuation names carry.
fn name() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-zA-ZæøåÆØÅéü0-9 .,/-]{0,40}").unwrap()
}

proptest! {
    #[test]
    fn keys_hold_only_ascii_letters_and_digits_and_are_fixed_points(text in name()) {
        let key = match_key(&text);
        prop_assert!(key.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        prop_assert_eq!(match_key(&key), key);
    }

    #[test]
    fn case_spacing_and_punctuation_do_not_matter(text in name(), at in 0usize..40) {
        let key = match_key(&text);
        prop_assert_eq!(match_key(&text.to_uppercase()), key.clone());
        prop_assert_eq!(match_key(&text.to_lowercase()), key.clone());
        let chars: Vec<char> = text.chars().collect();
        let at = at.min(chars.len());
        let spaced: String = chars[..at].iter().chain([' ', '-', '.'].iter()).chain(&chars[at..]).collect();
        prop_assert_eq!(match_key(&spaced), key);
    }

    #[test]
    fn danish_letters_match_their_two_letter_spellings(text in name()) {
        let spelled = text.replace('æ', "ae").replace('ø', "oe").replace('å', "aa")
            .replace('Æ', "AE").replace('Ø', "OE").replace('Å', "AA");
        prop_assert_eq!(match_key(&spelled), match_key(&text));
    }

    #[test]
    fn every_name_and_alias_finds_its_entry_however_written(pick in 0usize..1000, upper in any::<bool>()) {
        let registry = Registry::builtin();
        let entry = &registry.entries()[pick % registry.entries().len()];
        for text in std::iter::once(&entry.name).chain(&entry.aliases) {
            let written = if upper { text.to_uppercase() } else { format!("  {}  ", text.to_lowercase()) };
            prop_assert_eq!(known(&registry, &written), Some(entry.id.clone()));
        }
    }
}

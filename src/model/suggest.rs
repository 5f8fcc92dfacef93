//! "Did you mean": the known words closest to a word that is not one of them.

/// Up to three of `known` close to `word` (case and surrounding spaces ignored), closest first; empty when none is
/// close. A word that contains a known one, or is contained in it, counts as close (`nordsoeg-as` for `nordsoeg`).
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let word = word.trim().to_lowercase();
    if word.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(f64, &str)> = known
        .into_iter()
        .filter_map(|k| {
            let lower = k.to_lowercase();
            let mut score = strsim::jaro_winkler(&word, &lower);
            if lower.len() >= 3 && word.len() >= 3 && (lower.contains(&word) || word.contains(&lower)) {
                score = score.max(0.9);
            }
            (score >= 0.8 && lower != word).then_some((score, k))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, k)| k.to_string()).collect()
}

/// ` (did you mean a, b?)` for a message, or nothing.
pub fn did_you_mean_text<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let close = did_you_mean(word, known);
    if close.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", close.join(", "))
    }
}

/// The firm ids close to `firm`, by id or by display name (a name is suggested as its firm's id, never resolved).
pub fn firm_suggestions(firm: &str, firms: &[super::FirmName]) -> String {
    let mut keys: Vec<(&str, &str)> = firms.iter().map(|f| (f.firm.as_str(), f.firm.as_str())).collect();
    keys.extend(firms.iter().filter_map(|f| f.name.as_deref().map(|n| (n, f.firm.as_str()))));
    let mut close = did_you_mean(firm, keys.iter().map(|(k, _)| *k));
    // A display name given in full is the likeliest mistake of all.
    if let Some(named) =
        firms.iter().find(|f| f.name.as_deref().is_some_and(|n| n.trim().eq_ignore_ascii_case(firm.trim())))
    {
        close.insert(0, named.firm.clone());
    }
    let mut ids: Vec<&str> = Vec::new();
    for key in &close {
        if let Some((_, id)) = keys.iter().find(|(k, _)| k == key) {
            if !ids.contains(id) && *id != firm {
                ids.push(id);
            }
        }
    }
    if ids.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", ids.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_words_are_suggested_and_far_ones_not() {
        let firms = ["nordsoeg", "kbh-executive", "vestlys", "jysk-lederhus"];
        assert_eq!(did_you_mean("nordsog", firms), ["nordsoeg"]);
        assert_eq!(did_you_mean("Vestlys ", firms), Vec::<String>::new(), "the same word is no suggestion");
        assert_eq!(did_you_mean("kbh", firms), ["kbh-executive"]);
        assert!(did_you_mean("zzz", firms).is_empty());
        assert_eq!(did_you_mean_text("stats", ["state", "region"]), " (did you mean state?)");
    }
}

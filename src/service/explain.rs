//! `explain`'s JSON: a search's verdict with every condition and candidate, as the CLI prints it with
//! `--format json` and the server returns it.

use serde_json::{json, Value};

use crate::model::{Dossier, Lang, SearchVerdict};
use crate::rules::{self, Case, Explanation};
use crate::store::{StoreError, View};

/// The version of every JSON output's shape.
const SCHEMA_VERSION: u32 = 1;

/// One search of the view explained, or `None` when the view holds no such search (at its moment, in its scope).
pub fn explain(view: &View, firm: &str, search_ref: &str) -> Result<Option<(Dossier, Explanation)>, StoreError> {
    explain_in(view, firm, search_ref, Lang::En)
}

/// [`explain`], worded in `lang` (the web pages' Danish).
pub fn explain_in(
    view: &View,
    firm: &str,
    search_ref: &str,
    lang: Lang,
) -> Result<Option<(Dossier, Explanation)>, StoreError> {
    let Some(case) = view.dossier(firm.trim(), search_ref.trim())? else { return Ok(None) };
    let explanation = rules::explain_in(&view.judging()?.policy, &Case::of(&case), lang);
    Ok(Some((case, explanation)))
}

/// Words the reasons of a list of searches in `lang`: stored reasons are English, so in Danish each row gets its
/// deciding rule's words in brief ([`rules::in_brief`]); the search's own page words its whole reason. (Judging
/// each row again from its rows took a list page's p99 from 21 to 248 ms under the load test.)
pub fn reword(rows: &mut [SearchVerdict], lang: Lang) {
    for row in rows {
        if let Some(brief) = rules::in_brief(&row.rule, row.verdict, lang) {
            row.reason = brief.to_string();
        }
    }
}

/// The explanation as JSON: `schema_version`, the verdict's fields, and the search.
pub fn to_json(case: &Dossier, explanation: &Explanation) -> Value {
    let mut value = serde_json::to_value(explanation).unwrap_or_else(|_| json!({}));
    if let Some(object) = value.as_object_mut() {
        object.insert("schema_version".into(), json!(SCHEMA_VERSION));
        object.insert("search".into(), search_json(case));
    }
    value
}

fn search_json(case: &Dossier) -> Value {
    let s = &case.search;
    json!({
        "firm": s.firm, "search_ref": s.search_ref, "client": s.client, "client_sector": s.client_sector,
        "position": s.position, "level": s.level, "opened_on": s.opened_on, "shortlist_on": s.shortlist_on,
        "cancelled_on": s.cancelled_on, "quarter": s.quarter().to_string(),
    })
}

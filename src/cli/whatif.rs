//! `pledgecheck whatif --policy NEW.toml`: the stored searches judged under another policy, nothing stored.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::json;

use super::Invocation;
use crate::model::Quarter;
use crate::output::{self, Format};
use crate::report::{self, Cell, Filter, Ledger, Table};
use crate::rules;
use crate::store::{Mode, Store};

/// Arguments of `whatif`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    pledgecheck whatif --policy stricter.toml\n  \
    pledgecheck whatif --policy stricter.toml --quarter 2026-Q1 --format json\n  \
    pledgecheck whatif --policy stricter.toml --excel > changes.csv")]
pub struct Args {
    /// The policy to try (TOML); nothing is stored.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,

    /// Only searches of this quarter, such as 2026-Q3.
    #[arg(long, value_parser = super::report::parse_quarter)]
    quarter: Option<Quarter>,

    /// Only this firm.
    #[arg(long, value_name = "ID")]
    firm: Option<String>,

    /// Output format (default: a table on a terminal, CSV of the changed searches otherwise).
    #[arg(long, value_enum)]
    format: Option<Format>,

    /// CSV for Danish spreadsheets: byte-order mark, `;`, decimal commas, CRLF, formula guard.
    #[arg(long)]
    excel: bool,
}

pub(super) fn run(invocation: &Invocation, db: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let (_, policy) = super::policy::load(&args.policy)?;
    let store = Store::open(db, Mode::Existing)?;
    let filter = Filter { quarter: args.quarter.map(|q| q.to_string()), firm: args.firm.map(|f| f.trim().to_string()) };
    // One pass over the stored searches: the fast verdict under the new policy for each, words only for those
    // that change, and the counts per firm and quarter before and after. The pass is split in two halves by search
    // id, each read by its own connection on its own thread.
    let judge_range = |store: &Store, ids: std::ops::Range<i64>| -> Result<Pass, crate::store::StoreError> {
        let mut pass = Pass::default();
        store.for_each_case_with_verdict(ids, |case, stored| {
            let search = &case.search;
            if !filter.firm_ok(&search.firm) {
                return Ok(());
            }
            let quarter = search.quarter().to_string();
            let decision = rules::decide(&policy, &case.as_case());
            if let Some(old) = stored {
                pass.before.add(&search.firm, &quarter, old, 1);
            }
            pass.after.add(&search.firm, &quarter, decision.verdict, 1);
            let in_quarter = filter.quarter.as_deref().is_none_or(|q| q == quarter);
            if let (Some(old), true) = (stored, in_quarter) {
                if old != decision.verdict {
                    let judgement = rules::judge(&policy, &case.as_case());
                    pass.changed.push((
                        search.firm.clone(),
                        search.search_ref.clone(),
                        vec![
                            Cell::Text(search.firm.clone()),
                            Cell::Text(search.search_ref.clone()),
                            Cell::Text(quarter),
                            Cell::Verdict(old),
                            Cell::Verdict(judgement.verdict),
                            judgement.policy_version.map_or(Cell::Empty, Cell::Text),
                            Cell::Text(judgement.reason),
                        ],
                    ));
                }
            }
            Ok(())
        })?;
        Ok(pass)
    };
    let middle = store.last_search_id()? / 2 + 1;
    let second = Store::open(db, Mode::Existing)?;
    let judge_range = &judge_range;
    let (first_half, second_half) = std::thread::scope(|scope| {
        let other = scope.spawn(move || judge_range(&second, middle..i64::MAX));
        let mine = judge_range(&store, 0..middle);
        (mine, other.join().expect("the second half's thread does not panic"))
    });
    let (mut pass, rest) = (first_half?, second_half?);
    pass.before.absorb(rest.before);
    pass.after.absorb(rest.after);
    pass.changed.extend(rest.changed);
    let Pass { before, after, mut changed } = pass;
    changed.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let changes = Table {
        columns: vec!["firm", "search_ref", "quarter", "from", "to", "policy_version", "reason"],
        rows: changed.into_iter().map(|(_, _, row)| row).collect(),
    };
    let firms = store.firms()?;
    let (rates_before, rates_after) =
        (report::firms_of(&firms, &before, &filter), report::firms_of(&firms, &after, &filter));
    let rate_column =
        rates_before.columns.iter().position(|c| *c == "compliance_rate").expect("firms report has a rate");
    let rates = Table {
        columns: vec!["firm", "name", "searches", "compliance_rate_before", "compliance_rate_after"],
        rows: rates_before
            .rows
            .iter()
            .zip(&rates_after.rows)
            .map(|(b, a)| {
                vec![b[0].clone(), b[1].clone(), b[2].clone(), b[rate_column].clone(), a[rate_column].clone()]
            })
            .collect(),
    };
    let format = super::report::excel_format(args.format, args.excel, invocation.terminal)?;
    super::emit(None, |out| match format {
        Format::Json => output::json::write(
            &json!({
                "schema_version": output::json::SCHEMA_VERSION,
                "policy": args.policy.display().to_string(),
                "policy_sha256": policy.sha256,
                "changes": output::json::rows(&changes),
                "firms": output::json::rows(&rates),
            }),
            out,
        ),
        Format::Csv => output::csv::write(&changes, args.excel, out),
        Format::Table => {
            writeln!(
                out,
                "Under {} (nothing stored): {} searches change verdict.",
                args.policy.display(),
                changes.rows.len()
            )?;
            if !changes.rows.is_empty() {
                output::table::write(&changes, invocation.terminal, out)?;
            }
            writeln!(out, "\nCompliance rate per firm, before and after:")?;
            output::table::write(&rates, invocation.terminal, out)
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// What one part of the pass over the stored searches found.
#[derive(Default)]
struct Pass {
    before: Ledger,
    after: Ledger,
    changed: Vec<(String, String, Vec<Cell>)>,
}

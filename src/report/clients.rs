//! Tables of the registry of public employers: `client list` (the entries) and `report clients` (searches and
//! verdicts per employer).

use super::{Cell, Table};
use crate::registry::Registry;

/// The columns of `client list`.
pub const CLIENT_LIST_COLUMNS: [&str; 7] = ["id", "name", "sector", "kind", "code", "aliases", "source"];

/// `client list`: every entry of the registry, in id order, with where it comes from (`builtin`, or `user` for an
/// entry added or changed by a user).
pub fn client_list(registry: &Registry, users: &[String]) -> Table {
    let mut entries: Vec<_> = registry.entries().iter().collect();
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    let rows = entries
        .into_iter()
        .map(|e| {
            let source = if users.contains(&e.id) { "user" } else { "builtin" };
            vec![
                Cell::text(&e.id),
                Cell::text(&e.name),
                Cell::text(e.sector().as_str()),
                Cell::text(e.kind.as_str()),
                e.code.as_deref().map_or(Cell::Empty, Cell::text),
                Cell::text(e.aliases_text()),
                Cell::text(source),
            ]
        })
        .collect();
    Table { columns: CLIENT_LIST_COLUMNS.to_vec(), rows }
}

//! The reports: `report searches|firms|quarters|outcomes` decoded, Excel CSV, HTML, the quarterly pack, insta
//! snapshots of every format, output on a terminal, and the SQL views that give the same numbers.

mod csv_json;
mod excel;
mod html;
mod quarterly;
mod snapshots;
mod streamed;
mod terminal;
mod views;

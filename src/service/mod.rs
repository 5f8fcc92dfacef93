//! The operations both front ends call (the CLI today, the server next): each opens what it needs of the store
//! through one [`crate::store::View`] and builds report tables, with no argument parsing and no terminal. A new
//! command's work goes here; its flags go to `cli`, its tables to `report`, its bytes to `output`.

pub mod accounts;
pub mod by_hand;
pub mod check;
pub mod evidence;
pub mod explain;
pub mod filters;
pub mod reports;
pub mod whatif;

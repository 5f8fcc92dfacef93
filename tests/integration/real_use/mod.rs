//! Real use (issue 13): a recruiter's pre-send check, re-imports that show what they change, exports as they
//! come, personal data in values, typos in filters.

mod exports;
mod personal;
mod projection;
mod reimport;
mod small;
mod typos;
mod unchanged;

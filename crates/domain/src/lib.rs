//! The pure domain of tongban: the words of 全域通办 as types, and the rules
//! that need no IO — validation, guide maps, the 通办 list, search ranking and
//! authorisation. No async, no SQL, no HTTP lives here.

pub mod appointment;
pub mod authz;
pub mod calendar;
pub mod case;
pub mod catalogue;
pub mod city;
pub mod city_admin;
pub mod evaluation;
pub mod grant;
pub mod guide;
pub mod i18n;
pub mod ids;
pub mod intake;
pub mod list_batch;
pub mod search;
pub mod timeline;
pub mod tongban;
pub mod user;
pub mod validate;
pub mod video;

#[cfg(test)]
mod enum_strings;

pub use ids::*;
pub use validate::{FieldError, ValidationErrors};

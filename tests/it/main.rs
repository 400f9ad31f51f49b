//! The one integration-test binary: modules per area, fixtures in `tests/data`.

mod classify;
mod cli;
mod common;
mod readers;
mod reference;
mod rules;
mod sample;

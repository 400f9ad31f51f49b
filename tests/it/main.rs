//! The one integration-test binary: modules per area, fixtures in `tests/data`.

#![allow(clippy::print_stderr, clippy::print_stdout)]

mod broken;
mod classify;
mod cli;
mod common;
mod props;
mod readers;
mod recommend;
mod reference;
mod reports;
mod rules;
mod safety;
mod sample;

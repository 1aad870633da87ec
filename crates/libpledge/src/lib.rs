//! libpledge: OpenBSD's `pledge()` and `unveil()` for C programs, as `libpledge.so` and
//! `libpledge.a` with the header `include/pledge.h` (generated from [`api`]).
//!
//! A program ported from OpenBSD needs no source change: `#include <pledge.h>`, link with
//! `-lpledge` (or `$(pkg-config --cflags --libs pledge)`), and `pledge()`/`unveil()` behave as
//! there, with the errno values of the Rust API ([`scopes::Error::errno`]). The library also
//! defines libc's exec family ([`exec`]) so that programs it starts run under the
//! execpromises. See docs/c-library.md.
//!
//! Rust programs should use the `scopes` crate directly; linking this crate into a Rust
//! program also replaces its exec functions.

pub mod api;
pub mod exec;
mod sys;

pub use api::{pledge, unveil};

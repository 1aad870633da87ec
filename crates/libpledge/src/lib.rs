//! The C ABI (being written: see issue 5).

//! The filter compiler, from the pure core ([`scopes_core::compiler`]), and the path compiler,
//! which plans Landlock layers in the `landlock` crate's types and so stays with the code that
//! applies them.

#[doc(inline)]
pub use scopes_core::compiler::*;

pub mod paths;

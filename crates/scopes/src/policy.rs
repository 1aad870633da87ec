//! The policy table and its evaluator, from the pure core ([`scopes_core::policy`]), and
//! [`CurrentContext`], which reads the values a filter is specialised with from the calling
//! process.

#[doc(inline)]
pub use scopes_core::policy::*;

/// Reading a [`Context`] from the calling process: its pid and real ids. A system call, so it
/// lives here rather than in the pure core, which only computes with a context it is given.
///
/// ```
/// use scopes::policy::{Context, CurrentContext as _};
/// assert_eq!(Context::current().pid, std::process::id());
/// ```
pub trait CurrentContext {
    /// The calling process's values.
    fn current() -> Self;
}

impl CurrentContext for Context {
    fn current() -> Context {
        Context {
            pid: std::process::id(),
            uid: crate::sys::uid(),
            gid: crate::sys::gid(),
        }
    }
}

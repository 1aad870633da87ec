//! The command's direct calls into the kernel, all made by [`scopes_sys`] (the workspace's
//! system-call crate, where every `unsafe` block lives), re-exported at the paths the command
//! uses.

pub use scopes_sys::caps::drop_all as drop_capabilities;
pub use scopes_sys::message::{lowest_free_fd, recv_now, send, send_with_fds};
pub use scopes_sys::notif;
pub use scopes_sys::process::*;

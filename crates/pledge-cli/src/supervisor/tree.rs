//! The processes a program started, from /proc, and their end.
//!
//! The command is a child subreaper, so every process the program started stays below it: a
//! process whose parent dies becomes the command's child, and a sibling the program made with
//! `clone(CLONE_PARENT)` is one already. Walking the command's own children lists therefore
//! finds them all, however they were started.

use std::os::fd::{AsFd, OwnedFd};

use crate::sys;

/// How many times the tree is walked again, looking for processes started while it was being
/// stopped, before it is killed as found (the caller then looks again).
const PASSES: usize = 64;

/// The children of `pid`: the union of its threads' `children` lists (zombies included).
fn children(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return found;
    };
    for task in tasks.flatten() {
        let Ok(list) = std::fs::read_to_string(task.path().join("children")) else {
            continue;
        };
        for child in list
            .split_whitespace()
            .filter_map(|c| c.parse::<u32>().ok())
        {
            if !found.contains(&child) {
                found.push(child);
            }
        }
    }
    found
}

/// A process found below the root, held by a pidfd so that no signal meant for it can reach
/// another process that reuses its pid.
struct Member {
    pid: u32,
    pidfd: OwnedFd,
}

/// Stops every process below `root` (this process, or one it waits for), then kills them all.
/// Each process is stopped as it is found, so that it can neither start nor reap a process
/// while the walk goes on, and the walk is repeated until a pass finds nothing new: children
/// lists may miss a process created while they are read. Returns the pids of the processes that
/// were alive (not zombies) when found.
///
/// A pid read from a children list is trusted only when the process opened under it still
/// names that parent afterwards, while the parent is known to be alive: then the number cannot
/// have been reused in between.
pub fn kill_all_below(root: u32) -> Vec<u32> {
    let mut members: Vec<Member> = Vec::new();
    let mut alive = Vec::new();
    for _ in 0..PASSES {
        let mut grew = false;
        // The walk: the root, then each member found (in order, so parents before children).
        let mut at = 0;
        loop {
            let (parent, parent_fd) = if at == 0 {
                (root, None)
            } else {
                match members.get(at - 1) {
                    Some(m) => (m.pid, Some(m.pidfd.as_fd())),
                    None => break,
                }
            };
            at += 1;
            let mut found = Vec::new();
            for pid in children(parent) {
                if pid == root || members.iter().any(|m| m.pid == pid) {
                    continue;
                }
                let Some((pidfd, zombie)) = sys::open_child_of(pid, parent) else {
                    continue;
                };
                // The parent still exists (signal 0), so `parent` was its pid all along.
                if let Some(fd) = parent_fd {
                    if sys::pidfd_send_signal(fd, 0).is_err() {
                        break;
                    }
                }
                if !zombie {
                    let _ = sys::pidfd_send_signal(pidfd.as_fd(), libc::SIGSTOP);
                    alive.push(pid);
                }
                found.push(Member { pid, pidfd });
            }
            grew |= !found.is_empty();
            members.extend(found);
        }
        if !grew {
            break;
        }
    }
    for m in &members {
        let _ = sys::pidfd_send_signal(m.pidfd.as_fd(), libc::SIGKILL);
    }
    alive
}

#[cfg(test)]
mod tests {
    use std::io::BufRead as _;
    use std::time::Duration;

    /// A shell started by this test, with a sleeping grandchild: both are found, both are
    /// killed. (This test executable is not a subreaper, so it looks from the shell.)
    #[test]
    fn kills_a_grandchild() {
        let mut sh = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & echo $!; wait $!"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(sh.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let sleeper: u32 = line.trim().parse().unwrap();
        // The shell's children list may not show the sleeper at once.
        let mut killed = Vec::new();
        for _ in 0..100 {
            killed.extend(super::kill_all_below(sh.id()));
            if killed.contains(&sleeper) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(killed.contains(&sleeper), "{killed:?}");
        // The shell itself, the root, is left alone: it reaps its child, killed by SIGKILL,
        // and exits with that status.
        let status = sh.wait().unwrap();
        assert_eq!(status.code(), Some(128 + libc::SIGKILL), "{status:?}");
        assert!(!std::path::Path::new(&format!("/proc/{sleeper}")).exists());
    }
}

//! The processes a program started, from /proc.

/// Every live descendant of `pid` (children first), from each thread's `children` list.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut queue = vec![pid];
    while let Some(p) = queue.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{p}/task")) else {
            continue;
        };
        for task in tasks.flatten() {
            let Ok(list) = std::fs::read_to_string(task.path().join("children")) else {
                continue;
            };
            for child in list
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok())
            {
                if !found.contains(&child) && child != pid {
                    found.push(child);
                    queue.push(child);
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_a_grandchild() {
        let mut sh = std::process::Command::new("sh")
            .args(["-c", "sleep 5 & echo $!; wait"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(sh.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let sleeper: u32 = line.trim().parse().unwrap();
        let me = std::process::id();
        // Other tests in this binary start and reap processes meanwhile, and a children list
        // read while it changes can miss an entry: look a few times.
        let found = |all: &Vec<u32>| all.contains(&sh.id()) && all.contains(&sleeper);
        let mut all = super::descendants(me);
        for _ in 0..50 {
            if found(&all) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
            all = super::descendants(me);
        }
        assert!(found(&all), "{all:?}");
        let _ = std::process::Command::new("kill")
            .arg(sleeper.to_string())
            .status();
        sh.wait().unwrap();
    }
}

//! From the paths a program touched to unveil entries: one `PERM:PATH` per file or directory,
//! collapsed to the directory where the program clearly uses a directory.
//!
//! Rules, in order:
//! 1. a directory the program listed, or created or removed something in, covers what it
//!    touched beneath with the same or fewer permissions; files it created there are merged
//!    into it (a program writing new files into `out/` needs `wc:out/`, whatever it names them);
//! 2. [`MANY`] or more files touched in one directory become that directory, with the union of
//!    their permissions;
//! 3. a path that does not exist (any more) is left out: unveil needs a path that exists, a
//!    file the program created and removed is covered by its directory (rule 1), and a probe
//!    for a file that was never there fails either way (EACCES instead of ENOENT);
//! 4. what the promises imply by themselves is left out (a caller-supplied test, normally
//!    [`super::implied`]); rules 3 and 4 apply before rule 2 counts files;
//! 5. a directory holding secrets (`/`, `/etc`, `/home`, the user's home:
//!    [`crate::policy::harmless::holds_secrets`]) is never an entry, and neither is a secret
//!    itself: they are withheld, for the user to add knowingly ([`Touched::entries_guarded`]);
//! 6. every entry gets the permissions of the entries above it (unveil refuses to narrow a
//!    directory below a wider one), and entries an ancestor already covers are dropped.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use crate::policy::harmless::{holds_secrets, is_secret};
use crate::Permissions;

/// How many files touched in one directory make the directory the entry.
pub const MANY: usize = 3;

/// One unveil entry: a path and its permissions.
pub type Entry = (PathBuf, Permissions);

/// How a path was used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Use {
    /// The access each use needed, joined.
    pub access: Permissions,
    /// The program listed it, or created or removed entries in it: it is a directory the
    /// program works in.
    pub workspace: bool,
    /// The program created it (so whatever it is named, its directory is what matters).
    pub created: bool,
}

/// Paths and how they were used; [`Touched::entries`] turns them into unveil entries.
#[derive(Clone, Debug, Default)]
pub struct Touched {
    uses: BTreeMap<PathBuf, Use>,
}

impl Touched {
    /// Nothing touched yet.
    pub fn new() -> Touched {
        Touched::default()
    }

    /// Records that `path` (absolute, normalised) needed `access`.
    pub fn add(&mut self, path: &Path, access: Permissions) {
        let u = self.uses.entry(path.to_path_buf()).or_default();
        u.access = u.access | access;
    }

    /// Records that an entry was created in or removed from directory `dir`; `created` names
    /// the new entry when there is one.
    pub fn add_change(&mut self, dir: &Path, created: Option<&Path>) {
        let u = self.uses.entry(dir.to_path_buf()).or_default();
        u.access = u.access | Permissions::CREATE;
        u.workspace = true;
        if let Some(c) = created {
            self.uses.entry(c.to_path_buf()).or_default().created = true;
        }
    }

    /// Records that directory `dir` was listed.
    pub fn add_listing(&mut self, dir: &Path) {
        let u = self.uses.entry(dir.to_path_buf()).or_default();
        u.access = u.access | Permissions::READ;
        u.workspace = true;
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.uses.is_empty()
    }

    /// The raw uses, by path.
    pub fn uses(&self) -> impl Iterator<Item = (&Path, &Use)> {
        self.uses.iter().map(|(p, u)| (p.as_path(), u))
    }

    /// The unveil entries, sorted by path. `exists` says whether a path exists now;
    /// `implied` whether the promises already give that access there.
    ///
    /// ```
    /// use std::path::Path;
    /// use scopes::{learn::Touched, Permissions};
    /// let mut t = Touched::new();
    /// for f in ["a", "b", "c"] {
    ///     t.add(&Path::new("/data").join(f), Permissions::READ);
    /// }
    /// t.add(Path::new("/etc/hosts"), Permissions::READ);
    /// let entries = t.entries(|_| true, |_, _| false);
    /// assert_eq!(entries, vec![("/data".into(), Permissions::READ), ("/etc/hosts".into(), Permissions::READ)]);
    /// ```
    pub fn entries(
        &self,
        exists: impl Fn(&Path) -> bool,
        implied: impl Fn(&Path, Permissions) -> bool,
    ) -> Vec<(PathBuf, Permissions)> {
        self.entries_guarded(exists, implied, None).0
    }

    /// Whether the program created `path` (an open with `O_CREAT` of a file that was not
    /// there, a mkdir, a bind, the new name of a rename or link).
    pub fn created(&self, path: &Path) -> bool {
        self.uses.get(path).is_some_and(|u| u.created)
    }

    /// The unveil entries, as [`Touched::entries`], and apart from them the entries withheld
    /// because they would open up secrets ([`holds_secrets`], [`is_secret`]): a directory
    /// holding secrets is never suggested, even where the program listed it, and a secret the
    /// program read is named there for the user to add knowingly. `home` is the user's home
    /// directory.
    pub fn entries_guarded(
        &self,
        exists: impl Fn(&Path) -> bool,
        implied: impl Fn(&Path, Permissions) -> bool,
        home: Option<&Path>,
    ) -> (Vec<Entry>, Vec<Entry>) {
        let guarded = |dir: &Path| holds_secrets(dir, home);
        let mut map: BTreeMap<PathBuf, Permissions> = BTreeMap::new();
        // 1. Workspaces absorb what is beneath them when they cover it, and what was created
        //    there; never one that holds secrets.
        let workspaces: Vec<(&PathBuf, &Use)> = self
            .uses
            .iter()
            .filter(|(dir, u)| u.workspace && !guarded(dir))
            .collect();
        for (path, u) in &self.uses {
            if u.access.is_empty() && !u.created {
                continue;
            }
            let home = workspaces
                .iter()
                .filter(|(dir, _)| path.starts_with(dir) && path != *dir)
                .filter(|(_, w)| w.access.contains(u.access) || u.created)
                .max_by_key(|(dir, _)| dir.components().count());
            let target = home.map_or(path.clone(), |(dir, _)| (*dir).clone());
            let slot = map.entry(target).or_default();
            *slot = *slot | u.access;
        }
        // 2. Only paths that exist, and what the promises do not give anyway: before
        //    counting files per directory, so that /etc/passwd and /etc/group, which `getpw`
        //    gives, never make /etc an entry.
        map.retain(|path, access| exists(path) && !implied(path, *access));
        // 3. Many files in one directory: the directory, unless it holds secrets.
        let mut by_dir: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
        for path in map.keys() {
            if let Some(dir) = path.parent() {
                if !self.uses.get(path).is_some_and(|u| u.workspace) && !guarded(dir) {
                    by_dir
                        .entry(dir.to_path_buf())
                        .or_default()
                        .push(path.clone());
                }
            }
        }
        for (dir, files) in by_dir {
            if files.len() >= MANY {
                let mut access = map.get(&dir).copied().unwrap_or_default();
                for f in files {
                    access = access | map.remove(&f).unwrap_or_default();
                }
                map.insert(dir, access);
            }
        }
        // 4. Secrets and the directories that hold them are withheld.
        let mut withheld = Vec::new();
        map.retain(|path, access| {
            let keep = !is_secret(path, home) && !guarded(path);
            if !keep && !access.is_empty() {
                withheld.push((path.clone(), *access));
            }
            keep
        });
        // 5. No narrowing below a wider entry; nothing an ancestor covers.
        let snapshot = map;
        let mut out = Vec::new();
        for (path, access) in &snapshot {
            let above = snapshot
                .iter()
                .filter(|(p, _)| path.starts_with(p) && p != &path)
                .fold(Permissions::NONE, |acc, (_, a)| acc | *a);
            if !above.is_empty() && above.contains(*access) {
                continue;
            }
            out.push((path.clone(), *access | above));
        }
        (out, withheld)
    }
}

/// Joins `rel` onto the absolute `base` (unless `rel` is absolute) and removes `.` and `..`
/// lexically, as a suggestion needs: the result names the path the program used.
///
/// ```
/// use std::path::Path;
/// use scopes::learn::normalize;
/// assert_eq!(normalize(Path::new("/home/u"), Path::new("../v/./f")), Path::new("/home/v/f"));
/// assert_eq!(normalize(Path::new("/x"), Path::new("/etc//hosts/")), Path::new("/etc/hosts"));
/// assert_eq!(normalize(Path::new("/"), Path::new("../..")), Path::new("/"));
/// ```
pub fn normalize(base: &Path, rel: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    let joined = if rel.is_absolute() {
        rel.to_path_buf()
    } else {
        base.join(rel)
    };
    for c in joined.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perms(s: &str) -> Permissions {
        s.parse().unwrap()
    }

    fn entries(t: &Touched) -> Vec<(String, String)> {
        t.entries(|_| true, |_, _| false)
            .into_iter()
            .map(|(p, a)| (p.display().to_string(), a.to_string()))
            .collect()
    }

    fn e(p: &str, a: &str) -> (String, String) {
        (p.to_string(), a.to_string())
    }

    #[test]
    fn a_listed_directory_covers_reads_beneath_but_not_writes() {
        let mut t = Touched::new();
        t.add_listing(Path::new("/srv"));
        t.add(Path::new("/srv/hosts"), perms("r"));
        t.add(Path::new("/srv/app.conf"), perms("w"));
        assert_eq!(entries(&t), vec![e("/srv", "r"), e("/srv/app.conf", "rw")]);
    }

    #[test]
    fn directories_holding_secrets_are_never_entries() {
        let mut t = Touched::new();
        for f in [
            "passwd",
            "group",
            "nsswitch.conf",
            "hosts",
            "services",
            "shadow",
        ] {
            t.add(&Path::new("/etc").join(f), perms("r"));
        }
        t.add_listing(Path::new("/home/ann"));
        t.add(Path::new("/home/ann/notes"), perms("r"));
        for f in ["a", "b", "c"] {
            t.add(&Path::new("/home/ann/src").join(f), perms("r"));
        }
        let home = Some(Path::new("/home/ann"));
        // getpw gives passwd, group and nsswitch.conf: they count for nothing.
        let getpw = ["/etc/passwd", "/etc/group", "/etc/nsswitch.conf"].map(Path::new);
        let (got, withheld) = t.entries_guarded(|_| true, |p, _| getpw.contains(&p), home);
        let got: Vec<String> = got.iter().map(|(p, _)| p.display().to_string()).collect();
        assert_eq!(
            got,
            [
                "/etc/hosts",
                "/etc/services",
                "/home/ann/notes",
                "/home/ann/src"
            ]
        );
        let withheld: Vec<String> = withheld
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        assert_eq!(withheld, ["/etc/shadow", "/home/ann"]);
    }

    #[test]
    fn files_created_in_a_directory_merge_into_it() {
        let mut t = Touched::new();
        t.add_change(Path::new("/out"), Some(Path::new("/out/one.gz")));
        t.add(Path::new("/out/one.gz"), perms("w"));
        t.add(Path::new("/in/data"), perms("r"));
        assert_eq!(entries(&t), vec![e("/in/data", "r"), e("/out", "wc")]);
    }

    #[test]
    fn many_files_make_a_directory_and_few_do_not() {
        let mut t = Touched::new();
        t.add(Path::new("/d/a"), perms("r"));
        t.add(Path::new("/d/b"), perms("r"));
        assert_eq!(entries(&t).len(), 2);
        t.add(Path::new("/d/c"), perms("rw"));
        assert_eq!(entries(&t), vec![e("/d", "rw")]);
    }

    #[test]
    fn gone_and_implied_paths_vanish_but_a_workspace_stays() {
        let mut t = Touched::new();
        t.add(Path::new("/usr/lib/locale/C.UTF-8/LC_CTYPE"), perms("r"));
        t.add(Path::new("/etc/localtime"), perms("r"));
        t.add_change(Path::new("/work"), Some(Path::new("/work/tmpfile")));
        t.add(Path::new("/work/tmpfile"), perms("rw"));
        let gone = [
            Path::new("/work/tmpfile"),
            Path::new("/usr/lib/locale/C.UTF-8/LC_CTYPE"),
        ];
        let got = t.entries(
            |p| !gone.contains(&p),
            |p, _| p == Path::new("/etc/localtime"),
        );
        assert_eq!(got, vec![(PathBuf::from("/work"), perms("rwc"))]);
    }

    #[test]
    fn entries_never_narrow_an_ancestor() {
        let mut t = Touched::new();
        t.add(Path::new("/a"), perms("rw"));
        t.add(Path::new("/a/b/c"), perms("x"));
        t.add(Path::new("/a/b/d"), perms("r"));
        assert_eq!(entries(&t), vec![e("/a", "rw"), e("/a/b/c", "rwx")]);
    }
}

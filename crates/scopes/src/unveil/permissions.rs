//! unveil's permission letters: `r`, `w`, `x`, `c`.

use std::fmt;
use std::str::FromStr;

use landlock::{AccessFs, BitFlags};

use crate::error::Error;

/// A set of unveil permissions, with OpenBSD's meaning:
///
/// - `r`: read files, list directories;
/// - `w`: write and truncate files (and, where the kernel can restrict them, ioctl on devices
///   and connect() to unix sockets);
/// - `x`: execute;
/// - `c`: create and remove files, directories, links, sockets, fifos and device nodes, and
///   move them across directories.
///
/// The empty set hides a path.
///
/// ```
/// use scopes::Permissions;
/// let p: Permissions = "rc".parse()?;
/// assert!(p.contains(Permissions::READ) && !p.contains(Permissions::WRITE));
/// assert_eq!(p.to_string(), "rc");
/// assert_eq!("rz".parse::<Permissions>().unwrap_err().errno(), libc::EINVAL);
/// # Ok::<(), scopes::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Permissions(u8);

impl Permissions {
    /// No access: hides the path.
    pub const NONE: Permissions = Permissions(0);
    /// `r`.
    pub const READ: Permissions = Permissions(1);
    /// `w`.
    pub const WRITE: Permissions = Permissions(2);
    /// `x`.
    pub const EXECUTE: Permissions = Permissions(4);
    /// `c`.
    pub const CREATE: Permissions = Permissions(8);

    const LETTERS: [(char, Permissions); 4] = [
        ('r', Permissions::READ),
        ('w', Permissions::WRITE),
        ('x', Permissions::EXECUTE),
        ('c', Permissions::CREATE),
    ];

    /// Parses a permission string: any of `r`, `w`, `x`, `c`, in any order; repeats are
    /// harmless. Anything else is [`Error::BadPermissions`] (EINVAL).
    pub fn parse(text: &str) -> Result<Permissions, Error> {
        let mut set = Permissions::NONE;
        for letter in text.chars() {
            match Self::LETTERS.iter().find(|(l, _)| *l == letter) {
                Some((_, p)) => set = set | *p,
                None => {
                    return Err(Error::BadPermissions {
                        permissions: text.to_owned(),
                    })
                }
            }
        }
        Ok(set)
    }

    /// Whether every permission in `other` is in `self`.
    pub fn contains(self, other: Permissions) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether the set is empty (the path is hidden).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The Landlock rights these permissions stand for, before masking by what the kernel
    /// handles and by what a non-directory can have. The mapping of each letter is the one
    /// pledge's implied paths use; `c` adds device nodes (`d`), since OpenBSD's `c` covers
    /// mknod too.
    pub(crate) fn rights(self) -> BitFlags<AccessFs> {
        let mut letters = self.to_string();
        if self.contains(Permissions::CREATE) {
            letters.push('d');
        }
        crate::landlock::rights(&letters)
    }
}

impl std::ops::BitOr for Permissions {
    type Output = Permissions;
    fn bitor(self, other: Permissions) -> Permissions {
        Permissions(self.0 | other.0)
    }
}

impl FromStr for Permissions {
    type Err = Error;
    fn from_str(text: &str) -> Result<Permissions, Error> {
        Permissions::parse(text)
    }
}

impl fmt::Display for Permissions {
    /// The letters in the order `rwxc`; the empty set prints as nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (letter, p) in Self::LETTERS {
            if self.contains(p) {
                write!(f, "{letter}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_letter() {
        assert_eq!(Permissions::parse("").unwrap(), Permissions::NONE);
        assert_eq!(Permissions::parse("cxwr").unwrap().to_string(), "rwxc");
        assert_eq!(Permissions::parse("rr").unwrap(), Permissions::READ);
        for bad in ["R", "rwxcd", " r", "a", "r\0"] {
            let err = Permissions::parse(bad).unwrap_err();
            assert_eq!(err.errno(), libc::EINVAL, "{bad:?}");
            assert!(err.to_string().contains("bad unveil permissions"), "{err}");
        }
    }

    #[test]
    fn rights_follow_the_letters() {
        assert!(Permissions::READ
            .rights()
            .contains(AccessFs::ReadFile | AccessFs::ReadDir));
        assert!(!Permissions::READ.rights().contains(AccessFs::WriteFile));
        assert!(Permissions::WRITE
            .rights()
            .contains(AccessFs::WriteFile | AccessFs::Truncate));
        assert_eq!(Permissions::EXECUTE.rights(), AccessFs::Execute);
        let c = Permissions::CREATE.rights();
        for right in [
            AccessFs::MakeReg,
            AccessFs::MakeDir,
            AccessFs::MakeSym,
            AccessFs::MakeSock,
            AccessFs::MakeFifo,
            AccessFs::MakeChar,
            AccessFs::MakeBlock,
            AccessFs::RemoveFile,
            AccessFs::RemoveDir,
            AccessFs::Refer,
        ] {
            assert!(c.contains(right), "{right:?}");
        }
        assert!(!c.contains(AccessFs::ReadFile));
        assert!(Permissions::NONE.rights().is_empty());
    }
}

//! Reading the word list `pledge()` takes into a [`Promises`] set, with OpenBSD's rules for
//! spaces and its errors. Kept apart from [`crate::promise`] so that the error type, which
//! names promise sets, and the promise types do not depend on each other.

use std::str::FromStr;

use crate::error::Error;
use crate::promise::{Promise, Promises, OPENBSD_ONLY};

impl Promises {
    /// Parses the OpenBSD word list: words separated by single ASCII spaces (runs of spaces
    /// and trailing spaces are fine, a leading space or a tab is not, as on OpenBSD).
    ///
    /// ```
    /// let err = scopes_core::Promises::parse("stdio bogus").unwrap_err();
    /// assert_eq!(err.errno(), scopes_core::abi::EINVAL);
    /// assert!(err.to_string().contains("bogus"));
    /// ```
    pub fn parse(words: &str) -> Result<Promises, Error> {
        if words.len() >= 1024 {
            return Err(Error::TooLong { len: words.len() });
        }
        let mut set = Promises::EMPTY;
        let mut rest = words;
        if rest.starts_with(' ') {
            return Err(Error::UnknownPromise {
                word: String::new(),
            });
        }
        while !rest.is_empty() {
            let end = rest.find(' ').unwrap_or(rest.len());
            let word = &rest[..end];
            rest = rest[end..].trim_start_matches(' ');
            if word.is_empty() {
                continue;
            }
            match Promise::from_word(word) {
                Some(p) => set.insert(p),
                None => {
                    if let Some((_, meaning)) = OPENBSD_ONLY.iter().find(|(w, _)| *w == word) {
                        return Err(Error::NoLinuxMeaning {
                            word: word.to_string(),
                            meaning,
                        });
                    }
                    return Err(Error::UnknownPromise {
                        word: word.to_string(),
                    });
                }
            }
        }
        Ok(set)
    }
}

impl FromStr for Promises {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Promises::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_openbsd() {
        assert_eq!(Promises::parse("").unwrap(), Promises::EMPTY);
        assert_eq!(
            Promises::parse("stdio  rpath ").unwrap().to_string(),
            "stdio rpath"
        );
        assert!(matches!(
            Promises::parse(" stdio"),
            Err(Error::UnknownPromise { .. })
        ));
        let tab = Promises::parse("stdio\trpath").unwrap_err();
        assert!(matches!(tab, Error::UnknownPromise { .. }));
        assert!(
            tab.to_string().contains("separated by spaces only"),
            "{tab}"
        );
        let lead = Promises::parse(" stdio").unwrap_err();
        assert!(lead.to_string().contains("starts with a space"), "{lead}");
        assert!(matches!(
            Promises::parse("stdio pf"),
            Err(Error::NoLinuxMeaning { .. })
        ));
        assert!(matches!(
            Promises::parse(&"stdio ".repeat(300)),
            Err(Error::TooLong { .. })
        ));
    }
}

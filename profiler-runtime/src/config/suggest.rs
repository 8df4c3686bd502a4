//! "Did you mean": the known name closest to a mistyped one, for the
//! file's keys and the `--profile` flags.

/// The name in `known` closest to `given` by edit distance, if it is close
/// enough to be a typo of it (at most a third of its letters wrong, and at
/// least two allowed) rather than another word.
// Only the file's keys use this bound, and the file needs `config-file`.
#[cfg_attr(not(feature = "config-file"), allow(dead_code))]
pub(crate) fn closest(given: &str, known: &[&'static str]) -> Option<&'static str> {
    nearest(given, known)
        .filter(|&(distance, name)| distance <= (name.chars().count() / 3).max(2))
        .map(|(_, name)| name)
}

/// The name in `known` closest to `given`, if at most `most` edits away.
pub(crate) fn within(given: &str, known: &[&'static str], most: usize) -> Option<&'static str> {
    nearest(given, known).filter(|&(distance, _)| distance <= most).map(|(_, name)| name)
}

/// The name in `known` closest to `given`, and its distance; the first of
/// equally close ones.
fn nearest(given: &str, known: &[&'static str]) -> Option<(usize, &'static str)> {
    known.iter().map(|&name| (edits(given, name), name)).min_by_key(|&(distance, _)| distance)
}

/// Levenshtein distance: the fewest one-character insertions, deletions and
/// substitutions that turn `a` into `b`.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // `above[j]`: distance between the prefix of `a` seen so far (one
    // character shorter) and `b[..j]`.
    let mut above: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = above[j] + usize::from(ca != cb);
            row[j + 1] = substitute.min(above[j + 1] + 1).min(row[j] + 1);
        }
        std::mem::swap(&mut above, &mut row);
    }
    above[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["enabled", "level", "out", "sample_ms", "sample_rate"];

    #[test]
    fn distances_count_single_character_edits() {
        assert_eq!(edits("", "abc"), 3);
        assert_eq!(edits("level", "level"), 0);
        assert_eq!(edits("levl", "level"), 1);
        assert_eq!(edits("kitten", "sitting"), 3);
        assert_eq!(edits("sample_rat", "sample_ms"), 3);
    }

    #[test]
    fn a_typo_gets_the_closest_key_and_another_word_gets_none() {
        assert_eq!(closest("levl", KEYS), Some("level"));
        assert_eq!(closest("sampel_rate", KEYS), Some("sample_rate"));
        assert_eq!(closest("sample_m", KEYS), Some("sample_ms"));
        assert_eq!(closest("enable", KEYS), Some("enabled"));
        assert_eq!(closest("colour", KEYS), None);
    }

    #[test]
    fn within_holds_to_its_own_bound() {
        assert_eq!(within("levle", KEYS, 2), Some("level"));
        assert_eq!(within("lvl", KEYS, 1), None);
        assert_eq!(within("level", KEYS, 0), Some("level"));
    }
}

//! Shortening operation names to a column without making two of them alike.
//!
//! A name is a path (`cmd::subscribe::Subscribe::into_frame`); what tells
//! operations apart is its end, the type and the method. So the module path
//! goes first (`…::Subscribe::into_frame`). A name keeps as many trailing
//! segments as it takes to differ from every other name's end; one whose
//! telling end does not fit shows the start of its path, `…`, and
//! `Type::method`.

use super::escape::sanitize;
use super::width;

/// Each of `names` shortened to at most `columns` terminal columns, distinct
/// wherever the originals are (as far as the column allows).
pub(crate) fn fit_all(names: &[&str], columns: usize) -> Vec<String> {
    let clean: Vec<String> = names.iter().map(|n| sanitize(n)).collect();
    let segments: Vec<Vec<&str>> = clean.iter().map(|n| split_path(n)).collect();
    (0..clean.len())
        .map(|i| {
            // The fewest trailing segments (two at least) no other name ends with.
            let own = &segments[i];
            let keep = (own.len().min(2)..=own.len())
                .find(|&k| {
                    segments.iter().zip(&clean).all(|(other, name)| {
                        *name == clean[i] || !ends_with(other, &own[own.len() - k..])
                    })
                })
                .unwrap_or(own.len());
            shown(own, keep, columns).unwrap_or_else(|| middle(&clean[i], own, columns))
        })
        .collect()
}

/// One name alone.
pub(crate) fn fit(name: &str, columns: usize) -> String {
    fit_all(&[name], columns).remove(0)
}

fn ends_with(segments: &[&str], tail: &[&str]) -> bool {
    segments.len() >= tail.len() && segments[segments.len() - tail.len()..] == *tail
}

/// The last `keep` segments of a path (or more, as room allows), with `…::`
/// where segments were left out; `None` if even `keep` do not fit.
fn shown(segments: &[&str], keep: usize, columns: usize) -> Option<String> {
    let whole = segments.join("::");
    if width::width(&whole) <= columns {
        return Some(whole);
    }
    // Leave out as few leading segments as it takes, keeping at least `keep`.
    (1..=segments.len().saturating_sub(keep))
        .map(|first| format!("…::{}", segments[first..].join("::")))
        .find(|text| width::width(text) <= columns)
}

/// A name too long for its telling end: the start of the path, `…`, then
/// `Type::method`; only the end, cut from the left, if even that is too wide.
fn middle(name: &str, segments: &[&str], columns: usize) -> String {
    let tail = segments[segments.len().saturating_sub(2)..].join("::");
    let room = columns.saturating_sub(width::width(&tail) + 3);
    if room == 0 {
        return format!("…{}", width::take_last_columns(&tail, columns.saturating_sub(1)));
    }
    format!("{}…::{tail}", width::take_columns(name, room))
}

/// `a::<B as C<d::E>>::f` → `["a", "<B as C<d::E>>", "f"]`: splits at `::`
/// outside angle brackets, parentheses and square brackets.
fn split_path(name: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start, mut prev) = (0usize, 0usize, '\0');
    let mut i = 0;
    while let Some(ch) = name[i..].chars().next() {
        match ch {
            '<' | '(' | '[' => depth += 1,
            '>' if prev != '-' => depth = depth.saturating_sub(1),
            ')' | ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 && name[i..].starts_with("::") => {
                parts.push(&name[start..i]);
                start = i + 2;
                i += 2;
                prev = ':';
                continue;
            }
            _ => {}
        }
        prev = ch;
        i += ch.len_utf8();
    }
    parts.push(&name[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_module_path_goes_first_and_the_type_stays() {
        assert_eq!(fit("cmd::subscribe::Subscribe::into_frame", 24), "…::Subscribe::into_frame");
        assert_eq!(fit("db::open", 24), "db::open");
        assert_eq!(fit("a::b::c::d::e::Type::method", 20), "…::e::Type::method");
        // Too narrow for `…::Type::method`: the end, cut from the left.
        assert_eq!(fit("app::VeryLongTypeName::method", 25), "…VeryLongTypeName::method");
        let cut = fit("app::VeryLongTypeName::method", 12);
        assert_eq!(cut, "…ame::method");
        assert_eq!(width::width(&cut), 12);
    }

    #[test]
    fn names_that_would_look_alike_keep_more_of_their_path() {
        // Issue 14: both printed as `…ubscribe::into_frame`.
        let names =
            ["cmd::subscribe::Subscribe::into_frame", "cmd::unsubscribe::Unsubscribe::into_frame"];
        assert_eq!(fit_all(&names, 28), ["…::Subscribe::into_frame", "…::Unsubscribe::into_frame"]);
        let names = [
            "cmd::subscribe::Frame::into_frame",
            "cmd::unsubscribe::Frame::into_frame",
            "cmd::ping::Ping::into_frame",
        ];
        assert_eq!(
            fit_all(&names, 33),
            [
                "cmd::subscribe::Frame::into_frame",
                "…::unsubscribe::Frame::into_frame",
                "cmd::ping::Ping::into_frame"
            ]
        );
        // Too narrow for the segment that differs: the start shows it.
        let fitted = fit_all(&names, 28);
        assert_eq!(fitted[..2], ["cmd::sub…::Frame::into_frame", "cmd::uns…::Frame::into_frame"]);
        assert!(fitted.iter().all(|f| width::width(f) <= 28), "{fitted:?}");
    }

    #[test]
    fn qualified_paths_are_one_segment() {
        assert_eq!(
            split_path("frame::<Error as From<io::Error>>::from"),
            ["frame", "<Error as From<io::Error>>", "from"]
        );
        assert_eq!(
            split_path("m::<dyn Fn(u8) -> u8 as Tr>::f"),
            ["m", "<dyn Fn(u8) -> u8 as Tr>", "f"]
        );
        assert_eq!(
            fit("frame::<Error as From<String>>::from", 32),
            "…::<Error as From<String>>::from"
        );
    }
}

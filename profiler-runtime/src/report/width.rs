//! How many terminal columns text takes, so tables stay aligned with CJK,
//! emoji and combining marks in names.
//!
//! A small table of the wide ranges (East Asian Wide/Fullwidth and the emoji
//! blocks) is enough for alignment; exactness for every script is not the goal.

/// Columns one character takes: 0 for combining marks, 2 for wide ones, else 1.
pub(crate) fn char_width(c: char) -> usize {
    let u = c as u32;
    if matches!(u, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
    {
        return 0;
    }
    let wide = matches!(
        u,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F
            | 0x1F680..=0x1F6FF
            | 0x1F900..=0x1F9FF
            | 0x1FA70..=0x1FAFF
            | 0x20000..=0x3FFFD
    );
    if wide {
        2
    } else {
        1
    }
}

/// Columns a string takes.
pub(crate) fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// The longest prefix of `text` that fits in `columns`.
pub(crate) fn take_columns(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += char_width(c);
        if used > columns {
            return &text[..i];
        }
    }
    text
}

/// The longest suffix of `text` that fits in `columns`.
pub(crate) fn take_last_columns(text: &str, columns: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices().rev() {
        used += char_width(c);
        if used > columns {
            return &text[i + c.len_utf8()..];
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_and_zero_width_characters() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("データ"), 6);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(width("🚀"), 2);
        assert_eq!(take_columns("データ", 3), "デ");
        assert_eq!(take_last_columns("abデータ", 5), "ータ");
    }
}

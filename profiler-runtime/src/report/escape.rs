//! Names and messages made safe to print on a terminal: whatever a name
//! holds, it stays on one line and reads as stored.

/// Characters that would break a line or reorder or hide text on a terminal:
/// controls, bidirectional overrides and isolates, zero-width characters.
fn is_unsafe(ch: char) -> bool {
    ch.is_control()
        || matches!(ch as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2069 | 0xFEFF)
}

/// The text with unsafe characters escaped, so it stays on one line and
/// reads as stored.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if is_unsafe(ch) {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_breaks_bidi_overrides_and_zero_widths_are_escaped() {
        assert_eq!(sanitize("a\u{202e}b\u{200b}"), "a\\u{202e}b\\u{200b}");
        assert_eq!(sanitize("x\ny\tz\u{7}"), "x\\ny\\tz\\u{7}");
        assert_eq!(sanitize("データ::読み込み é"), "データ::読み込み é");
    }
}

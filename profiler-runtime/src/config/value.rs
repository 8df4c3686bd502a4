//! The spellings configuration accepts, shared by the environment, the file
//! and the flags, and the words their errors use to say what is allowed.

use crate::state::level::{Level, MAX_MEMORY_INTERVAL, MIN_MEMORY_INTERVAL};
use std::time::Duration;

/// What a level may be.
pub(crate) const LEVEL_ALLOWED: &str = "basic, detailed or full";
/// What an on/off switch may be.
pub(crate) const SWITCH_ALLOWED: &str = "1, 0, true, false, on, off, yes or no";
/// What a memory interval in milliseconds may be (the bounds of
/// `MIN_MEMORY_INTERVAL` and `MAX_MEMORY_INTERVAL`; a test holds them equal).
pub(crate) const INTERVAL_MS_ALLOWED: &str = "a whole number of milliseconds from 1 to 3600000";
/// What an output path may be.
pub(crate) const PATH_ALLOWED: &str =
    "a file path (.json for JSON, any other name for the text summary)";

/// What a history directory may be.
pub(crate) const DIR_ALLOWED: &str = "a directory path (made if missing)";
/// How many saved runs a history directory may keep.
pub(crate) const HISTORY_FILES_ALLOWED: &str = "a whole number of files, 1 or more";

/// What a slow-call threshold may be.
pub(crate) const SLOW_ALLOWED: &str =
    "a duration above 0 with its unit, such as \"250us\", \"10ms\" or \"1.5s\" (ns, us, µs, ms, s)";

/// A duration written as a number and a unit (`ns`, `us` or `µs`, `ms`,
/// `s`), above 0 and under 2^63 ns, such as `250us` or `1.5s`.
pub(crate) fn duration_text(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let per_unit = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    let nanos = number.parse::<f64>().ok()? * per_unit;
    (1.0..9.2e18).contains(&nanos).then(|| Duration::from_nanos(nanos.round() as u64))
}

/// A byte count: a whole number of bytes, or a number and a unit (`B`,
/// `KiB`, `MiB`, `GiB`; `KB`, `MB`, `GB` are powers of 1000), above 0.
#[cfg_attr(not(feature = "config-file"), allow(dead_code))]
pub(crate) fn bytes_text(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let per_unit = match unit.trim() {
        "" | "B" => 1.0,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "KB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        _ => return None,
    };
    let bytes = number.parse::<f64>().ok()? * per_unit;
    (1.0..1.8e19).contains(&bytes).then(|| bytes.round() as u64)
}

/// A level by its name, ignoring case and surrounding blanks.
pub(crate) fn level(text: &str) -> Option<Level> {
    let text = text.trim();
    [Level::Basic, Level::Detailed, Level::Full]
        .into_iter()
        .find(|level| level.as_str().eq_ignore_ascii_case(text))
}

/// An on/off switch: `1`/`0`, `true`/`false`, `on`/`off`, `yes`/`no`, in any case.
pub(crate) fn switch(text: &str) -> Option<bool> {
    const ON: [&str; 4] = ["1", "true", "on", "yes"];
    const OFF: [&str; 4] = ["0", "false", "off", "no"];
    let text = text.trim();
    if ON.iter().any(|word| word.eq_ignore_ascii_case(text)) {
        Some(true)
    } else if OFF.iter().any(|word| word.eq_ignore_ascii_case(text)) {
        Some(false)
    } else {
        None
    }
}

/// A memory interval of `ms` milliseconds, if the sampler accepts it.
pub(crate) fn interval_ms(ms: u64) -> Option<Duration> {
    let interval = Duration::from_millis(ms);
    (MIN_MEMORY_INTERVAL..=MAX_MEMORY_INTERVAL).contains(&interval).then_some(interval)
}

/// A memory interval written as a whole number of milliseconds.
pub(crate) fn interval_text(text: &str) -> Option<Duration> {
    interval_ms(text.trim().parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_read_by_name_in_any_case() {
        assert_eq!(level("basic"), Some(Level::Basic));
        assert_eq!(level(" Detailed "), Some(Level::Detailed));
        assert_eq!(level("FULL"), Some(Level::Full));
        assert_eq!(level("verbose"), None);
        assert_eq!(level(""), None);
    }

    #[test]
    fn switches_take_the_usual_words() {
        for on in ["1", "true", "TRUE", "on", "Yes"] {
            assert_eq!(switch(on), Some(true), "{on}");
        }
        for off in ["0", "false", "Off", "no"] {
            assert_eq!(switch(off), Some(false), "{off}");
        }
        for bad in ["2", "enabled", "", "y"] {
            assert_eq!(switch(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_interval_words_match_the_samplers_bounds() {
        let min = MIN_MEMORY_INTERVAL.as_millis() as u64;
        let max = MAX_MEMORY_INTERVAL.as_millis() as u64;
        assert!(INTERVAL_MS_ALLOWED.contains(&format!("from {min} to {max}")));
        assert_eq!(interval_ms(min), Some(MIN_MEMORY_INTERVAL));
        assert_eq!(interval_ms(max), Some(MAX_MEMORY_INTERVAL));
        assert_eq!(interval_ms(0), None);
        assert_eq!(interval_ms(max + 1), None);
        assert_eq!(interval_text(" 20 "), Some(Duration::from_millis(20)));
        assert_eq!(interval_text("20ms"), None);
        assert_eq!(interval_text("-5"), None);
    }

    #[test]
    fn durations_take_a_number_and_a_unit() {
        assert_eq!(duration_text("250us"), Some(Duration::from_micros(250)));
        assert_eq!(duration_text(" 1.5s "), Some(Duration::from_millis(1500)));
        assert_eq!(duration_text("10 ms"), Some(Duration::from_millis(10)));
        assert_eq!(duration_text("40µs"), Some(Duration::from_micros(40)));
        assert_eq!(duration_text("7ns"), Some(Duration::from_nanos(7)));
        for bad in ["", "10", "ms", "0ms", "-1ms", "1.2.3s", "5 min", "1e3ms"] {
            assert_eq!(duration_text(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn byte_counts_take_binary_and_decimal_units() {
        assert_eq!(bytes_text("4096"), Some(4096));
        assert_eq!(bytes_text("8MiB"), Some(8 << 20));
        assert_eq!(bytes_text("1.5 KiB"), Some(1536));
        assert_eq!(bytes_text("2MB"), Some(2_000_000));
        for bad in ["", "0", "MiB", "-5", "3 TiB", "1,000"] {
            assert_eq!(bytes_text(bad), None, "{bad:?}");
        }
    }
}

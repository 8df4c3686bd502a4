//! Hostile text in every place a report shows a string (operation names,
//! error texts, metadata, session ids, counter and stage names): the summary
//! stays a clean 100-column text, and the JSON keeps every string exactly.

use profiler_runtime::{monitor, Monitor, SessionReport};

/// Strings that break naive renderers.
fn hostile_strings() -> Vec<String> {
    vec![
        r#"quote " and backslash \ and \" both"#.to_owned(),
        "line\nbreak\r\nand\ttab".to_owned(),
        "bell\u{7} nul\u{0} del\u{7f} backspace\u{8}".to_owned(),
        "\u{1b}[31mred\u{1b}[0m \u{1b}]0;title\u{7}".to_owned(),
        "x".repeat(5_000),
        "データ処理パイプライン".to_owned(),
        "emoji 🦀🔥 family 👩‍👩‍👧 flag 🇯🇵".to_owned(),
        "עברית والعربية mixed RTL".to_owned(),
        "words and words ".repeat(300),
        String::new(),
    ]
}

#[monitor("hostile::failing")]
fn failing(text: &str) -> Result<(), String> {
    Err(text.to_owned())
}

/// A report with every hostile string in every textual field.
fn hostile_report() -> SessionReport {
    let strings = hostile_strings();
    let m = Monitor::new();
    m.start_session(format!("\u{1b}[2J{}\n{}", strings[4], strings[1]));
    for (i, s) in strings.iter().enumerate() {
        let mut op = m.start_operation(&format!("hostile::{i}:{s}"));
        op.metadata(s, s).metadata(format!("k{i}"), s);
        op.fail(s);
        m.scope(|| failing(s)).unwrap_err();
        m.add_count(&format!("hostile::{i}:{s}"), i as u64 + 1);
        m.stage(s).items(i as u64);
    }
    m.end_session().unwrap()
}

/// The lines of the summary that are wider than 100 characters.
fn too_wide(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .filter(|l| l.chars().count() > 100)
        .map(|l| (l.chars().count(), l.chars().take(60).collect()))
        .collect()
}

#[test]
fn the_report_holds_the_hostile_strings() {
    let report = hostile_report();
    let strings = hostile_strings();
    assert_eq!(report.counters.len(), strings.len());
    let long = format!("hostile::4:{}", strings[4]);
    assert!(report.operation(&long).is_some(), "long names are kept whole");
    assert_eq!(report.events.len(), strings.len());
}

#[test]
fn the_summary_of_hostile_text_has_no_raw_control_characters() {
    let text = hostile_report().to_text();
    let raw: Vec<char> = text.chars().filter(|c| c.is_control() && *c != '\n').collect();
    assert!(raw.is_empty(), "raw control characters {raw:?}");
    assert!(!text.contains('\u{1b}'));
}

#[test]
fn each_operations_row_of_hostile_names_is_one_line() {
    let report = hostile_report();
    let text = report.to_text();
    let lines: Vec<&str> = text.lines().collect();
    let heading = lines.iter().position(|l| *l == "Operations (by total time)").unwrap();
    let section: Vec<&str> =
        lines[heading + 2..].iter().take_while(|l| !l.is_empty()).copied().collect();
    let notes = report.operations.iter().filter(|op| op.last_error.is_some()).count()
        + report.operations.iter().filter(|op| op.cancelled > 0).count();
    // One line per row, the legend, then one per note: a name or error that
    // broke a line would add lines here.
    let legend = lines.iter().filter(|l| l.starts_with("  %wall: total time")).count();
    assert_eq!(legend, 1, "{text}");
    let notes = notes + legend;
    assert_eq!(section.len(), report.operations.len() + notes, "{}", section.join("\n"));
    for (row, op) in section.iter().zip(&report.operations) {
        assert!(row.starts_with("  "), "{row}");
        let calls = op.calls.to_string();
        assert!(row.split_whitespace().any(|w| w == calls), "{row} lacks {calls} calls");
    }
}

#[test]
fn the_operations_table_fits_in_100_columns() {
    let m = Monitor::new();
    m.start_session("plain");
    m.start_operation("hostile::plain").finish();
    let text = m.end_session().unwrap().to_text();
    assert_eq!(too_wide(&text), [], "{text}");
}

#[test]
fn six_digit_failure_counts_keep_the_operations_columns_aligned() {
    let m = Monitor::new();
    m.start_session("many-failures");
    m.scope(|| (0..100_000).for_each(|_| assert!(failing("no").is_err())));
    let text = m.end_session().unwrap().to_text();
    let lines: Vec<&str> = text.lines().collect();
    let heading = lines.iter().position(|l| *l == "Operations (by total time)").unwrap();
    let (header, row) = (lines[heading + 1], lines[heading + 2]);
    assert!(row.contains("100,000"), "{row}");
    assert_eq!(row.chars().count(), header.chars().count(), "\n{header}\n{row}");
}

#[test]
fn a_finding_about_a_long_unbroken_name_stays_within_100_columns() {
    let m = Monitor::new();
    m.start_session("long-name");
    m.start_operation(&format!("hostile::{}", "y".repeat(300))).fail("z".repeat(200));
    let text = m.end_session().unwrap().to_text();
    let findings = &text[text.find("\nFindings").expect("a failure finding")..];
    assert_eq!(too_wide(findings), [], "{text}");
}

#[test]
fn every_summary_line_of_a_hostile_report_fits_in_100_columns() {
    let text = hostile_report().to_text();
    assert_eq!(too_wide(&text), []);
}

#[test]
fn the_json_of_a_hostile_report_is_valid_and_round_trips_exactly() {
    let report = hostile_report();
    let json = report.to_json().unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(value["session_id"].as_str(), Some(report.session_id.as_str()));
    for name in report.counters.keys() {
        assert!(value["counters"].get(name).is_some(), "counter {name:?} lost");
    }
    let back = SessionReport::from_json(&json).unwrap();
    assert_eq!(back.session_id, report.session_id);
    assert_eq!(back.events, report.events);
    assert_eq!(back.counters, report.counters);
    assert_eq!(back, report);
}

#[test]
fn hostile_error_texts_and_metadata_are_kept_exactly_up_to_their_limits() {
    let report = hostile_report();
    let strings = hostile_strings();
    for (i, s) in strings.iter().enumerate() {
        let event = &report.events[i];
        let error = event.error.as_deref().unwrap();
        assert!(s.starts_with(error), "event {i}: {error:?} is not a prefix of the error");
        assert_eq!(error.len() == s.len(), s.len() <= profiler_runtime::MAX_ERROR_TEXT);
        let (key, value) = &event.metadata[0];
        assert!(s.starts_with(key.as_str()) && s.starts_with(value.as_str()), "event {i}");
    }
    let row = report.operation("hostile::failing").unwrap();
    assert_eq!(row.failures, strings.len() as u64);
    // The last failure had an empty text, and says so.
    assert_eq!(row.last_error.as_deref(), Some(""));
}

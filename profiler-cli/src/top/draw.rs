//! Lays a [`Screen`] out with ratatui: the header, the operations table,
//! resources beside the windows, the flags and the keys. No figure is
//! worked out here; `view.rs` says what every line holds. On a narrow
//! terminal the tables leave out their least needed columns rather than
//! cut figures short.

use super::view::{Screen, Tone, COLUMNS, WINDOW_COLUMNS};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Text};
use ratatui::widgets::{Block, Cell, Padding, Paragraph, Row, Table};
use ratatui::Frame;

/// The most flag lines shown; the newest come first.
const FLAG_LINES: usize = 5;

/// What a box's border and padding take from its width.
const FRAME_WIDTH: u16 = 4;

/// The operations columns left out first when they do not fit: max, p50,
/// mean, total (name, calls, failures, self time and p99 stay: they are
/// what the keys sort by).
const OPERATIONS_EXPENDABLE: [usize; 4] = [8, 6, 5, 4];

/// The windows left out first: the day, then the hour.
const WINDOWS_EXPENDABLE: [usize; 2] = [3, 2];

/// Draws `screen` over the whole frame.
pub(crate) fn draw(frame: &mut Frame<'_>, screen: &Screen) {
    let bottom = screen.resources.len().max(screen.windows.len() + 1).clamp(4, 10) as u16 + 2;
    let flags = screen.flags.len().clamp(1, FLAG_LINES) as u16 + 2;
    let [header, operations, middle, flag_area, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(5),
        Constraint::Length(bottom),
        Constraint::Length(flags),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    // The windows get the width their figures need, up to half; the
    // resources the rest.
    let window_widths = widths(WINDOW_COLUMNS, &screen.windows, 0);
    let window_width = (span(&window_widths) + FRAME_WIDTH).max(50).min(middle.width / 2);
    let [resources, windows] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(window_width)]).areas(middle);

    frame.render_widget(head(screen), header);
    let operation_widths = widths(COLUMNS, &screen.rows, 9);
    let ops = table(COLUMNS, &screen.rows, &operation_widths, &OPERATIONS_EXPENDABLE, operations);
    frame.render_widget(ops.block(block(&screen.table_title)), operations);
    frame.render_widget(lines(&screen.resources, "Resources"), resources);
    let windows_box = block(&screen.windows_title);
    if screen.windows.is_empty() {
        frame.render_widget(Paragraph::new("not in this report").block(windows_box), windows);
    } else {
        let calls =
            table(WINDOW_COLUMNS, &screen.windows, &window_widths, &WINDOWS_EXPENDABLE, windows);
        frame.render_widget(calls.block(windows_box), windows);
    }
    let flag_text: Vec<String> = if screen.flags.is_empty() {
        vec!["none raised".to_owned()]
    } else {
        screen.flags.iter().take(FLAG_LINES).cloned().collect()
    };
    frame.render_widget(lines(&flag_text, "Flags"), flag_area);
    frame.render_widget(
        Paragraph::new(screen.footer.as_str()).style(Style::new().add_modifier(Modifier::DIM)),
        footer,
    );
}

fn head(screen: &Screen) -> Paragraph<'_> {
    let colour = match screen.tone {
        Tone::Live => Color::Green,
        Tone::Waiting => Color::Yellow,
        Tone::Disconnected => Color::Red,
    };
    Paragraph::new(Text::from(vec![
        Line::styled(screen.title.as_str(), Style::new().add_modifier(Modifier::BOLD)),
        Line::styled(screen.status.as_str(), Style::new().fg(colour)),
    ]))
}

/// Each column as wide as its widest cell or heading (names up to 60),
/// the figures at least `figure` wide so they do not shift with every
/// redraw, and beside the names rather than spread across the screen.
fn widths<const N: usize>(headings: [&str; N], rows: &[[String; N]], figure: usize) -> Vec<u16> {
    (0..N)
        .map(|i| {
            let widest = rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
            let least = if i == 0 { headings[i].len() } else { headings[i].len().max(figure) };
            widest.clamp(least, 60) as u16
        })
        .collect()
}

/// The width of `widths` side by side, one space apart.
fn span(widths: &[u16]) -> u16 {
    widths.iter().sum::<u16>() + widths.len().saturating_sub(1) as u16
}

/// The columns to show in `room` cells: all when they fit, else without
/// the `expendable` ones, first to last, until they do.
fn fitting(widths: &[u16], room: u16, expendable: &[usize]) -> Vec<usize> {
    let mut kept: Vec<usize> = (0..widths.len()).collect();
    for column in expendable {
        let shown: Vec<u16> = kept.iter().map(|&i| widths[i]).collect();
        if span(&shown) <= room {
            break;
        }
        kept.retain(|i| i != column);
    }
    kept
}

/// A table of the columns that fit in `area`: the name left-aligned, the
/// figures right-aligned under bold headings.
fn table<'a, const N: usize>(
    headings: [&'a str; N],
    rows: &'a [[String; N]],
    widths: &[u16],
    expendable: &[usize],
    area: Rect,
) -> Table<'a> {
    let kept = fitting(widths, area.width.saturating_sub(FRAME_WIDTH), expendable);
    let row = |cells: [&'a str; N]| Row::new(kept.iter().map(move |&i| cell(cells[i], i)));
    let body = rows.iter().map(|r| row(std::array::from_fn(|i| r[i].as_str())));
    Table::new(body, kept.iter().map(|&i| Constraint::Length(widths[i])))
        .header(row(headings).style(Style::new().add_modifier(Modifier::BOLD)))
}

/// A cell, right-aligned unless it is the name column.
fn cell(text: &str, column: usize) -> Cell<'_> {
    let line = Line::from(text);
    Cell::from(if column == 0 { line } else { line.right_aligned() })
}

/// A bordered box titled `title`, its text a space in from the border.
fn block(title: &str) -> Block<'static> {
    Block::bordered().padding(Padding::horizontal(1)).title(format!(" {title} "))
}

fn lines<'a>(text: &'a [String], title: &str) -> Paragraph<'a> {
    let lines: Vec<Line<'_>> = text.iter().map(|l| Line::from(l.as_str())).collect();
    Paragraph::new(lines).block(block(title))
}

#[cfg(test)]
mod tests {
    use super::super::reading::{Reading, Watch};
    use super::super::view::{screen, tests::shop, Sort};
    use super::*;
    use crate::endpoint::Endpoint;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use std::time::{Duration, Instant};

    #[test]
    fn one_render_shows_the_top_operation_and_the_hit_rate() {
        let mut watch = Watch::new();
        watch.update(Reading::Report(Box::new(shop()), None), Instant::now());
        let endpoint = Endpoint::parse("127.0.0.1:9184").unwrap();
        let screen = screen(&watch, Sort::SelfTime, &endpoint, Duration::from_secs(1), None);
        let (width, height) = (120, 30);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| draw(frame, &screen)).unwrap();
        let buffer = terminal.backend().buffer();
        assert_eq!((buffer.area.width, buffer.area.height), (width, height));
        let text: Vec<String> = (0..height)
            .map(|y| (0..width).map(|x| buffer[(x, y)].symbol()).collect::<String>())
            .collect();
        let all = text.join("\n");
        let table_row =
            text.iter().position(|l| l.contains("operation") && l.contains("p99")).expect(&all);
        assert!(text[table_row + 1].contains("query_db"), "{all}");
        assert!(all.contains("Operations, sorted by self time"), "{all}");
        assert!(all.contains("hit rate 83.3%"), "{all}");
        assert!(all.contains("live · http://127.0.0.1:9184/"), "{all}");
        assert!(all.contains("not in this report") && all.contains("none raised"), "{all}");
    }

    #[test]
    fn narrow_tables_leave_out_columns_rather_than_cut_figures() {
        assert_eq!(fitting(&[10, 9, 9, 9], 40, &[3, 2]), [0, 1, 2, 3]);
        assert_eq!(fitting(&[10, 9, 9, 9], 30, &[3, 2]), [0, 1, 2]);
        assert_eq!(fitting(&[10, 9, 9, 9], 5, &[3, 2]), [0, 1]);
        assert_eq!(widths(["operation", "calls"], &[["a".to_owned(), "1".to_owned()]], 9), [9, 9]);
    }
}

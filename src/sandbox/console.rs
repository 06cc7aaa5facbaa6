//! Writes what happens in the sandbox. At a terminal: a log that scrolls, and under it a live
//! status display redrawn in place (the cursor moves back up over it and overwrites it) with the
//! prompt at the bottom. Anywhere else (a pipe, a file, a script run): a plain transcript in
//! which every event is one line and a snapshot's status block is printed again only when it
//! changed, between `┌─` and `└─`.
//!
//! What the lines say comes from `view`; this module only decides where they go and when.

use std::collections::HashMap;
use std::io::Write;

use jiff::SignedDuration;

use super::view::{LEGEND, compact_line, log_lines, offset_text, status_block};
use crate::engine::SnapshotFacts;
use crate::gate::{Policy, VersionCatalog};

pub struct Console {
    screen: Option<Screen>,
    /// Transcript: the block last printed per snapshot, to print only changes.
    printed: HashMap<String, Vec<String>>,
}

/// The live display at a terminal.
struct Screen {
    color: bool,
    /// Log lines not yet written above the display.
    pending: Vec<String>,
    /// The display under the log: header, status blocks, legend.
    display: Vec<String>,
    draft: String,
    /// How many rows the display and the prompt took when last drawn.
    drawn_rows: usize,
    dirty: bool,
    /// Clear the whole screen before the next draw (after a resize).
    fresh: bool,
}

impl Console {
    pub fn transcript() -> Self {
        Self {
            screen: None,
            printed: HashMap::new(),
        }
    }

    pub fn live(color: bool) -> Self {
        Self {
            screen: Some(Screen {
                color,
                pending: Vec::new(),
                display: Vec::new(),
                draft: String::new(),
                drawn_rows: 0,
                dirty: true,
                fresh: false,
            }),
            printed: HashMap::new(),
        }
    }

    /// A log line: when, who, what.
    pub fn log(&mut self, offset: SignedDuration, who: &str, text: &str) {
        self.write_lines(log_lines(offset, who, text));
    }

    /// Text as it is, such as the answer to a command.
    pub fn text(&mut self, text: &str) {
        self.write_lines(text.lines().map(str::to_string).collect());
    }

    /// The status of every snapshot, oldest first. A transcript prints the blocks that changed;
    /// a terminal shows them all under the header, as much as fits.
    pub fn status(
        &mut self,
        offset: SignedDuration,
        header: &str,
        facts: &[SnapshotFacts],
        policy: &Policy,
        catalog: &VersionCatalog,
    ) {
        let blocks: Vec<Vec<String>> = facts
            .iter()
            .map(|f| status_block(f, policy, catalog))
            .collect();
        match &mut self.screen {
            Some(screen) => {
                let (_, rows) = crossterm::terminal::size().unwrap_or((80, 24));
                let display = display(header, facts, &blocks, usize::from(rows));
                if display != screen.display {
                    screen.display = display;
                    screen.dirty = true;
                }
            }
            None => {
                if facts.is_empty() && self.printed.is_empty() {
                    let waiting =
                        ["no snapshot yet: waiting for Konflux to build main".to_string()];
                    print_lines(&framed(offset, &waiting));
                    self.printed.insert(String::new(), waiting.to_vec());
                }
                for (f, block) in facts.iter().zip(blocks) {
                    if self.printed.get(&f.snapshot.name) != Some(&block) {
                        print_lines(&framed(offset, &block));
                        self.printed.insert(f.snapshot.name.clone(), block);
                    }
                }
            }
        }
    }

    /// Every snapshot's block, whether it changed or not (a transcript's closing record).
    pub fn final_status(
        &mut self,
        offset: SignedDuration,
        facts: &[SnapshotFacts],
        policy: &Policy,
        catalog: &VersionCatalog,
    ) {
        if self.screen.is_none() {
            for f in facts {
                let block = status_block(f, policy, catalog);
                print_lines(&framed(offset, &block));
                self.printed.insert(f.snapshot.name.clone(), block);
            }
        }
    }

    /// The line being typed at the prompt.
    pub fn draft(&mut self, draft: &str) {
        if let Some(screen) = &mut self.screen
            && screen.draft != draft
        {
            screen.draft = draft.to_string();
            screen.dirty = true;
        }
    }

    /// The terminal changed size: draw everything again from the top of the screen.
    pub fn resized(&mut self) {
        if let Some(screen) = &mut self.screen {
            screen.fresh = true;
            screen.dirty = true;
        }
    }

    /// Redraws the live display if anything changed.
    pub fn flush(&mut self) {
        if let Some(screen) = &mut self.screen
            && screen.dirty
        {
            screen.draw(true);
        }
    }

    /// Leaves the screen tidy: the last display stays, the prompt goes.
    pub fn close(&mut self) {
        if let Some(screen) = &mut self.screen {
            screen.draw(false);
            let mut stdout = std::io::stdout();
            let _ = write!(stdout, "\r\n");
            let _ = stdout.flush();
        }
    }

    fn write_lines(&mut self, lines: Vec<String>) {
        match &mut self.screen {
            Some(screen) => {
                screen.pending.extend(lines);
                screen.dirty = true;
            }
            None => print_lines(&lines),
        }
    }
}

impl Screen {
    /// Moves up over the last drawing, clears it, writes the new log lines (which then scroll
    /// with the rest of the log), the display and the prompt, all in one write.
    fn draw(&mut self, with_prompt: bool) {
        let (columns, _) = crossterm::terminal::size().unwrap_or((80, 24));
        let width = usize::from(columns).saturating_sub(1).max(20);
        // Synchronized output, and the cursor hidden while drawing, so nothing flickers.
        let mut out = String::from("\x1b[?2026h\x1b[?25l");
        if self.fresh {
            out.push_str("\x1b[H\x1b[2J");
        } else if self.drawn_rows > 0 {
            out.push('\r');
            if self.drawn_rows > 1 {
                out.push_str(&format!("\x1b[{}A", self.drawn_rows - 1));
            }
            out.push_str("\x1b[J");
        }
        for line in self.pending.drain(..) {
            out.push_str(&paint(&line, self.color));
            out.push_str("\r\n");
        }
        for line in &self.display {
            out.push_str(&paint(&fit(line, width), self.color));
            out.push_str("\r\n");
        }
        let mut rows = self.display.len();
        if with_prompt {
            let prompt = format!("> {}", self.draft);
            let shown: String = {
                let chars: Vec<char> = prompt.chars().collect();
                chars[chars.len().saturating_sub(width)..].iter().collect()
            };
            out.push_str(&shown);
            rows += 1;
        } else if rows > 0 {
            // The cursor rests on the display's last line, so the next draw starts from it.
            out.truncate(out.len() - 2);
        }
        out.push_str("\x1b[?25h\x1b[?2026l");
        let mut stdout = std::io::stdout();
        let _ = stdout.write_all(out.as_bytes());
        let _ = stdout.flush();
        self.drawn_rows = rows;
        self.dirty = false;
        self.fresh = false;
    }
}

/// The live display for a terminal of `rows` rows: header, status blocks and legend. Older
/// snapshots shrink to one line each, then the newest ones too, until it fits with the prompt.
fn display(
    header: &str,
    facts: &[SnapshotFacts],
    blocks: &[Vec<String>],
    rows: usize,
) -> Vec<String> {
    let room = rows.saturating_sub(1);
    let compose = |full: usize| {
        let first_full = facts.len().saturating_sub(full);
        let mut lines = vec![header.to_string()];
        if facts.is_empty() {
            lines.push("no snapshot yet: waiting for Konflux to build main".to_string());
        }
        for (index, (f, block)) in facts.iter().zip(blocks).enumerate() {
            if index < first_full {
                lines.push(compact_line(f));
            } else {
                lines.extend(block.iter().cloned());
            }
        }
        lines.push(format!("legend: {LEGEND}"));
        lines
    };
    (0..=facts.len().min(2))
        .rev()
        .map(compose)
        .find(|lines| lines.len() <= room)
        .unwrap_or_else(|| {
            let mut lines = compose(0);
            lines.truncate(room);
            lines
        })
}

/// A status block in a transcript: framed, with the moment it was printed.
fn framed(offset: SignedDuration, block: &[String]) -> Vec<String> {
    let mut lines = vec![format!("┌─ status at {}", offset_text(offset))];
    lines.extend(block.iter().map(|line| format!("│ {line}")));
    lines.push("└─".to_string());
    lines
}

fn print_lines(lines: &[String]) {
    let mut stdout = std::io::stdout().lock();
    for line in lines {
        let _ = writeln!(stdout, "{line}");
    }
    let _ = stdout.flush();
}

/// Cuts a line to the terminal's width, so it never wraps and the display's rows stay counted.
fn fit(line: &str, width: usize) -> String {
    line.chars().take(width).collect()
}

/// Colours the matrix symbols and the verdict words.
fn paint(line: &str, color: bool) -> String {
    if !color {
        return line.to_string();
    }
    const RULES: [(&str, &str); 9] = [
        ("✓", "32"),
        ("✗", "31"),
        ("⚠", "33"),
        ("…", "36"),
        ("PASSED", "1;32"),
        ("BLOCKED", "1;31"),
        ("PENDING", "1;33"),
        ("FAILURE", "31"),
        ("ABORTED", "31"),
    ];
    RULES.iter().fold(line.to_string(), |line, (word, code)| {
        line.replace(word, &format!("\x1b[{code}m{word}\x1b[0m"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::run::sandbox_gate;
    use crate::test_fixtures::{AFTERNOON, MORNING, facts, snapshot};

    #[test]
    fn the_live_display_shrinks_older_snapshots_to_one_line_until_it_fits() {
        let gate = sandbox_gate();
        let all = [
            facts(
                snapshot("hypershift-operator-main-20260511-130000-000", "06:00"),
                &[],
                "15:00",
                None,
            ),
            facts(snapshot(MORNING, "07:00"), &[], "15:00", None),
            facts(snapshot(AFTERNOON, "13:00"), &[], "15:00", None),
        ];
        let blocks: Vec<Vec<String>> = all
            .iter()
            .map(|f| status_block(f, &gate.policy, &gate.catalog))
            .collect();
        let block_rows = blocks[0].len();
        let names_in = |lines: &[String]| {
            lines
                .iter()
                .filter(|l| l.starts_with("hypershift-operator-main-"))
                .count()
        };

        let roomy = display("header", &all, &blocks, 40);
        assert_eq!(roomy.len(), 1 + 1 + 2 * block_rows + 1);
        assert!(roomy[1].starts_with("hypershift-operator-main-20260511-130000-000  PENDING"));
        assert_eq!(names_in(&roomy), 3);

        let small = display("header", &all, &blocks, 1 + 2 + block_rows + 2);
        assert_eq!(small.len(), 1 + 2 + block_rows + 1, "{small:#?}");
        assert!(small[2].starts_with(&format!("{MORNING}  PENDING")));

        let tiny = display("header", &all, &blocks, 6);
        assert_eq!(tiny.len(), 5, "{tiny:#?}");
        assert!(tiny.last().unwrap().starts_with("legend:"));
    }

    #[test]
    fn lines_are_cut_to_the_width_and_painted_only_when_asked() {
        assert_eq!(fit("✓ passed", 3), "✓ p");
        assert_eq!(paint("BLOCKED ✗", false), "BLOCKED ✗");
        assert_eq!(paint("✗", true), "\x1b[31m✗\x1b[0m");
    }
}

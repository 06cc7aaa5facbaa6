//! Where the sandbox's prompt commands come from: a terminal in raw mode, edited here so the
//! status display can be redrawn without tearing up what is being typed; or plain lines of
//! standard input (a pipe, a file); or nowhere, when a script types them.
//!
//! Standard input is read on a plain thread rather than by the async runtime, because a read
//! that is blocked waiting for a line cannot be cancelled and must not hold up the exit.

use std::io::{BufRead, Write};

use crossterm::event::{Event, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::StreamExt;
use tokio::sync::mpsc;

/// What the person at the keyboard did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A command line was entered.
    Line(String),
    /// The line being typed changed; the prompt needs redrawing.
    Edited,
    /// The terminal changed size; the screen needs redrawing from scratch.
    Resized,
    /// Ctrl-D, or the end of piped input.
    Ended,
    /// Ctrl-C typed at a raw terminal (which sends no SIGINT).
    Interrupt,
}

pub enum Keyboard {
    /// Commands come from a script; standard input is not read.
    Scripted,
    /// Lines of standard input, read on their own thread.
    Lines(mpsc::UnboundedReceiver<String>),
    /// A terminal in raw mode; the line is edited here.
    Terminal {
        events: EventStream,
        editor: LineEditor,
        _raw: RawMode,
    },
}

impl Keyboard {
    /// Reads lines of standard input until it ends.
    pub fn lines() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Keyboard::Lines(receiver)
    }

    /// Puts the terminal in raw mode until the keyboard is dropped.
    pub fn terminal() -> std::io::Result<Self> {
        let raw = RawMode::enter()?;
        Ok(Keyboard::Terminal {
            events: EventStream::new(),
            editor: LineEditor::default(),
            _raw: raw,
        })
    }

    /// The next thing typed; never returns for a scripted keyboard.
    pub async fn next(&mut self) -> Input {
        match self {
            Keyboard::Scripted => std::future::pending().await,
            Keyboard::Lines(lines) => lines.recv().await.map_or(Input::Ended, Input::Line),
            Keyboard::Terminal { events, editor, .. } => loop {
                match events.next().await {
                    Some(Ok(Event::Key(key))) => {
                        if let Some(input) = editor.key(key) {
                            return input;
                        }
                    }
                    Some(Ok(Event::Resize(..))) => return Input::Resized,
                    Some(Ok(_)) => {}
                    Some(Err(_)) | None => return Input::Ended,
                }
            },
        }
    }

    /// The line being typed at a terminal.
    pub fn draft(&self) -> &str {
        match self {
            Keyboard::Terminal { editor, .. } => editor.line(),
            _ => "",
        }
    }
}

/// Raw mode for as long as it lives; dropping it (also when unwinding from a panic) gives the
/// terminal back as it was, cursor shown.
pub struct RawMode(());

impl RawMode {
    fn enter() -> std::io::Result<Self> {
        crossterm::terminal::enable_raw_mode()?;
        Ok(RawMode(()))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
        let mut stdout = std::io::stdout();
        let _ = write!(stdout, "\x1b[?25h");
        let _ = stdout.flush();
    }
}

/// A one-line editor: type, Backspace, Ctrl-U or Esc to clear, Up and Down for earlier lines,
/// Enter to run, Ctrl-C to leave, Ctrl-D on an empty line for end of input.
#[derive(Debug, Default)]
pub struct LineEditor {
    line: String,
    history: Vec<String>,
    /// Which history entry Up/Down has reached, counted back from the newest.
    recalled: Option<usize>,
}

impl LineEditor {
    pub fn line(&self) -> &str {
        &self.line
    }

    /// Applies a key; `None` when it changed nothing worth redrawing.
    pub fn key(&mut self, key: KeyEvent) -> Option<Input> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') if control => Some(Input::Interrupt),
            KeyCode::Char('d') if control => self.line.is_empty().then_some(Input::Ended),
            KeyCode::Char('u') if control => self.replace(String::new()),
            KeyCode::Char(_) if control => None,
            KeyCode::Char(c) => {
                self.line.push(c);
                Some(Input::Edited)
            }
            KeyCode::Backspace => self.line.pop().map(|_| Input::Edited),
            KeyCode::Esc => self.replace(String::new()),
            KeyCode::Enter => {
                let line = std::mem::take(&mut self.line);
                self.recalled = None;
                if !line.trim().is_empty() && self.history.last() != Some(&line) {
                    self.history.push(line.clone());
                }
                Some(Input::Line(line))
            }
            KeyCode::Up => {
                let back = self.recalled.map_or(0, |n| n + 1);
                let entry = self.history.iter().rev().nth(back)?.clone();
                self.recalled = Some(back);
                self.replace(entry)
            }
            KeyCode::Down => match self.recalled {
                Some(0) | None => {
                    self.recalled = None;
                    self.replace(String::new())
                }
                Some(n) => {
                    self.recalled = Some(n - 1);
                    let entry = self.history.iter().rev().nth(n - 1)?.clone();
                    self.replace(entry)
                }
            },
            _ => None,
        }
    }

    fn replace(&mut self, line: String) -> Option<Input> {
        (self.line != line).then(|| {
            self.line = line;
            Input::Edited
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(editor: &mut LineEditor, code: KeyCode) -> Option<Input> {
        editor.key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn control(editor: &mut LineEditor, c: char) -> Option<Input> {
        editor.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
    }

    fn type_text(editor: &mut LineEditor, text: &str) {
        for c in text.chars() {
            assert_eq!(press(editor, KeyCode::Char(c)), Some(Input::Edited));
        }
    }

    #[test]
    fn typing_editing_and_enter_give_the_line() {
        let mut editor = LineEditor::default();
        type_text(&mut editor, "statsu");
        press(&mut editor, KeyCode::Backspace);
        press(&mut editor, KeyCode::Backspace);
        type_text(&mut editor, "us");
        assert_eq!(editor.line(), "status");
        assert_eq!(
            press(&mut editor, KeyCode::Enter),
            Some(Input::Line("status".into()))
        );
        assert_eq!(editor.line(), "");
        assert_eq!(press(&mut editor, KeyCode::Backspace), None);
    }

    #[test]
    fn up_and_down_walk_through_earlier_lines() {
        let mut editor = LineEditor::default();
        for line in ["status", "help"] {
            type_text(&mut editor, line);
            press(&mut editor, KeyCode::Enter);
        }
        press(&mut editor, KeyCode::Up);
        assert_eq!(editor.line(), "help");
        press(&mut editor, KeyCode::Up);
        assert_eq!(editor.line(), "status");
        assert_eq!(press(&mut editor, KeyCode::Up), None, "no older line");
        press(&mut editor, KeyCode::Down);
        assert_eq!(editor.line(), "help");
        press(&mut editor, KeyCode::Down);
        assert_eq!(editor.line(), "");
    }

    #[test]
    fn control_keys_leave_clear_or_end_input() {
        let mut editor = LineEditor::default();
        type_text(&mut editor, "explain");
        assert_eq!(
            control(&mut editor, 'd'),
            None,
            "Ctrl-D ends only an empty line"
        );
        assert_eq!(control(&mut editor, 'u'), Some(Input::Edited));
        assert_eq!(editor.line(), "");
        assert_eq!(control(&mut editor, 'd'), Some(Input::Ended));
        assert_eq!(control(&mut editor, 'c'), Some(Input::Interrupt));
    }
}

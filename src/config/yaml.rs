//! Reading a YAML document into a tree whose every node knows its line and column.
//!
//! serde_yaml stops at the first problem and knows no position once a value is deserialized,
//! but `check` must report every problem of a file with its position. So files are read with
//! an event-level parser (yaml-rust2) into this small tree, and the decoder walks it. This is
//! the only place that knows the parser.

use std::collections::HashMap;
use std::rc::Rc;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::finding::Pos;

/// Files larger than this are refused before parsing: a bound keeps a stray dump or a binary
/// from costing memory and time. An organization file is a few KiB to a few MiB: `export`
/// writes about 440 bytes per repository (1.3 MiB for 3,000), so 8 MiB holds some 19,000
/// repositories; `export` refuses to write a file over it (issue 14).
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Deeper nesting is refused; the format needs 5 levels. The bound also keeps the recursive
/// parts (drop, decoding) of a hostile document from exhausting the stack.
const MAX_DEPTH: usize = 64;

/// One YAML value and where it starts.
#[derive(Debug)]
pub struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Debug)]
pub enum Kind {
    Scalar(Scalar),
    Seq(Vec<Rc<Node>>),
    Map(Vec<(Rc<Node>, Rc<Node>)>),
}

#[derive(Debug)]
pub struct Scalar {
    pub value: String,
    /// Written without quotes or block style, so YAML's null/bool/number rules apply to it.
    pub plain: bool,
    /// Tagged `!!str`: always text.
    pub forced_str: bool,
}

impl Scalar {
    pub fn is_null(&self) -> bool {
        self.plain
            && !self.forced_str
            && matches!(self.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    pub fn as_bool(&self) -> Option<bool> {
        if !self.plain || self.forced_str {
            return None;
        }
        match self.value.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        }
    }

    /// A YAML 1.2 integer (decimal, `0x`, `0o`), as i128 so that negative and huge values can be
    /// told apart from non-numbers.
    pub fn as_int(&self) -> Option<i128> {
        if !self.plain || self.forced_str {
            return None;
        }
        let v = self.value.as_str();
        let (negative, digits) = match v.as_bytes().first() {
            Some(b'-') => (true, &v[1..]),
            Some(b'+') => (false, &v[1..]),
            _ => (false, v),
        };
        let parsed = if let Some(hex) = digits.strip_prefix("0x") {
            i128::from_str_radix(hex, 16).ok()
        } else if let Some(oct) = digits.strip_prefix("0o") {
            i128::from_str_radix(oct, 8).ok()
        } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            digits.parse::<i128>().ok()
        } else {
            None
        };
        parsed.map(|n| if negative { -n } else { n })
    }

    fn looks_like_float(&self) -> bool {
        self.plain && !self.forced_str && self.value.parse::<f64>().is_ok()
    }
}

impl Node {
    pub fn scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        self.scalar().is_some_and(Scalar::is_null)
    }

    /// What the value is, for messages ("found a list").
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a map",
            Kind::Scalar(s) if s.is_null() => "nothing (null)",
            Kind::Scalar(s) if s.as_bool().is_some() => "true/false",
            Kind::Scalar(s) if s.as_int().is_some() || s.looks_like_float() => "a number",
            Kind::Scalar(_) => "text",
        }
    }
}

/// A problem that stops the reading of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub pos: Pos,
    pub message: String,
    pub hint: Option<String>,
}

fn pos(mark: &Marker) -> Pos {
    Pos {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

/// The line and column of a byte offset (for errors found before parsing).
pub fn pos_of_offset(bytes: &[u8], offset: usize) -> Pos {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Pos { line, column }
}

/// Every line whose indentation contains a tab (YAML forbids tabs there; the parser's own
/// message for it is cryptic).
pub fn tab_indentation(text: &str) -> Vec<Pos> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let indent_end = line
                .char_indices()
                .find(|(_, c)| *c != ' ' && *c != '\t')
                .map_or(line.len(), |(j, _)| j);
            let indent = &line[..indent_end];
            // A line of only whitespace is harmless.
            if indent_end == line.len() {
                return None;
            }
            indent.find('\t').map(|col| Pos {
                line: i + 1,
                column: indent[..col].chars().count() + 1,
            })
        })
        .collect()
}

enum Frame {
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Rc<Node>>,
    },
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Rc<Node>, Rc<Node>)>,
        key: Option<Rc<Node>>,
    },
}

/// Reads one document. `Ok(None)` when the text holds no document at all (only comments).
pub fn parse(text: &str) -> Result<Option<Rc<Node>>, ParseError> {
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut root: Option<Rc<Node>> = None;
    let mut documents = 0usize;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let info = e.info().to_string();
            let hint = if info.contains("tab") {
                Some("indent with spaces; YAML does not allow tabs here".to_string())
            } else {
                Some(
                    "fix the YAML syntax (indentation, a missing `:` or closing bracket or quote)"
                        .to_string(),
                )
            };
            ParseError {
                pos: pos(e.marker()),
                message: format!("YAML syntax error: {info}"),
                hint,
            }
        })?;
        let here = pos(&mark);
        let completed: Option<(Rc<Node>, usize)> = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => None,
            Event::DocumentStart => {
                documents += 1;
                if documents > 1 {
                    return Err(ParseError {
                        pos: here,
                        message: "a second YAML document (`---`) in the same file".into(),
                        hint: Some("put each organization in a file of its own".into()),
                    });
                }
                None
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(node) => Some((Rc::clone(node), 0)),
                None => {
                    return Err(ParseError {
                        pos: here,
                        message: "alias (`*name`) to an anchor that is not defined before it"
                            .into(),
                        hint: None,
                    })
                }
            },
            Event::Scalar(value, style, anchor, tag) => {
                // `!!str 123`: whatever the handle resolves to, a `str` tag means text.
                let forced_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let node = Node {
                    pos: here,
                    kind: Kind::Scalar(Scalar {
                        value,
                        plain: style == TScalarStyle::Plain,
                        forced_str,
                    }),
                };
                Some((Rc::new(node), anchor))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ParseError {
                        pos: here,
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                        hint: Some("an organization file needs at most 5 levels".into()),
                    });
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        pos: here,
                        anchor,
                        items: Vec::new(),
                    }
                } else {
                    Frame::Map {
                        pos: here,
                        anchor,
                        entries: Vec::new(),
                        key: None,
                    }
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq { pos, anchor, items }) => Some((
                    Rc::new(Node {
                        pos,
                        kind: Kind::Seq(items),
                    }),
                    anchor,
                )),
                Some(Frame::Map {
                    pos,
                    anchor,
                    entries,
                    ..
                }) => {
                    // A block mapping's start event is marked after its first key; the first
                    // key is where a reader looks for it.
                    let pos = entries.first().map_or(pos, |(k, _)| pos.min(k.pos));
                    Some((
                        Rc::new(Node {
                            pos,
                            kind: Kind::Map(entries),
                        }),
                        anchor,
                    ))
                }
                None => None,
            },
        };
        if let Some((node, anchor)) = completed {
            if anchor != 0 {
                anchors.insert(anchor, Rc::clone(&node));
            }
            match stack.last_mut() {
                Some(Frame::Seq { items, .. }) => items.push(node),
                Some(Frame::Map { entries, key, .. }) => match key.take() {
                    Some(k) => entries.push((k, node)),
                    None => *key = Some(node),
                },
                None => root = Some(node),
            }
        }
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_maps_start_at_their_first_key() {
        let root = parse("a: 1\nb:\n  - x: y\n    z: 2\n").unwrap().unwrap();
        let Kind::Map(entries) = &root.kind else {
            panic!("not a map")
        };
        assert_eq!(root.pos, Pos { line: 1, column: 1 });
        let (_, b) = &entries[1];
        let Kind::Seq(items) = &b.kind else {
            panic!("not a seq")
        };
        assert_eq!(items[0].pos, Pos { line: 3, column: 5 });
        let Kind::Map(item) = &items[0].kind else {
            panic!("not a map")
        };
        assert_eq!(item[1].1.pos, Pos { line: 4, column: 8 });
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: [b\n").unwrap_err();
        assert_eq!(err.pos.line, 2);
        assert!(
            err.message.starts_with("YAML syntax error"),
            "{}",
            err.message
        );
    }

    #[test]
    fn aliases_share_the_anchored_node() {
        let root = parse("a: &x [1, 2]\nb: *x\n").unwrap().unwrap();
        let Kind::Map(entries) = &root.kind else {
            panic!("not a map")
        };
        assert!(Rc::ptr_eq(&entries[0].1, &entries[1].1));
    }

    #[test]
    fn deep_nesting_and_second_documents_are_refused() {
        let deep = "[".repeat(100);
        assert!(parse(&deep).unwrap_err().message.contains("nesting"));
        let two = "a: 1\n---\nb: 2\n";
        assert_eq!(parse(two).unwrap_err().pos.line, 2);
    }

    #[test]
    fn scalar_typing_follows_yaml_1_2() {
        let s = |v: &str, plain| Scalar {
            value: v.into(),
            plain,
            forced_str: false,
        };
        assert!(s("~", true).is_null());
        assert!(!s("~", false).is_null());
        assert_eq!(s("True", true).as_bool(), Some(true));
        assert_eq!(s("yes", true).as_bool(), None);
        assert_eq!(s("true", false).as_bool(), None);
        assert_eq!(s("0x10", true).as_int(), Some(16));
        assert_eq!(s("-5", true).as_int(), Some(-5));
        assert_eq!(s("5", false).as_int(), None);
    }

    #[test]
    fn tabs_in_indentation_are_located() {
        assert_eq!(
            tab_indentation("a:\n\tb: 1\nc: \"x\ty\"\n"),
            vec![Pos { line: 2, column: 1 }]
        );
    }
}

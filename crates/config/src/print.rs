//! Printing a model back as keepalived.conf text.
//!
//! Every model type can print itself; loading the printed text gives the
//! same model again (a property test checks it). The output is canonical:
//! one keyword per line, four-space indentation, defaults printed
//! explicitly so that nothing depends on keepalived-rs's defaults changing.

use std::fmt::Display;

/// Builds keepalived.conf text.
#[derive(Debug, Default)]
pub struct Printer {
    out: String,
    depth: usize,
}

impl Printer {
    /// An empty printer.
    pub fn new() -> Self {
        Self::default()
    }

    /// A line `keyword arg…`.
    pub fn line<I, A>(&mut self, keyword: &str, args: I)
    where
        I: IntoIterator<Item = A>,
        A: Display,
    {
        self.indent();
        self.out.push_str(keyword);
        for a in args {
            self.out.push(' ');
            self.out.push_str(&a.to_string());
        }
        self.out.push('\n');
    }

    /// A line holding only `keyword`.
    pub fn flag(&mut self, keyword: &str) {
        self.line(keyword, std::iter::empty::<&str>());
    }

    /// A line `keyword value`.
    pub fn kv(&mut self, keyword: &str, value: impl Display) {
        self.line(keyword, [value]);
    }

    /// A line `keyword value` when `value` is `Some`.
    pub fn opt(&mut self, keyword: &str, value: Option<impl Display>) {
        if let Some(v) = value {
            self.kv(keyword, v);
        }
    }

    /// A block `keyword arg… { … }` whose body `body` prints.
    pub fn block<I, A>(
        &mut self,
        keyword: &str,
        args: I,
        body: impl FnOnce(&mut Self),
    ) where
        I: IntoIterator<Item = A>,
        A: Display,
    {
        self.indent();
        self.out.push_str(keyword);
        for a in args {
            self.out.push(' ');
            self.out.push_str(&a.to_string());
        }
        self.out.push_str(" {\n");
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.indent();
        self.out.push_str("}\n");
    }

    /// The text printed so far.
    pub fn finish(self) -> String {
        self.out
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("    ");
        }
    }
}

/// Quotes a string for a keyword that keepalived re-tokenises with quote
/// and escape handling (`script`, `notify*`): the result reads back as the
/// same single word.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_nested_blocks() {
        let mut p = Printer::new();
        p.block("vrrp_instance", ["VI_1"], |p| {
            p.kv("priority", 100);
            p.flag("nopreempt");
            p.block("virtual_ipaddress", std::iter::empty::<&str>(), |p| {
                p.flag("192.0.2.100/32");
            });
        });
        assert_eq!(
            p.finish(),
            "vrrp_instance VI_1 {\n    priority 100\n    nopreempt\n    \
             virtual_ipaddress {\n        192.0.2.100/32\n    }\n}\n"
        );
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(quote(r#"/bin/echo "a b"\"#), r#""/bin/echo \"a b\"\\""#);
    }
}

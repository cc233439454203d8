//! Reading a module file and telling the text format from the binary one.

use anyhow::{Context, Result};
use std::path::Path;

/// Which of WebAssembly's two formats a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Binary,
}

/// A module file's contents and format.
pub struct ModuleFile {
    pub bytes: Vec<u8>,
    pub format: Format,
}

impl ModuleFile {
    /// Reads `path`. The extension decides the format (`.wat`/`.wast` are
    /// text, `.wasm` is binary); otherwise the contents do, so that
    /// garbage is reported as a bad binary rather than as a text syntax
    /// error.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes =
            std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?;
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let format = match ext.as_deref() {
            Some("wat" | "wast") => Format::Text,
            Some("wasm") => Format::Binary,
            _ if bytes.starts_with(b"\0asm") || std::str::from_utf8(&bytes).is_err() => {
                Format::Binary
            }
            _ => Format::Text,
        };
        Ok(Self { bytes, format })
    }

    /// Decodes and validates the module for `engine`.
    pub fn compile(&self, engine: &petrel::Engine) -> petrel::Result<petrel::Module> {
        match self.format {
            // `Module::new` also accepts a binary, should a `.wat` hold one.
            Format::Text => petrel::Module::new(engine, &self.bytes),
            Format::Binary => petrel::Module::from_binary(engine, &self.bytes),
        }
    }
}

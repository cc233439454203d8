//! Reading a module file, telling the text format from the binary one, and
//! turning the engine's compile errors into one-line messages.

use anyhow::{anyhow, bail, Context, Result};
use petrel::{Engine, Module};
use std::path::Path;

/// Which of WebAssembly's two formats a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Binary,
}

/// A module file's contents and format.
pub struct ModuleFile {
    bytes: Vec<u8>,
    format: Format,
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
            _ if bytes.starts_with(WASM_MAGIC) || std::str::from_utf8(&bytes).is_err() => {
                Format::Binary
            }
            _ => Format::Text,
        };
        Ok(Self { bytes, format })
    }

    /// Decodes and validates the module for `engine`.
    pub fn compile(&self, engine: &Engine) -> Result<Module> {
        match self.format {
            // `Module::new` also accepts a binary, should a `.wat` hold one.
            Format::Text => Module::new(engine, &self.bytes).map_err(one_line),
            Format::Binary => {
                self.check_magic()?;
                Module::from_binary(engine, &self.bytes).map_err(one_line)
            }
        }
    }

    /// Checks that the file holds a valid module, keeping nothing.
    pub fn validate(&self, engine: &Engine) -> Result<()> {
        match self.format {
            // Text has to be assembled before it can be validated.
            Format::Text => self.compile(engine).map(drop),
            Format::Binary => {
                self.check_magic()?;
                Module::validate(engine, &self.bytes).map_err(one_line)
            }
        }
    }

    /// Rejects a file that is not a binary module at all, before
    /// `wasmparser` does so with a message spread over a dozen lines.
    fn check_magic(&self) -> Result<()> {
        if self.bytes.starts_with(WASM_MAGIC) {
            return Ok(());
        }
        let looks_like_text = std::str::from_utf8(&self.bytes)
            .is_ok_and(|text| text.trim_start().starts_with(['(', ';']));
        bail!(
            "invalid module at byte offset 0x0: not a WebAssembly binary (no `\\0asm` \
             header){}",
            if looks_like_text {
                "; it looks like the text format, which needs a `.wat` extension"
            } else {
                ""
            }
        )
    }
}

const WASM_MAGIC: &[u8] = b"\0asm";

/// Whether the file at `path` is a precompiled artifact (by its first
/// bytes), rather than a module.
pub fn is_precompiled(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|f| f.take(16).read_to_end(&mut head))
        .with_context(|| format!("failed to read {}", path.display()))?;
    Ok(Engine::is_precompiled(&head))
}

/// Keeps compile errors to one line. A text-format syntax error comes
/// from `wat` with a source snippet under it (`--> <anon>:2:9`, then the
/// line and a caret); it becomes `... at line 2, column 9: message`.
fn one_line(err: petrel::Error) -> anyhow::Error {
    let petrel::Error::Compile(compile) = &err else {
        return err.into();
    };
    let message = compile.message();
    let Some((first, rest)) = message.split_once('\n') else {
        return err.into();
    };
    let location = rest
        .lines()
        .find_map(|line| line.trim().strip_prefix("--> <anon>:"))
        .and_then(|loc| loc.split_once(':'));
    match location {
        Some((line, column)) => anyhow!(
            "invalid module text at line {line}, column {column}: {}",
            first.trim()
        ),
        // Unknown layout: still one line, with nothing dropped.
        None => anyhow!(
            "{}",
            err.to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

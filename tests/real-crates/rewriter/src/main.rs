//! Puts `#[::profiler_runtime::monitor]` on every function with a body in a crate's sources.
//!
//! Usage: `real-crates-rewriter CRATE_DIR [SUBDIR...]`, where the subdirectories default to
//! `src tests examples` (what `cargo test` compiles; `build.rs` sits outside them and is
//! never touched). Every `.rs` file under them is rewritten in place.
//!
//! Annotated: free functions, inherent and trait-impl methods, trait methods with a default
//! body, and fn items nested anywhere: inside function bodies, blocks, closures, `const`
//! initialisers, inline `mod {}` blocks (so `#[cfg(test)] mod tests`) and impl blocks inside
//! functions. `#[test]` functions too. Skipped: `const fn` (the attribute rejects them on
//! purpose), functions without a body, functions that already carry an attribute whose path
//! ends in `monitor`, and everything inside a macro invocation or a `macro_rules!` body (syn
//! keeps those as unparsed tokens).
//!
//! The attribute is inserted as text, on the function's own line, after its last attribute
//! (so it is the innermost one). Everything else in the file stays byte-for-byte the same:
//! comments, formatting and the line numbers that doc-test names, panic messages and
//! `line!()` carry, and `diff` shows only the insertions. Each rewritten file is parsed again
//! and must now have every candidate annotated and nothing new to annotate.
//!
//! With `REAL_CRATES_BLOCKS=1` in the environment, `impl` blocks and traits with methods get
//! the attribute instead of their methods (the block form), and free and nested functions
//! still get their own.
//!
//! Prints the count per file and a total line. Exits 1 on an I/O error or a rewrite that does
//! not check out; a file that does not parse to begin with is reported and left alone.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::{env, fs};

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::visit::{self, Visit};
use syn::{Attribute, ImplItemFn, ItemFn, ItemImpl, ItemTrait, Signature, TraitItemFn};

const ATTRIBUTE: &str = "#[::profiler_runtime::monitor] ";

/// What one walk over a file found.
#[derive(Default)]
struct Finder {
    /// Byte offsets where an attribute goes: the first token after a function's attributes.
    insert_at: Vec<usize>,
    const_fns: usize,
    already_annotated: usize,
    /// Block mode (`REAL_CRATES_BLOCKS=1`): `impl` blocks and traits get the attribute, and
    /// their methods are left to it; free and nested functions still get their own.
    blocks: bool,
    /// Whether the methods being walked belong to a block that carries the attribute.
    covered: bool,
}

fn has_monitor(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().segments.last().is_some_and(|s| s.ident == "monitor"))
}

impl Finder {
    /// A function: annotated unless it is a `const fn` (the attribute rejects those on
    /// purpose) or already carries the attribute.
    fn consider(&mut self, attrs: &[Attribute], head: &[&dyn ToTokens], sig: &Signature) {
        if sig.constness.is_some() {
            self.const_fns += 1;
        } else {
            self.annotate(attrs, head);
        }
    }

    /// An item gets the attribute unless it has it already. `head` is what comes between
    /// its attributes and its body (visibility, qualifiers, the `fn`, `impl` or `trait`
    /// keyword...); its first token is where the attribute goes.
    fn annotate(&mut self, attrs: &[Attribute], head: &[&dyn ToTokens]) {
        if has_monitor(attrs) {
            self.already_annotated += 1;
            return;
        }
        let mut tokens = TokenStream::new();
        for part in head {
            part.to_tokens(&mut tokens);
        }
        let first = tokens.into_iter().next().expect("an item's head has a keyword token");
        self.insert_at.push(first.span().byte_range().start);
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_item_fn(&mut self, f: &'ast ItemFn) {
        self.consider(&f.attrs, &[&f.vis, &f.sig], &f.sig);
        visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast ImplItemFn) {
        if !self.covered {
            self.consider(&f.attrs, &[&f.vis, &f.defaultness, &f.sig], &f.sig);
        }
        let covered = std::mem::replace(&mut self.covered, false);
        visit::visit_impl_item_fn(self, f);
        self.covered = covered;
    }

    fn visit_trait_item_fn(&mut self, f: &'ast TraitItemFn) {
        if f.default.is_some() && !self.covered {
            self.consider(&f.attrs, &[&f.sig], &f.sig);
        }
        let covered = std::mem::replace(&mut self.covered, false);
        visit::visit_trait_item_fn(self, f);
        self.covered = covered;
    }

    fn visit_item_impl(&mut self, i: &'ast ItemImpl) {
        let has_fns = i.items.iter().any(|item| matches!(item, syn::ImplItem::Fn(_)));
        let covered = self.blocks && has_fns;
        if covered {
            self.annotate(&i.attrs, &[&i.defaultness, &i.unsafety, &i.impl_token]);
        }
        let outer = std::mem::replace(&mut self.covered, covered);
        visit::visit_item_impl(self, i);
        self.covered = outer;
    }

    fn visit_item_trait(&mut self, t: &'ast ItemTrait) {
        let has_bodies =
            t.items.iter().any(|item| matches!(item, syn::TraitItem::Fn(f) if f.default.is_some()));
        let covered = self.blocks && has_bodies;
        if covered {
            self.annotate(&t.attrs, &[&t.vis, &t.unsafety, &t.auto_token, &t.trait_token]);
        }
        let outer = std::mem::replace(&mut self.covered, covered);
        visit::visit_item_trait(self, t);
        self.covered = outer;
    }
}

/// Parses `text` and walks it. A byte-order mark or a `#!` shebang line is blanked out with
/// spaces first (syn would strip them and shift every offset), so offsets index `text`.
fn find(text: &str) -> syn::Result<Finder> {
    let mut parsed = text.to_owned();
    let bom = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let rest = &text[bom..];
    let shebang = if rest.starts_with("#!") && !rest[2..].trim_start().starts_with('[') {
        rest.find('\n').unwrap_or(rest.len())
    } else {
        0
    };
    parsed.replace_range(..bom + shebang, &" ".repeat(bom + shebang));
    let file = syn::parse_file(&parsed)?;
    let mut finder = Finder {
        blocks: env::var_os("REAL_CRATES_BLOCKS").is_some_and(|v| v == "1"),
        ..Finder::default()
    };
    finder.visit_file(&file);
    Ok(finder)
}

/// Rewrites one file; returns how many functions it annotated.
fn rewrite(path: &Path, totals: &mut Finder, unparsable: &mut usize) -> Result<usize, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let found = match find(&text) {
        Ok(found) => found,
        Err(e) => {
            let at = e.span().start();
            eprintln!(
                "warning: {}:{}:{}: left alone, does not parse: {e}",
                path.display(),
                at.line,
                at.column + 1
            );
            *unparsable += 1;
            return Ok(0);
        }
    };
    let mut new = text.clone();
    let mut offsets = found.insert_at.clone();
    offsets.sort_unstable();
    for &at in offsets.iter().rev() {
        new.insert_str(at, ATTRIBUTE);
    }
    // The check: the rewritten file parses, nothing is left to annotate, and every function
    // annotated now counts as already annotated.
    let again = find(&new)
        .map_err(|e| format!("{}: rewritten file does not parse: {e}", path.display()))?;
    if !again.insert_at.is_empty()
        || again.already_annotated != found.already_annotated + offsets.len()
    {
        return Err(format!(
            "{}: the inserted attributes did not land on the functions",
            path.display()
        ));
    }
    if !offsets.is_empty() {
        fs::write(path, new).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    totals.const_fns += found.const_fns;
    totals.already_annotated += found.already_annotated;
    Ok(offsets.len())
}

/// Every `.rs` file under `dir`, sorted so the output is stable.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries =
        fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<Result<Vec<_>, _>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn run() -> Result<(), String> {
    let mut args = env::args().skip(1);
    let root =
        PathBuf::from(args.next().ok_or("usage: real-crates-rewriter CRATE_DIR [SUBDIR...]")?);
    let mut subdirs: Vec<String> = args.collect();
    if subdirs.is_empty() {
        subdirs = ["src", "tests", "examples"].map(String::from).to_vec();
    }
    let mut files = Vec::new();
    for sub in &subdirs {
        let dir = root.join(sub);
        if dir.is_dir() {
            rust_files(&dir, &mut files).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
    }
    let (mut totals, mut unparsable, mut annotated, mut touched) = (Finder::default(), 0, 0, 0);
    for path in &files {
        let n = rewrite(path, &mut totals, &mut unparsable)?;
        if n > 0 {
            println!("{n:6}  {}", path.strip_prefix(&root).unwrap_or(path).display());
            annotated += n;
            touched += 1;
        }
    }
    println!(
        "rewriter: {annotated} functions annotated in {touched} of {} files (skipped: {} const fn, {} already annotated; {unparsable} files do not parse)",
        files.len(),
        totals.const_fns,
        totals.already_annotated,
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

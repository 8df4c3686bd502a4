//! The attribute's arguments: `#[monitor]`, `#[monitor("name")]` and
//! `#[monitor(key = value, ...)]`, parsed into one checked struct.
//!
//! Every error is collected (unknown keys, repeats, wrong literal types, bad
//! durations) and reported together, each at its own tokens. New options are a
//! row in [`KEYS`], a field, and an arm in [`Args::set`].

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Ident, Lit, LitStr, Path, Token};

/// Every option key, with the form of its value, for messages.
const KEYS: &[(&str, &str)] = &[
    ("name", "a string literal, like name = \"load_config\""),
    ("slow", "a duration string, like slow = \"250ms\" (units: ns, us, µs, ms, s)"),
    ("sample", "a whole number of calls from 1 up, like sample = 64 (time one call in 64)"),
    ("component", "a string literal, like component = \"storage\""),
    ("crate", "a path to profiler-runtime, like crate = \"my_profiler\""),
];

/// The checked options.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<LitStr>,
    pub(crate) slow_ns: Option<u64>,
    /// `sample = N`: time one call in N.
    pub(crate) sample: Option<u32>,
    /// `component = "storage"`: the group the report rolls it up into.
    pub(crate) component: Option<LitStr>,
    pub(crate) krate: Option<Path>,
    /// Where each option was set, to report repeats.
    seen: Vec<(String, Span)>,
}

/// One `key = value` or a bare string.
enum Item {
    Name(LitStr),
    Pair { key: Ident, value: Value },
}

enum Value {
    Lit(Lit),
    Path(Path),
}

impl Value {
    fn span(&self) -> Span {
        match self {
            Value::Lit(l) => l.span(),
            Value::Path(p) => p.span(),
        }
    }
}

impl Parse for Item {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            return Ok(Item::Name(input.parse()?));
        }
        if input.peek(Lit) {
            let lit: Lit = input.parse()?;
            return Err(syn::Error::new(
                lit.span(),
                "expected the operation's name as a string literal, like #[monitor(\"load_config\")], or key = value options",
            ));
        }
        let key = input.call(Ident::parse_any).map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected a string name or `key = value` (keys: name, slow, sample, component, crate)",
            )
        })?;
        input.parse::<Token![=]>()?;
        let value = if input.peek(Lit) {
            Value::Lit(input.parse()?)
        } else if input.peek(Ident::peek_any) || input.peek(Token![::]) {
            Value::Path(input.call(Path::parse_mod_style)?)
        } else {
            return Err(input.error(format!("expected a value for `{key}`")));
        };
        Ok(Item::Pair { key, value })
    }
}

impl Args {
    /// Parses the attribute's tokens, returning every error found.
    pub(crate) fn parse(tokens: TokenStream) -> Result<Args, syn::Error> {
        let items =
            syn::punctuated::Punctuated::<Item, Token![,]>::parse_terminated.parse2(tokens)?;
        let mut args = Args::default();
        let mut errors: Option<syn::Error> = None;
        let mut push = |e: syn::Error| match &mut errors {
            Some(all) => all.combine(e),
            None => errors = Some(e),
        };
        for item in items {
            if let Err(e) = args.set(item) {
                push(e);
            }
        }
        match errors {
            Some(e) => Err(e),
            None => Ok(args),
        }
    }

    /// Records one option, refusing repeats: the only place that checks them.
    fn once(&mut self, key: &str, span: Span) -> syn::Result<()> {
        if self.seen.iter().any(|(k, _)| k == key) {
            let how = if key == "name" {
                "the name is given once, either as #[monitor(\"name\")] or as name = \"...\""
            } else {
                "each option may appear once"
            };
            return Err(syn::Error::new(span, format!("duplicate option `{key}`: {how}")));
        }
        self.seen.push((key.to_owned(), span));
        Ok(())
    }

    fn set(&mut self, item: Item) -> syn::Result<()> {
        let (key, value) = match item {
            Item::Name(lit) => {
                self.once("name", lit.span())?;
                self.name = Some(check_name(lit)?);
                return Ok(());
            }
            Item::Pair { key, value } => (key, value),
        };
        let key_text = key.unraw().to_string();
        match key_text.as_str() {
            "name" => {
                self.once("name", key.span())?;
                self.name = Some(check_name(expect_str(&key_text, value)?)?);
            }
            "slow" => {
                self.once("slow", key.span())?;
                let lit = expect_str(&key_text, value)?;
                self.slow_ns = Some(parse_duration(&lit.value()).map_err(|why| {
                    syn::Error::new(lit.span(), format!("bad duration {:?}: {why}", lit.value()))
                })?);
            }
            "sample" => {
                self.once("sample", key.span())?;
                self.sample = Some(parse_sample(value)?);
            }
            "component" => {
                self.once("component", key.span())?;
                let lit = expect_str(&key_text, value)?;
                if lit.value().trim().is_empty() {
                    return Err(syn::Error::new(
                        lit.span(),
                        "the component's name must not be empty",
                    ));
                }
                self.component = Some(lit);
            }
            "crate" => {
                self.once("crate", key.span())?;
                self.krate = Some(match value {
                    Value::Path(p) => p,
                    Value::Lit(Lit::Str(s)) => s.parse_with(Path::parse_mod_style).map_err(|_| {
                        syn::Error::new(s.span(), format!("`crate` must be a path like \"my_profiler\" or \"::deps::profiler_runtime\", not {:?}", s.value()))
                    })?,
                    other => {
                        return Err(syn::Error::new(
                            other.span(),
                            "`crate` must be a path, like crate = \"my_profiler\"",
                        ))
                    }
                });
            }
            _ => return Err(unknown_key(&key, &key_text)),
        }
        Ok(())
    }
}

/// `sample = N`: an integer literal from 1 to `u32::MAX`.
fn parse_sample(value: Value) -> syn::Result<u32> {
    let form =
        "`sample` takes a whole number of calls from 1 up, like sample = 64 (time one call in 64)";
    let Value::Lit(Lit::Int(int)) = value else {
        return Err(syn::Error::new(value.span(), form));
    };
    match int.base10_parse::<u64>() {
        Ok(0) => Err(syn::Error::new(
            int.span(),
            "`sample = 0` times nothing: use sample = 1 to time every call, or N > 1 to time one call in N",
        )),
        Ok(n) => u32::try_from(n).map_err(|_| {
            syn::Error::new(int.span(), format!("`sample` is at most {} (got {n})", u32::MAX))
        }),
        Err(_) => Err(syn::Error::new(int.span(), form)),
    }
}

fn check_name(lit: LitStr) -> syn::Result<LitStr> {
    if lit.value().trim().is_empty() {
        return Err(syn::Error::new(lit.span(), "the operation's name must not be empty"));
    }
    Ok(lit)
}

fn expect_str(key: &str, value: Value) -> syn::Result<LitStr> {
    let form = KEYS.iter().find(|(k, _)| *k == key).map_or("a string literal", |(_, f)| f);
    match value {
        Value::Lit(Lit::Str(s)) => Ok(s),
        other => Err(syn::Error::new(other.span(), format!("`{key}` takes {form}"))),
    }
}

fn unknown_key(key: &Ident, text: &str) -> syn::Error {
    let allowed: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
    let closest = allowed
        .iter()
        .map(|k| (edit_distance(text, k), *k))
        .min()
        .filter(|(d, k)| *d <= (k.len() / 2).max(1))
        .map(|(_, k)| format!("did you mean `{k}`? "))
        .unwrap_or_default();
    syn::Error::new(
        key.span(),
        format!("unknown option `{text}`: {closest}allowed options are {}", allowed.join(", ")),
    )
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Parses "250ms", "1.5 s", "40us", "40µs", "100ns" into nanoseconds.
pub(crate) fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .ok_or_else(|| "missing unit: use ns, us, µs, ms or s, like \"250ms\"".to_owned())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .replace('_', "")
        .parse()
        .map_err(|_| "expected a number before the unit, like \"250ms\"".to_owned())?;
    let scale = match unit.trim() {
        "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        other => return Err(format!("unknown unit {other:?}: use ns, us, µs, ms or s")),
    };
    let nanos = number * scale;
    if !(1.0..=1e18).contains(&nanos) {
        return Err("the duration must be at least 1ns and at most 1e9s".to_owned());
    }
    Ok(nanos.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn err(tokens: TokenStream) -> String {
        Args::parse(tokens).err().expect("should fail").to_string()
    }

    #[test]
    fn all_forms_parse() {
        assert!(Args::parse(quote!()).unwrap().name.is_none());
        assert_eq!(Args::parse(quote!("load")).unwrap().name.unwrap().value(), "load");
        let a = Args::parse(quote!(name = "x", slow = "1.5ms", crate = "::dep::rt")).unwrap();
        assert_eq!(a.slow_ns, Some(1_500_000));
        assert_eq!(Args::parse(quote!(sample = 64)).unwrap().sample, Some(64));
        assert_eq!(Args::parse(quote!("x", sample = 1_000)).unwrap().sample, Some(1000));
        assert!(a.krate.is_some());
        assert!(Args::parse(quote!(crate = my_rt)).unwrap().krate.is_some());
        let c = Args::parse(quote!(component = "storage")).unwrap().component.unwrap();
        assert_eq!(c.value(), "storage");
    }

    #[test]
    fn mistakes_are_named() {
        assert!(err(quote!(nmae = "x")).contains("did you mean `name`?"));
        assert!(err(quote!(colour = "x"))
            .contains("allowed options are name, slow, sample, component, crate"));
        assert!(err(quote!(component = "")).contains("must not be empty"));
        assert!(err(quote!(component = 3)).contains("`component` takes a string literal"));
        assert!(err(quote!(sample = 0)).contains("use sample = 1 to time every call"));
        assert!(err(quote!(sample = "64")).contains("`sample` takes a whole number"));
        assert!(err(quote!(sample = 1.5)).contains("`sample` takes a whole number"));
        assert!(err(quote!(sample = 5_000_000_000)).contains("at most 4294967295"));
        assert!(err(quote!(sample = 2, sample = 4)).contains("duplicate option `sample`"));
        assert!(err(quote!(sampel = 2)).contains("did you mean `sample`?"));
        assert!(err(quote!("a", name = "b")).contains("duplicate option `name`"));
        assert!(err(quote!(slow = "1ms", slow = "2ms")).contains("duplicate option `slow`"));
        assert!(err(quote!(42)).contains("string literal"));
        assert!(err(quote!(name = 42)).contains("`name` takes a string literal"));
        assert!(err(quote!(slow = "ten ms")).contains("bad duration"));
        assert!(err(quote!(slow = 10)).contains("duration string"));
        assert!(err(quote!(crate = "not a path!")).contains("must be a path"));
        assert!(err(quote!(name = "")).contains("must not be empty"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(250_000_000));
        assert_eq!(parse_duration("40 µs"), Ok(40_000));
        assert_eq!(parse_duration("2s"), Ok(2_000_000_000));
        assert_eq!(parse_duration("1_000ns"), Ok(1_000));
        assert!(parse_duration("5").unwrap_err().contains("missing unit"));
        assert!(parse_duration("5 parsecs").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("0ms").is_err());
    }

    #[test]
    fn errors_are_collected_not_stopped_at_the_first() {
        let e = Args::parse(quote!(nmae = "x", slow = "bad")).err().unwrap();
        assert_eq!(e.into_iter().count(), 2);
    }
}

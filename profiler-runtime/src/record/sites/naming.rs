//! Default operation names, derived from where a function is defined.
//!
//! `#[monitor]` puts a marker type in each function and hands the runtime its
//! `type_name`, which spells the function's definition path:
//! `app::db::Db::new::__MonitorSite`,
//! `<app::frame::Error as core::convert::From<std::io::error::Error>>::from::__MonitorSite`.
//! From it come candidate names, shortest first; the registry takes the first
//! one no other function holds, so two functions never share a default name.

/// The marker's name, which ends every definition path the macro hands over.
const MARKER: &str = "::__MonitorSite";

/// A function's candidate names, from the most readable to the most exact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Candidates {
    /// `db::Db::new`, `frame::<Error as From<Error>>::from`: paths inside
    /// angle brackets cut to their last segment.
    pub(crate) short: String,
    /// The whole definition path, crate name included: unique across crates
    /// (two crates can both have a `db::open`).
    pub(crate) long: String,
}

/// The candidates for a function whose definition path is `def_path` (with or
/// without the marker), defined in module `module_path`.
pub(crate) fn candidates(def_path: &str, module_path: &str) -> Candidates {
    let mut path = def_path.strip_suffix(MARKER).unwrap_or(def_path);
    // An `async fn`'s body is a closure of it: the function is what is meant.
    while let Some(outer) = path.strip_suffix("::{{closure}}") {
        path = outer;
    }
    let krate = module_path.split("::").next().unwrap_or(module_path);
    // The module's own prefix, which users think of without the crate name.
    let (module, rest) = match path.strip_prefix(module_path).and_then(|r| r.strip_prefix("::")) {
        Some(rest) => (module_path.split_once("::").map_or("", |(_, m)| m), rest),
        None => (module_path.split_once("::").map_or("", |(_, m)| m), path),
    };
    let join = |body: String| if module.is_empty() { body } else { format!("{module}::{body}") };
    Candidates { short: join(shorten(rest, krate, true)), long: shorten(path, "", false) }
}

/// `module::fn_name`, for callsites without a definition path.
pub(crate) fn plain(fn_name: &str, module_path: &str) -> String {
    match module_path.split_once("::") {
        Some((_, inner)) => format!("{inner}::{fn_name}"),
        None => fn_name.to_owned(),
    }
}

/// Rewrites a type-name string: generic groups that only hold placeholders
/// (`Guard<_>`) are dropped, the crate's own name (if not empty) is taken off
/// every path, and with `cut`, paths inside angle brackets keep only their
/// last segment.
fn shorten(text: &str, krate: &str, cut: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        if ch == '<' {
            if let Some(len) = placeholder_group(rest) {
                rest = &rest[len..];
                continue;
            }
        }
        if ch.is_alphabetic() || ch == '_' {
            let len = path_len(rest);
            let path = &rest[..len];
            let path = match krate {
                "" => path,
                krate => {
                    path.strip_prefix(krate).and_then(|p| p.strip_prefix("::")).unwrap_or(path)
                }
            };
            let shown =
                if cut && depth > 0 { path.rsplit("::").next().unwrap_or(path) } else { path };
            out.push_str(shown);
            rest = &rest[len..];
            continue;
        }
        match ch {
            '<' => depth += 1,
            '>' if !out.ends_with('-') => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

/// Length of the path at the start of `text`: identifiers joined by `::`
/// (`{{closure}}` segments included).
fn path_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        while i < bytes.len()
            && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
        {
            i += 1;
        }
        if text[i..].starts_with("::") {
            let next = &text[i + 2..];
            if next.starts_with("{{") {
                match next.find("}}") {
                    Some(end) => {
                        i += 2 + end + 2;
                        continue;
                    }
                    None => return i,
                }
            }
            if next.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_') {
                i += 2;
                continue;
            }
        }
        return i;
    }
}

/// The length of a `<_>` / `<_, _>` group at the start of `text`, if that is
/// all it holds.
fn placeholder_group(text: &str) -> Option<usize> {
    let end = text.find('>')?;
    let inner = &text[1..end];
    inner.split(',').all(|part| part.trim() == "_").then_some(end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(path: &str, module: &str) -> String {
        candidates(&format!("{path}{MARKER}"), module).short
    }

    #[test]
    fn functions_and_methods_keep_their_module_and_type() {
        assert_eq!(short("app::db::open", "app::db"), "db::open");
        assert_eq!(short("app::open", "app"), "open");
        assert_eq!(short("app::db::Db::new", "app::db"), "db::Db::new");
        assert_eq!(short("app::db::Guard<_>::new", "app::db"), "db::Guard::new");
        assert_eq!(short("app::db::Guard<_, _>::new", "app::db"), "db::Guard::new");
        assert_eq!(short("app::db::Store::get", "app::db"), "db::Store::get");
        assert_eq!(short("app::db::open::inner", "app::db"), "db::open::inner");
        assert_eq!(short("app::db::Cache::dflt", "app::db"), "db::Cache::dflt");
    }

    #[test]
    fn trait_impls_say_which_impl() {
        let io = "<app::frame::Error as core::convert::From<std::io::error::Error>>::from";
        let fmt = "<app::frame::Error as core::convert::From<core::fmt::Error>>::from";
        let c = candidates(io, "app::frame");
        assert_eq!(c.short, "frame::<Error as From<Error>>::from");
        assert_eq!(c.long, io);
        assert_ne!(c.long, candidates(fmt, "app::frame").long);
        let s = "<app::frame::Error as core::convert::From<alloc::string::String>>::from";
        assert_eq!(short(s, "app::frame"), "frame::<Error as From<String>>::from");
        assert_eq!(short("<(_,) as app::Tr>::dflt", "app"), "<(_,) as Tr>::dflt");
        assert_eq!(
            short("<dyn core::ops::function::Fn(u8) -> u8 as app::m::Tr>::f", "app::m"),
            "m::<dyn Fn(u8) -> u8 as Tr>::f"
        );
        assert_eq!(short("<&app::m::Db as app::m::Tr>::f", "app::m"), "m::<&Db as Tr>::f");
    }

    #[test]
    fn the_long_form_keeps_the_crate_so_two_crates_differ() {
        let a = candidates("app::db::open::__MonitorSite", "app::db");
        let b = candidates("lib::db::open::__MonitorSite", "lib::db");
        assert_eq!((a.short.as_str(), b.short.as_str()), ("db::open", "db::open"));
        assert_eq!((a.long.as_str(), b.long.as_str()), ("app::db::open", "lib::db::open"));
        assert_eq!(candidates("app::db::Guard<_>::new", "app::db").long, "app::db::Guard::new");
    }

    #[test]
    fn closures_in_the_path_are_kept_but_an_async_body_is_its_function() {
        assert_eq!(short("app::m::f::{{closure}}::inner", "app::m"), "m::f::{{closure}}::inner");
        assert_eq!(short("app::m::fetch::{{closure}}", "app::m"), "m::fetch");
        assert_eq!(short("<app::m::S as app::m::Tr>::f::{{closure}}", "app::m"), "m::<S as Tr>::f");
    }

    #[test]
    fn plain_names_drop_the_crate() {
        assert_eq!(plain("parse", "app::io"), "io::parse");
        assert_eq!(plain("parse", "app"), "parse");
    }
}

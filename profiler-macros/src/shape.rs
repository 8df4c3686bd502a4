//! What the attribute was put on: parsed tolerantly (the body stays tokens, so
//! a body that does not parse is reported by rustc in the user's words) and
//! classified into the shapes the expansion knows.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, GenericArgument, Item, PathArguments, ReturnType, Signature, Stmt, Token,
    Type, TypeParamBound, Visibility,
};

/// A function with a body: a free function, a method, or a trait method with
/// a default body.
pub(crate) struct Function {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) defaultness: Option<Token![default]>,
    pub(crate) sig: Signature,
    /// Inner attributes (`#![allow(..)]`) at the top of the body.
    pub(crate) inner_attrs: Vec<Attribute>,
    /// The body's statements, as tokens.
    pub(crate) body: TokenStream,
    /// The braces around the body, for spans.
    pub(crate) brace: Group,
}

/// How calls of the function are timed.
pub(crate) enum Shape<'a> {
    /// A plain function: time the call.
    Sync,
    /// `async fn`: time the future from first poll to completion.
    Async,
    /// A plain function returning `impl Future` or `Pin<Box<dyn Future>>`
    /// (as `async-trait` writes them): time the returned future.
    ReturnsFuture { output: Option<&'a Type>, boxed: bool },
    /// `-> !`: the function never returns; only a panic ends it.
    Never,
}

impl Parse for Function {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let defaultness: Option<Token![default]> = input.parse()?;
        let sig: Signature = input.parse()?;
        if input.peek(Token![;]) {
            let semi: Token![;] = input.parse()?;
            return Err(syn::Error::new(
                semi.span,
                "#[monitor] needs a function body to time, and this declaration has none \
                 (in a trait, put it on the method in each `impl`, or give the method a default body)",
            ));
        }
        let brace: Group = input.parse()?;
        if brace.delimiter() != Delimiter::Brace {
            return Err(syn::Error::new(brace.span(), "expected the function body in braces"));
        }
        let (inner_attrs, body) = (|input: ParseStream<'_>| {
            let inner = input.call(Attribute::parse_inner)?;
            let rest: TokenStream = input.parse()?;
            Ok((inner, rest))
        })
        .parse2(brace.stream())?;
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the function body"));
        }
        Ok(Function { attrs, vis, defaultness, sig, inner_attrs, body, brace })
    }
}

/// Parses the annotated item, or says what it is instead of a function.
pub(crate) fn parse(item: TokenStream) -> syn::Result<Function> {
    let function: Function = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(fn_error) => return Err(not_a_function(item).unwrap_or(fn_error)),
    };
    if let Some(constness) = &function.sig.constness {
        return Err(syn::Error::new(
            constness.span,
            "#[monitor] cannot time a `const fn`: const evaluation has no clock. \
             Remove `const`, or instrument the non-const functions that call it",
        ));
    }
    Ok(function)
}

/// Whether the attribute sits on an expression (a closure, say), where the
/// fallback must emit one expression, not the item followed by an error.
pub(crate) fn is_expression(item: &TokenStream) -> bool {
    matches!(statement(item.clone()), Some(Stmt::Expr(_, None)))
}

/// The tokens as a statement, or as an expression without its `;`.
fn statement(tokens: TokenStream) -> Option<Stmt> {
    syn::parse2::<Stmt>(tokens.clone())
        .or_else(|_| syn::parse2::<Expr>(tokens).map(|e| Stmt::Expr(e, None)))
        .ok()
}

/// What the tokens are instead of a function, if they are something else;
/// `None` for a function that did not parse (its own error is better).
fn not_a_function(tokens: TokenStream) -> Option<syn::Error> {
    let (what, span) = match statement(tokens)? {
        Stmt::Item(item) => match item {
            Item::Struct(i) => ("a struct", i.struct_token.span()),
            Item::Enum(i) => ("an enum", i.enum_token.span()),
            Item::Union(i) => ("a union", i.union_token.span()),
            Item::Impl(i) => ("an impl block", i.impl_token.span()),
            Item::Trait(i) => ("a trait", i.trait_token.span()),
            Item::Mod(i) => ("a module", i.mod_token.span()),
            Item::Const(i) => ("a const", i.const_token.span()),
            Item::Static(i) => ("a static", i.static_token.span()),
            Item::Type(i) => ("a type alias", i.type_token.span()),
            Item::Use(i) => ("a use declaration", i.use_token.span()),
            Item::ForeignMod(i) => ("an extern block", i.abi.span()),
            Item::Macro(i) => ("a macro invocation", i.mac.path.span()),
            // A function without a body, or one that did not parse.
            _ => return None,
        },
        Stmt::Local(local) => ("a `let` statement", local.let_token.span()),
        Stmt::Macro(m) => ("a macro invocation", m.mac.path.span()),
        Stmt::Expr(Expr::Closure(closure), _) => ("a closure", closure.or1_token.span()),
        Stmt::Expr(expr, _) => ("an expression", expr.span()),
    };
    let hint = match what {
        "an impl block" => " (put #[monitor] on each method you want timed)",
        "a closure" => " (move its body into a `fn`, or time it with `Monitor::start_operation`)",
        _ => "",
    };
    Some(syn::Error::new(
        span,
        format!("#[monitor] goes on a function or method, not on {what}{hint}"),
    ))
}

impl Function {
    pub(crate) fn shape(&self) -> Shape<'_> {
        if self.sig.asyncness.is_some() {
            return Shape::Async;
        }
        match &self.sig.output {
            ReturnType::Type(_, ty) => match &**ty {
                Type::Never(_) => Shape::Never,
                Type::ImplTrait(it) => match future_output(&it.bounds) {
                    Some(output) => Shape::ReturnsFuture { output, boxed: false },
                    None => Shape::Sync,
                },
                ty => match boxed_dyn_future(ty) {
                    Some(output) => Shape::ReturnsFuture { output, boxed: true },
                    None => Shape::Sync,
                },
            },
            ReturnType::Default => Shape::Sync,
        }
    }
}

/// `Some(output type if written)` when the bounds include `Future`.
fn future_output<'a>(
    bounds: impl IntoIterator<Item = &'a TypeParamBound>,
) -> Option<Option<&'a Type>> {
    bounds.into_iter().find_map(|bound| {
        let TypeParamBound::Trait(t) = bound else { return None };
        let last = t.path.segments.last()?;
        if last.ident != "Future" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else { return Some(None) };
        Some(args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(a) if a.ident == "Output" => Some(&a.ty),
            _ => None,
        }))
    })
}

/// The output of `Pin<Box<dyn Future<Output = T> + ..>>`, or of the
/// `futures` aliases for it, `BoxFuture<'a, T>` and `LocalBoxFuture<'a, T>`.
fn boxed_dyn_future(ty: &Type) -> Option<Option<&Type>> {
    if let Some(output) = future_alias_output(ty) {
        return Some(Some(output));
    }
    let inner = single_generic(ty, "Pin")?;
    let inner = single_generic(inner, "Box")?;
    match inner {
        Type::TraitObject(obj) => future_output(&obj.bounds),
        Type::Paren(p) => match &*p.elem {
            Type::TraitObject(obj) => future_output(&obj.bounds),
            _ => None,
        },
        _ => None,
    }
}

fn future_alias_output(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "BoxFuture" && last.ident != "LocalBoxFuture" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    args.args.iter().find_map(|arg| match arg {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

fn single_generic<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    match args.args.first()? {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    }
}

/// The path and the block of a body that is exactly `Box::pin(async move
/// {..})`, as `async-trait` writes it; `None` for any other body.
pub(crate) fn boxed_async_block(body: &TokenStream) -> Option<(TokenStream, TokenStream)> {
    let syn::Expr::Call(call) = syn::parse2::<syn::Expr>(body.clone()).ok()? else { return None };
    let syn::Expr::Path(func) = &*call.func else { return None };
    let names: Vec<_> = func.path.segments.iter().rev().take(2).map(|s| &s.ident).collect();
    if names != ["pin", "Box"] || call.args.len() != 1 {
        return None;
    }
    match call.args.first()? {
        syn::Expr::Async(block) if block.capture.is_some() => {
            Some((func.to_token_stream(), block.to_token_stream()))
        }
        _ => None,
    }
}

/// Whether `Self` can be named in the body: the function has a receiver or
/// mentions `Self` in its signature, so it is in an `impl` or a trait.
pub(crate) fn mentions_self(sig: &Signature) -> bool {
    fn has_self(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(id) => id == "Self",
            TokenTree::Group(g) => has_self(g.stream()),
            _ => false,
        })
    }
    sig.receiver().is_some()
        || has_self(quote::ToTokens::to_token_stream(&sig.inputs))
        || has_self(quote::ToTokens::to_token_stream(&sig.output))
        || has_self(quote::ToTokens::to_token_stream(&sig.generics))
}

/// `ty` with every `impl Trait` replaced by `_`, so it can hint inference in
/// expression position.
pub(crate) fn erase_impl_trait(ty: &Type) -> Type {
    let tokens = erase_tokens(ty.to_token_stream());
    syn::parse2(tokens).unwrap_or_else(|_| syn::parse_quote!(_))
}

fn erase_tokens(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Ident(ref id) if id == "impl" => {
                // Skip the bounds up to the next `,` or `>` at this depth.
                let mut depth = 0i32;
                while let Some(next) = iter.peek() {
                    match next {
                        TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
                        TokenTree::Punct(p) if p.as_char() == '>' && depth == 0 => break,
                        TokenTree::Punct(p) if p.as_char() == '>' => depth -= 1,
                        TokenTree::Punct(p) if p.as_char() == ',' && depth == 0 => break,
                        TokenTree::Punct(p) if p.as_char() == '-' => {
                            // `->` inside `Fn() -> T` is not a closing angle.
                            iter.next();
                            if let Some(TokenTree::Punct(q)) = iter.peek() {
                                if q.as_char() == '>' {
                                    iter.next();
                                }
                            }
                            continue;
                        }
                        _ => {}
                    }
                    iter.next();
                }
                out.push(TokenTree::Ident(proc_macro2::Ident::new("_", id.span())));
            }
            TokenTree::Group(g) => {
                let mut new = Group::new(g.delimiter(), erase_tokens(g.stream()));
                new.set_span(g.span());
                out.push(TokenTree::Group(new));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::{quote, ToTokens};

    fn shape_of(tokens: TokenStream) -> &'static str {
        match parse(tokens).as_ref().map(Function::shape) {
            Ok(Shape::Sync) => "sync",
            Ok(Shape::Async) => "async",
            Ok(Shape::ReturnsFuture { boxed: false, .. }) => "impl-future",
            Ok(Shape::ReturnsFuture { boxed: true, .. }) => "boxed-future",
            Ok(Shape::Never) => "never",
            Err(_) => "error",
        }
    }

    #[test]
    fn shapes() {
        assert_eq!(
            shape_of(quote!(
                fn f() {}
            )),
            "sync"
        );
        assert_eq!(
            shape_of(quote!(
                pub async fn f(&self) -> u8 {
                    1
                }
            )),
            "async"
        );
        assert_eq!(
            shape_of(quote!(
                fn f() -> impl Future<Output = u8> + Send {
                    x
                }
            )),
            "impl-future"
        );
        assert_eq!(
            shape_of(quote!(
                fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = u8> + Send + 'a>> {
                    x
                }
            )),
            "boxed-future"
        );
        assert_eq!(
            shape_of(quote!(
                fn f(&self) -> futures::future::BoxFuture<'_, u8> {
                    x
                }
            )),
            "boxed-future"
        );
        assert_eq!(
            shape_of(quote!(
                fn f() -> ! {
                    loop {}
                }
            )),
            "never"
        );
        assert_eq!(
            shape_of(quote!(
                const fn f() {}
            )),
            "error"
        );
        assert_eq!(
            shape_of(quote!(
                struct S;
            )),
            "error"
        );
        assert_eq!(
            shape_of(quote!(
                fn f(&self);
            )),
            "error"
        );
    }

    #[test]
    fn a_body_that_does_not_parse_is_kept_as_tokens() {
        let f = parse(quote!(fn f() { #![allow(unused)] let = ; })).unwrap();
        assert_eq!(f.inner_attrs.len(), 1);
        assert_eq!(f.body.to_string(), "let = ;");
    }

    #[test]
    fn impl_trait_is_erased_everywhere() {
        let ty: Type =
            syn::parse_quote!(Result<impl Iterator<Item = u8> + '_, Box<dyn Fn() -> u8>>);
        let erased = erase_impl_trait(&ty).into_token_stream().to_string().replace(' ', "");
        assert_eq!(erased, "Result<_,Box<dynFn()->u8>>");
        let ty: Type = syn::parse_quote!((impl Fn() -> u8, u8));
        assert_eq!(
            erase_impl_trait(&ty).into_token_stream().to_string().replace(' ', ""),
            "(_,u8)"
        );
    }
}

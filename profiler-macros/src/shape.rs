//! What the attribute was put on: parsed tolerantly (the body stays tokens, so
//! a body that does not parse is reported by rustc in the user's words) and
//! classified into the shapes the expansion knows.

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    AttrStyle, Attribute, Block, Expr, GenericArgument, ImplItemFn, Item, ItemImpl, ItemTrait,
    PathArguments, ReturnType, Signature, Stmt, Token, TraitItemFn, Type, TypeParamBound,
    Visibility,
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
    pub(crate) brace: Span,
}

/// What the attribute was put on.
pub(crate) enum Target {
    Function(Function),
    /// An `impl` block: every method with a body is instrumented.
    Impl(ItemImpl),
    /// A trait: every default method body is instrumented.
    Trait(ItemTrait),
    /// An `impl` block or trait that does not parse: given back as written,
    /// so rustc reports the user's own mistake.
    Unparsed,
}

/// How calls of the function are timed.
pub(crate) enum Shape<'a> {
    /// A plain function whose return value may be a failure: the body runs
    /// in a closure so every way out (`return`, `?`) is seen and classified.
    Sync,
    /// A plain function whose return value is not classified (`!`, an
    /// `impl Trait` that is not a future, a returned closure; and
    /// `#[track_caller]` functions): a guard records the call, and the body
    /// stays the function's own, so its expected type is the signature's.
    Guard,
    /// `async fn`: time the future from first poll to completion.
    Async,
    /// `async fn` returning a type that holds an `impl Fn..`: a guard inside
    /// the body times it (from the first poll to the end of the body), which
    /// stays the function's own so the closure gets its type from the
    /// signature. A future dropped early counts as a call, not as cancelled.
    AsyncGuard,
    /// A plain function returning `impl Future` or `Pin<Box<dyn Future>>`
    /// (as `async-trait` writes them): time the returned future.
    ReturnsFuture { output: Option<&'a Type>, boxed: bool },
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
        Ok(Function { attrs, vis, defaultness, sig, inner_attrs, body, brace: brace.span() })
    }
}

/// Parses the annotated item, or says what it is instead of a function, an
/// `impl` block or a trait.
pub(crate) fn parse(item: TokenStream) -> syn::Result<Target> {
    let function: Function = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(fn_error) => {
            if let Ok(imp) = syn::parse2::<ItemImpl>(item.clone()) {
                return Ok(Target::Impl(imp));
            }
            if let Ok(tr) = syn::parse2::<ItemTrait>(item.clone()) {
                return Ok(Target::Trait(tr));
            }
            if is_impl_or_trait(&item) {
                return Ok(Target::Unparsed);
            }
            return Err(not_a_function(item).unwrap_or(fn_error));
        }
    };
    check_not_const(&function.sig)?;
    Ok(Target::Function(function))
}

/// Whether the tokens look like an `impl` block or a trait: after the
/// attributes and qualifiers, the keyword `impl` or `trait`.
fn is_impl_or_trait(item: &TokenStream) -> bool {
    for tt in item.clone() {
        match tt {
            // `#` and `[..]` of an attribute, `(crate)` of `pub(crate)`.
            TokenTree::Punct(p) if p.as_char() == '#' => {}
            TokenTree::Group(g) if g.delimiter() != Delimiter::Brace => {}
            TokenTree::Ident(id)
                if ["pub", "unsafe", "default", "auto"].iter().any(|q| id == q) => {}
            TokenTree::Ident(id) => return id == "impl" || id == "trait",
            _ => return false,
        }
    }
    false
}

fn check_not_const(sig: &Signature) -> syn::Result<()> {
    match &sig.constness {
        Some(constness) => Err(syn::Error::new(
            constness.span,
            "#[monitor] cannot time a `const fn`: const evaluation has no clock. \
             Remove `const`, or instrument the non-const functions that call it",
        )),
        None => Ok(()),
    }
}

/// Whether a method inside a `#[monitor]` impl or trait is instrumented by
/// it: not a `const fn`, and not carrying its own `#[monitor]` (whose
/// options win: it expands itself).
pub(crate) fn instrumented_by_block(attrs: &[Attribute], sig: &Signature) -> bool {
    sig.constness.is_none()
        && !attrs.iter().any(|a| a.path().segments.last().is_some_and(|s| s.ident == "monitor"))
}

impl Function {
    /// A method of an `impl` block.
    pub(crate) fn from_impl(f: ImplItemFn) -> Function {
        Function::from_parts(f.attrs, f.vis, f.defaultness, f.sig, f.block)
    }

    /// A trait's default method.
    pub(crate) fn from_trait(f: TraitItemFn, block: Block) -> Function {
        Function::from_parts(f.attrs, Visibility::Inherited, None, f.sig, block)
    }

    fn from_parts(
        attrs: Vec<Attribute>,
        vis: Visibility,
        defaultness: Option<Token![default]>,
        sig: Signature,
        block: Block,
    ) -> Function {
        let (inner_attrs, attrs) =
            attrs.into_iter().partition(|a| matches!(a.style, AttrStyle::Inner(_)));
        let stmts = &block.stmts;
        Function {
            attrs,
            vis,
            defaultness,
            sig,
            inner_attrs,
            body: quote::quote!(#(#stmts)*),
            brace: block.brace_token.span.join(),
        }
    }
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
            return match &self.sig.output {
                ReturnType::Type(_, ty) if returns_impl_closure(ty.to_token_stream()) => {
                    Shape::AsyncGuard
                }
                _ => Shape::Async,
            };
        }
        let ty = match &self.sig.output {
            // `()`: nothing to classify, but the closure form is the cheaper
            // one per call (everything in one out-of-line function), and a
            // unit body needs no expected type from the signature.
            ReturnType::Default if self.is_track_caller() => return Shape::Guard,
            ReturnType::Default => return Shape::Sync,
            ReturnType::Type(_, ty) => &**ty,
        };
        let future = match ty {
            Type::ImplTrait(it) => future_output(&it.bounds).map(|o| (o, false)),
            ty => boxed_dyn_future(ty).map(|o| (o, true)),
        };
        if let Some((output, boxed)) = future {
            return Shape::ReturnsFuture { output, boxed };
        }
        // A closure around the body would hide the caller from
        // `Location::caller()` and from panics (closures cannot be
        // `#[track_caller]` on stable).
        if self.is_track_caller() || !may_fail(ty) {
            Shape::Guard
        } else {
            Shape::Sync
        }
    }
}

impl Function {
    fn is_track_caller(&self) -> bool {
        self.attrs.iter().any(|a| a.path().is_ident("track_caller"))
    }
}

/// Whether a value of `ty` needs the closure around the body: not for `!`
/// and a non-future `impl Trait`. No, too, for any type that
/// holds an `impl` of a closure trait: a closure in the body takes its
/// parameter types (and its higher-ranked signature) from that expected type,
/// which a wrapping closure would hide; compiling as written wins over
/// counting an `Err`.
fn may_fail(ty: &Type) -> bool {
    match ty {
        Type::Never(_) | Type::ImplTrait(_) => false,
        Type::Paren(p) => may_fail(&p.elem),
        ty => !returns_impl_closure(ty.to_token_stream()),
    }
}

/// Whether the tokens of a type hold `impl` and a closure trait.
fn returns_impl_closure(tokens: TokenStream) -> bool {
    fn scan(tokens: TokenStream, seen: &mut (bool, bool)) {
        for tt in tokens {
            match tt {
                TokenTree::Ident(id) if id == "impl" => seen.0 = true,
                TokenTree::Ident(id)
                    if ["Fn", "FnMut", "FnOnce", "AsyncFn", "AsyncFnMut", "AsyncFnOnce"]
                        .iter()
                        .any(|name| id == name) =>
                {
                    seen.1 = true
                }
                TokenTree::Group(g) => scan(g.stream(), seen),
                _ => {}
            }
        }
    }
    let mut seen = (false, false);
    scan(tokens, &mut seen);
    seen.0 && seen.1
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
        match parse(tokens) {
            Ok(Target::Function(f)) => match f.shape() {
                Shape::Sync => "sync",
                Shape::Guard => "guard",
                Shape::Async => "async",
                Shape::AsyncGuard => "async-guard",
                Shape::ReturnsFuture { boxed: false, .. } => "impl-future",
                Shape::ReturnsFuture { boxed: true, .. } => "boxed-future",
            },
            Ok(Target::Impl(_)) => "impl",
            Ok(Target::Trait(_)) => "trait",
            Ok(Target::Unparsed) => "unparsed",
            Err(_) => "error",
        }
    }

    #[test]
    fn shapes() {
        let cases = [
            (
                quote!(
                    fn f() {}
                ),
                "sync",
            ),
            (
                quote!(
                    fn f() -> () {}
                ),
                "sync",
            ),
            (
                quote!(
                    #[track_caller]
                    fn f() {}
                ),
                "guard",
            ),
            (
                quote!(
                    fn f() -> u8 {
                        1
                    }
                ),
                "sync",
            ),
            (
                quote!(
                    fn f() -> Result<u8, E> {
                        x
                    }
                ),
                "sync",
            ),
            (
                quote!(
                    fn f() -> Box<dyn Fn(&str) -> bool> {
                        x
                    }
                ),
                "sync",
            ),
            (
                quote!(
                    fn f() -> impl Iterator<Item = u8> {
                        x
                    }
                ),
                "guard",
            ),
            (
                quote!(
                    fn f() -> impl Fn(&usize) -> u64 + use<'_> {
                        x
                    }
                ),
                "guard",
            ),
            (
                quote!(
                    fn f() -> Result<impl FnMut(&T, &T) -> Ordering, E> {
                        x
                    }
                ),
                "guard",
            ),
            (
                quote!(
                    fn f() -> Result<impl Iterator<Item = u8>, E> {
                        x
                    }
                ),
                "sync",
            ),
            (
                quote!(
                    #[track_caller]
                    fn f() -> u8 {
                        1
                    }
                ),
                "guard",
            ),
            (
                quote!(
                    pub async fn f(&self) -> u8 {
                        1
                    }
                ),
                "async",
            ),
            (
                quote!(
                    fn f() -> impl Future<Output = u8> + Send {
                        x
                    }
                ),
                "impl-future",
            ),
            (
                quote!(
                    fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = u8> + Send + 'a>> {
                        x
                    }
                ),
                "boxed-future",
            ),
            (
                quote!(
                    fn f(&self) -> futures::future::BoxFuture<'_, u8> {
                        x
                    }
                ),
                "boxed-future",
            ),
            (
                quote!(
                    fn f() -> ! {
                        loop {}
                    }
                ),
                "guard",
            ),
            (
                quote!(
                    const fn f() {}
                ),
                "error",
            ),
            (
                quote!(
                    struct S;
                ),
                "error",
            ),
            (
                quote!(
                    fn f(&self);
                ),
                "error",
            ),
            (quote!(impl S { fn f(&self) {} }), "impl"),
            (
                quote!(
                    impl<T> Tr for S<T> {
                        fn f(&self) {}
                    }
                ),
                "impl",
            ),
            (
                quote!(
                    trait Tr {
                        fn f(&self) {}
                    }
                ),
                "trait",
            ),
            (quote!(impl S { fn f(&self) { let = ; } }), "unparsed"),
            (quote!(#[doc = "x"] pub unsafe trait T { fn f(&self) { let = ; } }), "unparsed"),
            (
                quote!(
                    fn f(&self) -> impl Iterator<Item = u8>;
                ),
                "error",
            ),
        ];
        for (tokens, expected) in cases {
            assert_eq!(shape_of(tokens.clone()), expected, "{tokens}");
        }
    }

    #[test]
    fn a_body_that_does_not_parse_is_kept_as_tokens() {
        let Ok(Target::Function(f)) = parse(quote!(fn f() { #![allow(unused)] let = ; })) else {
            panic!("a function")
        };
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

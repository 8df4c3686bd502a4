//! Generates the instrumented function: a `static` callsite and one call into
//! the runtime around the user's body. Everything else lives in the runtime.

use crate::args::Args;
use crate::shape::{self, Function, Shape, Target};
use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

/// The attribute's whole job: check, then generate or fall back.
pub(crate) fn monitor(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, cfg!(feature = "enabled"))
}

/// Checks the arguments and the item whether or not instrumentation is
/// `enabled`, so a build without it rejects what a build with it would.
fn expand(args: TokenStream, item: TokenStream, enabled: bool) -> TokenStream {
    let args = Args::parse(args);
    let target = shape::parse(item.clone());
    let fits = match (&args, &target) {
        (Ok(args), Ok(target)) => check_block_args(args, target),
        _ => Ok(()),
    };
    match (args, target, fits) {
        (Ok(_), Ok(_), Ok(())) if !enabled => item,
        (Ok(args), Ok(target), Ok(())) => match target {
            Target::Unparsed => item,
            Target::Function(function) => generate(&args, &function),
            Target::Impl(imp) => generate_impl(&args, imp),
            Target::Trait(tr) => generate_trait(&args, tr),
        },
        (args, target, fits) => {
            // Keep the user's item so the rest of the crate (and the IDE)
            // still sees it; report every error at its tokens.
            let errors: TokenStream = [args.err(), target.err(), fits.err()]
                .into_iter()
                .flatten()
                .map(|e| e.to_compile_error())
                .collect();
            if shape::is_expression(&item) {
                // Where one expression is expected, tokens after it would be
                // a second error about the expansion itself.
                quote!({ #errors #item })
            } else {
                quote!(#item #errors)
            }
        }
    }
}

/// On an `impl` block or trait, a name would give every method one row.
fn check_block_args(args: &Args, target: &Target) -> syn::Result<()> {
    let what = match target {
        Target::Impl(_) => "an impl block",
        Target::Trait(_) => "a trait",
        Target::Function(_) | Target::Unparsed => return Ok(()),
    };
    match &args.name {
        Some(name) => Err(syn::Error::new(
            name.span(),
            format!(
                "a name on {what} would give every method the same report row: \
                 put #[monitor(\"name\")] on the method instead (methods are named \
                 `Type::method` by default)"
            ),
        )),
        None => Ok(()),
    }
}

/// Every method with a body, instrumented with the block's options.
fn generate_impl(args: &Args, mut imp: syn::ItemImpl) -> TokenStream {
    for item in &mut imp.items {
        let syn::ImplItem::Fn(f) = item else { continue };
        if shape::instrumented_by_block(&f.attrs, &f.sig) {
            let taken = std::mem::replace(item, syn::ImplItem::Verbatim(TokenStream::new()));
            if let syn::ImplItem::Fn(f) = taken {
                *item = syn::ImplItem::Verbatim(generate(args, &Function::from_impl(f)));
            }
        }
    }
    imp.into_token_stream()
}

/// Every default method body, instrumented with the block's options.
fn generate_trait(args: &Args, mut tr: syn::ItemTrait) -> TokenStream {
    for item in &mut tr.items {
        let syn::TraitItem::Fn(f) = item else { continue };
        if f.default.is_some() && shape::instrumented_by_block(&f.attrs, &f.sig) {
            let taken = std::mem::replace(item, syn::TraitItem::Verbatim(TokenStream::new()));
            if let syn::TraitItem::Fn(mut f) = taken {
                if let Some(block) = f.default.take() {
                    *item =
                        syn::TraitItem::Verbatim(generate(args, &Function::from_trait(f, block)));
                }
            }
        }
    }
    tr.into_token_stream()
}

fn generate(args: &Args, f: &Function) -> TokenStream {
    let root = match &args.krate {
        Some(path) => path.to_token_stream(),
        None => quote!(::profiler_runtime),
    };
    let mut gen = Gen::new(quote!(#root::__private), f);
    gen.sampled = args.sample.is_some_and(|n| n > 1);
    let Function { attrs, vis, defaultness, sig, inner_attrs, .. } = f;

    let ident = &sig.ident;
    let fn_name = syn::ext::IdentExt::unraw(ident).to_string();
    let named = args.name.as_ref().map(|name| quote!(.named(#name)));
    let slow = args.slow_ns.map(|ns| quote!(.slow_ns(#ns)));
    let sample = args.sample.map(|n| quote!(.sample(#n)));
    let component = args.component.as_ref().map(|c| quote!(.component(#c)));
    let shape = f.shape();
    let kind = match shape {
        Shape::Async | Shape::AsyncGuard | Shape::ReturnsFuture { .. } => {
            Some(quote!(.asynchronous()))
        }
        Shape::Sync | Shape::Guard => None,
    };
    let private = &gen.private;
    // `line!()` spanned on the function's name reports the line of the name.
    let line = quote_spanned!(ident.span()=> ::core::line!());
    // The marker's `type_name` spells where the function is defined (its
    // module, its type or trait impl), which the runtime turns into the
    // default name. An empty enum: never constructed, so no `dead_code`.
    let marker = Ident::new("__MonitorSite", Span::mixed_site());
    let site = quote! {
        #[allow(non_camel_case_types)] // a generated marker, never written by users
        enum #marker {}
        static __MONITOR_CALLSITE: #private::Callsite =
            #private::Callsite::new(#fn_name, ::core::module_path!(), ::core::file!(), #line)
                .defined_at(::core::any::type_name::<#marker>)
                #named #slow #sample #component #kind;
    };

    let body = match shape {
        Shape::Guard | Shape::AsyncGuard => gen.guard_only(),
        Shape::Sync => gen.sync(),
        Shape::Async => gen.asynchronous(),
        Shape::ReturnsFuture { output, boxed } => gen.returns_future(output, boxed),
    };

    // The new body's braces carry the user's brace span, so the function's
    // span is the user's: lints about the whole item (`unsafe_code` on an
    // `unsafe fn`, `dead_code`) still fire instead of being taken for
    // macro-generated code and silenced.
    let mut outer = Group::new(Delimiter::Brace, quote!(#(#inner_attrs)* #site #body));
    outer.set_span(f.brace);
    quote!(#(#attrs)* #vis #defaultness #sig #outer)
}

/// What every shape's body is built from.
struct Gen<'a> {
    f: &'a Function,
    /// `::profiler_runtime::__private`, or under the `crate = ..` path.
    private: TokenStream,
    /// The user's body in its own braces (and with their span).
    block: Group,
    /// The return type with `impl Trait` erased to `_`, to hint inference.
    ret: TokenStream,
    ret_span: Span,
    /// Generated locals, mixed-site so the user's body can neither see nor
    /// shadow them.
    guard: Ident,
    value: Ident,
    body: Ident,
    /// `sample = N` with N > 1: synchronous calls take the sampled entry.
    sampled: bool,
}

impl<'a> Gen<'a> {
    fn new(private: TokenStream, f: &'a Function) -> Gen<'a> {
        let mut block = Group::new(Delimiter::Brace, f.body.clone());
        block.set_span(f.brace);
        let (ret, ret_span) = match &f.sig.output {
            ReturnType::Default => (quote!(()), f.sig.ident.span()),
            ReturnType::Type(_, ty) => (shape::erase_impl_trait(ty).to_token_stream(), ty.span()),
        };
        let local = |name: &str| Ident::new(name, Span::mixed_site());
        Gen {
            f,
            private,
            block,
            ret,
            ret_span,
            guard: local("__monitor_guard"),
            value: local("__monitor_value"),
            body: local("__monitor_body"),
            sampled: false,
        }
    }

    /// `value: &Output` turned into an `Outcome` by the most specific rule.
    fn classify(&self, value: &Ident) -> TokenStream {
        let private = &self.private;
        quote! {{
            #[allow(unused_imports)] // whichever rules method resolution does not pick
            use #private::{AnyOutcome as _, ResultDisplayOutcome as _, ResultOutcome as _};
            (&&&#private::Probe(#value)).__monitor_outcome()
        }}
    }

    /// The classifier as a closure over `&Output`, for futures.
    fn outcome(&self) -> TokenStream {
        let value = &self.value;
        let classify = self.classify(value);
        quote!(|#value| #classify)
    }

    /// A guard records the call when dropped; the body stays the tail of
    /// the function, so it is checked against the signature as written.
    fn guard_only(&self) -> TokenStream {
        let Gen { private, block, guard, .. } = self;
        quote! {
            let #guard = #private::enter(&__MONITOR_CALLSITE);
            #block
        }
    }

    /// The closure catches every way out (`return`, `?`) so the value can be
    /// classified; its expected return type keeps coercions working. When
    /// recording is off the closure is just called: one load and a branch,
    /// with the timed path out of line in `timed`.
    fn sync(&self) -> TokenStream {
        let Gen { private, block, ret, value, body, .. } = self;
        let classify = self.classify(value);
        let entry = if self.sampled { quote!(sampled) } else { quote!(timed) };
        quote! {
            let #body = #private::hint::<#ret, _>(move || #block);
            if #private::enabled() {
                #private::#entry::<#ret, _, _>(&__MONITOR_CALLSITE, #body, |#value| #classify)
            } else {
                #body()
            }
        }
    }

    fn asynchronous(&self) -> TokenStream {
        let Gen { private, block, ret, ret_span, value, .. } = self;
        // An `async` block takes its output type from its body, not from where
        // it is passed, so pin it first (as async-trait does): every `return`,
        // `?` and the tail are then checked against the signature's type and a
        // mismatch is reported at the user's code. Spanned on the return type
        // so rustc's "return type inferred to be `T` here" points at it.
        let pin_type = quote_spanned! {*ret_span=>
            if let ::core::option::Option::Some(#value) = ::core::option::Option::None::<#ret> {
                #[allow(unreachable_code)] // when the return type is uninhabited
                return #value;
            }
        };
        let fut = quote_spanned! {self.f.brace=>
            async move {
                #pin_type
                let #value: #ret = #block;
                #[allow(unreachable_code)] // when every path through the body returns early
                #value
            }
        };
        let outcome = self.outcome();
        quote!(#private::instrument::<#ret, _, _>(&__MONITOR_CALLSITE, #fut, #outcome).await)
    }

    /// Times the returned future, not the call that builds it.
    fn returns_future(&self, output: Option<&Type>, boxed: bool) -> TokenStream {
        let Gen { private, block, ret, .. } = self;
        let (output, outcome) = match output {
            Some(ty) => (shape::erase_impl_trait(ty).to_token_stream(), self.outcome()),
            None => (quote!(_), quote!(#private::always_success)),
        };
        let timed = |fut: TokenStream| quote!(#private::instrument::<#output, _, _>(&__MONITOR_CALLSITE, #fut, #outcome));
        match shape::boxed_async_block(&self.f.body) {
            // async-trait's `Box::pin(async move {..})`: time the inner block,
            // so a call still allocates once.
            Some((box_pin, fut)) if boxed => {
                let timed = timed(fut);
                quote!(#box_pin(#timed))
            }
            _ => {
                let timed = timed(quote!(#private::hint::<#ret, _>(move || #block)()));
                if boxed {
                    quote!(#private::Box::pin(#timed))
                } else {
                    timed
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_error(tokens: &TokenStream) -> bool {
        tokens.to_string().contains("compile_error")
    }

    #[test]
    fn arguments_are_checked_when_compiled_out() {
        let item = quote!(
            fn f() {}
        );
        for enabled in [false, true] {
            assert!(has_error(&expand(quote!(nmae = "x"), item.clone(), enabled)));
            assert!(has_error(&expand(
                quote!(),
                quote!(
                    const fn f() {}
                ),
                enabled
            )));
        }
        let off = expand(quote!(slow = "1ms"), item.clone(), false);
        assert_eq!(off.to_string(), item.to_string(), "compiled out: the item as written");
    }

    #[test]
    fn a_misplaced_attribute_keeps_the_item_and_adds_one_error() {
        let out = expand(
            quote!(),
            quote!(
                struct S;
            ),
            true,
        )
        .to_string();
        assert!(out.starts_with("struct S ;"));
        assert_eq!(out.matches("compile_error").count(), 1);
        // On an expression, one expression comes back: a block.
        let out = expand(quote!(), quote!(|x: u8| x), true).to_string();
        assert!(out.starts_with('{') && out.ends_with('}'));
    }

    #[test]
    fn async_trait_bodies_are_timed_inside_their_box() {
        let item = quote! {
            fn f<'a>(&'a self) -> Pin<Box<dyn Future<Output = u8> + Send + 'a>> {
                Box::pin(async move { 1 })
            }
        };
        let out = expand(quote!(), item, true).to_string().replace(' ', "");
        assert!(out.contains("Box::pin(::profiler_runtime::__private::instrument"));
        assert!(!out.contains("__private::Box::pin"), "one allocation per call, not two");
    }
}

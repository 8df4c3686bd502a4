//! Generates the instrumented function: a `static` callsite and one call into
//! the runtime around the user's body. Everything else lives in the runtime.

use crate::args::Args;
use crate::shape::{self, Function, Shape};
use proc_macro2::{Delimiter, Group, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::ReturnType;

/// The attribute's whole job: check, then generate or fall back.
pub(crate) fn monitor(args: TokenStream, item: TokenStream) -> TokenStream {
    let args = Args::parse(args);
    let function = shape::parse(item.clone());
    match (args, function) {
        (Ok(args), Ok(function)) => {
            if cfg!(feature = "enabled") {
                generate(&args, &function)
            } else {
                item
            }
        }
        (args, function) => {
            // Keep the user's item so the rest of the crate (and the IDE)
            // still sees it; report every error at its tokens.
            let mut errors = TokenStream::new();
            if let Err(e) = args {
                errors.extend(e.to_compile_error());
            }
            if let Err(e) = function {
                errors.extend(e.to_compile_error());
            }
            quote!(#item #errors)
        }
    }
}

fn generate(args: &Args, f: &Function) -> TokenStream {
    let root = match &args.krate {
        Some(path) => path.to_token_stream(),
        None => quote!(::profiler_runtime),
    };
    let private = quote!(#root::__private);
    let Function { attrs, vis, defaultness, sig, inner_attrs, .. } = f;

    let ident = &sig.ident;
    let fn_name = syn::ext::IdentExt::unraw(ident).to_string();
    let named = args.name.as_ref().map(|name| quote!(.named(#name)));
    let slow = args.slow_ns.map(|ns| quote!(.slow_ns(#ns)));
    let shape = f.shape();
    let kind = match shape {
        Shape::Async | Shape::ReturnsFuture { .. } => Some(quote!(.asynchronous())),
        Shape::Sync | Shape::Never => None,
    };
    // `line!()` spanned on the function's name reports the line of the name.
    let line = quote_spanned!(ident.span()=> ::core::line!());
    let site = quote! {
        static __MONITOR_CALLSITE: #private::Callsite =
            #private::Callsite::new(#fn_name, ::core::module_path!(), ::core::file!(), #line)
                #named #slow #kind;
    };

    let mut block = Group::new(Delimiter::Brace, f.body.clone());
    block.set_span(f.brace.span());
    let ret = match &sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => shape::erase_impl_trait(ty).to_token_stream(),
    };
    // Picks the most specific outcome rule for `__monitor_ret: &Output`.
    let classify = quote! {{
        #[allow(unused_imports)]
        use #private::{AnyOutcome as _, ResultDisplayOutcome as _, ResultOutcome as _};
        (&&&#private::Probe(__monitor_ret)).__monitor_outcome()
    }};
    let outcome = quote!(|__monitor_ret| #classify);

    let body = match shape {
        Shape::Sync => quote! {
            let __monitor_guard = #private::enter(&__MONITOR_CALLSITE);
            let __monitor_value = #private::call::<#ret, _>(move || #block);
            {
                let __monitor_ret = &__monitor_value;
                __monitor_guard.finish(#classify);
            }
            __monitor_value
        },
        Shape::Async => {
            let fut = quote_spanned!(f.brace.span()=> async move #block);
            quote! {
                #private::instrument::<#ret, _, _>(&__MONITOR_CALLSITE, #fut, #outcome).await
            }
        }
        Shape::ReturnsFuture { output, boxed } => {
            let (output, classify) = match output {
                Some(ty) => (shape::erase_impl_trait(&ty).to_token_stream(), outcome),
                None => (quote!(_), quote!(#private::always_success)),
            };
            let make = quote!(#private::call::<#ret, _>(move || #block));
            let timed = quote!(#private::instrument::<#output, _, _>(&__MONITOR_CALLSITE, #make, #classify));
            if boxed {
                quote!(#private::Box::pin(#timed))
            } else {
                timed
            }
        }
        Shape::Never => quote! {
            let __monitor_guard = #private::enter(&__MONITOR_CALLSITE);
            #block
        },
    };

    quote! {
        #(#attrs)*
        #vis #defaultness #sig {
            #(#inner_attrs)*
            #site
            #body
        }
    }
}

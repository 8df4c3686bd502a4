//! [`CountingAllocator`]: a global allocator that counts what it hands out,
//! so the detailed level can charge allocations to calls, stages and sessions.
// A `GlobalAlloc` cannot be implemented without `unsafe`: the trait is
// unsafe and so are its methods. This module only forwards them.
#![allow(unsafe_code)]

use crate::record::detail::heap;
use std::alloc::{GlobalAlloc, Layout, System};

/// A global allocator that counts bytes and allocations, wrapping the
/// system allocator (or any other [`GlobalAlloc`]).
///
/// Install it once, in the program (not in a library):
///
/// ```
/// use profiler_runtime::CountingAllocator;
///
/// #[global_allocator]
/// static ALLOCATOR: CountingAllocator = CountingAllocator::system();
/// # fn main() {}
/// ```
///
/// Around another allocator, `CountingAllocator::new(MyAllocator)`.
///
/// With it installed, a monitor at [`Level::Detailed`](crate::Level::Detailed)
/// or above reports, per operation, the bytes and allocations its calls made
/// themselves (the innermost running monitored call on the thread is
/// charged; an `async` call is charged what its polls allocated, not what
/// other tasks allocate while it waits), and per session and stage the bytes
/// and allocations made and the peak live heap. Without it those figures are
/// absent, and nothing else changes.
///
/// Each allocation costs a few nanoseconds more: two thread-local additions
/// and a store to a counter block owned by the thread (threads past the
/// 256th share one block, with atomic additions). See the README's overhead
/// table for the measured figure. Nothing is locked or allocated. Without
/// the `enabled` feature it forwards every call and counts nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAllocator<A = System> {
    inner: A,
}

impl CountingAllocator<System> {
    /// Counts allocations made through the system allocator.
    pub const fn system() -> Self {
        CountingAllocator { inner: System }
    }
}

impl<A> CountingAllocator<A> {
    /// Counts allocations made through `inner`.
    pub const fn new(inner: A) -> Self {
        CountingAllocator { inner }
    }
}

#[inline(always)]
fn count_allocated(bytes: usize) {
    if cfg!(feature = "enabled") {
        heap::allocated(bytes as u64);
    }
}

#[inline(always)]
fn count_freed(bytes: usize) {
    if cfg!(feature = "enabled") {
        heap::freed(bytes as u64);
    }
}

// SAFETY: every method forwards to `inner` with the arguments it was given,
// so the caller's obligations (a non-zero-sized layout, a pointer this
// allocator returned with that layout) are passed on unchanged, and what
// `inner` returns is returned unchanged. The counting around the calls
// touches only thread-local cells and static atomics, never allocates, and
// cannot unwind.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAllocator<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is `inner.alloc`'s.
        let ptr = unsafe { self.inner.alloc(layout) };
        if !ptr.is_null() {
            count_allocated(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { self.inner.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count_allocated(layout.size());
        }
        ptr
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator, hence from `inner`, with `layout`.
        unsafe { self.inner.dealloc(ptr, layout) };
        count_freed(layout.size());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `inner` with `layout`; `new_size` is the
        // caller's, under `realloc`'s contract.
        let new = unsafe { self.inner.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // A move to a new block of `new_size`: one allocation made, the
            // old block freed.
            count_allocated(new_size);
            count_freed(layout.size());
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_forwards_and_counts_every_kind_of_call() {
        let a = CountingAllocator::system();
        let (bytes, allocations) = heap::thread_totals();
        let layout = Layout::from_size_align(64, 8).unwrap();
        // SAFETY: a non-zero-sized layout; each pointer is freed once, with
        // the layout (or, after `realloc`, the new size) it was made with.
        unsafe {
            let p = a.alloc(layout);
            assert!(!p.is_null());
            p.write_bytes(7, 64);
            let z = a.alloc_zeroed(layout);
            assert!(!z.is_null());
            assert_eq!(*z.add(63), 0);
            let q = a.realloc(p, layout, 256);
            assert!(!q.is_null());
            assert_eq!(*q.add(63), 7, "realloc keeps the contents");
            a.dealloc(q, Layout::from_size_align(256, 8).unwrap());
            a.dealloc(z, layout);
        }
        assert_eq!(heap::thread_totals(), (bytes + 64 + 64 + 256, allocations + 3));
    }
}

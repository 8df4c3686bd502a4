//! A fixed-capacity table that allocates its elements a chunk at a time, on
//! first use of an index in that chunk, and never moves them: readers on other
//! threads hold plain references while the owner keeps adding.

use std::sync::OnceLock;

/// Up to `chunk_count * LEN` elements, allocated `LEN` at a time. `LEN` is a
/// power-of-two constant, so finding an element is a shift and a mask.
pub(crate) struct Chunks<T, const LEN: usize> {
    chunks: Box<[OnceLock<Box<[T; LEN]>>]>,
    make: fn() -> T,
}

impl<T, const LEN: usize> Chunks<T, LEN> {
    /// An empty table of `chunk_count` chunks whose elements start as `make()`.
    pub(crate) fn new(chunk_count: usize, make: fn() -> T) -> Self {
        Chunks { chunks: (0..chunk_count).map(|_| OnceLock::new()).collect(), make }
    }

    /// The element at `index`, allocating its chunk on first use; `None` past the capacity.
    #[inline(always)]
    pub(crate) fn get_or_alloc(&self, index: usize) -> Option<&T> {
        let items = match self.chunks.get(index / LEN)?.get() {
            Some(items) => items,
            None => self.alloc(index / LEN),
        };
        Some(&items[index % LEN])
    }

    /// The element at `index` if its chunk is allocated.
    #[inline(always)]
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        Some(&self.chunks.get(index / LEN)?.get()?[index % LEN])
    }

    /// Allocates a chunk. Building every element writes it, so the chunk's
    /// memory is resident from here on and never grows on a later call.
    #[cold]
    #[inline(never)]
    fn alloc(&self, chunk: usize) -> &[T; LEN] {
        self.chunks[chunk].get_or_init(|| {
            let items: Vec<T> = (0..LEN).map(|_| (self.make)()).collect();
            match items.into_boxed_slice().try_into() {
                Ok(array) => array,
                Err(_) => unreachable!("the vector has exactly LEN elements"),
            }
        })
    }

    /// Every allocated element with its index.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, &T)> {
        self.chunks.iter().enumerate().flat_map(move |(c, chunk)| {
            chunk
                .get()
                .into_iter()
                .flat_map(move |items| items.iter().enumerate().map(move |(i, t)| (c * LEN + i, t)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_allocate_on_demand_and_refuse_past_capacity() {
        let table: Chunks<u32, 4> = Chunks::new(2, || 7);
        assert!(table.get(5).is_none());
        assert_eq!(table.get_or_alloc(5), Some(&7));
        assert_eq!(table.get(4), Some(&7));
        assert!(table.get(1).is_none(), "the first chunk is still unallocated");
        assert!(table.get_or_alloc(8).is_none());
        assert_eq!(table.iter().map(|(i, _)| i).collect::<Vec<_>>(), [4, 5, 6, 7]);
    }
}

//! The process-wide allocator of the native core: mimalloc.
//!
//! Events are built on the app's threads and freed on the worker's. glibc's
//! malloc serialises such cross-thread frees on an arena lock (measured: a
//! futex wake in the app's thread per few events); mimalloc does not.
//!
//! The `mimalloc` crate's allocator asks for every block through
//! `mi_malloc_aligned`. mimalloc 3 serves that quickly only when the page's
//! next free block is at hand; when it is not (blocks the worker freed wait
//! on another list until the page is collected) and the size class is not a
//! power of two (an event's hashes: 112 or 168 bytes), it over-allocates
//! through its generic aligned path: about 130 instructions where
//! `mi_malloc` takes about 40 (callgrind, `log_event`), and a larger block.
//! Every mimalloc block is a multiple of 8 bytes from a page start aligned
//! to 16 (`MI_PAGE_MIN_START_BLOCK_ALIGN`), so it is 8-aligned: an alignment
//! of up to 8 (nearly every Rust type's) is asked of the plain calls, as
//! Rust's `System` allocator does with malloc. Larger ones keep the aligned
//! calls. (The same was proposed upstream: purpleprotocol/mimalloc_rust#170.)

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

/// The alignment every mimalloc block has.
const BLOCK_ALIGN: usize = 8;

pub struct Allocator;

/// Whether a plain mimalloc block satisfies `layout`: blocks smaller than
/// the alignment asked for could share its unit with a neighbour.
fn plain(layout: Layout) -> bool {
    layout.align() <= BLOCK_ALIGN && layout.align() <= layout.size()
}

// SAFETY: every block comes from mimalloc and goes back to it (`mi_free`
// takes blocks from either kind of call); each call gets the alignment its
// layout asks for, from the plain calls only where every block has it.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: mimalloc's allocation calls accept any size.
        unsafe {
            if plain(layout) {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if plain(layout) {
                mi_zalloc(layout.size()).cast()
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator (GlobalAlloc's contract).
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; the new block
        // keeps its alignment (GlobalAlloc's contract), checked against the
        // new size.
        unsafe {
            let new = Layout::from_size_align_unchecked(new_size, layout.align());
            if plain(new) {
                mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule `plain` rests on, checked on the mimalloc this build links:
    /// every block of every size class up to the large ones is 8-aligned,
    /// fresh or reused, and the aligned calls keep larger alignments.
    #[test]
    fn every_block_has_the_alignment_its_layout_asks_for() {
        let allocator = Allocator;
        for size in 1..=4_200 {
            for align in [1, 2, 4, 8, 16, 32, 64] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: non-zero size; each block is freed once, with its
                // layout.
                unsafe {
                    let blocks: Vec<*mut u8> = (0..3).map(|_| allocator.alloc(layout)).collect();
                    for &block in &blocks {
                        assert!(!block.is_null());
                        assert_eq!(block as usize % align, 0, "size {size}, align {align}");
                    }
                    let grown = allocator.realloc(blocks[0], layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "realloc {size}, align {align}");
                    allocator.dealloc(grown, Layout::from_size_align(size * 3, align).unwrap());
                    blocks[1..]
                        .iter()
                        .for_each(|&block| allocator.dealloc(block, layout));
                }
            }
        }
    }
}

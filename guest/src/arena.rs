//! The component's allocator. The host instantiates the component afresh for every prune and
//! drops the instance, memory and all, right after it, so nothing needs to be reused within one
//! instance: memory is handed out by bumping a pointer through pages taken with `memory.grow`,
//! and freeing is free. The most recent block is the exception: freeing it gives it back and
//! growing it (a `Vec` being pushed to, a string being built) extends it in place.
//!
//! Against the C library's allocator this removes most of the component's own cost of a prune
//! of many objects (dropping the listed objects alone is a million `free`s at 100,000
//! containers), at the price of a peak memory closer to the sum of all allocations.

#![allow(
    unsafe_code,
    reason = "the allocator hands out raw memory: GlobalAlloc and cabi_realloc are unsafe by nature"
)]

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::Cell;
use core::ptr;

/// WebAssembly's page size.
const PAGE: usize = 64 * 1024;
/// The least memory taken from the host at a time, in pages (1 MiB), so that `memory.grow`
/// (a call into the host) stays rare.
const MIN_GROWTH_PAGES: usize = 16;

/// A bump allocator over pages of the instance's memory 0.
struct Arena {
    /// The first free byte.
    next: Cell<usize>,
    /// The end of the pages taken so far.
    end: Cell<usize>,
    /// The start of the most recent block.
    last: Cell<usize>,
}

// SAFETY: a wasm32-wasip2 component runs on a single thread, so the cells are never shared.
unsafe impl Sync for Arena {}

#[global_allocator]
static ARENA: Arena = Arena {
    next: Cell::new(0),
    end: Cell::new(0),
    last: Cell::new(0),
};

impl Arena {
    /// Hands out `size` bytes aligned to `align`, taking pages from the host when needed.
    fn take(&self, size: usize, align: usize) -> Option<usize> {
        let mut start = self.next.get().checked_next_multiple_of(align)?;
        let mut end = start.checked_add(size)?;
        if !self.extend_to(end) {
            let memory_end = memory_end();
            if memory_end == self.end.get() {
                // The host refused more pages.
                return None;
            }
            // Someone else (the C library) grew the memory since: start afresh at its end,
            // leaving the rest of the current pages unused.
            start = memory_end.checked_next_multiple_of(align)?;
            end = start.checked_add(size)?;
            self.next.set(memory_end);
            self.end.set(memory_end);
            if !self.extend_to(end) {
                return None;
            }
        }
        self.next.set(end);
        self.last.set(start);
        Some(start)
    }

    /// Makes `[next, end)` usable: true if it already is, or if the pages taken so far end the
    /// memory and the host grants the pages up to `end`.
    fn extend_to(&self, end: usize) -> bool {
        if end <= self.end.get() {
            return true;
        }
        if memory_end() != self.end.get() {
            return false;
        }
        let pages = (end - self.end.get()).div_ceil(PAGE).max(MIN_GROWTH_PAGES);
        if wasm32::memory_grow::<0>(pages) == usize::MAX {
            return false;
        }
        self.end.set(self.end.get() + pages * PAGE);
        true
    }

    /// Whether `block` of `size` bytes is the most recent block.
    fn is_last(&self, block: usize, size: usize) -> bool {
        block == self.last.get() && block + size == self.next.get()
    }
}

/// The end of memory 0.
fn memory_end() -> usize {
    wasm32::memory_size::<0>() * PAGE
}

// SAFETY: every block handed out lies in pages of memory 0 that this allocator took with
// `memory.grow` and had not handed out before (`next` moves back only over the most recent
// block, once it is freed), and is aligned as its layout asks.
unsafe impl GlobalAlloc for Arena {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.take(layout.size(), layout.align())
            .map_or(ptr::null_mut(), |start| start as *mut u8)
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        if self.is_last(block as usize, layout.size()) {
            self.next.set(block as usize);
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let start = block as usize;
        if self.is_last(start, layout.size())
            && let Some(end) = start.checked_add(new_size)
            && self.extend_to(end)
        {
            self.next.set(end);
            return block;
        }
        let Some(moved) = self.take(new_size, layout.align()) else {
            return ptr::null_mut();
        };
        // SAFETY: the old block is valid for `layout.size()` bytes and the new one for
        // `new_size`; they do not overlap, as the new one was handed out after the old one.
        unsafe { ptr::copy_nonoverlapping(block, moved as *mut u8, layout.size().min(new_size)) };
        moved as *mut u8
    }
}

/// The canonical ABI's allocator, through which the host copies strings and lists into the
/// component (neither std's nor wit-bindgen's is linked into a `no_std` wasip2 component; with
/// `std`, wit-bindgen's goes through the global allocator, this one).
/// Failing to allocate traps: a null pointer would be taken for address 0.
#[cfg(feature = "component")]
#[unsafe(no_mangle)]
unsafe extern "C" fn cabi_realloc(
    block: *mut u8,
    old_size: usize,
    align: usize,
    new_size: usize,
) -> *mut u8 {
    if old_size == 0 && new_size == 0 {
        return align as *mut u8;
    }
    let Ok(layout) = Layout::from_size_align(old_size.max(new_size), align) else {
        wasm32::unreachable()
    };
    // SAFETY: a non-empty old block is one this allocator handed out for `old_size` bytes at
    // `align` (the host only gives back what it asked for); sizes and alignment are checked.
    let moved = unsafe {
        if old_size == 0 {
            ARENA.alloc(layout)
        } else {
            ARENA.realloc(
                block,
                Layout::from_size_align_unchecked(old_size, align),
                new_size,
            )
        }
    };
    if moved.is_null() {
        wasm32::unreachable()
    }
    moved
}

//! Cells in linear memory behind the JS side's memo of synchronous reads (`js/index.js`).
//!
//! A `peek` that crosses into wasm costs about two `Map.get`s (SPEC §10), so the JS side keeps
//! the last servable result per URL and answers from it while two things hold: the change
//! counter here is unchanged (the runtime bumps it after every access that can change any entry
//! or layer: over-bumping costs speed, never correctness) and the clock is before the result's
//! servable-until time. That time is capped at one second after the read, so that recency is
//! still refreshed in the core about once a second for a URL read in a loop.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::core::Millis;

/// How long a memoized read may be served without telling the core (ms).
pub const MEMO_SPAN: Millis = 1_000;

static CHANGES: AtomicU32 = AtomicU32::new(0);
/// `[servable until, fresh until]` of the last read, as f64 bits (0: do not memoize).
static LAST_READ: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// Something may have changed: every memoized read is void.
pub fn bump() {
    CHANGES.fetch_add(1, Ordering::Relaxed);
}

/// Records how long the value just read may be served (`peek`) and served as fresh (`get`).
pub fn record(servable_until: Millis, fresh_until: Millis) {
    LAST_READ[0].store((servable_until as f64).to_bits(), Ordering::Relaxed);
    LAST_READ[1].store((fresh_until as f64).to_bits(), Ordering::Relaxed);
}

/// The last read must not be memoized.
pub fn forget() {
    record(0, 0);
}

/// Byte addresses of the change counter (u32), of the last read's times (2 × f64) and of the
/// buffer the JS side writes a key into for a direct first read (see `runtime::direct`).
pub fn cells() -> [u32; 3] {
    // wasm32 addresses fit u32; elsewhere (native tests) the cells are never read from JS.
    let address = |p: usize| u32::try_from(p).unwrap_or(0);
    [
        address(CHANGES.as_ptr() as usize),
        address(LAST_READ.as_ptr() as usize),
        address(crate::web::runtime::key_buffer_address()),
    ]
}

//! Compact sorts. The standard library's sorts are fast but large in wasm: each element type
//! gets its own few KB of pattern-defeating quicksort and sorting networks (about 16 KB of the
//! module over the crate's nine sorts). These are a few hundred bytes each. Every sort here is
//! off the hot read path and over at most the entries of one cache (Shell sort's ~n^1.3
//! comparisons stay around a millisecond at 10k).

/// Sorts `v` so that no element is `less` than one before it. Not stable.
///
/// ```
/// let mut v = [5, 1, 4, 1, 3];
/// freshet::core::sort::sort_by(&mut v, |a, b| a < b);
/// assert_eq!(v, [1, 1, 3, 4, 5]);
/// ```
pub fn sort_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    let n = v.len();
    // Knuth's gaps 1, 4, 13, 40, …
    let mut gap = 1;
    while gap < n / 3 {
        gap = 3 * gap + 1;
    }
    while gap > 0 {
        gapped_insertion(v, gap, &mut less);
        gap /= 3;
    }
}

/// [`sort_by`] in ascending `Ord` order.
pub fn sort<T: Ord>(v: &mut [T]) {
    sort_by(v, |a, b| a < b);
}

/// Stable sort for short slices (insertion sort: equal elements keep their order).
pub fn sort_stable_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    gapped_insertion(v, 1, &mut less);
}

fn gapped_insertion<T>(v: &mut [T], gap: usize, less: &mut impl FnMut(&T, &T) -> bool) {
    for i in gap..v.len() {
        let mut j = i;
        while j >= gap {
            match (v.get(j), v.get(j - gap)) {
                (Some(a), Some(b)) if less(a, b) => v.swap(j, j - gap),
                _ => break,
            }
            j -= gap;
        }
    }
}

// proptest runs natively only (no wasm32 randomness backend here; see Cargo.toml).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_like_the_standard_library(mut v in proptest::collection::vec(0u16..50, 0..300)) {
            let mut expected = v.clone();
            expected.sort_unstable();
            sort(&mut v);
            prop_assert_eq!(v, expected);
        }

        #[test]
        fn the_stable_sort_keeps_equal_elements_in_order(v in proptest::collection::vec((0u8..5, 0u16..1000), 0..60)) {
            let mut expected = v.clone();
            expected.sort_by_key(|(k, _)| *k);
            let mut got = v;
            sort_stable_by(&mut got, |a, b| a.0 < b.0);
            prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn sorts_strings_and_edge_cases() {
        let mut empty: [u8; 0] = [];
        sort(&mut empty);
        let mut one = ["a"];
        sort(&mut one);
        let mut keys: Vec<String> = (0..1000).rev().map(|i| format!("/k/{i}")).collect();
        let mut expected = keys.clone();
        expected.sort_unstable();
        sort(&mut keys);
        assert_eq!(keys, expected);
    }
}

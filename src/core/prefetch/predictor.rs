//! The navigation predictor: counts route-to-route transitions seen in this session and names
//! the routes that most often followed the current one. Bounded, so a long session with many
//! distinct routes keeps a fixed amount of memory.

/// Most routes remembered as a starting point; the least recently visited goes first.
pub const MAX_ROUTES: usize = 256;
/// Most next routes remembered per route; the least seen (then the oldest) goes first.
pub const MAX_NEXT: usize = 16;
/// Longest route remembered, in bytes; longer ones are ignored (not routes, but data).
pub const MAX_ROUTE_LEN: usize = 512;

#[derive(Debug)]
struct Next {
    route: Box<str>,
    count: u32,
    /// When this transition was last seen (a sequence number): breaks ties, newest first.
    last: u64,
}

#[derive(Debug)]
struct From {
    route: Box<str>,
    next: Vec<Next>,
    visited: u64,
}

/// Route transitions of the session.
#[derive(Debug, Default)]
pub struct Predictor {
    current: Option<Box<str>>,
    /// A list, not a map: it is short, and read once per navigation (a map type of its own
    /// would cost more wasm than the search).
    routes: Vec<From>,
    seq: u64,
}

impl Predictor {
    /// An empty predictor.
    pub fn new() -> Self {
        Predictor::default()
    }

    /// The route the app is on (the last one recorded).
    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// Records a navigation to `route`: counts the transition from the current route (staying
    /// on a route is not a transition) and makes `route` current.
    ///
    /// ```
    /// use freshet::core::prefetch::Predictor;
    /// let mut p = Predictor::new();
    /// for route in ["/home", "/story/1", "/home", "/story/1", "/home", "/feed"] {
    ///     p.record(route);
    /// }
    /// p.record("/home");
    /// assert_eq!(p.predict(2), vec!["/story/1", "/feed"]);
    /// ```
    pub fn record(&mut self, route: &str) {
        if route.is_empty() || route.len() > MAX_ROUTE_LEN {
            return;
        }
        self.seq += 1;
        let seq = self.seq;
        if let Some(from) = self.current.take() {
            if &*from != route {
                self.count(&from, route, seq);
            }
        }
        self.visit(route, seq);
        self.current = Some(route.into());
    }

    fn count(&mut self, from: &str, to: &str, seq: u64) {
        let Some(entry) = self.routes.iter_mut().find(|f| &*f.route == from) else {
            return;
        };
        if let Some(next) = entry.next.iter_mut().find(|n| &*n.route == to) {
            next.count = next.count.saturating_add(1);
            next.last = seq;
            return;
        }
        if entry.next.len() >= MAX_NEXT {
            let weakest = entry
                .next
                .iter()
                .enumerate()
                .min_by_key(|(_, n)| (n.count, n.last))
                .map(|(i, _)| i);
            if let Some(i) = weakest {
                entry.next.swap_remove(i);
            }
        }
        entry.next.push(Next {
            route: to.into(),
            count: 1,
            last: seq,
        });
    }

    fn visit(&mut self, route: &str, seq: u64) {
        if let Some(entry) = self.routes.iter_mut().find(|f| &*f.route == route) {
            entry.visited = seq;
            return;
        }
        if self.routes.len() >= MAX_ROUTES {
            let oldest = self
                .routes
                .iter()
                .enumerate()
                .min_by_key(|(_, f)| f.visited)
                .map(|(i, _)| i);
            if let Some(i) = oldest {
                self.routes.swap_remove(i);
            }
        }
        self.routes.push(From {
            route: route.into(),
            next: Vec::new(),
            visited: seq,
        });
    }

    /// Up to `n` routes that followed the current one, most often first (ties: most recently).
    pub fn predict(&self, n: usize) -> Vec<&str> {
        let current = self.current.as_deref();
        let Some(from) = self.routes.iter().find(|f| Some(&*f.route) == current) else {
            return Vec::new();
        };
        let mut next: Vec<&Next> = from.next.iter().collect();
        // `last` is unique per route, so the order is total and any sort gives the same result.
        crate::core::sort::sort_by(&mut next, |a, b| (a.count, a.last) > (b.count, b.last));
        next.into_iter().take(n).map(|n| &*n.route).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(p: &mut Predictor, routes: &[&str]) {
        for r in routes {
            p.record(r);
        }
    }

    #[test]
    fn nothing_is_predicted_before_any_transition() {
        let mut p = Predictor::new();
        assert!(p.predict(3).is_empty());
        p.record("/a");
        assert!(p.predict(3).is_empty());
    }

    #[test]
    fn the_most_frequent_next_route_comes_first() {
        let mut p = Predictor::new();
        walk(
            &mut p,
            &["/list", "/b", "/list", "/a", "/list", "/a", "/list"],
        );
        assert_eq!(p.predict(1), vec!["/a"]);
        assert_eq!(p.predict(5), vec!["/a", "/b"]);
    }

    #[test]
    fn ties_go_to_the_most_recent_transition() {
        let mut p = Predictor::new();
        walk(&mut p, &["/list", "/a", "/list", "/b", "/list"]);
        assert_eq!(p.predict(2), vec!["/b", "/a"]);
    }

    #[test]
    fn predictions_follow_the_current_route() {
        let mut p = Predictor::new();
        walk(&mut p, &["/x", "/y", "/z", "/x"]);
        assert_eq!(p.predict(1), vec!["/y"]);
        p.record("/y");
        assert_eq!(p.predict(1), vec!["/z"]);
    }

    #[test]
    fn staying_on_a_route_is_not_a_transition() {
        let mut p = Predictor::new();
        walk(&mut p, &["/a", "/a", "/a"]);
        assert!(p.predict(1).is_empty());
    }

    #[test]
    fn memory_is_bounded() {
        let mut p = Predictor::new();
        for i in 0..(MAX_ROUTES * 2) {
            p.record("/hub");
            p.record(&format!("/leaf/{i}"));
        }
        assert!(p.routes.len() <= MAX_ROUTES);
        assert!(p.routes.iter().all(|f| f.next.len() <= MAX_NEXT));
        p.record("/hub");
        // Only the newest leaves survive in /hub's list (all seen once; newest first).
        let last = format!("/leaf/{}", MAX_ROUTES * 2 - 1);
        assert_eq!(p.predict(1), vec![last.as_str()]);
    }

    #[test]
    fn a_frequent_transition_survives_eviction_of_rare_ones() {
        let mut p = Predictor::new();
        for _ in 0..3 {
            walk(&mut p, &["/hub", "/popular"]);
        }
        for i in 0..(MAX_NEXT * 3) {
            walk(&mut p, &["/hub", &format!("/rare/{i}")]);
        }
        p.record("/hub");
        assert_eq!(p.predict(1), vec!["/popular"]);
    }

    #[test]
    fn overlong_routes_are_ignored() {
        let mut p = Predictor::new();
        p.record("/a");
        p.record(&"x".repeat(MAX_ROUTE_LEN + 1));
        assert_eq!(p.current(), Some("/a"));
    }
}

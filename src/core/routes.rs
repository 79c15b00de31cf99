//! Route rules: the app's map from request paths to a page type and entity tags
//! (`/studio/api/scenes/:id` → `writing`, `scene:{id}`).

use super::key::key_path;
use super::page_type::PageTypeId;

/// Why a route rule was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// The pattern does not start with `/`.
    NotAPath(String),
    /// A `*` stands anywhere but as the whole last segment, or a `:` segment has no name.
    BadSegment(String),
    /// A tag template names a parameter the pattern does not have, or has an unclosed `{`.
    UnknownParameter(String),
}

impl std::fmt::Display for RouteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RouteError::NotAPath(p) => {
                write_all(f, &["route pattern \"", p, "\" must start with '/'"])
            }
            RouteError::BadSegment(p) => write_all(
                f,
                &[
                    "route pattern \"",
                    p,
                    "\": '*' only as the last segment, ':' needs a name",
                ],
            ),
            RouteError::UnknownParameter(t) => write_all(
                f,
                &[
                    "tag template \"",
                    t,
                    "\" names a parameter the route does not have",
                ],
            ),
        }
    }
}

/// Writes `parts` one after the other (no format arguments: see `core::text`).
fn write_all(f: &mut std::fmt::Formatter<'_>, parts: &[&str]) -> std::fmt::Result {
    parts.iter().try_for_each(|part| f.write_str(part))
}

impl std::error::Error for RouteError {}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Param(String),
    Rest,
}

#[derive(Debug, Clone, PartialEq)]
enum TemplatePart {
    Text(String),
    Param(usize),
}

/// One rule: a path pattern, the page type it sets and the tags it derives.
#[derive(Debug, Clone)]
pub struct RouteRule {
    segments: Vec<Segment>,
    page_type: Option<PageTypeId>,
    tags: Vec<Vec<TemplatePart>>,
}

impl RouteRule {
    /// Compiles a rule. `pattern` segments are literals, `:name` parameters, or a final `*`;
    /// tag templates insert parameters with `{name}`.
    ///
    /// ```
    /// use freshet::core::routes::RouteRule;
    /// use freshet::core::page_type::PageTypeId;
    /// let rule = RouteRule::new("/studio/api/scenes/:id", Some(PageTypeId::WRITING), &["scene:{id}"]).unwrap();
    /// let (page_type, tags) = rule.matches("/studio/api/scenes/abc?x=1").unwrap();
    /// assert_eq!(page_type, Some(PageTypeId::WRITING));
    /// assert_eq!(tags, vec!["scene:abc".to_string()]);
    /// ```
    pub fn new(
        pattern: &str,
        page_type: Option<PageTypeId>,
        tag_templates: &[&str],
    ) -> Result<Self, RouteError> {
        let body = pattern
            .strip_prefix('/')
            .ok_or_else(|| RouteError::NotAPath(pattern.to_owned()))?;
        let parts: Vec<&str> = if body.is_empty() {
            Vec::new()
        } else {
            body.split('/').collect()
        };
        let mut segments = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            let segment = if *part == "*" && i + 1 == parts.len() {
                Segment::Rest
            } else if let Some(name) = part.strip_prefix(':') {
                if name.is_empty() {
                    return Err(RouteError::BadSegment(pattern.to_owned()));
                }
                Segment::Param(name.to_owned())
            } else if part.contains('*') {
                return Err(RouteError::BadSegment(pattern.to_owned()));
            } else {
                Segment::Literal((*part).to_owned())
            };
            segments.push(segment);
        }
        let params: Vec<&str> = segments
            .iter()
            .filter_map(|s| match s {
                Segment::Param(name) => Some(name.as_str()),
                _ => None,
            })
            .collect();
        let mut tags = Vec::with_capacity(tag_templates.len());
        for template in tag_templates {
            tags.push(compile_template(template, &params)?);
        }
        Ok(RouteRule {
            segments,
            page_type,
            tags,
        })
    }

    /// The page type and tags for a request key, when the rule matches its path.
    pub fn matches(&self, key: &str) -> Option<(Option<PageTypeId>, Vec<String>)> {
        let path = key_path(key).strip_prefix('/')?;
        // The root path has no segments (splitting "" would yield one empty one).
        let mut parts = path.split('/').filter(|_| !path.is_empty());
        let mut values: Vec<&str> = Vec::new();
        for segment in &self.segments {
            match segment {
                Segment::Rest => {
                    return parts.next().map(|_| (self.page_type, self.render(&values)))
                }
                Segment::Literal(lit) => {
                    if parts.next()? != lit {
                        return None;
                    }
                }
                Segment::Param(_) => {
                    let value = parts.next()?;
                    if value.is_empty() {
                        return None;
                    }
                    values.push(value);
                }
            }
        }
        if parts.next().is_some() {
            return None;
        }
        Some((self.page_type, self.render(&values)))
    }

    fn render(&self, values: &[&str]) -> Vec<String> {
        self.tags
            .iter()
            .map(|parts| {
                let mut tag = String::new();
                for part in parts {
                    match part {
                        TemplatePart::Text(t) => tag.push_str(t),
                        TemplatePart::Param(i) => {
                            tag.push_str(values.get(*i).copied().unwrap_or(""))
                        }
                    }
                }
                tag
            })
            .collect()
    }
}

fn compile_template(template: &str, params: &[&str]) -> Result<Vec<TemplatePart>, RouteError> {
    let unknown = || RouteError::UnknownParameter(template.to_owned());
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let (text, after) = rest.split_at_checked(open).ok_or_else(unknown)?;
        if !text.is_empty() {
            parts.push(TemplatePart::Text(text.to_owned()));
        }
        let after = after.strip_prefix('{').unwrap_or(after);
        let close = after.find('}').ok_or_else(unknown)?;
        let (name, tail) = after.split_at_checked(close).ok_or_else(unknown)?;
        let index = params.iter().position(|p| *p == name).ok_or_else(unknown)?;
        parts.push(TemplatePart::Param(index));
        rest = tail.strip_prefix('}').unwrap_or(tail);
    }
    if !rest.is_empty() {
        parts.push(TemplatePart::Text(rest.to_owned()));
    }
    Ok(parts)
}

/// The app's rules, tried in order; the first match wins.
#[derive(Debug, Clone, Default)]
pub struct Routes {
    rules: Vec<RouteRule>,
}

impl Routes {
    /// Appends a rule.
    pub fn push(&mut self, rule: RouteRule) {
        self.rules.push(rule);
    }

    /// The page type and tags of the first rule matching `key`.
    pub fn classify(&self, key: &str) -> (Option<PageTypeId>, Vec<String>) {
        self.rules
            .iter()
            .find_map(|r| r.matches(key))
            .unwrap_or((None, Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(p: &str, tags: &[&str]) -> RouteRule {
        RouteRule::new(p, Some(PageTypeId::READING), tags).unwrap()
    }

    #[test]
    fn params_fill_templates() {
        let r = rule("/studio/api/chapters/:id", &["chapter:{id}", "x{id}y{id}"]);
        let (_, tags) = r.matches("/studio/api/chapters/9").unwrap();
        assert_eq!(tags, ["chapter:9", "x9y9"]);
    }

    #[test]
    fn segment_counts_must_match() {
        let r = rule("/a/:id", &[]);
        assert!(r.matches("/a").is_none());
        assert!(r.matches("/a/").is_none());
        assert!(r.matches("/a/1/2").is_none());
        assert!(r.matches("/b/1").is_none());
        assert!(r.matches("/a/1?q=2").is_some());
        assert!(r.matches("http://o.example/a/1").is_some());
    }

    #[test]
    fn trailing_star_matches_the_rest() {
        let r = rule("/novels/*", &["novels"]);
        assert!(r.matches("/novels/api/stories/1").is_some());
        assert!(r.matches("/novels").is_none());
        let root = rule("/", &[]);
        assert!(root.matches("/").is_some());
        assert!(root.matches("/x").is_none());
    }

    #[test]
    fn bad_rules_are_refused() {
        assert!(matches!(
            RouteRule::new("a", None, &[]),
            Err(RouteError::NotAPath(_))
        ));
        assert!(matches!(
            RouteRule::new("/a*b", None, &[]),
            Err(RouteError::BadSegment(_))
        ));
        assert!(matches!(
            RouteRule::new("/*/a", None, &[]),
            Err(RouteError::BadSegment(_))
        ));
        assert!(matches!(
            RouteRule::new("/:", None, &[]),
            Err(RouteError::BadSegment(_))
        ));
        assert!(matches!(
            RouteRule::new("/:id", None, &["x:{nope}"]),
            Err(RouteError::UnknownParameter(_))
        ));
        assert!(matches!(
            RouteRule::new("/:id", None, &["x:{id"]),
            Err(RouteError::UnknownParameter(_))
        ));
    }

    #[test]
    fn first_match_wins() {
        let mut routes = Routes::default();
        routes.push(RouteRule::new("/a/special", Some(PageTypeId::WRITING), &["s"]).unwrap());
        routes.push(RouteRule::new("/a/:id", Some(PageTypeId::READING), &["a:{id}"]).unwrap());
        assert_eq!(
            routes.classify("/a/special"),
            (Some(PageTypeId::WRITING), vec!["s".to_owned()])
        );
        assert_eq!(
            routes.classify("/a/1"),
            (Some(PageTypeId::READING), vec!["a:1".to_owned()])
        );
        assert_eq!(routes.classify("/zzz"), (None, vec![]));
    }
}

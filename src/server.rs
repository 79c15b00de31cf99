//! Server-side helper for Rust servers: builds the invalidation headers of SPEC §3 from an
//! entity context, with the reference app's cascade. Pure (no browser); the same output as
//! `js/server/headers.js`, checked against shared vectors (`tests/vectors/`).
//!
//! ```
//! use freshet::server::{invalidation_headers, EntityContext, EntityType};
//! let ctx = EntityContext {
//!     entity_id: Some("x1"),
//!     chapter_id: Some("c1"),
//!     story_id: Some("s1"),
//!     ..EntityContext::new(EntityType::Scene, 1_762_086_896_789)
//! };
//! let h = invalidation_headers(&ctx).unwrap();
//! assert_eq!(h.page_types, "writing");
//! assert_eq!(h.keys, "scene:x1,chapter:c1,story:s1");
//! assert_eq!(h.timestamp, "2025-11-02T12:34:56.789Z");
//! ```

use std::fmt;
use std::str::FromStr;

use crate::core::iso8601::format_millis;
use crate::core::Millis;

/// Entity types the helper knows; `Comment` is the reference app's name for a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityType {
    /// A story.
    Story,
    /// A part of a story.
    Part,
    /// A chapter.
    Chapter,
    /// A scene.
    Scene,
    /// A character of a story.
    Character,
    /// A setting of a story.
    Setting,
    /// A community post.
    Post,
    /// A like of a post.
    Like,
    /// A reply to a post.
    Reply,
    /// A reply, by its other name.
    Comment,
}

impl FromStr for EntityType {
    type Err = HeaderError;

    fn from_str(name: &str) -> Result<Self, HeaderError> {
        Ok(match name {
            "story" => EntityType::Story,
            "part" => EntityType::Part,
            "chapter" => EntityType::Chapter,
            "scene" => EntityType::Scene,
            "character" => EntityType::Character,
            "setting" => EntityType::Setting,
            "post" => EntityType::Post,
            "like" => EntityType::Like,
            "reply" => EntityType::Reply,
            "comment" => EntityType::Comment,
            _ => return Err(HeaderError::UnknownEntityType(name.to_owned())),
        })
    }
}

/// One write, described so its headers can be built. `None` and `""` ids are missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityContext<'a> {
    /// What was written.
    pub entity_type: EntityType,
    /// Its id (for a like or reply: the post's, when `post_id` is absent).
    pub entity_id: Option<&'a str>,
    /// The story it belongs to.
    pub story_id: Option<&'a str>,
    /// The chapter it belongs to.
    pub chapter_id: Option<&'a str>,
    /// The part it belongs to.
    pub part_id: Option<&'a str>,
    /// The post it belongs to.
    pub post_id: Option<&'a str>,
    /// The story is published: story-tree writes also invalidate `reading`.
    pub published: bool,
    /// When the server made the change (ms since the epoch).
    pub timestamp: Millis,
}

impl EntityContext<'_> {
    /// A context with no ids, unpublished.
    pub fn new(entity_type: EntityType, timestamp: Millis) -> Self {
        EntityContext {
            entity_type,
            entity_id: None,
            story_id: None,
            chapter_id: None,
            part_id: None,
            post_id: None,
            published: false,
            timestamp,
        }
    }
}

/// Why headers could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// Not one of the known entity types.
    UnknownEntityType(String),
    /// An id or tag holds a comma or control character, which would become another key.
    Unsafe(String),
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::UnknownEntityType(t) => write!(f, "unknown entity type {t:?}"),
            HeaderError::Unsafe(v) => write!(f, "{v:?} contains a comma or control character"),
        }
    }
}

impl std::error::Error for HeaderError {}

/// The three headers of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidationHeaders {
    /// `X-Cache-Invalidate`.
    pub page_types: String,
    /// `X-Cache-Invalidate-Keys`.
    pub keys: String,
    /// `X-Cache-Invalidate-Timestamp`.
    pub timestamp: String,
}

impl InvalidationHeaders {
    /// Name and value of each header, ready for a response.
    pub fn pairs(&self) -> [(&'static str, &str); 3] {
        [
            ("X-Cache-Invalidate", &self.page_types),
            ("X-Cache-Invalidate-Keys", &self.keys),
            ("X-Cache-Invalidate-Timestamp", &self.timestamp),
        ]
    }
}

/// The JS helper's `/[,\u0000-\u001f\u007f]/`, exactly.
fn unsafe_text(value: &str) -> bool {
    value.chars().any(|c| c == ',' || c < ' ' || c == '\u{7f}')
}

/// Builds the headers of a write: missing ids are skipped, keys deduplicated in cascade order.
pub fn invalidation_headers(ctx: &EntityContext<'_>) -> Result<InvalidationHeaders, HeaderError> {
    use EntityType as T;
    let story_types: &[&str] = if ctx.published {
        &["writing", "reading"]
    } else {
        &["writing"]
    };
    let (page_types, parts): (&[&str], Vec<(&str, Option<&str>)>) = match ctx.entity_type {
        T::Scene => (
            story_types,
            vec![
                ("scene", ctx.entity_id),
                ("chapter", ctx.chapter_id),
                ("part", ctx.part_id),
                ("story", ctx.story_id),
            ],
        ),
        T::Chapter => (
            story_types,
            vec![
                ("chapter", ctx.entity_id),
                ("part", ctx.part_id),
                ("story", ctx.story_id),
            ],
        ),
        T::Story => (story_types, vec![("story", ctx.entity_id.or(ctx.story_id))]),
        T::Part | T::Character | T::Setting => {
            let name = match ctx.entity_type {
                T::Part => "part",
                T::Character => "character",
                _ => "setting",
            };
            (
                story_types,
                vec![(name, ctx.entity_id), ("story", ctx.story_id)],
            )
        }
        T::Post => (
            &["community"],
            vec![
                ("post", ctx.entity_id.or(ctx.post_id)),
                ("community:posts", None),
            ],
        ),
        T::Like | T::Reply | T::Comment => (
            &["community"],
            vec![("post", ctx.post_id.or(ctx.entity_id))],
        ),
    };
    let mut keys: Vec<String> = Vec::new();
    for (prefix, id) in parts {
        let key = match id {
            // A fixed key (no id part).
            None if prefix.contains(':') => prefix.to_owned(),
            None | Some("") => continue,
            Some(id) if unsafe_text(id) => return Err(HeaderError::Unsafe(id.to_owned())),
            Some(id) => format!("{prefix}:{id}"),
        };
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(InvalidationHeaders {
        page_types: page_types.join(","),
        keys: keys.join(","),
        timestamp: format_millis(ctx.timestamp),
    })
}

/// Builds the `X-Cache-Tags` value of a read: tags trimmed, empties dropped, duplicates once.
pub fn cache_tags_header<'a>(
    tags: impl IntoIterator<Item = &'a str>,
) -> Result<String, HeaderError> {
    let mut unique: Vec<&str> = Vec::new();
    for tag in tags {
        if unsafe_text(tag) {
            return Err(HeaderError::Unsafe(tag.to_owned()));
        }
        let tag = tag.trim();
        if !tag.is_empty() && !unique.contains(&tag) {
            unique.push(tag);
        }
    }
    Ok(unique.join(","))
}

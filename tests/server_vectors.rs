//! The Rust server helper against the vectors shared with `js/server/headers.test.mjs`, so that
//! a Rust server and a Node server send byte-identical headers for the same write.
#![cfg(not(target_arch = "wasm32"))]

use freshet::core::iso8601::parse_millis;
use freshet::server::{cache_tags_header, invalidation_headers, EntityContext, EntityType};
use serde_json::Value;

fn vectors() -> Value {
    let text = include_str!("vectors/invalidation-headers.json");
    serde_json::from_str(text).unwrap()
}

/// An id as the JS helper reads it: strings as they are, numbers in decimal, null/absent missing.
fn id(context: &Value, field: &str) -> Option<String> {
    match context.get(field)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[test]
fn invalidation_headers_match_the_shared_vectors() {
    let vectors = vectors();
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let c = &case["context"];
        let ids: Vec<Option<String>> = ["entityId", "storyId", "chapterId", "partId", "postId"]
            .iter()
            .map(|f| id(c, f))
            .collect();
        let built = c["entityType"]
            .as_str()
            .unwrap()
            .parse::<EntityType>()
            .and_then(|entity_type| {
                let ctx = EntityContext {
                    entity_type,
                    entity_id: ids[0].as_deref(),
                    story_id: ids[1].as_deref(),
                    chapter_id: ids[2].as_deref(),
                    part_id: ids[3].as_deref(),
                    post_id: ids[4].as_deref(),
                    published: c["published"] == Value::Bool(true),
                    timestamp: parse_millis(c["timestamp"].as_str().unwrap()).unwrap(),
                };
                invalidation_headers(&ctx)
            });
        if case["error"] == Value::Bool(true) {
            assert!(built.is_err(), "{c}");
            continue;
        }
        let built = built.unwrap_or_else(|e| panic!("{c}: {e}"));
        for (name, value) in built.pairs() {
            assert_eq!(case["headers"][name].as_str(), Some(value), "{c} {name}");
        }
    }
}

#[test]
fn cache_tags_match_the_shared_vectors() {
    let vectors = vectors();
    for case in vectors["tags"].as_array().unwrap() {
        let tags: Vec<&str> = case["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let built = cache_tags_header(tags.iter().copied());
        if case["error"] == Value::Bool(true) {
            assert!(built.is_err(), "{tags:?}");
        } else {
            assert_eq!(built.unwrap(), case["header"].as_str().unwrap(), "{tags:?}");
        }
    }
}

//! Reading option objects passed from JS, with a clear error for each wrong field.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::invalidation::Target;
use crate::core::page_type::{PageTypes, CUSTOM_DEFAULT};
use crate::core::protocol::key_target;
use crate::core::routes::RouteRule;
use crate::core::Millis;
use crate::error::{Error, Result};
use crate::store::tier::TierConfig;
use crate::web::runtime::{
    array_copy, InvalidationConfig, Mutation, Populate, ReadOptions, Rollback, Runtime,
    RuntimeConfig,
};

/// A field of an options object; `undefined` when the object is not one.
pub(super) fn field(object: &JsValue, name: &'static str) -> JsValue {
    if !object.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(object, &property(name)).unwrap_or(JsValue::UNDEFINED)
}

thread_local! {
    // Property names as JS strings, made once: building one from Rust text on every read
    // costs more than the read itself (it decodes UTF-8 across the boundary).
    static PROPERTIES: std::cell::RefCell<Vec<(&'static str, JsValue)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The JS string for an option name, cached. Only the names written in this crate come here
/// (a few dozen), so a list scanned in order costs less code than a map, and no more time.
fn property(name: &'static str) -> JsValue {
    PROPERTIES.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return JsValue::from_str(name);
        };
        if let Some((_, value)) = cache.iter().find(|(known, _)| *known == name) {
            return value.clone();
        }
        let value = JsValue::from_str(name);
        cache.push((name, value.clone()));
        value
    })
}

/// `name must be expected` (built without `core::fmt`).
pub(super) fn bad(name: &str, expected: &str) -> Box<Error> {
    let mut message = String::with_capacity(name.len() + expected.len() + 9);
    message.push_str(name);
    message.push_str(" must be ");
    message.push_str(expected);
    Box::new(Error::InvalidOptions(message))
}

/// Where [`read_fields`] puts a field's value. A field that is absent (`undefined`, and
/// `null` for all but flags) leaves its slot, which holds the default, as it is.
pub(super) enum Slot<'a> {
    /// A non-negative number of milliseconds (see [`millis`]).
    Millis(&'a mut Millis),
    /// A non-negative count (see [`count`]).
    Count(&'a mut usize),
    /// A boolean (see [`flag`]).
    Flag(&'a mut bool),
    /// A string.
    Text(&'a mut String),
    /// A non-empty string without control characters.
    Name(&'a mut String),
}

/// Reads `fields` of `object` in order into their slots; the first wrong one is the error.
/// One loop for all the fields of an options object, rather than a call and an error path
/// for each.
pub(super) fn read_fields(object: &JsValue, fields: &mut [(&'static str, Slot<'_>)]) -> Result<()> {
    for (name, slot) in fields {
        match slot {
            Slot::Millis(out) => {
                if let Some(n) = millis(object, name)? {
                    **out = n;
                }
            }
            Slot::Count(out) => {
                if let Some(n) = count(object, name)? {
                    **out = n;
                }
            }
            Slot::Flag(out) => **out = flag(object, name, **out)?,
            Slot::Text(out) => {
                if let Some(value) = text(object, name)? {
                    **out = value;
                }
            }
            Slot::Name(out) => {
                if let Some(value) = text(object, name)? {
                    check_name(name, &value)?;
                    **out = value;
                }
            }
        }
    }
    Ok(())
}

/// Checks `value` of `name`, which becomes part of storage keys: not empty, and without
/// control characters.
pub(super) fn check_name(name: &str, value: &str) -> Result<()> {
    if value.is_empty() || value.chars().any(char::is_control) {
        return Err(bad(name, "a non-empty string without control characters"));
    }
    Ok(())
}

pub(super) fn millis(object: &JsValue, name: &'static str) -> Result<Option<Millis>> {
    let value = field(object, name);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        // `as` saturates; Infinity (never stale) becomes u64::MAX.
        Some(n) if n >= 0.0 && !n.is_nan() => Ok(Some(n as Millis)),
        _ => Err(bad(name, "a non-negative number of milliseconds")),
    }
}

pub(super) fn count(object: &JsValue, name: &'static str) -> Result<Option<usize>> {
    Ok(millis(object, name)?.map(|n| usize::try_from(n).unwrap_or(usize::MAX)))
}

pub(super) fn flag(object: &JsValue, name: &'static str, default: bool) -> Result<bool> {
    let value = field(object, name);
    if value.is_undefined() {
        return Ok(default);
    }
    value.as_bool().ok_or_else(|| bad(name, "a boolean"))
}

pub(super) fn text(object: &JsValue, name: &'static str) -> Result<Option<String>> {
    let value = field(object, name);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| bad(name, "a string"))
}

pub(super) fn strings(object: &JsValue, name: &'static str) -> Result<Vec<String>> {
    let value = field(object, name);
    if value.is_null() {
        return Ok(Vec::new());
    }
    string_list(&value, name)
}

/// An array of strings given as `name`; `undefined` is an empty one.
pub(super) fn string_list(value: &JsValue, name: &str) -> Result<Vec<String>> {
    if value.is_undefined() {
        return Ok(Vec::new());
    }
    let Some(items) = array_copy(value) else {
        return Err(bad(name, "an array of strings"));
    };
    let mut strings = Vec::new();
    for v in items.iter() {
        strings.push(
            v.as_string()
                .ok_or_else(|| bad(name, "an array of strings"))?,
        );
    }
    Ok(strings)
}

/// Reads the options of `new FreshetCache(options)`.
pub fn runtime_config(options: &JsValue) -> Result<RuntimeConfig> {
    if !(options.is_undefined() || options.is_null() || options.is_object()) {
        return Err(bad("options", "an object"));
    }
    let mut config = RuntimeConfig {
        cache: Default::default(),
        fetch: None,
        origin: String::new(),
        revalidate_on_focus: true,
        revalidate_on_reconnect: true,
        invalidation: InvalidationConfig {
            origins: Vec::new(),
            allow_star: false,
            namespace: "freshet".to_owned(),
            cross_tab: true,
            clear_on_unauthorized: false,
        },
        storage: None,
    };
    let mut storage = true;
    let cache = &mut config.cache;
    let invalidation = &mut config.invalidation;
    read_fields(
        options,
        &mut [
            (
                "revalidateOnFocus",
                Slot::Flag(&mut config.revalidate_on_focus),
            ),
            (
                "revalidateOnReconnect",
                Slot::Flag(&mut config.revalidate_on_reconnect),
            ),
            (
                "allowInvalidateAll",
                Slot::Flag(&mut invalidation.allow_star),
            ),
            ("namespace", Slot::Text(&mut invalidation.namespace)),
            ("crossTab", Slot::Flag(&mut invalidation.cross_tab)),
            (
                "clearOnUnauthorized",
                Slot::Flag(&mut invalidation.clear_on_unauthorized),
            ),
            ("storage", Slot::Flag(&mut storage)),
            (
                "dedupingInterval",
                Slot::Millis(&mut cache.deduping_interval),
            ),
            ("gcTime", Slot::Millis(&mut cache.gc_time)),
            (
                "focusThrottleInterval",
                Slot::Millis(&mut cache.focus_throttle),
            ),
            ("maxEntries", Slot::Count(&mut cache.limits.max_entries)),
            ("maxBytes", Slot::Count(&mut cache.limits.max_bytes)),
        ],
    )?;
    cache.limits.max_entries = cache.limits.max_entries.max(1);
    invalidation.origins = invalidation_origins(options)?;
    if storage {
        // Checked only when the tier is on: `storage: false` ignores its settings.
        let mut tier = TierConfig::default();
        read_fields(
            options,
            &mut [
                ("namespace", Slot::Name(&mut tier.namespace)),
                ("version", Slot::Name(&mut tier.version)),
                ("scope", Slot::Name(&mut tier.scope)),
                ("storageBudget", Slot::Count(&mut tier.budget)),
                ("entryBudget", Slot::Count(&mut tier.entry_budget)),
            ],
        )?;
        config.storage = Some(tier);
    }
    configure_page_types(&mut cache.page_types, &field(options, "pageTypes"))?;
    let routes = field(options, "routes");
    if !routes.is_undefined() {
        let Some(rules) = array_copy(&routes) else {
            return Err(bad("routes", "an array of { pattern, pageType?, tags? }"));
        };
        for rule in rules.iter() {
            let pattern =
                text(&rule, "pattern")?.ok_or_else(|| bad("routes[].pattern", "a string"))?;
            let page_type = text(&rule, "pageType")?.map(|name| cache.page_types.resolve(&name));
            let tags = strings(&rule, "tags")?;
            let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
            let rule = RouteRule::new(&pattern, page_type, &tags)
                .map_err(|e| Box::new(Error::InvalidOptions(e.to_string())))?;
            cache.routes.push(rule);
        }
    }
    let fetch = field(options, "fetch");
    if !fetch.is_undefined() {
        config.fetch = Some(
            fetch
                .dyn_into::<Function>()
                .map_err(|_| bad("fetch", "a function"))?,
        );
    }
    super::prefetch::configure(&field(options, "prefetch"), &mut config)?;
    config.origin = match text(options, "origin")? {
        Some(origin) => origin,
        None => web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default(),
    };
    Ok(config)
}

/// Reads `invalidationOrigins`, keyed like request keys (lower case, default port dropped) so
/// that the two compare.
fn invalidation_origins(options: &JsValue) -> Result<Vec<String>> {
    let mut origins = Vec::new();
    for origin in strings(options, "invalidationOrigins")? {
        let mut with_path = origin.trim_end_matches('/').to_owned();
        with_path.push('/');
        let key = crate::core::key::normalize_key(&with_path, "").map_err(|_| {
            bad(
                "invalidationOrigins",
                "an array of origins like \"https://api.example\"",
            )
        })?;
        origins.push(key.trim_end_matches('/').to_owned());
    }
    Ok(origins)
}

fn configure_page_types(types: &mut PageTypes, table: &JsValue) -> Result<()> {
    if table.is_undefined() {
        return Ok(());
    }
    if !table.is_object() {
        return Err(bad(
            "pageTypes",
            "an object of { staleTime?, maxAge?, serveStaleWhenInvalidated? }",
        ));
    }
    let keys =
        object_keys(table).map_err(|_| bad("pageTypes", "an object whose keys can be read"))?;
    for key in keys.iter() {
        let Some(name) = key.as_string() else {
            continue;
        };
        let spec = Reflect::get(table, &key).unwrap_or(JsValue::UNDEFINED);
        let mut lifetimes = types
            .lookup(&name)
            .map_or(CUSTOM_DEFAULT, |id| types.lifetimes(id).clone());
        read_fields(
            &spec,
            &mut [
                ("staleTime", Slot::Millis(&mut lifetimes.stale_time)),
                ("maxAge", Slot::Millis(&mut lifetimes.max_age)),
                (
                    "serveStaleWhenInvalidated",
                    Slot::Flag(&mut lifetimes.serve_stale_when_invalidated),
                ),
            ],
        )?;
        types
            .configure(&name, lifetimes)
            .map_err(|e| Box::new(Error::InvalidOptions(e.to_string())))?;
    }
    Ok(())
}

/// Reads the options of one `get`.
pub fn read_options(runtime: &Runtime, options: &JsValue) -> Result<ReadOptions> {
    // The common call passes no options; skip the four field reads (each a call into JS).
    if options.is_undefined() {
        return Ok(ReadOptions::default());
    }
    let (page_type, tags) = write_options(runtime, options)?;
    Ok(ReadOptions {
        page_type,
        tags,
        init: field(options, "init"),
        force: flag(options, "force", false)?,
        prefetch: false,
    })
}

#[wasm_bindgen(module = "/src/web/glue.js")]
extern "C" {
    /// What kind of value each of `names` (at most 10) holds in `object`, 3 bits each (see
    /// [`Kind`]); 0 for `undefined`, -1 when `object` is neither an object nor `undefined` or
    /// reading a field threw.
    #[wasm_bindgen(js_name = freshetShape)]
    fn shape_js(object: &JsValue, names: &Array) -> i32;
}

#[wasm_bindgen]
extern "C" {
    /// `Object.keys(object)`; an error where a proxy's trap throws.
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    fn object_keys(object: &JsValue) -> std::result::Result<Array, JsValue>;
}

/// What a field holds, as [`Shape`] reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Undefined,
    Null,
    True,
    False,
    Function,
    Object,
    String,
    Other,
}

/// The kinds of some fields of an options object, read in one call into JS: most options
/// are absent or booleans, and those are then known without reading each field across the
/// boundary (a read is two crossings and a table slot).
struct Shape<'a> {
    object: &'a JsValue,
    bits: u32,
}

impl<'a> Shape<'a> {
    /// The shape of `object`'s `names` (made once into `array`); `None` when `object` is not
    /// an object (nor `undefined`), or reading a field threw.
    fn read(object: &'a JsValue, array: &Array) -> Option<Self> {
        let bits = u32::try_from(shape_js(object, array)).ok()?;
        Some(Shape { object, bits })
    }

    fn kind(&self, index: u32) -> Kind {
        match (self.bits >> (3 * index)) & 7 {
            0 => Kind::Undefined,
            1 => Kind::Null,
            2 => Kind::True,
            3 => Kind::False,
            4 => Kind::Function,
            5 => Kind::Object,
            6 => Kind::String,
            _ => Kind::Other,
        }
    }

    /// The field's value: read from JS only when it is not one of the constants.
    fn value(&self, index: u32, name: &'static str) -> JsValue {
        match self.kind(index) {
            Kind::Undefined => JsValue::UNDEFINED,
            Kind::Null => JsValue::NULL,
            Kind::True => JsValue::TRUE,
            Kind::False => JsValue::FALSE,
            _ => field(self.object, name),
        }
    }

    fn flag(&self, index: u32, name: &str, default: bool) -> Result<bool> {
        match self.kind(index) {
            Kind::Undefined => Ok(default),
            Kind::True => Ok(true),
            Kind::False => Ok(false),
            _ => Err(bad(name, "a boolean")),
        }
    }
}

/// The fields of `mutate`'s options, in the order [`Shape`] reads them.
const MUTATE_FIELDS: [&str; 7] = [
    "populateCache",
    "rollbackOnError",
    "request",
    "optimisticData",
    "revalidate",
    "throwOnError",
    "scope",
];

thread_local! {
    static MUTATE_NAMES: Array = MUTATE_FIELDS.iter().map(|n| JsValue::from_str(n)).collect();
}

/// Reads the options of one `mutate` over `keys`.
pub fn mutation(keys: Vec<String>, options: &JsValue) -> Result<Mutation> {
    let [populate_cache, rollback_on_error, request, optimistic_data, revalidate, throw_on_error, scope] =
        MUTATE_FIELDS;
    let shape = MUTATE_NAMES
        .with(|names| Shape::read(options, names))
        .ok_or_else(|| bad("mutate options", "an object whose fields can be read"))?;
    let populate = match shape.kind(0) {
        Kind::Function => Populate::With(shape.value(0, populate_cache).unchecked_into()),
        Kind::Undefined | Kind::Null | Kind::False => Populate::No,
        Kind::True => Populate::Result,
        _ => {
            return Err(bad(
                populate_cache,
                "a boolean or a function (result, current) => value",
            ))
        }
    };
    let rollback = match shape.kind(1) {
        Kind::Function => Rollback::When(shape.value(1, rollback_on_error).unchecked_into()),
        Kind::Undefined | Kind::True => Rollback::Always,
        Kind::False => Rollback::Never,
        _ => {
            return Err(bad(
                rollback_on_error,
                "a boolean or a function (error) => boolean",
            ))
        }
    };
    let request = match shape.kind(2) {
        Kind::Undefined | Kind::Object | Kind::Function => shape.value(2, request),
        _ => {
            return Err(bad(
                request,
                "{ url?, ...RequestInit } or a function returning a promise",
            ))
        }
    };
    let scope = match shape.kind(6) {
        Kind::Undefined | Kind::Null => None,
        Kind::String => shape.value(6, scope).as_string(),
        _ => return Err(bad(scope, "a string")),
    };
    Ok(Mutation {
        keys,
        optimistic: shape.value(3, optimistic_data),
        request,
        populate,
        rollback,
        revalidate: shape.flag(4, revalidate, true)?,
        throw_on_error: shape.flag(5, throw_on_error, true)?,
        scope,
    })
}

/// Reads the options of one `set`: page type and tags.
pub fn write_options(
    runtime: &Runtime,
    options: &JsValue,
) -> Result<(Option<crate::core::page_type::PageTypeId>, Vec<String>)> {
    Ok((
        text(options, "pageType")?
            .map(|n| runtime.page_type(&n))
            .transpose()?,
        strings(options, "tags")?,
    ))
}

/// What a string of `invalidate`'s lists names.
#[derive(Clone, Copy)]
pub enum Named {
    /// A request URL.
    Key,
    /// An entity tag as the app names it (`story:42:*` is a prefix; empty and `*` are skipped).
    Tag,
    /// A page type; unknown names are skipped.
    PageType,
    /// A request-key path prefix, starting with `/`.
    Path,
}

/// Appends the targets that `values` name as `named` to `targets`.
pub fn push_targets(
    runtime: &Runtime,
    named: Named,
    values: Vec<String>,
    targets: &mut Vec<Target>,
) -> Result<()> {
    for value in values {
        let target = match named {
            Named::Key => Some(Target::Key(runtime.key_of(&value)?.into())),
            Named::Tag => {
                let tag = value.trim();
                if tag.is_empty() || tag.chars().any(char::is_control) {
                    None
                } else {
                    key_target(tag, false)
                }
            }
            Named::PageType => runtime.page_type_named(&value)?.map(Target::PageType),
            Named::Path => {
                if !value.starts_with('/') {
                    return Err(bad("paths", "an array of paths starting with '/'"));
                }
                Some(Target::PathPrefix(value.into()))
            }
        };
        targets.extend(target);
    }
    Ok(())
}

/// Reads `{ keys?, tags?, pageTypes?, paths? }` of `invalidate`.
pub fn invalidate_spec(runtime: &Runtime, spec: &JsValue) -> Result<Vec<Target>> {
    if !spec.is_object() {
        return Err(bad(
            "invalidate()",
            "given a URL or { keys?, tags?, pageTypes?, paths? }",
        ));
    }
    let mut targets = Vec::new();
    for (name, named) in [
        ("keys", Named::Key),
        ("tags", Named::Tag),
        ("pageTypes", Named::PageType),
        ("paths", Named::Path),
    ] {
        push_targets(runtime, named, strings(spec, name)?, &mut targets)?;
    }
    Ok(targets)
}

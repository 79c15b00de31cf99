//! The crate's error type; it becomes a JS `Error` (name `FreshetError`, with a `code`) at the
//! boundary and nowhere earlier.

use std::fmt;

use crate::core::key::KeyError;

/// Everything that can go wrong in a call from JS.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The URL cannot be made into a request key.
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why.
        reason: KeyError,
    },
    /// An option has the wrong type or value.
    InvalidOptions(String),
    /// `fetch` rejected (offline, CORS, DNS) or was aborted.
    Network {
        /// The request key.
        url: String,
        /// The message of the rejection.
        message: String,
    },
    /// The server answered with a status other than 2xx (or 304 where expected).
    Status {
        /// The request key.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The body could not be read or decoded.
    Decode {
        /// The request key.
        url: String,
        /// What the decoder said.
        message: String,
    },
    /// Invalidations kept overtaking the refetches of this key.
    Unsettled {
        /// The request key.
        url: String,
    },
    /// The cache was destroyed.
    Destroyed,
    /// The cache was called back into while busy (from inside one of its own callbacks).
    Busy,
    /// An interned key id that the cache does not know (ids are reset together with the JS side).
    UnknownKeyId(u32),
    /// The optimistic function of a mutation threw; the mutation did not start.
    Optimistic(String),
}

/// Result with the crate's [`Error`], boxed: every `?` that passes an error up copies it, and
/// in wasm a pointer costs a fraction of the code of the whole (7-word) error.
pub type Result<T, E = Box<Error>> = std::result::Result<T, E>;

impl Error {
    /// A stable machine-readable code, exposed to JS as `error.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidUrl { .. } => "INVALID_URL",
            Error::InvalidOptions(_) => "INVALID_OPTIONS",
            Error::Network { .. } => "NETWORK",
            Error::Status { .. } => "HTTP_STATUS",
            Error::Decode { .. } => "DECODE",
            Error::Unsettled { .. } => "UNSETTLED",
            Error::Destroyed => "DESTROYED",
            Error::Busy => "BUSY",
            Error::UnknownKeyId(_) => "UNKNOWN_KEY_ID",
            Error::Optimistic(_) => "OPTIMISTIC",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUrl { url, reason } => write!(f, "invalid URL \"{url}\": {reason}"),
            Error::InvalidOptions(what) => write!(f, "invalid options: {what}"),
            Error::Network { url, message } => write!(f, "request for {url} failed: {message}"),
            Error::Status { url, status } => write!(f, "request for {url} answered HTTP {status}"),
            Error::Decode { url, message } => {
                write!(f, "response for {url} could not be decoded: {message}")
            }
            Error::Unsettled { url } => write!(
                f,
                "{url} was invalidated again during each of its refetches"
            ),
            Error::Destroyed => f.write_str("the cache was destroyed"),
            Error::Busy => {
                f.write_str("the cache was called while busy; call it again from a later task")
            }
            Error::UnknownKeyId(id) => write!(f, "unknown key id {id}"),
            Error::Optimistic(message) => write!(f, "the optimistic update threw: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Box<Error>> for Error {
    fn from(error: Box<Error>) -> Self {
        *error
    }
}

impl From<Box<Error>> for wasm_bindgen::JsValue {
    fn from(error: Box<Error>) -> Self {
        (*error).into()
    }
}

impl From<Error> for wasm_bindgen::JsValue {
    fn from(error: Error) -> Self {
        let js = js_sys::Error::new(&error.to_string());
        js.set_name("FreshetError");
        // Setting properties on a fresh Error object cannot fail; if it did, the message stays.
        let _ = js_sys::Reflect::set(&js, &"code".into(), &error.code().into());
        if let Error::Status { status, .. } = &error {
            let _ = js_sys::Reflect::set(&js, &"status".into(), &(*status).into());
        }
        js.into()
    }
}

//! Logging set-up: one line per event, `KC_LOG` (or `RUST_LOG`) for the filter, `KC_LOG_FORMAT=json`
//! for JSON lines. Secrets are never logged: tokens and passwords are not fields of any event.

use tracing_subscriber::{EnvFilter, fmt};

pub fn init() {
    let filter = std::env::var("KC_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info,sqlx=warn,sea_orm=warn".into());
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("KC_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = fmt().with_env_filter(filter).with_target(false);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.compact().try_init()
    };
}

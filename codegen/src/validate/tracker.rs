//! Status trackers: settings, use case and custom statuses.

use std::collections::HashMap;
use std::ops::Range;

use heck::{ToSnakeCase, ToUpperCamelCase};
use toml::Spanned;

use super::{FileValidator, span_of};
use crate::model::{Billing, Tracker};
use crate::names;
use crate::schema::{SString, TrackerDef};

impl FileValidator<'_> {
    pub(super) fn tracker(&mut self, name: &SString, def: &Spanned<TrackerDef>) -> Option<Tracker> {
        let tracker = def.get_ref();
        let type_name = self.type_name(name, "tracker");
        let table_name = self.table_name(tracker.table_name.as_ref(), name);
        let positive = |this: &mut Self,
                        value: &Option<Spanned<i64>>,
                        default: u32,
                        max: u32,
                        what: &str| match value {
            None => Some(default),
            Some(v) if (1..=i64::from(max)).contains(v.get_ref()) => Some(*v.get_ref() as u32),
            Some(v) => {
                this.reporter.error(
                    span_of(v),
                    format!("`{what}` must be between 1 and {max}"),
                    "out of range",
                );
                None
            }
        };
        let max_retry = positive(self, &tracker.max_retry, 3, 1000, "max_retry");
        let lease_seconds = positive(
            self,
            &tracker.lease_seconds,
            300,
            7 * 24 * 3600,
            "lease_seconds",
        );
        let shards = positive(self, &tracker.shards, 10, 100, "shards");
        let max_errors = positive(self, &tracker.max_errors, 10, 100, "max_errors");
        let custom_statuses = self.custom_statuses(&tracker.statuses);
        let use_case = self.use_case(tracker.use_case.as_ref());
        let data_type = match &tracker.data {
            None => Some(crate::types::JSON_VALUE.to_string()),
            Some(data) if data.get_ref() == "json" => Some(crate::types::JSON_VALUE.to_string()),
            Some(data) => self.rust_type_path(data),
        };
        let billing = match &tracker.billing {
            Some(billing) => self.billing(billing),
            None => Some(self.defaults.billing.unwrap_or(Billing::PayPerRequest)),
        };
        let type_name = type_name?;
        Some(Tracker {
            status_name: format!("{}Status", names::bare(&type_name)),
            use_case: use_case?.unwrap_or_else(|| names::bare(&type_name).to_snake_case()),
            name: type_name,
            table_name: table_name?,
            doc: tracker.doc.as_ref().map(|d| d.get_ref().clone()),
            max_retry: max_retry?,
            lease_seconds: lease_seconds?,
            shards: shards?,
            max_errors: max_errors?,
            custom_statuses: custom_statuses?,
            data_type: data_type?,
            billing: billing?,
        })
    }

    /// The explicit use case, if valid (`Some(None)` when the type name's default applies).
    fn use_case(&mut self, use_case: Option<&SString>) -> Option<Option<String>> {
        let Some(use_case) = use_case else {
            return Some(None);
        };
        let text = use_case.get_ref();
        let valid = text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
        if text.is_empty() || text.len() > 100 || !valid {
            self.reporter
                .error(span_of(use_case), format!("`{text}` cannot be a use case"), "invalid use case")
                .help("use cases are 1 to 100 characters of letters, digits, `_`, `-` and `.` (task keys join them to task ids with `#`)");
            return None;
        }
        Some(Some(text.clone()))
    }

    fn custom_statuses(&mut self, statuses: &[SString]) -> Option<Vec<(String, String)>> {
        const BUILT_IN: [&str; 5] = ["pending", "in_progress", "failed", "succeeded", "ignored"];
        let mut seen: HashMap<&str, Range<usize>> = HashMap::new();
        let mut result: Vec<(String, String)> = Vec::new();
        for status in statuses {
            let text = status.get_ref();
            let valid = names::is_identifier(text) && text.to_snake_case() == *text;
            if !valid || BUILT_IN.contains(&text.as_str()) {
                self.reporter
                    .error(span_of(status), format!("`{text}` cannot be a custom status"), "invalid status")
                    .help("custom statuses are snake_case names other than the built-in pending, in_progress, failed, succeeded and ignored");
                return None;
            }
            if let Some(first) = seen.insert(text, span_of(status)) {
                self.reporter
                    .error(
                        span_of(status),
                        format!("status `{text}` is listed twice"),
                        "duplicate status",
                    )
                    .related(first, "first listed here");
                return None;
            }
            let camel = text.to_upper_camel_case();
            let Ok(variant) = names::rust_ident(&camel) else {
                self.reporter
                    .error(
                        span_of(status),
                        format!("status `{text}` would be the enum variant `{camel}`, which Rust reserves"),
                        "not a variant name",
                    )
                    .help("choose another status name");
                return None;
            };
            let built_in = BUILT_IN
                .iter()
                .find(|b| names::same_ident(&b.to_upper_camel_case(), &variant));
            if let Some(built_in) = built_in {
                self.reporter
                    .error(
                        span_of(status),
                        format!("status `{text}` and the built-in status `{built_in}` both become the enum variant `{camel}`"),
                        format!("variant `{camel}`"),
                    )
                    .help("choose another status name");
                return None;
            }
            let twin = result
                .iter()
                .position(|(other, _)| names::same_ident(other, &variant));
            if let Some(position) = twin {
                let (other, other_span) = (&result[position].1, &statuses[position]);
                self.reporter
                    .error(
                        span_of(status),
                        format!("statuses `{other}` and `{text}` both become the enum variant `{camel}`"),
                        format!("variant `{camel}`"),
                    )
                    .related(span_of(other_span), format!("also variant `{camel}`"))
                    .help("statuses must differ in more than underscores and case: rename one of them");
                return None;
            }
            result.push((variant, text.clone()));
        }
        Some(result)
    }
}

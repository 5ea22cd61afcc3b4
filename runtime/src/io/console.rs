//! AWS console URLs for tables and items (pynamodb_mate feature 4), handy in logs.
//!
//! ```ignore
//! client.table_overview_url::<Url>();  // the table's overview page
//! client.table_items_url::<Url>();     // its item explorer
//! client.item_url(&key)?;              // one item, by its key (the key's type names the model)
//! page.item_url(&client)?;             // the same from the item (pynamodb_mate's `item_detail_console_url`)
//! ```
//!
//! # Which region
//!
//! The client's region wins: the region its DynamoDB requests go to
//! (`client.dynamodb().config().region()`), which is where the table is. The schema's `region`
//! is used only when the client has none (a client made from SDK clients or a configuration
//! without a region). The table name is the run-time one, with the client's prefix and suffix.
//!
//! # Partitions
//!
//! The console host follows the region's partition: `console.amazonaws.cn` for the China
//! regions (`cn-`), `console.amazonaws-us-gov.com` for AWS GovCloud (`us-gov-`), and
//! `console.aws.amazon.com` for every other region. Each URL uses the regional host,
//! `https://{region}.{host}/dynamodbv2/home?region={region}`.
//!
//! # Keys
//!
//! Key values are percent-encoded (everything but `A-Z a-z 0-9 - . _ ~`), number keys are used
//! as stored, and binary keys are shown as base64 (the console's form), then percent-encoded.

use aws_sdk_dynamodb::types::AttributeValue;
use base64ct::{Base64, Encoding};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::io::client::Client;
use crate::io::error::Error;
use crate::item::model::{Model, ModelKey};

/// The console host of `region`'s partition (see [Partitions](self#partitions)).
///
/// ```
/// use dynamate::io::console::console_host;
/// assert_eq!(console_host("eu-west-1"), "console.aws.amazon.com");
/// assert_eq!(console_host("cn-northwest-1"), "console.amazonaws.cn");
/// assert_eq!(console_host("us-gov-east-1"), "console.amazonaws-us-gov.com");
/// ```
pub fn console_host(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "console.amazonaws.cn"
    } else if region.starts_with("us-gov-") {
        "console.amazonaws-us-gov.com"
    } else {
        "console.aws.amazon.com"
    }
}

/// The DynamoDB console's home in `region`, the start of every URL.
fn base(region: &str) -> String {
    let host = console_host(region);
    format!("https://{region}.{host}/dynamodbv2/home?region={region}")
}

/// The console page of a table (overview tab).
///
/// ```
/// assert_eq!(
///     dynamate::io::console::table_overview_url("eu-west-1", "orders"),
///     "https://eu-west-1.console.aws.amazon.com/dynamodbv2/home?region=eu-west-1#table?name=orders"
/// );
/// ```
pub fn table_overview_url(region: &str, table: &str) -> String {
    format!("{}#table?name={}", base(region), percent_encode(table))
}

/// The console's item explorer for a table.
pub fn table_items_url(region: &str, table: &str) -> String {
    format!(
        "{}#item-explorer?table={}",
        base(region),
        percent_encode(table)
    )
}

/// The console page of one item, by its key attribute values.
///
/// ```
/// use dynamate::AttributeValue;
/// let url = dynamate::io::console::item_url(
///     "us-east-1",
///     "urls",
///     &AttributeValue::S("a b&c".into()),
///     Some(&AttributeValue::N("42".into())),
/// );
/// assert!(url.ends_with("#edit-item?table=urls&itemMode=2&pk=a%20b%26c&sk=42&route=ROUTE_ITEM_EXPLORER"));
/// ```
pub fn item_url(
    region: &str,
    table: &str,
    hash: &AttributeValue,
    range: Option<&AttributeValue>,
) -> String {
    let sort = range.map_or_else(String::new, |r| format!("&sk={}", key_text(r)));
    format!(
        "{}#edit-item?table={}&itemMode=2&pk={}{sort}&route=ROUTE_ITEM_EXPLORER",
        base(region),
        percent_encode(table),
        key_text(hash)
    )
}

/// A key value as it appears in a console URL.
fn key_text(value: &AttributeValue) -> String {
    let text = match value {
        AttributeValue::S(s) | AttributeValue::N(s) => s.clone(),
        AttributeValue::B(b) => Base64::encode_string(b.as_ref()),
        // Keys are only ever S, N or B (validated by the generator).
        other => crate::primitives::codec::type_name(other).to_string(),
    };
    percent_encode(&text)
}

/// RFC 3986's unreserved characters, the only ones URLs keep unencoded.
const UNRESERVED_KEPT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes every byte except RFC 3986's unreserved characters.
fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED_KEPT).to_string()
}

impl Client {
    /// The region console URLs use: the client's, else the schema's (see
    /// [Which region](self#which-region)).
    fn console_region<M: Model>(&self) -> String {
        self.dynamodb()
            .config()
            .region()
            .map_or_else(|| M::SCHEMA.region.to_string(), ToString::to_string)
    }

    /// Console URL of model `M`'s table (with this client's table prefix and suffix).
    pub fn table_overview_url<M: Model>(&self) -> String {
        table_overview_url(&self.console_region::<M>(), &self.table_name::<M>())
    }

    /// Console URL of model `M`'s item explorer.
    pub fn table_items_url<M: Model>(&self) -> String {
        table_items_url(&self.console_region::<M>(), &self.table_name::<M>())
    }

    /// Console URL of the item with key `key` (of the model whose key type `K` is; no turbofish
    /// needed). From a model instance: [`ModelExt::item_url`](crate::ModelExt::item_url).
    ///
    /// Fails only if a key value cannot be encoded.
    pub fn item_url<K: ModelKey>(&self, key: &K) -> Result<String, Error> {
        self.model_item_url::<K::Model>(key)
    }

    /// [`Client::item_url`] with the model named.
    fn model_item_url<M: Model>(&self, key: &M::Key) -> Result<String, Error> {
        let item = key.to_item()?;
        let schema = M::SCHEMA.key;
        let hash = &item[schema.hash.name];
        let range = schema.range.and_then(|r| item.get(r.name));
        Ok(item_url(
            &self.console_region::<M>(),
            &self.table_name::<M>(),
            hash,
            range,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::primitives::Blob;

    #[test]
    fn encodes_reserved_and_non_ascii_characters() {
        assert_eq!(
            percent_encode("a b&c+d#e/f?g=h"),
            "a%20b%26c%2Bd%23e%2Ff%3Fg%3Dh"
        );
        assert_eq!(percent_encode("café"), "caf%C3%A9");
        assert_eq!(percent_encode("A-z_0.9~"), "A-z_0.9~");
    }

    #[test]
    fn item_url_without_sort_key() {
        let url = item_url("ap-south-1", "t", &AttributeValue::S("k".into()), None);
        assert_eq!(
            url,
            "https://ap-south-1.console.aws.amazon.com/dynamodbv2/home?region=ap-south-1\
             #edit-item?table=t&itemMode=2&pk=k&route=ROUTE_ITEM_EXPLORER"
        );
    }

    #[test]
    fn partition_hosts() {
        assert_eq!(
            table_overview_url("cn-north-1", "t"),
            "https://cn-north-1.console.amazonaws.cn/dynamodbv2/home?region=cn-north-1#table?name=t"
        );
        assert_eq!(
            table_items_url("us-gov-west-1", "t"),
            "https://us-gov-west-1.console.amazonaws-us-gov.com/dynamodbv2/home\
             ?region=us-gov-west-1#item-explorer?table=t"
        );
        // Only the prefix decides: a commercial region containing `cn` stays commercial.
        assert_eq!(console_host("ap-east-1"), "console.aws.amazon.com");
        assert_eq!(console_host("us-east-1"), "console.aws.amazon.com");
    }

    #[test]
    fn binary_keys_are_base64_then_percent_encoded() {
        let key = AttributeValue::B(Blob::new(vec![0xfb, 0xff, 0x01]));
        // base64 "+/8B": `+` and `/` must be escaped.
        assert_eq!(key_text(&key), "%2B%2F8B");
    }
}

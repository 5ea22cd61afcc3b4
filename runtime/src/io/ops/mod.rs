//! Typed operations on generated models, as methods of [`Client`] and of the [`ModelExt`]
//! extension trait (pynamodb style: `Url::get(&client, &key)`, `url.save(&client)`).
//!
//! | what | `Client` method | builder options |
//! |---|---|---|
//! | create, delete, inspect tables | [`Client::create_table`], [`Client::delete_table`], [`Client::table_exists`], [`Client::describe_table`] | `no_wait`, `without_ttl` |
//! | create offload buckets (optional) | [`Client::create_offload_buckets`], [`Client::create_bucket_if_missing`] | |
//! | write an item | [`Client::save`], [`Client::create`] | `condition` |
//! | read an item | [`Client::get`], [`Client::refresh`] | `consistent_read`, `project` |
//! | delete an item | [`Client::delete`], [`Client::delete_if_exists`] | `condition` |
//! | update attributes | [`Client::update`] with [`crate::item::expr::Update`] | `condition` |
//! | query a table or index | [`Client::query`] | `range`, `filter`, `limit`, `page_size`, `reverse`, `consistent_read`, `project`, `start_from`; `stream`, `keys`, `page`, `all`, `count` |
//! | scan a table or index | [`Client::scan`] | `index`, `filter`, `segments`, ...; `stream`, `page`, `all`, `count` |
//!
//! Builders are awaited directly (`client.get(&key).consistent_read().await`). Every write goes
//! through [`Client::encode_item`] and every read through [`Client::decode_item`], so
//! compression, encryption and S3 offload apply everywhere.
//!
//! **Optimistic locking.** On a model with a `version` attribute, `save` and `create` write
//! `version + 1` on condition that the stored version is the one the item holds (or that the
//! item does not exist yet, for version 0), and bump the in-memory copy on success; a stale copy
//! fails with [`Error::VersionConflict`]. Updates increment the version too; transaction puts
//! are conditioned the same way.

mod bucket;
pub(crate) mod item;
mod paging;
mod query;
mod scan;
pub(crate) mod table;

pub use item::{Delete, Get, Save, UpdateItem};
pub use paging::{Cursor, Page};
pub use query::Query;
pub use scan::Scan;
pub use table::{CreateTable, Created};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::io::client::Client;
use crate::io::error::Error;
use crate::item::expr::{Condition, Context, HashCondition, Node, Operand, Placeholders};
use crate::item::model::{Field, Item, Model};
use crate::primitives::codec::Num;

/// DynamoDB's item size limit.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// pynamodb-style operations on every model, so calls read `Url::get(&client, &key)` and
/// `url.save(&client)`. Each is the [`Client`] method of the same name.
pub trait ModelExt: Model {
    /// [`Client::get`].
    fn get<'a>(client: &'a Client, key: &'a Self::Key) -> Get<'a, Self> {
        client.get(key)
    }

    /// [`Client::save`].
    fn save<'a>(&'a mut self, client: &'a Client) -> Save<'a, Self> {
        client.save(self)
    }

    /// [`Client::create`].
    fn create<'a>(&'a mut self, client: &'a Client) -> Save<'a, Self> {
        client.create(self)
    }

    /// [`Client::delete`] of this item's key.
    fn delete<'a>(&self, client: &'a Client) -> Delete<'a, Self> {
        client.delete(&self.key())
    }

    /// [`Client::refresh`].
    fn refresh<'a>(
        &'a mut self,
        client: &'a Client,
    ) -> impl std::future::Future<Output = Result<(), Error>> + Send + 'a {
        client.refresh(self)
    }

    /// [`Client::query`].
    fn query(client: &Client, key: HashCondition<Self>) -> Query<Self> {
        client.query(key)
    }

    /// [`Client::scan`].
    fn scan(client: &Client) -> Scan<Self> {
        client.scan()
    }

    /// [`Client::item_url`] of this item's key: its page in the AWS console (pynamodb_mate's
    /// `item_detail_console_url`), in the client's region (see
    /// [Which region](crate::io::console#which-region)).
    fn item_url(&self, client: &Client) -> Result<String, Error> {
        client.item_url(&self.key())
    }
}

impl<M: Model> ModelExt for M {}

impl Client {
    /// The rendering context of model `M` on `table`.
    pub(crate) fn context<'a, M: Model>(
        &'a self,
        operation: &'static str,
        table: &'a str,
    ) -> Context<'a> {
        Context {
            schema: M::SCHEMA,
            transforms: self.transforms(),
            operation,
            table,
        }
    }
}

/// A condition expression with its placeholders, ready to send.
#[derive(Debug, Default, Clone)]
pub(crate) struct Rendered {
    pub expression: Option<String>,
    pub placeholders: Placeholders,
}

/// `a AND b AND ...` of the present nodes.
pub(crate) fn all_of(nodes: impl IntoIterator<Item = Option<Node>>) -> Option<Node> {
    nodes
        .into_iter()
        .flatten()
        .reduce(|a, b| Node::And(Box::new(a), Box::new(b)))
}

/// Renders an optional condition.
pub(crate) fn render_condition(ctx: &Context<'_>, node: Option<Node>) -> Result<Rendered, Error> {
    let mut placeholders = Placeholders::default();
    let expression = node.map(|n| n.render(ctx, &mut placeholders)).transpose()?;
    Ok(Rendered {
        expression,
        placeholders,
    })
}

/// Optimistic locking of a put: writes `version + 1` into `item` and returns the condition
/// that the stored version is still `version`, and the new version.
pub(crate) fn lock_version<M: Model>(model: &M, item: &mut Item) -> Option<(Node, u64)> {
    let name = M::SCHEMA.version_attribute?;
    let version = model.version()?;
    let next = version + 1;
    item.insert(name.to_string(), AttributeValue::N(next.to_string()));
    let condition = if version == 0 {
        Node::Exists {
            name,
            exists: false,
        }
    } else {
        Node::Compare {
            op: "=",
            operand: Operand::new::<Num<u64>>(Field::plain(name), &version),
        }
    };
    Some((condition, next))
}

/// The condition node of a typed condition.
pub(crate) fn node<M>(condition: Option<Condition<M>>) -> Option<Node> {
    condition.map(Condition::into_node)
}

/// Fails when `item` exceeds DynamoDB's 400 KB limit (which moto does not enforce), naming the
/// largest attributes.
pub(crate) fn check_item_size(table: &str, item: &Item) -> Result<(), Error> {
    let attribute_size = |(name, value): (&String, &AttributeValue)| name.len() + value_size(value);
    // Every write checks its item: sum without copying names, and only name the largest
    // attributes of an item that is too large.
    let size: usize = item.iter().map(attribute_size).sum();
    if size <= MAX_ITEM_SIZE {
        return Ok(());
    }
    let mut sizes: Vec<(String, usize)> = item
        .iter()
        .map(|attribute| (attribute.0.clone(), attribute_size(attribute)))
        .collect();
    sizes.sort_by_key(|(_, size)| std::cmp::Reverse(*size));
    sizes.truncate(3);
    Err(Error::ItemTooLarge {
        table: table.to_string(),
        size,
        largest: sizes,
    })
}

/// The size DynamoDB counts for a value (numbers approximated by their text length).
fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Ss(v) | AttributeValue::Ns(v) => v.iter().map(String::len).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(v) => 3 + v.iter().map(|e| 1 + value_size(e)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, e)| 1 + k.len() + value_size(e))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// Maps an SDK builder error (a missing required field: a bug here, not the caller's) to an
/// [`Error`].
pub(crate) fn built<T>(
    operation: &'static str,
    table: &str,
    result: Result<T, aws_smithy_types::error::operation::BuildError>,
) -> Result<T, Error> {
    result.map_err(|e| Error::Service {
        operation,
        table: table.to_string(),
        source: Box::new(e),
    })
}

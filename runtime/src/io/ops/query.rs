//! Queries of a table or of one of its indexes.

use futures::stream::{BoxStream, StreamExt, TryStreamExt};

use super::item::projection_expression;
use super::paging::{Kind, Page, Request, Settings, decoded};
use crate::io::batch::BatchWriteRun;
use crate::io::client::Client;
use crate::io::error::Error;
use crate::item::expr::{Condition, HashCondition, Placeholders, RangeCondition};
use crate::item::model::{IndexKind, KeySchema, Model, ModelKey};

/// A query, from [`Client::query`]: partition key equality, an optional sort key condition and
/// filter; results as a [`futures::Stream`] across pages ([`Query::stream`]), one page at a time
/// with a resumable [`Cursor`](crate::Cursor) ([`Query::page`]), all at once ([`Query::all`]) or counted
/// ([`Query::count`]).
#[must_use = "a query does nothing until it is streamed, paged or counted"]
pub struct Query<M: Model> {
    client: Client,
    hash: HashCondition<M>,
    range: Option<RangeCondition<M>>,
    filter: Option<Condition<M>>,
    forward: bool,
    settings: Settings,
}

impl<M: Model> std::fmt::Debug for Query<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Query")
            .field("hash", &self.hash)
            .field("range", &self.range)
            .field("filter", &self.filter)
            .field("settings", &self.settings)
            .finish()
    }
}

/// Setters queries and scans share.
macro_rules! read_settings {
    () => {
        /// Keeps only items matching `filter` (applied after the key condition; the page
        /// size counts items before filtering).
        pub fn filter(mut self, filter: $crate::item::expr::Condition<M>) -> Self {
            self.filter = Some(filter);
            self
        }

        /// Reads only this attribute (call once per attribute; table keys are always read).
        /// The model must still decode: leave out only optional attributes and those with
        /// defaults.
        pub fn project<C, R>(mut self, attr: $crate::item::model::Attr<M, C, R>) -> Self {
            self.settings.projection.push(attr.name());
            self
        }

        /// Strongly consistent reads (not available on global secondary indexes).
        pub fn consistent_read(mut self) -> Self {
            self.settings.consistent = true;
            self
        }

        /// Items evaluated per request (DynamoDB's `Limit`), at least 1.
        pub fn page_size(mut self, size: u32) -> Self {
            self.settings.page_size = Some(i32::try_from(size).unwrap_or(i32::MAX));
            self
        }

        /// Yields at most `limit` items in total (at least 1).
        pub fn limit(mut self, limit: usize) -> Self {
            self.settings.limit = Some(limit);
            self
        }

        /// Starts where an earlier page ended.
        pub fn start_from(mut self, cursor: $crate::io::ops::Cursor) -> Self {
            self.settings.start = Some(cursor);
            self
        }

        /// Asks DynamoDB for the capacity each request consumes; [`Page::consumed_capacity`]
        /// reports it, and the span of each request records it.
        pub fn consumed_capacity(mut self, detail: $crate::io::telemetry::CapacityDetail) -> Self {
            self.settings.capacity = Some(detail);
            self
        }
    };
}
pub(crate) use read_settings;

impl<M: Model> Query<M> {
    read_settings!();

    /// Adds a sort key condition (from `Model::RANGE_KEY.key()` or `Model::INDEX.range()`).
    pub fn range(mut self, range: RangeCondition<M>) -> Self {
        self.range = Some(range);
        self
    }

    /// Returns items in descending sort key order.
    pub fn reverse(mut self) -> Self {
        self.forward = false;
        self
    }

    fn key_schema(&self) -> Result<(KeySchema, Option<IndexKind>), Error> {
        match self.hash.index {
            None => Ok((M::SCHEMA.key, None)),
            Some(name) => M::SCHEMA
                .indexes
                .iter()
                .find(|i| i.name == name)
                .map(|i| (i.key, Some(i.kind)))
                .ok_or_else(|| self.invalid(format!("`{name}` is not an index of this table"))),
        }
    }

    fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::invalid("Query", &self.client.table_name::<M>(), reason)
    }

    /// Checks the key condition and filter against the table or index, and renders them.
    fn request(self) -> Result<(Client, Request), Error> {
        let (key, kind) = self.key_schema()?;
        if let Some(range) = &self.range
            && (range.index != self.hash.index || Some(range.name()) != key.range.map(|r| r.name))
        {
            return Err(self.invalid(format!(
                "the sort key condition on `{}` does not belong to the queried {}; build it \
                     from the same table or index as the partition key condition",
                range.name(),
                self.hash.index.unwrap_or("table"),
            )));
        }
        if kind == Some(IndexKind::Global) && self.settings.consistent {
            return Err(self.invalid(
                "global secondary indexes do not support consistent reads; drop \
                 `consistent_read()` or query the table or a local index",
            ));
        }
        self.check_filter(key)?;
        let table = self.client.table_name::<M>();
        let ctx = self.client.context::<M>("Query", &table);
        let mut placeholders = Placeholders::default();
        let index = self.hash.index;
        let mut key_condition = self.hash.render(&ctx, &mut placeholders)?;
        if let Some(range) = self.range {
            key_condition = format!(
                "{key_condition} AND {}",
                range.render(&ctx, &mut placeholders)?
            );
        }
        let filter = self
            .filter
            .map(|f| f.into_node().render(&ctx, &mut placeholders))
            .transpose()?;
        let projection = projection_expression::<M>(&self.settings.projection, &mut placeholders);
        let settings = self.settings;
        let request = Request {
            kind: Kind::Query {
                key_condition,
                forward: self.forward,
            },
            table,
            index,
            filter,
            projection,
            placeholders,
            consistent: settings.consistent,
            page_size: settings.page_size,
            limit: settings.limit,
            start: settings.start,
            capacity: settings.capacity,
        };
        request.check()?;
        Ok((self.client, request))
    }

    /// DynamoDB rejects filters on the queried key attributes.
    fn check_filter(&self, key: KeySchema) -> Result<(), Error> {
        let mut names = Vec::new();
        if let Some(filter) = &self.filter {
            filter.names(&mut names);
        }
        let keys = [Some(key.hash.name), key.range.map(|r| r.name)];
        match names.into_iter().find(|n| keys.contains(&Some(*n))) {
            Some(name) => Err(self.invalid(format!(
                "the filter names `{name}`, a key attribute of the queried index; put it in the \
                 key condition (`range`) instead"
            ))),
            None => Ok(()),
        }
    }

    /// Every matching item, fetched page by page as the stream is polled.
    pub fn stream(self) -> BoxStream<'static, Result<M, Error>> {
        match self.request() {
            Ok((client, request)) => decoded(client.clone(), request.items(client)),
            Err(error) => futures::stream::once(async { Err(error) }).boxed(),
        }
    }

    /// The primary keys of the matching items (works on `keys_only` indexes).
    pub fn keys(self) -> BoxStream<'static, Result<M::Key, Error>> {
        match self.request() {
            Ok((client, request)) => request
                .items(client)
                .and_then(|item| async move { Ok(M::Key::from_item(&item)?) })
                .boxed(),
            Err(error) => futures::stream::once(async { Err(error) }).boxed(),
        }
    }

    /// Deletes every matching item, streamed: keys are read page by page and deleted 25 per
    /// request with a bounded window in flight (see [`BatchWriteRun`]), so memory stays
    /// bounded however many items match. Await it; the output holds the deletes still
    /// unprocessed after the last attempt, and `written` counts the deleted items. An error of
    /// the query ends the run; what was deleted before it stays deleted.
    pub fn delete_all(self) -> BatchWriteRun<'static, M> {
        let client = self.client.clone();
        BatchWriteRun::delete_keys(&client, self.keys())
    }

    /// One page (of `page_size` items evaluated) and the cursor of the next.
    pub async fn page(self) -> Result<Page<M>, Error> {
        let (client, request) = self.request()?;
        request.page(&client).await
    }

    /// Every matching item.
    pub async fn all(self) -> Result<Vec<M>, Error> {
        self.stream().try_collect().await
    }

    /// The number of matching items (counted by DynamoDB, items are not transferred).
    pub async fn count(self) -> Result<u64, Error> {
        let (client, request) = self.request()?;
        request.count(&client).await
    }
}

impl Client {
    /// A query of the table (`Product::TENANT.eq("acme")`) or of an index
    /// (`Product::BY_CATEGORY.key("books")`).
    pub fn query<M: Model>(&self, key: HashCondition<M>) -> Query<M> {
        Query {
            client: self.clone(),
            hash: key,
            range: None,
            filter: None,
            forward: true,
            settings: Settings::default(),
        }
    }
}

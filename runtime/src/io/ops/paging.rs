//! What queries and scans share: request settings, one page fetch, page streams and cursors.

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use base64ct::{Base64UrlUnpadded, Encoding};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::io::client::Client;
use crate::io::error::Error;
use crate::io::telemetry::{CapacityDetail, ConsumedCapacity, Operation};
use crate::item::expr::Placeholders;
use crate::item::model::{Item, Model};
use crate::primitives::codec::canonical;

/// An opaque position in a query or scan, to resume from later (even in another process):
/// store [`Cursor::as_str`], rebuild with [`Cursor::new`], pass to `start_from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    /// A cursor from its text (as produced by [`Cursor::as_str`]); checked when used.
    pub fn new(text: impl Into<String>) -> Cursor {
        Cursor(text.into())
    }

    /// The cursor as URL-safe text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The cursor of `key` (any map: a last evaluated key, or a caller's own position state),
    /// in the one cursor format: URL-safe base64 of its canonical encoding.
    pub(crate) fn from_key(key: Item) -> Cursor {
        let mut bytes = Vec::new();
        canonical::write(&AttributeValue::M(key), &mut bytes);
        Cursor(Base64UrlUnpadded::encode_string(&bytes))
    }

    fn to_key(&self, operation: &'static str, table: &str) -> Result<Item, Error> {
        let invalid = || {
            Error::invalid(
                operation,
                table,
                "the cursor is not one this query or scan produced; pass a cursor from `Page::next` unchanged",
            )
        };
        self.key().ok_or_else(invalid)
    }

    /// The map [`Cursor::from_key`] encoded; `None` when the text is not a cursor.
    pub(crate) fn key(&self) -> Option<Item> {
        let bytes = Base64UrlUnpadded::decode_vec(&self.0).ok()?;
        match canonical::read(&bytes) {
            Ok(AttributeValue::M(key)) => Some(key),
            _ => None,
        }
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One page of results and the cursor of the next one (`None` after the last page).
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` when there are no more items.
    pub next: Option<Cursor>,
    /// The capacity the page's request consumed, when asked for with `consumed_capacity`
    /// (and reported by the server).
    pub consumed_capacity: Option<ConsumedCapacity>,
}

/// Which request to send.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Query {
        key_condition: String,
        forward: bool,
    },
    Scan {
        segment: Option<(i32, i32)>,
    },
}

/// A rendered query or scan, sent once per page.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub kind: Kind,
    pub table: String,
    pub index: Option<&'static str>,
    pub filter: Option<String>,
    pub projection: Option<String>,
    pub placeholders: Placeholders,
    pub consistent: bool,
    pub page_size: Option<i32>,
    pub limit: Option<usize>,
    pub start: Option<Cursor>,
    pub capacity: Option<CapacityDetail>,
}

/// One response.
pub(crate) struct Fetched {
    pub items: Vec<Item>,
    pub count: i32,
    pub last: Option<Item>,
}

impl Request {
    fn operation(&self) -> &'static str {
        match self.kind {
            Kind::Query { .. } => "Query",
            Kind::Scan { .. } => "Scan",
        }
    }

    /// The span of one request.
    fn operation_span(&self, client: &Client) -> Operation {
        let op = Operation::new(client, self.operation(), &self.table, self.capacity);
        op.index(self.index);
        op
    }

    /// Sends one request from `start` in its own span; with `count`, asks for the count only.
    pub(crate) async fn fetch(
        &self,
        client: &Client,
        start: Option<Item>,
        count: bool,
    ) -> Result<Fetched, Error> {
        let op = &self.operation_span(client);
        Ok(op.run(self.send(client, op, start, count)).await?.value)
    }

    /// Sends one request from `start` (in `op`'s span); with `count`, asks for the count only.
    async fn send(
        &self,
        client: &Client,
        op: &Operation,
        start: Option<Item>,
        count: bool,
    ) -> Result<Fetched, Error> {
        let (names, values) = self.placeholders.clone().into_maps();
        let select = count.then_some(Select::Count);
        let projection = self.projection.clone().filter(|_| !count);
        let table = &self.table;
        let db = client.dynamodb();
        let fetched = match &self.kind {
            Kind::Query {
                key_condition,
                forward,
            } => {
                let result = db
                    .query()
                    .table_name(table)
                    .set_index_name(self.index.map(str::to_string))
                    .key_condition_expression(key_condition)
                    .set_filter_expression(self.filter.clone())
                    .set_projection_expression(projection)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .consistent_read(self.consistent)
                    .set_limit(self.page_size)
                    .scan_index_forward(*forward)
                    .set_exclusive_start_key(start)
                    .set_select(select)
                    .set_return_consumed_capacity(op.return_capacity())
                    .send()
                    .await;
                op.response(&result);
                result
                    .map(|o| Fetched {
                        items: o.items.unwrap_or_default(),
                        count: o.count,
                        last: o.last_evaluated_key,
                    })
                    .map_err(|e| Error::from_sdk("Query", table, e))?
            }
            Kind::Scan { segment } => {
                let result = db
                    .scan()
                    .table_name(table)
                    .set_index_name(self.index.map(str::to_string))
                    .set_filter_expression(self.filter.clone())
                    .set_projection_expression(projection)
                    .set_expression_attribute_names(names)
                    .set_expression_attribute_values(values)
                    .consistent_read(self.consistent)
                    .set_limit(self.page_size)
                    .set_segment(segment.map(|s| s.0))
                    .set_total_segments(segment.map(|s| s.1))
                    .set_exclusive_start_key(start)
                    .set_select(select)
                    .set_return_consumed_capacity(op.return_capacity())
                    .send()
                    .await;
                op.response(&result);
                result
                    .map(|o| Fetched {
                        items: o.items.unwrap_or_default(),
                        count: o.count,
                        last: o.last_evaluated_key,
                    })
                    .map_err(|e| Error::from_sdk("Scan", table, e))?
            }
        };
        op.returned_rows(usize::try_from(fetched.count).unwrap_or(0));
        Ok(fetched)
    }

    /// The key to start from: the cursor's, if any.
    pub(crate) fn start_key(&self) -> Result<Option<Item>, Error> {
        self.start
            .as_ref()
            .map(|c| c.to_key(self.operation(), &self.table))
            .transpose()
    }

    /// Every raw item, page after page.
    pub(crate) fn items(self, client: Client) -> BoxStream<'static, Result<Item, Error>> {
        let limit = self.limit;
        let start = match self.start_key() {
            Ok(start) => start,
            Err(error) => return stream::once(async { Err(error) }).boxed(),
        };
        let pages = stream::try_unfold(Some(start), move |next| {
            let (client, request) = (client.clone(), self.clone());
            async move {
                let Some(start) = next else {
                    return Ok::<_, Error>(None);
                };
                let fetched = request.fetch(&client, start, false).await?;
                let next = fetched.last.map(Some);
                Ok(Some((fetched.items, next)))
            }
        });
        let items = pages
            .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
            .try_flatten();
        match limit {
            Some(limit) => items.take(limit).boxed(),
            None => items.boxed(),
        }
    }

    /// One page, decoded, in one span (with the fetches of its offloaded values).
    pub(crate) async fn page<M: Model>(&self, client: &Client) -> Result<Page<M>, Error> {
        let op = &self.operation_span(client);
        let measured = op
            .run(async {
                let fetched = self.send(client, op, self.start_key()?, false).await?;
                let mut items = Vec::with_capacity(fetched.items.len());
                for item in fetched.items {
                    items.push(client.decode_item(item).await?);
                }
                Ok(Page {
                    items,
                    next: fetched.last.map(Cursor::from_key),
                    consumed_capacity: None,
                })
            })
            .await?;
        Ok(Page {
            consumed_capacity: measured.consumed_capacity,
            ..measured.value
        })
    }

    /// The number of matching items, over every page.
    pub(crate) async fn count(&self, client: &Client) -> Result<u64, Error> {
        let mut start = self.start_key()?;
        let mut total = 0u64;
        loop {
            let fetched = self.fetch(client, start, true).await?;
            total += u64::try_from(fetched.count).unwrap_or(0);
            match fetched.last {
                Some(last) => start = Some(last),
                None => return Ok(total),
            }
        }
    }

    /// Checks limits: page sizes and limits of at least 1.
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.page_size.is_some_and(|n| n < 1) || self.limit == Some(0) {
            return Err(Error::invalid(
                self.operation(),
                &self.table,
                "`limit` and `page_size` must be at least 1",
            ));
        }
        Ok(())
    }
}

/// Decodes a stream of raw items into models.
pub(crate) fn decoded<M: Model>(
    client: Client,
    items: BoxStream<'static, Result<Item, Error>>,
) -> BoxStream<'static, Result<M, Error>> {
    items
        .and_then(move |item| {
            let client = client.clone();
            async move { client.decode_item::<M>(item).await }
        })
        .boxed()
}

/// Settings queries and scans share, set by their builders.
#[derive(Debug, Default)]
pub(crate) struct Settings {
    pub projection: Vec<&'static str>,
    pub consistent: bool,
    pub page_size: Option<i32>,
    pub limit: Option<usize>,
    pub start: Option<Cursor>,
    pub index: Option<&'static str>,
    pub capacity: Option<CapacityDetail>,
}

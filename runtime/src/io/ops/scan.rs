//! Scans of a table or index, optionally in parallel segments.

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::item::projection_expression;
use super::paging::{Kind, Page, Request, Settings, decoded};
use super::query::read_settings;
use crate::io::batch::BatchWriteRun;
use crate::io::client::Client;
use crate::io::error::Error;
use crate::item::expr::{Condition, Placeholders};
use crate::item::index::Index;
use crate::item::model::{IndexKind, Model, ModelKey};

/// A scan, from [`Client::scan`]: every item of the table or of an index, optionally filtered
/// and split into parallel segments.
#[must_use = "a scan does nothing until it is streamed, paged or counted"]
pub struct Scan<M: Model> {
    client: Client,
    filter: Option<Condition<M>>,
    segments: u32,
    settings: Settings,
}

impl<M: Model> std::fmt::Debug for Scan<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("filter", &self.filter)
            .field("segments", &self.segments)
            .field("settings", &self.settings)
            .finish()
    }
}

impl<M: Model> Scan<M> {
    read_settings!();

    /// Scans this index instead of the table.
    pub fn index<H, R>(mut self, index: Index<M, H, R>) -> Self {
        self.settings.index = Some(index.name());
        self
    }

    /// Reads in `segments` parallel segments (1 to 1,000,000); [`Scan::stream`] and
    /// [`Scan::count`] run them concurrently.
    pub fn segments(mut self, segments: u32) -> Self {
        self.segments = segments;
        self
    }

    fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::invalid("Scan", &self.client.table_name::<M>(), reason)
    }

    /// Renders the scan; one request per segment.
    fn requests(self) -> Result<(Client, Vec<Request>, Option<usize>), Error> {
        if !(1..=1_000_000).contains(&self.segments) {
            return Err(self.invalid("`segments` must be between 1 and 1,000,000"));
        }
        let index = self.settings.index;
        let global = M::SCHEMA
            .indexes
            .iter()
            .any(|i| Some(i.name) == index && i.kind == IndexKind::Global);
        if global && self.settings.consistent {
            return Err(self.invalid(
                "global secondary indexes do not support consistent reads; drop `consistent_read()`",
            ));
        }
        if self.segments > 1 && self.settings.start.is_some() {
            return Err(self
                .invalid("a cursor resumes one sequential scan; it cannot start a parallel scan"));
        }
        let table = self.client.table_name::<M>();
        let ctx = self.client.context::<M>("Scan", &table);
        let mut placeholders = Placeholders::default();
        let filter = self
            .filter
            .map(|f| f.into_node().render(&ctx, &mut placeholders))
            .transpose()?;
        let projection = projection_expression::<M>(&self.settings.projection, &mut placeholders);
        let total = i32::try_from(self.segments).unwrap_or(i32::MAX);
        let settings = self.settings;
        let segments = if total > 1 {
            (0..total).map(|segment| Some((segment, total))).collect()
        } else {
            vec![None]
        };
        let requests: Vec<Request> = segments
            .into_iter()
            .map(|segment| Request {
                kind: Kind::Scan { segment },
                table: table.clone(),
                index,
                filter: filter.clone(),
                projection: projection.clone(),
                placeholders: placeholders.clone(),
                consistent: settings.consistent,
                page_size: settings.page_size,
                // Applied to the merged stream of all segments instead.
                limit: None,
                start: settings.start.clone(),
                capacity: settings.capacity,
            })
            .collect();
        if settings.limit == Some(0) {
            return Err(Error::invalid("Scan", &table, "`limit` must be at least 1"));
        }
        requests[0].check()?;
        Ok((self.client, requests, settings.limit))
    }

    /// Every matching item; segments are read concurrently and interleaved.
    pub fn stream(self) -> BoxStream<'static, Result<M, Error>> {
        match self.requests() {
            Ok((client, requests, limit)) => {
                let items =
                    stream::select_all(requests.into_iter().map(|r| r.items(client.clone())));
                let items = match limit {
                    Some(limit) => items.take(limit).boxed(),
                    None => items.boxed(),
                };
                decoded(client, items)
            }
            Err(error) => stream::once(async { Err(error) }).boxed(),
        }
    }

    /// The primary keys of the matching items; segments are read concurrently.
    pub fn keys(self) -> BoxStream<'static, Result<M::Key, Error>> {
        match self.requests() {
            Ok((client, requests, limit)) => {
                let items =
                    stream::select_all(requests.into_iter().map(|r| r.items(client.clone())));
                let keys = items.and_then(|item| async move { Ok(M::Key::from_item(&item)?) });
                match limit {
                    Some(limit) => keys.take(limit).boxed(),
                    None => keys.boxed(),
                }
            }
            Err(error) => stream::once(async { Err(error) }).boxed(),
        }
    }

    /// Deletes every matching item, streamed as [`Query::delete_all`](super::query::Query::delete_all)
    /// does (segments are scanned concurrently).
    pub fn delete_all(self) -> BatchWriteRun<'static, M> {
        let client = self.client.clone();
        BatchWriteRun::delete_keys(&client, self.keys())
    }

    /// One page (of `page_size` items evaluated) and the cursor of the next; sequential scans
    /// only.
    pub async fn page(self) -> Result<Page<M>, Error> {
        if self.segments > 1 {
            return Err(self.invalid("`page` reads one sequential scan; drop `segments`"));
        }
        let (client, requests, _) = self.requests()?;
        requests[0].page(&client).await
    }

    /// Every matching item.
    pub async fn all(self) -> Result<Vec<M>, Error> {
        self.stream().try_collect().await
    }

    /// The number of matching items, segments counted concurrently.
    pub async fn count(self) -> Result<u64, Error> {
        let (client, requests, _) = self.requests()?;
        let counts =
            futures::future::try_join_all(requests.iter().map(|r| r.count(&client))).await?;
        Ok(counts.into_iter().sum())
    }
}

impl Client {
    /// A scan of every item of model `M`'s table.
    pub fn scan<M: Model>(&self) -> Scan<M> {
        Scan {
            client: self.clone(),
            filter: None,
            segments: 1,
            settings: Settings::default(),
        }
    }
}

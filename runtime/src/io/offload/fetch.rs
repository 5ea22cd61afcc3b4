//! Verified fetches: every pointer of an item is checked to be one its attribute could have
//! written, then fetched concurrently, and its bytes replace the pointer only if their size and
//! SHA-256 match it.

use futures::{StreamExt, TryStreamExt, stream};
use tracing::Instrument;

use super::{
    Corruption, ForeignPointer, ObjectStore, OffloadError, describe_key, http_status, put_bytes,
    stored_pointers,
};
use crate::item::model::{Item, TableSchema};
use crate::item::transform::{Pointer, sha256_hex};

impl ObjectStore<'_> {
    /// Replaces the S3 pointers of `item` by the verified object bytes (at most
    /// [`ObjectStore::with_concurrency`] at a time), so the item decodes.
    pub async fn fetch(
        &self,
        schema: &'static TableSchema,
        item: &mut Item,
    ) -> Result<(), OffloadError> {
        let pointers = stored_pointers(schema, item)?;
        if pointers.is_empty() {
            return Ok(());
        }
        let target = Target {
            store: self,
            table: schema.table_name,
            item: describe_key(schema, item),
        };
        // Every pointer first, so that a forged one fetches nothing at all.
        for (attribute, pointer) in &pointers {
            target.check_location(schema, attribute, pointer)?;
        }
        // A struct without lifetimes (not a tuple holding `&str`) as the stream item: a closure
        // taking a tuple with a reference makes rustc infer a higher-ranked signature, and the
        // futures of callers that must be `Send` then fail to type-check.
        let wanted: Vec<Wanted> = pointers
            .into_iter()
            .map(|(attribute, pointer)| Wanted { attribute, pointer })
            .collect();
        let fetched: Vec<_> = stream::iter(wanted)
            .map(|wanted| target.get(wanted))
            .buffer_unordered(self.concurrency)
            .try_collect()
            .await?;
        for (attribute, bytes) in fetched {
            put_bytes(item, attribute, bytes);
        }
        Ok(())
    }
}

/// The item being fetched, for requests and error messages.
struct Target<'a> {
    store: &'a ObjectStore<'a>,
    table: &'static str,
    item: String,
}

/// One offloaded attribute to fetch.
struct Wanted {
    attribute: &'static str,
    pointer: Pointer,
}

impl Target<'_> {
    /// [`OffloadError::ForeignPointer`] unless `pointer` is one `attribute` could have written.
    fn check_location(
        &self,
        schema: &TableSchema,
        attribute: &'static str,
        pointer: &Pointer,
    ) -> Result<(), OffloadError> {
        let transforms = self.store.transforms;
        let offload = schema
            .fields
            .iter()
            .find(|field| field.name == attribute)
            .and_then(|field| field.transform.offload.as_ref());
        match offload {
            Some(offload)
                if transforms.accepts_pointer(self.table, attribute, offload, pointer) =>
            {
                Ok(())
            }
            _ => {
                let expected = offload.map_or_else(String::new, |offload| {
                    let (bucket, prefix) =
                        transforms.object_location(self.table, attribute, offload);
                    format!("s3://{bucket}/{prefix}")
                });
                Err(OffloadError::ForeignPointer(Box::new(ForeignPointer {
                    table: self.table,
                    item: self.item.clone(),
                    attribute,
                    uri: pointer.uri(),
                    expected,
                })))
            }
        }
    }

    /// [`Target::fetch_one`] in an `offload.fetch` span.
    async fn get(&self, wanted: Wanted) -> Result<(&'static str, Vec<u8>), OffloadError> {
        let span = tracing::debug_span!(
            target: "dynamate",
            "offload.fetch",
            aws.s3.bucket = wanted.pointer.bucket.as_str(),
            aws.s3.key = wanted.pointer.key.as_str(),
            dynamate.offload.table = self.table,
            dynamate.offload.attribute = wanted.attribute,
            dynamate.offload.size = wanted.pointer.size,
            error.type = tracing::field::Empty,
        );
        let result = self.fetch_one(wanted).instrument(span.clone()).await;
        if let Err(error) = &result {
            span.record("error.type", fetch_error_type(error));
        }
        result
    }

    async fn fetch_one(&self, wanted: Wanted) -> Result<(&'static str, Vec<u8>), OffloadError> {
        let Wanted { attribute, pointer } = wanted;
        let fetch_error = |source| OffloadError::Fetch {
            table: self.table,
            item: self.item.clone(),
            attribute,
            uri: pointer.uri(),
            source,
        };
        let result = self
            .store
            .s3
            .get_object()
            .bucket(&pointer.bucket)
            .key(&pointer.key)
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(error) if http_status(&error) == Some(404) => {
                return Err(OffloadError::Missing {
                    table: self.table,
                    item: self.item.clone(),
                    attribute,
                    uri: pointer.uri(),
                });
            }
            Err(error) => return Err(fetch_error(error.into())),
        };
        // Refuse an object larger than the pointer says before reading it into memory.
        if output
            .content_length
            .is_some_and(|length| length as u64 != pointer.size)
        {
            return Err(self.corrupted(attribute, &pointer));
        }
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|error| fetch_error(error.into()))?
            .to_vec();
        if bytes.len() as u64 != pointer.size || sha256_hex(&bytes) != pointer.sha256 {
            return Err(self.corrupted(attribute, &pointer));
        }
        Ok((attribute, bytes))
    }

    /// The object does not match `pointer`; what it holds instead is never reported.
    fn corrupted(&self, attribute: &'static str, pointer: &Pointer) -> OffloadError {
        OffloadError::Corrupted(Box::new(Corruption {
            table: self.table,
            item: self.item.clone(),
            attribute,
            uri: pointer.uri(),
            expected_size: pointer.size,
            expected_sha256: pointer.sha256.clone(),
        }))
    }
}

/// The value of `error.type` on a fetch's span.
fn fetch_error_type(error: &OffloadError) -> &'static str {
    match error {
        OffloadError::Missing { .. } => "missing",
        OffloadError::Corrupted(_) => "corrupted",
        _ => "fetch",
    }
}

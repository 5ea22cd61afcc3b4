//! Expression attribute names (`#n0`) and values (`:v0`).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// Collects the placeholders of every expression of one request.
#[derive(Debug, Default, Clone)]
pub(crate) struct Placeholders {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

/// Expression attribute names and values of a request; `None` when empty (DynamoDB rejects
/// empty maps).
pub(crate) type Maps = (
    Option<HashMap<String, String>>,
    Option<HashMap<String, AttributeValue>>,
);

impl Placeholders {
    /// The placeholder of attribute `name` (one per name, however often it is used).
    pub(crate) fn name(&mut self, name: &str) -> String {
        if let Some((placeholder, _)) = self.names.iter().find(|(_, n)| n.as_str() == name) {
            return placeholder.clone();
        }
        let placeholder = format!("#n{}", self.names.len());
        self.names.insert(placeholder.clone(), name.to_string());
        placeholder
    }

    /// A fresh placeholder for `value`.
    pub(crate) fn value(&mut self, value: AttributeValue) -> String {
        let placeholder = format!(":v{}", self.values.len());
        self.values.insert(placeholder.clone(), value);
        placeholder
    }

    /// The maps to send.
    pub(crate) fn into_maps(self) -> Maps {
        let names = (!self.names.is_empty()).then_some(self.names);
        let values = (!self.values.is_empty()).then_some(self.values);
        (names, values)
    }
}

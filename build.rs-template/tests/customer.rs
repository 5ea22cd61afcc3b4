//! The generated model round-trips through a DynamoDB item.

use dynamate::{AttributeValue, Model, ModelKey};
use dynamate_example::{Customer, CustomerKey};

#[test]
fn customer_round_trips_and_defaults_apply() {
    let customer = Customer {
        email: "ada@example.com".into(),
        name: "Ada".into(),
        loyalty_points: 42,
        tags: ["vip".to_string()].into(),
    };
    let item = customer.to_item().unwrap();
    assert_eq!(item["email"], AttributeValue::S("ada@example.com".into()));
    assert_eq!(item["loyalty_points"], AttributeValue::N("42".into()));
    assert_eq!(Customer::from_item(item.clone()).unwrap(), customer);

    let key = CustomerKey::from_item(&item).unwrap();
    assert_eq!(key, customer.key());
    assert_eq!(key.to_item().unwrap().len(), 1);

    let mut sparse = item;
    sparse.remove("loyalty_points");
    sparse.remove("tags");
    let read = Customer::from_item(sparse).unwrap();
    assert_eq!(read.loyalty_points, 0, "schema default");
    assert!(read.tags.is_empty(), "a missing set reads as empty");
}

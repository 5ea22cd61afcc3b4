// Positive control for compile-fail/filter_*.rs: the same attributes used as the rules allow.
use dynamate::{Condition, item::expr::HashCondition};
use dynamate_tests::{Archive, Product, Url};

fn main() {
    // Deterministic encryption keeps equality; randomized and offloaded allow existence checks.
    let _: Condition<Archive> = Archive::SECRET_MESSAGE.eq("attack at 2PM tomorrow!");
    let _: Condition<Archive> = Archive::SECRET_BINARY.exists();
    let _: Condition<Url> = Url::HTML.not_exists() & Url::HTML.is_type(dynamate::item::expr::AttrType::M);
    let _: Condition<Product> = Product::STOCK.eq(10) & Product::NAME.begins_with("Blue");
    // Keys go in key conditions.
    let _: HashCondition<Product> = Product::TENANT.eq("acme");
    let _ = Product::SKU.key().begins_with("mug-");
}

// Setting a key attribute: keys are immutable.
use dynamate::Update;
use dynamate_tests::Product;

fn main() {
    let _ = Update::<Product>::new().set(Product::SKU, "new-sku");
}

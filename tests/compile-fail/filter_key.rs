// A key attribute in a filter: keys go in key conditions.
use dynamate_tests::Product;

fn main() {
    let _ = Product::SKU.exists();
}

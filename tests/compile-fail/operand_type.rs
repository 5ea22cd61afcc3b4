// An operand of another type than the attribute's.
use dynamate_tests::Product;

fn main() {
    let _ = Product::STOCK.eq("ten");
}

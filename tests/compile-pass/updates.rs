// Positive control for compile-fail/update_*.rs: non-key attributes updated as the rules allow.
use dynamate::Update;
use dynamate_tests::{Archive, Counter, Order, Product, Url};

fn main() {
    let _ = Update::<Product>::new().set(Product::NAME, "Blue mug").increment(Product::STOCK, 5);
    let _ = Update::<Counter>::new().add(Counter::COUNT, 1);
    let _ = Update::<Archive>::new().set(Archive::SECRET_FLOAT, 2.5);
    let _ = Update::<Url>::new().set(Url::HTML, "<html></html>");
    let _ = Update::<Order>::new().remove(Order::RECEIPT);
}

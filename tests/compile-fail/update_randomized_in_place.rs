// Arithmetic on a randomized-encrypted attribute: only whole-value `set`/`remove` apply.
use dynamate::Update;
use dynamate_tests::Archive;

fn main() {
    let _ = Update::<Archive>::new().increment(Archive::SECRET_FLOAT, 1.0);
}

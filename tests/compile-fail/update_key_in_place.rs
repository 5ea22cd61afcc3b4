// Incrementing a numeric key attribute: keys are immutable.
use dynamate::Update;
use dynamate_tests::VaultRandomized;

fn main() {
    let _ = Update::<VaultRandomized>::new().increment(VaultRandomized::VERSION_NO, 1);
}

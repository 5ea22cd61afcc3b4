// A comparison on an attribute offloaded to S3: the item holds a pointer, not the value.
use dynamate_tests::Url;

fn main() {
    let _ = Url::HTML.begins_with("<html");
}

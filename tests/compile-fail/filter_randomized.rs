// A comparison on a randomized-encrypted attribute: equal plaintexts have different
// ciphertexts, so it could never match.
use dynamate_tests::Archive;

fn main() {
    let _ = Archive::SECRET_BINARY.eq(b"a secret image".to_vec());
}

// The worked example of docs/storage-formats.md, "Decrypting a randomized value by hand", as hex
// (from crypto_vectors_gen.py). Included by runtime/tests/crypto_vectors.rs, which checks the
// runtime against them, and by the workspace's tests/readme/tests/docs.rs, which checks that the
// doc quotes exactly these values (the doc is outside this package).

const LEDGER_ITEM_KEY: &str = "02000000043130303002000000042d302e35";
const LEDGER_SUBKEY: &str = "d8ca144016e96798d458c81b27a6794a983158cb095c94732692d9b69e471aa3\
                             e6bf5c842c833ae0dafd9d3761ef85e6505c3ff163f877155fb6aa11fd5060c9";
const LEDGER_ENVELOPE: &str = "0102076172636869766500000002\
                               a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\
                               6b3e979129b06411e6edbafae53ed602\
                               d71a3bb586";

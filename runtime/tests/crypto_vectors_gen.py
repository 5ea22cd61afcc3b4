#!/usr/bin/env python3
"""Independent generator for the dynamate envelope test vectors in crypto_vectors.rs.

Written against docs/storage-formats.md only, with pyca/cryptography (OpenSSL's AES-SIV,
HKDF and Argon2id), so the Rust vectors are checked against a second implementation.
Run: python3 runtime/tests/crypto_vectors_gen.py   (needs `pip install cryptography>=44`)
"""
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def lp(b: bytes) -> bytes:
    return struct.pack(">Q", len(b)) + b


def subkey(root: bytes, table: str, attribute: str) -> bytes:
    info = lp(b"aes-256-siv attribute key") + lp(table.encode()) + lp(attribute.encode())
    return HKDF(algorithm=hashes.SHA256(), length=64, salt=b"dynamate/v1", info=info).derive(root)


def header(mode: int, key_name: str, version: int) -> bytes:
    name = key_name.encode()
    return bytes([1, mode, len(name)]) + name + struct.pack(">I", version)


def deterministic(root, key_name, version, table, attribute, plaintext):
    h = header(0x01, key_name, version)
    siv = AESSIV(subkey(root, table, attribute))
    return h + siv.encrypt(plaintext, [h, table.encode(), attribute.encode()])


def randomized(root, key_name, version, table, attribute, item_key, nonce, plaintext):
    h = header(0x02, key_name, version)
    siv = AESSIV(subkey(root, table, attribute))
    ad = [h, table.encode(), attribute.encode()]
    if item_key is not None:
        ad.append(item_key)
    ad.append(nonce)
    return h + nonce + siv.encrypt(plaintext, ad)


root = bytes(range(32))
print("DETERMINISTIC", deterministic(root, "archive", 1, "archives", "secret_message", b"hello, dynamate").hex())
print("DETERMINISTIC_EMPTY", deterministic(root, "archive", 1, "archives", "secret_message", b"").hex())
root2 = bytes(range(0x20, 0x40))
nonce = bytes(range(0xA0, 0xB0))
print("RANDOMIZED", randomized(root2, "archive", 2, "archives", "secret_data", b"S\x00id-42", nonce, b'{"card":"4111"}').hex())
print("RANDOMIZED_NO_ITEM_KEY", randomized(root2, "archive", 2, "archives", "secret_data", None, nonce, b'{"card":"4111"}').hex())
pw_root = Argon2id(salt=b"dynamate-test-salt", length=32, iterations=3, lanes=4, memory_cost=64 * 1024).derive(b"correct horse battery staple")
print("PASSPHRASE", deterministic(pw_root, "pw", 1, "t", "a", b"x").hex())


# Worked example of docs/storage-formats.md ("Decrypting a randomized value by hand"): a Ledger
# item with number keys account = 1E+3 and seq = -0.50, stored (normal form) as "1000", "-0.5".
def number_key_part(normal_text: str) -> bytes:
    b = normal_text.encode()
    return b"\x02" + struct.pack(">I", len(b)) + b


ledger_key = number_key_part("1000") + number_key_part("-0.5")
print("LEDGER_ITEM_KEY", ledger_key.hex())
print("LEDGER_SUBKEY", subkey(root2, "ledger", "memo").hex())
print("LEDGER_ENVELOPE", randomized(root2, "archive", 2, "ledger", "memo", ledger_key, nonce, b"hello").hex())

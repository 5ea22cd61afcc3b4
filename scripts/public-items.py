#!/usr/bin/env python3
"""Counts the public items of dynamate and dynamate-codegen as rustdoc lists them.

Usage: scripts/public-items.py   (runs `cargo doc --no-deps` for both crates first)

An item is an entry of rustdoc's "All items" page (target/doc/<crate>/all.html): structs, enums,
traits, macros, functions, type aliases and constants reachable through a public path, hidden
(`#[doc(hidden)]`) items excluded. Methods are not counted.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATES = ["dynamate", "dynamate_codegen"]


def main() -> int:
    subprocess.run(
        ["cargo", "doc", "--quiet", "--locked", "--no-deps", "-p", "dynamate", "-p", "dynamate-codegen"],
        cwd=ROOT,
        check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    for crate in CRATES:
        page = (target / "doc" / crate / "all.html").read_text()
        sections = re.split(r'<h3 id="([a-z-]+)">', page)[1:]
        counts = {sections[i]: sections[i + 1].count("<li>") for i in range(0, len(sections), 2)}
        detail = ", ".join(f"{count} {kind}" for kind, count in counts.items())
        print(f"{crate}: {sum(counts.values())} public items ({detail})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

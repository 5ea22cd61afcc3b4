#!/usr/bin/env python3
"""Checks that the runtime crate (runtime/src) is built in layers and that its modules form no cycle.

    python3 scripts/check-layers.py [--graph]

Exit status 0 when both rules hold, 1 (with every violation printed as `file:line: ...`) otherwise.
`--graph` also prints every dependency edge found.

Modules. Each `.rs` file of runtime/src is one module node, named by its path: `io/offload.rs` and
`io/offload/mod.rs` are `io::offload`, `io/offload/upload.rs` is `io::offload::upload`. Inline
modules (`mod tests { .. }`, `pub mod canonical { .. }`) belong to the file that holds them.
`lib.rs` (the crate root, a facade of re-exports) and `bin/` (separate crates using `dynamate::`)
are not nodes.

Dependencies. An edge A -> B is recorded for each path in A's *code* that names an item of B:
`crate::..` and `$crate::..` paths (inside `use` trees too, with `{..}` groups expanded), and
`super::..` / `self::..` paths resolved against the enclosing (file or inline) module. A path is
resolved to the deepest file module its leading segments name (`crate::io::offload::upload` is
`io::offload` if `upload` is a function re-exported there, `io::offload::upload` if it is the
module); a path through the crate root's re-exports (`crate::Model`) is followed to where lib.rs
re-exports it from. Comments, doc comments (so intra-doc links) and string literals are ignored:
a doc link costs nothing at run time and does not order compilation, and rustdoc resolves it
without making the linked module a dependency. Write doc links to higher layers sparingly anyway.

Parents and children. A parent module declares its children (`mod upload;`), re-exports their
items (`pub use upload::upload;`) and may delegate to them, while the children use the parent's
shared items (`use super::OffloadError`). That containment is not a cycle, so an edge from a
module to one of its own descendants is not recorded; every other edge is (a child's use of its
parent, sibling to sibling, anything to a module elsewhere). A cycle through a parent therefore
needs some module outside its subtree, as `io::client -> io::offload::upload -> io::client` does.

Rules.
  (a) Layers: `primitives` (1) < `item` (2) < `io` (3). A module may use only its own layer and
      the layers below it. `__codegen`, the hidden interface generated code calls, sits on top of
      all three (4), as the crate root does; nothing below may use it.
  (b) No cycle in the graph of file modules (reported as strongly connected components, each with
      the edges inside it).
"""

import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "runtime", "src")
LAYERS = {"primitives": 1, "item": 2, "io": 3, "__codegen": 4}


def module_of(relpath):
    """`io/offload/upload.rs` -> ('io', 'offload', 'upload'); `io/ops/mod.rs` -> ('io', 'ops')."""
    parts = relpath[: -len(".rs")].split("/")
    if parts[-1] == "mod":
        parts.pop()
    return tuple(parts)


def strip(text):
    """The source with comments, string and char literals blanked out (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "r" and re.match(r'r#*"', text[i:]) and not re.match(r"\w", text[i - 1 : i]):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            j = n if end < 0 else end + 1 + len(hashes)
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i : j + 1]))
            i = j + 1
        elif c == "'":
            # A char literal ('a', '\n', '\u{..}'), not a lifetime ('a).
            m = re.match(r"'(\\.[^']*|[^\\'])'", text[i:])
            if m:
                out.append(" " * len(m.group(0)))
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use(tree):
    """`a::{b, c::{d, self}}` -> ['a::b', 'a::c::d', 'a::c']."""
    tree = re.sub(r"\s+", "", tree)
    depth, start = 0, None
    for k, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                start = k
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                prefix, inner = tree[:start], tree[start + 1 : k]
                items, level, last = [], 0, 0
                for m, c2 in enumerate(inner + ","):
                    if c2 == "{":
                        level += 1
                    elif c2 == "}":
                        level -= 1
                    elif c2 == "," and level == 0:
                        if inner[last:m]:
                            items.append(inner[last:m])
                        last = m + 1
                paths = []
                for item in items:
                    for sub in expand_use(item):
                        paths.append(prefix[:-2] if sub == "self" else prefix + sub)
                return paths
    return [re.sub(r"\bas\w+$", "", tree.split(" as ")[0])]


PATH = re.compile(r"(?<![\w:])(\$?crate|super|self)((?:::(?:super|\w+))+)")
USE = re.compile(r"\buse\s+([^;]*);")
MOD = re.compile(r"\bmod\s+(\w+)\s*\{")


def scan(path, relpath, modules):
    """(line, target path segments) for every module-relative path in the file's code."""
    with open(path, encoding="utf-8") as f:
        code = strip(f.read())
    base = module_of(relpath)
    # Inline modules: (start offset, end offset, name) from brace matching.
    inline = []
    for m in MOD.finditer(code):
        depth, j = 1, m.end()
        while j < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[j], 0)
            j += 1
        inline.append((m.start(), j, m.group(1)))

    def enclosing(offset):
        return base + tuple(name for s, e, name in inline if s < offset < e)

    found = []
    spans = []
    for m in USE.finditer(code):
        spans.append((m.start(), m.end()))
        for p in expand_use(m.group(1)):
            if re.match(r"(\$?crate|super|self)::", p):
                found.append((m.start(), p.split("::")))
    for m in PATH.finditer(code):
        if any(s <= m.start() < e for s, e in spans):
            continue
        found.append((m.start(), (m.group(1) + m.group(2)).split("::")))

    results = []
    for offset, segs in found:
        here = enclosing(offset)
        if segs[0] in ("crate", "$crate"):
            target = list(segs[1:])
        else:
            cur = list(here)
            rest = list(segs)
            while rest and rest[0] in ("super", "self"):
                if rest.pop(0) == "super":
                    cur.pop()
            target = cur + rest
        line = code.count("\n", 0, offset) + 1
        results.append((line, target))
    return results


def resolve(target, modules, reexports):
    """The deepest file module that `target` (segments from the crate root) names."""
    if target and target[0] in reexports and (target[0],) not in modules:
        target = reexports[target[0]] + target[1:]
    best = ()
    for k in range(1, len(target) + 1):
        if tuple(target[:k]) in modules:
            best = tuple(target[:k])
    return best


def root_reexports():
    """`pub use io::client::{Client, ..};` in lib.rs -> {'Client': ['io', 'client', 'Client']}."""
    with open(os.path.join(ROOT, "lib.rs"), encoding="utf-8") as f:
        code = strip(f.read())
    table = {}
    for m in re.finditer(r"\bpub\s+use\s+([^;]*);", code):
        for p in expand_use(m.group(1)):
            segs = p.split("::")
            if segs[0] == "crate":
                segs = segs[1:]
            table[segs[-1]] = segs
    return table


def sccs(nodes, edges):
    """Tarjan's strongly connected components with more than one node (or a self loop)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main():
    files = {}
    for dirpath, _, names in os.walk(ROOT):
        for name in names:
            if name.endswith(".rs"):
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, ROOT).replace(os.sep, "/")
                if rel == "lib.rs" or rel.startswith("bin/"):
                    continue
                files[module_of(rel)] = (full, rel)
    modules = set(files)
    reexports = root_reexports()

    # edges[a][b] = [(rel, line), ...]
    edges = {}
    for mod, (full, rel) in sorted(files.items()):
        for line, target in scan(full, rel, modules):
            dep = resolve(target, modules, reexports)
            if not dep or dep == mod or dep[: len(mod)] == mod:
                continue  # the crate root, itself, or one of its own descendants
            edges.setdefault(mod, {}).setdefault(dep, []).append((rel, line))

    name = "::".join
    if "--graph" in sys.argv:
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print(f"{name(a)} -> {name(b)}")

    problems = 0
    for a in sorted(edges):
        for b in sorted(edges[a]):
            la, lb = LAYERS.get(a[0], 0), LAYERS.get(b[0], 0)
            if lb > la:
                for rel, line in edges[a][b]:
                    print(
                        f"runtime/src/{rel}:{line}: layer `{a[0]}` uses higher layer `{b[0]}` "
                        f"({name(a)} -> {name(b)})"
                    )
                    problems += 1

    for comp in sccs(modules, {a: set(bs) for a, bs in edges.items()}):
        print("cycle among " + ", ".join(name(m) for m in comp) + ":")
        members = set(comp)
        for a in comp:
            for b in sorted(edges.get(a, {})):
                if b in members:
                    rel, line = edges[a][b][0]
                    more = len(edges[a][b]) - 1
                    extra = f" (and {more} more)" if more else ""
                    print(f"  runtime/src/{rel}:{line}: {name(a)} -> {name(b)}{extra}")
        problems += 1

    if problems:
        print(f"check-layers: {problems} violation(s)")
        return 1
    print(f"check-layers: {len(modules)} modules in layers, no cycle")
    return 0


if __name__ == "__main__":
    sys.exit(main())

//! Generation time of a large schema: 200 tables x 20 attributes (issue target: under 1 s on one
//! core). Run: `cargo bench -p dynamate-codegen --bench generate`.

use criterion::{Criterion, criterion_group, criterion_main};

const TYPES: [&str; 10] = [
    "\"string\"",
    "\"int\"",
    "\"bool\"",
    "\"decimal\"",
    "\"datetime\"",
    "{ type = \"list\", of = \"string\" }",
    "{ type = \"map\", of = \"int\" }",
    "\"string_set\"",
    "{ type = \"json\", optional = true }",
    "{ type = \"bytes\", compress = true, optional = true }",
];

/// A schema with `tables` tables of `attributes` attributes each, one index per table.
fn large_schema(tables: usize, attributes: usize) -> String {
    let mut text = String::new();
    for t in 0..tables {
        text.push_str(&format!(
            "[table.Table{t}]\ntable_name = \"table_{t}\"\nhash_key = \"id\"\nrange_key = \"sort\"\n\
             [table.Table{t}.attributes]\nid = \"string\"\nsort = \"int\"\n"
        ));
        for a in 2..attributes {
            text.push_str(&format!("attr_{a} = {}\n", TYPES[a % TYPES.len()]));
        }
        text.push_str(&format!(
            "[table.Table{t}.indexes.by_attr]\nhash_key = \"attr_{}\"\nrange_key = \"sort\"\n",
            TYPES.len()
        ));
    }
    text
}

fn generation(c: &mut Criterion) {
    let schema = large_schema(200, 20);
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    group.bench_function("200 tables x 20 attributes", |b| {
        b.iter(|| dynamate_codegen::generate(vec![("large.toml".into(), schema.clone())]).unwrap())
    });
    group.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);

// One import suffices for everyday code on a generated model: save, get, key, query, update.
use dynamate::prelude::*;
use dynamate_tests::Product;

#[allow(dead_code)] // compiled, not run: no server here
async fn everyday(client: &Client, mut item: Product) -> Result<(), Error> {
    item.save(client).await?;
    let key = item.key();
    let _again: Option<Product> = Product::get(client, &key).await?;
    let _all: Vec<Product> = client.query(Product::TENANT.eq("acme")).all().await?;
    client
        .update(&key, Update::new().set(Product::NAME, "mug"))
        .await?;
    Ok(())
}

fn main() {}

// A dynamically linked Rust guest: std, collections, formatting and a file in /tmp.
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Write;

fn main() -> std::io::Result<()> {
    println!("Hello from Rust in a Hyperlight-Nanvix micro-VM!");

    let words = ["micro", "vm", "guest", "micro", "kernel", "vm"];
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for word in words {
        *counts.entry(word).or_default() += 1;
    }
    let distinct: HashSet<&str> = words.iter().copied().collect();
    println!("word counts: {counts:?}, {} distinct", distinct.len());
    println!("pi to 5 places: {:.5}, hex: {:#x}, padded: [{:>6}]", std::f64::consts::PI, 48879, "right");

    let path = "/tmp/hello-rust.txt";
    let mut file = fs::File::create(path)?;
    writeln!(file, "written from Rust")?;
    drop(file);
    let text = fs::read_to_string(path)?;
    println!("read back: {}", text.trim_end());
    fs::remove_file(path)?;
    Ok(())
}

//! The kernel's layers, and the tests that keep them. Each top-level module (a folder of src/)
//! is one layer; a module may use what its own folder and the layers below it define, never a
//! layer above, so no cycle can form between folders. The tests read every source file under
//! src/ and check each `crate::` path (and `super::` path that leaves its folder) in its code.
//!
//! The one way up is not an import: the entry code (arch/x86_64/entry.rs) calls the trap and
//! system call handlers of `kernel` and `syscalls` by link name.

/// The layers, lowest first, each with what it holds.
pub const LAYERS: &[(&str, &str)] = &[
    ("abi", "the vocabulary shared with the host and with programs: numbers, layouts, errno"),
    ("arch", "x86-64 mechanism: instructions, descriptor tables, the entry code"),
    ("mm", "memory: frames, page tables, areas, the address space, user copies"),
    ("host", "hypercalls, the I/O buffer, what the host handed over at boot, the end of the run"),
    ("proc", "processes and threads: scheduling, futexes, signals, loading, fork and execve"),
    ("syscalls", "the system call table, the dispatch and the handlers by area"),
    ("kernel", "the entry points: boot, the trap dispatcher, the panic handler"),
];

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A source file: its path below src/ and its module path (`["mm", "user"]` for mm/user.rs).
struct Source {
    path: String,
    module: Vec<String>,
    code: String,
}

/// Every .rs file of the library below src/ except the crate root and this file (main.rs is
/// the binary, above everything).
fn sources() -> Vec<Source> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    let mut sources = Vec::new();
    for file in files {
        let path = file.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        if ["lib.rs", "main.rs", "layers.rs"].contains(&path.as_str()) {
            continue;
        }
        let mut module: Vec<String> = path.trim_end_matches(".rs").split('/').map(String::from).collect();
        if module.last().is_some_and(|m| m == "mod") {
            module.pop();
        }
        let code = code_only(&fs::read_to_string(&file).unwrap());
        sources.push(Source { path, module, code });
    }
    sources
}

/// `text` with comments, string and character literals blanked out (newlines kept), so that
/// only code is searched.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let (c, next) = (chars[i], chars.get(i + 1).copied());
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            loop {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while chars[i] != '"' {
                let skip = if chars[i] == '\\' { 2 } else { 1 };
                chars[i..i + skip].iter().for_each(|&c| out.push(blank(c)));
                i += skip;
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal ('x', '\n', '\''), not a lifetime.
            out.push(' ');
            i += 1;
            while chars[i] != '\'' {
                let skip = if chars[i] == '\\' { 2 } else { 1 };
                (0..skip).for_each(|_| out.push(' '));
                i += skip;
            }
            out.push(' ');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The top-level modules `code` (of module `module`) reaches through `crate::`, `$crate::` or
/// `super::` paths, with the line of each.
fn uses(module: &[String], code: &str) -> Vec<(String, usize)> {
    let identifier = |s: &str| -> String { s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect() };
    let mut found = Vec::new();
    for (number, line) in code.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("crate::").into_iter().chain(rest.find("super::")).min() {
            let preceded = rest[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_');
            let path = &rest[at..];
            // Past the whole prefix, so that `super::super::` counts once.
            rest = path.trim_start_matches("super::");
            rest = rest.strip_prefix("crate::").unwrap_or(rest);
            if preceded {
                continue;
            }
            let targets: Vec<String> = if let Some(path) = path.strip_prefix("crate::") {
                match path.strip_prefix('{') {
                    // crate::{a::x, b}: the first identifier of each item.
                    Some(group) => group[..group.find('}').unwrap_or(group.len())]
                        .split(',')
                        .map(|item| identifier(item.trim()))
                        .collect(),
                    None => vec![identifier(path)],
                }
            } else {
                let mut path = path;
                let mut depth = module.len();
                while let Some(after) = path.strip_prefix("super::") {
                    depth = depth.saturating_sub(1);
                    path = after;
                }
                match depth {
                    0 => vec![identifier(path)],
                    _ => vec![module[0].clone()],
                }
            };
            found.extend(targets.into_iter().filter(|t| !t.is_empty()).map(|t| (t, number + 1)));
        }
    }
    found
}

fn layer_of(name: &str) -> Option<usize> {
    LAYERS.iter().position(|(layer, _)| *layer == name)
}

#[test]
fn every_top_level_module_has_a_layer() {
    let tops: BTreeSet<String> = sources().into_iter().map(|s| s.module[0].clone()).collect();
    let named: BTreeSet<String> = LAYERS.iter().map(|(layer, _)| layer.to_string()).collect();
    assert_eq!(tops, named, "each folder of src/ is a layer of LAYERS (layers.rs), and each layer a folder");
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let mut violations = Vec::new();
    for source in sources() {
        let own = layer_of(&source.module[0]).unwrap();
        for (target, line) in uses(&source.module, &source.code) {
            match layer_of(&target) {
                Some(layer) if layer > own => violations.push(format!(
                    "src/{}:{line}: {} (layer {own}) uses {target} (layer {layer}), a layer above it",
                    source.path, source.module[0]
                )),
                Some(_) => {}
                None => violations.push(format!("src/{}:{line}: uses crate::{target}, which is no layer", source.path)),
            }
        }
    }
    assert!(violations.is_empty(), "layers.rs: a lower layer may not use a higher one:\n{}", violations.join("\n"));
}

#[test]
fn no_cycle_between_folders() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in sources() {
        let from = source.module[0].clone();
        for (to, _) in uses(&source.module, &source.code) {
            if to != from {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    // Depth-first search for a path that comes back to where it started.
    fn cycle(node: &str, edges: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            return Some(path[start..].iter().cloned().chain([node.to_string()]).collect());
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = cycle(next, edges, path) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    for node in edges.keys() {
        if let Some(found) = cycle(node, &edges, &mut Vec::new()) {
            panic!("the folders import each other: {}", found.join(" -> "));
        }
    }
}

#[test]
fn the_checker_sees_paths_and_skips_comments_and_strings() {
    let module = ["proc".to_string(), "task".to_string()];
    let code = code_only(
        "use crate::mm::user; // crate::kernel\nlet s = \"crate::host\"; let c = '\"';\nuse crate::{abi::nr, arch};\n\
         use super::sched; use super::super::syscalls::x; f::<'a>(crate::host::y);\n/* crate::kernel */",
    );
    let found: Vec<(String, usize)> = uses(&module, &code);
    let names: Vec<&str> = found.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["mm", "abi", "arch", "proc", "syscalls", "host"]);
    assert_eq!(found[0].1, 1);
    assert_eq!(found[5].1, 4);
}

#[test]
fn a_use_from_below_is_caught() {
    let module = ["mm".to_string(), "user".to_string()];
    let found = uses(&module, &code_only("use crate::proc::task;"));
    assert_eq!(found, [("proc".to_string(), 1)]);
    assert!(layer_of("proc") > layer_of("mm"));
}

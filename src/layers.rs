//! The crate's layers, checked: every `crate::` path in a module must name a module its layer may import
//! (docs/architecture.md draws the same table). A new module has to be added here, with what it may import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module and the modules it may import; read top to bottom, each imports only modules above it.
const LAYERS: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("digest", &[]),
    ("registry", &["model", "digest"]),
    ("signing", &[]),
    ("policy", &["model", "digest"]),
    ("rules", &["model", "policy"]),
    ("store", &["model", "digest", "registry", "signing", "policy", "rules"]),
    ("import", &["model", "digest", "registry", "policy", "rules", "store"]),
    ("report", &["model", "registry", "policy", "rules"]),
    ("service", &["model", "digest", "registry", "policy", "rules", "store", "import", "report"]),
    ("output", &["model", "report"]),
    (
        "server",
        &[
            "model", "digest", "registry", "signing", "policy", "rules", "store", "import", "report", "service",
            "output",
        ],
    ),
    (
        "cli",
        &[
            "model", "digest", "registry", "signing", "policy", "rules", "store", "import", "report", "service",
            "output", "server",
        ],
    ),
];

/// The top-level modules each module of `src/` names, through `crate::` or through enough `super::` to reach the
/// crate's root, outside comments.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().trim_end_matches(".rs").to_string())
                .collect();
            let module = parts[0].clone();
            if matches!(module.as_str(), "lib" | "main" | "layers") {
                continue;
            }
            // How many `super::` reach the crate's root from this file: one for each folder below src/, and one
            // more for a file that is not a folder's mod.rs.
            let depth = parts.len() - usize::from(parts.last().is_some_and(|p| p == "mod"));
            let code = without_comments(&std::fs::read_to_string(&path).unwrap());
            let named = found.entry(module.clone()).or_default();
            named.extend(crate_paths(&code, depth).into_iter().filter(|m| *m != module));
        }
    }
    found
}

/// Code with `//` comments (doc comments included) removed, line by line.
fn without_comments(text: &str) -> String {
    text.lines().map(|line| line.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The first segment of every path from the crate's root in some code: `crate::a`, `crate::{a, b::c}` across
/// lines and with nested braces, and a chain of `super::` long enough to reach the root from a file `depth`
/// modules deep (an inline `mod name {` adds one to the depth of what follows it: in this crate such modules,
/// the tests, close at the end of their file).
fn crate_paths(code: &str, depth: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        out.extend(heads(rest));
    }
    let inline_mods: Vec<usize> =
        code.match_indices("mod ").filter(|(i, _)| opens_inline_mod(&code[*i..])).map(|(i, _)| i).collect();
    let mut at = 0;
    while let Some(found) = code[at..].find("super::") {
        let start = at + found;
        let mut chain = 0;
        while code[start + chain * "super::".len()..].starts_with("super::") {
            chain += 1;
        }
        let end = start + chain * "super::".len();
        let nesting = depth + inline_mods.iter().filter(|&&m| m < start).count();
        if chain >= nesting {
            out.extend(heads(&code[end..]));
        }
        at = end;
    }
    out.retain(|s| !s.is_empty() && s != "self" && s != "super");
    out
}

/// The heads of what follows a path's root: one segment, or each item of a `{...}` group.
fn heads(rest: &str) -> Vec<String> {
    match rest.strip_prefix('{') {
        Some(group) => group_heads(group),
        None => vec![first_segment(rest)],
    }
}

/// Whether `mod ...` here opens an inline module (`mod name {`), rather than naming a file (`mod name;`).
fn opens_inline_mod(text: &str) -> bool {
    let after = text["mod ".len()..].trim_start();
    let name_len = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').count();
    name_len > 0 && after[name_len..].trim_start().starts_with('{')
}

/// The first segment of each top-level item of a `{...}` group (the text after its opening brace).
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut at_item_start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_item_start = true,
            c if at_item_start && !c.is_whitespace() => {
                heads.push(first_segment(&group[i..]));
                at_item_start = false;
            }
            _ => {}
        }
    }
    heads
}

fn first_segment(path: &str) -> String {
    path.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

#[test]
fn the_layer_table_has_no_circle() {
    let mut seen = BTreeSet::new();
    for (module, may) in LAYERS {
        for m in *may {
            assert!(seen.contains(m), "{module} may import {m}, which is not above it in LAYERS");
        }
        seen.insert(*module);
    }
}

#[test]
fn every_module_imports_only_its_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut wrong = Vec::new();
    for (module, named) in imports(&src) {
        let Some(may) = allowed.get(module.as_str()) else {
            wrong.push(format!("{module} is not in LAYERS (src/layers.rs): say what it may import"));
            continue;
        };
        for m in named.iter().filter(|m| !may.contains(&m.as_str())) {
            wrong.push(format!("{module} imports {m}"));
        }
    }
    assert!(wrong.is_empty(), "imports against the layers (docs/architecture.md):\n{}", wrong.join("\n"));
}

#[test]
fn crate_paths_are_read_in_every_form() {
    assert_eq!(crate_paths("use crate::model::{Firm, Search};", 1), ["model"]);
    assert_eq!(crate_paths("use crate::{model::Firm, rules};", 1), ["model", "rules"]);
    assert_eq!(crate_paths("use crate::{\n    model::{A, B},\n    store::C,\n};", 1), ["model", "store"]);
    assert_eq!(crate_paths("let x = crate::digest::hex(b); crate::store::Store::open(p)", 1), ["digest", "store"]);
    // From src/import/csv.rs (depth 2), `super::super::` is the crate's root and `super::` is `import`.
    assert_eq!(crate_paths("use super::super::store::Store; use super::Sink;", 2), ["store"]);
    assert_eq!(crate_paths("use super::{Sink, Sources};", 2), Vec::<String>::new());
    assert_eq!(crate_paths("use super::{model::Firm, store};", 1), ["model", "store"]);
}

//! The crate's layers, checked: every `crate::` path in a module must name a module its layer may import
//! (docs/architecture.md draws the same table). A new module has to be added here, with what it may import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module and the modules it may import; read top to bottom, each imports only modules above it.
const LAYERS: &[(&str, &[&str])] = &[
    ("model", &[]),
    ("digest", &[]),
    ("policy", &["model"]),
    ("rules", &["model", "policy"]),
    ("store", &["model", "digest", "policy", "rules"]),
    ("import", &["model", "digest", "policy", "rules", "store"]),
    ("report", &["model", "policy", "rules"]),
    ("service", &["model", "digest", "policy", "rules", "store", "import", "report"]),
    ("output", &["model", "report"]),
    ("server", &["model", "digest", "policy", "rules", "store", "import", "report", "service", "output"]),
    ("cli", &["model", "digest", "policy", "rules", "store", "import", "report", "service", "output", "server"]),
];

/// The top-level modules each module of `src/` names through `crate::`, outside comments.
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
            let first = relative.components().next().unwrap().as_os_str().to_string_lossy().to_string();
            let module = first.trim_end_matches(".rs").to_string();
            if matches!(module.as_str(), "lib" | "main" | "layers") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let named = found.entry(module.clone()).or_default();
            for line in text.lines() {
                let code = line.split("//").next().unwrap_or("");
                named.extend(crate_paths(code).into_iter().filter(|m| *m != module));
            }
        }
    }
    found
}

/// The first segment of every `crate::` path in a line of code, `crate::{a, b::c}` included.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = group.split('}').next().unwrap_or("");
            out.extend(inner.split(',').map(|p| first_segment(p.trim())).filter(|s| !s.is_empty()));
        } else {
            out.push(first_segment(rest));
        }
    }
    out
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
    assert_eq!(crate_paths("use crate::model::{Firm, Search};"), ["model"]);
    assert_eq!(crate_paths("use crate::{model::Firm, rules};"), ["model", "rules"]);
    assert_eq!(crate_paths("let x = crate::digest::hex(b); crate::store::Store::open(p)"), ["digest", "store"]);
}

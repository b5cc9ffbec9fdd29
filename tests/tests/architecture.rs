//! The service crate's layers import downward only: nothing under `identity/` reaches up into
//! the pipeline, the request, `State`, `ServiceError` or the project config, and no file imports
//! another that imports it back, directly or around a circle. Read from the source: every
//! `crate::` and `super::` path outside comments, strings and tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What `identity/` may not import: the layers above it.
const ABOVE_IDENTITY: [&str; 6] = [
    "pipeline",
    "request.rs",
    "state.rs",
    "error.rs",
    "config",
    "config.rs",
];

fn source_root() -> PathBuf {
    chatpass_tests::moto::workspace_root().join("shared/service/src")
}

/// Every `.rs` file under `dir`, by its path relative to the source root.
fn read_tree(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            read_tree(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            files.insert(relative, std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// The code of a file without comments, string contents and its `#[cfg(test)]` module.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = String::new();
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or_default();
        let mut in_string = false;
        let mut escaped = false;
        for c in line.chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                    out.push('"');
                }
                continue;
            }
            if c == '"' {
                in_string = true;
            }
            out.push(c);
        }
        out.push('\n');
    }
    out
}

/// The module a file is: `identity/jwks.rs` → [identity, jwks]; `identity/mod.rs` → [identity].
fn module_of(file: &str) -> Vec<String> {
    let mut parts: Vec<String> = file
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

struct Tree {
    files: BTreeMap<String, String>,
    /// `crate::Name` re-exported by lib.rs → the module defining it.
    reexports: BTreeMap<String, String>,
}

impl Tree {
    fn read() -> Tree {
        let mut files = BTreeMap::new();
        read_tree(&source_root(), &source_root(), &mut files);
        let mut reexports = BTreeMap::new();
        for line in code(&files["lib.rs"]).lines() {
            let Some(rest) = line.trim().strip_prefix("pub use ") else {
                continue;
            };
            let Some((module, names)) = rest.trim_end_matches(';').split_once("::") else {
                continue;
            };
            for name in names.trim_matches(|c| c == '{' || c == '}').split(',') {
                reexports.insert(name.trim().to_owned(), module.to_owned());
            }
        }
        Tree { files, reexports }
    }

    fn file_of(&self, module: &[String]) -> Option<String> {
        if module.is_empty() {
            return Some("lib.rs".into());
        }
        let joined = module.join("/");
        [format!("{joined}.rs"), format!("{joined}/mod.rs")]
            .into_iter()
            .find(|candidate| self.files.contains_key(candidate))
    }

    /// The file a path leads to: its longest prefix that is a module, or what lib.rs
    /// re-exports under its first name.
    fn resolve(&self, path: &[String]) -> Option<String> {
        (1..=path.len())
            .rev()
            .find_map(|k| self.file_of(&path[..k]).filter(|_| k > 0))
            .or_else(|| {
                let module = self.reexports.get(path.first()?)?;
                self.file_of(std::slice::from_ref(module))
            })
    }

    /// The files `file` imports. A parent module declaring or re-exporting its own children
    /// is structure, not a dependency.
    fn imports(&self, file: &str) -> BTreeSet<String> {
        let me = module_of(file);
        let parent = &me[..me.len().saturating_sub(1)];
        let code = code(&self.files[file]);
        let mut found = BTreeSet::new();
        for (anchor, base) in [("crate::", &[][..]), ("super::", parent)] {
            for (at, _) in code.match_indices(anchor) {
                let before = code[..at].chars().last();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let rest = &code[at + anchor.len()..];
                let mut paths: Vec<Vec<String>> = Vec::new();
                if let Some(group) = rest.strip_prefix('{') {
                    let group = group.split('}').next().unwrap_or_default();
                    for item in group.split(',') {
                        let first = item.trim().split("::").next().unwrap_or_default();
                        let first = first.split_whitespace().next().unwrap_or_default();
                        if !first.is_empty() && first != "self" {
                            paths.push(vec![first.to_owned()]);
                        }
                    }
                } else {
                    let path: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    paths.push(
                        path.split("::")
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    );
                }
                for path in paths {
                    let full: Vec<String> = base.iter().cloned().chain(path).collect();
                    if let Some(target) = self.resolve(&full) {
                        found.insert(target);
                    }
                }
            }
        }
        found.remove(file);
        let is_parent = file.ends_with("mod.rs") || file == "lib.rs";
        found.retain(|target| {
            !(is_parent
                && module_of(target).starts_with(&me)
                && module_of(target).len() == me.len() + 1)
        });
        found
    }
}

#[test]
fn identity_imports_nothing_of_the_layers_above_it() {
    let tree = Tree::read();
    let mut reaching_up = Vec::new();
    for file in tree.files.keys().filter(|f| f.starts_with("identity/")) {
        for target in tree.imports(file) {
            let top = target.split('/').next().unwrap_or_default();
            if ABOVE_IDENTITY.contains(&top) {
                reaching_up.push(format!("{file} imports {target}"));
            }
        }
    }
    assert!(reaching_up.is_empty(), "{}", reaching_up.join("\n"));
}

/// Every circle of imports in `graph`, as `a -> b -> a`.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    fn visit(
        file: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        circles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|f| f == file) {
            circles.push(format!("{} -> {file}", path[at..].join(" -> ")));
            return;
        }
        if !done.insert(file.to_owned()) {
            return;
        }
        path.push(file.to_owned());
        for next in graph.get(file).into_iter().flatten() {
            visit(next, graph, path, done, circles);
        }
        path.pop();
    }
    let (mut done, mut found) = (BTreeSet::new(), Vec::new());
    for file in graph.keys() {
        visit(file, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

fn service_graph(tree: &Tree) -> BTreeMap<String, BTreeSet<String>> {
    tree.files
        .keys()
        .filter(|f| !f.starts_with("testing/"))
        .map(|f| (f.clone(), tree.imports(f)))
        .collect()
}

#[test]
fn no_file_of_the_service_imports_one_that_imports_it_back() {
    let found = circles(&service_graph(&Tree::read()));
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_sees_an_import_up_and_a_circle() {
    let mut tree = Tree::read();
    tree.files.insert(
        "identity/up.rs".into(),
        "use crate::pipeline::Call;\nuse super::jwks::Jwks; // crate::state\n".into(),
    );
    let imports = tree.imports("identity/up.rs");
    assert!(imports.contains("pipeline/mod.rs"), "{imports:?}");
    assert!(imports.contains("identity/jwks.rs"), "{imports:?}");
    assert!(!imports.contains("state.rs"), "a comment is not an import");
    tree.files
        .insert("identity/back.rs".into(), "use super::up::X;\n".into());
    tree.files
        .insert("identity/up.rs".into(), "use super::back::Y;\n".into());
    let found = circles(&service_graph(&tree));
    assert!(
        found
            .iter()
            .any(|c| c.contains("identity/up.rs") && c.contains("identity/back.rs")),
        "{found:?}"
    );
}

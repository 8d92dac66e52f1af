//! The library's layers point down only: a module may use the modules of lower layers, never
//! one of its own layer or above (the top layer, the front ends, may use each other). The
//! request flows workload → decision → render → inject; settings, annotations, the mesh
//! config and `go` sit at the bottom. A new top-level module must be placed here.

use std::path::Path;

/// Lowest first.
const LAYERS: &[&[&str]] = &[
    &["go", "text", "scan", "selector", "merge", "alloc"],
    &["mesh"],
    &["annotations", "goenc", "yaml", "native"],
    &["template"],
    &["settings"],
    &["workload"],
    &["decision"],
    &["render", "warnings"],
    &["inject"],
    &["cluster"],
    &[
        "kube_inject",
        "remote",
        "server",
        "explain",
        "gitops",
        "report",
    ],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn modules_only_use_lower_layers() {
    let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut problems = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let module = first.trim_end_matches(".rs");
        // The binary's own modules, and the crate root, are above every layer.
        if ["main", "lib", "gitops_cli"].contains(&module) {
            continue;
        }
        let own = layer(module).unwrap_or_else(|| panic!("src/{first}: add it to LAYERS"));
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (i, _) in code.match_indices("crate::") {
                let used: String = code[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if used == module || used.is_empty() {
                    continue;
                }
                let Some(theirs) = layer(&used) else {
                    problems.push(format!(
                        "src/{}:{}: unknown module {used}",
                        rel.display(),
                        n + 1
                    ));
                    continue;
                };
                let top = own == LAYERS.len() - 1 && theirs == own;
                if theirs >= own && !top {
                    problems.push(format!(
                        "src/{}:{}: {module} (layer {own}) uses {used} (layer {theirs})",
                        rel.display(),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

//! The README's annotation table is generated; this keeps it from drifting.

#[test]
fn readme_annotation_table_is_current() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("<!-- annotations:begin").expect("begin marker");
    let start = start + readme[start..].find("-->").expect("marker end") + 4;
    let end = readme.find("<!-- annotations:end -->").expect("end marker");
    let generated = sidecar_injector::annotations::markdown_table();
    let body: String = generated
        .splitn(3, '\n')
        .nth(2)
        .unwrap_or("")
        .trim()
        .to_string()
        + "\n";
    assert_eq!(
        readme[start..end].trim_start(),
        body,
        "README's annotation table is stale: copy docs/annotations.md below its title"
    );
}

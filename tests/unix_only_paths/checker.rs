//! The checker behind `tests/unix_only_paths`: which `cfg`s are false on Windows, which crates the
//! manifests declare for Unix only, and a syn visitor that walks a crate from its root along its
//! `mod` declarations, reporting every Unix-only path used where a Windows build compiles it.

use std::path::{Path, PathBuf};

use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Attribute, Meta, Token};

/// Path prefixes (`a::b` split into segments) no Windows-compiled code may use.
pub type Prefixes = Vec<Vec<String>>;

pub fn prefixes(paths: &[&str]) -> Prefixes {
    paths
        .iter()
        .map(|p| p.split("::").map(str::to_string).collect())
        .collect()
}

/// The crates (as Rust names: `signal-hook` is `signal_hook`) that the manifests in `manifests`
/// declare only under a target `cfg` that is false on Windows.
pub fn unix_only_crates(manifests: &[PathBuf]) -> Vec<String> {
    let mut crates = Vec::new();
    for manifest in manifests {
        let text = std::fs::read_to_string(manifest).unwrap();
        let doc: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        let Some(targets) = doc.get("target").and_then(|t| t.as_table()) else {
            continue;
        };
        for (spec, tables) in targets {
            // A target triple (`[target.x86_64-pc-windows-gnu]`) is not a cfg: not used here.
            let Ok(Meta::List(cfg)) = syn::parse_str::<Meta>(spec) else {
                continue;
            };
            let Ok(predicate) = cfg.parse_args::<Meta>() else {
                continue;
            };
            if !cfg.path.is_ident("cfg") || eval(&predicate) != OnWindows::No {
                continue;
            }
            for kind in ["dependencies", "dev-dependencies"] {
                for name in tables
                    .get(kind)
                    .and_then(|d| d.as_table())
                    .into_iter()
                    .flatten()
                {
                    crates.push(name.0.replace('-', "_"));
                }
            }
        }
    }
    crates.sort();
    crates.dedup();
    crates
}

/// Whether a `cfg` predicate holds on Windows: yes, no, or it depends (features, `test`, ...).
#[derive(Debug, Clone, Copy, PartialEq)]
enum OnWindows {
    Yes,
    No,
    Maybe,
}

fn eval(meta: &Meta) -> OnWindows {
    use OnWindows::*;
    let name = meta.path().get_ident().map(|i| i.to_string());
    match (meta, name.as_deref()) {
        (Meta::Path(_), Some("unix")) => No,
        (Meta::Path(_), Some("windows")) => Yes,
        (Meta::NameValue(nv), Some(key @ ("target_os" | "target_family"))) => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => {
                if s.value() == "windows" {
                    Yes
                } else if key == "target_os" || s.value() == "unix" {
                    No
                } else {
                    Maybe
                }
            }
            _ => Maybe,
        },
        (Meta::List(list), Some(op @ ("not" | "all" | "any"))) => {
            let Ok(args) = list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            else {
                return Maybe;
            };
            let vals: Vec<OnWindows> = args.iter().map(eval).collect();
            match op {
                "not" => match vals.first() {
                    Some(Yes) => No,
                    Some(No) => Yes,
                    _ => Maybe,
                },
                "all" if vals.contains(&No) => No,
                "all" if vals.iter().all(|v| *v == Yes) => Yes,
                "any" if vals.contains(&Yes) => Yes,
                "any" if vals.iter().all(|v| *v == No) => No,
                _ => Maybe,
            }
        }
        _ => Maybe,
    }
}

/// Whether attributes keep the item they sit on out of a Windows build.
fn excluded_on_windows(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && a.parse_args::<Meta>()
                .is_ok_and(|m| eval(&m) == OnWindows::No)
    })
}

fn path_attr(attrs: &[Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// Walks one file, collecting violations and the module files it declares (with their location).
struct Walker<'a> {
    file: &'a Path,
    unix_only: &'a Prefixes,
    /// Where `mod x;` files of this file live.
    mod_dir: PathBuf,
    found: Vec<String>,
    children: Vec<PathBuf>,
}

impl Walker<'_> {
    fn check(&mut self, segments: &[String], line: usize) {
        if self.unix_only.iter().any(|p| {
            segments.len() >= p.len() && segments.iter().zip(p.iter()).all(|(a, b)| a == b)
        }) {
            self.found.push(format!(
                "{}:{line}: `{}` outside cfg(unix)",
                self.file.display(),
                segments.join("::")
            ));
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            syn::UseTree::Name(n) => self.leaf(prefix, &n.ident),
            syn::UseTree::Rename(r) => self.leaf(prefix, &r.ident),
            syn::UseTree::Glob(_) => self.check(prefix, 0),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.use_tree(prefix, t)),
        }
    }

    fn leaf(&mut self, prefix: &[String], ident: &syn::Ident) {
        let mut full = prefix.to_vec();
        full.push(ident.to_string());
        self.check(&full, ident.span().start().line);
    }
}

/// The attributes of the expressions that commonly carry a `#[cfg]` inside a function body.
fn expr_attrs(e: &syn::Expr) -> &[Attribute] {
    match e {
        syn::Expr::Block(x) => &x.attrs,
        syn::Expr::Call(x) => &x.attrs,
        syn::Expr::MethodCall(x) => &x.attrs,
        syn::Expr::Macro(x) => &x.attrs,
        syn::Expr::Unsafe(x) => &x.attrs,
        syn::Expr::If(x) => &x.attrs,
        syn::Expr::Assign(x) => &x.attrs,
        syn::Expr::Path(x) => &x.attrs,
        syn::Expr::Struct(x) => &x.attrs,
        _ => &[],
    }
}

fn item_attrs(item: &syn::Item) -> &[Attribute] {
    use syn::Item::*;
    match item {
        Const(x) => &x.attrs,
        Enum(x) => &x.attrs,
        ExternCrate(x) => &x.attrs,
        Fn(x) => &x.attrs,
        ForeignMod(x) => &x.attrs,
        Impl(x) => &x.attrs,
        Macro(x) => &x.attrs,
        Mod(x) => &x.attrs,
        Static(x) => &x.attrs,
        Struct(x) => &x.attrs,
        Trait(x) => &x.attrs,
        TraitAlias(x) => &x.attrs,
        Type(x) => &x.attrs,
        Union(x) => &x.attrs,
        Use(x) => &x.attrs,
        _ => &[],
    }
}

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if excluded_on_windows(item_attrs(item)) {
            return;
        }
        match item {
            syn::Item::Use(u) => self.use_tree(&mut Vec::new(), &u.tree),
            syn::Item::Mod(m) if m.content.is_none() => {
                let name = m.ident.to_string();
                let file = match path_attr(&m.attrs) {
                    Some(p) => self.file.parent().unwrap().join(p),
                    None if self.mod_dir.join(format!("{name}.rs")).exists() => {
                        self.mod_dir.join(format!("{name}.rs"))
                    }
                    None => self.mod_dir.join(&name).join("mod.rs"),
                };
                self.children.push(file);
            }
            _ => visit::visit_item(self, item),
        }
    }

    fn visit_impl_item(&mut self, i: &'ast syn::ImplItem) {
        let attrs = match i {
            syn::ImplItem::Const(x) => &x.attrs,
            syn::ImplItem::Fn(x) => &x.attrs,
            syn::ImplItem::Type(x) => &x.attrs,
            syn::ImplItem::Macro(x) => &x.attrs,
            _ => return visit::visit_impl_item(self, i),
        };
        if !excluded_on_windows(attrs) {
            visit::visit_impl_item(self, i);
        }
    }

    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        let skip = match s {
            syn::Stmt::Local(l) => excluded_on_windows(&l.attrs),
            syn::Stmt::Macro(m) => excluded_on_windows(&m.attrs),
            syn::Stmt::Expr(e, _) => excluded_on_windows(expr_attrs(e)),
            syn::Stmt::Item(i) => excluded_on_windows(item_attrs(i)),
        };
        if !skip {
            visit::visit_stmt(self, s);
        }
    }

    fn visit_arm(&mut self, a: &'ast syn::Arm) {
        if !excluded_on_windows(&a.attrs) {
            visit::visit_arm(self, a);
        }
    }

    fn visit_field(&mut self, f: &'ast syn::Field) {
        if !excluded_on_windows(&f.attrs) {
            visit::visit_field(self, f);
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        let line = p
            .segments
            .first()
            .map_or(0, |s| s.ident.span().start().line);
        self.check(&segs, line);
        visit::visit_path(self, p);
    }

    /// Macro arguments are tokens, not syntax: look for `a :: b` runs among them.
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let mut run: Vec<String> = Vec::new();
        let mut line = m.path.segments[0].ident.span().start().line;
        let mut flat = Vec::new();
        flatten(m.tokens.clone(), &mut flat);
        let mut i = 0;
        while i < flat.len() {
            if let proc_macro2::TokenTree::Ident(id) = &flat[i] {
                if run.is_empty() {
                    line = id.span().start().line;
                }
                run.push(id.to_string());
                let is_sep = |t: Option<&proc_macro2::TokenTree>| matches!(t, Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ':');
                if is_sep(flat.get(i + 1)) && is_sep(flat.get(i + 2)) {
                    i += 3;
                    continue;
                }
                let segs = std::mem::take(&mut run);
                self.check(&segs, line);
            } else {
                run.clear();
            }
            i += 1;
        }
        visit::visit_macro(self, m);
    }
}

fn flatten(tokens: proc_macro2::TokenStream, out: &mut Vec<proc_macro2::TokenTree>) {
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Group(g) => flatten(g.stream(), out),
            other => out.push(other),
        }
    }
}

/// Violations in `file` and the module files it declares (followed unless cfg'd out).
pub fn check_file(file: &Path, is_root: bool, unix_only: &Prefixes, found: &mut Vec<String>) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (a `mod` that names a missing file?)",
            file.display()
        )
    });
    let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    if excluded_on_windows(&ast.attrs) {
        return;
    }
    let dir = file.parent().unwrap().to_path_buf();
    let stem = file.file_stem().unwrap().to_string_lossy().to_string();
    let mod_dir = if is_root || stem == "mod" {
        dir
    } else {
        dir.join(stem)
    };
    let mut w = Walker {
        file,
        unix_only,
        mod_dir,
        found: Vec::new(),
        children: Vec::new(),
    };
    w.visit_file(&ast);
    found.append(&mut w.found);
    for child in w.children {
        check_file(&child, false, unix_only, found);
    }
}

/// The workspace's packages: the root and its `workspace.members`.
pub fn packages(workspace: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(workspace.join("Cargo.toml")).unwrap();
    let doc: toml::Table = toml::from_str(&text).unwrap();
    let members = doc["workspace"]["members"]
        .as_array()
        .expect("workspace.members");
    let mut packages = vec![workspace.to_path_buf()];
    packages.extend(members.iter().map(|m| workspace.join(m.as_str().unwrap())));
    packages
}

/// Every crate root of `packages`: each one's lib, bins, tests, benches, examples and build script
/// (single files and `dir/main.rs` alike).
pub fn crate_roots(packages: &[PathBuf]) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for pkg in packages {
        for f in ["src/lib.rs", "src/main.rs", "build.rs"] {
            if pkg.join(f).is_file() {
                roots.push(pkg.join(f));
            }
        }
        for dir in ["src/bin", "tests", "benches", "examples"] {
            let Ok(entries) = std::fs::read_dir(pkg.join(dir)) else {
                continue;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.extension().is_some_and(|x| x == "rs") {
                    roots.push(path);
                } else if path.join("main.rs").is_file() {
                    roots.push(path.join("main.rs"));
                }
            }
        }
    }
    roots.sort();
    roots
}

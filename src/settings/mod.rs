//! Configuration the injector is driven by, parsed and validated once at load.

pub mod mesh;

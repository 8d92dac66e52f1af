//! Minimal entry point for the `serve` subcommand (the lead's main.rs supersedes this).

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "sidecar-injector", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the mutating admission webhook.
    Serve(sidecar_injector::server::ServeArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => sidecar_injector::server::run(args).await,
    }
}

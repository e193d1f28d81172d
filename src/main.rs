//! The `pistream` command: serve (the default), `pistream cameras`, `pistream passwd USER`,
//! `pistream theme init DIR`, and what the package ships: `pistream completions SHELL`,
//! `pistream man`, `pistream env-file`.

use clap::Parser;
use pistream::config::{Cli, Command, ThemeCommand};
use pistream::server::Running;

fn main() {
    let cli = Cli::parse();
    pistream::logging::init();
    let result = match cli.command {
        Some(Command::Cameras) => {
            print!("{}", pistream::video::cameras::describe_all());
            print!("{}", pistream::video::encode::codec::describe());
            Ok(())
        }
        Some(Command::Passwd { user }) => {
            pistream::web::auth::passwd_line(&user).map(|line| println!("{line}"))
        }
        Some(Command::Theme {
            command: ThemeCommand::Init { dir },
        }) => pistream::site::init_theme(&dir)
            .map(|()| println!("wrote the default theme to {}", dir.display()))
            .map_err(|e| e.to_string()),
        Some(Command::Completions { shell }) => {
            pistream::cli_docs::completions(shell, &mut std::io::stdout());
            Ok(())
        }
        Some(Command::Man) => {
            pistream::cli_docs::man_page(&mut std::io::stdout()).map_err(|e| e.to_string())
        }
        Some(Command::EnvFile) => {
            print!(
                "{}",
                pistream::cli_docs::env_file(pistream::cli_docs::PACKAGE_SETTINGS)
            );
            Ok(())
        }
        None => async_std::task::block_on(serve(cli.serve)),
    };
    if let Err(e) = result {
        eprintln!("pistream: {e}");
        std::process::exit(1);
    }
}

async fn serve(config: pistream::config::Config) -> Result<(), String> {
    let signals = pistream::server::termination_signals().map_err(|e| e.to_string())?;
    let running = Running::start(config).await.map_err(|e| e.to_string())?;
    // The banner, printed once: on stdout, where tests and scripts read it to find the port. (It was
    // also logged to stderr, so a terminal or the journal, which show both streams, showed it twice.)
    println!("pistream listening on http://{}", running.addr);
    let codec = running.app.capture.options().codec;
    log::info!(
        "camera {}; encoder {} ({}); photos in {}; pages in {}",
        running.app.capture.backend(),
        codec.name(),
        codec.library(),
        running.app.config.pic.display(),
        running.app.config.content.display()
    );
    #[cfg(unix)]
    pistream::systemd::ready(running.addr, &running.app);
    running.run_until(signals).await.map_err(|e| e.to_string())
}

//! The `dynamate-codegen` command: `generate`, `check` and `diff` for dynamate schemas (built
//! with `--features cli`; the code is in the library's hidden `cli` module).

fn main() -> std::process::ExitCode {
    dynamate_codegen::cli::main()
}

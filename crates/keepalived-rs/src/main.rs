//! keepalived-rs: the keepalived(8)-compatible command line.

mod host;

fn main() {
    let _ = host::SystemHost;
    eprintln!("keepalived-rs: under construction");
    std::process::exit(2);
}

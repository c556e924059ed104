//! The migrations are embedded by `sqlx::migrate!`, which cargo does not know reads the
//! `migrations` folder: without this, a new migration file would not rebuild the crate.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

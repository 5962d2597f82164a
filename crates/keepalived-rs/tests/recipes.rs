//! The recipes of `examples/` run with the real servers in namespaces:
//! each test copies a recipe's files (substituting only the values its
//! README lists as the ones to change), checks every keepalived.conf with
//! keepalived 2.2.7's and keepalived-rs's `-t`, starts the servers and
//! keepalived-rs, and keeps a client working through a node's death.

#[path = "recipes/support.rs"]
mod support;

#[path = "recipes/nginx_ha.rs"]
mod nginx_ha;

#[path = "recipes/pg.rs"]
mod pg;

#[path = "recipes/postgresql_ha.rs"]
mod postgresql_ha;

#[path = "recipes/director.rs"]
mod director;

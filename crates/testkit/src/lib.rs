//! Test support (under construction).

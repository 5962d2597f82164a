//! The VRRP engine (under construction).

//! Wire formats (under construction).

//! The randomized simulation (see below).

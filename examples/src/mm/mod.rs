//! The market makers' order management (filled in below).

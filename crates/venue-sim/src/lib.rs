//! `venue-sim`: a loopback exchange that speaks both venues' real protocols.
//!
//! Not built yet: filled by the simulator issue.

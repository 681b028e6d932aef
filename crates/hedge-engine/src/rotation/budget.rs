//! See [the module list](super). Written by the decisions work (pure, no I/O).

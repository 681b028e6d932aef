//! See [the module list](super). Written by the bot's state and loop work.

"""Pure text functions: normalisers for the stored text, and the separate hashing key."""

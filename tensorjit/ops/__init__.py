"""Public ops, one module per op group, each built from its op table."""

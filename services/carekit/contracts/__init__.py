"""Event schemas, one module per publishing service (the public contract)."""

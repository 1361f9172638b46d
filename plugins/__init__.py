"""Plugin system: hook specifications, the one plugin manager, and the built-in plugins."""

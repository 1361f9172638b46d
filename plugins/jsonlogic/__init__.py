"""Built-in plugin: the JsonLogic expression evaluator (default for conditions and transforms)."""

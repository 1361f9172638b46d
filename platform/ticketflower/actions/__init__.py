"""HTTP actions on the platform side: signing secret, callback tokens, the plugin host."""

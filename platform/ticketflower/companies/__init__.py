"""Companies on the platform: creating and deleting them (provisioning), finding the
company of a host or a worker message (lookups), and the demo company of `make run`.

The arrow points one way: this package uses `tenants` (the shared schema's Company and
Domain, and the schema-cloning SQL); `tenants` uses nothing of the platform.
"""

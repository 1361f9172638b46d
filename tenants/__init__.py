"""Companies (tenants), their host names, and provisioning (public schema)."""

"""The AI assistant's door: an MCP server over the service's own API (docs/mcp.md)."""

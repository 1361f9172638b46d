"""Workflow definitions: workflows, tasks, completions, ticket definitions.

Design: docs/api-design.md and the docs/decision-*.md files; the bundle format is
docs/bundle-format.md and its rules live in the kernel (kernel/validation.py).
"""

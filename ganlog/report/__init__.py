"""Reporters: pure functions from an Analysis to text, HTML, JSON, JUnit, GitHub or Markdown."""

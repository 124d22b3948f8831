"""flavors."""

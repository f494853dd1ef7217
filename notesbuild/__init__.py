"""Build code of the site: notebook execution cache, mkdocs hooks, test plugin."""

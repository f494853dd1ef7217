"""Code shared by two or more notebooks. The build inlines what a notebook imports into its standalone copy."""

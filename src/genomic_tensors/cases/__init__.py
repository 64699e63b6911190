"""Glue code of the three case studies: what each case adds on top of the package."""

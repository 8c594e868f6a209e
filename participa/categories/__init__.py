"""Categories of proposals and projects, defined by administrators."""

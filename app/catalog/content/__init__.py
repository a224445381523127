"""Courses as files: read and validate a course folder, import it, export it back."""

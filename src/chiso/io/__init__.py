"""Readers and writers of files: administrative data, CSV/XLSX tables, templates, exports."""

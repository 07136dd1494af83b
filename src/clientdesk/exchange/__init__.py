"""Import and export as plain functions over a session (csv, xlsx, json, vcf, ics)."""

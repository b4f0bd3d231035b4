"""crypto_reports island (L5): research reports, their pages, feeds and admin."""

"""Statistical releases: sources, output tables, disclosure checks and sign-off."""

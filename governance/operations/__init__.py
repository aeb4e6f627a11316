"""Running the portal: health probes, metrics and the live figures they report, and who may read them."""

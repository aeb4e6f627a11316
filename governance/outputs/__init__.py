"""Safe outputs: researchers' tables and model results, checked and cleared before they leave."""

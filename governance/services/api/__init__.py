"""The API's own domain: personal API tokens and who may hold, see and revoke them."""

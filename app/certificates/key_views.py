"""The issuer's published keys (placeholder until the credential work lands)."""

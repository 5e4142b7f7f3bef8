"""Application services: each opens one transaction and applies one domain command."""

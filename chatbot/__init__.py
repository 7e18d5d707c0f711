"""The reading side: retrieval, answers, the claim audit, over a complete store version."""

"""Shared foundations read by both sides of the store: settings, chunk type, text utilities,
embeddings and the versioned store layout. Nothing here imports ingest/, chatbot/ or evals/."""

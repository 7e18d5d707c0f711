"""The Streamlit UI. Page scripts under ``app/pages`` only draw; everything that decides what to
draw (escaping, highlighting, badges, tables, upload checks) lives in small pure modules here so it
can be tested without a browser or a Streamlit runtime."""

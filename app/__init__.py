"""The Streamlit cockpit. Pages are thin: every read and write goes through ``cockpit``."""

"""The cockpit's pages (routed by ``app/streamlit_app.py``) and what they share."""

"""One module per page, each with ``render()``; the registry is app.ui.nav. (Not named
``pages``: Streamlit would take a ``pages/`` folder beside the entry point for old-style pages.)"""

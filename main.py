"""Entry point for `flet build`, which looks for main.py in the app's folder.

Development and tests use `python -m fieldapp web`; both start fieldapp.main.
"""

import flet as ft

from fieldapp.main import main

if __name__ == "__main__":
    ft.run(main)

"""The field app's screens: thin Flet views over fieldapp.state.AppState."""

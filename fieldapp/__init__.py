"""Field app for officers on patrol: views → state → store/sync → models/db."""

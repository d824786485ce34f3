"""Face-to-face classes: schedules, rosters, attendance, check-in and completion."""

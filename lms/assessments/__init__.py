"""Quizzes: question model, grading and the GIFT / Aiken / YAML quiz file formats."""

"""Code the Rasa engine imports itself (runs in .venv-rasa, Python 3.10); see fast_validation."""

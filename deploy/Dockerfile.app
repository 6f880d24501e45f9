# Everything of ours (Python 3.11): the action server, the Telegram adapter, the CLI and
# the migrations. Installed editable so the project root (alembic.ini, migrations/,
# bot/locale) stays where the code looks for it.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY bot/ bot/
COPY actions/ actions/
COPY migrations/ migrations/
RUN pip install --no-cache-dir -e . && pip check
ENV PYTHONUNBUFFERED=1

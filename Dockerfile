# Liquid Policy: API and web client. Configure with environment variables (see README.md);
# production uses PostgreSQL: docker run -e DATABASE_URL=postgresql://user:pw@db/liquidpolicy ...
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.lock pyproject.toml README.md ./
COPY app ./app
COPY proposals ./proposals
COPY delegation ./delegation
COPY alembic ./alembic
COPY alembic.ini ./
RUN pip install -c requirements.lock . \
    && useradd --create-home --uid 10001 liquidpolicy \
    && chown liquidpolicy /app

USER liquidpolicy
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"]
# Server processes: -e WORKERS=4 (PostgreSQL only; one of them runs the background work).
CMD ["liquidpolicy", "serve", "--host", "0.0.0.0", "--port", "8000"]
